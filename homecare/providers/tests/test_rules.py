"""The framework's pure rules, property-tested: weights, weighted scores, enhancements, end dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from homecare.providers import rules

percent = st.decimals(min_value=0, max_value=100, places=2)
scores = st.decimals(min_value=0, max_value=100, places=2)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)


@given(quality=percent)
def test_weights_that_total_100_are_accepted(quality):
    assert rules.weights_problem(quality, Decimal("100") - quality) is None


@given(quality=percent, price=percent)
def test_weights_that_do_not_total_100_are_refused_with_the_total(quality, price):
    problem = rules.weights_problem(quality, price)
    if quality + price == 100:
        assert problem is None
    else:
        assert problem is not None and "must total 100%" in problem


def test_negative_weights_are_refused():
    assert (
        rules.weights_problem(Decimal("-10"), Decimal("110"))
        == "Quality and price weights cannot be negative"
    )


@given(quality_score=scores, price_score=scores, quality_weight=percent)
def test_the_weighted_score_is_quality_times_its_weight_plus_price_times_its_weight(
    quality_score, price_score, quality_weight
):
    price_weight = Decimal("100") - quality_weight
    score = rules.weighted_score(
        quality_score=quality_score,
        price_score=price_score,
        quality_weight=quality_weight,
        price_weight=price_weight,
    )
    exact = (quality_score * quality_weight + price_score * price_weight) / 100
    assert abs(score - exact) <= Decimal("0.005")
    assert score == score.quantize(Decimal("0.01"))
    assert (
        min(quality_score, price_score) - Decimal("0.01")
        <= score
        <= max(quality_score, price_score) + Decimal("0.01")
    )


def test_a_60_40_split_weights_quality_more_than_price():
    assert rules.weighted_score(
        quality_score=Decimal("80"),
        price_score=Decimal("50"),
        quality_weight=Decimal("60"),
        price_weight=Decimal("40"),
    ) == Decimal("68.00")


@given(base=amounts, enhancement=st.decimals(min_value=0, max_value=200, places=2))
def test_enhanced_amounts_are_decimals_rounded_half_up_to_the_penny(base, enhancement):
    amount = rules.enhanced_amount(base, enhancement)
    assert isinstance(amount, Decimal)
    assert amount == amount.quantize(Decimal("0.01"))
    assert abs(amount - base * (100 + enhancement) / 100) <= Decimal("0.005")
    assert amount >= base


def test_half_a_penny_rounds_up():
    assert rules.enhanced_amount(Decimal("24.25"), Decimal("10")) == Decimal("26.68")  # 26.675


@given(
    bank_holiday=st.booleans(),
    weekend=st.booleans(),
    weekend_percent=st.decimals(min_value=0, max_value=100, places=2),
    bank_holiday_percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_bank_holiday_enhancement_wins_over_the_weekend_one_and_they_are_never_added(
    bank_holiday, weekend, weekend_percent, bank_holiday_percent
):
    applied = rules.enhancement_for(
        is_bank_holiday=bank_holiday,
        is_weekend=weekend,
        weekend_percent=weekend_percent,
        bank_holiday_percent=bank_holiday_percent,
    )
    if bank_holiday:
        assert applied == bank_holiday_percent
    elif weekend:
        assert applied == weekend_percent
    else:
        assert applied == 0


@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), term=st.integers(1, 6))
def test_a_framework_ends_the_day_before_its_anniversary(start, term):
    end = rules.framework_end_date(start, term, 1, False)
    extended = rules.framework_end_date(start, term, 1, True)
    assert end < extended
    assert (end + dt.timedelta(days=1)).year == start.year + term
    assert (extended - end).days in (365, 366)


def test_a_four_year_framework_from_1_april_2025_ends_on_31_march_2029():
    assert rules.framework_end_date(dt.date(2025, 4, 1), 4, 1, False) == dt.date(2029, 3, 31)
    assert rules.framework_end_date(dt.date(2025, 4, 1), 4, 1, True) == dt.date(2030, 3, 31)


def test_cqc_location_ids_are_1_dash_and_9_to_11_digits():
    assert rules.cqc_location_id_problem("1-123456789") is None
    assert rules.cqc_location_id_problem("1-12345678901") is None
    for bad in ("123456789", "1-12345678", "1-123456789012", "2-123456789", "1-12345678a", ""):
        assert rules.cqc_location_id_problem(bad), bad
