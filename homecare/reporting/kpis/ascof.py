"""Reviews and the homecare-relevant ASCOF measures (reference/standards.md §2), from platform data.

The platform holds homecare only, so ASCOF measures defined over all long-term support are *partial*:
they are computed over the people this platform knows and say so. Where a measure needs data the
platform does not hold, it has no data source and the page says so (ADR 0012):

- **Reviewed within 12 months**: people with a package in service at the end of the month (active or on
  hold, by the package's status history) whose latest support plan was completed in the 365 days before.
- **ASCOF 2A (partial)**: reablement packages (awarded on a reablement lot) that ended in the 12 months
  to the month's end, for people new to services (no other package in service in the 91 days before the
  reablement began): the share *not* followed by another package starting within 7 days of the end
  (DHSC's 24/25 method looks for the sequel within 7 days). Requests for support that did not become a
  package are not in the platform, so "no further request" means "no further package".
- **ASCOF 2D**: needs hospital discharge data linked to SUS (remained in the community 91 days after
  discharge): no data source yet.
- **ASCOF 2E**: needs each person's accommodation status and every long-term support setting (care
  homes): no data source yet.
- **ASCOF 3D (part 2a, partial)**: of people with council-arranged long-term homecare at the end of the
  month (council, joint and direct-payment funding in force that day; not self-funders, not NHS CHC
  only), the share receiving it as a direct payment. Carers' measures (1b, 2b) have no data source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from homecare.brokerage.models import Award
from homecare.people.models import (
    NHS_FUNDED,
    Funding,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    SupportPlan,
    SupportPlanStatus,
    VersionStatus,
)
from homecare.reporting.kpis.registry import PERCENT, Context, Drill, Kpi, Measure, register
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import COUNCIL, NHS, Population
from homecare.reporting.rag import Polarity

IN_SERVICE = (PackageStatus.ACTIVE, PackageStatus.ON_HOLD)
YEAR = dt.timedelta(days=365)


def packages_in_service(population: Population, at: dt.datetime) -> QuerySet[Package]:
    """Packages active or on hold at `at`, by their immutable status history (not today's status)."""
    last = PackageStatusChange.objects.filter(package=OuterRef("pk"), at__lt=at).order_by("-at", "-id")
    packages = (
        Package.objects.filter(person__council=population.council)
        .annotate(status_then=Subquery(last.values("to_status")[:1]))
        .filter(status_then__in=IN_SERVICE)
    )
    if population.nhs_only:
        packages = packages.filter(
            pk__in=PackageVersion.objects.filter(funding__in=NHS_FUNDED).values("package_id")
        )
    return packages


def _reviews(population: Population, month: Month, context: Context) -> dict[int, dt.datetime | None]:
    """Each person with a package in service at the month's end → their latest plan completion before it."""

    def compute():
        at = context.as_at(month)
        people = set(packages_in_service(population, at).values_list("person_id", flat=True))
        latest: dict[int, dt.datetime | None] = dict.fromkeys(people)
        plans = SupportPlan.objects.filter(
            person_id__in=people, status=SupportPlanStatus.COMPLETED, completed_at__lt=at
        ).values_list("person_id", "completed_at")
        for person_id, completed in plans:
            if latest[person_id] is None or completed > latest[person_id]:
                latest[person_id] = completed
        return latest

    return context.memo(("reviews", population.key, month), compute)


def _reviewed(population: Population, month: Month, context: Context) -> Measure:
    at = context.as_at(month)
    latest = _reviews(population, month, context)
    recent = sum(1 for completed in latest.values() if completed is not None and completed >= at - YEAR)
    return Measure(Decimal(recent), Decimal(len(latest)))


def _review_drill(population: Population, month: Month, context: Context) -> Drill:
    at = context.as_at(month)
    latest = _reviews(population, month, context)
    overdue = sorted(p for p, completed in latest.items() if completed is None or completed < at - YEAR)
    from homecare.people.models import Person

    people = {p.pk: p for p in Person.objects.filter(pk__in=overdue)}
    return Drill(
        headers=("Case reference", "Latest plan completed"),
        rows=overdue,
        cells=lambda pk: (
            people[pk].case_reference,
            f"{latest[pk].astimezone(LONDON):%d %b %Y}" if latest[pk] else "Never",
        ),
        note="People receiving homecare at the end of the month whose plan was not completed in the 12 "
        "months before: the records behind the gap.",
    )


def _reablement_episodes(population: Population, month: Month, context: Context) -> list[dict]:
    at = context.as_at(month)
    end_day = at.astimezone(LONDON).date()
    reablement_ids = Award.objects.filter(
        round__case__council=population.council, offer__lot__service="reablement"
    ).values("round__case__package_id")
    ended = Package.objects.filter(
        pk__in=reablement_ids, end_date__isnull=False, end_date__lt=end_day, end_date__gte=end_day - YEAR
    ).values("pk", "reference", "person_id", "person__case_reference", "start_date", "end_date")
    episodes = list(ended)
    people = {e["person_id"] for e in episodes}
    others = defaultdict(list)
    for row in Package.objects.filter(person_id__in=people).values(
        "pk", "person_id", "start_date", "end_date"
    ):
        others[row["person_id"]].append(row)
    new_clients = []
    for e in episodes:
        rest = [o for o in others[e["person_id"]] if o["pk"] != e["pk"]]
        before = e["start_date"] - dt.timedelta(days=91)
        if any(
            o["start_date"] < e["start_date"] and (o["end_date"] is None or o["end_date"] >= before)
            for o in rest
        ):
            continue  # already receiving services: not a new client
        e["followed"] = any(
            e["end_date"] <= o["start_date"] <= e["end_date"] + dt.timedelta(days=7) for o in rest
        )
        new_clients.append(e)
    return new_clients


def _ascof_2a(population: Population, month: Month, context: Context) -> Measure:
    episodes = _reablement_episodes(population, month, context)
    return Measure(Decimal(sum(1 for e in episodes if not e["followed"])), Decimal(len(episodes)))


def _ascof_2a_drill(population: Population, month: Month, context: Context) -> Drill:
    return Drill(
        headers=(
            "Case reference",
            "Reablement package",
            "Ended",
            "Followed by another package within 7 days",
        ),
        rows=_reablement_episodes(population, month, context),
        cells=lambda e: (
            e["person__case_reference"],
            e["reference"],
            f"{e['end_date']:%d %b %Y}",
            "Yes" if e["followed"] else "No",
        ),
        note="Reablement packages for new clients ending in the 12 months to the end of the month.",
    )


COUNCIL_ARRANGED = (Funding.COUNCIL, Funding.JOINT, Funding.DIRECT_PAYMENT)


def _funding_in_force(population: Population, month: Month, context: Context) -> list[tuple]:
    """(package, person case reference, funding) for packages in service at the month's end, by the
    confirmed version in force on that London day."""
    at = context.as_at(month)
    day = (at - dt.timedelta(microseconds=1)).astimezone(LONDON).date()
    packages = packages_in_service(population, at)
    version = (
        PackageVersion.objects.filter(
            package=OuterRef("pk"), status=VersionStatus.CONFIRMED, effective_from__lte=day
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from", "-number")
    )
    rows = packages.annotate(funding_then=Subquery(version.values("funding")[:1])).values_list(
        "reference", "person__case_reference", "funding_then"
    )
    return [r for r in rows if r[2] in COUNCIL_ARRANGED]


def _ascof_3d(population: Population, month: Month, context: Context) -> Measure:
    rows = _funding_in_force(population, month, context)
    people = {case_ref for _, case_ref, _ in rows}
    direct = {case_ref for _, case_ref, funding in rows if funding == Funding.DIRECT_PAYMENT}
    return Measure(Decimal(len(direct)), Decimal(len(people)))


def _ascof_3d_drill(population: Population, month: Month, context: Context) -> Drill:
    rows = sorted(_funding_in_force(population, month, context), key=lambda r: r[1])
    return Drill(
        headers=("Case reference", "Package", "Funding"),
        rows=rows,
        cells=lambda r: (r[1], r[0], Funding(r[2]).label),
        note="People with council-arranged homecare at the end of the month.",
    )


register(
    Kpi(
        id="reviewed-12-months",
        title="People reviewed within 12 months",
        description="People with homecare in service at the end of the month (active or on hold) whose "
        "support plan was completed (assessed or reviewed) in the 365 days before.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("90"),
        amber=Decimal("80"),
        source="people",
        group="Reviews",
        populations=frozenset({COUNCIL, NHS}),
        measure=_reviewed,
        drill=_review_drill,
        numerator_text="Plan completed in the last 365 days",
        denominator_text="People with homecare in service",
    )
)
ASCOF = "ASCOF (homecare-relevant, from platform data)"
register(
    Kpi(
        id="ascof-2a",
        title="ASCOF 2A (partial): no further support after reablement",
        description="Reablement packages for new clients ending in the 12 months to the month's end: the "
        "share not followed by another package within 7 days. Partial: only packages in this platform "
        "count, and requests that did not become a package are not known.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("80"),
        amber=Decimal("70"),
        source="people",
        group=ASCOF,
        populations=frozenset({COUNCIL}),
        measure=_ascof_2a,
        drill=_ascof_2a_drill,
        numerator_text="Not followed by another package within 7 days",
        denominator_text="Reablement episodes for new clients ending in the year",
    )
)
register(
    Kpi(
        id="ascof-2d",
        title="ASCOF 2D: at home 91 days after hospital discharge into reablement",
        description="People 65 and over discharged from hospital into reablement who remained in the "
        "community within 12 weeks.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=None,
        amber=None,
        source="people",
        group=ASCOF,
        populations=frozenset({COUNCIL}),
        measure=None,
        no_data_reason="Needs hospital discharges and readmissions (CLD linked to SUS), which the platform "
        "does not hold.",
    )
)
register(
    Kpi(
        id="ascof-2e",
        title="ASCOF 2E: long-term support at home or with family",
        description="People receiving long-term support who live in their own home or with family.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=None,
        amber=None,
        source="people",
        group=ASCOF,
        populations=frozenset({COUNCIL}),
        measure=None,
        no_data_reason="Needs each person's accommodation status and every long-term support setting "
        "(care homes too); the platform records homecare only, where the answer would always be 'at home'.",
    )
)
register(
    Kpi(
        id="ascof-3d",
        title="ASCOF 3D part 2a (partial): direct payments",
        description="Of people with council-arranged long-term homecare at the end of the month, the share "
        "receiving it as a direct payment. Partial: homecare only; carers' measures are not known.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("25"),
        amber=Decimal("20"),
        source="people",
        group=ASCOF,
        populations=frozenset({COUNCIL}),
        measure=_ascof_3d,
        drill=_ascof_3d_drill,
        numerator_text="Direct payment in force",
        denominator_text="People with council-arranged homecare in service",
    )
)
