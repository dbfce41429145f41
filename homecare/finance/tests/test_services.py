"""Payment runs through their services: verified actuals paid, holds held, reruns identical."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from homecare.finance import services
from homecare.finance.models import LineKind, RunStatus, StatementLine
from homecare.finance.tests.conftest import MONDAY, deliver, make_visits
from homecare.people.tests.factories import make_person


def _lines(run):
    return sorted(
        StatementLine.objects.filter(statement__run=run).values_list(
            "kind",
            "package_id",
            "visit_id",
            "care_type",
            "carers",
            "day_type",
            "rate",
            "visits",
            "minutes",
            "amount",
            "council_amount",
            "nhs_amount",
            "hold_reason",
        )
    )


def test_a_run_pays_verified_minutes_rounded_and_capped_and_holds_a_short_visit(week, fiona, framework):
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    statement = run.statements.get()
    paid = statement.lines.get(kind=LineKind.VISITS)
    # 30 + 30 (32 rounds to 30) + 30 (28 rounds to 30) + 30 + 30 = 150 minutes at £24.20 an hour.
    assert (paid.visits, paid.minutes, paid.rate, paid.amount) == (5, 150, Decimal("24.20"), Decimal("60.50"))
    held = statement.lines.get(kind=LineKind.HELD)
    assert held.visit == week[1][5] and "short" in held.hold_reason.lower() and held.amount == 0
    assert statement.payable == Decimal("60.50") and statement.held_visits == 1
    assert not statement.lines.filter(visit=week[1][6]).exists()  # missed: not paid, not held


def test_recalculating_a_draft_gives_identical_lines_and_a_locked_run_never_changes(
    week, fiona, fred, framework, carl
):
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    before = _lines(run)
    services.run_calculate(actor=fiona, run=run)
    assert _lines(run) == before
    with pytest.raises(ValidationError, match="Another finance officer"):
        services.run_approve(actor=fiona, run=run)
    services.run_approve(actor=fred, run=run)
    services.run_lock(actor=fred, run=run)
    services.hold_resolve(
        actor=fiona, visit=week[1][5], decision="pay", minutes=30, reason="Person asked to finish early"
    )
    run = services.run_calculate(actor=fiona, run=run)
    assert run.status == RunStatus.LOCKED and _lines(run) == before


def test_approving_and_locking_a_run_are_sealed_in_the_audit_log(week, fiona, fred, framework):
    from homecare.platform.audit_log import verify_chain
    from homecare.platform.models import AuditEntry

    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    services.run_approve(actor=fred, run=run)
    services.run_lock(actor=fred, run=run)
    entries = AuditEntry.objects.filter(record_id=str(run.pk), action__startswith="payments.").order_by("seq")
    assert [(e.action, e.actor_id) for e in entries] == [
        ("payments.run_approved", fred.pk),
        ("payments.run_locked", fred.pk),
    ]
    assert entries[0].payload["payable"] == str(run.statements.get().payable)
    assert verify_chain().intact


def test_a_resolved_hold_is_paid_the_minutes_decided_on_the_next_calculation(week, fiona, framework):
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    saturday = week[1][5]
    with pytest.raises(ValidationError):
        services.hold_resolve(actor=fiona, visit=saturday, decision="pay", minutes=90, reason="x")
    services.hold_resolve(
        actor=fiona, visit=saturday, decision="pay", minutes=30, reason="Family confirmed 30 minutes"
    )
    services.run_calculate(actor=fiona, run=run)
    weekend = run.statements.get().lines.get(day_type="weekend")
    assert (weekend.minutes, weekend.rate, weekend.amount) == (30, Decimal("26.62"), Decimal("13.31"))
    assert not run.statements.get().lines.filter(kind=LineKind.HELD).exists()


def test_joint_funding_splits_each_line_and_self_funders_are_not_paid(
    northbridge, alice, acorn, paul, carl, fiona, framework, zone, home
):
    from decimal import Decimal as D

    package, visits = make_visits(
        person=home,
        alice=alice,
        acorn=acorn,
        paul=paul,
        carl=carl,
        days=2,
        funding="joint",
        council_share=D("60"),
        nhs_share=D("40"),
    )
    for v in visits:
        deliver(v, carl, 30)
    self_funder = make_person(
        council=northbridge,
        actor=alice,
        zone=zone,
        latitude=home.latitude,
        longitude=home.longitude,
        self_funder=True,
    )
    _, own = make_visits(
        person=self_funder, alice=alice, acorn=acorn, paul=paul, carl=carl, days=2, funding="self_funder"
    )
    for v in own:
        deliver(v, carl, 30)
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    line = run.statements.get().lines.get()
    assert line.package == package and line.amount == D("24.20")
    assert (line.council_amount, line.nhs_amount) == (D("14.52"), D("9.68"))
    assert run.statements.get().nhs_recharge == D("9.68")


def test_a_double_handed_visit_pays_two_carers(home, alice, acorn, paul, carl, fiona, framework):
    from homecare.visits.models import Visit

    package, visits = make_visits(person=home, alice=alice, acorn=acorn, paul=paul, carl=carl, days=1)
    Visit.objects.filter(pk=visits[0].pk).update(carers_required=2)
    deliver(visits[0], carl, 45)
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    line = run.statements.get().lines.get()
    # Capped at the planned 30 minutes, for each of two carers.
    assert (line.carers, line.minutes, line.amount) == (2, 30, Decimal("24.20"))


def test_a_commissioned_basis_pays_the_plan_for_delivered_visits(week, fiona, framework):
    framework.pay_basis = "commissioned"
    framework.save(update_fields=["pay_basis"])
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    lines = run.statements.get().lines.all()
    assert sum(line.visits for line in lines) == 6 and not lines.filter(kind=LineKind.HELD).exists()
    assert sum(line.minutes for line in lines) == 180


def test_a_missing_rate_is_explained_and_nothing_is_written(week, fiona, framework):
    from homecare.finance.models import PaymentRun
    from homecare.visits.models import Visit

    Visit.objects.filter(pk=week[1][0].pk).update(care_type="waking_night")  # no waking-night rate card
    with pytest.raises(ValidationError, match="No rate card covers 1 group"):
        services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    assert not PaymentRun.objects.exists() and not StatementLine.objects.exists()


def test_periods_cannot_overlap_or_be_unfinished(week, fiona, framework):
    services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    with pytest.raises(ValidationError, match="already covers"):
        services.run_create(actor=fiona, framework=framework, period_start=MONDAY + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="once it has ended"):
        services.run_create(actor=fiona, framework=framework, period_start=dt.date(2099, 1, 1))


def test_disputes_become_adjustments_and_the_line_is_never_edited(week, fiona, paul, pippa, framework):
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    line = run.statements.get().lines.get(kind=LineKind.VISITS)
    with pytest.raises(PermissionDenied):
        services.dispute_raise(actor=pippa, line=line, reason="Not ours")
    dispute = services.dispute_raise(
        actor=paul, line=line, reason="Tuesday ran 32 minutes; we were asked to stay"
    )
    with pytest.raises(ValidationError):
        services.dispute_resolve(actor=fiona, dispute=dispute, uphold=True, resolution="Agreed")
    services.dispute_resolve(
        actor=fiona,
        dispute=dispute,
        uphold=True,
        resolution="Extra time agreed by phone",
        adjustment=Decimal("0.81"),
    )
    line.refresh_from_db()
    assert line.amount == Decimal("60.50")
    assert services.statement_total(line.statement) == Decimal("61.31")


def test_only_finance_officers_run_payments(week, alice, framework):
    with pytest.raises(PermissionDenied):
        services.run_create(actor=alice, framework=framework, period_start=MONDAY)


def test_just_under_half_an_odd_planned_length_is_held_as_the_rule_says(
    home, alice, acorn, paul, carl, fiona, framework
):
    from homecare.visits.models import Visit

    _, visits = make_visits(person=home, alice=alice, acorn=acorn, paul=paul, carl=carl, days=2)
    Visit.objects.filter(pk__in=[v.pk for v in visits]).update(planned_minutes=45)
    deliver(visits[0], carl, 22)  # 22 × 100 < 45 × 50: short
    deliver(visits[1], carl, 23)  # 23 × 100 ≥ 45 × 50: paid
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    held = run.statements.get().lines.get(kind=LineKind.HELD)
    assert held.visit_id == visits[0].pk and "short" in held.hold_reason.lower()
    assert run.statements.get().lines.get(kind=LineKind.VISITS).visits == 1
