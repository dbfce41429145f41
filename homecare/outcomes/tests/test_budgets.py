"""Budget weeks from call monitoring, the payment run's weekly cap, flexible visits, alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.finance import services as finance
from homecare.finance.models import LineKind, StatementLine
from homecare.outcomes import budgets, selectors, services
from homecare.outcomes.models import BudgetAlert
from homecare.outcomes.tests.factories import MONDAY, deliver, make_budget_package, plan_visit, roll_over
from homecare.people import services as people_services
from homecare.people.tests.factories import make_package, make_person
from homecare.visits import services as visit_services
from homecare.visits.models import Visit

WEEK = dt.timedelta(weeks=1)


def _deliver_hours(package, carl, week: dt.date, hours: list[int]):
    """One visit a day from Monday, each `hours[i]` hours long, delivered in full."""
    for i, h in enumerate(hours):
        deliver(plan_visit(package, week + dt.timedelta(days=i), minutes=60 * h), carl, 60 * h)


def _weeks(package, through):
    return {
        w.result.week_start: w.result
        for w in selectors.budget_weeks_for_package(package=package, through=through)
    }


def test_budget_weeks_show_budget_delivered_and_what_lapses_without_a_rule(budget, carl):
    _deliver_hours(budget, carl, MONDAY, [3, 3, 2])
    _deliver_hours(budget, carl, MONDAY + WEEK, [4, 4, 4])
    weeks = _weeks(budget, MONDAY + WEEK + dt.timedelta(days=6))
    first, second = weeks[MONDAY], weeks[MONDAY + WEEK]
    assert (first.budget, first.delivered, first.within, first.lapsed, first.carried_out) == (
        600,
        480,
        480,
        120,
        0,
    )
    assert (second.carried_in, second.delivered, second.within, second.over) == (0, 720, 600, 120)
    assert first.utilisation_percent == Decimal("80.0") and second.utilisation_percent == Decimal("120.0")


def test_a_roll_over_rule_carries_unused_hours_into_the_next_week_up_to_its_cap(
    budget, carl, clara, northbridge
):
    roll_over(actor=clara, council=northbridge, max_hours=Decimal("3"))
    _deliver_hours(budget, carl, MONDAY, [2, 2])  # 6 of 10 hours unused: 3 roll over
    _deliver_hours(budget, carl, MONDAY + WEEK, [6, 6])
    weeks = _weeks(budget, MONDAY + WEEK + dt.timedelta(days=6))
    assert (weeks[MONDAY].carried_out, weeks[MONDAY].lapsed) == (180, 180)
    second = weeks[MONDAY + WEEK]
    assert (second.carried_in, second.allowance, second.within, second.over) == (180, 780, 720, 0)


def test_a_new_rule_applies_from_its_monday_and_never_rewrites_earlier_weeks(
    budget, carl, clara, northbridge
):
    services.carry_over_rule_record(
        actor=clara,
        council=northbridge,
        effective_from=MONDAY + WEEK,
        mode="roll_over",
        max_hours=Decimal("5"),
        reason="Trial of roll-over",
    )
    weeks = _weeks(budget, MONDAY + 2 * WEEK)
    assert weeks[MONDAY].carried_out == 0  # the first week lapsed under the old (default) rule
    assert weeks[MONDAY + WEEK].carried_out == 300  # ten unused hours, five may roll over
    with pytest.raises(ValidationError) as error:
        services.carry_over_rule_record(
            actor=clara, council=northbridge, effective_from=MONDAY + WEEK, mode="lapse", reason="Again"
        )
    assert "already starts" in str(error.value)
    with pytest.raises(ValidationError, match="Monday"):
        services.carry_over_rule_record(
            actor=clara,
            council=northbridge,
            effective_from=MONDAY + dt.timedelta(days=2),
            mode="lapse",
            reason="x",
        )


def test_only_commissioners_set_the_carry_over_rule(alice, northbridge):
    with pytest.raises(PermissionDenied):
        services.carry_over_rule_record(
            actor=alice, council=northbridge, effective_from=MONDAY, mode="lapse", reason="x"
        )


def test_a_budget_change_from_wednesday_counts_per_day(budget, alice):
    draft = people_services.package_change_start(
        actor=alice, package=budget, effective_from=MONDAY + dt.timedelta(days=2), reason="More help"
    )
    people_services.package_version_update_terms(
        actor=alice,
        version=draft,
        terms=people_services.PackageTerms(
            care_model="budget_of_hours", funding="council", weekly_budget_hours=Decimal("17")
        ),
    )
    people_services.package_change_confirm(actor=alice, version=draft)
    # Two days at 10 hours a week and five at 17: (2 × 10 + 5 × 17) / 7 = 15 hours.
    assert _weeks(budget, MONDAY)[MONDAY].budget == 900


def test_days_on_hold_have_no_budget(budget, alice):
    people_services.package_transition(actor=alice, package=budget, transition="hold", reason="In hospital")
    today = timezone.localdate()
    weeks = _weeks(budget, today + WEEK)
    assert weeks[rules_week(today + WEEK)].budget == 0


def rules_week(day):
    from homecare.outcomes.rules import week_start

    return week_start(day)


# --- the payment run ---------------------------------------------------------------------------


def _paid_minutes(run, package):
    return sum(
        StatementLine.objects.filter(statement__run=run, package=package, kind=LineKind.VISITS).values_list(
            "minutes", flat=True
        )
    )


def test_the_payment_run_pays_delivered_hours_within_the_budget_plus_approved_excess(
    budget, carl, alice, fiona, framework
):
    _deliver_hours(budget, carl, MONDAY, [4, 4, 4])  # 12 of 10 hours
    _deliver_hours(budget, carl, MONDAY + WEEK, [3, 3])  # 6 of 10
    run = finance.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    assert _paid_minutes(run, budget) == 600 + 360
    statement = run.statements.get()
    assert statement.payable == Decimal("387.20")  # 16 hours × £24.20
    services.excess_approve(
        actor=alice, package=budget, week_start=MONDAY, hours=Decimal("1.5"), reason="Unwell after a fall"
    )
    run = finance.run_calculate(actor=fiona, run=run)
    assert _paid_minutes(run, budget) == 690 + 360
    assert run.statements.get().payable == Decimal("423.50")  # 17.5 hours


def test_time_and_task_packages_in_the_same_run_are_paid_exactly_as_before(
    budget, carl, alice, acorn, paul, fiona, framework, northbridge, zone
):
    other = make_person(
        council=northbridge, actor=alice, zone=zone, latitude=Decimal("52.95"), longitude=Decimal("-1.15")
    )
    timed = make_package(person=other, actor=alice, provider=acorn, status="active", start_date=MONDAY)
    visit_services.visits_generate(package=timed, start=MONDAY, days=7)
    for visit in timed.visits.order_by("planned_start"):
        deliver(visit, carl, 45)  # 45 of 30 planned: capped at the plan, as always
    run = finance.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    assert _paid_minutes(run, timed) == 7 * 30
    assert _paid_minutes(run, budget) == 0


def test_a_week_split_between_two_runs_is_paid_one_allowance_in_all(
    home, alice, acorn, paul, carl, fiona, framework
):
    package = make_budget_package(person=home, actor=alice, provider=acorn, start_date=dt.date(2025, 12, 29))
    week = MONDAY
    deliver(plan_visit(package, week, minutes=360), carl, 360)  # Monday: 6 hours
    deliver(plan_visit(package, week + dt.timedelta(days=2), minutes=360), carl, 360)  # Wednesday: 6 hours
    first = finance.run_create(
        actor=fiona, framework=framework, period_start=dt.date(2025, 12, 10)
    )  # to Tue 6 Jan
    second = finance.run_create(actor=fiona, framework=framework, period_start=dt.date(2026, 1, 7))
    assert _paid_minutes(first, package) == 360
    assert _paid_minutes(second, package) == 240  # what was left of the 10 hours


def test_a_double_handed_visit_uses_two_hours_of_budget_per_hour(budget, carl, fiona, framework, acorn):
    from homecare.accounts.models import Role
    from homecare.accounts.tests.factories import make_user

    second_carer = make_user(organisation=acorn, role=Role.CARE_WORKER)
    visit = plan_visit(budget, MONDAY, minutes=360, carers=2)
    visit_services.visit_assign(actor=_paul(acorn), visit=visit, care_worker=second_carer)
    deliver(visit, carl, 360)  # 6 hours × 2 carers = 12 carer-hours of a 10-hour budget
    run = finance.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    line = StatementLine.objects.get(statement__run=run, package=budget, kind=LineKind.VISITS)
    assert (line.minutes, line.carers, line.amount) == (300, 2, Decimal("242.00"))


def _paul(acorn):
    from homecare.accounts.models import Role, User

    return User.objects.get(organisation=acorn, role=Role.PROVIDER_MANAGER)


def test_the_cap_runs_no_query_for_a_run_without_budget_packages(db, django_assert_num_queries):
    from types import SimpleNamespace

    from homecare.outcomes.payments import cap_to_weekly_budgets

    rows = [{"version__care_model": "time_and_task", "package_id": 1, "date": MONDAY, "minutes": 30}]
    with django_assert_num_queries(0):
        assert cap_to_weekly_budgets(run=SimpleNamespace(), rows=rows, payable=None, held_q=None) is rows


# --- flexible visits ---------------------------------------------------------------------------


def test_a_provider_manager_plans_a_flexible_visit_with_the_invariants_of_generated_ones(budget, paul, alice):
    day = timezone.localdate() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(10, 0)).replace(tzinfo=visit_services.rules.LONDON)
    visit = visit_services.visit_plan_flexible(
        actor=paul, package=budget, start=start, minutes=45, carers_required=2, tasks=["washing", "dressing"]
    )
    assert visit.pattern is None and visit.version.care_model == "budget_of_hours"
    assert visit.date == day and visit.late_at == visit.planned_start + dt.timedelta(minutes=30)
    assert (visit.provider_id, visit.council_id, visit.tasks) == (
        budget.provider_id,
        budget.person.council_id,
        ["dressing", "washing"],
    )
    # The nightly roll-forward keeps it (and changes nothing).
    result = visit_services.visits_generate(package=budget)
    assert (result.removed, result.created, result.updated) == (0, 0, 0)
    assert Visit.objects.filter(pk=visit.pk).exists()
    with pytest.raises(ValidationError) as error:
        visit_services.visit_plan_flexible(actor=paul, package=budget, start=start, minutes=45)
    assert "already planned" in str(error.value)
    with pytest.raises(ValidationError) as error:
        visit_services.visit_plan_flexible(
            actor=paul, package=budget, start=start + dt.timedelta(hours=1), minutes=22
        )
    assert "5-minute steps" in str(error.value)
    with pytest.raises(ValidationError):
        visit_services.visit_plan_flexible(
            actor=paul, package=budget, start=start - dt.timedelta(days=5), minutes=30
        )  # in the past
    with pytest.raises(PermissionDenied):
        visit_services.visit_plan_flexible(
            actor=alice, package=budget, start=start + dt.timedelta(hours=2), minutes=30
        )


def test_a_flexible_visit_is_refused_on_a_time_and_task_package_and_for_another_provider(
    home, alice, acorn, paul, pippa, budget
):
    timed = make_package(person=home, actor=alice, provider=acorn, status="active")
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="not a budget of hours"):
        visit_services.visit_plan_flexible(actor=paul, package=timed, start=start, minutes=30)
    with pytest.raises(PermissionDenied):
        visit_services.visit_plan_flexible(actor=pippa, package=budget, start=start, minutes=30)


def test_holding_the_package_removes_its_future_flexible_visits_without_evidence(budget, paul, alice):
    start = timezone.now() + dt.timedelta(days=3)
    visit = visit_services.visit_plan_flexible(actor=paul, package=budget, start=start, minutes=30)
    people_services.package_transition(actor=alice, package=budget, transition="hold", reason="Hospital")
    visit_services.visits_generate(package=budget)
    assert not Visit.objects.filter(pk=visit.pk).exists()


# --- alerts -----------------------------------------------------------------------------------


def test_three_weeks_under_budget_raise_one_alert_however_often_the_scan_runs(budget, carl, paul, alice):
    for i in range(3):
        _deliver_hours(budget, carl, MONDAY + i * WEEK, [2, 2, 2])  # 6 of 10 hours: 60%
    today = MONDAY + 3 * WEEK
    first = services.budget_alerts_raise(today=today)
    again = services.budget_alerts_raise(today=today + dt.timedelta(days=1))
    assert (first.raised, again.raised) == (1, 0)
    alert = BudgetAlert.objects.get()
    assert (alert.kind, alert.streak_from, alert.weeks, alert.provider_id) == (
        "under",
        MONDAY,
        3,
        budget.provider_id,
    )
    assert paul.notifications.filter(text__contains="under budget").exists()
    services.budget_alert_acknowledge(actor=paul, alert=alert, action_taken="Review booked with the person")
    with pytest.raises(ValidationError, match="already"):
        services.budget_alert_acknowledge(actor=alice, alert=alert, action_taken="Again")


def test_no_alert_while_delivery_is_within_the_band(budget, carl):
    for i in range(3):
        _deliver_hours(budget, carl, MONDAY + i * WEEK, [5, 5])
    assert services.budget_alerts_raise(today=MONDAY + 3 * WEEK).raised == 0


def test_budget_utilisation_for_a_council_and_a_provider(budget, carl, northbridge, acorn, birch):
    _deliver_hours(budget, carl, MONDAY, [4, 4])  # 8 of 10
    _deliver_hours(budget, carl, MONDAY + WEEK, [6, 6])  # 12 of 10
    january = selectors.budget_utilisation(council=northbridge, month=dt.date(2026, 1, 1))
    assert (january.packages, january.weeks) == (1, 4)
    assert (january.budgeted_hours, january.delivered_hours, january.within_hours) == (
        Decimal("40.00"),
        Decimal("20.00"),
        Decimal("18.00"),
    )
    assert january.percent == Decimal("50.0")
    assert (
        selectors.budget_utilisation(council=northbridge, month=dt.date(2026, 1, 1), provider=birch).percent
        is None
    )


def test_package_weeks_take_the_same_queries_for_one_package_or_many(
    home, alice, acorn, django_assert_num_queries
):
    packages = [make_budget_package(person=home, actor=alice, provider=acorn) for _ in range(4)]
    with django_assert_num_queries(6):
        budgets.package_weeks([packages[0].pk], through=MONDAY + 4 * WEEK)
    with django_assert_num_queries(6):
        weeks = budgets.package_weeks([p.pk for p in packages], through=MONDAY + 4 * WEEK)
    assert len(weeks) == 4 and all(len(w) == 5 for w in weeks.values())
