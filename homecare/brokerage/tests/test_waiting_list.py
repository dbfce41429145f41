"""The live waiting list: order, filters, counts per case and the headline figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from homecare.brokerage import selectors, services
from homecare.brokerage.models import BrokerageCase
from homecare.people import services as people_services
from homecare.people.tests.factories import make_person, make_support_plan

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _waiting(*, council, alice, zone, family_name, priority="normal", waited_days=0, discharge=False):
    """A package sent to brokerage whose support plan was completed `waited_days` ago."""
    person = make_person(council=council, actor=alice, zone=zone, family_name=family_name)
    plan = make_support_plan(person=person, actor=alice)
    plan.completed_at = timezone.now() - dt.timedelta(days=waited_days)
    plan.save(update_fields=["completed_at"])
    package = people_services.package_create(
        actor=alice,
        person=person,
        support_plan=plan,
        terms=people_services.PackageTerms(care_model="time_and_task", funding="council"),
        start_date=TOMORROW,
        hospital_discharge=discharge,
    )
    people_services.visit_pattern_add(
        actor=alice,
        version=package.versions.get(),
        details=people_services.VisitDetails(
            days=list(range(7)), preferred_start=dt.time(8, 0), duration_minutes=30, tasks=("washing",)
        ),
    )
    return services.package_send_to_brokerage(actor=alice, package=package, priority=priority)


def test_urgent_first_then_hospital_discharges_then_the_longest_wait(northbridge, alice, bella, zone, market):
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Normalold", waited_days=9)
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Normalnew", waited_days=1)
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Discharge", discharge=True)
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Urgent", priority="urgent")
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="High", priority="high", waited_days=3)

    entries = selectors.waiting_list(user=bella)

    assert [e.person.split()[1] for e in entries] == ["Urgent", "High", "Discharge", "Normalold", "Normalnew"]
    assert [e.days_waiting for e in entries] == [0, 3, 0, 9, 1]
    assert entries[0].priority_label == "Urgent" and entries[2].hospital_discharge
    assert all(e.rounds == 1 and e.accepted == 0 for e in entries)


def test_rounds_so_far_and_acceptances_in_the_open_round_are_counted_per_case(
    northbridge, alice, bella, paul, pippa, zone, market
):
    first = _waiting(council=northbridge, alice=alice, zone=zone, family_name="First")
    second = _waiting(council=northbridge, alice=alice, zone=zone, family_name="Second")
    services.offer_accept(
        actor=paul, offer=first.rounds.get().offers.get(provider=market["acorn"]), earliest_start=TOMORROW
    )
    services.offer_accept(
        actor=pippa, offer=first.rounds.get().offers.get(provider=market["birch"]), earliest_start=TOMORROW
    )
    services.round_expire(offer_round=second.rounds.get(), now=timezone.now() + dt.timedelta(days=2))

    by_name = {e.person.split()[1]: e for e in selectors.waiting_list(user=bella)}

    assert (by_name["First"].rounds, by_name["First"].accepted) == (1, 2)
    # The expired round re-ran widened: two rounds, no acceptance yet in the open one.
    assert second.rounds.count() == 2
    assert (by_name["Second"].rounds, by_name["Second"].accepted) == (2, 0)


def test_filters_narrow_the_list_and_its_headlines(northbridge, alice, bella, zone, market):
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Home", waited_days=2)
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Ward", discharge=True, waited_days=4)
    hard = _waiting(council=northbridge, alice=alice, zone=zone, family_name="Hard", waited_days=10)
    BrokerageCase.objects.filter(pk=hard.pk).update(hard_to_place_at=timezone.now())

    discharges = selectors.waiting_list(user=bella, filters=selectors.WaitingFilters(hospital_discharge=True))
    hard_only = selectors.waiting_list(user=bella, filters=selectors.WaitingFilters(hard_to_place=True))
    elsewhere = selectors.waiting_list(user=bella, filters=selectors.WaitingFilters(zone_id=zone.pk + 1000))

    assert [e.person.split()[1] for e in discharges] == ["Ward"]
    assert [e.person.split()[1] for e in hard_only] == ["Hard"] and hard_only[0].hard_to_place
    assert elsewhere == []
    headlines = selectors.waiting_headlines(user=bella, cases=selectors.waiting_cases(user=bella))
    assert headlines.people_waiting == 3
    assert headlines.average_days == Decimal("5.3")  # (2 + 4 + 10) / 3
    assert headlines.p90_days == 10 and headlines.hard_to_place == 1


def test_placed_within_two_days_counts_awards_in_the_period_against_plan_completion(
    northbridge, alice, bella, paul, zone, market
):
    quick = _waiting(council=northbridge, alice=alice, zone=zone, family_name="Quick", waited_days=1)
    slow = _waiting(council=northbridge, alice=alice, zone=zone, family_name="Slow", waited_days=5)
    for case in (quick, slow):
        offer_round = case.rounds.get()
        offer = services.offer_accept(
            actor=paul, offer=offer_round.offers.get(provider=market["acorn"]), earliest_start=TOMORROW
        )
        services.round_award(actor=bella, offer_round=offer_round, offer=offer)

    headlines = selectors.waiting_headlines(user=bella, cases=selectors.waiting_cases(user=bella))

    assert headlines.people_waiting == 0 and headlines.average_days == Decimal("0.0")
    assert headlines.placed_in_period == 2
    assert headlines.placed_within_two_days_percent == Decimal("50.0")


def test_a_package_withdrawn_while_waiting_leaves_the_list(northbridge, alice, bella, zone, market):
    case = _waiting(council=northbridge, alice=alice, zone=zone, family_name="Withdrawn")
    people_services.package_transition(
        actor=alice, package=case.package, transition="end", reason="Moved away"
    )

    assert selectors.waiting_list(user=bella) == []


def test_nobody_outside_the_council_sees_the_list(northbridge, alice, sam, paul, zone, market):
    _waiting(council=northbridge, alice=alice, zone=zone, family_name="Private")

    assert selectors.waiting_list(user=sam) == []
    assert selectors.waiting_list(user=paul) == []


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=200))
def test_the_90th_percentile_is_a_wait_someone_has_with_at_least_90_percent_at_or_below(waits):
    waits = sorted(waits)
    p90 = selectors.percentile(waits, 0.9)
    assert p90 in waits
    assert sum(w <= p90 for w in waits) >= 0.9 * len(waits)
    # Nearest rank: no smaller wait would do.
    assert sum(w < p90 for w in waits) < 0.9 * len(waits)
