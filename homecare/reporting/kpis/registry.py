"""KPI definitions as code: a registry of `Kpi`s, each a numerator and a denominator over platform data.

Registering a KPI is a few lines (see kpis/visits.py for the pattern):

    register(Kpi(id="my-measure", title="…", description="…", unit=PERCENT, polarity=Polarity.HIGHER,
                 target=Decimal("90"), amber=Decimal("80"), source="people", group="…",
                 populations=frozenset({COUNCIL}), measure=my_measure, drill=my_drill))

`measure(population, month, context)` returns the numerator and denominator for one month; the value is
numerator ÷ denominator × 100 for a percentage, the numerator itself for a count or a level (denominator
None). A KPI whose data the platform does not hold yet has `measure=None` and says why in
`no_data_reason`: the page shows "no data source yet" rather than an invented number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from homecare.reporting.periods import Month
from homecare.reporting.populations import Population
from homecare.reporting.rag import Polarity, Rag, classify

PERCENT, PEOPLE, DAYS, CASES = "%", "people", "days", "cases"
ONE_DP = Decimal("0.1")


@dataclass(frozen=True)
class Measure:
    numerator: Decimal | None
    denominator: Decimal | None = None  # None: a count or a level, not a ratio


@dataclass
class Context:
    """One computation: the moment figures are "as at" (the current month is counted up to it) and a
    cache that lets KPIs over the same rows share one query."""

    now: dt.datetime
    cache: dict = field(default_factory=dict)

    def as_at(self, month: Month) -> dt.datetime:
        return min(month.end, self.now)

    def memo(self, key, compute: Callable[[], Any]):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


@dataclass(frozen=True)
class Drill:
    """The records behind a number: column headings, the rows (a queryset or a list, paged lazily) and
    how to show one row."""

    headers: Sequence[str]
    rows: Any
    cells: Callable[[Any], Sequence[str]]
    note: str = ""


MeasureFn = Callable[[Population, Month, Context], Measure]
DrillFn = Callable[[Population, Month, Context], Drill]


@dataclass(frozen=True)
class Kpi:
    id: str
    title: str
    description: str
    unit: str
    polarity: Polarity
    target: Decimal | None
    amber: Decimal | None
    source: str
    group: str
    populations: frozenset[str]
    measure: MeasureFn | None
    drill: DrillFn | None = None
    numerator_text: str = ""
    denominator_text: str = ""
    no_data_reason: str = ""
    # Only these users may open the records behind the number (None: anyone who sees the KPI).
    drill_allowed: Callable[[Any], bool] | None = None
    # KPIs over call monitoring can also be computed from the monthly visit aggregates.
    from_visit_sums: Callable[[dict], Measure] | None = None

    def __post_init__(self) -> None:
        if (self.target is None) != (self.amber is None):
            raise ValueError(f"{self.id}: give both a target and an amber threshold, or neither")
        if self.target is not None and self.amber is not None:
            wrong_side = (
                self.amber > self.target if self.polarity == Polarity.HIGHER else self.amber < self.target
            )
            if wrong_side:
                raise ValueError(f"{self.id}: the amber threshold must be on the worse side of the target")
        if self.measure is None and not self.no_data_reason:
            raise ValueError(f"{self.id}: say why there is no data source")

    @property
    def has_data(self) -> bool:
        return self.measure is not None

    @property
    def is_ratio(self) -> bool:
        return self.unit == PERCENT

    def value(self, measure: Measure) -> Decimal | None:
        """Rounded half up to one decimal place; None when nothing was counted (0 of 0 is not 100%)."""
        if measure.numerator is None:
            return None
        if measure.denominator is None:
            return Decimal(measure.numerator).quantize(ONE_DP, rounding=ROUND_HALF_UP)
        if measure.denominator == 0:
            return None
        scale = Decimal(100) if self.unit == PERCENT else Decimal(1)
        return (Decimal(measure.numerator) * scale / Decimal(measure.denominator)).quantize(
            ONE_DP, rounding=ROUND_HALF_UP
        )

    def rag(self, value: Decimal | None) -> Rag:
        if self.target is None or self.amber is None:
            return Rag.NONE
        return classify(value, target=self.target, amber=self.amber, polarity=self.polarity)


KPIS: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    if kpi.id in KPIS:
        raise ValueError(f"KPI {kpi.id!r} is registered twice")
    KPIS[kpi.id] = kpi
    return kpi


def kpis_for(kind: str) -> list[Kpi]:
    """KPIs that can be computed for a kind of population, in registration (committee) order."""
    return [k for k in KPIS.values() if kind in k.populations]


def get(kpi_id: str) -> Kpi | None:
    return KPIS.get(kpi_id)
