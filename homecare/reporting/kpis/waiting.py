"""KPIs over brokerage and the waiting list (council staff and, for NHS-funded packages, the NHS partner).

- **Homecare within 2 days**: of packages awarded in the month whose support plan was completed, the
  share awarded within 48 hours of the plan's completion (the waiting list's own headline figure,
  brokerage.selectors.waiting_headlines, over a month instead of the last 28 days).
- **People waiting**, **average** and **90th-percentile days waiting**, **hard to place**: the cases
  open at the end of the month (now, for the current month). Days are counted as the waiting list counts
  them: London days since the support plan was completed, else since referral. The 90th percentile is
  the nearest rank (brokerage.selectors.percentile).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from homecare.brokerage.models import Award, BrokerageCase
from homecare.brokerage.selectors import percentile
from homecare.people.models import NHS_FUNDED, PackageVersion
from homecare.reporting.kpis.registry import (
    CASES,
    DAYS,
    PEOPLE,
    PERCENT,
    Context,
    Drill,
    Kpi,
    Measure,
    register,
)
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import COUNCIL, NHS, Population
from homecare.reporting.rag import Polarity

WAITING_POPULATIONS = frozenset({COUNCIL, NHS})
TWO_DAYS = dt.timedelta(days=2)


def _nhs_package(prefix: str) -> Exists:
    return Exists(
        PackageVersion.objects.filter(package_id=OuterRef(f"{prefix}package_id"), funding__in=NHS_FUNDED)
    )


def awards_in(population: Population, month: Month, context: Context) -> QuerySet[Award]:
    awards = Award.objects.filter(
        round__case__council=population.council,
        awarded_at__gte=month.start,
        awarded_at__lt=context.as_at(month),
        round__case__package__support_plan__completed_at__isnull=False,
    )
    if population.nhs_only:
        awards = awards.filter(_nhs_package("round__case__"))
    return awards


def _within_two_days(population: Population, month: Month, context: Context) -> Measure:
    pairs = awards_in(population, month, context).values_list(
        "awarded_at", "round__case__package__support_plan__completed_at"
    )
    total = within = 0
    for awarded, completed in pairs:
        total += 1
        within += awarded - completed <= TWO_DAYS
    return Measure(Decimal(within), Decimal(total))


def waiting_at(population: Population, month: Month, context: Context) -> QuerySet[BrokerageCase]:
    at = context.as_at(month)
    cases = BrokerageCase.objects.filter(council=population.council, opened_at__lt=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=at)
    )
    if population.nhs_only:
        cases = cases.filter(_nhs_package(""))
    return cases


def _waits(population: Population, month: Month, context: Context) -> tuple[list[int], int]:
    """Sorted days waited by each case open at the month's end, and how many were hard to place then."""

    def compute():
        at = context.as_at(month)
        today = at.astimezone(LONDON).date()
        rows = waiting_at(population, month, context).values_list(
            Coalesce("package__support_plan__completed_at", "opened_at"), "hard_to_place_at"
        )
        waits, hard = [], 0
        for since, hard_at in rows:
            waits.append(max(0, (today - since.astimezone(LONDON).date()).days))
            hard += hard_at is not None and hard_at < at
        return sorted(waits), hard

    return context.memo(("waits", population.key, month), compute)


def _people_waiting(population, month, context) -> Measure:
    return Measure(Decimal(len(_waits(population, month, context)[0])))


def _average_wait(population, month, context) -> Measure:
    waits = _waits(population, month, context)[0]
    return Measure(Decimal(sum(waits)), Decimal(len(waits)))


def _p90_wait(population, month, context) -> Measure:
    waits = _waits(population, month, context)[0]
    return Measure(Decimal(percentile(waits, 0.9)) if waits else None)


def _hard_to_place(population, month, context) -> Measure:
    return Measure(Decimal(_waits(population, month, context)[1]))


def _award_drill(population, month, context) -> Drill:
    rows = (
        awards_in(population, month, context)
        .select_related("provider", "round__case__package__person", "round__case__package__support_plan")
        .order_by("awarded_at", "id")
    )

    def cells(award):
        package = award.round.case.package
        completed = package.support_plan.completed_at
        return (
            package.person.case_reference,
            package.reference,
            award.provider.name,
            f"{completed.astimezone(LONDON):%d %b %Y %H:%M}",
            f"{award.awarded_at.astimezone(LONDON):%d %b %Y %H:%M}",
            "Yes" if award.awarded_at - completed <= TWO_DAYS else "No",
        )

    return Drill(
        headers=("Case reference", "Package", "Provider", "Plan completed", "Awarded", "Within 2 days"),
        rows=rows,
        cells=cells,
        note="Packages awarded in the month whose support plan was completed.",
    )


