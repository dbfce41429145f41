"""Complaint timescales in working days, with England and Wales bank holidays (quality/timescales.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecare.quality import timescales
from homecare.quality.timescales import Deadline

days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@pytest.mark.parametrize(
    "received, due",
    [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 5)),  # Monday → Thursday
        (dt.date(2026, 3, 6), dt.date(2026, 3, 11)),  # Friday → Wednesday, over the weekend
        (dt.date(2026, 3, 7), dt.date(2026, 3, 11)),  # Saturday counts from Monday
        (dt.date(2025, 12, 23), dt.date(2025, 12, 30)),  # Christmas Day and Boxing Day do not count
        (dt.date(2026, 4, 1), dt.date(2026, 4, 8)),  # Good Friday and Easter Monday do not count
        (dt.date(2026, 8, 28), dt.date(2026, 9, 3)),  # England's summer bank holiday (31 Aug) does not count
    ],
)
def test_acknowledgement_is_due_three_working_days_after_receipt(received, due):
    assert timescales.acknowledgement_due(received) == due


@pytest.mark.parametrize(
    "received, due",
    [
        (dt.date(2025, 12, 19), dt.date(2026, 1, 16)),  # 28 calendar days, a Friday
        (dt.date(2025, 11, 29), dt.date(2025, 12, 29)),  # day 28 is Saturday 27 Dec: next working day
        (dt.date(2026, 3, 6), dt.date(2026, 4, 7)),  # day 28 is Good Friday: Tuesday after Easter Monday
    ],
)
def test_the_decision_is_due_28_calendar_days_after_receipt_or_the_next_working_day(received, due):
    assert timescales.response_due(received) == due


@given(days)
def test_acknowledgement_is_exactly_three_working_days_later_and_on_a_working_day(received):
    due = timescales.acknowledgement_due(received)
    assert due > received
    assert timescales.is_working_day(due)
    assert timescales.working_days_between(received, due) == 3


@given(days)
def test_the_decision_is_due_on_a_working_day_at_most_four_days_after_day_28(received):
    due = timescales.response_due(received)
    day_28 = received + dt.timedelta(days=28)
    assert timescales.is_working_day(due)
    assert day_28 <= due <= day_28 + dt.timedelta(days=4)
    assert all(
        not timescales.is_working_day(day_28 + dt.timedelta(days=n)) for n in range((due - day_28).days)
    )


@given(days, days, days)
def test_working_days_between_adds_up_and_reverses(a, b, c):
    between = timescales.working_days_between
    assert between(a, b) == -between(b, a)
    assert between(a, b) + between(b, c) == between(a, c)


@given(days, st.integers(0, 60), st.one_of(st.none(), st.integers(-5, 60)))
def test_a_deadline_is_exactly_one_of_open_due_soon_overdue_met_or_late(due, offset, done_offset):
    today = due + dt.timedelta(days=offset - 30)
    done_on = None if done_offset is None else due + dt.timedelta(days=done_offset - 30)
    deadline = Deadline(due=due, done_on=done_on, today=today)
    assert deadline.state in ("open", "due_soon", "overdue", "met", "late")
    assert deadline.overdue == (done_on is None and today > due)
    assert not (deadline.overdue and deadline.due_soon)
    if done_on is not None:
        assert deadline.met == (done_on <= due)


def test_due_soon_is_the_last_two_working_days():
    due = dt.date(2026, 3, 11)  # Wednesday
    assert Deadline(due, None, dt.date(2026, 3, 9)).state == "due_soon"  # Monday: two working days left
    assert Deadline(due, None, dt.date(2026, 3, 6)).state == "open"  # Friday before: three
    assert Deadline(due, None, dt.date(2026, 3, 12)).state == "overdue"
    assert Deadline(due, None, dt.date(2026, 3, 16)).days_overdue == 3  # Thu, Fri, Mon
