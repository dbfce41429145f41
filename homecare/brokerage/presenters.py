"""What each side sees. Providers get an anonymised summary until they are awarded the package."""

from __future__ import annotations

from dataclasses import dataclass

from homecare.brokerage import ranking
from homecare.brokerage.models import Offer, OfferStatus
from homecare.people.models import PackageVersion, VersionStatus


@dataclass(frozen=True)
class VisitLine:
    time: str
    days: str
    minutes: int
    carers: int
    care_type: str
    tasks: str


@dataclass(frozen=True)
class OfferSummary:
    """Zone, pattern, needs, care types and start: enough to decide, nothing that identifies the person."""

    zone: str
    area_type: str
    start_date: object
    hospital_discharge: bool
    care_model: str
    weekly_budget_hours: object
    total_hours: str
    visits: list[VisitLine]
    needs: list[str]
    deadline: object
    identity_visible: bool


def _confirmed_version(package) -> PackageVersion | None:
    return (
        PackageVersion.objects.filter(package=package, status=VersionStatus.CONFIRMED)
        .prefetch_related("visit_pattern")
        .order_by("-number")
        .first()
    )


def offer_summary(offer: Offer) -> OfferSummary:
    package = offer.round.case.package
    version = _confirmed_version(package)
    rows = list(version.visit_pattern.all()) if version else []
    return OfferSummary(
        zone=package.person.zone.name,
        area_type=package.person.zone.get_area_type_display(),
        start_date=package.start_date,
        hospital_discharge=package.hospital_discharge,
        care_model=version.get_care_model_display() if version else "",
        weekly_budget_hours=version.weekly_budget_hours if version else None,
        total_hours=f"{version.planned_week.total_hours:.2f}" if version else "0.00",
        visits=[
            VisitLine(
                time=f"{r.preferred_start:%H:%M}",
                days=", ".join(r.day_labels),
                minutes=r.duration_minutes,
                carers=r.carers_required,
                care_type=r.get_care_type_display(),
                tasks=", ".join(r.task_labels),
            )
            for r in rows
        ],
        needs=package.support_plan.task_labels,
        deadline=offer.round.deadline,
        identity_visible=offer.status == OfferStatus.AWARDED,
    )


def ranking_description() -> str:
    from django.conf import settings

    return ranking.describe(tuple(settings.BROKERAGE_RANKING))
