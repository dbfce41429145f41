"""Market services: sitreps with pre-filled figures, amendments that keep the original, the schedule, the
OPEL rules and benchmark, and reminders that go out once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.market import opel, schedule, selectors, services
from homecare.market.models import OpelRule, Sitrep, SitrepReminder
from homecare.market.tests.factories import figures, london, submit
from homecare.people.tests.factories import make_package, make_person, make_zone
from homecare.platform.models import Notification
from homecare.visits import services as visit_services
from homecare.visits.tests.factories import MONDAY, generate_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def later():
    """Two weeks on: the framework's admissions (made now) are well in the past."""
    return timezone.now() + dt.timedelta(days=14)


# --- pre-filled figures -------------------------------------------------------------------------------


@pytest.fixture
def delivered_week(mary, alice, acorn, birch, paul, zone, northbridge):
    """Mary's daily visit with Acorn in the week from Monday 5 January 2026: four delivered (30 minutes
    each), one cancelled, two missed. Acorn has another person's package on hold; Birch one active."""
    package = make_package(person=mary, actor=alice, provider=acorn, status="active", start_date=MONDAY)
    generate_week(package)
    visits = list(package.visits.order_by("planned_start"))
    for visit in visits[:4]:
        start = visit.planned_start + dt.timedelta(minutes=2)
        visit_services.visit_correct(
            actor=paul,
            visit=visit,
            reason_code="phone_problem",
            note="",
            start=start,
            end=start + dt.timedelta(minutes=30),
        )
    visit_services.visit_cancel(actor=paul, visit=visits[4], reason_code="hospital")
    visit_services.late_visits_flag(now=london(MONDAY + dt.timedelta(days=7), 9))
    held = make_person(council=northbridge, actor=alice, zone=zone)
    make_package(person=held, actor=alice, provider=acorn, status="on_hold", start_date=MONDAY)
    other = make_person(council=northbridge, actor=alice, zone=zone)
    make_package(person=other, actor=alice, provider=birch, status="active", start_date=MONDAY)
    return package


def test_the_platforms_figures_for_the_week_before_are_stored_with_the_sitrep(
    framework, delivered_week, northbridge, acorn, paul
):
    sitrep = submit(
        council=northbridge, provider=acorn, actor=paul, now=london(MONDAY + dt.timedelta(days=7), 10)
    )
    assert (sitrep.period_start, sitrep.period_end) == (MONDAY, MONDAY + dt.timedelta(days=6))
    assert sitrep.platform_people_supported == 1  # Mary; the package on hold does not count
    assert sitrep.platform_hours_delivered == Decimal("2.00")
    assert (sitrep.visits_due, sitrep.visits_missed) == (6, 2)  # the cancelled visit was not due
    # What the provider reported (it may correct the pre-filled figures) is kept beside them.
    assert (sitrep.people_supported, sitrep.hours_delivered) == (12, Decimal("96.00"))


def test_platform_figures_are_per_provider_and_per_council(framework, delivered_week, northbridge, birch):
    figures_ = selectors.platform_figures_by_provider(
        council=northbridge, start=MONDAY, end=MONDAY + dt.timedelta(days=6)
    )
    assert figures_[birch.pk].people_supported == 1 and figures_[birch.pk].visits_due == 0


def test_a_sitrep_is_for_the_slot_last_due_when_outstanding_and_marked_late(
    framework, northbridge, acorn, paul, later
):
    due = schedule.previous_due([], later)
    sitrep = submit(council=northbridge, provider=acorn, actor=paul, now=later)
    assert sitrep.due_at == due and not sitrep.on_time
    assert schedule.london_date(due).weekday() == 2 and timezone.localtime(due).time() == dt.time(12)


