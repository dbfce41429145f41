"""Complaint timescales, in the council's calendar (England and Wales bank holidays, platform.calendar).

The local KPIs (DOMAIN.md §7 and the council's committee report in seeds/002): a complaint is
*acknowledged, by letter with an action plan, within 3 working days*, and the *first-stage investigation
is completed and the decision letter sent within 28 days*.

- 3 is **working** days: the issue says so, and a letter cannot go out on a bank holiday. Counting starts
  the day after the complaint reaches the stage (received Friday → due Wednesday).
- 28 is **calendar** days: neither DOMAIN.md nor the KPI says "working", while the same report spells out
  "including non-working days" only where it matters to a reader and the 3-day KPI is the one the issue
  qualifies. When day 28 is a weekend or bank holiday the letter is due the next working day, since
  nothing can be sent that day.
- The provider stage uses the same timescales (the framework expects providers to match the council's),
  and so does the council's second stage; the Ombudsman sets its own, so that stage has none.

Pure functions: no database, so the rules are property-tested at their edges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homecare.platform.calendar import add_working_days, is_bank_holiday, is_weekend

ACKNOWLEDGE_WORKING_DAYS = 3
RESPOND_CALENDAR_DAYS = 28
# "Due soon": within this many working days of the due date (the lists' amber band).
DUE_SOON_WORKING_DAYS = 2

STAGES_WITH_TIMESCALES = frozenset({"provider", "council_first", "council_second"})


def is_working_day(day: dt.date) -> bool:
    return not is_weekend(day) and not is_bank_holiday(day)


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before `start`)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def acknowledgement_due(started_on: dt.date) -> dt.date:
    return add_working_days(started_on, ACKNOWLEDGE_WORKING_DAYS)


def response_due(started_on: dt.date) -> dt.date:
    return next_working_day_on_or_after(started_on + dt.timedelta(days=RESPOND_CALENDAR_DAYS))


@dataclass(frozen=True)
class Deadline:
    """Where one deadline stands today: done on time, done late, overdue, due soon or not yet due."""

    due: dt.date | None
    done_on: dt.date | None
    today: dt.date

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def met(self) -> bool | None:
        """True/False once done (within the due date or not); None while still open."""
        if self.due is None or self.done_on is None:
            return None
        return self.done_on <= self.due

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.done_on is None and self.today > self.due

    @property
    def due_soon(self) -> bool:
        if self.due is None or self.done_on is not None or self.today > self.due:
            return False
        return working_days_between(self.today, self.due) <= DUE_SOON_WORKING_DAYS

    @property
    def state(self) -> str:
        if self.due is None:
            return "none"
        if self.done:
            return "met" if self.met else "late"
        if self.overdue:
            return "overdue"
        return "due_soon" if self.due_soon else "open"

    @property
    def days_overdue(self) -> int:
        return working_days_between(self.due, self.today) if self.overdue and self.due else 0
