"""The council's calendar: England and Wales bank holidays (from the maintained `holidays` library)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (weekends and bank holidays don't count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if not is_weekend(current) and not is_bank_holiday(current):
            remaining -= 1
    return current
