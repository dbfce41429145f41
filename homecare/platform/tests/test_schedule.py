"""The scheduler: each slot of each periodic job is started once, however many schedulers run."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from homecare.platform import schedule

LONDON = schedule.LONDON
EVERY_5 = schedule.Entry(job="a.job", every_minutes=5)
NIGHTLY = schedule.Entry(job="b.job", daily_at=dt.time(2, 0))


def _at(y, m, d, hh, mm):
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON)


def test_a_five_minute_job_starts_once_per_five_minutes():
    claims, started = schedule.MemoryClaims(), []
    for minute in range(0, 15):
        schedule.tick(
            now=_at(2026, 3, 2, 9, minute), claims=claims, schedule=[EVERY_5], enqueue=started.append
        )
    assert started == ["a.job"] * 3


def test_a_nightly_job_waits_for_its_time_then_runs_once_that_day():
    claims, started = schedule.MemoryClaims(), []
    for hour in (0, 1, 2, 3, 23):
        schedule.tick(now=_at(2026, 3, 2, hour, 0), claims=claims, schedule=[NIGHTLY], enqueue=started.append)
    assert started == ["b.job"]
    schedule.tick(now=_at(2026, 3, 3, 2, 1), claims=claims, schedule=[NIGHTLY], enqueue=started.append)
    assert started == ["b.job", "b.job"]


def test_the_nightly_job_runs_once_on_the_days_the_clocks_change():
    for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        claims, started = schedule.MemoryClaims(), []
        start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON).astimezone(dt.UTC)
        for quarter in range(96):
            now = start + dt.timedelta(minutes=15 * quarter)
            schedule.tick(now=now, claims=claims, schedule=[NIGHTLY], enqueue=started.append)
        assert started == ["b.job"], day


@given(schedulers=st.integers(min_value=1, max_value=5), minutes=st.integers(min_value=1, max_value=120))
def test_however_many_schedulers_tick_each_slot_starts_once(schedulers, minutes):
    claims, started = schedule.MemoryClaims(), []
    start = _at(2026, 6, 1, 8, 0)
    for minute in range(minutes):
        for _ in range(schedulers):
            schedule.tick(
                now=start + dt.timedelta(minutes=minute),
                claims=claims,
                schedule=[EVERY_5],
                enqueue=started.append,
            )
    assert len(started) == (minutes + 4) // 5


def test_one_failing_job_does_not_stop_the_others():
    def enqueue(job):
        if job == "a.job":
            raise RuntimeError("queue down")
        ran.append(job)

    ran: list[str] = []
    schedule.tick(
        now=_at(2026, 3, 2, 3, 0),
        claims=schedule.MemoryClaims(),
        schedule=[EVERY_5, NIGHTLY],
        enqueue=enqueue,
    )
    assert ran == ["b.job"]


@pytest.mark.parametrize(
    "entry",
    [
        {"job": "x"},
        {"job": "x", "every_minutes": 5, "daily_at": "02:00"},
        {"job": "x", "every_minutes": 0},
        {"job": "x", "daily_at": "2am"},
        {"every_minutes": 5},
    ],
)
def test_a_mistyped_schedule_fails_loudly(entry):
    with pytest.raises(ImproperlyConfigured):
        schedule.entries([entry])


def test_the_configured_schedule_names_jobs_that_exist():
    from django.utils.module_loading import import_string

    for entry in schedule.entries():
        assert callable(import_string(entry.job))


def test_run_scheduler_once_starts_the_periodic_jobs_in_process(db, settings, capsys):
    settings.SCHEDULE = [{"job": "homecare.visits.tasks.flag_late_visits_job", "every_minutes": 5}]
    call_command("run_scheduler", "--once")
    assert "started homecare.visits.tasks.flag_late_visits_job" in capsys.readouterr().out


@pytest.mark.redis
def test_two_schedulers_sharing_redis_start_a_slot_once():
    import redis

    connection = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running")
    job = f"test.job.{uuid.uuid4().hex}"
    entry = [schedule.Entry(job=job, every_minutes=5)]
    first, second, started = schedule.RedisClaims(connection), schedule.RedisClaims(connection), []
    now = _at(2026, 3, 2, 9, 0)
    schedule.tick(now=now, claims=first, schedule=entry, enqueue=started.append)
    schedule.tick(now=now, claims=second, schedule=entry, enqueue=started.append)
    assert started == [job]
    assert 0 < connection.ttl(f"openhomecare:schedule:{job}:{EVERY_5.slot(now)}") <= 600
