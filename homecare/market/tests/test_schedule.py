"""When sitreps are due: the London clock across the clock changes, surges, late slots and reminders."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from homecare.market import schedule
from homecare.market.schedule import LONDON, Schedule

UTC = dt.UTC


def weekly(day: int, at: dt.time, since: dt.datetime = schedule.EPOCH, reminder: int = 24) -> Schedule:
    return Schedule(schedule.WEEKLY, (day,), at, reminder, since)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


# --- the default and simple schedules -----------------------------------------------------------------


def test_with_no_schedule_set_sitreps_are_due_weekly_on_wednesday_at_noon():
    moments = schedule.due_moments([], utc(2026, 1, 1), utc(2026, 1, 31))
    assert [local(m).date() for m in moments] == [dt.date(2026, 1, d) for d in (7, 14, 21, 28)]
    assert {local(m).time() for m in moments} == {dt.time(12, 0)}


def test_a_winter_due_time_is_the_same_in_utc_and_a_summer_one_an_hour_earlier():
    monday_nine = [weekly(0, dt.time(9, 0))]
    assert schedule.due_moments(monday_nine, utc(2026, 1, 5), utc(2026, 1, 6)) == [utc(2026, 1, 5, 9)]
    assert schedule.due_moments(monday_nine, utc(2026, 7, 6), utc(2026, 7, 7)) == [utc(2026, 7, 6, 8)]


def test_across_the_spring_clock_change_the_due_time_stays_nine_and_the_week_is_an_hour_shorter():
    moments = schedule.due_moments([weekly(0, dt.time(9, 0))], utc(2026, 3, 23), utc(2026, 4, 1))
    assert moments == [utc(2026, 3, 23, 9), utc(2026, 3, 30, 8)]
    assert [local(m).time() for m in moments] == [dt.time(9, 0)] * 2
    assert moments[1] - moments[0] == dt.timedelta(hours=167)


def test_across_the_autumn_clock_change_the_week_is_an_hour_longer():
    moments = schedule.due_moments([weekly(0, dt.time(9, 0))], utc(2026, 10, 19), utc(2026, 10, 27))
    assert moments == [utc(2026, 10, 19, 8), utc(2026, 10, 26, 9)]
    assert moments[1] - moments[0] == dt.timedelta(hours=169)


def test_a_due_time_in_the_spring_gap_moves_on_by_the_hour_skipped():
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST, so 01:30 never happens.
    moments = schedule.due_moments([weekly(6, dt.time(1, 30))], utc(2026, 3, 28), utc(2026, 3, 30))
    assert moments == [utc(2026, 3, 29, 1, 30)]
    assert local(moments[0]).time() == dt.time(2, 30)


def test_a_due_time_that_happens_twice_in_the_autumn_is_the_first():
    # Sunday 25 October 2026: 01:30 happens in BST, then again in GMT.
    moments = schedule.due_moments([weekly(6, dt.time(1, 30))], utc(2026, 10, 24), utc(2026, 10, 26))
    assert moments == [utc(2026, 10, 25, 0, 30)]


def test_twice_weekly_in_a_surge_gives_two_slots_a_week():
    surge = [Schedule(schedule.TWICE_WEEKLY, (0, 3), dt.time(10, 0))]
    moments = schedule.due_moments(surge, utc(2026, 2, 2), utc(2026, 2, 16))
    assert [local(m).strftime("%a %d") for m in moments] == ["Mon 02", "Thu 05", "Mon 09", "Thu 12"]


def test_a_change_of_schedule_applies_from_when_it_was_set_and_earlier_slots_keep_the_old_one():
    switched = utc(2026, 3, 3, 9)  # Tuesday morning: the surge starts
    schedules = [
        weekly(2, dt.time(12, 0), since=utc(2026, 1, 1)),
        Schedule(schedule.TWICE_WEEKLY, (0, 3), dt.time(10, 0), 12, switched),
    ]
    moments = schedule.due_moments(schedules, utc(2026, 2, 23), utc(2026, 3, 14))
    assert [local(m).strftime("%a %d %H:%M") for m in moments] == [
        "Wed 25 12:00",
        "Thu 05 10:00",
        "Mon 09 10:00",
        "Thu 12 10:00",
    ]
    assert schedule.schedule_at(schedules, utc(2026, 3, 4)).frequency == schedule.TWICE_WEEKLY
    assert schedule.schedule_at(schedules, utc(2026, 2, 4)).frequency == schedule.WEEKLY


def test_before_the_first_schedule_the_default_applies():
    schedules = [weekly(0, dt.time(9, 0), since=utc(2026, 2, 1))]
    moments = schedule.due_moments(schedules, utc(2026, 1, 26), utc(2026, 2, 3))
    assert [local(m).strftime("%a %d") for m in moments] == ["Wed 28", "Mon 02"]


# --- which slot a sitrep is for ------------------------------------------------------------------------

WEDNESDAY_NOON = utc(2026, 1, 14, 12)


def test_at_the_due_moment_the_slot_is_the_one_just_due_and_not_late():
    assert schedule.previous_due([], WEDNESDAY_NOON) == WEDNESDAY_NOON
    assert schedule.next_due([], WEDNESDAY_NOON) == utc(2026, 1, 21, 12)
    assert schedule.slot_for_submission([], WEDNESDAY_NOON, set()) == schedule.Slot(
        WEDNESDAY_NOON, late=False
    )


def test_after_the_due_moment_an_outstanding_slot_is_late_until_the_next_is_due():
    an_hour_late = WEDNESDAY_NOON + dt.timedelta(hours=1)
    assert schedule.slot_for_submission([], an_hour_late, set()) == schedule.Slot(WEDNESDAY_NOON, late=True)
    a_week_on = utc(2026, 1, 21, 12, 1)
    assert schedule.slot_for_submission([], a_week_on, set()).due_at == utc(2026, 1, 21, 12)


def test_once_the_slot_just_due_is_in_the_next_sitrep_is_for_the_next_slot():
    slot = schedule.slot_for_submission([], WEDNESDAY_NOON + dt.timedelta(hours=1), {WEDNESDAY_NOON})
    assert slot == schedule.Slot(utc(2026, 1, 21, 12), late=False)


def test_reminders_go_out_within_the_reminder_period_before_the_due_moment():
    assert not schedule.reminder_window_open(WEDNESDAY_NOON, WEDNESDAY_NOON - dt.timedelta(hours=25), 24)
    assert schedule.reminder_window_open(WEDNESDAY_NOON, WEDNESDAY_NOON - dt.timedelta(hours=24), 24)
    assert not schedule.reminder_window_open(WEDNESDAY_NOON, WEDNESDAY_NOON, 24)


def test_the_reporting_period_is_the_seven_days_before_the_day_of_submission():
    assert schedule.reporting_period(dt.date(2026, 1, 14)) == (dt.date(2026, 1, 7), dt.date(2026, 1, 13))


def test_a_schedule_must_have_one_day_weekly_two_different_days_twice_weekly_and_sensible_reminders():
    ok = {"due_time": dt.time(12), "reminder_hours": 24}
    assert schedule.schedule_errors(frequency="weekly", weekdays=[2], **ok) == {}
    assert schedule.schedule_errors(frequency="twice_weekly", weekdays=[0, 3], **ok) == {}
    assert "weekdays" in schedule.schedule_errors(frequency="weekly", weekdays=[0, 3], **ok)
    assert "weekdays" in schedule.schedule_errors(frequency="twice_weekly", weekdays=[3, 3], **ok)
    assert "weekdays" in schedule.schedule_errors(frequency="twice_weekly", weekdays=[3], **ok)
    assert "weekdays" in schedule.schedule_errors(frequency="weekly", weekdays=[7], **ok)
    assert "frequency" in schedule.schedule_errors(frequency="daily", weekdays=[1], **ok)
    errors = schedule.schedule_errors(frequency="weekly", weekdays=[1], due_time=None, reminder_hours=0)
    assert set(errors) == {"due_time", "reminder_hours"}


# --- properties ---------------------------------------------------------------------------------------

schedules_strategy = st.builds(
    lambda days, hour, minute: Schedule(
        schedule.WEEKLY if len(days) == 1 else schedule.TWICE_WEEKLY,
        tuple(sorted(days)),
        dt.time(hour, minute),
    ),
    st.sets(st.integers(0, 6), min_size=1, max_size=2),
    st.integers(0, 23),
    st.sampled_from([0, 1, 15, 30, 59]),
)


def _spring_gap(day: dt.date, at: dt.time) -> bool:
    naive = dt.datetime.combine(day, at)
    return naive.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != naive


@settings(max_examples=200, deadline=None)
@given(
    s=schedules_strategy, start=st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 1)), weeks=st.integers(1, 8)
)
def test_every_due_moment_is_on_a_due_day_at_the_due_time_on_the_london_clock(s, start, weeks):
    begin = schedule.due_moment(start, dt.time(0, 0))
    end = schedule.due_moment(start + dt.timedelta(weeks=weeks), dt.time(0, 0))
    moments = schedule.due_moments([s], begin, end)
    assert len(moments) == weeks * len(s.weekdays)
    assert moments == sorted(set(moments))
    for moment in moments:
        wall = local(moment)
        assert wall.weekday() in s.weekdays
        if _spring_gap(wall.date(), s.due_time):
            assert (
                wall.time() == (dt.datetime.combine(wall.date(), s.due_time) + dt.timedelta(hours=1)).time()
            )
        else:
            assert wall.time() == s.due_time


@settings(max_examples=200, deadline=None)
@given(
    s=schedules_strategy,
    now=st.integers(0, 5 * 365 * 24 * 3600).map(
        lambda seconds: utc(2024, 1, 1) + dt.timedelta(seconds=seconds)
    ),
)
def test_the_slot_before_and_after_any_moment_have_no_slot_between_them(s, now):
    before, after = schedule.previous_due([s], now), schedule.next_due([s], now)
    assert before is not None and after is not None
    assert before <= now < after
    assert schedule.due_moments([s], before + dt.timedelta(microseconds=1), after) == []
    assert after - before <= dt.timedelta(days=7, hours=1)
