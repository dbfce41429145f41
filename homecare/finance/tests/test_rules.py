"""Payment rules, property-tested: rounding, caps, minimum charge, splits that add up, holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from homecare.finance import rules
from homecare.finance.rules import PayTerms

LONDON = ZoneInfo("Europe/London")
rates = st.decimals(min_value=Decimal("10.00"), max_value=Decimal("150.00"), places=2)
minutes = st.integers(min_value=0, max_value=24 * 60)


@given(minutes, st.sampled_from([1, 5, 15]))
def test_rounding_lands_on_the_step_and_moves_less_than_half_a_step(m, step):
    r = rules.round_minutes(m, step)
    assert r % step == 0 and abs(r - m) * 2 <= step


def test_rounding_to_five_minutes_rounds_halves_up():
    assert [rules.round_minutes(m, 5) for m in (27, 28, 30, 32, 33)] == [25, 30, 30, 30, 35]


@given(minutes, st.one_of(st.none(), minutes), st.integers(0, 120), st.integers(0, 30))
def test_actual_pay_never_exceeds_planned_plus_approved_extra(planned, actual, extra, minimum):
    terms = PayTerms(basis=rules.ACTUAL, rounding_minutes=5, minimum_minutes=minimum)
    paid = rules.payable_minutes(terms=terms, planned=planned, actual=actual, approved_extra=extra)
    assert 0 <= paid <= planned + extra
    if actual is None:
        assert paid == 0
    else:
        assert paid >= min(minimum, planned + extra)


@given(minutes, st.one_of(st.none(), minutes), st.integers(0, 120))
def test_commissioned_pay_is_the_plan_plus_approved_extra_whatever_happened(planned, actual, extra):
    terms = PayTerms(basis=rules.COMMISSIONED)
    assert (
        rules.payable_minutes(terms=terms, planned=planned, actual=actual, approved_extra=extra)
        == planned + extra
    )


@given(rates, st.integers(0, 600), st.integers(1, 2))
def test_a_line_is_minutes_times_rate_times_carers_to_the_penny(rate, m, carers):
    amount = rules.hourly_amount(m, rate, carers)
    exact = Decimal(m) * rate * carers / 60
    assert amount.as_tuple().exponent == -2 and abs(amount - exact) <= Decimal("0.005")


@given(
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("10000.00"), places=2),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
)
def test_council_and_nhs_shares_always_add_up_to_the_line(amount, nhs_percent):
    council, nhs = rules.split(amount, nhs_percent)
    assert council + nhs == amount and council >= 0 and nhs >= 0


def test_a_waking_night_across_the_clock_change_pays_the_hours_worked():
    def night(day):
        start = dt.datetime.combine(day, dt.time(22, 0), tzinfo=LONDON)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(7, 0), tzinfo=LONDON)
        return rules.worked_minutes(start, end)

    assert night(dt.date(2026, 3, 28)) == 8 * 60  # spring: the 23-hour day
    assert night(dt.date(2026, 10, 24)) == 10 * 60  # autumn: the 25-hour day
    assert night(dt.date(2026, 6, 1)) == 9 * 60
    rate = Decimal("19.50")
    assert rules.hourly_amount(night(dt.date(2026, 10, 24)), rate) == Decimal("195.00")


def test_holds_on_an_actual_basis_and_only_a_missing_check_out_on_a_commissioned_one():
    actual, commissioned = PayTerms(basis=rules.ACTUAL), PayTerms(basis=rules.COMMISSIONED)
    common = {"planned": 30, "clock_flagged": False}
    assert (
        rules.hold_reasons(terms=actual, status="completed", verification="geolocation", actual=30, **common)
        == []
    )
    assert rules.hold_reasons(
        terms=actual, status="completed", verification="out_of_range", actual=10, **common
    ) == [
        rules.HOLD_OUT_OF_RANGE,
        rules.HOLD_SHORT,
    ]
    assert rules.hold_reasons(
        terms=actual, status="in_progress", verification="tag", actual=None, **common
    ) == [rules.HOLD_NO_CHECK_OUT]
    assert (
        rules.hold_reasons(terms=commissioned, status="completed", verification="", actual=5, **common) == []
    )
