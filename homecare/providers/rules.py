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
