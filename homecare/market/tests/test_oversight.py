"""The market picture: each provider's OPEL with reasons, the market's, staff availability against the
region, trends by due slot and the overdue list, all derived on read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from homecare.market import oversight, schedule, services
from homecare.market.tests.factories import submit
from homecare.providers.models import Admission

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def slots(framework, northbridge, now):
    """The last three slots to have fallen due, with both providers admitted well before them."""
    Admission.objects.update(decided_at=now - dt.timedelta(weeks=6))
    return oversight.trend_slots(council=northbridge, now=now)[-3:]


def report(slot, **kwargs):
    """A sitrep for `slot`, sent a minute after it fell due."""
    return submit(now=slot + dt.timedelta(minutes=1), **kwargs)


def test_the_market_picture_ranks_providers_by_opel_with_reasons_and_scores_the_market(
    framework, northbridge, acorn, birch, paul, pippa, now
):
    submit(
        council=northbridge, provider=acorn, actor=paul, now=now, absent_sickness=9
    )  # 10 absent, 30 of 40: 75%
    submit(
        council=northbridge, provider=birch, actor=pippa, now=now, absent_leave=2
    )  # 4 absent, 36 of 40: 90%
    picture = oversight.market_picture(council=northbridge, now=now)
    assert [(s.provider, s.score.level) for s in picture.standings] == [(acorn, 3), (birch, 1)]
    assert picture.standings[0].staff_availability == Decimal("75.0")
    assert picture.standings[0].against_benchmark == Decimal("-15.0")
    assert picture.staff_availability == Decimal("82.5")  # 66 of 80
    assert (picture.expected, picture.counted, picture.overdue) == (2, 2, 0)
    assert picture.levels == {3: 1, 1: 1}
    # Half the providers at OPEL 3 or worse reaches the market's OPEL 4 rule; availability 82.5% its OPEL 3.
    assert picture.score.level == 4
    assert [r.text for r in picture.score.reasons][:2] == [
        "Providers at OPEL 3 or 4: 50%, at or above 50% (OPEL 4)",
        "Market staff availability: 82.5%, below 85% (OPEL 3)",
    ]


def test_scores_follow_the_rules_in_force_when_the_page_is_read(
    framework, northbridge, acorn, paul, clara, now
):
    from homecare.market import opel

    submit(council=northbridge, provider=acorn, actor=paul, now=now, absent_sickness=9)
    assert oversight.market_picture(council=northbridge, now=now).standings[0].score.level == 3
    services.opel_rules_update(
        council=northbridge,
        rules=[opel.Rule("staff_availability", 3, Decimal("70"), True)],
        reason="Regional guidance",
        actor=clara,
    )
    standing = oversight.market_picture(council=northbridge, now=now).standings[0]
    assert standing.score.level == 2
    assert standing.score.reasons[0].text == "Staff availability: 75%, below 90% (OPEL 2)"


def test_the_trend_gives_the_market_at_each_slot_from_that_slots_sitreps(
    northbridge, acorn, birch, paul, pippa, slots, now
):
    first, second, third = slots
    report(first, council=northbridge, provider=acorn, actor=paul)  # 37/40
    report(first, council=northbridge, provider=birch, actor=pippa)  # 37/40
    report(second, council=northbridge, provider=acorn, actor=paul, absent_sickness=14)  # 25/40: OPEL 4
    picture = oversight.market_picture(council=northbridge, now=now)
    trend = picture.trend
    assert trend.slots[-3:] == slots
    assert trend.reporting[-3:] == [2, 1, 0]
    assert trend.availability[-3:] == [Decimal("92.5"), Decimal("62.5"), None]
    assert trend.levels[-3:] == [1, 4, None]
    assert trend.labels[-1] == f"{schedule.london_date(third):%-d %b}"


def test_a_provider_with_nothing_for_the_slot_last_due_is_overdue_and_an_old_sitrep_is_not_counted(
    northbridge, acorn, birch, paul, pippa, slots, now
):
    first, second, third = slots
    report(first, council=northbridge, provider=acorn, actor=paul)
    report(third, council=northbridge, provider=birch, actor=pippa)
    picture = oversight.market_picture(council=northbridge, now=now)
    by_provider = {s.provider: s for s in picture.standings}
    assert by_provider[acorn].overdue and not by_provider[birch].overdue
    assert by_provider[birch].counted
    assert by_provider[acorn].counted == (first >= now - oversight.CURRENT_WITHIN)


def test_the_overdue_list_counts_the_recent_slots_each_provider_missed(
    northbridge, acorn, birch, paul, slots, now
):
    first, second, third = slots
    report(first, council=northbridge, provider=acorn, actor=paul)
    report(second, council=northbridge, provider=acorn, actor=paul)
    listing = oversight.overdue_list(council=northbridge, now=now)
    assert listing.due_at == third and listing.expected == 2
    rows = {r.provider: r for r in listing.rows}
    assert set(rows) == {acorn, birch}
    assert rows[acorn].last_sitrep.due_at == second
    assert rows[acorn].missed_recent == rows[acorn].owed_recent - 2
    assert rows[birch].last_sitrep is None and rows[birch].missed_recent == rows[birch].owed_recent
    assert listing.rows[0].provider == birch  # most missed first


def test_a_provider_admitted_after_the_slot_fell_due_is_not_overdue(framework, northbridge, now):
    picture = oversight.market_picture(council=northbridge, now=now)  # admissions were made just now
    assert picture.overdue == 0
    assert oversight.overdue_list(council=northbridge, now=now).rows == []


def test_a_providers_picture_has_its_own_trend_with_gaps_where_it_sent_nothing(
    northbridge, acorn, paul, slots, now
):
    first, second, third = slots
    report(first, council=northbridge, provider=acorn, actor=paul, hours_delivered=Decimal("120"))
    report(
        third,
        council=northbridge,
        provider=acorn,
        actor=paul,
        absent_isolation=9,
        hours_delivered=Decimal(80),
    )
    picture = oversight.provider_picture(council=northbridge, provider=acorn, now=now)
    assert picture.trend.levels[-3:] == [1, None, 3]
    assert picture.trend.hours[-3:] == [Decimal("120.00"), None, Decimal("80.00")]
    assert [s.due_at for s, _ in picture.history] == [third, first]
    assert picture.standing.score.level == 3 and not picture.standing.overdue


def test_what_a_provider_owes_is_the_slot_last_due_until_it_is_in(framework, northbridge, acorn, paul, now):
    owed = oversight.owed(council=northbridge, provider=acorn, now=now)
    assert owed.slot.due_at == schedule.previous_due([], now) and owed.submitted is None
    sent = submit(council=northbridge, provider=acorn, actor=paul, now=now)
    assert sent.due_at == owed.slot.due_at
    after = oversight.owed(council=northbridge, provider=acorn, now=now)
    assert after.slot.due_at == schedule.next_due([], now) and after.submitted is None
