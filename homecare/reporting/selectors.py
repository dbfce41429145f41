"""Scoped reads: which populations a user sees, the committee table (from the stored aggregates, or
straight from the rows), comments and the records behind a number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, User
from homecare.people.models import Package
from homecare.reporting import services
from homecare.reporting.kpis import Context, Drill, Kpi, kpis_for
from homecare.reporting.models import AggregateRefresh, KpiComment, KpiValue
from homecare.reporting.periods import Month, last_months
from homecare.reporting.populations import Population, populations_for
from homecare.reporting.rag import Rag, Trend, trend

AGGREGATES, DIRECT = "aggregates", "direct"


def _councils_served(provider: Organisation) -> list[Organisation]:
    """Councils a provider delivers packages for (its figures exist only there)."""
    council_ids = Package.objects.filter(provider=provider).values("person__council_id")
    return list(
        Organisation.objects.filter(pk__in=council_ids, type=OrganisationType.COUNCIL).order_by("name")
    )


def populations_visible_to(*, user: User) -> list[Population]:
    return populations_for(user=user, councils_for_provider=_councils_served)


def population_for(*, user: User, key: str | None = None) -> Population:
    """The population named by `key` (or the user's first), if the user may see it; else 404."""
    visible = populations_visible_to(user=user)
    if not visible:
        raise Http404
    if not key:
        return visible[0]
    for population in visible:
        if f"{population.council.pk}:{population.key}" == key:
            return population
    raise Http404


def population_param(population: Population) -> str:
    return f"{population.council.pk}:{population.key}"


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    months: list[Month]
    values: list[Decimal | None]
    numerators: list[Decimal | None]
    denominators: list[Decimal | None]
    comment: KpiComment | None

    @property
    def latest(self) -> Decimal | None:
        return self.values[-1] if self.values else None

    @property
    def rag(self) -> Rag:
        return self.kpi.rag(self.latest)

    @property
    def rags(self) -> list[Rag]:
        return [self.kpi.rag(v) for v in self.values]

    @property
    def trend(self) -> Trend:
        previous = self.values[-2] if len(self.values) > 1 else None
        return trend(previous, self.latest, polarity=self.kpi.polarity)


@dataclass(frozen=True)
class CommitteeTable:
    population: Population
    months: list[Month]
    rows: list[KpiRow]
    source: str
    refreshed_at: dt.datetime | None

    def row(self, kpi_id: str) -> KpiRow:
        return next(r for r in self.rows if r.kpi.id == kpi_id)

    def figures(self) -> dict[tuple[str, str], Decimal | None]:
        """(KPI, month) → value: what the benchmark and tests compare between the two paths."""
        return {(r.kpi.id, m.key): v for r in self.rows for m, v in zip(r.months, r.values, strict=True)}


def months_ending(month: Month, count: int = 12) -> list[Month]:
    return last_months(count, ending=month)


def committee_table(
    *, population: Population, months: list[Month], source: str = AGGREGATES, now: dt.datetime | None = None
) -> CommitteeTable:
    """KPI × month values for a population. AGGREGATES reads the stored values (one query); DIRECT
    computes every figure from the domain's rows as at `now` (what the refresh job does, on demand)."""
    values: dict[tuple[str, dt.date], tuple] = {}
    refreshed = None
    if source == AGGREGATES:
        stored = KpiValue.objects.filter(
            council=population.council,
            population=population.key,
            month__gte=months[0].first_day,
            month__lte=months[-1].first_day,
        ).values_list("kpi", "month", "value", "numerator", "denominator")
        values = {(k, m): (v, n, d) for k, m, v, n, d in stored}
        last = (
            AggregateRefresh.objects.filter(council=population.council)
            .order_by("-finished_at", "-id")
            .first()
        )
        refreshed = last.finished_at if last else None
    else:
        context = Context(now=now or timezone.now())
        measures = services.kpi_measures(population=population, months=months, context=context)
        by_id = {k.id: k for k in kpis_for(population.kind)}
        values = {
            (kpi_id, month.first_day): (by_id[kpi_id].value(m), m.numerator, m.denominator)
            for (kpi_id, month), m in measures.items()
        }
    comments = (
        current_comments(council=population.council, month=months[-1]) if population.kind == "council" else {}
    )
    rows = []
    for kpi in kpis_for(population.kind):
        cells = [values.get((kpi.id, m.first_day), (None, None, None)) for m in months]
        rows.append(
            KpiRow(
                kpi=kpi,
                months=months,
                values=[c[0] for c in cells],
                numerators=[c[1] for c in cells],
                denominators=[c[2] for c in cells],
                comment=comments.get(kpi.id),
            )
        )
    return CommitteeTable(
        population=population, months=months, rows=rows, source=source, refreshed_at=refreshed
    )


def current_comments(*, council: Organisation, month: Month) -> dict[str, KpiComment]:
    """The current comment on each KPI for the month (the end of each amendment chain)."""
    rows = KpiComment.objects.filter(
        council=council, month=month.first_day, superseded_by__isnull=True
    ).select_related("written_by")
    return {c.kpi: c for c in rows}


def comment_history(*, council: Organisation, kpi_id: str, month: Month) -> QuerySet[KpiComment]:
    return (
        KpiComment.objects.filter(council=council, kpi=kpi_id, month=month.first_day)
        .select_related("written_by")
        .order_by("-written_at", "-id")
    )


def drill_down(*, user: User, population: Population, kpi: Kpi, month: Month, now: dt.datetime) -> Drill:
    """The records behind one month's number, within the population the user sees. A KPI whose records
    are restricted (safeguarding) is refused to everyone else (403: the number itself is on the table)."""
    from django.core.exceptions import PermissionDenied

    if kpi.drill is None or kpi.measure is None or population.kind not in kpi.populations:
        raise Http404
    if kpi.drill_allowed is not None and not kpi.drill_allowed(user):
        raise PermissionDenied
    return kpi.drill(population, month, Context(now=now))


def last_refresh(*, council: Organisation) -> AggregateRefresh | None:
    return AggregateRefresh.objects.filter(council=council).order_by("-finished_at", "-id").first()
