"""Budget-of-hours rules with edges, free of the database so they can be property-tested.

Everything is in whole **carer-minutes** (a double-handed hour uses two hours of the budget), so sums are
exact; hours are shown to two decimal places only at the edge.

- A budget week runs Monday to Sunday in Europe/London, by the visit's local day. A week with a clock
  change is 167 or 169 hours long, but the budget is hours of care, not of the clock: it is not scaled.
- A visit's minutes are real elapsed minutes (UTC), so a visit across 01:00 on the last Sunday of March
  uses one hour less of the budget than its wall-clock times suggest.
- Carry-over (the council's rule in force on the week's Monday): *lapse* carries nothing; *roll over*
  carries the week's unused budget, at most `max_minutes` in all into the next week, each hour for at
  most `max_weeks` weeks. Carried hours are used first (oldest first: they expire), then the week's
  budget, then approved excess. Unused approved excess never carries: it was approved for that week.
- Payment: each week pays the delivered (payable) minutes within the week's allowance — budget +
  carried in + approved excess — in date order, so a run paying the second half of a week sees what
  the first half used (`cap_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
LAPSE = "lapse"
ROLL_OVER = "roll_over"
SIXTY = Decimal(60)


@dataclass(frozen=True)
class CarryOver:
    """A council's carry-over rule, as plain values."""

    mode: str = LAPSE
    max_minutes: int = 0
    max_weeks: int = 1


LAPSE_RULE = CarryOver()


@dataclass(frozen=True)
class WeekInput:
    week_start: dt.date
    budget: int  # carer-minutes agreed for the week
    delivered: int  # carer-minutes delivered (call monitoring)
    excess: int = 0  # approved excess carer-minutes for the week
    rule: CarryOver = LAPSE_RULE


@dataclass(frozen=True)
class WeekResult:
    week_start: dt.date
    budget: int
    carried_in: int
    excess: int
    delivered: int
    within: int  # delivered within the allowance (what can be paid)
    over: int  # delivered beyond it (not paid unless excess is approved)
    unused: int  # allowance left at the week's end
    carried_out: int
    lapsed: int  # unused budget and carried hours that did not carry (excess excluded)

    @property
    def allowance(self) -> int:
        return self.budget + self.carried_in + self.excess

    @property
    def utilisation_percent(self) -> Decimal | None:
        """Delivered against the week's own budget (carried hours and excess aside)."""
        if self.budget <= 0:
            return None
        return (Decimal(self.delivered) * 100 / self.budget).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class _Bucket:
    minutes: int
    age: int = 0  # weeks since it was first carried


@dataclass
class _Carry:
    buckets: list[_Bucket] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(b.minutes for b in self.buckets)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's budget week."""
    return day - dt.timedelta(days=day.weekday())


def local_day(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("A visit's time must be timezone-aware")
    return moment.astimezone(LONDON).date()


def elapsed_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Whole real minutes between two aware times (via UTC: same-zone times subtract by wall clock)."""
    return max(0, int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60))


def delivered_by_week(visits: Iterable[tuple[dt.datetime, dt.datetime, int]]) -> dict[dt.date, int]:
    """Carer-minutes per budget week from (check-in, check-out, carers): the week of the local start day."""
    weeks: dict[dt.date, int] = {}
    for start, end, carers in visits:
        week = week_start(local_day(start))
        weeks[week] = weeks.get(week, 0) + elapsed_minutes(start, end) * carers
    return weeks


def hours_to_minutes(hours: Decimal) -> int:
    return int((hours * SIXTY).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / SIXTY).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def week_budget(daily_hours: Sequence[Decimal]) -> int:
    """A week's budget in carer-minutes from the weekly budget in force on each of its seven days (0 where
    the package had not started, had ended or was on hold): a change mid-week counts per day, rounded once."""
    if len(daily_hours) != 7:
        raise ValueError("A week has seven days")
    return hours_to_minutes(sum((Decimal(h) / 7 for h in daily_hours), Decimal(0)))


def _expire(carry: _Carry, rule: CarryOver) -> list[_Bucket]:
    """Age the carried buckets by one week; those past the rule's weeks lapse (returned)."""
    kept, gone = [], []
    for bucket in carry.buckets:
        bucket.age += 1
        (kept if bucket.age < max(1, rule.max_weeks) else gone).append(bucket)
    carry.buckets = kept
    return gone


