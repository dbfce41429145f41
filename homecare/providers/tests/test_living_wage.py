"""The living-wage floor: pay periods and the floor in force (property-tested at their edges), floors and
attestations as append-only evidence, and shortfall and missing-attestation flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from homecare.platform.append_only import AppendOnlyError
from homecare.providers import living_wage, rules
from homecare.providers import selectors_subcontracting as sub_selectors
from homecare.providers.tests.subcontracting_factories import appoint_lead, approved_subcontractor

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
pennies = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)


# --- rules ------------------------------------------------------------------------------------------


@given(days)
def test_every_day_is_in_exactly_one_pay_period(day):
    start = rules.pay_period_start(day)
    assert start <= day <= rules.pay_period_end(start)
    assert start.day == 1 and start.month in (1, 4, 7, 10)
    assert rules.pay_period_start(start - dt.timedelta(days=1)) != start  # the day before is another period
    assert rules.pay_period_end(start) + dt.timedelta(days=1) == rules.next_pay_period(start)


@given(days, days)
def test_pay_periods_cover_a_span_without_gaps(a, b):
    first, last = min(a, b), max(a, b)
    periods = rules.pay_periods(first, last)
    assert periods[0] == rules.pay_period_start(first) and periods[-1] == rules.pay_period_start(last)
    assert all(rules.next_pay_period(x) == y for x, y in zip(periods, periods[1:], strict=False))


floor_rows = st.lists(st.tuples(days, pennies), min_size=0, max_size=6)


@given(floor_rows, days)
def test_the_floor_on_a_day_is_the_latest_entered_of_the_latest_date_on_or_before_it(rows, day):
    floors = [(effective, i, amount) for i, (effective, amount) in enumerate(rows)]
    in_force = [f for f in floors if f[0] <= day]
    got = rules.floor_on(floors, day)
    if not in_force:
        assert got is None
        return
    latest_date = max(f[0] for f in in_force)
    assert got == [f for f in in_force if f[0] == latest_date][-1][2]


@given(floor_rows, days)
def test_a_floor_taking_effect_mid_period_applies_from_the_next_period(rows, day):
    floors = [(effective, i, amount) for i, (effective, amount) in enumerate(rows)]
    start = rules.pay_period_start(day)
    assert rules.floor_for_period(floors, start) == rules.floor_on(floors, start)
    later = [(effective, i, amount) for effective, i, amount in floors if effective > start]
    without_later = [f for f in floors if f not in later]
    # Floors dated after the period's first day make no difference to that period.
    assert rules.floor_for_period(floors, start) == rules.floor_for_period(without_later, start)


@given(pennies, pennies)
def test_a_shortfall_is_exactly_the_gap_below_the_floor(lowest, floor):
    gap = rules.pay_shortfall(lowest, floor)
    if lowest >= floor:
        assert gap is None
    else:
        assert gap == floor - lowest and gap > 0


@given(st.sampled_from([dt.date(2026, 4, 1), dt.date(2026, 1, 1)]), pennies, pennies)
def test_a_period_verdict(period_start, lowest, floor):
    after = rules.pay_period_end(period_start) + dt.timedelta(days=1)
    status, gap = sub_selectors.check_period(
        period_start=period_start, floor=floor, lowest=lowest, today=after
    )
    assert status == ("met" if lowest >= floor else "shortfall") and (gap is None) == (lowest >= floor)
    assert sub_selectors.check_period(period_start=period_start, floor=floor, lowest=None, today=after)[
        0
    ] == ("missing")
    during = rules.pay_period_end(period_start)
    assert (
        sub_selectors.check_period(period_start=period_start, floor=floor, lowest=None, today=during)[0]
        == "due"
    )
    assert sub_selectors.check_period(period_start=period_start, floor=None, lowest=None, today=after)[0] == (
        "no_floor"
    )


# --- services and flags -----------------------------------------------------------------------------


def _quarters_ago(n: int) -> dt.date:
    start = rules.pay_period_start(timezone.localdate())
    for _ in range(n):
        start = rules.pay_period_start(start - dt.timedelta(days=1))
    return start


@pytest.fixture
def floor(clara):
    return living_wage.wage_floor_set(
        actor=clara,
        council=clara.organisation,
        name="Real Living Wage 2025/26",
        hourly_amount=Decimal("12.60"),
        effective_from=dt.date(2025, 4, 1),
    )


@pytest.fixture
def cedar(clara, paul, acorn, framework, urban_lot, zone):
    appointment = appoint_lead(commissioner=clara, lead=acorn, lot=urban_lot, zone=zone)
    return approved_subcontractor(manager=paul, commissioner=clara, appointment=appointment).subcontractor


def test_the_council_sets_floors_and_keeps_every_one(clara, floor):
    later = living_wage.wage_floor_set(
        actor=clara,
        council=clara.organisation,
        name="Real Living Wage 2026/27",
        hourly_amount=Decimal("13.45"),
        effective_from=dt.date(2026, 4, 1),
    )
    council = clara.organisation
    assert sub_selectors.current_floor(council=council, on=dt.date(2026, 3, 31)) == floor
    assert sub_selectors.current_floor(council=council, on=dt.date(2026, 4, 1)) == later
    with pytest.raises(AppendOnlyError):
        later.save()
    with pytest.raises(ValidationError, match="correcting"):
        living_wage.wage_floor_set(
            actor=clara,
            council=council,
            name="RLW",
            hourly_amount=Decimal("13.50"),
            effective_from=later.effective_from,
        )
    corrected = living_wage.wage_floor_set(
        actor=clara,
        council=council,
        name="Real Living Wage 2026/27",
        hourly_amount=Decimal("13.50"),
        effective_from=later.effective_from,
        reason="Typo",
    )
    assert sub_selectors.current_floor(council=council, on=dt.date(2026, 5, 1)) == corrected
    assert sub_selectors.floors_for_council(council=council).count() == 3


def test_a_floor_needs_pounds_and_pence_and_a_commissioner(clara, paul):
    with pytest.raises(ValidationError) as excinfo:
        living_wage.wage_floor_set(
            actor=clara,
            council=clara.organisation,
            name="",
            hourly_amount=Decimal("12.345"),
            effective_from=dt.date(2026, 4, 1),
        )
    assert {"name", "hourly_amount"} <= set(excinfo.value.message_dict)
    with pytest.raises(PermissionDenied):
        living_wage.wage_floor_set(
            actor=paul,
            council=clara.organisation,
            name="x",
            hourly_amount=Decimal("12"),
            effective_from=dt.date(2026, 4, 1),
        )


def test_a_correction_is_a_new_attestation_naming_the_first_and_why(
    paul, acorn, northbridge, framework, floor
):
    period = _quarters_ago(1)
    first = living_wage.lowest_pay_attest(
        actor=paul,
        organisation=acorn,
        council=northbridge,
        period_start=period,
        lowest_hourly_pay=Decimal("12.00"),
    )
    with pytest.raises(ValidationError, match="correcting"):
        living_wage.lowest_pay_attest(
            actor=paul,
            organisation=acorn,
            council=northbridge,
            period_start=period,
            lowest_hourly_pay=Decimal("13"),
        )
    second = living_wage.lowest_pay_attest(
        actor=paul,
        organisation=acorn,
        council=northbridge,
        period_start=period,
        lowest_hourly_pay=Decimal("12.80"),
        reason="Payroll rerun",
    )
    assert second.corrects == first and first.lowest_hourly_pay == Decimal("12.00")
    with pytest.raises(AppendOnlyError):
        first.delete()


def test_attestations_are_for_a_started_period_of_a_council_the_organisation_works_for(
    paul, acorn, northbridge, southwold, framework, pippa, birch
):
    next_period = rules.next_pay_period(rules.pay_period_start(timezone.localdate()))
    with pytest.raises(ValidationError) as excinfo:
        living_wage.lowest_pay_attest(
            actor=paul,
            organisation=acorn,
            council=southwold,
            period_start=next_period,
            lowest_hourly_pay=Decimal("13"),
        )
    assert {"council", "period_start"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError, match="pay period"):
        living_wage.lowest_pay_attest(
            actor=paul,
            organisation=acorn,
            council=northbridge,
            period_start=dt.date(2026, 2, 1),
            lowest_hourly_pay=Decimal("13"),
        )
    with pytest.raises(PermissionDenied):
        living_wage.lowest_pay_attest(
            actor=pippa,
            organisation=acorn,
            council=northbridge,
            period_start=_quarters_ago(1),
            lowest_hourly_pay=Decimal("13"),
        )


def test_shortfalls_and_missing_attestations_are_flagged_for_providers_and_subcontractors(
    paul, clara, acorn, birch, northbridge, floor, cedar
):
    last, before = _quarters_ago(1), _quarters_ago(2)
    living_wage.lowest_pay_attest(
        actor=paul,
        organisation=acorn,
        council=northbridge,
        period_start=last,
        lowest_hourly_pay=Decimal("12.60"),
    )
    from homecare.accounts.models import Role
    from homecare.accounts.tests.factories import make_user

    cedar_manager = make_user(organisation=cedar, role=Role.PROVIDER_MANAGER)
    living_wage.lowest_pay_attest(
        actor=cedar_manager,
        organisation=cedar,
        council=northbridge,
        period_start=last,
        lowest_hourly_pay=Decimal("11.90"),
    )
    rows = {
        r.organisation: r for r in sub_selectors.wage_checks(council=northbridge, today=timezone.localdate())
    }
    assert set(rows) == {acorn, birch, cedar}
    assert rows[cedar].relation == "Subcontractor to Acorn Homecare"
    by_period = {o: {p.period_start: p for p in r.periods} for o, r in rows.items()}
    assert by_period[acorn][last].status == "met"
    assert (by_period[cedar][last].status, by_period[cedar][last].shortfall) == ("shortfall", Decimal("0.70"))
    assert by_period[birch][last].status == "missing" and by_period[acorn][before].status == "missing"
    assert by_period[acorn][rules.pay_period_start(timezone.localdate())].status == "due"
    assert all(p.floor == Decimal("12.60") for p in rows[acorn].periods)
