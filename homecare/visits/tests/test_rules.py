"""Call-monitoring rules with edges, property-tested: clock changes, distance, device clocks, status."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from homecare.visits import rules
from homecare.visits.rules import LONDON, EventFact

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(days, times)
def test_a_visit_time_is_the_wall_clock_time_in_london_except_in_the_spring_gap(day, at):
    start = rules.local_start(day, at)
    local = start.astimezone(LONDON)
    assert start.tzinfo is not None
    if local.date() == day and local.time() == at:
        return
    # Only a time that does not exist (the hour skipped in spring) moves, and by exactly that hour.
    assert day.month == 3 and at.hour == 1
    assert local.time() == at.replace(hour=2) and local.date() == day


def test_the_clock_changes_in_2026():
    spring, autumn = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
    def london(day, at):
        return rules.local_start(day, at).astimezone(LONDON).isoformat()

    assert london(spring, dt.time(1, 30)) == "2026-03-29T02:30:00+01:00"
    # 01:30 happens twice in autumn: the visit is at the first (still summer time).
    assert london(autumn, dt.time(1, 30)) == "2026-10-25T01:30:00+01:00"
    assert london(autumn, dt.time(8, 0)) == "2026-10-25T08:00:00+00:00"
    # Half an hour after 00:45 on the spring change is 02:15 BST: real minutes, not wall-clock ones.
    late = rules.local_start(spring, dt.time(0, 45)) + dt.timedelta(minutes=30)
    assert late.astimezone(LONDON).isoformat() == "2026-03-29T02:15:00+01:00"


@given(st.integers(min_value=1, max_value=127), days, st.integers(min_value=0, max_value=60))
def test_pattern_days_are_exactly_the_masked_weekdays(mask, start, length):
    end = start + dt.timedelta(days=length)
    got = list(rules.pattern_days(mask, start, end))
    assert all(mask & (1 << d.weekday()) for d in got)
    assert len(got) == sum(
        1 for i in range(length + 1) if mask & (1 << (start + dt.timedelta(days=i)).weekday())
    )


@given(
    st.floats(min_value=49.9, max_value=55.8),
    st.floats(min_value=-6.0, max_value=1.7),
    st.floats(min_value=-0.01, max_value=0.01),
    st.floats(min_value=-0.01, max_value=0.01),
)
def test_distance_is_symmetric_zero_at_the_door_and_about_111_km_a_degree(lat, lon, dlat, dlon):
    assert rules.distance_m(lat, lon, lat, lon) == 0
    assert rules.distance_m(lat, lon, lat + dlat, lon + dlon) == rules.distance_m(
        lat + dlat, lon + dlon, lat, lon
    )
    assert abs(rules.distance_m(lat, lon, lat + 1, lon) - 111_195) < 200


@given(st.integers(0, 2000), st.one_of(st.none(), st.integers(0, 2000)), st.integers(10, 1000))
def test_a_fix_proves_presence_only_when_close_and_precise_enough(distance, accuracy, radius):
    inside = rules.within_radius(distance, accuracy, radius)
    assert inside == (distance <= radius and (accuracy is None or accuracy <= radius))


NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


@given(st.integers(-3 * 24 * 60, 24 * 60))
def test_device_clock_is_doubted_only_ahead_or_far_behind(offset_minutes):
    occurred = NOW + dt.timedelta(minutes=offset_minutes)
    problem = rules.clock_problem(
        occurred_at=occurred, received_at=NOW, planned_start=NOW - dt.timedelta(hours=1)
    )
    ahead = offset_minutes > 5
    too_early = occurred < NOW - dt.timedelta(hours=13)  # 12 h before the planned start
    assert bool(problem) == (ahead or too_early)


PLANNED = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
LATE_AT = PLANNED + dt.timedelta(minutes=30)


def _events(draw_minutes):
    return [
        EventFact(id=i, kind=kind, occurred_at=PLANNED + dt.timedelta(minutes=m), method="geolocation")
        for i, (kind, m) in enumerate(draw_minutes)
    ]


event_lists = st.lists(
    st.tuples(st.sampled_from(["check_in", "check_out", "note", "concern"]), st.integers(-30, 180)),
    max_size=8,
)


@given(event_lists, st.randoms(use_true_random=False), st.integers(0, 600))
def test_status_does_not_depend_on_arrival_order_or_on_duplicates(drawn, rnd: random.Random, now_minutes):
    now = PLANNED + dt.timedelta(minutes=now_minutes)
    events = _events(drawn)
    shuffled = events + events[: len(events) // 2]  # a phone resent half its queue
    rnd.shuffle(shuffled)
    kwargs = {"planned_start": PLANNED, "planned_minutes": 30, "late_at": LATE_AT, "now": now}
    assert rules.derive_delivery(events, **kwargs) == rules.derive_delivery(shuffled, **kwargs)


@given(st.integers(0, 600), st.integers(0, 600))
def test_with_no_check_in_a_visit_only_gets_worse_as_time_passes(a, b):
    order = ["planned", "late", "missed"]
    kwargs = {"planned_start": PLANNED, "planned_minutes": 30, "late_at": LATE_AT}
    first = rules.derive_delivery([], now=PLANNED + dt.timedelta(minutes=min(a, b)), **kwargs).status
    later = rules.derive_delivery([], now=PLANNED + dt.timedelta(minutes=max(a, b)), **kwargs).status
    assert order.index(first) <= order.index(later)


def test_late_at_exactly_thirty_minutes_and_missed_once_the_visit_could_not_have_happened():
    kwargs = {"planned_start": PLANNED, "planned_minutes": 30, "late_at": LATE_AT}
    status = [
        rules.derive_delivery([], now=PLANNED + dt.timedelta(minutes=m), **kwargs).status
        for m in (29, 30, 59, 60)
    ]
    assert status == ["planned", "late", "late", "missed"]


def test_a_correction_wins_over_the_phone_and_makes_the_verification_manual():
    events = _events([("check_in", 5)]) + [
        EventFact(
            id=9,
            kind="correction",
            occurred_at=PLANNED + dt.timedelta(hours=3),
            corrected_start=PLANNED,
            corrected_end=PLANNED + dt.timedelta(minutes=35),
        ),
    ]
    delivery = rules.derive_delivery(
        events, planned_start=PLANNED, planned_minutes=30, late_at=LATE_AT, now=NOW
    )
    assert (delivery.status, delivery.verification) == ("completed", "manual")
    assert delivery.actual_end - delivery.actual_start == dt.timedelta(minutes=35)
