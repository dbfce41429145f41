"""Budget-of-hours arithmetic (outcomes/rules.py) at its edges: carry-over, the weekly cap, clock changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.outcomes import rules
from homecare.outcomes.rules import LONDON, CarryOver, PayRow, WeekInput

# A shared, loaded test machine must not fail a property for being slow to generate examples.
TOLERANT = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
MONDAY = dt.date(2026, 1, 5)
# The Mondays of the weeks with the 2026 clock changes (29 March, 25 October are Sundays).
SPRING_WEEK = dt.date(2026, 3, 23)
AUTUMN_WEEK = dt.date(2026, 10, 19)

minutes = st.integers(0, 60 * 40)
carry_rules = st.one_of(
    st.just(rules.LAPSE_RULE),
    st.builds(CarryOver, st.just(rules.ROLL_OVER), st.integers(0, 60 * 20), st.integers(1, 6)),
)


@st.composite
def week_inputs(draw, start=MONDAY, max_weeks=12):
    n = draw(st.integers(1, max_weeks))
    same_rule = draw(st.booleans())
    rule = draw(carry_rules)
    return [
        WeekInput(
            week_start=start + dt.timedelta(weeks=i),
            budget=draw(minutes),
            delivered=draw(minutes),
            excess=draw(st.sampled_from([0, 0, 0, 60, 120, 300])),
            rule=rule if same_rule else draw(carry_rules),
        )
        for i in range(n)
    ]


@TOLERANT
@given(week_inputs())
def test_what_can_be_paid_never_exceeds_budget_plus_carried_plus_approved_excess(weeks):
    results = rules.budget_weeks(weeks)
    for r in results:
        assert 0 <= r.within <= r.budget + r.carried_in + r.excess
        assert r.within + r.over == r.delivered
        assert r.over == max(0, r.delivered - r.allowance)
    # Over the whole run nothing is paid that was never budgeted: carried hours come from earlier budgets.
    assert sum(r.within for r in results) <= sum(w.budget + w.excess for w in weeks)


@TOLERANT
@given(week_inputs())
def test_carried_and_lapsed_hours_account_for_every_unused_budgeted_minute(weeks):
    for r in rules.budget_weeks(weeks):
        used_of_budget_and_carry = min(r.delivered, r.budget + r.carried_in)
        assert r.carried_out + r.lapsed == r.budget + r.carried_in - used_of_budget_and_carry
        assert r.carried_out >= 0 and r.lapsed >= 0


@TOLERANT
@given(week_inputs())
def test_each_week_carries_in_what_the_week_before_carried_out(weeks):
    results = rules.budget_weeks(weeks)
    assert results[0].carried_in == 0
    for before, after in zip(results, results[1:], strict=False):
        assert after.carried_in == before.carried_out


@TOLERANT
@given(week_inputs())
def test_a_lapse_rule_never_carries_anything(weeks):
    lapsing = [WeekInput(w.week_start, w.budget, w.delivered, w.excess, rules.LAPSE_RULE) for w in weeks]
    for r in rules.budget_weeks(lapsing):
        assert r.carried_in == 0 and r.carried_out == 0


@TOLERANT
@given(week_inputs())
def test_the_roll_over_cap_is_respected(weeks):
    for given_week, r in zip(weeks, rules.budget_weeks(weeks), strict=True):
        cap = given_week.rule.max_minutes if given_week.rule.mode == rules.ROLL_OVER else 0
        assert r.carried_out <= cap


@TOLERANT
@given(week_inputs())
def test_recomputing_gives_the_same_weeks(weeks):
    assert rules.budget_weeks(weeks) == rules.budget_weeks(list(weeks))


@TOLERANT
@given(st.integers(1, 6), st.integers(60, 600))
def test_an_unused_hour_is_carried_for_at_most_the_rules_weeks(max_weeks, budget):
    rule = CarryOver(rules.ROLL_OVER, max_minutes=10_000, max_weeks=max_weeks)
    # One week's budget unused, then weeks with no budget and nothing delivered.
    weeks = [WeekInput(MONDAY, budget, 0, rule=rule)] + [
        WeekInput(MONDAY + dt.timedelta(weeks=i), 0, 0, rule=rule) for i in range(1, 10)
    ]
    carried = [r.carried_in for r in rules.budget_weeks(weeks)]
    assert carried[1 : max_weeks + 1] == [budget] * max_weeks
    assert all(c == 0 for c in carried[max_weeks + 1 :])


def test_carried_hours_are_used_before_the_weeks_own_budget():
    rule = CarryOver(rules.ROLL_OVER, max_minutes=120, max_weeks=1)
    first, second = rules.budget_weeks(
        [
            WeekInput(MONDAY, 600, 480, rule=rule),
            WeekInput(MONDAY + dt.timedelta(weeks=1), 600, 660, rule=rule),
        ]
    )
    assert (first.carried_out, first.lapsed) == (120, 0)
    # 660 delivered: 120 carried first, then 540 of the 600 budget; 60 of the budget rolls on.
    assert (second.carried_in, second.within, second.over, second.carried_out) == (120, 660, 0, 60)


def test_unused_approved_excess_never_carries():
    rule = CarryOver(rules.ROLL_OVER, max_minutes=600, max_weeks=2)
    (week,) = rules.budget_weeks([WeekInput(MONDAY, 300, 300, excess=120, rule=rule)])
    assert week.carried_out == 0 and week.unused == 120 and week.lapsed == 0


def test_weeks_must_be_consecutive_mondays():
    with pytest.raises(ValueError, match="Monday"):
        rules.budget_weeks([WeekInput(MONDAY + dt.timedelta(days=1), 60, 0)])
    with pytest.raises(ValueError, match="consecutive"):
        rules.budget_weeks([WeekInput(MONDAY, 60, 0), WeekInput(MONDAY + dt.timedelta(weeks=2), 60, 0)])


# --- the weekly cap on payment ---------------------------------------------------------------------


pay_rows = st.lists(
    st.builds(
        PayRow,
        st.dates(MONDAY, MONDAY + dt.timedelta(days=6)),
        st.integers(0, 240),
        st.sampled_from([1, 1, 2]),
    ),
    max_size=20,
)


@TOLERANT
@given(pay_rows, st.integers(0, 3000), st.integers(0, 3000))
def test_the_cap_pays_at_most_the_allowance_left_and_never_more_than_delivered(rows, allowance, used):
    paid = rules.cap_rows(rows, allowance, used)
    assert len(paid) == len(rows)
    assert sum(p * r.carers for p, r in zip(paid, rows, strict=True)) <= max(0, allowance - used)
    assert all(0 <= p <= r.minutes for p, r in zip(paid, rows, strict=True))


@TOLERANT
@given(pay_rows, st.integers(0, 3000))
def test_within_the_allowance_everything_delivered_is_paid(rows, extra):
    allowance = sum(r.minutes * r.carers for r in rows) + extra
    assert rules.cap_rows(rows, allowance) == [r.minutes for r in rows]


@TOLERANT
@given(pay_rows, st.integers(0, 3000), st.integers(0, 12))
def test_splitting_a_week_between_two_runs_pays_what_one_run_would(rows, allowance, cut_day):
    """A run paying the week's second half, told what the first half used, pays the same in all."""
    cut = MONDAY + dt.timedelta(days=cut_day % 7)
    whole = rules.cap_rows(rows, allowance)
    first = [r for r in rows if r.day < cut]
    second = [r for r in rows if r.day >= cut]
    paid_first = rules.cap_rows(first, allowance)
    used = sum(p * r.carers for p, r in zip(paid_first, first, strict=True))
    paid_second = rules.cap_rows(second, allowance, used)
    total_split = used + sum(p * r.carers for p, r in zip(paid_second, second, strict=True))
    assert total_split == sum(p * r.carers for p, r in zip(whole, rows, strict=True))


