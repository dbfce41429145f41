"""Payment properties over many shapes of a week: lines sum to the statement, holds never pay, a rerun is
identical, a crash half-way leaves nothing, and a waking night across the clock change pays real hours."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.finance import services
from homecare.finance.models import LineKind, PaymentRun, Statement, StatementLine
from homecare.finance.tests.conftest import MONDAY, deliver, make_visits
from homecare.people.tests.factories import make_package
from homecare.visits import services as visit_services
from homecare.visits.models import Visit


def _snapshot(run):
    return sorted(
        StatementLine.objects.filter(statement__run=run).values_list(
            "kind", "visit_id", "care_type", "day_type", "rate", "visits", "minutes", "amount"
        )
    )


_weeks = itertools.count()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=90)), min_size=7, max_size=7))
def test_any_week_sums_holds_and_reruns_consistently(
    django_db_blocker, home, alice, acorn, paul, carl, fiona, framework, minutes
):
    with django_db_blocker.unblock():
        # Each example pays its own week (a weekly framework), so examples never share a run.
        framework.payment_period_days = 7
        framework.save(update_fields=["payment_period_days"])
        week_start = MONDAY + dt.timedelta(weeks=next(_weeks))
        package = make_package(
            person=home, actor=alice, provider=acorn, status="active", start_date=week_start
        )
        visit_services.visits_generate(package=package, start=week_start, days=7)
        visits = list(package.visits.order_by("planned_start"))
        for visit, m in zip(visits, minutes, strict=True):
            visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
            if m is not None:
                deliver(visit, carl, m)
        run = services.run_create(actor=fiona, framework=framework, period_start=week_start)
        statement = run.statements.first()
        lines = list(StatementLine.objects.filter(statement__run=run))
        paid = [line for line in lines if line.kind != LineKind.HELD]
        held = [line for line in lines if line.kind == LineKind.HELD]
        if statement is not None:
            assert statement.payable == sum((line.amount for line in paid), Decimal("0"))
        assert all(line.amount == 0 for line in held)
        # A visit under half its planned 30 minutes is held; missed visits are neither paid nor held.
        assert len(held) == sum(1 for m in minutes if m is not None and m * 100 < 30 * 50)
        assert sum(line.visits for line in paid) == sum(
            1 for m in minutes if m is not None and m * 100 >= 1500
        )
        before = _snapshot(run)
        services.run_calculate(actor=fiona, run=run)
        assert _snapshot(run) == before


@pytest.mark.django_db(transaction=True)
def test_a_crash_half_way_through_writing_leaves_no_partial_statement(
    home, alice, acorn, paul, carl, fiona, framework
):
    _, visits = make_visits(person=home, alice=alice, acorn=acorn, paul=paul, carl=carl, days=2)
    for visit in visits:
        deliver(visit, carl, 30)
    real_bulk_create = StatementLine.objects.bulk_create

    def dies(*args, **kwargs):
        raise RuntimeError("worker killed")

    with mock.patch.object(type(StatementLine.objects), "bulk_create", dies), pytest.raises(RuntimeError):
        services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    assert not PaymentRun.objects.exists() and not Statement.objects.exists()
    assert real_bulk_create  # the patch is gone: a retry works
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    assert run.statements.get().payable == Decimal("24.20")


def test_a_waking_night_across_the_autumn_clock_change_pays_ten_hours(
    home, alice, acorn, paul, carl, fiona, framework
):
    from homecare.providers import services as provider_services

    lot = framework.lots.get()
    provider_services.rate_card_add(
        actor=framework.created_by,
        lot=lot,
        care_type="waking_night",
        amount=Decimal("19.50"),
        effective_from=dt.date(2026, 1, 1),
    )
    saturday = dt.date(2026, 10, 24)
    framework.payment_period_days = 7
    framework.save(update_fields=["payment_period_days"])
    _, visits = make_visits(person=home, alice=alice, acorn=acorn, paul=paul, carl=carl, days=1)
    visit = visits[0]
    start = dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    Visit.objects.filter(pk=visit.pk).update(
        date=saturday,
        planned_start=start,
        late_at=start + dt.timedelta(minutes=30),
        planned_minutes=600,
        care_type="waking_night",
    )
    visit.refresh_from_db()
    deliver(visit, carl, 600)  # 22:00 BST to 07:00 GMT: ten real hours
    run = services.run_create(actor=fiona, framework=framework, period_start=dt.date(2026, 10, 19))
    line = run.statements.get().lines.get()
    assert (line.minutes, line.rate) == (600, Decimal("19.50"))
    assert line.amount == Decimal("195.00") and line.day_type == "weekend"
