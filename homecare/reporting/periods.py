"""Reporting months in the council's calendar (Europe/London).

A month runs from London midnight on the 1st to London midnight on the 1st of the next month, so a
timestamp at 00:30 BST on 1 April (23:30 UTC on 31 March) counts in April, and the spring and autumn
clock changes never move a record between months. Visits carry their London day already (`Visit.date`).

Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"No month {self.month}")

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def containing(cls, moment: dt.datetime) -> Month:
        """The London month a moment falls in (the moment must be aware)."""
        if moment.tzinfo is None:
            raise ValueError("A naive time has no month: say which zone it is in")
        return cls.of(moment.astimezone(LONDON).date())

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-03' → March 2026; ValueError for anything else."""
        year, _, month = text.partition("-")
        if not (year.isdigit() and month.isdigit() and len(year) == 4 and len(month) == 2):
            raise ValueError(f"{text!r} is not a month like 2026-03")
        return cls(int(year), int(month))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        """London midnight at the start of the 1st, as an aware time."""
        return dt.datetime.combine(self.first_day, dt.time(), tzinfo=LONDON)

    @property
    def end(self) -> dt.datetime:
        """The start of the next month (exclusive)."""
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.first_day.strftime("%b %Y")

    def __str__(self) -> str:
        return self.key


def last_months(count: int, *, ending: Month) -> list[Month]:
    """`count` months up to and including `ending`, oldest first."""
    months = [ending]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


@dataclass(frozen=True)
class Quarter:
    """A financial-year quarter (April–June is Q1), the CLD return's period."""

    year: int  # the financial year's starting calendar year: 2026 = 2026-27
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"No quarter {self.number}")

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026-Q1' → April–June 2026."""
        year, _, q = text.partition("-Q")
        if not (year.isdigit() and len(year) == 4 and q in ("1", "2", "3", "4")):
            raise ValueError(f"{text!r} is not a quarter like 2026-Q1")
        return cls(int(year), int(q))

    @property
    def first_day(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        span = f"{self.first_day:%b} to {self.last_day:%b %Y}"
        return f"Q{self.number} {self.year}-{(self.year + 1) % 100:02d} ({span})"
