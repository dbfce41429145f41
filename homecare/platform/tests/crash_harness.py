"""Crash-safety harness: copies of the test database for worker subprocesses, real RQ workers that are
started, SIGKILLed at random moments and restarted, and the checks that no job is lost or left running.

Used by homecare/tests/test_crash_safety.py (the call-event and payment-run scenarios) and by
test_jobs_recovery.py here. Needs Redis (tests are marked `redis` and skip without it).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

from homecare.platform import jobs

REPO = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SUBPROCESS_SETTINGS = "homecare.config.settings.test"


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running at REDIS_URL")
    return client


# --- databases the workers can reach ---------------------------------------------------------------


@contextmanager
def database_copies(names: Iterable[str], directory: Path) -> Iterator[dict[str, str]]:
    """A DATABASE_URL per name, each a copy of the test database as committed now (use a transactional
    test). SQLite: the in-memory test database can't be shared with other processes, so each copy is a
    file made with SQLite's backup API. PostgreSQL: CREATE DATABASE … TEMPLATE the test database."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        urls = {}
        for name in names:
            path = directory / f"{name}.sqlite3"
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            urls[name] = f"sqlite:///{path}"
        yield urls
        return
    from psycopg import sql

    settings_dict = dict(connection.settings_dict)
    source = settings_dict["NAME"]
    clones = {name: f"{source}_{name}_{uuid.uuid4().hex[:8]}"[:63] for name in names}
    connections.close_all()  # a template database must have no other sessions
    with _admin(settings_dict) as admin:
        for clone in clones.values():
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(clone), sql.Identifier(source)
                )
            )
    try:
        yield {name: _postgres_url(settings_dict, clone) for name, clone in clones.items()}
    finally:
        with _admin(settings_dict) as admin:
            for clone in clones.values():
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(clone))
                )


def _admin(settings_dict: dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=True,
    )


def _postgres_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{settings_dict.get('HOST') or 'localhost'}{port}/{name}"


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": SUBPROCESS_SETTINGS,
        "REDIS_URL": REDIS_URL,
        "LOG_FORMAT": "text",
    }


def call_in(database_urls: dict[str, str], dotted: str) -> dict[str, dict]:
    """`dotted()` run in a fresh process against each database (at the same time); its JSON answers."""
    running = {
        name: subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "homecare.platform.tests.crash_worker", "call", dotted],
            cwd=REPO,
            env=_environment(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, url in database_urls.items()
    }
    answers = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        answers[name] = json.loads(out.strip().splitlines()[-1])
    return answers


# --- workers -----------------------------------------------------------------------------------------


class WorkerProcess:
    """`crash_worker work` in its own process group, so a SIGKILL takes its forked work-horse too (as a
    lost machine or a container killed for memory would)."""

    def __init__(self, *, database_url: str, queue: str, log: Path, burst: bool = False, preload=()):
        args = [sys.executable, "-m", "homecare.platform.tests.crash_worker", "work", queue]
        args += ["--burst"] if burst else []
        args += ["--preload", ",".join(preload)] if preload else []
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                args,
                cwd=REPO,
                env=_environment(database_url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """RQ's warm shutdown: the job in hand is finished first."""
        self.process.send_signal(signal.SIGTERM)
        self.wait(timeout=120)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"worker still running after {timeout}s: {self.tail()}") from None

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


@dataclass
class JobQueue:
    """A queue of its own for one test run, on the real Redis."""

    name: str
    redis: object

    @classmethod
    def fresh(cls, redis, label: str) -> JobQueue:
        return cls(name=f"crash-{label}-{uuid.uuid4().hex[:10]}", redis=redis)

    @property
    def queue(self):
        from rq import Queue

        return Queue(self.name, connection=self.redis)

    def started_ids(self) -> list[str]:
        return self.queue.started_job_registry.get_job_ids(cleanup=False)

    def executions(self) -> set[str]:
        """The started registry's entries, `job id:execution id`: a retried job is a new execution."""
        return {entry.decode() for entry in self.redis.zrange(self.queue.started_job_registry.key, 0, -1)}

    def waiting_ids(self) -> list[str]:
        return self.queue.get_job_ids() + self.queue.intermediate_queue.get_job_ids()

    def idle(self) -> bool:
        return not self.waiting_ids() and not self.started_ids()

    def heartbeats_expire_at(self) -> float:
        scores = [
            score
            for _, score in self.redis.zrange(self.queue.started_job_registry.key, 0, -1, withscores=True)
        ]
        return max(scores, default=0.0)

    def delete(self, job_ids: Iterable[str] = ()) -> None:
        """Every key of this queue and of its jobs (their registries, executions and results)."""
        from rq.registry import FailedJobRegistry, FinishedJobRegistry

        queue = self.queue
        ids = {*job_ids, *self.waiting_ids(), *self.started_ids()}
        for registry in (FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)):
            ids.update(registry.get_job_ids(cleanup=False))
        for pattern in [f"rq:*{self.name}*", *(f"rq:*{job_id}*" for job_id in ids)]:
            keys = list(self.redis.scan_iter(match=pattern, count=1000))
            if keys:
                self.redis.delete(*keys)


