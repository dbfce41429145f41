"""Variations: extra time, emergencies, temporary increases, reassessments and preferred-time changes, the
council's decision, what it does to Visit.extra_minutes (which payment reads), the evidence pack and pages.

Mary's package with Acorn has one 30-minute call a day at 08:00 from Monday 5 January 2026 (conftest.py).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.platform.models import Notification
from homecare.visits import services, variations
from homecare.visits.models import Variation, Visit
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import MONDAY, check_in_at_home, check_out

TUESDAY, FRIDAY, SUNDAY = (MONDAY + dt.timedelta(days=n) for n in (1, 4, 6))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def deliver(visit: Visit, actor, minutes: int) -> Visit:
    """Check in at the planned time and out `minutes` later (recorded by the provider's manager)."""
    start = visit.planned_start
    end = start + dt.timedelta(minutes=minutes)
    services.event_record(actor=actor, visit=visit, event=check_in_at_home(visit.person, start), now=start)
    services.event_record(actor=actor, visit=visit, event=check_out(end), now=end)
    visit.refresh_from_db()
    return visit


def extra_time(visit, actor, minutes=15, **kwargs) -> Variation:
    kwargs.setdefault("reason", "Mary was unwell and needed help back to bed")
    return variations.variation_request_extra_time(actor=actor, visit=visit, minutes=minutes, **kwargs)


def extra(visit: Visit) -> int:
    visit.refresh_from_db()
    return visit.extra_minutes


@pytest.fixture
def delivered(first_visit, paul):
    """Monday's visit, delivered in 62 minutes against 30 planned."""
    return deliver(first_visit, paul, 62)


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara", first_name="Clara")


@pytest.fixture
def fiona(northbridge):
    return make_user(
        organisation=northbridge, role=Role.FINANCE_OFFICER, username="fiona", first_name="Fiona"
    )


# --- extra time ---------------------------------------------------------------------------------


def test_extra_time_on_a_delivered_visit_waits_two_working_days_for_the_council_and_brokers_are_told(
    delivered, paul, bella
):
    friday_afternoon = at(FRIDAY, 15)
    variation = extra_time(delivered, paul, 30, now=friday_afternoon)
    assert variation.status == "requested" and variation.provider_id == paul.organisation_id
    assert variation.due_on == dt.date(2026, 1, 13)  # Friday → Monday, Tuesday
    assert [c.to_status for c in variation.status_changes.all()] == ["requested"]
    assert Notification.objects.filter(recipient=bella, text__contains="Extra time requested").exists()
    assert extra(delivered) == 0  # nothing is paid until the council approves


def test_extra_time_is_refused_on_a_visit_that_was_not_delivered(week, paul):
    with pytest.raises(ValidationError, match="only be claimed for a delivered visit"):
        extra_time(week[1], paul)


@pytest.mark.parametrize(
    "minutes, message",
    [(None, "Enter the extra minutes"), (0, "Enter the extra minutes"), (-5, "Enter the extra minutes"),
     (7, "steps of 5"), (725, "more than 12 hours")],
)  # fmt: skip
def test_extra_minutes_are_positive_five_minute_steps(delivered, paul, minutes, message):
    with pytest.raises(ValidationError) as refused:
        extra_time(delivered, paul, minutes)
    assert message in refused.value.message_dict["minutes"][0]


def test_extra_time_needs_a_reason(delivered, paul):
    with pytest.raises(ValidationError) as refused:
        extra_time(delivered, paul, 15, reason="  ")
    assert "Say why the care worker stayed longer" in refused.value.message_dict["reason"][0]


def test_extra_time_claimed_never_exceeds_what_call_monitoring_shows_over_the_plan(delivered, paul):
    # 62 minutes delivered against 30 planned: up to 35 (32 rounded up to the next 5).
    with pytest.raises(ValidationError) as refused:
        extra_time(delivered, paul, 40)
    assert "claim at most 35 extra minutes" in refused.value.message_dict["minutes"][0]
    extra_time(delivered, paul, 20)
    with pytest.raises(ValidationError) as again:
        extra_time(delivered, paul, 20)
    assert "20 extra minutes are already claimed: claim at most 15" in again.value.message_dict["minutes"][0]
    extra_time(delivered, paul, 15)


def test_only_the_visits_provider_managers_may_ask_for_extra_time(delivered, pippa, carl, bella):
    for someone in (pippa, carl, bella):
        with pytest.raises(PermissionDenied):
            extra_time(delivered, someone)
    assert not Variation.objects.exists()


def test_a_carer_count_the_visit_does_not_have_is_refused(delivered, paul):
    with pytest.raises(ValidationError) as refused:
        extra_time(delivered, paul, 15, carers=2)
    assert "This visit needs one carer" in refused.value.message_dict["carers"][0]


# --- deciding -----------------------------------------------------------------------------------


def test_approval_sets_the_visits_extra_minutes_and_tells_the_provider(delivered, paul, bella):
    variation = extra_time(delivered, paul, 30)
    decided = variations.variation_decide(
        actor=bella, variation=variation, approve=True, note="Agreed by phone"
    )
    assert decided.status == "approved" and decided.decided_by == bella
    assert [c.to_status for c in decided.status_changes.all()] == ["requested", "approved"]
    assert extra(delivered) == 30
    assert Notification.objects.filter(recipient=paul, text__contains="approved").exists()


def test_rejection_needs_a_reason_and_leaves_the_extra_minutes_alone(delivered, paul, bella):
    variation = extra_time(delivered, paul, 30)
    with pytest.raises(ValidationError) as refused:
        variations.variation_decide(actor=bella, variation=variation, approve=False)
    assert "Say why" in refused.value.message_dict["note"][0]
    variations.variation_decide(actor=bella, variation=variation, approve=False, note="Not agreed beforehand")
    variation.refresh_from_db()
    assert variation.status == "rejected" and extra(delivered) == 0


def test_a_decided_variation_cannot_be_decided_again_and_recomputing_changes_nothing(delivered, paul, bella):
    variation = extra_time(delivered, paul, 15)
    variations.variation_decide(actor=bella, variation=variation, approve=True)
    with pytest.raises(ValidationError, match="is approved: it cannot be rejected"):
        variations.variation_decide(actor=bella, variation=variation, approve=False, note="Changed my mind")
    assert variations.visits_extra_minutes_recompute(visits=Visit.objects.filter(pk=delivered.pk)) == 0
    assert extra(delivered) == 15 and variation.status_changes.count() == 2


def test_several_approved_claims_on_one_visit_add_up(delivered, paul, bella):
    first, second = extra_time(delivered, paul, 10), extra_time(delivered, paul, 20)
    variations.variation_decide(actor=bella, variation=second, approve=True)
    variations.variation_decide(actor=bella, variation=first, approve=True)
    assert extra(delivered) == 30


def test_only_deciders_at_the_packages_council_may_decide(delivered, paul, pippa, sam, fiona, alice, clara):
    variation = extra_time(delivered, paul)
    for someone in (paul, pippa, sam, fiona):
        with pytest.raises(PermissionDenied):
            variations.variation_decide(actor=someone, variation=variation, approve=True)
    variations.variation_decide(actor=clara, variation=variation, approve=True)
    assert extra(delivered) == 15


def test_one_carer_staying_on_a_double_handed_visit_is_spread_over_both_carers(first_visit, paul, bella):
    Visit.objects.filter(pk=first_visit.pk).update(carers_required=2)
    visit = deliver(first_visit, paul, 90)
    one = extra_time(visit, paul, 45, carers=1)
    both = extra_time(visit, paul, 10)  # blank: every carer the visit needs
    for variation in (one, both):
        variations.variation_decide(actor=bella, variation=variation, approve=True)
    assert both.carers == 2
    # (45 × 1 + 10 × 2) carer-minutes over 2 carers = 32.5 → 33 minutes each.
    assert extra(visit) == 33


@pytest.mark.parametrize(
    "carer_minutes, carers, each", [(45, 2, 23), (60, 2, 30), (30, 1, 30), (0, 2, 0), (5, 2, 3)]
)
def test_carer_minutes_are_spread_to_the_whole_minute_halves_up(carer_minutes, carers, each):
    assert variations.per_carer_minutes(carer_minutes, carers) == each


def test_the_provider_can_withdraw_a_waiting_request_but_not_a_decided_one(delivered, paul, pippa, bella):
    waiting, decided = extra_time(delivered, paul, 10), extra_time(delivered, paul, 10)
    with pytest.raises(PermissionDenied):
        variations.variation_withdraw(actor=pippa, variation=waiting)
    variations.variation_withdraw(actor=paul, variation=waiting, note="Claimed twice by mistake")
    variations.variation_decide(actor=bella, variation=decided, approve=True)
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        variations.variation_withdraw(actor=paul, variation=decided)
    with pytest.raises(ValidationError, match="is withdrawn: it cannot be approved"):
        variations.variation_decide(actor=bella, variation=waiting, approve=True)
    assert extra(delivered) == 10


# --- emergencies --------------------------------------------------------------------------------


def emergency(visit, actor, *, now, minutes=120, **kwargs):
    fields = {
        "service": "ambulance",
        "incident_at": at(MONDAY, 8, 20),
        "handover_at": at(MONDAY, 10, 25),
        "reason": "Mary fell; Carl stayed with her until the ambulance crew took over",
    }
    fields.update(kwargs)
    return variations.variation_request_emergency(
        actor=actor, visit=visit, minutes=minutes, now=now, **fields
    )


@pytest.fixture
def long_wait(first_visit, paul):
    """Monday's visit: Carl checked in at 08:00 and out at 10:30, after the ambulance took over."""
    return deliver(first_visit, paul, 150)


def test_an_emergency_logged_the_next_working_day_is_requested_and_approval_pays_the_wait(
    long_wait, paul, bella
):
    variation = emergency(long_wait, paul, now=at(TUESDAY, 17))
    assert variation.kind == "emergency" and variation.service == "ambulance"
    variations.variation_decide(actor=bella, variation=variation, approve=True)
    assert extra(long_wait) == 120


def test_an_emergency_logged_after_the_next_working_day_is_refused(long_wait, paul):
    with pytest.raises(ValidationError) as refused:
        emergency(long_wait, paul, now=at(MONDAY + dt.timedelta(days=2), 9))
    assert "by the end of the next working day after the incident (by Tuesday 6 January 2026)" in str(
        refused.value
    )
    assert not Variation.objects.exists()


def test_the_logging_deadline_skips_weekends_and_bank_holidays():
    assert variations.emergency_logging_deadline(at(FRIDAY, 23)) == dt.date(2026, 1, 12)
    christmas = dt.datetime(2025, 12, 25, 9, tzinfo=LONDON)
    assert variations.emergency_logging_deadline(christmas) == dt.date(2025, 12, 29)  # Boxing Day too
    assert variations.decision_due(at(FRIDAY, 9)) == dt.date(2026, 1, 13)


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"service": ""}, "service", "Choose who was called"),
        ({"incident_at": None}, "incident_at", "Enter the time of the incident"),
        ({"handover_at": None}, "handover_at", "Enter the time the care worker handed over"),
        ({"handover_at": at(MONDAY, 8, 10)}, "handover_at", "The handover must be after the incident"),
        (
            {"incident_at": at(MONDAY, 11, 0), "handover_at": at(MONDAY, 12)},
            "incident_at",
            "during the visit",
        ),
        (
            {"minutes": 135},
            "minutes",
            "waited 125 minutes from the incident to the handover: claim at most 125",
        ),
        ({"reason": ""}, "reason", "Describe what happened"),
    ],
)
def test_an_emergency_needs_the_service_and_sensible_times(long_wait, paul, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        emergency(long_wait, paul, now=at(MONDAY, 12), **fields)
    assert message in refused.value.message_dict[field][0]


def test_times_in_the_future_are_refused_and_one_emergency_per_visit(long_wait, paul):
    with pytest.raises(ValidationError) as refused:
        emergency(long_wait, paul, now=at(MONDAY, 9))
    assert "cannot be in the future" in refused.value.message_dict["handover_at"][0]
    emergency(long_wait, paul, now=at(MONDAY, 12))
    with pytest.raises(ValidationError, match="already logged"):
        emergency(long_wait, paul, now=at(MONDAY, 12))


def test_a_handover_after_midnight_is_the_next_day(long_wait):
    incident, handover = variations.times_on_visit_day(long_wait, dt.time(23, 10), dt.time(0, 40))
    assert incident == at(MONDAY, 23, 10) and handover == at(TUESDAY, 0, 40)


# --- temporary increases ------------------------------------------------------------------------


def increase(
    package, actor, *, date_from=TUESDAY, date_to=MONDAY + dt.timedelta(days=3), minutes=15, **kwargs
):
    kwargs.setdefault("reason", "Mary needs help with a hoist until she is reassessed")
    return variations.variation_request_temporary_increase(
        actor=actor, package=package, minutes=minutes, date_from=date_from, date_to=date_to, **kwargs
    )


def test_an_approved_temporary_increase_adds_minutes_to_the_visits_in_its_dates_only(
    package, week, paul, bella
):
    services.visit_cancel(actor=paul, visit=week[2], reason_code="hospital")
    variation = increase(package, paul)  # Tuesday to Thursday
    variations.variation_decide(actor=bella, variation=variation, approve=True)
    assert [extra(v) for v in week] == [0, 15, 0, 15, 0, 0, 0]  # Wednesday's visit was cancelled


def test_a_rejected_increase_adds_nothing_and_an_increase_adds_to_approved_extra_time(
    package, week, paul, bella
):
    tuesday = deliver(week[1], paul, 60)
    variations.variation_decide(actor=bella, variation=extra_time(tuesday, paul, 25), approve=True)
    rejected = increase(package, paul, minutes=30)
    variations.variation_decide(actor=bella, variation=rejected, approve=False, note="Reassess first")
    assert extra(tuesday) == 25
    variations.variation_decide(actor=bella, variation=increase(package, paul, minutes=10), approve=True)
    assert extra(tuesday) == 35 and extra(week[0]) == 0


def test_an_increase_for_one_call_applies_to_that_call_only(package, week, paul, bella):
    with pytest.raises(ValidationError) as refused:
        increase(package, paul, visit_time=dt.time(9, 0))
    assert "no call at 09:00: its calls are at 08:00" in refused.value.message_dict["visit_time"][0]
    variations.variation_decide(
        actor=bella, variation=increase(package, paul, visit_time=dt.time(8, 0)), approve=True
    )
    assert extra(week[1]) == 15
    assert variations.extra_minutes_for(package=package, day=TUESDAY, preferred_start=dt.time(8, 0)) == 15
    assert variations.extra_minutes_for(package=package, day=TUESDAY, preferred_start=dt.time(12, 30)) == 0


def test_visits_planned_after_the_approval_get_the_increase_from_extra_minutes_for(
    package, week, paul, bella
):
    next_monday = MONDAY + dt.timedelta(days=7)
    variations.variation_decide(
        actor=bella,
        variation=increase(package, paul, date_to=next_monday + dt.timedelta(days=1)),
        approve=True,
    )
    increases = variations.approved_increases(package=package, start=next_monday, end=next_monday)
    assert variations.extra_minutes_for(package=package, day=next_monday, increases=increases) == 15
    assert variations.extra_minutes_for(package=package, day=next_monday + dt.timedelta(days=2)) == 0
    # Until visits_generate sets it, recomputing brings a newly planned visit into line.
    services.visits_generate(package=package, start=next_monday, days=3)
    later = Visit.objects.filter(package=package, date__gte=next_monday)
    variations.visits_extra_minutes_recompute(visits=later)
    assert [v.extra_minutes for v in later.order_by("date")] == [15, 15, 0]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"date_to": MONDAY}, "date_to", "same as or after the first day"),
        ({"date_from": MONDAY - dt.timedelta(days=1)}, "date_from", "cannot start before the package"),
        ({"date_to": TUESDAY + dt.timedelta(weeks=12)}, "date_to", "at most 12 weeks"),
        ({"date_from": None}, "date_from", "Enter the first day"),
        ({"minutes": 12}, "minutes", "steps of 5"),
        ({"reason": ""}, "reason", "Say why more time is needed"),
    ],
)
def test_a_temporary_increase_needs_dates_within_the_package(package, paul, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        increase(package, paul, **fields)
    assert message in refused.value.message_dict[field][0]


def test_overlapping_increases_are_refused_and_only_the_packages_provider_may_ask(
    package, paul, pippa, bella
):
    with pytest.raises(PermissionDenied):
        increase(package, pippa)
    with pytest.raises(PermissionDenied):
        increase(package, bella)
    increase(package, paul)
    with pytest.raises(ValidationError) as refused:
        increase(
            package, paul, date_from=MONDAY + dt.timedelta(days=3), date_to=MONDAY + dt.timedelta(days=5)
        )
    assert (
        "already awaiting decision for 6 January to 8 January 2026"
        in refused.value.message_dict["date_from"][0]
    )


# --- reassessments and preferred-time changes ---------------------------------------------------


def test_a_reassessment_needs_a_reason_and_only_one_waits_at_a_time(package, paul, alice):
    with pytest.raises(ValidationError):
        variations.variation_request_reassessment(actor=paul, package=package, reason="")
    first = variations.variation_request_reassessment(
        actor=paul, package=package, reason="Visits take 45 min"
    )
    with pytest.raises(ValidationError, match="already waiting"):
        variations.variation_request_reassessment(actor=paul, package=package, reason="Again")
    variations.variation_decide(actor=alice, variation=first, approve=True, note="Reassessing on Monday")
    variations.variation_request_reassessment(actor=paul, package=package, reason="Worse again")


def test_an_ended_package_takes_no_variations(package, paul, alice):
    from homecare.people import services as people_services

    people_services.package_transition(actor=alice, package=package, transition="end", reason="Moved away")
    with pytest.raises(ValidationError, match="This package is ended"):
        variations.variation_request_reassessment(actor=paul, package=package, reason="x")


def test_a_preferred_time_change_is_noted_for_information_and_cannot_be_approved(package, paul, bella):
    noted = variations.variation_note_preferred_time_change(
        actor=paul,
        package=package,
        visit_time=dt.time(8, 0),
        new_time=dt.time(9, 0),
        date_from=TUESDAY,
        reason="Mary prefers a later start",
    )
    assert noted.status == "noted" and noted.due_on is None
    assert Notification.objects.filter(recipient=bella, text__contains="For information").exists()
    with pytest.raises(ValidationError, match="cannot be approved"):
        variations.variation_decide(actor=bella, variation=noted, approve=True)


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"visit_time": dt.time(10, 0)}, "visit_time", "no call at 10:00"),
        ({"new_time": dt.time(8, 0)}, "new_time", "same as the call's time"),
        ({"new_time": None}, "new_time", "Enter the new time"),
        ({"date_from": MONDAY - dt.timedelta(days=7)}, "date_from", "before the package"),
    ],
)
def test_a_preferred_time_change_names_a_real_call_and_a_new_time(package, paul, fields, field, message):
    values = {"visit_time": dt.time(8, 0), "new_time": dt.time(9, 0), "date_from": TUESDAY, "reason": "Asked"}
    values.update(fields)
    with pytest.raises(ValidationError) as refused:
        variations.variation_note_preferred_time_change(actor=paul, package=package, **values)
    assert message in refused.value.message_dict[field][0]


