"""Retention rules at their edges: leap days, the longest class wins, bad settings fail loudly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from homecare.records import retention

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2080, 12, 31))
years = st.integers(min_value=1, max_value=30)


@given(day=days, n=years)
def test_a_retention_period_is_never_a_day_short(day, n):
    until = retention.add_years(day, n)
    assert until.year == day.year + n
    # Whole years: at least 365 days each, and never more than a leap day over the calendar years.
    assert 365 * n <= (until - day).days <= 366 * n + 1
    if (day.month, day.day) != (2, 29):
        assert (until.month, until.day) == (day.month, day.day)


def test_29_february_is_kept_until_1_march_in_a_common_year():
    assert retention.add_years(dt.date(2024, 2, 29), 8) == dt.date(2032, 2, 29)
    assert retention.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 3, 1)


@given(day=days, periods=st.dictionaries(st.sampled_from(["people", "visits", "finance", "quality"]), years))
def test_records_are_kept_for_the_longest_period_of_the_classes_held(day, periods):
    periods = {"default": 8, **periods}
    held = set(periods) - {"default"}
    until = retention.retain_until(day, held, periods)
    longest = max([periods[c] for c in held] or [periods["default"]])
    assert until == retention.add_years(day, longest)
    for record_class in held:
        assert until >= retention.add_years(day, periods[record_class])


def test_a_class_not_named_uses_the_default():
    assert retention.retain_until(
        dt.date(2020, 6, 1), {"safeguarding"}, {"default": 12, "people": 8}
    ) == dt.date(2032, 6, 1)


@pytest.mark.parametrize("bad", [0, -1, "8", 7.5, True, None])
def test_a_bad_retention_setting_fails_loudly(bad):
    with pytest.raises(ImproperlyConfigured, match="RECORDS_RETENTION_YEARS"):
        retention.retain_until(dt.date(2020, 1, 1), {"people"}, {"people": bad})


def test_care_goes_on_while_any_package_is_open():
    assert (
        retention.care_ended_on(
            open_packages=True, last_package_end=None, last_involvement=dt.date(2020, 1, 1)
        )
        is None
    )


@given(end=days, involvement=days)
def test_care_ends_at_the_last_package_end_or_a_later_involvement(end, involvement):
    ended = retention.care_ended_on(open_packages=False, last_package_end=end, last_involvement=involvement)
    assert ended == max(end, involvement)


def test_someone_who_never_had_a_package_counts_from_their_last_involvement():
    assert retention.care_ended_on(
        open_packages=False, last_package_end=None, last_involvement=dt.date(2019, 5, 4)
    ) == dt.date(2019, 5, 4)
