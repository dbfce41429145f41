"""The monthly visit aggregates: one GROUP BY over a council's visits, stored per provider × funding
stream × month, so the KPI table never reads millions of visit rows while a committee officer waits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models.functions import TruncMonth

from homecare.accounts.models import Organisation
from homecare.reporting.kpis.visits import (
    NHS_FUNDED_VISIT,
    SUM_FIELDS,
    continuity_rows,
    visit_sum_expressions,
)
from homecare.reporting.models import MonthlyVisitAggregate
from homecare.reporting.periods import Month
from homecare.reporting.populations import Population
from homecare.visits.models import Visit


def visit_aggregates(
    *, council: Organisation, months: Sequence[Month], now: dt.datetime
) -> list[MonthlyVisitAggregate]:
    """Unsaved aggregate rows for the council's visits in `months` (consecutive, oldest first)."""
    visits = Visit.objects.filter(
        council=council, date__gte=months[0].first_day, date__lte=months[-1].last_day
    )
    rows: dict[tuple, dict] = {}
    grouped = (
        visits.annotate(g_month=TruncMonth("date"), g_nhs=NHS_FUNDED_VISIT)
        .values("g_month", "provider_id", "g_nhs")
        .annotate(**visit_sum_expressions())
        .order_by()
    )
    for row in grouped:
        key = (row.pop("g_month"), row.pop("provider_id"), row.pop("g_nhs"))
        rows[key] = row | {"attendances": 0, "regular_attendances": 0}
    continuity = continuity_rows(visits, {"g_month": TruncMonth("visit__date")}, by_stream=True)
    for key, (regular, total) in continuity.items():
        # A completed visit always has its own aggregate row, so the key exists.
        rows[key]["attendances"] += total
        rows[key]["regular_attendances"] += regular
    return [
        MonthlyVisitAggregate(
            council=council, month=month, provider_id=provider_id, nhs_funded=nhs, refreshed_at=now, **sums
        )
        for (month, provider_id, nhs), sums in sorted(
            rows.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])
        )
    ]


def sums_by_month(aggregates: Iterable[MonthlyVisitAggregate], population: Population) -> dict[dt.date, dict]:
    """Visit sums per month for a population, added up from aggregate rows."""
    totals: dict[dt.date, dict] = defaultdict(lambda: dict.fromkeys(SUM_FIELDS, 0))
    for agg in aggregates:
        if population.provider is not None and agg.provider_id != population.provider.pk:
            continue
        if population.nhs_only and not agg.nhs_funded:
            continue
        month = totals[agg.month]
        for name in SUM_FIELDS:
            month[name] += getattr(agg, name)
    return totals


def providers_in(aggregates: Iterable[MonthlyVisitAggregate]) -> set[int]:
    return {a.provider_id for a in aggregates if a.provider_id is not None}


__all__ = ["providers_in", "sums_by_month", "visit_aggregates"]