# --- scoping ------------------------------------------------------------------------------------


def test_each_organisation_sees_only_its_own_variations_and_the_council_its_due_list_in_date_order(
    package, delivered, paul, pippa, carl, bella, alice, sam, nadia
):
    later = extra_time(delivered, paul, 10, now=at(FRIDAY, 9))
    sooner = variations.variation_request_reassessment(
        actor=paul, package=package, reason="x", now=at(MONDAY, 9)
    )
    for someone in (paul, bella, alice):
        assert set(variations.variations_visible_to(user=someone)) == {later, sooner}
    for someone in (pippa, carl, sam, nadia):
        assert not variations.variations_visible_to(user=someone).exists()
    assert list(variations.variations_due(user=bella)) == [sooner, later]
    assert variations.packages_for_variations(user=paul).get() == package
    assert not variations.packages_for_variations(user=pippa).exists()
    assert not variations.packages_for_variations(user=bella).exists()


# --- property: extra minutes are always the sum of the approved claims --------------------------


@pytest.fixture
def all_day(first_visit, paul):
    """Monday's visit with eight hours delivered: room for any mix of claims."""
    return deliver(first_visit, paul, 8 * 60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claims=st.lists(
        st.tuples(
            st.sampled_from([5, 10, 15, 30, 45]), st.sampled_from(["approve", "reject", "withdraw", "wait"])
        ),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_whatever_is_approved_or_rejected_in_whatever_order_extra_minutes_are_the_sum_approved(
    all_day, paul, bella, claims, data
):
    with transaction.atomic():
        requested = [(extra_time(all_day, paul, minutes), decision) for minutes, decision in claims]
        order = data.draw(st.permutations(range(len(requested))))
        approved = 0
        for i in order:
            variation, decision = requested[i]
            if decision in ("approve", "reject"):
                variations.variation_decide(
                    actor=bella, variation=variation, approve=decision == "approve", note="Decided"
                )
            elif decision == "withdraw":
                variations.variation_withdraw(actor=paul, variation=variation)
            approved += variation.minutes if decision == "approve" else 0
            assert extra(all_day) == approved
        assert variations.visits_extra_minutes_recompute(visits=Visit.objects.filter(pk=all_day.pk)) == 0
        transaction.set_rollback(True)


# --- the evidence pack --------------------------------------------------------------------------


@pytest.fixture
def history(package, paul, bella):
    """Two weeks of Mary's 08:00 call. Week 1: 30, 45 (15 extra approved), 50, 30, Friday not delivered,
    35, Sunday cancelled. Week 2: 40 minutes every day."""
    services.visits_generate(package=package, start=MONDAY, days=14)
    visits = list(package.visits.order_by("planned_start"))
    for visit, minutes in zip(visits[:4], (30, 45, 50, 30), strict=True):
        deliver(visit, paul, minutes)
    deliver(visits[5], paul, 35)
    services.visit_cancel(actor=paul, visit=visits[6], reason_code="family")
    for visit in visits[7:]:
        deliver(visit, paul, 40)
    variations.variation_decide(actor=bella, variation=extra_time(visits[1], paul, 15), approve=True)
    return visits


def test_the_evidence_pack_compares_planned_and_delivered_minutes_week_by_week(package, history):
    pack = variations.evidence_pack(package=package, end=MONDAY + dt.timedelta(days=13), weeks=2)
    assert pack.start == MONDAY and pack.week_starts == [MONDAY, MONDAY + dt.timedelta(days=7)]
    (call,) = pack.calls
    assert call.call_time == dt.time(8, 0) and call.planned_minutes == 30
    week = variations.CallWeek
    # week start, visits due, delivered, planned average, delivered average, median, over plan, extra time
    assert call.weeks == [
        week(MONDAY, 6, 5, 30.0, 38.0, 35.0, 2, 1),
        week(MONDAY + dt.timedelta(days=7), 7, 7, 30.0, 40.0, 40.0, 0, 0),
    ]
    assert call.total == week(MONDAY, 13, 12, 30.0, 39.2, 40.0, 2, 1)  # 470 minutes over 12 visits


def test_the_evidence_window_ends_on_the_day_asked_and_weeks_without_visits_are_empty(package, history):
    pack = variations.evidence_pack(package=package, end=MONDAY + dt.timedelta(days=8), weeks=3)
    assert pack.start == MONDAY - dt.timedelta(days=7)
    empty, first, partial = pack.calls[0].weeks
    assert (empty.visits, empty.actual_average) == (0, None)
    assert (partial.visits, partial.delivered) == (2, 2)  # Monday and Tuesday of week 2


def _bars(svg: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    return {
        (r.get("data-label"), r.get("data-series")): r for r in root.iterfind(".//svg:rect[@data-series]", ns)
    }


def test_the_chart_draws_planned_and_delivered_bars_to_scale_with_a_title_and_description(package, history):
    pack = variations.evidence_pack(package=package, end=MONDAY + dt.timedelta(days=13), weeks=3)
    svg = str(pack.calls[0].chart_svg)
    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert "planned and delivered minutes" in root.find("svg:title", ns).text
    assert "delivered 38 minutes" in root.find("svg:desc", ns).text
    bars = _bars(svg)
    assert set(bars) == {(w, s) for w in ("5 Jan", "12 Jan") for s in ("planned", "actual")}  # 29 Dec: none
    assert [bars[("5 Jan", s)].get("data-value") for s in ("planned", "actual")] == ["30", "38"]
    heights = {key: float(bar.get("height")) for key, bar in bars.items()}
    assert heights[("5 Jan", "actual")] / heights[("5 Jan", "planned")] == pytest.approx(38 / 30, rel=0.01)
    assert heights[("12 Jan", "actual")] > heights[("5 Jan", "actual")]


def test_chart_text_is_escaped():
    svg = variations.minutes_chart_svg(
        chart_id="x",
        title="<script>",
        description="a & b",
        labels=['"w1'],
        series=[("Planned", "planned", [15])],
    )
    root = ET.fromstring(str(svg))  # still well-formed XML
    assert "<script>" not in str(svg) and root.find("{http://www.w3.org/2000/svg}title").text == "<script>"


# --- pages --------------------------------------------------------------------------------------


def test_a_provider_asks_for_extra_time_from_the_visit_and_bad_input_is_explained(client, paul, delivered):
    client.force_login(paul)
    url = f"{reverse('visits:variation-new')}?kind=extra_time&visit={delivered.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "Request extra time" in page.content.decode()
    bad = client.post(url, {"minutes": "lots", "reason": ""})
    assert bad.status_code == 400
    assert (
        "whole number" in bad.content.decode()
        and "Say why the care worker stayed longer" in bad.content.decode()
    )
    too_much = client.post(url, {"minutes": "40", "reason": "Unwell"})
    assert too_much.status_code == 400 and "claim at most 35 extra minutes" in too_much.content.decode()
    done = client.post(url, {"minutes": "30", "reason": "Unwell"})
    variation = Variation.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("visits:variation", args=[variation.pk])
    shown = client.get(done["Location"]).content.decode()
    assert "Awaiting decision" in shown and "30 extra minutes at the 08:00 visit" in shown


def test_a_provider_logs_an_emergency_with_times_on_the_visits_day(client, paul, long_wait):
    client.force_login(paul)
    url = f"{reverse('visits:variation-new')}?kind=emergency&visit={long_wait.pk}"
    bad = client.post(url, {"service": "", "incident_at": "25:00", "minutes": "60", "reason": "Fell"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "Choose who was called" in body and "24-hour format" in body
    # Logged long after January: refused with the deadline, not a crash.
    late = client.post(
        url,
        {
            "service": "ambulance",
            "incident_at": "08:20",
            "handover_at": "10:25",
            "minutes": "120",
            "reason": "F",
        },
    )
    assert late.status_code == 400 and "next working day after the incident" in late.content.decode()


def test_the_chooser_explains_what_to_pick(client, paul, delivered, package):
    client.force_login(paul)
    url = reverse("visits:variation-new")
    assert "temporary increase" in client.get(url).content.decode()
    assert client.get(url, {"kind": "nonsense"}).status_code == 400
    no_visit = client.get(url, {"kind": "extra_time"})
    assert no_visit.status_code == 400 and "Open the visit from the board" in no_visit.content.decode()
    assert client.get(url, {"visit": "abc", "kind": "extra_time"}).status_code == 404


def test_a_provider_asks_for_a_temporary_increase_for_one_of_its_packages(client, paul, package, week):
    client.force_login(paul)
    url = f"{reverse('visits:variation-new')}?kind=temporary_increase"
    form = {
        "package": package.pk,
        "date_from_day": "8",
        "date_from_month": "1",
        "date_from_year": "2026",
        "date_to_day": "6",
        "date_to_month": "1",
        "date_to_year": "2026",
        "minutes": "15",
        "reason": "Hoist",
    }
    bad = client.post(url, form)
    assert bad.status_code == 400 and "same as or after the first day" in bad.content.decode()
    assert client.post(url, form | {"package": "999999"}).status_code == 400
    done = client.post(url, form | {"date_to_day": "10"})
    assert done.status_code == 302 and Variation.objects.get().date_to == dt.date(2026, 1, 10)


def test_the_council_decides_from_its_list_with_the_evidence_pack(client, bella, paul, package, history):
    reassessment = variations.variation_request_reassessment(
        actor=paul,
        package=package,
        reason="Mornings take 40 minutes",
        now=at(MONDAY + dt.timedelta(days=13), 18),
    )
    client.force_login(bella)
    listed = client.get(reverse("visits:variations")).content.decode()
    assert "Variations to decide (1)" in listed and "Overdue" in listed and "Mary Smith" in listed
    url = reverse("visits:variation", args=[reassessment.pk])
    page = client.get(url).content.decode()
    assert "<svg" in page and "The 08:00 call by week" in page and "38.0" in page
    assert client.get(url, {"weeks": "lots"}).status_code == 400
    assert "All 6 weeks" in client.get(url, {"weeks": "6"}).content.decode()
    decide = reverse("visits:variation-decide", args=[reassessment.pk])
    refused = client.post(decide, {"decision": "reject", "note": ""})
    assert refused.status_code == 400 and "Say why the variation is rejected" in refused.content.decode()
    assert client.post(decide, {"decision": "maybe"}).status_code == 400
    assert client.post(decide, {"decision": "approve", "note": "Practitioner to visit"}).status_code == 302
    again = client.post(decide, {"decision": "reject", "note": "No"})
    assert again.status_code == 400 and "cannot be rejected" in again.content.decode()
    reassessment.refresh_from_db()
    assert reassessment.status == "approved"


def test_the_practitioner_approving_a_reassessment_is_offered_the_new_package_version(
    client, alice, paul, package
):
    reassessment = variations.variation_request_reassessment(actor=paul, package=package, reason="More care")
    client.force_login(alice)
    client.post(reverse("visits:variation-decide", args=[reassessment.pk]), {"decision": "approve"})
    page = client.get(reverse("visits:variation", args=[reassessment.pk])).content.decode()
    assert reverse("people:package-change", args=[package.pk]) in page


def test_the_provider_lists_and_withdraws_its_requests_but_cannot_decide_them(client, paul, delivered):
    variation = extra_time(delivered, paul, 10)
    client.force_login(paul)
    assert "Your variations" in client.get(reverse("visits:variations")).content.decode()
    assert (
        client.post(
            reverse("visits:variation-decide", args=[variation.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("visits:variation-withdraw", args=[variation.pk]), {"note": ""}).status_code
        == 302
    )
    variation.refresh_from_db()
    assert variation.status == "withdrawn"
    again = client.post(reverse("visits:variation-withdraw", args=[variation.pk]))
    assert again.status_code == 400 and "cannot be withdrawn" in again.content.decode()


def test_another_providers_or_councils_variation_is_not_found(
    client, paul, pippa, sam, carl, bella, delivered
):
    variation = extra_time(delivered, paul, 10)
    for someone in (pippa, sam, carl):
        client.force_login(someone)
        assert client.get(reverse("visits:variation", args=[variation.pk])).status_code == 404
        for action in ("variation-decide", "variation-withdraw"):
            assert (
                client.post(
                    reverse(f"visits:{action}", args=[variation.pk]), {"decision": "approve"}
                ).status_code
                == 404
            )
    client.force_login(pippa)
    url = f"{reverse('visits:variation-new')}?kind=extra_time&visit={delivered.pk}"
    assert client.get(url).status_code == 404
    client.force_login(bella)
    assert client.get(reverse("visits:variation-new")).status_code == 403
    client.force_login(carl)
    assert client.get(reverse("visits:variations")).status_code == 403
    variation.refresh_from_db()
    assert variation.status == "requested"
