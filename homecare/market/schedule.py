"""When sitreps are due: the commissioner's schedule as aware moments, in Europe/London, across the clock
changes. Kept free of the database so the rules can be property-tested.

- A schedule is weekly (one due day) or, in a surge, twice weekly (two due days), with a due time on the
  London clock. A change of schedule takes effect from the moment it is set; earlier slots keep the
  schedule that was in force when they fell due (so the record of who was late never changes).
- A due time that does not exist on the spring clock change (01:00–01:59) moves on by the hour skipped;
  one that happens twice in the autumn is the first. Moments are returned in UTC, because Python adds
  and subtracts aware times in one zone by their wall clocks.
- A provider submits for the slot most recently due if it has not yet (late), else for the next one.
  Once the next slot falls due, the late one is missed for good.
- The figures the platform pre-fills cover the 7 London days before the day of submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
WEEKLY = "weekly"
TWICE_WEEKLY = "twice_weekly"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Far enough to find the slot before or after any moment under any weekly or twice-weekly schedule.
LOOK_AROUND = dt.timedelta(days=15)
MAX_REMINDER_HOURS = 7 * 24 - 1


@dataclass(frozen=True)
class Schedule:
    frequency: str
    weekdays: tuple[int, ...]  # Monday = 0 … Sunday = 6
    due_time: dt.time  # on the London clock
    reminder_hours: int = 24
    effective_from: dt.datetime = EPOCH

    @property
    def describe(self) -> str:
        days = " and ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        how = "Weekly" if self.frequency == WEEKLY else "Twice weekly (surge)"
        return f"{how}: due {days} at {self.due_time:%H:%M}"


# Until a commissioner sets one: weekly, on Wednesdays at noon, with a reminder the day before.
DEFAULT_SCHEDULE = Schedule(WEEKLY, (2,), dt.time(12, 0), 24, EPOCH)


@dataclass(frozen=True)
class Slot:
    due_at: dt.datetime
    late: bool


def schedule_errors(
    *, frequency: str, weekdays: Sequence[int], due_time: dt.time | None, reminder_hours: int | None
) -> dict[str, str]:
    """What is wrong with a proposed schedule, by field ({} when it is sound)."""
    errors: dict[str, str] = {}
    if frequency not in (WEEKLY, TWICE_WEEKLY):
        errors["frequency"] = "Choose weekly or twice weekly"
    days = list(weekdays)
    if any(d not in range(7) for d in days):
        errors["weekdays"] = "Choose days of the week"
    elif frequency == WEEKLY and len(days) != 1:
        errors["weekdays"] = "Choose one due day for a weekly sitrep"
    elif frequency == TWICE_WEEKLY and (len(days) != 2 or days[0] == days[1]):
        errors["weekdays"] = "Choose two different due days for a twice-weekly sitrep"
    if due_time is None:
        errors["due_time"] = "Enter the time sitreps are due, like 12:00"
    if reminder_hours is None or not 1 <= reminder_hours <= MAX_REMINDER_HOURS:
        errors["reminder_hours"] = f"Enter a number of hours from 1 to {MAX_REMINDER_HOURS}"
    return errors


def due_moment(day: dt.date, at: dt.time) -> dt.datetime:
    """The aware moment (UTC) of `at` on the London clock on `day` (spring gap: on by an hour)."""
    return dt.datetime.combine(day, at).replace(tzinfo=LONDON, fold=0).astimezone(dt.UTC)


def _ordered(schedules: Sequence[Schedule]) -> list[Schedule]:
    ordered = sorted(schedules, key=lambda s: s.effective_from)
    if not ordered or ordered[0].effective_from > EPOCH:
        ordered.insert(0, DEFAULT_SCHEDULE)
    return ordered


def due_moments(schedules: Sequence[Schedule], start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every due moment d with start <= d < end, each under the schedule in force at d, oldest first."""
    ordered = _ordered(schedules)
    found: list[dt.datetime] = []
    for i, schedule in enumerate(ordered):
        seg_start = max(start, schedule.effective_from)
        seg_end = min(end, ordered[i + 1].effective_from) if i + 1 < len(ordered) else end
        if seg_start >= seg_end:
            continue
        day = seg_start.astimezone(LONDON).date() - dt.timedelta(days=1)
        last = seg_end.astimezone(LONDON).date() + dt.timedelta(days=1)
        while day <= last:
            if day.weekday() in schedule.weekdays:
                moment = due_moment(day, schedule.due_time)
                if seg_start <= moment < seg_end:
                    found.append(moment)
            day += dt.timedelta(days=1)
    return sorted(set(found))


def schedule_at(schedules: Sequence[Schedule], moment: dt.datetime) -> Schedule:
    """The schedule in force at a moment."""
    current = _ordered(schedules)[0]
    for schedule in _ordered(schedules):
        if schedule.effective_from <= moment:
            current = schedule
    return current


def previous_due(schedules: Sequence[Schedule], now: dt.datetime) -> dt.datetime | None:
    """The latest due moment at or before `now`."""
    moments = due_moments(schedules, now - LOOK_AROUND, now + dt.timedelta(microseconds=1))
    return moments[-1] if moments else None


def next_due(schedules: Sequence[Schedule], now: dt.datetime) -> dt.datetime | None:
    """The first due moment strictly after `now`."""
    moments = due_moments(schedules, now + dt.timedelta(microseconds=1), now + LOOK_AROUND)
    return moments[0] if moments else None


def slot_for_submission(
    schedules: Sequence[Schedule], now: dt.datetime, submitted: Container[dt.datetime]
) -> Slot:
    """The slot a provider's sitrep made now is for: the one last due if still outstanding (late when
    its moment has passed), otherwise the next one."""
    previous = previous_due(schedules, now)
    if previous is not None and previous not in submitted:
        return Slot(previous, late=previous < now)
    upcoming = next_due(schedules, now)
    if upcoming is None:  # pragma: no cover - every schedule has a due day each week
        raise ValueError("The schedule has no due day")
    return Slot(upcoming, late=False)


def reminder_window_open(due_at: dt.datetime, now: dt.datetime, reminder_hours: int) -> bool:
    """Whether `now` is within the reminder period before a slot falls due."""
    return due_at - dt.timedelta(hours=reminder_hours) <= now < due_at


def reporting_period(submitted_on: dt.date) -> tuple[dt.date, dt.date]:
    """The 7 London days before the day of submission: what "last week" means on a sitrep."""
    return submitted_on - dt.timedelta(days=7), submitted_on - dt.timedelta(days=1)


def london_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LONDON).date()