def test_once_the_last_slot_is_in_the_next_is_for_the_next_slot_and_a_third_is_refused(
    framework, northbridge, acorn, paul, later
):
    first = submit(council=northbridge, provider=acorn, actor=paul, now=later)
    second = submit(council=northbridge, provider=acorn, actor=paul, now=later)
    assert second.due_at == schedule.next_due([], later) and second.on_time
    with pytest.raises(ValidationError, match="already submitted .* amend it instead"):
        submit(council=northbridge, provider=acorn, actor=paul, now=later)
    assert Sitrep.objects.count() == 2 and first.due_at < second.due_at


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"absent_sickness": 30, "absent_leave": 15}, "absent_other"),
        ({"staff_flu_vaccinated": 41}, "staff_flu_vaccinated"),
        ({"bcp_reviewed_on": dt.date(2099, 1, 1)}, "bcp_reviewed_on"),
        ({"outbreak_status": "maybe"}, "outbreak_status"),
        ({"agency_hours": Decimal("-1")}, "agency_hours"),
        ({"staff_in_post": -1}, "staff_in_post"),
    ],
)
def test_figures_that_do_not_add_up_are_refused_with_the_field_to_fix_and_nothing_is_written(
    framework, northbridge, acorn, paul, later, changes, field
):
    with pytest.raises(ValidationError) as caught:
        submit(council=northbridge, provider=acorn, actor=paul, now=later, **changes)
    assert field in caught.value.message_dict
    assert not Sitrep.objects.exists()


def test_spare_hours_must_be_in_the_councils_zones_and_only_when_taking_new_packages(
    framework, northbridge, southwold, acorn, paul, zone, later
):
    south_zone = make_zone(council=southwold)
    with pytest.raises(ValidationError) as caught:
        submit(
            council=northbridge,
            provider=acorn,
            actor=paul,
            now=later,
            spare_hours={south_zone.pk: Decimal(5)},
        )
    assert f"zone_{south_zone.pk}" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        submit(
            council=northbridge,
            provider=acorn,
            actor=paul,
            now=later,
            can_take_new_packages=False,
            spare_hours={zone.pk: Decimal(10)},
        )
    assert "can_take_new_packages" in caught.value.message_dict
    sitrep = submit(
        council=northbridge, provider=acorn, actor=paul, now=later, spare_hours={zone.pk: Decimal(10)}
    )
    assert [(z.zone, z.spare_hours) for z in sitrep.zone_capacity.all()] == [(zone, Decimal("10.00"))]


def test_only_the_providers_own_managers_submit_and_only_to_councils_it_reports_to(
    framework, northbridge, southwold, acorn, paul, pippa, carl, alice, later
):
    for actor in (pippa, carl, alice):
        with pytest.raises(PermissionDenied):
            submit(council=northbridge, provider=acorn, actor=actor, now=later)
    with pytest.raises(ValidationError, match="not on a live framework of Southwold"):
        submit(council=southwold, provider=acorn, actor=paul, now=later)
    assert not Sitrep.objects.exists()


# --- amendments ---------------------------------------------------------------------------------------


def test_an_amendment_is_a_new_version_with_the_reason_and_the_original_is_kept(
    framework, northbridge, acorn, paul, later
):
    original = submit(council=northbridge, provider=acorn, actor=paul, now=later)
    amended = services.sitrep_amend(
        sitrep=original,
        figures=figures(absent_sickness=6),
        reason="Three more off sick with flu",
        actor=paul,
        now=later + dt.timedelta(hours=1),
    )
    original.refresh_from_db()
    assert original.absent_sickness == 2  # untouched
    assert amended.amends == original and amended.amendment_reason == "Three more off sick with flu"
    assert (amended.due_at, amended.period_start, amended.visits_due) == (
        original.due_at,
        original.period_start,
        original.visits_due,
    )
    assert list(selectors.current_versions(Sitrep.objects.all())) == [amended]
    assert selectors.sitrep_versions(sitrep=original) == [original, amended]


def test_only_the_latest_version_can_be_amended_and_only_with_a_reason_and_a_change(
    framework, northbridge, acorn, paul, pippa, later
):
    original = submit(council=northbridge, provider=acorn, actor=paul, now=later)
    with pytest.raises(ValidationError) as caught:
        services.sitrep_amend(sitrep=original, figures=figures(ppe_stock_days=5), reason=" ", actor=paul)
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError, match="Nothing has changed"):
        services.sitrep_amend(sitrep=original, figures=figures(), reason="Checking", actor=paul)
    with pytest.raises(PermissionDenied):
        services.sitrep_amend(sitrep=original, figures=figures(ppe_stock_days=5), reason="x", actor=pippa)
    services.sitrep_amend(sitrep=original, figures=figures(ppe_stock_days=5), reason="Recount", actor=paul)
    with pytest.raises(ValidationError, match="amend the latest version"):
        services.sitrep_amend(sitrep=original, figures=figures(ppe_stock_days=4), reason="Again", actor=paul)
    assert Sitrep.objects.count() == 2


