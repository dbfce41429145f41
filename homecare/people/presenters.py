"""Display-ready values for people, plans and packages (status tags, derived hours, change history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from homecare.people import selectors
from homecare.people.models import Package, PackageVersion, Person, SupportPlan
from homecare.platform.audit import ChangeEntry, change_log

STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "awaiting_provider": "govuk-tag--yellow",
    "active": "govuk-tag--green",
    "on_hold": "govuk-tag--orange",
    "ended": "govuk-tag--grey",
    "completed": "govuk-tag--green",
    "confirmed": "govuk-tag--green",
}


def status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "")


@dataclass
class VersionView:
    version: PackageVersion
    is_current: bool
    visits: int
    day_hours: str
    waking_night_hours: str
    sleep_in_nights: int
    total_hours: str
    tag: str


def version_view(version: PackageVersion, *, current: PackageVersion | None) -> VersionView:
    week = version.planned_week
    return VersionView(
        version=version,
        is_current=current is not None and current.pk == version.pk,
        visits=week.visits,
        day_hours=f"{week.day_hours:.2f}",
        waking_night_hours=f"{week.waking_night_hours:.2f}",
        sleep_in_nights=week.sleep_in_nights,
        total_hours=f"{week.total_hours:.2f}",
        tag=status_tag(version.status),
    )


@dataclass
class PackageView:
    package: Package
    tag: str
    current: VersionView | None
    draft: VersionView | None
    versions: list[VersionView]


def package_view(package: Package) -> PackageView:
    current = selectors.current_version(package=package, on=timezone.localdate())
    draft = selectors.draft_version(package=package)
    versions = [version_view(v, current=current) for v in package.versions.all()]
    return PackageView(
        package=package,
        tag=status_tag(package.status),
        current=next((v for v in versions if v.is_current), None),
        draft=next((v for v in versions if draft and v.version.pk == draft.pk), None),
        versions=versions,
    )


def _describe(row) -> str:
    model = row.instance_type.__name__
    if model == "Person":
        return "Person's details"
    if model == "SupportPlan":
        return "Support plan"
    if model == "SupportPlanOutcome":
        return f"Support plan outcome {row.position}"
    if model == "Package":
        return f"Package {row.reference}"
    if model == "PackageVersion":
        return f"Package version {row.number}"
    if model == "VisitPattern":
        return f"Visit at {row.preferred_start:%H:%M}"
    return model


def person_history(*, person: Person, plans: list[SupportPlan], packages: list[Package]) -> list[ChangeEntry]:
    """Who changed what and when, across the person's record, plans and (visible) packages."""
    plan_ids = [p.pk for p in plans]
    package_ids = [p.pk for p in packages]
    from homecare.people.models import PackageVersion as PV
    from homecare.people.models import SupportPlanOutcome, VisitPattern

    version_ids = list(PV.history.filter(package_id__in=package_ids).values_list("id", flat=True).distinct())
    sources = [
        person.history.select_related("history_user"),
        SupportPlan.history.filter(id__in=plan_ids).select_related("history_user"),
        SupportPlanOutcome.history.filter(support_plan_id__in=plan_ids).select_related("history_user"),
        Package.history.filter(id__in=package_ids).select_related("history_user"),
        PV.history.filter(id__in=version_ids).select_related("history_user"),
        VisitPattern.history.filter(version_id__in=version_ids).select_related("history_user"),
    ]
    rows = [row for source in sources for row in source]
    return change_log(rows, describe=_describe)
