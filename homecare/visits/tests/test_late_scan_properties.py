"""The late-visit scan against a plain model of its rule, over random days and scan times.

PostgreSQL runs the scan as one statement and SQLite in steps (services._flag_and_alert and
_flag_in_steps); CI runs this file on both, so both must agree with the same model."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.visits import services
from homecare.visits.models import Visit, VisitAlert, VisitStatus

ALLOWANCE = dt.timedelta(minutes=30)  # the default late allowance the generated week was made with

# One visit: minutes after the first visit's start, planned minutes, and when (minutes after its start)
# the carer checked in, if they did.
visit_shapes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=240),
        st.sampled_from([15, 30, 45, 60]),
        st.one_of(st.none(), st.integers(min_value=0, max_value=180)),
    ),
    min_size=1,
    max_size=6,
)
scan_offsets = st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=4)


def model_scan(visits: list[dict], at: dt.datetime) -> tuple[int, int]:
    """The rule, plainly: no check-in by late time → late (a late alert); still none by planned end
    plus the allowance → missed (a missed alert). Returns (newly late, newly missed)."""
    late = missed = 0
    for v in visits:
        if v["checked_in"] is not None and v["checked_in"] <= at:
            continue
        if v["status"] == "planned" and v["late_at"] <= at:
            v["status"] = "late"
            v["alerts"].add("late")
            late += 1
        if v["status"] == "late" and v["late_at"] + dt.timedelta(minutes=v["minutes"]) <= at:
            v["status"] = "missed"
            v["alerts"].add("missed")
            missed += 1
    return late, missed


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=visit_shapes, offsets=scan_offsets)
def test_the_scan_flags_and_alerts_exactly_what_the_rule_says(first_visit, shapes, offsets):
    base = first_visit.planned_start
    same = {f: getattr(first_visit, f) for f in ("package_id", "version_id", "person_id", "council_id")}
    with transaction.atomic():
        Visit.objects.all().delete()  # a clean slate: only the visits this example makes
        made, model = [], []
        for i, (start_after, minutes, checked_in_after) in enumerate(shapes):
            start = base + dt.timedelta(minutes=start_after, seconds=i)  # unique start per package
            checked_in = None if checked_in_after is None else start + dt.timedelta(minutes=checked_in_after)
            visit = Visit.objects.create(
                **same,
                provider_id=first_visit.provider_id,
                date=start.date(),
                planned_start=start,
                planned_minutes=minutes,
                late_at=start + ALLOWANCE,
            )
            made.append((visit, checked_in))
            model.append(
                {
                    "late_at": start + ALLOWANCE,
                    "minutes": minutes,
                    "checked_in": checked_in,
                    "status": "planned",
                    "alerts": set(),
                }
            )
        for offset in sorted(offsets):
            at = base + dt.timedelta(minutes=offset)
            # check-ins that have happened by now are on the visit (what recording one sets)
            for visit, checked_in in made:
                if checked_in is not None and checked_in <= at and visit.actual_start is None:
                    visit.actual_start = checked_in
                    Visit.objects.filter(pk=visit.pk).update(
                        actual_start=checked_in, status=VisitStatus.IN_PROGRESS
                    )
            expected = model_scan(model, at)
            scan = services.late_visits_flag(now=at)
            assert (scan.late, scan.missed) == expected
            again = services.late_visits_flag(now=at)
            assert (again.late, again.missed) == (0, 0)  # idempotent at the same moment
        for (visit, _), want in zip(made, model, strict=True):
            visit.refresh_from_db()
            if want["checked_in"] is None or visit.actual_start is None:
                assert visit.status == want["status"]
            kinds = set(VisitAlert.objects.filter(visit=visit).values_list("kind", flat=True))
            assert kinds == want["alerts"]
        transaction.set_rollback(True)
