"""Visits through their services: generation, assignment, events exactly once, corrections, late scan."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people import services as people_services
from homecare.platform.models import Notification
from homecare.visits import services
from homecare.visits.models import CallEvent, Visit, VisitAlert
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import MONDAY, check_in_at_home, check_out, generate_week


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


# --- generation -------------------------------------------------------------------------------


def test_a_week_of_daily_visits_is_planned_at_the_preferred_time_with_the_late_time_30_minutes_on(week):
    assert len(week) == 7
    assert [v.date for v in week] == [MONDAY + dt.timedelta(days=i) for i in range(7)]
    assert all(timezone.localtime(v.planned_start).time() == dt.time(8, 0) for v in week)
    assert all(v.late_at - v.planned_start == dt.timedelta(minutes=30) for v in week)
    assert {v.status for v in week} == {"planned"} and all(v.planned_minutes == 30 for v in week)


def test_generating_again_changes_nothing(package, week):
    again = generate_week(package)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert package.visits.count() == 7


def test_a_change_moves_planned_visits_but_never_touches_delivered_ones(
    package, week, first_visit, carl, alice, monday_0805
):
    services.event_record(actor=carl, visit=first_visit, event=check_in_at_home(package.person, monday_0805))
    draft = people_services.package_change_start(
        actor=alice, package=package, effective_from=MONDAY + dt.timedelta(days=1), reason="Later mornings"
    )
    row = draft.visit_pattern.get()
    row.preferred_start = dt.time(9, 0)
    row.save()
    people_services.package_change_confirm(actor=alice, version=draft)

    result = generate_week(package)

    visits = list(package.visits.order_by("planned_start"))
    assert len(visits) == 7 and result.kept_with_evidence == 1
    assert visits[0].pk == first_visit.pk and timezone.localtime(visits[0].planned_start).hour == 8
    assert {timezone.localtime(v.planned_start).hour for v in visits[1:]} == {9}


def test_no_visits_while_the_package_is_on_hold(package, alice):
    people_services.package_transition(actor=alice, package=package, transition="hold", reason="In hospital")
    result = services.visits_generate(package=package, start=timezone.localdate(), days=7)
    assert result.created == 0 and not package.visits.filter(date__gte=timezone.localdate()).exists()


def test_a_double_handed_visit_has_two_slots_and_takes_two_different_workers(package, week, paul, carl, cath):
    visit = week[0]
    Visit.objects.filter(pk=visit.pk).update(carers_required=2)
    visit.refresh_from_db()
    services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    services.visit_assign(actor=paul, visit=visit, care_worker=cath)
    assert [a.slot for a in visit.assignments.all()] == [1, 2]
    with pytest.raises(ValidationError, match="already on this visit"):
        services.visit_assign(actor=paul, visit=visit, care_worker=carl, slot=2)
    cora = make_user(organisation=paul.organisation, role=Role.CARE_WORKER, username="cora")
    with pytest.raises(ValidationError, match="Every carer slot"):
        services.visit_assign(actor=paul, visit=visit, care_worker=cora)


def test_a_provider_cannot_assign_another_providers_worker(week, paul, bob, pippa, carl):
    with pytest.raises(ValidationError, match="your own care workers"):
        services.visit_assign(actor=paul, visit=week[0], care_worker=bob)
    with pytest.raises(PermissionDenied):
        services.visit_assign(actor=pippa, visit=week[0], care_worker=carl)


# --- events -------------------------------------------------------------------------------------


def test_check_in_at_the_door_is_verified_by_location_and_check_out_completes(first_visit, carl, monday_0805):
    person = first_visit.person
    event, created = services.event_record(
        actor=carl, visit=first_visit, event=check_in_at_home(person, monday_0805)
    )
    assert created and event.method == "geolocation" and 15 <= event.distance_m <= 25
    services.event_record(
        actor=carl, visit=first_visit, event=check_out(monday_0805 + dt.timedelta(minutes=31))
    )
    first_visit.refresh_from_db()
    assert first_visit.status == "completed" and first_visit.verification == "geolocation"
    assert first_visit.delivered_minutes == 31


def test_a_retry_returns_the_first_event_and_a_reused_id_with_other_details_is_refused(
    first_visit, carl, monday_0805
):
    event = check_in_at_home(first_visit.person, monday_0805)
    first, created = services.event_record(actor=carl, visit=first_visit, event=event)
    again, created_again = services.event_record(actor=carl, visit=first_visit, event=event)
    assert created and not created_again and again.pk == first.pk
    assert CallEvent.objects.count() == 1
    altered = services.EventInput(**{**event.__dict__, "occurred_at": monday_0805 + dt.timedelta(minutes=1)})
    with pytest.raises(services.DuplicateEventConflict):
        services.event_record(actor=carl, visit=first_visit, event=altered)


def test_a_check_out_that_arrives_first_is_kept_and_the_visit_completes_when_the_check_in_arrives(
    first_visit, carl, monday_0805
):
    services.event_record(
        actor=carl, visit=first_visit, event=check_out(monday_0805 + dt.timedelta(minutes=30))
    )
    services.event_record(
        actor=carl, visit=first_visit, event=check_in_at_home(first_visit.person, monday_0805)
    )
    first_visit.refresh_from_db()
    assert first_visit.status == "completed" and first_visit.delivered_minutes == 30


def test_a_fix_far_from_home_is_kept_but_marked_out_of_range(first_visit, carl, monday_0805):
    far = check_in_at_home(first_visit.person, monday_0805, latitude=first_visit.person.latitude + 1)
    event, _ = services.event_record(actor=carl, visit=first_visit, event=far)
    first_visit.refresh_from_db()
    assert event.method == "out_of_range" and event.distance_m > 100_000
    assert first_visit.verification == "out_of_range"


def test_the_home_qr_tag_verifies_and_another_homes_tag_is_refused(first_visit, carl, paul, monday_0805):
    tag = services.home_tag_issue(actor=paul, person=first_visit.person)
    wrong = services.EventInput(
        client_id=uuid.uuid4(), kind="check_in", occurred_at=monday_0805, tag_token="nope"
    )
    with pytest.raises(ValidationError, match="not the one in this person's home"):
        services.event_record(actor=carl, visit=first_visit, event=wrong)
    right = services.EventInput(
        client_id=uuid.uuid4(), kind="check_in", occurred_at=monday_0805, tag_token=tag.token
    )
    event, _ = services.event_record(actor=carl, visit=first_visit, event=right)
    assert event.method == "tag"


def test_a_device_clock_in_the_future_is_flagged(first_visit, carl):
    future = timezone.now() + dt.timedelta(hours=3)
    event, _ = services.event_record(
        actor=carl, visit=first_visit, event=check_in_at_home(first_visit.person, future)
    )
    first_visit.refresh_from_db()
    assert "ahead" in event.clock_flag and first_visit.clock_flagged


def test_a_care_worker_not_on_the_visit_cannot_record_on_it(first_visit, cath, bob, monday_0805):
    for outsider in (cath, bob):
        with pytest.raises(PermissionDenied):
            services.event_record(
                actor=outsider, visit=first_visit, event=check_in_at_home(first_visit.person, monday_0805)
            )
    assert not CallEvent.objects.exists()


def test_a_managers_correction_keeps_the_original_and_sets_the_time(first_visit, carl, paul, monday_0805):
    original, _ = services.event_record(
        actor=carl, visit=first_visit, event=check_in_at_home(first_visit.person, monday_0805)
    )
    correction = services.visit_correct(
        actor=paul,
        visit=first_visit,
        reason_code="forgot_check_out",
        note="Confirmed with Carl",
        end=monday_0805 + dt.timedelta(minutes=30),
        corrects=original,
    )
    first_visit.refresh_from_db()
    assert first_visit.status == "completed" and first_visit.actual_end == monday_0805 + dt.timedelta(
        minutes=30
    )
    assert list(first_visit.events.order_by("id")) == [original, correction]
    assert correction.corrects == original and correction.recorded_by == paul
    with pytest.raises(ValidationError):
        services.visit_correct(actor=paul, visit=first_visit, reason_code="", note="", end=None)


def test_a_cancelled_visit_needs_a_reason_and_is_never_late(first_visit, paul):
    with pytest.raises(ValidationError):
        services.visit_cancel(actor=paul, visit=first_visit, reason_code="")
    services.visit_cancel(actor=paul, visit=first_visit, reason_code="hospital")
    services.late_visits_flag(now=first_visit.planned_start + dt.timedelta(hours=3))
    first_visit.refresh_from_db()
    assert first_visit.status == "cancelled" and first_visit.cancel_reason == "Person in hospital"
    assert not VisitAlert.objects.filter(visit=first_visit).exists()


# --- late and missed ----------------------------------------------------------------------------


def test_no_check_in_30_minutes_after_the_start_makes_the_visit_late_and_alerts_the_provider_once(
    first_visit, paul
):
    start = first_visit.planned_start
    assert services.late_visits_flag(now=start + dt.timedelta(minutes=29)).late == 0
    scan = services.late_visits_flag(now=start + dt.timedelta(minutes=30))
    again = services.late_visits_flag(now=start + dt.timedelta(minutes=30))
    first_visit.refresh_from_db()
    assert (scan.late, again.late) == (1, 0) and first_visit.status == "late"
    assert VisitAlert.objects.filter(visit=first_visit, kind="late").count() == 1
    assert Notification.objects.filter(recipient=paul, text__contains="1 late").exists()


def test_a_late_visit_becomes_missed_and_an_unacknowledged_alert_reaches_the_council(first_visit, bella):
    start = first_visit.planned_start
    services.late_visits_flag(now=start + dt.timedelta(minutes=30))
    scan = services.late_visits_flag(now=start + dt.timedelta(minutes=60))
    first_visit.refresh_from_db()
    assert first_visit.status == "missed" and scan.missed == 1 and scan.escalated == 1
    assert VisitAlert.objects.get(visit=first_visit, kind="late").escalated_at is not None
    assert Notification.objects.filter(recipient=bella, text__contains="not resolved").exists()


def test_an_acknowledged_alert_is_not_escalated(first_visit, paul):
    start = first_visit.planned_start
    services.late_visits_flag(now=start + dt.timedelta(minutes=30))
    alert = VisitAlert.objects.get(visit=first_visit)
    services.alert_acknowledge(
        actor=paul, alert=alert, action_taken="Phoned Carl: car broke down, Cath going"
    )
    scan = services.late_visits_flag(now=start + dt.timedelta(minutes=45))
    assert scan.escalated == 0
    with pytest.raises(ValidationError, match="already"):
        services.alert_acknowledge(actor=paul, alert=alert, action_taken="again")


def test_a_visit_checked_in_late_is_in_progress_not_missed(first_visit, carl):
    start = first_visit.planned_start
    services.late_visits_flag(now=start + dt.timedelta(minutes=30))
    services.event_record(
        actor=carl,
        visit=first_visit,
        event=check_in_at_home(first_visit.person, start + dt.timedelta(minutes=40)),
        now=start + dt.timedelta(minutes=41),
    )
    services.late_visits_flag(now=start + dt.timedelta(minutes=90))
    first_visit.refresh_from_db()
    assert first_visit.status == "in_progress"


def test_a_package_change_re_plans_its_visits_once_committed(
    package, alice, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    services.visits_generate(package=package, days=3)
    assert package.visits.filter(date__gte=today).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        people_services.package_transition(
            actor=alice, package=package, transition="hold", reason="In hospital"
        )
    assert not package.visits.filter(date__gte=today).exists()
    with django_capture_on_commit_callbacks(execute=True):
        people_services.package_transition(actor=alice, package=package, transition="resume", reason="Home")
    assert package.visits.filter(date=today).exists()
