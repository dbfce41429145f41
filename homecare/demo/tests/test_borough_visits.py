"""Call monitoring in the demo borough: a fortnight of visits, their care workers and a real week's calls,
exactly as the visits services would have made them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count, F
from django.test import RequestFactory
from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.demo import borough
from homecare.demo.borough.calls import NAMESPACE
from homecare.people.models import Package, PackageStatus
from homecare.visits import selectors, services
from homecare.visits.models import (
    CallEvent,
    EventKind,
    EventSource,
    HomeTag,
    Verification,
    Visit,
    VisitAlert,
    VisitAssignment,
    VisitStatus,
)

PEOPLE = 120

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary() -> borough.BoroughSummary:
    return borough.build_borough(seed=borough.DEFAULT_SEED, people=PEOPLE)


def the_week_gone_by(summary):
    """Visits at least two days old: over, whatever the time of day the borough was built."""
    return Visit.objects.filter(date__lte=timezone.localdate(summary.as_of) - dt.timedelta(days=2))


# --- visits ---------------------------------------------------------------------------------------


def test_every_active_package_has_visits_from_a_week_ago_to_a_week_ahead(summary):
    today = timezone.localdate(summary.as_of)
    visits = Visit.objects.all()
    assert visits.count() == summary.visits > 0
    assert visits.earliest("date").date == today - dt.timedelta(days=7)
    assert visits.latest("date").date == today + dt.timedelta(days=7)
    with_patterns = Package.objects.filter(
        status=PackageStatus.ACTIVE, versions__visit_pattern__isnull=False, start_date__lte=today
    ).distinct()
    assert with_patterns.exists() and not with_patterns.filter(visits__isnull=True).exists()
    assert set(visits.values_list("package__status", flat=True)) <= {
        PackageStatus.ACTIVE,
        PackageStatus.ON_HOLD,
    }
    assert summary.call_events == CallEvent.objects.count() > 0
    assert summary.visit_assignments == VisitAssignment.objects.count()
    assert summary.home_tags == HomeTag.objects.count() > 0
    assert sum(summary.visits_by_status.values()) == summary.visits
    assert f"{summary.visits:,} visits ({summary.call_events:,} call events" in summary.describe()


def test_generating_visits_afterwards_changes_nothing(summary):
    today = timezone.localdate(summary.as_of)
    result = services.visits_generate_all(start=today - dt.timedelta(days=7), days=15)
    planned = Package.objects.filter(
        status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD), provider__isnull=False
    )
    assert result.packages == planned.count()
    assert (result.created, result.updated, result.removed) == (0, 0, 0)
    assert Visit.objects.count() == summary.visits


def test_each_visit_has_the_state_its_events_give_it_and_the_late_scan_has_run(summary):
    fields = (
        "status",
        "verification",
        "actual_start",
        "actual_end",
        "actual_minutes",
        "cancel_reason",
        "clock_flagged",
    )
    sample = list(Visit.objects.filter(events__isnull=False).distinct()[::3]) + list(
        Visit.objects.filter(events__isnull=True)[::7]
    )
    for visit in sample:
        stored = [getattr(visit, f) for f in fields]
        services.visit_refresh(visit=visit, now=summary.as_of)
        assert [getattr(visit, f) for f in fields] == stored, visit.pk
    scan = services.late_visits_flag(now=summary.as_of)
    assert (scan.late, scan.missed, scan.escalated) == (0, 0, 0)


# --- care workers and assignments -----------------------------------------------------------------


def test_care_workers_make_the_visits_mostly_the_same_one_for_each_person(summary):
    for provider in Organisation.objects.filter(type=OrganisationType.PROVIDER):
        active = Package.objects.filter(provider=provider, status=PackageStatus.ACTIVE).count()
        assert provider.users.filter(role=Role.CARE_WORKER).count() >= max(3, active / 6)
        assert provider.users.filter(role=Role.PROVIDER_MANAGER).exists()
    made_here = User.objects.exclude(username__in=borough.DEMO_USERNAMES).filter(
        role__in=(Role.CARE_WORKER, Role.PROVIDER_MANAGER)
    )
    assert not any(user.has_usable_password() for user in made_here)
    assert (
        authenticate(
            RequestFactory().post("/sign-in"), username=borough.CARER_USERNAME, password=borough.DEMO_PASSWORD
        )
        is not None
    )

    counts = Visit.objects.annotate(n=Count("assignments")).values_list("n", "carers_required")
    assert all(n == required for n, required in counts)
    assert Visit.objects.filter(carers_required=2).exists()
    assignments = VisitAssignment.objects.all()
    assert not assignments.exclude(care_worker__organisation=F("visit__provider")).exists()
    assert not assignments.exclude(care_worker__role=Role.CARE_WORKER).exists()

    by_package: dict[int, Counter] = {}
    for package_id, worker_id in assignments.filter(slot=1).values_list(
        "visit__package_id", "care_worker_id"
    ):
        by_package.setdefault(package_id, Counter())[worker_id] += 1
    shares = [c.most_common(1)[0][1] / c.total() for c in by_package.values()]
    assert sum(shares) / len(shares) > 0.7


def test_the_demo_carer_has_a_round_of_visits_today_and_tomorrow_at_homes_with_a_location(summary):
    carer = User.objects.get(username=borough.CARER_USERNAME)
    today = timezone.localdate(summary.as_of)
    visits = list(selectors.worker_visits(user=carer, today=today))
    by_day = Counter(v.date for v in visits)
    assert by_day[today] >= 3 and by_day[today + dt.timedelta(days=1)] >= 3
    assert all(v.person.latitude is not None and v.person.longitude is not None for v in visits)
    for day in by_day:
        calls = sorted(
            (v.planned_start, v.planned_start + dt.timedelta(minutes=v.planned_minutes))
            for v in visits
            if v.date == day
        )
        assert all(end <= next_start for (_, end), (next_start, _) in zip(calls, calls[1:], strict=False))


# --- the week gone by -----------------------------------------------------------------------------


def test_the_week_gone_by_went_as_a_real_week_does(summary):
    week = the_week_gone_by(summary)
    total = week.count()
    statuses = Counter(week.values_list("status", flat=True))
    assert set(statuses) == {VisitStatus.COMPLETED, VisitStatus.MISSED, VisitStatus.CANCELLED}
    assert 0.9 <= statuses[VisitStatus.COMPLETED] / total <= 0.99
    assert statuses[VisitStatus.MISSED] / total <= 0.05 and statuses[VisitStatus.CANCELLED] / total <= 0.03
    assert not week.filter(status=VisitStatus.CANCELLED, cancel_reason="").exists()
    assert not week.filter(status=VisitStatus.MISSED, events__isnull=False).exists()
    completed = list(week.filter(status=VisitStatus.COMPLETED))
    on_time = sum(v.actual_start <= v.late_at for v in completed)
    assert 0.9 <= on_time / len(completed) < 1
    assert any(v.delivered_minutes < 15 for v in completed)
    verified = Counter(v.verification for v in completed)
    assert verified[Verification.GEOLOCATION] > 0.8 * len(completed)
    assert verified[Verification.OUT_OF_RANGE] and verified[Verification.TAG]


def test_check_ins_are_by_location_near_the_home_or_by_its_tag(summary):
    for event in CallEvent.objects.filter(kind=EventKind.CHECK_IN, latitude__isnull=False):
        assert (event.method == Verification.GEOLOCATION) == (event.distance_m <= 150)
    tagged = CallEvent.objects.filter(method=Verification.TAG).select_related("visit")
    assert tagged.exists()
    assert all(
        HomeTag.objects.filter(person=e.visit.person_id, revoked_at__isnull=True).exists() for e in tagged
    )


def test_two_phones_had_an_implausible_clock_and_a_manager_corrected_one_visit(summary):
    assert Visit.objects.filter(clock_flagged=True).count() == 2
    correction = CallEvent.objects.get(kind=EventKind.CORRECTION)
    assert correction.source == EventSource.MANAGER and correction.recorded_by.role == Role.PROVIDER_MANAGER
    assert correction.corrects.kind == EventKind.CHECK_OUT  # the original stays, beside its correction
    visit = correction.visit
    assert visit.actual_end == correction.corrected_end < correction.corrects.occurred_at
    assert visit.provider.name == borough.PROVIDER_NAMES[0]


def test_phone_events_are_stored_as_the_service_would_so_a_retry_is_recognised(summary):
    events = CallEvent.objects.filter(source=EventSource.APP).select_related("visit", "recorded_by")
    assert events.exists()
    for event in [*events[::40], *events.filter(method=Verification.TAG)[:3]]:
        assert event.client_id == uuid.uuid5(NAMESPACE, f"{event.visit_id}:{event.kind}")
        tag = HomeTag.objects.filter(person=event.visit.person_id).values_list("token", flat=True).first()
        retry = services.EventInput(
            client_id=event.client_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            latitude=event.latitude,
            longitude=event.longitude,
            accuracy_m=event.accuracy_m,
            tag_token=tag if event.method == Verification.TAG else "",
            tasks_done=tuple(event.tasks_done),
            text=event.text,
        )
        stored, created = services.event_record(actor=event.recorded_by, visit=event.visit, event=retry)
        assert (stored.pk, created) == (event.pk, False)


def test_alerts_were_raised_when_due_and_most_were_acknowledged(summary):
    alerts = VisitAlert.objects.select_related("visit")
    assert alerts.count() == summary.visit_alerts > 0
    for alert in alerts:
        assert alert.visit.late_at <= alert.raised_at <= summary.as_of
        assert alert.visit.status in (VisitStatus.LATE, VisitStatus.MISSED) or alert.visit.actual_start
        assert bool(alert.acknowledged_at) == bool(alert.action_taken)
        if alert.escalated_at:
            assert alert.escalated_at - alert.raised_at == dt.timedelta(minutes=30)
    old = alerts.filter(raised_at__lt=summary.as_of - dt.timedelta(days=2))
    assert old.filter(acknowledged_at__isnull=False).count() > old.count() / 2


# --- determinism ----------------------------------------------------------------------------------


def fingerprint(monkeypatch, seed: int) -> tuple:
    """Build a borough at a fixed moment, read its visits, crews and events, and roll it back."""
    moment = dt.datetime(2026, 11, 23, 14, 7, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    with transaction.atomic():
        summary = borough.build_borough(seed=seed, people=PEOPLE)
        visits = list(
            Visit.objects.order_by("package__person__case_reference", "planned_start").values_list(
                "package__person__case_reference", "planned_start", "status", "verification", "actual_start"
            )
        )
        crews = Counter(VisitAssignment.objects.values_list("care_worker__username", flat=True))
        events = Counter(CallEvent.objects.values_list("kind", "method", "occurred_at", "payload_hash"))
        transaction.set_rollback(True)
    return summary.visits, summary.call_events, summary.visits_by_status, visits, crews, events


def test_the_same_seed_makes_the_same_visits_crews_and_events(monkeypatch):
    first = fingerprint(monkeypatch, 7)
    assert first[0] and first[1]
    assert first == fingerprint(monkeypatch, 7)
