"""KPIs over call monitoring: late and missed visits, time delivered against planned, continuity.

Definitions (the same as the council's live board, visits.selectors.day_figures, over a London month of
`Visit.date`):
- **Late arrivals**: completed visits checked in after their late time (planned start + the framework's
  alert minutes), as a share of completed visits.
- **Missed visits**: missed ÷ visits that were due (completed, missed, in progress or late); visits
  cancelled or still planned are not due.
- **Time delivered**: minutes between check-in and check-out ÷ planned minutes, over completed visits.
- **Continuity**: of the care-worker attendances at a person's completed visits (two for a double-handed
  visit), the share made by that person's three most frequent care workers that month. "Regular" is
  counted within one provider and one funding stream, so the figure adds up across providers (a person
  moved to another provider mid-month has two sets of regular carers, which is what they experienced).

The same sums come either straight from visit rows (`visit_sums`, `continuity_sums`) or from the
monthly aggregates (reporting.aggregates); `from_visit_sums` turns either into the measure, so the two
paths differ only in where the sums were read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from homecare.people.models import NHS_FUNDED
from homecare.reporting.kpis.registry import PERCENT, Context, Drill, Kpi, Measure, register
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import COUNCIL, NHS, PROVIDER, Population
from homecare.reporting.rag import Polarity
from homecare.visits.models import Visit, VisitAssignment, VisitStatus

VISIT_POPULATIONS = frozenset({COUNCIL, NHS, PROVIDER})
DUE = (VisitStatus.COMPLETED, VisitStatus.MISSED, VisitStatus.IN_PROGRESS, VisitStatus.LATE)
REGULAR_CARERS = 3
SUM_FIELDS = (
    "visits",
    "due",
    "completed",
    "missed",
    "cancelled",
    "late_arrivals",
    "planned_minutes_completed",
    "delivered_minutes",
    "attendances",
    "regular_attendances",
)

NHS_FUNDED_VISIT = Case(
    When(version__funding__in=NHS_FUNDED, then=Value(True)), default=Value(False), output_field=BooleanField()
)


def visits_for(population: Population, month: Month) -> QuerySet[Visit]:
    """The population's visits on the London days of the month."""
    visits = Visit.objects.filter(
        council=population.council, date__gte=month.first_day, date__lte=month.last_day
    )
    if population.provider is not None:
        visits = visits.filter(provider=population.provider)
    if population.nhs_only:
        visits = visits.filter(version__funding__in=NHS_FUNDED)
    return visits


def visit_sum_expressions() -> dict:
    completed = Q(status=VisitStatus.COMPLETED)
    return {
        "visits": Count("id"),
        "due": Count("id", filter=Q(status__in=DUE)),
        "completed": Count("id", filter=completed),
        "missed": Count("id", filter=Q(status=VisitStatus.MISSED)),
        "cancelled": Count("id", filter=Q(status=VisitStatus.CANCELLED)),
        "late_arrivals": Count("id", filter=completed & Q(actual_start__gt=F("late_at"))),
        "planned_minutes_completed": Coalesce(Sum("planned_minutes", filter=completed), 0),
        "delivered_minutes": Coalesce(Sum("actual_minutes", filter=completed), 0),
    }


def regular_share(counts: Iterable[int]) -> tuple[int, int]:
    """(attendances by the three most frequent care workers, all attendances) for one person."""
    ordered = sorted(counts, reverse=True)
    return sum(ordered[:REGULAR_CARERS]), sum(ordered)


