"""Retention rules: how long each record class is kept after care ends. Pure functions, no database.

The period is whole years after the day care ended (settings.RECORDS_RETENTION_YEARS, per record class;
"default" for any class not named). A person's records are disposable only when every class they hold is
past its own period, because the person row is what every other record points at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

DEFAULT_CLASS = "default"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 1 March (keep a day longer, never a day short)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def years_for(record_class: str, periods: Mapping[str, int]) -> int:
    years = periods.get(record_class, periods.get(DEFAULT_CLASS))
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise ImproperlyConfigured(
            f"RECORDS_RETENTION_YEARS needs a whole number of years (1 or more) for {record_class!r} "
            "or a 'default'"
        )
    return years


def retain_until(
    care_ended_on: dt.date, record_classes: Iterable[str], periods: Mapping[str, int]
) -> dt.date:
    """The first day the records may be destroyed: care end plus the longest period of the classes held."""
    classes = set(record_classes) or {DEFAULT_CLASS}
    return add_years(care_ended_on, max(years_for(c, periods) for c in classes))


def shortest_period(periods: Mapping[str, int]) -> int:
    """The fewest years any class is kept: care that ended more recently than this can't be past any."""
    return min(years_for(c, periods) for c in periods)


def care_ended_on(
    *,
    open_packages: bool,
    last_package_end: dt.date | None,
    last_involvement: dt.date,
) -> dt.date | None:
    """When care ended, or None while it goes on.

    Care goes on while any package is not ended (a draft or a package waiting for a provider is care
    being arranged). With every package ended, care ended on the last end date; someone who never had a
    package (assessed, no care) counts from the last involvement (their latest support plan or record).
    """
    if open_packages:
        return None
    if last_package_end is None:
        return last_involvement
    # A new assessment after the last package ended restarts the clock.
    return max(last_package_end, last_involvement)
