"""The jobs a worker may run twice (delivery is at least once; ADR 0004) change nothing the second time:
a phone's queue in any flushes, order and repeats stores each event once, and a payment run asked for
again is the run first made.

Carl, Acorn's care worker, visits Mary daily at 08:00; Paul manages Acorn.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.finance import tasks as finance_tasks
from homecare.finance.models import PaymentRun, Statement
from homecare.people.tests.factories import make_package
from homecare.tests import crash_world
from homecare.visits import services as visit_services
from homecare.visits import tasks as visit_tasks
from homecare.visits.models import CallEvent, Visit
from homecare.visits.rules import LONDON

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone_queue(mary, alice, acorn, paul, carl):
    """Three days of Carl's visits to Mary, as his phone holds them: in, out, and a note."""
    mary.latitude, mary.longitude = crash_world.HOME
    mary.save(update_fields=["latitude", "longitude"])
    start = timezone.localdate() - dt.timedelta(days=3)
    package = make_package(person=mary, actor=alice, provider=acorn, status="active", start_date=start)
    visit_services.visits_generate(package=package, start=start, days=3)
    events = []
    for visit in package.visits.filter(date__lt=timezone.localdate()).order_by("planned_start"):
        visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
        at = visit.planned_start.astimezone(LONDON)
        events += [
            crash_world.phone_event(visit, "check_in", at + dt.timedelta(minutes=3)),
            crash_world.phone_event(visit, "note", at + dt.timedelta(minutes=10), text="Had breakfast"),
            crash_world.phone_event(visit, "check_out", at + dt.timedelta(minutes=33)),
        ]
    return events


def outcome() -> tuple:
    return (
        sorted(CallEvent.objects.values_list("client_id", "kind", "occurred_at")),
        sorted(Visit.objects.values_list("pk", "status", "verification", "actual_minutes")),
    )


def rolled_back(work) -> tuple:
    with transaction.atomic():
        work()
        result = outcome()
        transaction.set_rollback(True)
    return result


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_phone_queue_in_any_flushes_order_and_repeats_stores_each_event_once(phone_queue, carl, data):
    def in_order():
        visit_tasks.record_events_job(carl.pk, phone_queue)

    repeats = data.draw(st.lists(st.sampled_from(phone_queue), max_size=len(phone_queue)), label="repeats")
    sent = data.draw(st.permutations(phone_queue + repeats), label="order")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(sent) - 1), max_size=3), label="cuts"))
    flushes = [sent[a:b] for a, b in zip([0, *cuts], [*cuts, len(sent)], strict=True)]
    # A worker that died after a flush committed, before RQ heard: the job runs again.
    again = data.draw(st.sets(st.integers(0, len(flushes) - 1)), label="run again")

    def as_the_worker_ran_them():
        for n, flush in enumerate(flushes):
            for _ in range(2 if n in again else 1):
                visit_tasks.record_events_job(carl.pk, flush)

    assert rolled_back(as_the_worker_ran_them) == rolled_back(in_order)
    assert len(rolled_back(as_the_worker_ran_them)[0]) == len(phone_queue)


def test_a_run_again_reports_every_event_as_already_stored(phone_queue, carl):
    assert visit_tasks.record_events_job(carl.pk, phone_queue) == {"stored": len(phone_queue)}
    assert visit_tasks.record_events_job(carl.pk, phone_queue) == {"already_stored": len(phone_queue)}


# --- payment runs --------------------------------------------------------------------------------


@pytest.fixture
def world(northbridge, acorn, birch, alice, paul, pippa):
    return crash_world.build(
        council=northbridge,
        providers=[(acorn, paul), (birch, pippa)],
        practitioner=alice,
        rng=random.Random(1),
    )


def statements(run_id: int) -> list[tuple]:
    return sorted(
        Statement.objects.filter(run_id=run_id).values_list(
            "provider_id", "payable", "held", "visits", "held_visits"
        )
    )


def test_a_payment_run_job_run_again_returns_the_run_it_made_and_recalculating_changes_nothing(world):
    fiona, framework, week = world.finance_officer_id, world.framework_id, world.weeks[1].isoformat()
    first = finance_tasks.create_payment_run_job(fiona, framework, week)
    made = statements(first)
    assert made and PaymentRun.objects.get(pk=first).calculated_at is not None

    assert finance_tasks.create_payment_run_job(fiona, framework, week) == first
    assert PaymentRun.objects.filter(framework_id=framework).count() == 2  # week one's and this one
    finance_tasks.calculate_payment_run_job(fiona, first)
    finance_tasks.calculate_payment_run_job(fiona, first)
    assert statements(first) == made


def test_a_payment_run_job_for_an_overlapping_period_is_still_refused(world):
    overlapping = (world.weeks[0] + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError, match="A run already covers"):
        finance_tasks.create_payment_run_job(world.finance_officer_id, world.framework_id, overlapping)
