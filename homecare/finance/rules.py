"""Payment rules with edges, free of the database so they can be property-tested.

Money is Decimal, rounded half up to the penny once per line (the council's stated rounding); minutes
are whole numbers. Durations come from aware datetimes, so a waking night across a clock change pays
the hours actually worked (8 or 10 for a 22:00–07:00 night, not 9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
SIXTY = Decimal(60)

COMMISSIONED = "commissioned"
ACTUAL = "actual"


@dataclass(frozen=True)
class PayTerms:
    """How a framework pays: on commissioned (planned) or actual (verified) minutes."""

    basis: str = ACTUAL
    rounding_minutes: int = 5  # actual minutes are rounded to the nearest multiple (half up)
    minimum_minutes: int = 0  # a minimum charge per visit, where the framework has one
    short_visit_percent: int = 50  # delivered under this share of planned: held as implausibly short


def round_minutes(minutes: int, step: int) -> int:
    """To the nearest multiple of `step`, halves up (7.5 → 10 for a 5-minute step)."""
    if step <= 1:
        return minutes
    return ((minutes * 2 + step) // (2 * step)) * step


def worked_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes between two aware times (real elapsed time, whatever the clocks did).

    Both go to UTC first: Python subtracts two times in the same zone by their wall clocks.
    """
    return max(0, int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60))


def payable_minutes(*, terms: PayTerms, planned: int, actual: int | None, approved_extra: int = 0) -> int:
    """Minutes to pay for one carer on one visit.

    Commissioned: the planned minutes plus approved extra time. Actual: the verified minutes rounded to
    the framework's step, capped at planned + approved extra time, and at least the minimum charge.
    """
    ceiling = planned + approved_extra
    if terms.basis == COMMISSIONED:
        return ceiling
    if actual is None:
        return 0
    minutes = min(round_minutes(actual, terms.rounding_minutes), ceiling)
    return max(minutes, min(terms.minimum_minutes, ceiling))


def hourly_amount(minutes: int, rate: Decimal, carers: int = 1) -> Decimal:
    """minutes / 60 × rate × carers, to the penny (half up): one rounding per line."""
    return (Decimal(minutes) * rate * carers / SIXTY).quantize(PENNY, rounding=ROUND_HALF_UP)


def nightly_amount(rate: Decimal, carers: int = 1) -> Decimal:
    """A sleep-in is paid per night, whatever its length."""
    return (rate * carers).quantize(PENNY, rounding=ROUND_HALF_UP)


def split(amount: Decimal, nhs_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(council, NHS) shares of a line: the NHS share is rounded, the council takes the rest, so the two
    always add up to the line to the penny."""
    nhs = (amount * nhs_percent / Decimal(100)).quantize(PENNY, rounding=ROUND_HALF_UP)
    return amount - nhs, nhs


HOLD_NO_CHECK_OUT = "No check-out"
HOLD_OUT_OF_RANGE = "Checked in away from the home"
HOLD_UNVERIFIED = "Check-in not verified"
HOLD_SHORT = "Implausibly short"
HOLD_CLOCK = "Phone clock doubtful"


def hold_reasons(
    *,
    terms: PayTerms,
    status: str,
    verification: str,
    planned: int,
    actual: int | None,
    clock_flagged: bool,
) -> list[str]:
    """Why a delivered visit cannot be paid until a manager resolves it (empty: pay it).

    On a commissioned basis only the visit's having happened matters, so location and length are not
    reasons to hold; a visit still without a check-out is held on either basis.
    """
    if status == "in_progress" or (status == "completed" and actual is None):
        return [HOLD_NO_CHECK_OUT]
    if terms.basis == COMMISSIONED:
        return []
    reasons = []
    if verification == "out_of_range":
        reasons.append(HOLD_OUT_OF_RANGE)
    elif verification == "":
        reasons.append(HOLD_UNVERIFIED)
    if actual is not None and actual * 100 < planned * terms.short_visit_percent:
        reasons.append(HOLD_SHORT)
    if clock_flagged:
        reasons.append(HOLD_CLOCK)
    return reasons
