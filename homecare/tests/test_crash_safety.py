"""Crash safety: real RQ workers are SIGKILLed at random moments while they record care workers' call
events, scan for late visits and make and recalculate payment runs; they are restarted and the queue
drained, and the database ends exactly as an uninterrupted run leaves it: every event once, the same
visit statuses and minutes, the same statements, no run half-made, no job running, failed or lost.

Each scenario runs twice on copies of one database (crash_world.py builds it): calm, where a worker
drains the queue, and crashed, where the kills come first. Kills are either the whole worker with its
work-horse (a lost machine: the job is abandoned and the reaper requeues it) or only the work-horse
(the OOM killer: the worker retries the job). CRASH_SEED picks the delays and the kinds of kill.
"""

from __future__ import annotations

import os
import random

import pytest
from django.utils.module_loading import import_string

from homecare.platform import jobs
from homecare.platform.tests.crash_harness import (
    REDIS_URL,
    JobQueue,
    assert_settled,
    call_in,
    database_copies,
    drain,
    redis_or_skip,
    run_with_kills,
)
from homecare.tests import crash_world
from homecare.visits.models import CallEvent

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("CRASH_SEED", "20261123"))
PRELOAD = ("homecare.visits.tasks", "homecare.finance.tasks")
STATE = "homecare.tests.crash_world.state"
RECORD_EVENTS = "homecare.visits.tasks.record_events_job"
LATE_SCAN = "homecare.visits.tasks.flag_late_visits_job"
CREATE_RUN = "homecare.finance.tasks.create_payment_run_job"
CALCULATE_RUN = "homecare.finance.tasks.calculate_payment_run_job"
MAX_DELAY = 0.3  # seconds after a worker has taken a job


@pytest.fixture
def redis_client():
    return redis_or_skip()


@pytest.fixture
def world(northbridge, acorn, birch, alice, paul, pippa):
    return crash_world.build(
        council=northbridge,
        providers=[(acorn, paul), (birch, pippa)],
        practitioner=alice,
        rng=random.Random(SEED),
    )


def run_crashing(phases, kills: dict, *, url: str, redis_client, settings, log) -> list[str]:
    """Each phase's jobs on a queue of their own, through real workers killed as `kills` says, drained
    before the next phase starts (a phase may depend on the one before it, never on the order of the
    jobs within it). Returns the ids of the jobs that were running when something was killed."""
    rng = random.Random(SEED)
    caught: list[str] = []
    for label, phase in phases:
        queue = JobQueue.fresh(redis_client, label)
        settings.JOBS_EAGER = False
        settings.RQ_QUEUES = {queue.name: {"URL": REDIS_URL}}
        ids: list[str] = []
        try:
            ids += [jobs.enqueue(func, *args, queue=queue.name).id for func, args in phase]
            interrupted, worker = run_with_kills(
                queue=queue,
                database_url=url,
                kills=kills.get(label, ()),
                rng=rng,
                max_delay=MAX_DELAY,
                log=log,
                preload=PRELOAD,
            )
            caught += interrupted
            drain(queue=queue, database_url=url, log=log, worker=worker, preload=PRELOAD)
            assert_settled(queue, ids)
        finally:
            queue.delete(ids)
    return caught


def calm_and_crashed(phases, kills, *, redis_client, settings, tmp_path) -> tuple[dict, dict, list[str]]:
    """The jobs run twice from the same start: killed and restarted on a copy of the test database, and
    uninterrupted, one after another in this process, on the test database itself."""
    with database_copies(["crashed"], tmp_path) as urls:
        caught = run_crashing(
            phases,
            kills,
            url=urls["crashed"],
            redis_client=redis_client,
            settings=settings,
            log=tmp_path / "log",
        )
        crashed = call_in(urls, STATE)["crashed"]
    settings.JOBS_EAGER = True
    for _, phase in phases:
        for func, args in phase:
            import_string(func)(*args)
    return crash_world.state(), crashed, caught


def test_killed_workers_record_every_call_event_once_and_flag_late_visits_as_a_calm_run_does(
    world, redis_client, settings, tmp_path
):
    rng = random.Random(SEED)
    flushes = [
        (worker, part) for worker, queue in world.phone_queues for part in crash_world.flushes(queue, rng)
    ]
    sent = {e["client_id"] for _, queue in world.phone_queues for e in queue}
    already = CallEvent.objects.count()
    phases = [
        ("events", [(RECORD_EVENTS, flush) for flush in flushes]),
        ("late", [(LATE_SCAN, ())] * 3),
    ]
    kills = {"events": ["horse", "worker", "horse"], "late": ["horse"]}

    calm, crashed, caught = calm_and_crashed(
        phases, kills, redis_client=redis_client, settings=settings, tmp_path=tmp_path
    )

    assert caught, f"no kill landed while a job was running (CRASH_SEED={SEED})"
    assert crashed == calm, f"CRASH_SEED={SEED}, jobs interrupted: {caught}"
    assert crashed["distinct_client_ids"] == len(crashed["events"]) == already + len(sent)
    assert {e[0] for e in crashed["events"]} >= sent
    statuses = {visit[1] for visit in crashed["visits"]}
    assert {"completed", "missed"} <= statuses and "planned" not in statuses
    assert crashed["alerts"] and crashed["audit_chain_intact"]


def test_killed_workers_make_and_recalculate_payment_runs_as_a_calm_run_does(
    world, redis_client, settings, tmp_path
):
    fiona, framework = world.finance_officer_id, world.framework_id
    second, third = (week.isoformat() for week in world.weeks[1:])
    phases = [
        (
            "create",
            [
                (CREATE_RUN, (fiona, framework, second)),
                (CREATE_RUN, (fiona, framework, third)),
                (CREATE_RUN, (fiona, framework, second)),  # asked for twice: one run
                *[(RECORD_EVENTS, late) for late in world.late_check_outs],
            ],
        ),
        ("calculate", [(CALCULATE_RUN, (fiona, world.first_run_id))] * 2),
    ]
    kills = {"create": ["worker", "horse"], "calculate": ["worker"]}

    calm, crashed, caught = calm_and_crashed(
        phases, kills, redis_client=redis_client, settings=settings, tmp_path=tmp_path
    )

    assert caught, f"no kill landed while a job was running (CRASH_SEED={SEED})"
    assert crashed == calm, f"CRASH_SEED={SEED}, jobs interrupted: {caught}"
    runs = crashed["runs"]
    assert [(r[1], r[3], r[4]) for r in runs] == [
        (week.isoformat(), "draft", "True") for week in world.weeks
    ], "one draft run a week, each calculated"
    assert len(crashed["statements"]) == 6  # Acorn and Birch each week
    kinds = {line[2] for line in crashed["lines"]}
    assert kinds == {"visits", "held"}
    assert any("Phone clock doubtful" in line[-1] for line in crashed["lines"])  # the late check-outs
