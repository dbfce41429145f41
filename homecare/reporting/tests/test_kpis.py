"""KPI definitions against hand-counted examples, and the stored (aggregate) path against the direct one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from homecare.reporting import selectors, services
from homecare.reporting.kpis import KPIS, Context
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import council_population, nhs_population, provider_population
from homecare.reporting.tests.factories import make_visit

MARCH = Month(2026, 3)
# The end of April, so March and April are complete months when figures are taken.
NOW = dt.datetime(2026, 4, 30, 12, 0, tzinfo=LONDON)


def measure(kpi_id, population, month=MARCH, now=NOW):
    kpi = KPIS[kpi_id]
    m = kpi.measure(population, month, Context(now=now))
    return m.numerator, m.denominator, kpi.value(m)


@pytest.fixture
def march_visits(mary_package, joan_package, south_package, workers):
    """Mary (Acorn, council): 4 completed (one 45 minutes late, one 20 minutes short), 1 missed,
    1 cancelled. Joan (Birch, joint): 2 completed, 1 missed. Southwold: 3 missed (never counted)."""
    a, b, c, d, e = workers
    day = dt.date(2026, 3, 2)
    make_visit(mary_package, day, workers=[a])
    make_visit(mary_package, day + dt.timedelta(days=1), late_by=45, workers=[a])
    make_visit(mary_package, day + dt.timedelta(days=2), delivered=10, workers=[b])
    # Double-handed, the day the clocks go forward (29 March): attendances by c and d.
    make_visit(mary_package, dt.date(2026, 3, 29), at=dt.time(0, 30), workers=[c, d])
    make_visit(mary_package, day + dt.timedelta(days=3), status="missed")
    make_visit(mary_package, day + dt.timedelta(days=4), status="cancelled")
    make_visit(joan_package, day, workers=[e])
    make_visit(joan_package, day + dt.timedelta(days=1), workers=[e])
    make_visit(joan_package, day + dt.timedelta(days=2), status="missed")
    for i in range(3):
        make_visit(south_package, day + dt.timedelta(days=i), status="missed")
    # Outside March: 1 April 00:10 London is 31 March 23:10 UTC, and counts in April.
    make_visit(mary_package, dt.date(2026, 4, 1), at=dt.time(0, 10), status="missed")


def test_late_visits_counts_completed_visits_checked_in_after_their_late_time(northbridge, march_visits):
    assert measure("late-visits", council_population(northbridge)) == (1, 6, Decimal("16.7"))


def test_missed_visits_are_a_share_of_visits_due_not_of_cancelled_ones(northbridge, march_visits):
    assert measure("missed-visits", council_population(northbridge)) == (2, 8, Decimal("25.0"))


def test_time_delivered_is_minutes_between_check_in_and_out_over_planned(northbridge, march_visits):
    assert measure("duration-delivered", council_population(northbridge)) == (160, 180, Decimal("88.9"))


def test_continuity_counts_attendances_by_the_three_most_frequent_carers(northbridge, march_visits):
    # Mary: a twice, b, c and d once each: top three make 4 of her 5 attendances; Joan: e twice, 2 of 2.
    assert measure("continuity", council_population(northbridge)) == (6, 7, Decimal("85.7"))


def test_a_provider_counts_only_its_own_visits(northbridge, acorn, birch, march_visits):
    assert measure("missed-visits", provider_population(northbridge, acorn))[:2] == (1, 5)
    assert measure("missed-visits", provider_population(northbridge, birch))[:2] == (1, 3)


def test_the_nhs_partner_counts_only_nhs_funded_visits(northbridge, march_visits):
    assert measure("missed-visits", nhs_population(northbridge))[:2] == (1, 3)


def test_a_visit_after_midnight_on_the_first_counts_in_the_london_month(northbridge, march_visits):
    assert measure("missed-visits", council_population(northbridge), Month(2026, 4))[:2] == (1, 1)


def test_nothing_counted_is_no_value_not_zero_or_a_hundred(northbridge, db):
    assert measure("late-visits", council_population(northbridge)) == (0, 0, None)


def test_stored_figures_equal_figures_computed_straight_from_the_rows(
    northbridge, acorn, birch, march_visits
):
    services.aggregates_refresh(council=northbridge, now=NOW)
    months = selectors.months_ending(Month(2026, 4))
    for population in (
        council_population(northbridge),
        nhs_population(northbridge),
        provider_population(northbridge, acorn),
        provider_population(northbridge, birch),
    ):
        stored = selectors.committee_table(population=population, months=months)
        direct = selectors.committee_table(population=population, months=months, source="direct", now=NOW)
        assert stored.figures() == direct.figures()
        # Not vacuous: the visit KPIs have a March value in both.
        assert stored.row("missed-visits").values[-2] is not None
