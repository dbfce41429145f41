"""Scoped brokerage reads: the live waiting list for council staff, offers for the provider they went to."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts.models import OrganisationType, Role, User
from homecare.brokerage.models import (
    Award,
    BrokerageCase,
    Offer,
    OfferRound,
    OfferStatus,
    Priority,
    RoundStatus,
)
from homecare.people.models import PackageStatus


def _council_of(user: User):
    org = user.organisation if user.is_authenticated else None
    if org is None or user.role == Role.CARE_WORKER:
        return None
    if org.type == OrganisationType.COUNCIL:
        return org
    return None


def cases_visible_to(*, user: User) -> QuerySet[BrokerageCase]:
    council = _council_of(user)
    if council is None:
        return BrokerageCase.objects.none()
    return BrokerageCase.objects.filter(council=council)


def case_for_package(*, user: User, package_pk: int) -> BrokerageCase:
    return get_object_or_404(
        cases_visible_to(user=user).select_related("package__person__zone", "package__support_plan"),
        package_id=package_pk,
    )


def offers_visible_to(*, user: User) -> QuerySet[Offer]:
    """Providers see only their own offers; council staff see every offer of their council's rounds."""
    org = user.organisation if user.is_authenticated else None
    if org is None or user.role == Role.CARE_WORKER:
        return Offer.objects.none()
    if org.type == OrganisationType.PROVIDER:
        return Offer.objects.filter(provider=org)
    if org.type == OrganisationType.COUNCIL:
        return Offer.objects.filter(round__case__council=org)
    return Offer.objects.none()


def offer_for_user(*, user: User, pk: int) -> Offer:
    return get_object_or_404(
        offers_visible_to(user=user).select_related(
            "round__case__package__person__zone", "round__case__package__support_plan", "provider"
        ),
        pk=pk,
    )


def round_for_user(*, user: User, pk: int) -> OfferRound:
    return get_object_or_404(
        OfferRound.objects.filter(case__in=cases_visible_to(user=user)).select_related("case__package"), pk=pk
    )


def provider_offers(*, user: User, open_only: bool = False) -> QuerySet[Offer]:
    offers = offers_visible_to(user=user).select_related("round__case__package__person__zone", "round")
    if open_only:
        offers = offers.filter(round__status=RoundStatus.OPEN)
    return offers.order_by("-round__opened_at")


# --- the waiting list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingFilters:
    zone_id: int | None = None
    hospital_discharge: bool = False
    hard_to_place: bool = False


@dataclass(slots=True)
class WaitingEntry:
    """One person on the waiting list: plain values, so 5,000 of them cost milliseconds, not models."""

    case_id: int
    package_id: int
    person: str
    case_reference: str
    zone: str
    waiting_since: dt.datetime
    days_waiting: int
    priority: str
    hospital_discharge: bool
    hard_to_place: bool
    interim: str
    rounds: int
    accepted: int

    @property
    def priority_label(self) -> str:
        return Priority(self.priority).label


# The wait counts from the support plan's completion (the national measure), else from referral.
_WAITED_FROM = Coalesce("package__support_plan__completed_at", "opened_at")

# Priority sorts alphabetically as high < normal < urgent, so spell the order out.
_PRIORITY_ORDER = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def waiting_cases(*, user: User, filters: WaitingFilters = WaitingFilters()) -> QuerySet[BrokerageCase]:
    """Everyone still waiting, live: urgent and hospital discharges first, then the longest wait."""
    cases = cases_visible_to(user=user).filter(
        # A package ended or withdrawn while waiting leaves the list even though no award closed it.
        closed_at__isnull=True,
        package__status=PackageStatus.AWAITING_PROVIDER,
    )
    if filters.zone_id:
        cases = cases.filter(package__person__zone_id=filters.zone_id)
    if filters.hospital_discharge:
        cases = cases.filter(package__hospital_discharge=True)
    if filters.hard_to_place:
        cases = cases.filter(hard_to_place_at__isnull=False)
    return cases.order_by(_PRIORITY_ORDER, "-package__hospital_discharge", "opened_at", "id")


_ENTRY_COLUMNS = (
    "pk",
    "package_id",
    "package__person__given_name",
    "package__person__family_name",
    "package__person__case_reference",
    "package__person__zone__name",
    "waited_from",
    "priority",
    "package__hospital_discharge",
    "hard_to_place_at",
    "interim_arrangement",
)


def waiting_rows(cases: QuerySet[BrokerageCase]) -> QuerySet:
    """The columns a waiting-list entry needs, as tuples: slice it for a page, or take it all for CSV."""
    return cases.annotate(waited_from=_WAITED_FROM).values_list(*_ENTRY_COLUMNS)


