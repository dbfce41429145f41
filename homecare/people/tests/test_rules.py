"""Property-based tests for the rules with edges: time bands, days, derived hours, joint splits."""

from __future__ import annotations

from decimal import Decimal

import nhs_number
from hypothesis import given
from hypothesis import strategies as st

from homecare.people import rules


@given(st.integers(min_value=15, max_value=24 * 60))
def test_a_time_band_is_valid_exactly_when_it_is_fifteen_minutes_plus_five_minute_steps(minutes):
    assert (rules.time_band_problem(minutes) is None) == ((minutes - 15) % 5 == 0)


@given(st.integers(min_value=-1000, max_value=14))
def test_a_visit_shorter_than_fifteen_minutes_is_refused(minutes):
    assert "at least 15 minutes" in rules.time_band_problem(minutes)


def test_the_issue_examples_seventeen_and_ten_minutes_are_refused_with_a_suggestion():
    assert "for example 15 or 20 minutes" in rules.time_band_problem(17)
    assert "at least 15" in rules.time_band_problem(10)
    assert rules.time_band_problem(15) is None
    assert rules.time_band_problem(20) is None


@given(st.sets(st.integers(min_value=0, max_value=6), min_size=1))
def test_days_survive_the_round_trip_through_the_mask(days):
    mask = rules.days_mask(days)
    assert 1 <= mask <= 127
    assert rules.day_indexes(mask) == sorted(days)


visit_rows = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=127),
        st.integers(min_value=3, max_value=288).map(lambda n: n * 5),
        st.sampled_from([1, 2]),
        st.sampled_from(["day", "waking_night", "sleep_in"]),
    ),
    max_size=12,
)


@given(visit_rows)
def test_weekly_hours_are_derived_from_the_pattern_counting_each_carer(rows):
    week = rules.planned_week(rows)
    expected_day = sum(bin(m).count("1") * mins * c for m, mins, c, t in rows if t == "day")
    expected_night = sum(bin(m).count("1") * mins * c for m, mins, c, t in rows if t == "waking_night")
    assert week.day_hours == (Decimal(expected_day) / 60).quantize(Decimal("0.01"))
    assert week.waking_night_hours == (Decimal(expected_night) / 60).quantize(Decimal("0.01"))
    assert week.sleep_in_nights == sum(bin(m).count("1") * c for m, _, c, t in rows if t == "sleep_in")
    assert week.visits == sum(bin(m).count("1") for m, *_ in rows)


def test_the_journey_example_four_calls_a_day_with_a_double_handed_morning():
    every_day = rules.days_mask(range(7))
    week = rules.planned_week(
        [
            (every_day, 45, 2, "day"),
            (every_day, 30, 1, "day"),
            (every_day, 30, 1, "day"),
            (every_day, 30, 1, "day"),
        ]
    )
    # (90 + 30 + 30 + 30) carer minutes a day × 7 = 21 carer hours a week.
    assert week.total_hours == Decimal("21.00")
    assert week.visits == 28


shares = st.decimals(min_value=0, max_value=100, places=2)


@given(shares, shares)
def test_a_joint_split_is_accepted_only_when_both_shares_are_positive_and_total_100(council, nhs):
    problem = rules.funding_split_problem("joint", council, nhs)
    assert (problem is None) == (council > 0 and nhs > 0 and council + nhs == 100)


@given(shares, shares, st.sampled_from(["council", "nhs_chc", "direct_payment", "self_funder"]))
def test_only_joint_packages_are_split(council, nhs, funding):
    assert rules.funding_split_problem(funding, council, nhs) is None
    stored = rules.funding_shares(funding, council, nhs)
    assert sum(stored) in (Decimal("0"), Decimal("100"))


# England's issued range (400…499 million) and the synthetic test range (999 million).
@given(
    st.one_of(
        st.integers(min_value=400_000_000, max_value=499_999_999),
        st.integers(min_value=999_000_000, max_value=999_999_999),
    )
)
def test_an_nhs_number_is_accepted_exactly_when_its_check_digit_is_right(base):
    digits = f"{base:09d}"
    check = nhs_number.calculate_checksum(digits)
    for last in range(10):
        candidate = f"{digits}{last}"
        assert (rules.nhs_number_problem(candidate) is None) == (check != 10 and last == check)


def test_nhs_numbers_may_be_typed_with_spaces_or_dashes():
    assert rules.nhs_number_problem("943 476 5919") is None
    assert rules.nhs_number_problem("943-476-5919") is None
    assert "10 digits" in rules.nhs_number_problem("94347659")


def test_postcodes_are_normalised_and_nonsense_is_refused():
    assert rules.normalise_postcode("sw1a1aa") == "SW1A 1AA"
    assert rules.normalise_postcode(" ng1  1aa ") == "NG1 1AA"
    for bad in ("", "12345", "ABC DEF", "SW1A 1A"):
        try:
            rules.normalise_postcode(bad)
        except ValueError as exc:
            assert "UK postcode" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=8),
)
def test_the_prefix_upper_bound_contains_exactly_the_strings_with_that_prefix(prefix, rest):
    bound = rules.prefix_upper_bound(prefix)
    assert prefix <= prefix + rest < bound
