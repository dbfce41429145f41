"""Synthetic visits, brokerage cases and awards for reporting tests, written straight into the tables
(reporting only reads them; the domains' own tests cover how they come to be)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from homecare.brokerage.models import Award, BrokerageCase, Offer, OfferRound
from homecare.reporting.periods import LONDON
from homecare.visits.models import Visit, VisitAssignment

_minute = itertools.count()


def make_visit(
    package,
    day: dt.date,
    *,
    status: str = "completed",
    at: dt.time = dt.time(9, 0),
    planned: int = 30,
    late_by: int = 0,
    delivered: int | None = None,
    workers=(),
    assigned_by=None,
) -> Visit:
    """One visit on a London day. Completed visits check in `late_by` minutes after the planned start
    (late past 30) and last `delivered` minutes (the plan by default)."""
    version = package.versions.order_by("-number").first()
    # Distinct planned starts per package (the table's unique key), a second apart.
    # In UTC: Python adds minutes to an aware London time by the wall clock, wrong across a clock change.
    start = dt.datetime.combine(day, at, tzinfo=LONDON).astimezone(dt.UTC) + dt.timedelta(
        seconds=next(_minute) % 3000
    )
    fields = {}
    if status in ("completed", "in_progress"):
        actual_start = start + dt.timedelta(minutes=late_by)
        length = planned if delivered is None else delivered
        fields = {
            "actual_start": actual_start,
            "actual_end": actual_start + dt.timedelta(minutes=length) if status == "completed" else None,
            "actual_minutes": length if status == "completed" else None,
            "verification": "geolocation",
        }
    visit = Visit.objects.create(
        package=package,
        version=version,
        person=package.person,
        council=package.person.council,
        provider=package.provider,
        date=day,
        planned_start=start,
        planned_minutes=planned,
        late_at=start + dt.timedelta(minutes=30),
        status=status,
        **fields,
    )
    for slot, worker in enumerate(workers, start=1):
        VisitAssignment.objects.create(
            visit=visit,
            slot=slot,
            care_worker=worker,
            assigned_by=assigned_by or worker,
            assigned_at=start - dt.timedelta(days=1),
        )
    return visit


def open_case(package, *, opened_at: dt.datetime, hard_to_place_at=None, closed_at=None) -> BrokerageCase:
    return BrokerageCase.objects.create(
        package=package,
        council=package.person.council,
        opened_at=opened_at,
        closed_at=closed_at,
        hard_to_place_at=hard_to_place_at,
    )


def award(case: BrokerageCase, *, provider, at: dt.datetime, actor, lot=None) -> Award:
    offer_round = OfferRound.objects.create(
        case=case,
        number=case.rounds.count() + 1,
        status="awarded",
        opened_at=at - dt.timedelta(hours=1),
        deadline=at + dt.timedelta(days=1),
        closed_at=at,
    )
    offer = Offer.objects.create(
        round=offer_round,
        provider=provider,
        lot=lot,
        quality_score=Decimal("80"),
        price_score=Decimal("70"),
        status="awarded",
    )
    if case.closed_at is None:
        BrokerageCase.objects.filter(pk=case.pk).update(closed_at=at)
    return Award.objects.create(
        round=offer_round,
        offer=offer,
        provider=provider,
        start_date=at.date(),
        awarded_by=actor,
        awarded_at=at,
        ranking=[],
    )