def test_brokers_are_told_when_a_provider_stops_and_starts_taking_new_packages(
    framework, northbridge, acorn, paul, bella, later
):
    submit(council=northbridge, provider=acorn, actor=paul, now=later)
    assert not Notification.objects.filter(recipient=bella).exists()
    submit(council=northbridge, provider=acorn, actor=paul, now=later, can_take_new_packages=False)
    assert Notification.objects.get(recipient=bella).text.startswith(
        "Acorn Homecare cannot take new packages"
    )


# --- the council's settings ---------------------------------------------------------------------------


def test_a_commissioner_switches_to_twice_weekly_in_a_surge_and_providers_are_told(
    framework, northbridge, clara, paul, pippa
):
    row = services.sitrep_schedule_set(
        council=northbridge,
        frequency="twice_weekly",
        weekdays=[0, 3],
        due_time=dt.time(10, 0),
        reminder_hours=12,
        reason="Winter surge",
        actor=clara,
    )
    assert row.as_schedule().describe == "Twice weekly (surge): due Monday and Thursday at 10:00"
    assert selectors.schedules_for(council=northbridge)[-1].weekdays == (0, 3)
    for manager in (paul, pippa):
        assert Notification.objects.get(recipient=manager).text == (
            "Sitreps to Northbridge Borough Council: Twice weekly (surge): due Monday and Thursday at 10:00"
        )


def test_a_schedule_change_needs_a_commissioner_sound_days_and_a_reason(
    framework, northbridge, andy, clara, sam
):
    for actor in (andy, sam):
        with pytest.raises(PermissionDenied):
            services.sitrep_schedule_set(
                council=northbridge,
                frequency="weekly",
                weekdays=[1],
                due_time=dt.time(9),
                reminder_hours=24,
                reason="x",
                actor=actor,
            )
    with pytest.raises(ValidationError) as caught:
        services.sitrep_schedule_set(
            council=northbridge,
            frequency="twice_weekly",
            weekdays=[1],
            due_time=dt.time(9),
            reminder_hours=24,
            reason="",
            actor=clara,
        )
    assert set(caught.value.message_dict) == {"weekdays", "reason"}
    assert selectors.schedules_for(council=northbridge) == []


def test_rule_changes_are_kept_with_who_and_why_and_scores_follow_the_new_rules(northbridge, clara):
    strict = opel.Rule("ppe_days", 2, Decimal("21"), True)
    assert (
        services.opel_rules_update(council=northbridge, rules=[strict], reason="Winter stock", actor=clara)
        == 1
    )
    assert strict in selectors.rules_for(council=northbridge)
    history = OpelRule.history.get(measure="ppe_days", level=2)
    assert (history.history_user, history.history_change_reason) == (clara, "Winter stock")
    situation = opel.ProviderSituation(40, 0, 0, 20, "none", True, 0, 0, 10)
    assert opel.provider_score(situation, selectors.rules_for(council=northbridge)).level == 2
    with pytest.raises(ValidationError, match="Nothing has changed"):
        services.opel_rules_update(council=northbridge, rules=[strict], reason="Again", actor=clara)


def test_rules_that_would_make_the_table_inconsistent_are_refused(northbridge, clara, andy):
    with pytest.raises(ValidationError) as caught:
        services.opel_rules_update(
            council=northbridge,
            rules=[
                opel.Rule("staff_availability", 4, Decimal("85"), True),
                opel.Rule("nonsense", 2, Decimal(1)),
            ],
            reason="",
            actor=clara,
        )
    assert set(caught.value.message_dict) == {"staff_availability_4", "nonsense_2", "reason"}
    with pytest.raises(PermissionDenied):
        services.opel_rules_update(
            council=northbridge, rules=[opel.Rule("ppe_days", 2, Decimal("20"))], reason="x", actor=andy
        )
    assert not OpelRule.objects.exists()


