"""Visits delivered by a lead provider's subcontractors (ADR 0015).

The package stays with the lead (Visit.provider), which is paid for every visit through its statement;
`Visit.delivered_by` names the subcontractor whose care workers deliver a visit and whose managers record,
correct and cancel it. A lead's manager gives a package's visits from a date (or one visit) to an
approved subcontractor, or takes them back; each allocation is an immutable DeliveryAllocation row.

A subcontractor the council has suspended takes no new work: it is given no visits (here) and its
managers put no care workers on visits (visits.services.visit_assign calls `require_taking_work`); the
visits it has already started are still recorded, and its lead is not suspended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from homecare.accounts.models import Organisation, Role, User
from homecare.people.models import Package
from homecare.providers import selectors_subcontracting as subcontracting_selectors
from homecare.visits.models import DeliveryAllocation, Visit, VisitAssignment, VisitStatus


def _require_lead_manager(actor: User, provider_id: int | None) -> None:
    if not (
        actor.is_authenticated
        and provider_id is not None
        and actor.role == Role.PROVIDER_MANAGER
        and actor.organisation_id == provider_id
    ):
        raise PermissionDenied("Only the provider's managers give its visits to subcontractors")


def _taking_work(*, council_id: int, lead_id: int, subcontractor: Organisation, on: dt.date) -> None:
    approved = subcontracting_selectors.subcontractors_taking_work(
        council_id=council_id, lead_id=lead_id, on=on
    )
    if subcontractor.pk not in {s.subcontractor_id for s in approved}:
        raise ValidationError(
            {"subcontractor": f"{subcontractor} is not an approved subcontractor taking new work"}
        )


def require_taking_work(*, visit: Visit) -> None:
    """Refuse new work on a subcontracted visit whose subcontractor is no longer approved (suspended or
    ended). Visits the lead delivers itself are not affected."""
    if visit.delivered_by_id is None:
        return
    working = subcontracting_selectors.working_subcontracting(
        council_id=visit.council_id, lead_id=visit.provider_id, subcontractor_id=visit.delivered_by_id
    )
    if working is None or not working.takes_new_work:
        raise ValidationError(
            "The council has suspended this subcontractor from new work: ask the lead provider to take the "
            "visit back"
        )


def _movable(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Visits that can change hands: planned and not checked in (nothing of them has happened yet)."""
    return visits.filter(status=VisitStatus.PLANNED, actual_start__isnull=True)