def budget_weeks(weeks: Sequence[WeekInput]) -> list[WeekResult]:
    """Each week's allowance, use and carry-over, in order. Weeks must be consecutive Mondays.

    Deterministic: the same inputs always give the same weeks (recomputing is idempotent)."""
    results: list[WeekResult] = []
    carry = _Carry()
    previous: dt.date | None = None
    for week in weeks:
        if week.week_start.weekday() != 0:
            raise ValueError("A budget week starts on a Monday")
        if previous is not None and week.week_start != previous + dt.timedelta(days=7):
            raise ValueError("Budget weeks must be consecutive")
        if min(week.budget, week.delivered, week.excess) < 0:
            raise ValueError("Minutes cannot be negative")
        previous = week.week_start
        carried_in = carry.total
        # Use carried hours first, oldest first (they expire soonest), then the budget, then the excess.
        need = week.delivered
        for bucket in carry.buckets:
            take = min(bucket.minutes, need)
            bucket.minutes -= take
            need -= take
        carry.buckets = [b for b in carry.buckets if b.minutes > 0]
        from_budget = min(week.budget, need)
        need -= from_budget
        from_excess = min(week.excess, need)
        need -= from_excess
        over = need
        within = week.delivered - over
        unused_budget = week.budget - from_budget
        unused_carried = carry.total
        lapsed = 0
        if week.rule.mode == ROLL_OVER and week.rule.max_minutes > 0:
            lapsed += sum(b.minutes for b in _expire(carry, week.rule))
            if unused_budget:
                carry.buckets.append(_Bucket(unused_budget))
            # Over the cap: the oldest hours go first (the newest would outlive them anyway).
            excess_carry = carry.total - week.rule.max_minutes
            while excess_carry > 0 and carry.buckets:
                bucket = carry.buckets[0]
                take = min(bucket.minutes, excess_carry)
                bucket.minutes -= take
                excess_carry -= take
                lapsed += take
                if bucket.minutes == 0:
                    carry.buckets.pop(0)
        else:
            lapsed += unused_budget + unused_carried
            carry.buckets = []
        results.append(
            WeekResult(
                week_start=week.week_start,
                budget=week.budget,
                carried_in=carried_in,
                excess=week.excess,
                delivered=week.delivered,
                within=within,
                over=over,
                unused=unused_budget + unused_carried + (week.excess - from_excess),
                carried_out=carry.total,
                lapsed=lapsed,
            )
        )
    return results


@dataclass(frozen=True)
class PayRow:
    """A payable group of a budget package's visits: its day, payable minutes per carer, carers."""

    day: dt.date
    minutes: int
    carers: int = 1


def cap_rows(rows: Sequence[PayRow], allowance: int, used_before: int = 0) -> list[int]:
    """The minutes per carer to pay for each row (same order) within a week's allowance.

    Rows are consumed in date order (ties in the given order); `used_before` is what earlier days of the
    week, paid in an earlier run, already used. A double-handed row is cut to whole minutes per carer.
    """
    remaining = max(0, allowance - used_before)
    paid = [0] * len(rows)
    for i in sorted(range(len(rows)), key=lambda i: (rows[i].day, i)):
        row = rows[i]
        carers = max(1, row.carers)
        pay = min(max(0, row.minutes), remaining // carers)
        paid[i] = pay
        remaining -= pay * carers
    return paid


# --- alerts ---------------------------------------------------------------------------------------


UNDER = "under"
OVER = "over"


def streak(results: Sequence[WeekResult], *, weeks: int, under_percent: int, over_percent: int):
    """(kind, first week of the streak) when the last `weeks` weeks all ran under or all over, else None.
    Weeks with no budget (not started, on hold) break a streak."""
    if weeks < 1 or len(results) < weeks:
        return None
    for kind in (UNDER, OVER):

        def hit(r: WeekResult, kind=kind) -> bool:
            u = r.utilisation_percent
            if u is None:
                return False
            return u < under_percent if kind == UNDER else u > over_percent

        tail = results[-weeks:]
        if all(hit(r) for r in tail):
            first = len(results) - weeks
            while first > 0 and hit(results[first - 1]):
                first -= 1
            return kind, results[first].week_start
    return None


# --- feedback -------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def survey_due_dates(start: dt.date, until: dt.date, *, first_weeks: int, every_months: int) -> list[dt.date]:
    """When feedback is due: `first_weeks` after care starts, then every `every_months` months."""
    due = start + dt.timedelta(weeks=first_weeks)
    dates: list[dt.date] = []
    n = 0
    while due <= until:
        dates.append(due)
        n += 1
        due = add_months(start + dt.timedelta(weeks=first_weeks), every_months * n)
    return dates


def scale_points(mean: Decimal) -> Decimal:
    """A mean answer on the 1–5 scale as points out of 100 (1 → 0, 5 → 100), to one decimal place."""
    return ((mean - 1) * 25).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- equality of allocations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    n: int
    minimum: Decimal
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal
    maximum: Decimal
    mean: Decimal


def _quantile(ordered: Sequence[Decimal], q: Decimal) -> Decimal:
    """Linear interpolation between closest ranks (the 'type 7' quantile spreadsheets use)."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Iterable[Decimal]) -> Spread | None:
    ordered = sorted(Decimal(v) for v in values)
    if not ordered:
        return None
    two = Decimal("0.01")

    def r(x: Decimal) -> Decimal:
        return x.quantize(two, rounding=ROUND_HALF_UP)

    return Spread(
        n=len(ordered),
        minimum=r(ordered[0]),
        lower_quartile=r(_quantile(ordered, Decimal("0.25"))),
        median=r(_quantile(ordered, Decimal("0.5"))),
        upper_quartile=r(_quantile(ordered, Decimal("0.75"))),
        maximum=r(ordered[-1]),
        mean=r(sum(ordered, Decimal(0)) / len(ordered)),
    )


def age_band(date_of_birth: dt.date, on: dt.date) -> str:
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age < 65:
        return "18 to 64"
    if age < 75:
        return "65 to 74"
    if age < 85:
        return "75 to 84"
    return "85 and over"