def test_the_benchmark_in_force_is_the_latest_on_or_before_the_day(northbridge, clara):
    assert selectors.benchmark_for(council=northbridge, on=dt.date(2026, 1, 1)).is_default
    services.benchmark_record(
        council=northbridge,
        staff_availability_percent=Decimal("88.4"),
        source="Regional sitrep",
        effective_from=dt.date(2026, 1, 5),
        actor=clara,
    )
    services.benchmark_record(
        council=northbridge,
        staff_availability_percent=Decimal("91"),
        source="Regional sitrep",
        effective_from=dt.date(2026, 3, 2),
        actor=clara,
    )
    assert selectors.benchmark_for(
        council=northbridge, on=dt.date(2026, 2, 1)
    ).staff_availability_percent == Decimal("88.4")
    assert selectors.benchmark_for(
        council=northbridge, on=dt.date(2026, 3, 2)
    ).staff_availability_percent == Decimal("91.0")
    with pytest.raises(ValidationError) as caught:
        services.benchmark_record(
            council=northbridge,
            staff_availability_percent=Decimal("101"),
            source="",
            effective_from=dt.date(2026, 3, 2),
            actor=clara,
        )
    assert set(caught.value.message_dict) == {"staff_availability_percent", "source"}


# --- reminders ----------------------------------------------------------------------------------------


def test_reminders_go_once_before_the_due_moment_and_once_when_overdue(
    framework, northbridge, acorn, birch, paul, pippa, clara, later
):
    due = schedule.next_due([], later)
    submit(
        council=northbridge, provider=acorn, actor=paul, now=due - dt.timedelta(days=3)
    )  # late for the last
    submit(council=northbridge, provider=acorn, actor=paul, now=due - dt.timedelta(days=3))  # this one, early
    submit(
        council=northbridge, provider=birch, actor=pippa, now=due - dt.timedelta(days=3)
    )  # late for the last

    first = services.sitrep_reminders_send(now=due - dt.timedelta(hours=2))
    again = services.sitrep_reminders_send(now=due - dt.timedelta(hours=1))
    assert (first.due_soon, again.due_soon) == (1, 0)
    assert Notification.objects.filter(recipient=pippa, text__contains="is due").count() == 1
    assert not Notification.objects.filter(recipient=paul, text__contains="is due").exists()

    overdue = services.sitrep_reminders_send(now=due + dt.timedelta(minutes=5))
    assert (overdue.overdue, overdue.summaries) == (1, 1)
    assert services.sitrep_reminders_send(now=due + dt.timedelta(minutes=20)).__dict__ == {
        "due_soon": 0,
        "overdue": 0,
        "summaries": 0,
    }
    assert Notification.objects.filter(recipient=pippa, text__contains="is overdue").count() == 1
    assert Notification.objects.get(recipient=clara).text.startswith("1 of 2 providers have not sent")
    assert SitrepReminder.objects.count() == 3


def test_a_council_without_a_live_framework_sends_no_reminders(northbridge, acorn, later):
    assert services.sitrep_reminders_send(now=later).__dict__ == {"due_soon": 0, "overdue": 0, "summaries": 0}


def test_the_reminders_command_reports_what_it_sent(framework, later, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(timezone, "now", lambda: schedule.next_due([], later) + dt.timedelta(minutes=1))
    out = StringIO()
    call_command("send_sitrep_reminders", stdout=out)
    assert (
        out.getvalue().strip()
        == "0 due-soon reminders, 2 overdue reminders, 1 overdue lists to commissioners"
    )


def test_another_councils_commissioner_is_not_told_about_northbridges_providers(
    framework, south_framework, northbridge, steve, clara, later
):
    make_user(organisation=northbridge, role=Role.BROKER)
    services.sitrep_reminders_send(now=schedule.next_due([], later) + dt.timedelta(minutes=1))
    assert "1 of 1 providers" in Notification.objects.get(recipient=steve).text
    assert "2 of 2 providers" in Notification.objects.get(recipient=clara).text
