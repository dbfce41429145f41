"""Background jobs: in-process when eager, and through a real Redis queue and RQ worker otherwise."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core import mail

from homecare.accounts import tasks
from homecare.platform import jobs


def test_an_eager_job_runs_at_once(settings):
    settings.JOBS_EAGER = True
    jobs.enqueue(tasks.send_email, subject="Hello", body="Body", to=["a@example.org"])
    assert [m.subject for m in mail.outbox] == ["Hello"]


@pytest.mark.redis
def test_a_queued_job_waits_in_redis_until_a_worker_runs_it(settings):
    import redis
    from rq import Queue, SimpleWorker

    connection = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running at REDIS_URL; CI starts it (see .ci/run)")
    queue_name = f"test-{uuid.uuid4().hex}"
    settings.JOBS_EAGER = False
    settings.RQ_QUEUES = {queue_name: {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    queue = Queue(queue_name, connection=connection)
    try:
        job = jobs.enqueue(
            tasks.send_email, queue=queue_name, subject="Queued", body="B", to=["b@example.org"]
        )
        assert job is not None and queue.count == 1
        assert mail.outbox == []  # nothing happens until a worker takes it
        SimpleWorker([queue], connection=connection).work(burst=True)
        job.refresh()
        assert job.is_finished and job.return_value() == 1
    finally:
        queue.delete(delete_jobs=True)