def waiting_entries(rows, cases: QuerySet[BrokerageCase]) -> list[WaitingEntry]:
    """Entries for rows from `waiting_rows(cases)` (all of them, or a page's slice), with rounds so far
    and acceptances in the open round."""
    rows = list(rows)
    # Counted in two grouped queries rather than joined into the list query, where rounds × offers
    # would multiply its rows. A page names its cases; the whole list uses `cases` as a subquery, as
    # thousands of ids would be slow to bind and could pass a database's parameter limit.
    ids = [r[0] for r in rows] if len(rows) <= 500 else cases.order_by().values("pk")
    rounds = dict(
        OfferRound.objects.filter(case_id__in=ids)
        .order_by()
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    accepted = dict(
        Offer.objects.filter(
            round__case_id__in=ids, round__status=RoundStatus.OPEN, status=OfferStatus.ACCEPTED
        )
        .order_by()
        .values("round__case_id")
        .annotate(n=Count("id"))
        .values_list("round__case_id", "n")
    )
    today, zone = timezone.localdate(), timezone.get_current_timezone()
    return [
        WaitingEntry(
            case_id=pk,
            package_id=package_id,
            person=f"{given} {family}",
            case_reference=reference,
            zone=area,
            waiting_since=since,
            days_waiting=_days_since(since, today, zone),
            priority=priority,
            hospital_discharge=discharge,
            hard_to_place=hard is not None,
            interim=interim,
            rounds=rounds.get(pk, 0),
            accepted=accepted.get(pk, 0),
        )
        for pk, package_id, given, family, reference, area, since, priority, discharge, hard, interim in rows
    ]


def waiting_list(*, user: User, filters: WaitingFilters = WaitingFilters()) -> list[WaitingEntry]:
    """The whole waiting list in order (the CSV export); pages take a slice of `waiting_rows` instead."""
    cases = waiting_cases(user=user, filters=filters)
    return waiting_entries(waiting_rows(cases), cases)


def _days_since(moment: dt.datetime, today: dt.date, zone: dt.tzinfo | None = None) -> int:
    # Pass the zone when counting thousands: looking up the current time zone costs more than the sum.
    return max(0, (today - moment.astimezone(zone or timezone.get_current_timezone()).date()).days)


def days_waiting(case: BrokerageCase) -> int:
    """Days since the support plan was completed (else since referral), as the waiting list counts."""
    return _days_since(case.package.support_plan.completed_at or case.opened_at, timezone.localdate())


@dataclass(frozen=True)
class WaitingHeadlines:
    people_waiting: int
    average_days: Decimal
    p90_days: int
    hard_to_place: int
    placed_within_two_days_percent: Decimal | None
    placed_in_period: int


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not sorted_values:
        return 0
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def waiting_headlines(
    *, user: User, cases: QuerySet[BrokerageCase], period_days: int = 28
) -> WaitingHeadlines:
    """Headline figures for the cases listed (filters apply), and placements in the last `period_days`
    across the council. The database counts cases per London day waited from (a few dozen rows however
    many wait), so it stays quick over thousands."""
    now = timezone.now()
    today = timezone.localdate(now)
    by_day = (
        cases.annotate(since=TruncDate(_WAITED_FROM, tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("since")
        .annotate(n=Count("id"), hard=Count("hard_to_place_at"))
        .values_list("since", "n", "hard")
    )
    waits: list[int] = []
    hard_to_place = 0
    for since, n, hard in by_day:
        waits.extend([max(0, (today - since).days)] * n)
        hard_to_place += hard
    waits.sort()
    average = (Decimal(sum(waits)) / len(waits)).quantize(Decimal("0.1")) if waits else Decimal("0.0")
    council = _council_of(user)
    placed: list[tuple[dt.datetime, dt.datetime]] = []
    if council is not None:
        placed = list(
            Award.objects.filter(
                round__case__council=council,
                awarded_at__gte=now - dt.timedelta(days=period_days),
                round__case__package__support_plan__completed_at__isnull=False,
            ).values_list("awarded_at", "round__case__package__support_plan__completed_at")
        )
    within = sum(1 for awarded, completed in placed if awarded - completed <= dt.timedelta(days=2))
    return WaitingHeadlines(
        people_waiting=len(waits),
        average_days=average,
        p90_days=percentile(waits, 0.9),
        hard_to_place=hard_to_place,
        placed_within_two_days_percent=(Decimal(100 * within) / len(placed)).quantize(Decimal("0.1"))
        if placed
        else None,
        placed_in_period=len(placed),
    )
