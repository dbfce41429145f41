"""Pure rules at their edges: RAG with polarity, rounding, months in London across the clock changes,
quarters, the continuity share and the nearest-rank percentile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecare.brokerage.selectors import percentile
from homecare.reporting.kpis import KPIS, Measure
from homecare.reporting.kpis.visits import regular_share
from homecare.reporting.periods import LONDON, Month, Quarter, last_months
from homecare.reporting.rag import Polarity, Rag, classify, trend

values = st.decimals(min_value=-1000, max_value=1000, places=1, allow_nan=False, allow_infinity=False)


@given(value=values, target=values, gap=st.decimals(min_value=0, max_value=100, places=1))
def test_higher_is_better_rag_is_green_from_the_target_and_amber_from_the_threshold(value, target, gap):
    amber = target - gap
    rag = classify(value, target=target, amber=amber, polarity=Polarity.HIGHER)
    expected = Rag.GREEN if value >= target else Rag.AMBER if value >= amber else Rag.RED
    assert rag == expected


@given(value=values, target=values, gap=st.decimals(min_value=0, max_value=100, places=1))
def test_lower_is_better_mirrors_higher_is_better(value, target, gap):
    lower = classify(value, target=target, amber=target + gap, polarity=Polarity.LOWER)
    higher = classify(-value, target=-target, amber=-target - gap, polarity=Polarity.HIGHER)
    assert lower == higher


def test_a_value_exactly_on_the_target_or_threshold_takes_the_better_colour():
    t, a = Decimal("95"), Decimal("90")
    assert classify(Decimal("95.0"), target=t, amber=a, polarity=Polarity.HIGHER) == Rag.GREEN
    assert classify(Decimal("90.0"), target=t, amber=a, polarity=Polarity.HIGHER) == Rag.AMBER
    assert classify(Decimal("89.9"), target=t, amber=a, polarity=Polarity.HIGHER) == Rag.RED
    assert (
        classify(Decimal("2"), target=Decimal("1"), amber=Decimal("2"), polarity=Polarity.LOWER) == Rag.AMBER
    )
    assert classify(None, target=t, amber=a, polarity=Polarity.HIGHER) == Rag.NONE


def test_a_rising_figure_is_improving_only_when_higher_is_better():
    assert trend(Decimal("1"), Decimal("2"), polarity=Polarity.HIGHER).improving is True
    assert trend(Decimal("1"), Decimal("2"), polarity=Polarity.LOWER).improving is False
    assert trend(None, Decimal("2"), polarity=Polarity.LOWER).words == "No trend yet"


@given(
    numerator=st.integers(min_value=0, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**6),
)
def test_a_percentage_is_rounded_half_up_to_one_place_and_never_over_the_whole(numerator, extra):
    kpi = KPIS["missed-visits"]
    value = kpi.value(Measure(Decimal(numerator), Decimal(numerator + extra)))
    if numerator + extra == 0:
        assert value is None
    else:
        exact = Decimal(100 * numerator) / Decimal(numerator + extra)
        assert abs(value - exact) <= Decimal("0.05")
        assert Decimal(0) <= value <= Decimal(100)


def test_half_a_tenth_rounds_up():
    assert KPIS["missed-visits"].value(Measure(Decimal(1), Decimal(8))) == Decimal("12.5")
    assert KPIS["missed-visits"].value(Measure(Decimal(1), Decimal(16))) == Decimal("6.3")


@given(
    moment=st.datetimes(
        # Hypothesis takes naive bounds and attaches the zone itself.
        min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    )
)
def test_every_moment_falls_in_exactly_the_london_month_of_its_london_date(moment):
    month = Month.containing(moment)
    assert month.contains(moment)
    assert not month.previous().contains(moment) and not month.next().contains(moment)
    assert month == Month.of(moment.astimezone(LONDON).date())


def test_month_boundaries_are_london_midnight_across_the_clock_changes():
    # 1 April 2026 is in BST: the month starts at 23:00 UTC on 31 March.
    assert Month(2026, 4).start.astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC)
    assert Month(2026, 11).start.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
    # March 2026 holds the spring change: 31 days less one hour.
    assert Month(2026, 3).end - Month(2026, 3).start == dt.timedelta(days=31)  # wall-clock arithmetic
    assert (Month(2026, 3).end.astimezone(dt.UTC) - Month(2026, 3).start.astimezone(dt.UTC)) == dt.timedelta(
        days=31, hours=-1
    )


def test_a_naive_time_has_no_month():
    with pytest.raises(ValueError):
        Month.containing(dt.datetime(2026, 3, 1, 12, 0))  # noqa: DTZ001 - the point of the test


@given(st.integers(min_value=1, max_value=40), st.integers(2000, 2040), st.integers(1, 12))
def test_last_months_are_consecutive_and_end_where_asked(count, year, month):
    months = last_months(count, ending=Month(year, month))
    assert len(months) == count and months[-1] == Month(year, month)
    assert all(a.next() == b for a, b in zip(months, months[1:], strict=False))


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_every_day_is_in_one_financial_quarter(day):
    quarter = Quarter.of(day)
    assert quarter.first_day <= day <= quarter.last_day
    assert Quarter.parse(quarter.key) == quarter


def test_the_first_quarter_is_april_to_june():
    assert (Quarter(2026, 1).first_day, Quarter(2026, 1).last_day) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    assert Quarter(2026, 4).first_day == dt.date(2027, 1, 1)


@given(st.lists(st.integers(min_value=1, max_value=50), max_size=12))
def test_regular_carers_are_the_three_most_frequent(counts):
    regular, total = regular_share(counts)
    assert total == sum(counts)
    assert regular == sum(sorted(counts, reverse=True)[:3])
    assert regular <= total and (len(counts) > 3 or regular == total)


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_the_90th_percentile_is_the_nearest_rank(waits):
    ordered = sorted(waits)
    p90 = percentile(ordered, 0.9)
    at_or_below = sum(1 for w in ordered if w <= p90)
    assert at_or_below >= 0.9 * len(ordered)
    assert sum(1 for w in ordered if w < p90) < 0.9 * len(ordered)


def test_a_kpi_must_put_its_amber_threshold_on_the_worse_side():
    from homecare.reporting.kpis import Kpi

    with pytest.raises(ValueError):
        Kpi(
            id="x",
            title="x",
            description="",
            unit="%",
            polarity=Polarity.HIGHER,
            target=Decimal(90),
            amber=Decimal(95),
            source="t",
            group="g",
            populations=frozenset(),
            measure=lambda *a: None,
        )
    with pytest.raises(ValueError):
        Kpi(
            id="y",
            title="y",
            description="",
            unit="%",
            polarity=Polarity.HIGHER,
            target=None,
            amber=None,
            source="t",
            group="g",
            populations=frozenset(),
            measure=None,
        )
