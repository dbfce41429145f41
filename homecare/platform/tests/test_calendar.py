import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from homecare.platform import calendar


def test_england_and_wales_bank_holidays_are_known():
    assert calendar.is_bank_holiday(dt.date(2026, 12, 25))
    assert calendar.is_bank_holiday(dt.date(2026, 8, 31))  # summer bank holiday (England, not Scotland)
    assert not calendar.is_bank_holiday(dt.date(2026, 8, 3))  # Scotland's summer bank holiday


def test_three_working_days_skip_christmas():
    # Wed 23 Dec 2026 + 3 working days: 24th, (25th, 26th, 27th, 28th substitute off), 29th, 30th.
    assert calendar.add_working_days(dt.date(2026, 12, 23), 3) == dt.date(2026, 12, 30)


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)), st.integers(1, 40))
def test_adding_working_days_lands_on_a_working_day_after_the_start(start, days):
    end = calendar.add_working_days(start, days)
    assert end > start
    assert not calendar.is_weekend(end) and not calendar.is_bank_holiday(end)