def _move(visits: QuerySet[Visit], subcontractor: Organisation | None) -> int:
    """Give the visits to the subcontractor (None: back to the lead). Care workers of whoever delivered
    them before come off them, since only the deliverer's workers may be on a visit."""
    to = subcontractor.pk if subcontractor else None
    ids = list(
        visits.exclude(delivered_by_id=to).select_for_update().order_by("pk").values_list("pk", flat=True)
        if to is not None
        else visits.filter(delivered_by__isnull=False)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        VisitAssignment.objects.filter(visit_id__in=chunk).delete()
        Visit.objects.filter(pk__in=chunk, status=VisitStatus.PLANNED).update(delivered_by_id=to)
    return len(ids)


@transaction.atomic
def package_allocate(
    *,
    actor: User,
    package: Package,
    subcontractor: Organisation | None,
    from_date: dt.date,
    reason: str = "",
) -> DeliveryAllocation:
    """A lead's manager gives the package's visits from `from_date` to an approved subcontractor (or takes
    them back with subcontractor=None). Moves the planned visits not yet checked in; visits planned
    later follow the allocation on their day. Guarantees: the actor manages the package's provider; the
    subcontractor is approved by the package's council under an appointment in force; no past date."""
    package = Package.objects.select_for_update().select_related("person").get(pk=package.pk)
    _require_lead_manager(actor, package.provider_id)
    today = timezone.localdate()
    if from_date < today:
        raise ValidationError({"from_date": "Choose today or a later date"})
    if subcontractor is not None:
        _taking_work(
            council_id=package.person.council_id,
            lead_id=package.provider_id,
            subcontractor=subcontractor,
            on=today,
        )
    moved = _move(
        _movable(Visit.objects.filter(package=package, provider_id=package.provider_id, date__gte=from_date)),
        subcontractor,
    )
    return DeliveryAllocation.objects.create(
        package=package,
        subcontractor=subcontractor,
        from_date=from_date,
        visits_moved=moved,
        reason=reason.strip(),
        allocated_by=actor,
        allocated_at=timezone.now(),
    )


@transaction.atomic
def visit_allocate(
    *, actor: User, visit: Visit, subcontractor: Organisation | None, reason: str = ""
) -> DeliveryAllocation:
    """Give one planned visit to an approved subcontractor (or take it back), with package_allocate's
    guarantees. Later regeneration of the package keeps the visit where it was given."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require_lead_manager(actor, visit.provider_id)
    if visit.status != VisitStatus.PLANNED or visit.actual_start is not None:
        raise ValidationError("Only a planned visit that has not started can change hands")
    if subcontractor is not None:
        _taking_work(
            council_id=visit.council_id,
            lead_id=visit.provider_id,
            subcontractor=subcontractor,
            on=timezone.localdate(),
        )
    if (subcontractor.pk if subcontractor else None) == visit.delivered_by_id:
        raise ValidationError({"subcontractor": "The visit is already delivered by them"})
    moved = _move(Visit.objects.filter(pk=visit.pk), subcontractor)
    return DeliveryAllocation.objects.create(
        package_id=visit.package_id,
        visit=visit,
        subcontractor=subcontractor,
        from_date=visit.date,
        visits_moved=moved,
        reason=reason.strip(),
        allocated_by=actor,
        allocated_at=timezone.now(),
    )


def deliverer_on(allocations: list[tuple[dt.date, int | None]], day: dt.date) -> int | None:
    """Who delivers a package's visit on a day, from its package-wide allocations (from date, subcontractor
    or None) in the order they were made: the latest made of those in force by that day, as each one
    moved every visit from its date when it was made."""
    deliverer = None
    for from_date, subcontractor_id in allocations:
        if from_date <= day:
            deliverer = subcontractor_id
    return deliverer


def deliverers_apply(*, package: Package, visits: Iterable[Visit]) -> None:
    """Set delivered_by on newly planned visits from the package's allocations; a subcontractor that is
    no longer approved gets no new visits (they stay with the lead). One query when the package has no
    allocations, which is nearly every package."""
    visits = list(visits)
    if not visits:
        return
    allocations = list(
        DeliveryAllocation.objects.filter(package=package, visit__isnull=True)
        .order_by("allocated_at", "id")
        .values_list("from_date", "subcontractor_id")
    )
    if not allocations:
        return
    person = package.person
    approved = {
        s.subcontractor_id
        for s in subcontracting_selectors.subcontractors_taking_work(
            council_id=person.council_id, lead_id=package.provider_id, on=timezone.localdate()
        )
    }
    for visit in visits:
        deliverer = deliverer_on(allocations, visit.date)
        visit.delivered_by_id = deliverer if deliverer in approved else None


# --- reads for the allocation pages ----------------------------------------------------------------


def subcontractor_choices(*, council_id: int, lead_id: int) -> QuerySet[Organisation]:
    """The lead's subcontractors it may give visits to today (approved by the council)."""
    approved = subcontracting_selectors.subcontractors_taking_work(
        council_id=council_id, lead_id=lead_id, on=timezone.localdate()
    )
    return Organisation.objects.filter(pk__in=[s.subcontractor_id for s in approved]).order_by("name")


def allocations_of(*, package: Package) -> QuerySet[DeliveryAllocation]:
    return package.delivery_allocations.select_related("subcontractor", "allocated_by", "visit").order_by(
        "-allocated_at", "-id"
    )


def upcoming_by_deliverer(*, package: Package, today: dt.date) -> list[tuple[str, int]]:
    """How many of the package's visits from today each organisation delivers: (name, count)."""
    from django.db.models import Count

    rows = (
        Visit.objects.filter(package=package, date__gte=today)
        .exclude(status=VisitStatus.CANCELLED)
        .values("delivered_by__name")
        .annotate(n=Count("id"))
        .order_by("delivered_by__name")
    )
    lead = package.provider.name if package.provider else ""
    return [(r["delivered_by__name"] or f"{lead} (own care workers)", r["n"]) for r in rows]
