"""Pure rules of the provider framework: no database, so they can be property-tested."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

PENNIES = Decimal("0.01")
SCORE_PLACES = Decimal("0.01")
HUNDRED = Decimal("100")
_CQC_LOCATION_ID = re.compile(r"1-\d{9,11}")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def framework_end_date(
    start: dt.date, term_years: int, extension_years: int, extension_taken: bool
) -> dt.date:
    """The last day of a framework: a 4-year term from 1 April 2025 ends on 31 March 2029 (2030 when its
    optional extra year is taken)."""
    years = term_years + (extension_years if extension_taken else 0)
    return add_years(start, years) - dt.timedelta(days=1)


def weights_problem(quality_weight: Decimal, price_weight: Decimal) -> str | None:
    """Why tender weights are unusable, or None. Each is a percentage and together they make 100%."""
    if quality_weight < 0 or price_weight < 0:
        return "Quality and price weights cannot be negative"
    if quality_weight + price_weight != HUNDRED:
        total = (quality_weight + price_weight).normalize()
        return f"Quality and price weights must total 100% (they total {total:f}%)"
    return None


def score_problem(score: Decimal) -> str | None:
    if not Decimal("0") <= score <= HUNDRED:
        return "Enter a score from 0 to 100"
    return None


def weighted_score(
    *, quality_score: Decimal, price_score: Decimal, quality_weight: Decimal, price_weight: Decimal
) -> Decimal:
    """quality × quality weight + price × price weight (weights as percentages), out of 100.

    Rounded half up to 2 places once, at the end, so a tie in the tender stays a tie here.
    """
    raw = (quality_score * quality_weight + price_score * price_weight) / HUNDRED
    return raw.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def cqc_location_id_problem(value: str) -> str | None:
    if not _CQC_LOCATION_ID.fullmatch(value or ""):
        return "Enter a CQC location ID like 1-123456789 (1- then 9 to 11 digits)"
    return None


def enhanced_amount(base: Decimal, enhancement_percent: Decimal) -> Decimal:
    """base × (1 + enhancement / 100), rounded half up to the penny (the council's stated rounding)."""
    return (base * (HUNDRED + enhancement_percent) / HUNDRED).quantize(PENNIES, rounding=ROUND_HALF_UP)


def enhancement_for(
    *, is_bank_holiday: bool, is_weekend: bool, weekend_percent: Decimal, bank_holiday_percent: Decimal
) -> Decimal:
    """Which enhancement applies on a day. A bank holiday's wins over the weekend's: never both."""
    if is_bank_holiday:
        return bank_holiday_percent
    if is_weekend:
        return weekend_percent
    return Decimal("0")


def long_date(day: dt.date) -> str:
    """3 March 2027 (GOV.UK style: no leading zero)."""
    return f"{day.day} {day:%B %Y}"


# --- the living-wage floor ----------------------------------------------------------------------

# Lowest pay is attested per calendar quarter (January, April, July and October: April also starts the
# financial year, when new floors usually take effect).
PAY_PERIOD_MONTHS = 3


def pay_period_start(day: dt.date) -> dt.date:
    """The first day of the pay period that contains `day`."""
    month = (day.month - 1) // PAY_PERIOD_MONTHS * PAY_PERIOD_MONTHS + 1
    return dt.date(day.year, month, 1)


def next_pay_period(start: dt.date) -> dt.date:
    month = start.month - 1 + PAY_PERIOD_MONTHS
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def pay_period_end(start: dt.date) -> dt.date:
    return next_pay_period(start) - dt.timedelta(days=1)


def pay_period_label(start: dt.date) -> str:
    """April to June 2026."""
    end = pay_period_end(start)
    return f"{start:%B} to {end:%B %Y}"


def is_pay_period_start(day: dt.date) -> bool:
    return pay_period_start(day) == day


def pay_periods(first: dt.date, last: dt.date) -> list[dt.date]:
    """The starts of every pay period from the one containing `first` to the one containing `last`."""
    periods, start = [], pay_period_start(first)
    while start <= last:
        periods.append(start)
        start = next_pay_period(start)
    return periods


def floor_on(floors: list[tuple[dt.date, int, Decimal]], day: dt.date) -> Decimal | None:
    """The floor in force on a day, from (effective from, entry order, amount) rows: the latest
    effective date on or before it, and for two rows of the same date the later entry (a correction)."""
    in_force = [f for f in floors if f[0] <= day]
    return max(in_force, key=lambda f: (f[0], f[1]))[2] if in_force else None


def floor_for_period(floors: list[tuple[dt.date, int, Decimal]], period_start: dt.date) -> Decimal | None:
    """The floor a pay period is held to: the one in force on its first day. A floor that takes effect
    part-way through a period applies from the next one, so a provider is never held to a rate for
    weeks before it began."""
    return floor_on(floors, period_start)


def pay_shortfall(lowest_hourly_pay: Decimal, floor: Decimal | None) -> Decimal | None:
    """How far the lowest pay falls below the floor (None when it does not, or there is no floor)."""
    if floor is None or lowest_hourly_pay >= floor:
        return None
    return floor - lowest_hourly_pay
