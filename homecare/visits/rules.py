"""Call-monitoring rules with edges, kept free of the database so they can be property-tested.

- When a pattern's visits fall, as aware times in Europe/London across the clock changes.
- How far a phone was from the home, and whether that counts as being there.
- Whether a phone's clock is believable.
- A visit's status, verification and actual times, derived from its events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from homecare.platform.geo import great_circle

LONDON = ZoneInfo("Europe/London")
EARTH_RADIUS_M = 6_371_000

# A phone may queue events offline for days (a basement flat, a weekend with no data), but not weeks,
# and it cannot record something before it happened or in the future.
CLOCK_AHEAD_TOLERANCE = dt.timedelta(minutes=5)
CLOCK_BEHIND_LIMIT = dt.timedelta(days=7)
EARLY_CHECK_IN_LIMIT = dt.timedelta(hours=12)


def local_start(day: dt.date, at: dt.time) -> dt.datetime:
    """The aware London time of `at` on `day`.

    On the spring clock change 01:00–01:59 does not exist: the visit moves on by the hour skipped (01:30
    becomes 02:30 BST). On the autumn change 01:00–01:59 happens twice: the visit is at the first.
    Returned in UTC, because Python adds and subtracts times in one zone by their wall clocks: planned
    start + 30 minutes must be 30 real minutes later even across a clock change.
    """
    naive = dt.datetime.combine(day, at)
    # A time in the spring gap does not survive the round trip through UTC; normalising moves it on.
    return naive.replace(tzinfo=LONDON, fold=0).astimezone(dt.UTC)


def pattern_days(days_mask: int, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Each date from start to end inclusive whose weekday is in the mask (Monday = 1 … Sunday = 64)."""
    day = start
    while day <= end:
        if days_mask & (1 << day.weekday()):
            yield day
        day += dt.timedelta(days=1)


def distance_m(
    lat1: Decimal | float, lon1: Decimal | float, lat2: Decimal | float, lon2: Decimal | float
) -> int:
    """Great-circle distance in whole metres (haversine): ample for "is the phone at the door"."""
    return round(great_circle(lat1, lon1, lat2, lon2, radius=EARTH_RADIUS_M))


def within_radius(distance: int, accuracy: int | None, radius: int) -> bool:
    """At the home when the reported position is within the radius. A poor fix (accuracy worse than the
    radius) never proves presence on its own, however close its centre falls."""
    if accuracy is not None and accuracy > radius:
        return False
    return distance <= radius


def clock_problem(*, occurred_at: dt.datetime, received_at: dt.datetime, planned_start: dt.datetime) -> str:
    """Why a device time is implausible, or "" when it is believable."""
    occurred_at, received_at, planned_start = (
        t.astimezone(dt.UTC) for t in (occurred_at, received_at, planned_start)
    )
    if occurred_at > received_at + CLOCK_AHEAD_TOLERANCE:
        return "Device time is ahead of the server's clock"
    if received_at - occurred_at > CLOCK_BEHIND_LIMIT:
        return "Device time is more than 7 days before the event reached the server"
    if occurred_at < planned_start - EARLY_CHECK_IN_LIMIT:
        return "Device time is more than 12 hours before the planned visit"
    return ""


@dataclass(frozen=True)
class EventFact:
    """The parts of a call event the status depends on."""

    id: int
    kind: str
    occurred_at: dt.datetime
    method: str = ""
    corrects_id: int | None = None
    corrected_start: dt.datetime | None = None
    corrected_end: dt.datetime | None = None


@dataclass(frozen=True)
class Delivery:
    status: str
    verification: str
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    cancel_reason: str = ""


def derive_delivery(
    events: Iterable[EventFact],
    *,
    planned_start: dt.datetime,
    planned_minutes: int,
    late_at: dt.datetime,
    now: dt.datetime,
    cancel_reason: str = "",
) -> Delivery:
    """Status from the evidence, whatever order it arrived in.

    The earliest check-in and the latest check-out count (a phone that sent twice changes nothing); a
    manager's correction overrides the time it states and makes the verification manual; a cancellation
    wins over everything except delivered care. With no check-in the visit is late from `late_at` and
    missed once the whole visit could no longer have happened (its planned end plus the same allowance).
    """
    events = sorted(events, key=lambda e: (e.occurred_at.astimezone(dt.UTC), e.id))
    check_ins = [e for e in events if e.kind == "check_in"]
    check_outs = [e for e in events if e.kind == "check_out"]
    corrections = [e for e in events if e.kind == "correction"]
    cancelled = any(e.kind == "cancel" for e in events)

    start = check_ins[0].occurred_at if check_ins else None
    end = check_outs[-1].occurred_at if check_outs else None
    verification = check_ins[0].method if check_ins else ""
    for c in corrections:  # in time order, so the last correction of a time wins
        if c.corrected_start is not None:
            start, verification = c.corrected_start, "manual"
        if c.corrected_end is not None:
            end = c.corrected_end
    if start is not None and end is not None and end < start:
        end = None  # a check-out before the check-in cannot close the visit; a manager must correct it

    if start is not None:
        status = "completed" if end is not None else "in_progress"
    elif cancelled:
        return Delivery("cancelled", "", None, None, cancel_reason)
    elif now >= late_at + dt.timedelta(minutes=planned_minutes):
        status = "missed"
    elif now >= late_at:
        status = "late"
    else:
        status = "planned"
    return Delivery(status, verification if start is not None else "", start, end, "")
