"""Jobs whose worker died are run again: the reaper requeues a started job once its heartbeat has
expired, and a job a worker dequeued but never started; neither is ever put back twice."""

from __future__ import annotations

import time
import uuid

import pytest

from homecare.platform import jobs
from homecare.platform.tests.crash_harness import REDIS_URL, JobQueue, WorkerProcess, drain, redis_or_skip

pytestmark = pytest.mark.redis
JOB = "homecare.platform.tests.crash_worker.sleep_then_count"


@pytest.fixture
def queue(settings):
    queue = JobQueue.fresh(redis_or_skip(), "recovery")
    settings.JOBS_EAGER = False
    settings.RQ_QUEUES = {queue.name: {"URL": REDIS_URL}}
    yield queue
    queue.delete()


def test_a_job_whose_worker_was_killed_runs_again_once_its_heartbeat_expires(queue, tmp_path):
    key = f"test:{uuid.uuid4().hex}"
    job = jobs.enqueue(JOB, key, 30, queue=queue.name)
    worker = WorkerProcess(database_url="sqlite:///unused.sqlite3", queue=queue.name, log=tmp_path / "log")
    deadline = time.monotonic() + 60
    while not queue.started_ids() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.kill()  # mid-sleep: the job has started and will never finish
    assert queue.started_ids() == [job.id]

    assert jobs.requeue_abandoned(queue_names=[queue.name]) == 0  # its heartbeat has not expired yet
    time.sleep(queue.heartbeats_expire_at() - time.time() + 1.0)
    assert jobs.requeue_abandoned(queue_names=[queue.name]) == 1
    assert jobs.requeue_abandoned(queue_names=[queue.name]) == 0
    assert queue.queue.get_job_ids() == [job.id] and queue.started_ids() == []
    job.refresh()
    assert job.retries_left == 4  # of JOBS_RETRIES (5)
    queue.redis.delete(f"{key}:runs")


def test_a_job_dequeued_by_a_worker_that_died_before_starting_it_is_put_back_once(queue):
    job = jobs.enqueue(JOB, "unused", 0, queue=queue.name)
    # What a worker's dequeue does (LMOVE to the intermediate list) just before it dies.
    queue.redis.lmove(queue.queue.key, queue.queue.intermediate_queue.key)
    assert queue.queue.get_job_ids() == [] and queue.waiting_ids() == [job.id]

    assert jobs.requeue_abandoned(queue_names=[queue.name]) == 0  # a live worker starts it in moments
    assert jobs.requeue_abandoned(queue_names=[queue.name], stuck_after=0) == 1
    assert jobs.requeue_abandoned(queue_names=[queue.name], stuck_after=0) == 0
    assert queue.queue.get_job_ids() == [job.id]
    assert queue.queue.intermediate_queue.get_job_ids() == []


def test_a_requeued_job_that_is_already_back_on_the_queue_is_not_queued_twice(queue, tmp_path):
    job = jobs.enqueue(JOB, "unused", 0, queue=queue.name)
    queue.redis.lmove(queue.queue.key, queue.queue.intermediate_queue.key)
    queue.queue.push_job_id(job.id)  # a retry put it back already
    assert jobs.requeue_abandoned(queue_names=[queue.name], stuck_after=0) == 0
    assert queue.queue.get_job_ids() == [job.id] and queue.queue.intermediate_queue.get_job_ids() == []
    drain(queue=queue, database_url="sqlite:///unused.sqlite3", log=tmp_path / "log")
    job.refresh()
    assert job.is_finished


def test_jobs_in_process_need_no_reaper(settings):
    settings.JOBS_EAGER = True
    assert jobs.requeue_abandoned() == 0


def test_the_scheduler_runs_the_reaper_every_minute(settings):
    from homecare.platform import schedule

    assert (
        schedule.Entry(job="homecare.platform.jobs.requeue_abandoned", every_minutes=1) in schedule.entries()
    )