def _waiting_drill(hard_only: bool):
    def drill(population, month, context) -> Drill:
        at = context.as_at(month)
        rows = waiting_at(population, month, context)
        if hard_only:
            rows = rows.filter(hard_to_place_at__lt=at)
        rows = rows.select_related("package__person", "package__support_plan").order_by("opened_at", "id")
        today = at.astimezone(LONDON).date()

        def cells(case):
            since = case.package.support_plan.completed_at or case.opened_at
            return (
                case.package.person.case_reference,
                case.package.reference,
                case.get_priority_display(),
                f"{case.opened_at.astimezone(LONDON):%d %b %Y}",
                str(max(0, (today - since.astimezone(LONDON).date()).days)),
                "Yes" if case.hard_to_place_at is not None and case.hard_to_place_at < at else "No",
            )

        return Drill(
            headers=("Case reference", "Package", "Priority", "Referred", "Days waiting", "Hard to place"),
            rows=rows,
            cells=cells,
            note=f"Cases waiting at {at.astimezone(LONDON):%d %b %Y %H:%M}.",
        )

    return drill


GROUP = "Waiting for care"
register(
    Kpi(
        id="homecare-within-2-days",
        title="Homecare arranged within 2 days of the support plan",
        description="Packages awarded in the month whose support plan was completed: the share awarded "
        "within 48 hours of the plan's completion.",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("80"),
        amber=Decimal("70"),
        source="brokerage",
        group=GROUP,
        populations=WAITING_POPULATIONS,
        measure=_within_two_days,
        drill=_award_drill,
        numerator_text="Awarded within 48 hours of the plan's completion",
        denominator_text="Packages awarded in the month with a completed plan",
    )
)
register(
    Kpi(
        id="people-waiting",
        title="People waiting for homecare",
        description="Brokerage cases open at the end of the month (now, for the current month).",
        unit=PEOPLE,
        polarity=Polarity.LOWER,
        target=Decimal("20"),
        amber=Decimal("35"),
        source="brokerage",
        group=GROUP,
        populations=WAITING_POPULATIONS,
        measure=_people_waiting,
        drill=_waiting_drill(hard_only=False),
        numerator_text="Cases open at the end of the month",
    )
)
register(
    Kpi(
        id="average-days-waiting",
        title="Average days waiting",
        description="Mean London days waited so far by the people waiting at the end of the month, counted "
        "from the support plan's completion (else from referral).",
        unit=DAYS,
        polarity=Polarity.LOWER,
        target=Decimal("3"),
        amber=Decimal("7"),
        source="brokerage",
        group=GROUP,
        populations=WAITING_POPULATIONS,
        measure=_average_wait,
        drill=_waiting_drill(hard_only=False),
        numerator_text="Days waited, summed over the people waiting",
        denominator_text="People waiting",
    )
)
register(
    Kpi(
        id="p90-days-waiting",
        title="90th percentile of days waiting",
        description="Nine in ten of the people waiting at the end of the month had waited this many days or "
        "fewer (nearest rank).",
        unit=DAYS,
        polarity=Polarity.LOWER,
        target=Decimal("7"),
        amber=Decimal("14"),
        source="brokerage",
        group=GROUP,
        populations=WAITING_POPULATIONS,
        measure=_p90_wait,
        drill=_waiting_drill(hard_only=False),
        numerator_text="Days waited at the 90th percentile (nearest rank)",
    )
)
register(
    Kpi(
        id="hard-to-place",
        title="Hard-to-place cases",
        description="Cases waiting at the end of the month that had become hard to place (three unfilled "
        "rounds or five days, per framework).",
        unit=CASES,
        polarity=Polarity.LOWER,
        target=Decimal("3"),
        amber=Decimal("6"),
        source="brokerage",
        group=GROUP,
        populations=WAITING_POPULATIONS,
        measure=_hard_to_place,
        drill=_waiting_drill(hard_only=True),
        numerator_text="Waiting cases marked hard to place",
    )
)