def _wait_for(condition: Callable[[], object], timeout: float, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up waiting after {timeout}s")


def run_with_kills(
    *,
    queue: JobQueue,
    database_url: str,
    kills: Iterable[str],
    rng: random.Random,
    max_delay: float,
    log: Path,
    preload: Iterable[str] = (),
) -> tuple[list[str], WorkerProcess | None]:
    """For each kill ("worker" or "horse"): wait until a worker has taken a job, then SIGKILL a random
    moment later either
    - the whole worker, work-horse and all (a lost machine): a new worker starts, as systemd would
      restart it, and the dead job waits in the started registry until its heartbeat expires and the
      reaper (run here as the scheduler runs it) requeues it; or
    - only the forked work-horse running the job (the kernel's OOM killer): the worker sees it die and
      retries the job itself.
    Returns the ids of the jobs that were running when something was killed, and the worker still
    running (for `drain`)."""
    caught: list[str] = []
    worker: WorkerProcess | None = None
    for kind in kills:
        jobs.requeue_abandoned(queue_names=[queue.name])  # only jobs whose heartbeat has expired
        if queue.idle():
            break
        if worker is None:
            worker = WorkerProcess(database_url=database_url, queue=queue.name, log=log, preload=preload)
        _wait_for(lambda w=worker: queue.executions() or queue.idle() or w.process.poll() is not None, 60)
        time.sleep(rng.uniform(0, max_delay))
        running = queue.executions()
        if kind == "horse":
            horses = _children(worker.process.pid)
            for pid in horses:
                os.kill(pid, signal.SIGKILL)
            if horses:
                caught += [entry.split(":")[0] for entry in running]
                _wait_for(lambda r=running: not r & queue.executions(), 30)  # the worker has noticed
            continue
        worker.kill()
        worker = None
        caught += [entry.split(":")[0] for entry in running]
    return caught, worker


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def drain(
    *,
    queue: JobQueue,
    database_url: str,
    log: Path,
    worker: WorkerProcess | None = None,
    preload: Iterable[str] = (),
    timeout: float = 180,
) -> None:
    """Let a worker (the one still running, or a new one) empty the queue, while the reaper requeues
    what killed workers left behind: started jobs once their heartbeat has expired, and jobs dequeued
    but never started after a few seconds (a live worker starts one within milliseconds). Then stop it."""
    worker = worker or WorkerProcess(database_url=database_url, queue=queue.name, log=log, preload=preload)
    try:
        deadline = time.monotonic() + timeout
        while not queue.idle():
            assert worker.process.poll() is None, f"the worker died: {worker.tail()}"
            assert time.monotonic() < deadline, f"not drained: {queue.waiting_ids()} {queue.started_ids()}"
            jobs.requeue_abandoned(queue_names=[queue.name], stuck_after=3)
            time.sleep(0.2)
    finally:
        worker.stop()


def assert_settled(queue: JobQueue, job_ids: Iterable[str]) -> None:
    """Nothing waiting, running, abandoned or failed; every job finished."""
    from rq.job import Job, JobStatus
    from rq.registry import FailedJobRegistry

    assert queue.waiting_ids() == []
    assert queue.started_ids() == []
    assert FailedJobRegistry(queue=queue.queue).get_job_ids(cleanup=False) == []
    ids = list(job_ids)
    statuses = [job.get_status() for job in Job.fetch_many(ids, connection=queue.redis)]
    assert statuses == [JobStatus.FINISHED] * len(ids)
