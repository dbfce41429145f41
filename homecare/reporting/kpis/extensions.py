"""KPIs from other apps: a measure function over the app's selector and a `register(Kpi(…))`.

The refresh job stores every registered KPI's values and the committee table shows them, in registration
order, with no other change. The outcomes app's budget-of-hours utilisation and feedback scores are
registered here as the example (its selectors: `budget_utilisation`, `feedback_scores`).
"""

from __future__ import annotations

from decimal import Decimal

from homecare.outcomes.selectors import budget_utilisation, feedback_scores
from homecare.providers.selectors_subcontracting import continuity_by_deliverer
from homecare.reporting.kpis.registry import PERCENT, Context, Kpi, Measure, register
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import COUNCIL, PROVIDER, Population
from homecare.reporting.rag import Polarity

OUTCOMES = "Outcomes"


def _utilisation(population: Population, month: Month, context: Context) -> Measure:
    used = budget_utilisation(council=population.council, month=month.first_day, provider=population.provider)
    return Measure(used.delivered_hours, used.budgeted_hours)


def _feedback(population: Population, month: Month, context: Context) -> Measure:
    until = min(month.last_day, context.as_at(month).astimezone(LONDON).date())
    if until < month.first_day:
        return Measure(None)
    provider_ids = [population.provider.pk] if population.provider is not None else None
    summary = feedback_scores(
        council=population.council, since=month.first_day, until=until, provider_ids=provider_ids
    )
    score = (
        summary.by_provider.get(population.provider.pk)
        if population.provider is not None
        else summary.overall
    )
    return Measure(score.points if score is not None else None)


def _lead_continuity(population: Population, month: Month, context: Context) -> Measure:
    figures = continuity_by_deliverer(
        council=population.council, start=month.first_day, end=month.last_day, lead=population.provider
    )
    if not figures:
        return Measure(None)  # no lead provider appointed (or this provider is not one)
    return Measure(
        Decimal(sum(f.regular_visits for f in figures)), Decimal(sum(f.carer_visits for f in figures))
    )


register(
    Kpi(
        id="budget-utilisation",
        title="Budget of hours used",
        description="Hours delivered against hours budgeted, over the budget weeks starting in the "
        "month, for budget-of-hours packages (the outcomes app's definition).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("90"),
        amber=Decimal("80"),
        source="outcomes",
        group=OUTCOMES,
        populations=frozenset({COUNCIL, PROVIDER}),
        measure=_utilisation,
        numerator_text="Hours delivered",
        denominator_text="Hours budgeted",
    )
)
register(
    Kpi(
        id="feedback-score",
        title="Feedback from people receiving care",
        description="The overall feedback score (points out of 100, the mean of every answer) from "
        "surveys received in the month.",
        unit="points",
        polarity=Polarity.HIGHER,
        target=Decimal("80"),
        amber=Decimal("70"),
        source="outcomes",
        group=OUTCOMES,
        populations=frozenset({COUNCIL, PROVIDER}),
        measure=_feedback,
        numerator_text="Feedback score out of 100",
    )
)
register(
    Kpi(
        id="lead-model-continuity",
        title="Continuity of care under the lead-provider model",
        description="Share of people's completed visits made by their regular (at most three most "
        "frequent) care workers, for visits of appointed lead providers, whether delivered by the lead's "
        "own staff or a subcontractor (ADR 0015).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("80"),
        amber=Decimal("70"),
        source="providers",
        group=OUTCOMES,
        populations=frozenset({COUNCIL, PROVIDER}),
        measure=_lead_continuity,
        numerator_text="Visits by regular care workers",
        denominator_text="Care worker visits",
    )
)
