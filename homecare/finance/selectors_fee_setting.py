"""Reads for fee setting, scoped to the user's council.

Scenarios, cost-of-care models, wage floors and reference prices belong to one council: its staff find
them (a role that may not set fees is then refused with a 403 by the view), anyone else gets a 404, so a
foreign record's existence is never confirmed. The package book and the framework's rates are read here
too, so finance.fee_setting's services and the views never touch `Model.objects`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from homecare.accounts.models import Organisation, User
from homecare.finance.models import AgreedRate, CostOfCareModel, ReferencePrice, UpliftScenario, WageFloor
from homecare.people import rules as people_rules
from homecare.people.models import Package, PackageStatus, PackageVersion, VersionStatus
from homecare.people.selectors import current_version
from homecare.providers.models import Framework, FrameworkStatus, Lot, RateCard, Service


def council_of(user: User) -> Organisation | None:
    """The council whose fee-setting records the user's organisation owns; None for anyone else."""
    if not user.is_authenticated or user.organisation_id is None:
        return None
    org = user.organisation
    return org if org.is_council else None


# --- scenarios and models -----------------------------------------------------------------------


def scenarios_for_user(*, user: User) -> QuerySet[UpliftScenario]:
    council = council_of(user)
    if council is None:
        return UpliftScenario.objects.none()
    return UpliftScenario.objects.filter(council=council).select_related("framework", "created_by")


def scenario_for_user(*, user: User, pk: int) -> UpliftScenario:
    return get_object_or_404(
        scenarios_for_user(user=user).select_related("agreed_by").prefetch_related("bands"), pk=pk
    )


def cost_models_for_user(*, user: User) -> QuerySet[CostOfCareModel]:
    council = council_of(user)
    if council is None:
        return CostOfCareModel.objects.none()
    return CostOfCareModel.objects.filter(council=council).select_related("created_by")


def cost_model_for_user(*, user: User, pk: int) -> CostOfCareModel:
    return get_object_or_404(cost_models_for_user(user=user), pk=pk)


def agreed_rates(*, scenario: UpliftScenario) -> QuerySet[AgreedRate]:
    return AgreedRate.objects.filter(scenario=scenario).select_related("rate_card__lot", "previous_rate_card")


def frameworks_for_uplift(*, council: Organisation) -> QuerySet[Framework]:
    """The council's frameworks that can still take new rates (an expired one cannot)."""
    return Framework.objects.filter(council=council).exclude(status=FrameworkStatus.EXPIRED).order_by("name")


# --- reference data -----------------------------------------------------------------------------


def wage_floors(*, council: Organisation) -> QuerySet[WageFloor]:
    return WageFloor.objects.filter(council=council).select_related("created_by")


def wage_floor_names(*, council: Organisation) -> list[str]:
    return sorted(set(WageFloor.objects.filter(council=council).values_list("name", flat=True)))


