"""Background jobs on RQ (Redis). With JOBS_EAGER the job runs in-process, at once (embedded default).

Jobs are thin wrappers around services (ARCHITECTURE.md); enqueue the dotted path of a module-level
function so the worker can import it. Arguments must be plain values (ids, strings), never model
instances, so a job sees the database as it is when it runs.

Crash safety (ADR 0004): delivery is at least once. A worker can die (SIGKILL, OOM, a lost machine) at
any point of a job, so every job must be idempotent: its service commits in one transaction, and
running it again after a commit changes nothing (client ids, unique constraints, recalculation from
scratch). A job whose worker died stays in RQ's started registry until its heartbeat expires; then
`requeue_abandoned` (every worker's periodic maintenance, and the scheduler each minute) puts it back on
its queue while it has retries left (`Retry(max=JOBS_RETRIES)` on every job).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

import django_rq
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from rq import Retry
from rq.job import JobStatus

log = logging.getLogger(__name__)


def enqueue(func: Callable[..., Any] | str, *args: Any, queue: str = "default", **kwargs: Any):
    """Queue `func(*args, **kwargs)`; returns the RQ job (already finished when eager). `func` may be a
    dotted path, so an app can start another app's job named in settings without importing it."""
    if settings.JOBS_EAGER:
        (import_string(func) if isinstance(func, str) else func)(*args, **kwargs)
        return None
    # args= and kwargs= explicitly, so a job's own keyword (timeout, description, ...) is never read as
    # an RQ option. The retries are what brings back a job whose worker died (see requeue_abandoned).
    return django_rq.get_queue(queue).enqueue(
        func, args=args, kwargs=kwargs, retry=Retry(max=settings.JOBS_RETRIES)
    )


def requeue_abandoned(*, queue_names: Iterable[str] | None = None, stuck_after: float = 60.0) -> int:
    """Put jobs whose worker died back on their queue; returns how many. Scheduled every minute.

    Two places hold a job a dead worker had taken:
    - the started registry, until the execution's heartbeat expires (RQ's default: a minute and a half
      after the last one). RQ's own clean-up then retries the job if it has retries left, or moves it to
      the failed registry if it has none;
    - the intermediate list, for a job dequeued a moment before its worker died, before it was started.
      One still there, unstarted and not already back on the queue, `stuck_after` seconds after we
      first saw it is pushed back. (A live worker moves a job on within milliseconds; a test that has
      killed every worker passes 0.)
    Holds the queue's maintenance lock, as a worker's clean-up does, so two never requeue one job twice.
    """
    if settings.JOBS_EAGER:
        return 0
    requeued = 0
    for name in queue_names if queue_names is not None else settings.RQ_QUEUES:
        queue = django_rq.get_queue(name)
        if not queue.acquire_maintenance_lock():
            continue  # a worker is cleaning this queue right now
        try:
            started = queue.started_job_registry
            expired = started.get_expired_job_ids()
            started.cleanup()
            requeued += len(expired)
            requeued += _requeue_undelivered(queue, stuck_after)
        finally:
            queue.release_maintenance_lock()
    if requeued:
        log.warning("requeued abandoned jobs", extra={"jobs": requeued})
    return requeued


def _requeue_undelivered(queue, stuck_after: float) -> int:
    intermediate = queue.intermediate_queue
    started = set(queue.started_job_registry.get_job_ids(cleanup=False))
    requeued = 0
    for job_id in intermediate.get_job_ids():
        if job_id in started:
            continue  # running, or abandoned: the started registry's clean-up decides
        job = queue.fetch_job(job_id)
        if job is None or job.get_status(refresh=False) != JobStatus.QUEUED:
            intermediate.remove(job_id)  # finished, failed or gone: nothing to deliver
            continue
        if queue.connection.lpos(queue.key, job_id) is not None:
            intermediate.remove(job_id)  # already back on the queue (a retry): don't run it twice
            continue
        intermediate.set_first_seen(job_id)
        first_seen = intermediate.get_first_seen(job_id)
        if first_seen is None or timezone.now() - first_seen < dt.timedelta(seconds=stuck_after):
            continue
        intermediate.remove(job_id)
        queue.push_job_id(job_id)
        requeued += 1
    return requeued
