"""Scoped brokerage reads: the live waiting list for council staff, offers for the provider they went to."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts.models import OrganisationType, Role, User
from homecare.brokerage.models import Award, BrokerageCase, Offer, OfferRound, OfferStatus, RoundStatus
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


def waiting_list(*, user: User, filters: WaitingFilters = WaitingFilters()) -> QuerySet[BrokerageCase]:
    """Everyone still waiting, live: urgent and hospital discharges first, then the longest wait."""
    cases = (
        cases_visible_to(user=user)
        # A package ended or withdrawn while waiting leaves the list even though no award closed it.
        .filter(closed_at__isnull=True, package__status=PackageStatus.AWAITING_PROVIDER)
        .select_related("package__person__zone", "package__support_plan")
        .annotate(
            rounds_so_far=Count("rounds", distinct=True),
            accepted=Count(
                "rounds__offers",
                filter=Q(rounds__offers__status=OfferStatus.ACCEPTED, rounds__status=RoundStatus.OPEN),
                distinct=True,
            ),
            last_deadline=Max("rounds__deadline"),
        )
    )
    if filters.zone_id:
        cases = cases.filter(package__person__zone_id=filters.zone_id)
    if filters.hospital_discharge:
        cases = cases.filter(package__hospital_discharge=True)
    if filters.hard_to_place:
        cases = cases.filter(hard_to_place_at__isnull=False)
    # Priority sorts alphabetically as high < normal < urgent, so spell the order out.
    from django.db.models import Case, IntegerField, Value, When

    priority_order = Case(
        When(priority="urgent", then=Value(0)),
        When(priority="high", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return cases.order_by(priority_order, "-package__hospital_discharge", "opened_at", "id")


def waiting_since(case: BrokerageCase) -> dt.datetime:
    """The wait counts from the support plan's completion (the national measure), else from referral."""
    plan = case.package.support_plan
    return plan.completed_at or case.opened_at


def days_waiting(case: BrokerageCase, *, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, (timezone.localtime(now).date() - timezone.localtime(waiting_since(case)).date()).days)


@dataclass(frozen=True)
class WaitingHeadlines:
    people_waiting: int
    average_days: Decimal
    p90_days: int
    hard_to_place: int
    placed_within_two_days_percent: Decimal | None
    placed_in_period: int


def _percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    # Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it.
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def waiting_headlines(*, user: User, cases: list[BrokerageCase], period_days: int = 28) -> WaitingHeadlines:
    now = timezone.now()
    waits = sorted(days_waiting(c, now=now) for c in cases)
    average = (Decimal(sum(waits)) / len(waits)).quantize(Decimal("0.1")) if waits else Decimal("0.0")
    council = _council_of(user)
    awards = Award.objects.none()
    if council is not None:
        awards = Award.objects.filter(
            round__case__council=council, awarded_at__gte=now - dt.timedelta(days=period_days)
        ).select_related("round__case__package__support_plan")
    within = total = 0
    for award in awards:
        completed = award.round.case.package.support_plan.completed_at
        if completed is None:
            continue
        total += 1
        within += award.awarded_at - completed <= dt.timedelta(days=2)
    return WaitingHeadlines(
        people_waiting=len(waits),
        average_days=average,
        p90_days=_percentile(waits, 0.9),
        hard_to_place=sum(1 for c in cases if c.hard_to_place_at),
        placed_within_two_days_percent=(Decimal(100 * within) / total).quantize(Decimal("0.1"))
        if total
        else None,
        placed_in_period=total,
    )
