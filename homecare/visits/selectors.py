"""Scoped reads for visits: a care worker sees only the visits they are on, a provider only its own,
council staff their council's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts.models import OrganisationType, Role, User
from homecare.providers import selectors_subcontracting as subcontracting_selectors
from homecare.visits.models import CallEvent, Visit, VisitAlert, VisitAssignment, VisitStatus

# Council staff who oversee delivery across providers.
COUNCIL_ROLES = frozenset(
    {
        Role.PRACTITIONER,
        Role.BROKER,
        Role.COMMISSIONER,
        Role.FINANCE_OFFICER,
        Role.SAFEGUARDING_LEAD,
        Role.ANALYST,
        Role.ADMINISTRATOR,
    }
)


def visits_visible_to(*, user: User) -> QuerySet[Visit]:
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return Visit.objects.none()
    if user.role == Role.CARE_WORKER:
        return Visit.objects.filter(assignments__care_worker=user)
    if org.type == OrganisationType.PROVIDER and user.role == Role.PROVIDER_MANAGER:
        # A lead sees its packages' visits, whoever delivers them; a subcontractor (ADR 0015) also sees
        # the visits it delivers, and only those of the lead's. The OR is added only for organisations
        # registered as subcontractors, so every other provider's board keeps its one-index plan.
        if subcontracting_selectors.is_subcontractor(organisation_id=org.pk):
            return Visit.objects.filter(Q(provider=org) | Q(delivered_by=org))
        return Visit.objects.filter(provider=org)
    if org.type == OrganisationType.COUNCIL and user.role in COUNCIL_ROLES:
        return Visit.objects.filter(council=org)
    return Visit.objects.none()


def visit_for_user(*, user: User, pk: int) -> Visit:
    return get_object_or_404(
        visits_visible_to(user=user).select_related("person", "package", "provider", "delivered_by"), pk=pk
    )


def worker_visits(*, user: User, today: dt.date | None = None) -> QuerySet[Visit]:
    """Today's and tomorrow's visits for the signed-in care worker, in time order."""
    today = today or timezone.localdate()
    return (
        visits_visible_to(user=user)
        .filter(date__gte=today, date__lte=today + dt.timedelta(days=1))
        .select_related("person", "package")
        .order_by("planned_start", "id")
    )


def visit_events(*, visit: Visit) -> list[CallEvent]:
    return list(visit.events.select_related("recorded_by", "corrects").order_by("received_at", "id"))


def alerts_visible_to(*, user: User) -> QuerySet[VisitAlert]:
    return VisitAlert.objects.filter(visit__in=visits_visible_to(user=user)).select_related(
        "visit__person", "visit__provider", "acknowledged_by"
    )


@dataclass(frozen=True)
class DayFigures:
    """Delivery on a day (or days) for a provider's or a council's board."""

    planned: int
    completed: int
    in_progress: int
    late: int
    missed: int
    cancelled: int
    unverified: int
    on_time_percent: float | None
    missed_percent: float | None
    planned_minutes: int
    delivered_minutes: int
    delivered_percent: float | None
    under_15_minutes: int
    clock_flagged: int


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def day_figures(visits: QuerySet[Visit]) -> DayFigures:
    """Counts by status, punctuality and minutes over some visits, read as values in three queries.

    On time: a completed visit checked in by its late time. Delivered minutes: completed visits only,
    against their planned minutes. Missed %: of the visits that were due (not planned ahead, not cancelled).
    """
    counts = dict(visits.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    delivered = planned_done = short = on_time = 0
    for start, end, late_at, minutes in visits.filter(status=VisitStatus.COMPLETED).values_list(
        "actual_start", "actual_end", "late_at", "planned_minutes"
    ):
        length = int((end - start).total_seconds() // 60)
        delivered += length
        planned_done += minutes
        short += length < 15
        on_time += start <= late_at
    flags = visits.aggregate(
        unverified=Count("id", filter=Q(actual_start__isnull=False, verification__in=("", "out_of_range"))),
        clock_flagged=Count("id", filter=Q(clock_flagged=True)),
    )
    completed, missed = counts.get(VisitStatus.COMPLETED, 0), counts.get(VisitStatus.MISSED, 0)
    due = completed + missed + counts.get(VisitStatus.IN_PROGRESS, 0) + counts.get(VisitStatus.LATE, 0)
    return DayFigures(
        planned=sum(counts.values()),
        completed=completed,
        in_progress=counts.get(VisitStatus.IN_PROGRESS, 0),
        late=counts.get(VisitStatus.LATE, 0),
        missed=missed,
        cancelled=counts.get(VisitStatus.CANCELLED, 0),
        unverified=flags["unverified"],
        on_time_percent=_percent(on_time, completed),
        missed_percent=_percent(missed, due),
        planned_minutes=planned_done,
        delivered_minutes=delivered,
        delivered_percent=_percent(delivered, planned_done),
        under_15_minutes=short,
        clock_flagged=flags["clock_flagged"],
    )


def board_visits(*, user: User, day: dt.date) -> QuerySet[Visit]:
    return visits_visible_to(user=user).filter(date=day)


@dataclass(frozen=True)
class ProviderLine:
    provider: str
    figures: DayFigures


def council_board(*, user: User, day: dt.date) -> list[ProviderLine]:
    """Delivery by provider on a day, for council staff: the same figures, one line per provider."""
    visits = board_visits(user=user, day=day)
    providers = visits.order_by().values_list("provider_id", "provider__name").distinct()
    return sorted(
        (
            ProviderLine(name or "No provider", day_figures(visits.filter(provider_id=pk)))
            for pk, name in providers
        ),
        key=lambda line: line.provider,
    )


def alert_for_user(*, user: User, pk: int) -> VisitAlert:
    return get_object_or_404(alerts_visible_to(user=user), pk=pk)


def live_home_tag(*, user: User, person):
    """The provider's live tag for the person's home, if it has printed one."""
    from homecare.visits.models import HomeTag

    return (
        HomeTag.objects.filter(person=person, provider_id=user.organisation_id, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def care_workers_for(*, user: User, visit: Visit) -> QuerySet[User]:
    """The active care workers a provider manager may put on a visit their organisation delivers (its
    own, or one a lead gave it as subcontractor); none for anyone else."""
    if user.role != Role.PROVIDER_MANAGER or user.organisation_id != visit.deliverer_id:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=visit.deliverer_id, role=Role.CARE_WORKER, is_active=True
    ).order_by("first_name", "last_name", "id")


def board_list(*, visits: QuerySet[Visit], show: str = "") -> QuerySet[Visit]:
    """A board's visits in time order, narrowed to a status or to those needing attention (late, missed,
    or checked in without verification), with their people and care workers loaded."""
    if show == "attention":
        visits = visits.filter(
            Q(status__in=(VisitStatus.LATE, VisitStatus.MISSED))
            | Q(actual_start__isnull=False, verification__in=("", "out_of_range"))
        )
    elif show:
        visits = visits.filter(status=show)
    return (
        visits.select_related("person")
        .prefetch_related(
            Prefetch("assignments", queryset=VisitAssignment.objects.select_related("care_worker"))
        )
        .order_by("planned_start", "id")
    )


def visits_delivered_by(*, user: User) -> QuerySet[Visit]:
    """The visits a provider manager's organisation delivers (so records evidence for): its own packages'
    visits it has not given to a subcontractor, and those a lead gave it (ADR 0015)."""
    if user.role != Role.PROVIDER_MANAGER or user.organisation_id is None:
        return Visit.objects.none()
    org = user.organisation_id
    return visits_visible_to(user=user).filter(
        Q(provider_id=org, delivered_by__isnull=True) | Q(delivered_by_id=org)
    )