def wage_floor_on(*, council: Organisation, name: str, on: dt.date) -> WageFloor | None:
    """The floor in force on a date: the latest effective_from on or before it; of two entries for the
    same date the later one (a correction) wins."""
    return (
        WageFloor.objects.filter(council=council, name=name, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )


def wage_floor_exists(*, council: Organisation, name: str, effective_from: dt.date) -> bool:
    return WageFloor.objects.filter(council=council, name=name, effective_from=effective_from).exists()


def reference_prices(*, council: Organisation) -> QuerySet[ReferencePrice]:
    return ReferencePrice.objects.filter(council=council).select_related("created_by")


def reference_price_exists(*, council: Organisation, source: str, year: str, area_note: str) -> bool:
    return ReferencePrice.objects.filter(
        council=council, source=source, year=year, area_note=area_note
    ).exists()


def latest_reference_prices(*, council: Organisation) -> list[ReferencePrice]:
    """For each source and area, the latest year's price (of corrections, the latest entry)."""
    latest: dict[tuple[str, str], ReferencePrice] = {}
    for price in ReferencePrice.objects.filter(council=council).order_by(
        "source", "area_note", "-year", "-id"
    ):
        latest.setdefault((price.source, price.area_note), price)
    return list(latest.values())


# --- rates and the package book -----------------------------------------------------------------


def rate_cards_in_force(*, framework: Framework, on: dt.date) -> list[RateCard]:
    """For each lot, area type and care type of the framework, the card in force on `on` (one query)."""
    in_force: dict[tuple[int, str, str], RateCard] = {}
    cards = (
        RateCard.objects.filter(framework=framework, effective_from__lte=on)
        .select_related("lot")
        .order_by("-effective_from", "-id")
    )
    for card in cards:
        in_force.setdefault((card.lot_id, card.area_type, card.care_type), card)
    return list(in_force.values())


def rate_dates_taken(*, framework: Framework, on: dt.date) -> set[tuple[int, str, str]]:
    """(lot, area type, care type) that already have a rate starting on `on`."""
    return set(
        RateCard.objects.filter(framework=framework, effective_from=on).values_list(
            "lot_id", "area_type", "care_type"
        )
    )


def homecare_lots(*, framework: Framework) -> dict[str, Lot]:
    """The framework's homecare lot for each area type: the lot packages are priced on (as brokerage and
    call monitoring do)."""
    return {lot.area_type: lot for lot in Lot.objects.filter(framework=framework, service=Service.HOMECARE)}


def council_day_rates(*, council: Organisation, area_type: str, on: dt.date) -> list[RateCard]:
    """The day-care rate in force on `on` on each live framework's homecare lot for the area type."""
    cards = []
    lots = Lot.objects.filter(
        framework__council=council,
        framework__status=FrameworkStatus.LIVE,
        service=Service.HOMECARE,
        area_type=area_type,
    ).select_related("framework")
    for lot in lots:
        card = (
            RateCard.objects.filter(lot=lot, care_type="day", area_type=area_type, effective_from__lte=on)
            .select_related("framework")
            .order_by("-effective_from", "-id")
            .first()
        )
        if card is not None:
            cards.append(card)
    return cards


@dataclass
class BookUnits:
    """Weekly units (hours; nights for sleep-ins) of one area type and care type in the package book,
    split by who pays: the council, the NHS (joint and CHC packages)."""

    council: Decimal = Decimal("0")
    nhs: Decimal = Decimal("0")
    packages: int = 0

    @property
    def total(self) -> Decimal:
        return self.council + self.nhs


@dataclass(frozen=True)
class PackageBook:
    on: dt.date
    packages: int
    units: dict[tuple[str, str], BookUnits]  # (area type, care type) → units a week


def package_book(*, council: Organisation, on: dt.date) -> PackageBook:
    """The council's live package book on a date: active packages with a provider, each counted by its
    confirmed version in force that day, its planned week and the person's zone's area type.

    Budget-of-hours packages count their weekly budget as day-care hours. Direct payments and self-funders
    are left out (the council does not pay a provider for them); joint packages count each payer's share.
    """
    versions = PackageVersion.objects.filter(status=VersionStatus.CONFIRMED).prefetch_related("visit_pattern")
    packages = (
        Package.objects.filter(person__council=council, status=PackageStatus.ACTIVE, provider__isnull=False)
        .select_related("person__zone")
        .prefetch_related(Prefetch("versions", queryset=versions))
    )
    units: dict[tuple[str, str], BookUnits] = defaultdict(BookUnits)
    counted = 0
    for package in packages:
        version = current_version(package=package, on=on)
        if version is None:
            continue
        council_share, nhs_share = people_rules.funding_shares(
            version.funding, version.council_share_percent, version.nhs_share_percent
        )
        if council_share + nhs_share == 0:
            continue
        counted += 1
        area = package.person.zone.area_type
        if version.care_model == "budget_of_hours":
            weekly = {"day": version.weekly_budget_hours or Decimal("0")}
        else:
            week = version.planned_week
            weekly = {
                "day": week.day_hours,
                "waking_night": week.waking_night_hours,
                "sleep_in": Decimal(week.sleep_in_nights),
            }
        for care_type, amount in weekly.items():
            if amount <= 0:
                continue
            entry = units[(area, care_type)]
            entry.council += amount * council_share / 100
            entry.nhs += amount * nhs_share / 100
            entry.packages += 1
    return PackageBook(on=on, packages=counted, units=dict(units))
