"""Pure rules about people and packages: no database, so they can be property-tested."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import nhs_number as nhs_number_lib
from localflavor.gb.forms import GBPostcodeField

MINIMUM_TIME_BAND = 15
TIME_BAND_STEP = 5
MAXIMUM_VISIT_MINUTES = 24 * 60
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_PLACES = Decimal("0.01")


def time_band_problem(minutes: int) -> str | None:
    """Why a visit length is not a valid time band (at least 15 minutes, then 5-minute steps), or None."""
    if minutes < MINIMUM_TIME_BAND:
        return f"A visit must be at least {MINIMUM_TIME_BAND} minutes"
    if minutes > MAXIMUM_VISIT_MINUTES:
        return "A visit cannot be longer than 24 hours"
    if (minutes - MINIMUM_TIME_BAND) % TIME_BAND_STEP:
        lower = minutes - (minutes - MINIMUM_TIME_BAND) % TIME_BAND_STEP
        return (
            f"Visit length must be in {TIME_BAND_STEP}-minute steps from {MINIMUM_TIME_BAND} minutes, "
            f"for example {lower} or {lower + TIME_BAND_STEP} minutes"
        )
    return None


def days_mask(day_indexes: Iterable[int]) -> int:
    """Monday = 0 … Sunday = 6 → bit mask (Monday = 1 … Sunday = 64)."""
    mask = 0
    for i in day_indexes:
        if not 0 <= i <= 6:
            raise ValueError(f"day index out of range: {i}")
        mask |= 1 << i
    return mask


def day_indexes(mask: int) -> list[int]:
    return [i for i in range(7) if mask & (1 << i)]


def day_labels(mask: int) -> list[str]:
    if mask == 127:
        return ["Every day"]
    if mask == 31:
        return ["Monday to Friday"]
    if mask == 96:
        return ["Weekends"]
    return [DAY_NAMES[i] for i in day_indexes(mask)]


@dataclass(frozen=True)
class PlannedWeek:
    """Derived weekly totals of a visit pattern. Carer hours count each carer of a double-handed visit."""

    visits: int
    day_hours: Decimal
    waking_night_hours: Decimal
    sleep_in_nights: int

    @property
    def total_hours(self) -> Decimal:
        """Carer hours paid at an hourly rate (sleep-ins are paid per night, not counted here)."""
        return self.day_hours + self.waking_night_hours


def planned_week(rows: Iterable[tuple[int, int, int, str]]) -> PlannedWeek:
    """Weekly totals from (days mask, minutes, carers, care type) rows. Never typed in, always derived."""
    visits = 0
    day_minutes = 0
    night_minutes = 0
    sleep_ins = 0
    for mask, minutes, carers, care_type in rows:
        days = len(day_indexes(mask))
        visits += days
        if care_type == "sleep_in":
            sleep_ins += days * carers
        elif care_type == "waking_night":
            night_minutes += days * minutes * carers
        else:
            day_minutes += days * minutes * carers
    return PlannedWeek(
        visits=visits,
        day_hours=(Decimal(day_minutes) / 60).quantize(HOURS_PLACES),
        waking_night_hours=(Decimal(night_minutes) / 60).quantize(HOURS_PLACES),
        sleep_in_nights=sleep_ins,
    )


def funding_split_problem(funding: str, council_percent: Decimal, nhs_percent: Decimal) -> str | None:
    """Joint packages are split between council and NHS and the shares must total exactly 100%."""
    if funding != "joint":
        return None
    if council_percent <= 0 or nhs_percent <= 0:
        return "A joint package needs a council share and an NHS share, each more than 0%"
    if council_percent + nhs_percent != Decimal("100"):
        total = (council_percent + nhs_percent).normalize()
        return f"Council and NHS shares must total 100% (they total {total:f}%)"
    return None


def funding_shares(funding: str, council_percent: Decimal, nhs_percent: Decimal) -> tuple[Decimal, Decimal]:
    """The stored (council, NHS) shares: 100/0 or 0/100 unless the package is joint."""
    if funding == "joint":
        return council_percent, nhs_percent
    if funding == "nhs_chc":
        return Decimal("0"), Decimal("100")
    if funding == "council":
        return Decimal("100"), Decimal("0")
    return Decimal("0"), Decimal("0")  # direct payment, self-funder: neither commissioner pays a provider


_NHS_DIGITS = re.compile(r"[\s-]")


def normalise_nhs_number(raw: str) -> str:
    return _NHS_DIGITS.sub("", raw or "")


def nhs_number_problem(raw: str) -> str | None:
    digits = normalise_nhs_number(raw)
    if not digits.isdigit() or len(digits) != 10:
        return "Enter an NHS number with 10 digits, like 943 476 5919"
    if not nhs_number_lib.is_valid(digits):
        return "Enter a valid NHS number: check the digits (the last one is a check digit)"
    return None


_postcode_field = GBPostcodeField()


def normalise_postcode(raw: str) -> str:
    """'sw1a1aa' → 'SW1A 1AA'. Raises ValueError for anything that is not a UK postcode."""
    from django.core.exceptions import ValidationError

    try:
        return _postcode_field.clean(raw)
    except ValidationError as exc:
        raise ValueError("Enter a real UK postcode, like SW1A 1AA") from exc


def search_key(text: str) -> str:
    """Lower-case, space-collapsed key used for indexed prefix search."""
    return " ".join((text or "").lower().split())


def postcode_search_key(text: str) -> str:
    return (text or "").replace(" ", "").upper()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with prefix (for index range scans)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