def continuity_rows(
    visits: QuerySet[Visit], group: dict | None = None, *, by_stream: bool = False
) -> dict[tuple, tuple[int, int]]:
    """(regular, all) attendances per `group` key, from (person, care worker) counts on completed visits.

    `group` names expressions over a visit assignment to total by (the aggregates use provider, funding
    stream and month); a person's regular carers are always worked out within one provider and funding
    stream, whatever the grouping; `by_stream` adds (provider id, NHS-funded) to each key."""
    group = group or {}
    rows = (
        VisitAssignment.objects.filter(visit__in=visits.filter(status=VisitStatus.COMPLETED).values("id"))
        .annotate(
            **group,
            g_provider=F("visit__provider_id"),
            g_nhs=Case(
                When(visit__version__funding__in=NHS_FUNDED, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            g_person=F("visit__person_id"),
        )
        .values_list(*group, "g_provider", "g_nhs", "g_person", "care_worker_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_person: dict[tuple, list[int]] = defaultdict(list)
    for *key, _worker, n in rows:
        per_person[tuple(key)].append(n)
    width = len(group) + (2 if by_stream else 0)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for person_key, counts in per_person.items():
        regular, total = regular_share(counts)
        totals[person_key[:width]][0] += regular
        totals[person_key[:width]][1] += total
    return {k: (v[0], v[1]) for k, v in totals.items()}


def visit_sums(population: Population, month: Month, context: Context) -> dict:
    """Every visit sum for the population's month, straight from the visit rows (one cached pass)."""

    def compute() -> dict:
        visits = visits_for(population, month)
        sums = visits.aggregate(**visit_sum_expressions())
        regular, total = continuity_rows(visits).get((), (0, 0))
        return sums | {"attendances": total, "regular_attendances": regular}

    return context.memo(("visit_sums", population.key, month), compute)


def _ratio(numerator: str, denominator: str):
    def from_sums(sums: dict) -> Measure:
        return Measure(Decimal(sums[numerator]), Decimal(sums[denominator]))

    def measure(population: Population, month: Month, context: Context) -> Measure:
        return from_sums(visit_sums(population, month, context))

    return measure, from_sums


def _visit_drill(condition: Q, headers_note: str):
    def drill(population: Population, month: Month, context: Context) -> Drill:
        rows = (
            visits_for(population, month)
            .filter(condition)
            .select_related("person", "provider", "package")
            .order_by("planned_start", "id")
        )
        return Drill(
            headers=(
                "Visit",
                "Case reference",
                "Package",
                "Provider",
                "Planned start",
                "Checked in",
                "Status",
                "Planned minutes",
                "Delivered minutes",
            ),
            rows=rows,
            cells=lambda v: (
                str(v.pk),
                v.person.case_reference,
                v.package.reference,
                v.provider.name if v.provider else "",
                f"{v.planned_start.astimezone(LONDON):%d %b %Y %H:%M}",
                f"{v.actual_start.astimezone(LONDON):%H:%M}" if v.actual_start else "",
                v.get_status_display(),
                str(v.planned_minutes),
                "" if v.actual_minutes is None else str(v.actual_minutes),
            ),
            note=headers_note,
        )

    return drill


_late, _late_sums = _ratio("late_arrivals", "completed")
register(
    Kpi(
        id="late-visits",
        title="Visits started late",
        description="Completed visits checked in after their late time (planned start plus the framework's "
        "alert minutes, 30 unless the framework says otherwise), as a share of completed visits.",
        unit=PERCENT,
        polarity=Polarity.LOWER,
        target=Decimal("5"),
        amber=Decimal("10"),
        source="visits",
        group="Visits",
        populations=VISIT_POPULATIONS,
        measure=_late,
        from_visit_sums=_late_sums,
        numerator_text="Completed visits checked in after their late time",
        denominator_text="Completed visits",
        drill=_visit_drill(
            Q(status=VisitStatus.COMPLETED, actual_start__gt=F("late_at")),
            "Completed visits that started late.",
        ),
    )
)
_missed, _missed_sums = _ratio("missed", "due")
register(
    Kpi(
        id="missed-visits",
        title="Visits missed",
        description="Visits marked missed as a share of visits that were due (completed, missed, in progress "
        "or late); cancelled visits are not due.",
        unit=PERCENT,
        polarity=Polarity.LOWER,
        target=Decimal("1"),
        amber=Decimal("2"),
        source="visits",
        group="Visits",
        populations=VISIT_POPULATIONS,
        measure=_missed,
        from_visit_sums=_missed_sums,
        numerator_text="Missed visits",
        denominator_text="Visits due",
        drill=_visit_drill(Q(status=VisitStatus.MISSED), "Missed visits."),
    )
)
_delivered, _delivered_sums = _ratio("delivered_minutes", "planned_minutes_completed")
register(
    Kpi(
        id="duration-delivered",
        title="Time delivered against planned",
        description="Minutes between check-in and check-out as a share of the planned minutes, over "
        "completed visits (over 100% when visits overran).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("95"),
        amber=Decimal("90"),
        source="visits",
        group="Visits",
        populations=VISIT_POPULATIONS,
        measure=_delivered,
        from_visit_sums=_delivered_sums,
        numerator_text="Minutes delivered on completed visits",
        denominator_text="Minutes planned for those visits",
        drill=_visit_drill(
            Q(status=VisitStatus.COMPLETED, actual_minutes__lt=F("planned_minutes")),
            "Completed visits shorter than planned.",
        ),
    )
)
_continuity, _continuity_sums = _ratio("regular_attendances", "attendances")
register(
    Kpi(
        id="continuity",
        title="Continuity of care workers",
        description="Of the care-worker attendances at each person's completed visits, the share made by "
        "their three most frequent care workers in the month (within one provider and funding stream).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("75"),
        amber=Decimal("60"),
        source="visits",
        group="Visits",
        populations=VISIT_POPULATIONS,
        measure=_continuity,
        from_visit_sums=_continuity_sums,
        numerator_text="Attendances by the person's three most frequent care workers",
        denominator_text="Care-worker attendances at completed visits",
    )
)
