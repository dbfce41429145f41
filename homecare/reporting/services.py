"""Reporting's writes, all to its own tables: refreshing the aggregates and KPI values, and officers'
comments. It never writes to another domain's tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, User
from homecare.reporting import aggregates
from homecare.reporting.kpis import KPIS, Context, Kpi, Measure, kpis_for
from homecare.reporting.models import AggregateRefresh, KpiComment, KpiValue, MonthlyVisitAggregate
from homecare.reporting.periods import Month, last_months
from homecare.reporting.populations import (
    COUNCIL,
    NHS,
    PROVIDER,
    Population,
    council_population,
    nhs_population,
    provider_population,
)

MONTHS_KEPT = 12


@dataclass(frozen=True)
class RefreshResult:
    council: str
    months: int
    visit_rows: int
    kpi_values: int
    seconds: float


def _providers_for(council: Organisation, visit_rows: list[MonthlyVisitAggregate]) -> list[Organisation]:
    """Providers with visits or complaints at the council: each gets its own figures."""
    from homecare.quality.models import Complaint

    ids = aggregates.providers_in(visit_rows) | set(
        Complaint.objects.filter(council=council, provider__isnull=False).values_list(
            "provider_id", flat=True
        )
    )
    return list(Organisation.objects.filter(pk__in=ids, type=OrganisationType.PROVIDER).order_by("pk"))


def populations_of(council: Organisation, visit_rows: list[MonthlyVisitAggregate]) -> list[Population]:
    return [
        council_population(council),
        nhs_population(council),
        *(provider_population(council, p) for p in _providers_for(council, visit_rows)),
    ]


def kpi_measures(
    *, population: Population, months: list[Month], context: Context, visit_rows=None
) -> dict[tuple[str, Month], Measure]:
    """Every KPI with data for the population and months. With `visit_rows` (aggregates), KPIs over visits
    are added up from them; without, everything is computed straight from the domain's rows."""
    sums = aggregates.sums_by_month(visit_rows, population) if visit_rows is not None else None
    measures: dict[tuple[str, Month], Measure] = {}
    for kpi in kpis_for(population.kind):
        if kpi.measure is None:
            continue
        for month in months:
            if sums is not None and kpi.from_visit_sums is not None:
                month_sums = sums.get(month.first_day)
                measures[(kpi.id, month)] = (
                    kpi.from_visit_sums(month_sums) if month_sums else Measure(Decimal(0), Decimal(0))
                )
            else:
                measures[(kpi.id, month)] = kpi.measure(population, month, context)
    return measures


def _value_row(council, population, kpi: Kpi, month: Month, measure: Measure, now) -> KpiValue:
    return KpiValue(
        council=council,
        population=population.key,
        kpi=kpi.id,
        month=month.first_day,
        numerator=measure.numerator,
        denominator=measure.denominator,
        value=kpi.value(measure),
        refreshed_at=now,
    )


def aggregates_refresh(
    *,
    council: Organisation,
    months: int = MONTHS_KEPT,
    now: dt.datetime | None = None,
    actor: User | None = None,
) -> RefreshResult:
    """Recompute the council's visit aggregates and every KPI value for the last `months` London months
    (the current one counted up to `now`), replacing what was stored for those months.

    Guarantees: readers see the old set or the new set, never half (one transaction); the numbers equal
    computing the same KPIs straight from the rows at `now` (tests and the benchmark prove it)."""
    started = timezone.now()
    now = now or started
    window = last_months(months, ending=Month.containing(now))
    context = Context(now=now)
    visit_rows = aggregates.visit_aggregates(council=council, months=window, now=now)
    values: list[KpiValue] = []
    for population in populations_of(council, visit_rows):
        measures = kpi_measures(population=population, months=window, context=context, visit_rows=visit_rows)
        values.extend(
            _value_row(council, population, KPIS[kpi_id], month, measure, now)
            for (kpi_id, month), measure in measures.items()
        )
    first, last = window[0].first_day, window[-1].first_day
    with transaction.atomic():
        MonthlyVisitAggregate.objects.filter(council=council, month__gte=first, month__lte=last).delete()
        KpiValue.objects.filter(council=council, month__gte=first, month__lte=last).delete()
        MonthlyVisitAggregate.objects.bulk_create(visit_rows, batch_size=500)
        KpiValue.objects.bulk_create(values, batch_size=500)
        AggregateRefresh.objects.create(
            council=council,
            started_at=started,
            finished_at=timezone.now(),
            first_month=first,
            last_month=last,
            requested_by=actor,
            visit_rows=len(visit_rows),
            kpi_values=len(values),
        )
    return RefreshResult(
        council=council.name,
        months=len(window),
        visit_rows=len(visit_rows),
        kpi_values=len(values),
        seconds=round((timezone.now() - started).total_seconds(), 3),
    )


def all_councils_refresh(*, now: dt.datetime | None = None) -> list[RefreshResult]:
    """The nightly job: every council."""
    councils = Organisation.objects.filter(type=OrganisationType.COUNCIL).order_by("pk")
    return [aggregates_refresh(council=c, now=now) for c in councils]


def kpi_comment_add(
    *,
    council: Organisation,
    kpi_id: str,
    month: Month,
    text: str,
    actor: User,
    amendment_reason: str = "",
    now: dt.datetime | None = None,
) -> KpiComment:
    """Record the officer's comment on a KPI for a month. A KPI-month that already has a comment is amended:
    the new comment supersedes the current one and must say why; the old one is kept as it was.

    Two officers amending at once: the second is refused (the chain allows one successor per comment)."""
    text = text.strip()
    reason = amendment_reason.strip()
    if kpi_id not in KPIS:
        raise ValidationError({"kpi": "No such KPI"})
    if not text:
        raise ValidationError({"text": "Enter the comment"})
    if len(text) > 4000:
        raise ValidationError({"text": "Comment must be 4,000 characters or fewer"})
    if len(reason) > 300:
        raise ValidationError({"amendment_reason": "Reason must be 300 characters or fewer"})
    current = current_comment(council=council, kpi_id=kpi_id, month=month)
    if current is not None and not reason:
        raise ValidationError({"amendment_reason": "Say why you are changing the comment"})
    if current is not None and current.text == text:
        raise ValidationError({"text": "The comment is unchanged"})
    try:
        with transaction.atomic():
            return KpiComment.objects.create(
                council=council,
                kpi=kpi_id,
                month=month.first_day,
                text=text,
                written_by=actor,
                written_at=now or timezone.now(),
                supersedes=current,
                amendment_reason=reason if current is not None else "",
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"text": "Someone else changed this comment while you were writing: reload and try again"}
        ) from exc


def current_comment(*, council: Organisation, kpi_id: str, month: Month) -> KpiComment | None:
    """The comment at the end of the amendment chain (none superseding it)."""
    return (
        KpiComment.objects.filter(
            council=council, kpi=kpi_id, month=month.first_day, superseded_by__isnull=True
        )
        .order_by("-written_at", "-id")
        .first()
    )


__all__ = [
    "COUNCIL",
    "NHS",
    "PROVIDER",
    "RefreshResult",
    "aggregates_refresh",
    "all_councils_refresh",
    "current_comment",
    "kpi_comment_add",
    "kpi_measures",
    "populations_of",
]