def test_a_double_handed_visit_is_cut_to_whole_minutes_per_carer():
    assert rules.cap_rows([PayRow(MONDAY, 60, 2)], allowance=91) == [45]


# --- weeks, clocks and budgets -------------------------------------------------------------------


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=LONDON)


def test_a_night_visit_across_the_spring_clock_change_uses_an_hour_less_than_the_wall_clock_says():
    sunday = dt.date(2026, 3, 29)
    weeks = rules.delivered_by_week([(_local(sunday, 0, 30), _local(sunday, 3, 30), 1)])
    assert weeks == {SPRING_WEEK: 120}


def test_a_night_visit_across_the_autumn_clock_change_uses_an_hour_more():
    sunday = dt.date(2026, 10, 25)
    start = _local(sunday, 0, 30)
    end = dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)  # 02:30 GMT, after the clocks went back
    assert rules.delivered_by_week([(start, end, 2)]) == {AUTUMN_WEEK: 2 * 180}


@TOLERANT
@given(
    st.lists(
        st.tuples(
            st.datetimes(
                dt.datetime(2026, 3, 20),  # noqa: DTZ001 - hypothesis bounds are naive
                dt.datetime(2026, 11, 2),  # noqa: DTZ001
                timezones=st.just(LONDON),
            ),
            st.integers(15, 600),
            st.sampled_from([1, 2]),
        ),
        max_size=30,
    )
)
def test_visits_fall_in_the_week_of_their_london_day_and_count_real_minutes(visits):
    spans = [(start, start + dt.timedelta(minutes=m), c) for start, m, c in visits]
    weeks = rules.delivered_by_week(spans)
    assert all(week.weekday() == 0 for week in weeks)
    # Python adds a timedelta to an aware time by the wall clock; real elapsed minutes differ by an hour
    # at most across a change, so compare with UTC arithmetic, the rule's own definition.
    expected = sum(rules.elapsed_minutes(s, e) * c for s, e, c in spans)
    assert sum(weeks.values()) == expected
    for s, _e, _c in spans:
        assert rules.week_start(s.astimezone(LONDON).date()) in weeks


