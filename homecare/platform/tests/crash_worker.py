"""A subprocess for the crash-safety tests: a real RQ worker, or one function's answer as JSON.

    python -m homecare.platform.tests.crash_worker work QUEUE [--burst] [--preload MODULE,...]
    python -m homecare.platform.tests.crash_worker call DOTTED.FUNCTION

The database is the one DATABASE_URL names (the test hands over the copy it made of its test database:
pytest-django's database is `test_…`, or in memory on SQLite, so a worker can't find it by settings);
Redis is REDIS_URL. The worker is RQ's own forking Worker, as `manage.py rqworker` runs in production,
with a shorter heartbeat so that a killed worker's job counts as abandoned after seconds, not minutes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

# RQ: a heartbeat every 30 s and 60 s of grace. Here 1 s and 4 s: abandoned 5 s after the worker died
# (the grace is there for a live worker on a busy machine, whose heartbeat may come late).
HEARTBEAT_SECONDS = 1
GRACE_SECONDS = 4


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecare.config.settings.test")
    import django

    django.setup()


def work(queue_name: str, *, burst: bool, preload: list[str]) -> None:
    import redis
    from django.conf import settings
    from rq import Queue, Worker

    class QuickHeartbeatWorker(Worker):
        def get_heartbeat_ttl(self, job) -> int:
            return super().get_heartbeat_ttl(job) - 60 + GRACE_SECONDS

    for module in preload:  # imported once here, so each job's forked work-horse starts warm
        importlib.import_module(module)
    connection = redis.Redis.from_url(settings.REDIS_URL)
    worker = QuickHeartbeatWorker(
        [Queue(queue_name, connection=connection)],
        connection=connection,
        job_monitoring_interval=HEARTBEAT_SECONDS,
    )
    worker.work(burst=burst, logging_level="WARNING")


def call(dotted: str) -> None:
    from django.utils.module_loading import import_string

    print(json.dumps(import_string(dotted)(), sort_keys=True, default=str))


def main(argv: list[str]) -> None:
    _setup()
    if argv[0] == "work":
        preload = argv[argv.index("--preload") + 1].split(",") if "--preload" in argv else []
        work(argv[1], burst="--burst" in argv, preload=preload)
    elif argv[0] == "call":
        call(argv[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])


def sleep_then_count(key: str, seconds: float) -> int:
    """A job for test_jobs_recovery: counts its runs in Redis, then sleeps (a window to be killed in)."""
    import time

    import redis
    from django.conf import settings

    runs = redis.Redis.from_url(settings.REDIS_URL).incr(f"{key}:runs")
    time.sleep(seconds)
    return runs