def test_the_weekly_budget_is_hours_of_care_not_of_the_clock():
    """The clock-change weeks are 167 and 169 hours long; a 10-hour budget is 600 minutes in each."""
    assert rules.week_budget([Decimal(10)] * 7) == 600
    assert (
        rules.budget_weeks([WeekInput(SPRING_WEEK, rules.week_budget([Decimal(10)] * 7), 600)])[0].over == 0
    )


def test_a_budget_change_mid_week_counts_per_day():
    # 14 hours a week until Wednesday, then 7: 2 days × 2 h + 5 days × 1 h = 9 hours.
    assert rules.week_budget([Decimal(14)] * 2 + [Decimal(7)] * 5) == 540


@TOLERANT
@given(st.lists(st.decimals(0, 168, places=2), min_size=7, max_size=7))
def test_a_week_budget_is_at_most_the_largest_daily_rate(daily):
    assert 0 <= rules.week_budget(daily) <= rules.hours_to_minutes(max(daily))


# --- alerts, surveys, spreads --------------------------------------------------------------------


def _results(utilisations: list[int | None]):
    weeks = [
        WeekInput(MONDAY + dt.timedelta(weeks=i), 0 if u is None else 600, 0 if u is None else 6 * u)
        for i, u in enumerate(utilisations)
    ]
    return rules.budget_weeks(weeks)


def test_three_weeks_under_eighty_percent_is_a_streak_from_its_first_week():
    found = rules.streak(_results([100, 70, 60, 79]), weeks=3, under_percent=80, over_percent=110)
    assert found == (rules.UNDER, MONDAY + dt.timedelta(weeks=1))
    assert rules.streak(_results([70, 80, 60, 70]), weeks=3, under_percent=80, over_percent=110) is None
    over = rules.streak(_results([120, 111, 130]), weeks=3, under_percent=80, over_percent=110)
    assert over == (rules.OVER, MONDAY)


def test_a_week_with_no_budget_breaks_a_streak():
    assert rules.streak(_results([50, None, 50, 50]), weeks=3, under_percent=80, over_percent=110) is None


def test_feedback_is_due_after_six_weeks_then_every_six_months():
    start = dt.date(2026, 1, 31)
    dates = rules.survey_due_dates(start, dt.date(2027, 6, 1), first_weeks=6, every_months=6)
    assert dates == [dt.date(2026, 3, 14), dt.date(2026, 9, 14), dt.date(2027, 3, 14)]
    assert rules.survey_due_dates(start, dt.date(2026, 3, 13), first_weeks=6, every_months=6) == []


@TOLERANT
@given(st.lists(st.decimals(0, 80, places=2), min_size=1, max_size=40))
def test_a_spread_is_ordered_from_minimum_to_maximum(values):
    s = rules.spread(values)
    assert s.n == len(values)
    assert s.minimum <= s.lower_quartile <= s.median <= s.upper_quartile <= s.maximum
    assert s.minimum <= s.mean <= s.maximum


def test_a_spread_of_known_values():
    s = rules.spread([Decimal(v) for v in (2, 4, 4, 5, 7, 9)])
    assert (s.minimum, s.lower_quartile, s.median, s.upper_quartile, s.maximum) == (
        Decimal("2.00"),
        Decimal("4.00"),
        Decimal("4.50"),
        Decimal("6.50"),
        Decimal("9.00"),
    )
    assert rules.spread([]) is None


def test_age_bands_by_birthday():
    on = dt.date(2026, 6, 1)
    assert rules.age_band(dt.date(1961, 6, 2), on) == "18 to 64"
    assert rules.age_band(dt.date(1961, 6, 1), on) == "65 to 74"
    assert rules.age_band(dt.date(1941, 6, 1), on) == "85 and over"
