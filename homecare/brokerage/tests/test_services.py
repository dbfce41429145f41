"""Brokerage through its services: rounds reach the right providers, responses and awards follow the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from homecare.brokerage import services
from homecare.brokerage.models import Award, OfferStatus, RoundStatus
from homecare.platform.models import Notification
from homecare.providers.models import Suspension

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _send(package, actor, **kwargs):
    return services.package_send_to_brokerage(actor=actor, package=package, **kwargs)


def _offer(case, provider):
    return case.rounds.get(status=RoundStatus.OPEN).offers.get(provider=provider)


def test_sending_to_brokerage_offers_the_package_to_providers_with_capacity_in_the_zone(
    draft_package, alice, market
):
    case = _send(draft_package, alice)
    offer_round = case.rounds.get()
    assert offer_round.status == RoundStatus.OPEN and offer_round.number == 1
    assert {o.provider for o in offer_round.offers.all()} == {market["acorn"], market["birch"]}
    assert offer_round.deadline - offer_round.opened_at == dt.timedelta(hours=24)
    draft_package.refresh_from_db()
    assert draft_package.status == "awaiting_provider"


def test_a_suspended_provider_gets_no_offer(draft_package, alice, market, northbridge):
    Suspension.objects.create(
        provider=market["birch"],
        council=northbridge,
        reason="Inadequate rating",
        starts_on=timezone.localdate(),
        created_by=alice,
    )
    case = _send(draft_package, alice)
    assert [o.provider for o in case.rounds.get().offers.all()] == [market["acorn"]]


def test_accept_decline_and_query_are_recorded_and_only_by_the_offered_provider(
    draft_package, alice, market, paul, pippa, bella
):
    case = _send(draft_package, alice)
    accepted = services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)
    assert accepted.status == OfferStatus.ACCEPTED and accepted.earliest_start == TOMORROW
    message = services.offer_query(
        actor=pippa, offer=_offer(case, market["birch"]), text="Morning needs 60 minutes"
    )
    assert message.offer.status == OfferStatus.QUERIED
    services.query_reply(actor=bella, offer=message.offer, text="Passed to the practitioner")
    assert [m.text for m in message.offer.messages.all()] == [
        "Morning needs 60 minutes",
        "Passed to the practitioner",
    ]
    with pytest.raises(ValidationError, match="Only the provider"):
        services.offer_decline(actor=pippa, offer=_offer(case, market["acorn"]), reason="no_capacity")


def test_a_query_referred_to_the_practitioner_reaches_them_with_the_providers_words(
    draft_package, alice, market, pippa, bella
):
    case = _send(draft_package, alice)
    message = services.offer_query(
        actor=pippa, offer=_offer(case, market["birch"]), text="Hoist transfer needs two carers, 60 minutes"
    )
    services.query_reply(
        actor=bella, offer=message.offer, text="Asking the practitioner", refer_to_practitioner=True
    )
    note = Notification.objects.get(recipient=alice)
    assert "Hoist transfer needs two carers" in note.text and draft_package.reference in note.text
    assert note.link == reverse("people:package", args=[draft_package.pk])


def test_a_response_after_the_deadline_is_refused(draft_package, alice, market, paul):
    case = _send(draft_package, alice)
    offer_round = case.rounds.get()
    offer_round.deadline = timezone.now() - dt.timedelta(minutes=1)
    offer_round.save()
    with pytest.raises(ValidationError, match="deadline"):
        services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)


def test_declining_for_another_reason_needs_words(draft_package, alice, market, paul):
    case = _send(draft_package, alice)
    with pytest.raises(ValidationError):
        services.offer_decline(actor=paul, offer=_offer(case, market["acorn"]), reason="other", note=" ")
    offer = services.offer_decline(actor=paul, offer=_offer(case, market["acorn"]), reason="no_capacity")
    assert offer.status == OfferStatus.DECLINED


def test_the_award_follows_the_ranking_activates_the_package_and_closes_the_round(
    draft_package, alice, bella, market, paul, pippa
):
    case = _send(draft_package, alice)
    offer_round = case.rounds.get()
    acorn_offer = services.offer_accept(
        actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW
    )
    later = TOMORROW + dt.timedelta(days=3)
    birch_offer = services.offer_accept(
        actor=pippa, offer=_offer(case, market["birch"]), earliest_start=later
    )
    ranked = services.candidates(offer_round)
    assert [c.offer_id for c in ranked] == [acorn_offer.pk, birch_offer.pk]  # earliest start first
    with pytest.raises(ValidationError) as error:
        services.round_award(actor=bella, offer_round=offer_round, offer=birch_offer)
    assert "override_reason" in error.value.message_dict
    award = services.round_award(actor=bella, offer_round=offer_round, offer=acorn_offer)
    assert award.provider == market["acorn"] and award.rate_card is not None
    assert award.ranking[0]["provider"] == "Acorn Homecare"
    draft_package.refresh_from_db()
    assert draft_package.status == "active" and draft_package.provider == market["acorn"]
    offer_round.refresh_from_db()
    case.refresh_from_db()
    assert offer_round.status == RoundStatus.AWARDED and case.closed_at is not None
    birch_offer.refresh_from_db()
    assert birch_offer.status == OfferStatus.NOT_AWARDED


def test_an_override_with_a_reason_is_kept_with_the_award(draft_package, alice, bella, market, paul, pippa):
    case = _send(draft_package, alice)
    services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)
    birch_offer = services.offer_accept(
        actor=pippa, offer=_offer(case, market["birch"]), earliest_start=TOMORROW
    )
    award = services.round_award(
        actor=bella,
        offer_round=case.rounds.get(),
        offer=birch_offer,
        override_reason="Person asked for the carers they know from Birch",
    )
    assert award.override_reason.startswith("Person asked")


def test_a_second_award_and_an_award_to_an_offer_that_was_not_accepted_are_refused(
    draft_package, alice, bella, market, paul
):
    case = _send(draft_package, alice)
    offer_round = case.rounds.get()
    with pytest.raises(ValidationError, match="has not accepted"):
        services.round_award(actor=bella, offer_round=offer_round, offer=_offer(case, market["birch"]))
    acorn_offer = services.offer_accept(
        actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW
    )
    services.round_award(actor=bella, offer_round=offer_round, offer=acorn_offer)
    with pytest.raises(ValidationError, match="already been awarded"):
        services.round_award(actor=bella, offer_round=offer_round, offer=acorn_offer)
    assert Award.objects.count() == 1


def test_an_award_to_a_provider_suspended_since_it_accepted_is_refused(
    draft_package, alice, bella, market, paul, northbridge
):
    case = _send(draft_package, alice)
    acorn_offer = services.offer_accept(
        actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW
    )
    Suspension.objects.create(
        provider=market["acorn"],
        council=northbridge,
        reason="Safeguarding concerns",
        starts_on=timezone.localdate(),
        created_by=alice,
    )
    with pytest.raises(ValidationError, match="suspended"):
        services.round_award(actor=bella, offer_round=case.rounds.get(), offer=acorn_offer)
    assert not Award.objects.exists()


def test_an_unfilled_round_re_runs_widened_and_the_third_makes_the_case_hard_to_place(
    draft_package, alice, market
):
    case = _send(draft_package, alice)
    for expected_round in (2, 3, 4):
        current = case.rounds.get(status=RoundStatus.OPEN)
        later = current.deadline + dt.timedelta(minutes=1)
        services.round_expire(offer_round=current, now=later)
        new = case.rounds.get(status=RoundStatus.OPEN)
        assert new.number == expected_round and new.widened
        # Widened rounds reach Cedar, which declared no capacity in Riverside.
        assert market["cedar"] in {o.provider for o in new.offers.all()}
        case.refresh_from_db()
        assert (case.hard_to_place_at is not None) == (expected_round == 4)
    assert case.rounds.filter(status=RoundStatus.EXPIRED).count() == 3


def test_a_round_with_an_acceptance_waits_for_the_broker_even_after_the_deadline(
    draft_package, alice, market, paul
):
    case = _send(draft_package, alice)
    services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)
    offer_round = case.rounds.get()
    services.round_expire(offer_round=offer_round, now=offer_round.deadline + dt.timedelta(hours=1))
    offer_round.refresh_from_db()
    assert offer_round.status == RoundStatus.OPEN


def test_a_self_funder_can_be_brokered(alice, northbridge, zone, market):
    from homecare.people import services as people_services
    from homecare.people.tests.factories import make_person, make_support_plan

    person = make_person(council=northbridge, actor=alice, zone=zone, self_funder=True)
    plan = make_support_plan(person=person, actor=alice)
    package = people_services.package_create(
        actor=alice,
        person=person,
        support_plan=plan,
        terms=people_services.PackageTerms(
            care_model="budget_of_hours", funding="self_funder", weekly_budget_hours=7
        ),
        start_date=TOMORROW,
    )
    case = _send(package, alice)
    assert case.rounds.get().offers.count() == 2


def test_escalation_needs_an_action_and_details(draft_package, alice, bella, market):
    case = _send(draft_package, alice)
    with pytest.raises(ValidationError):
        services.case_escalate(actor=bella, case=case, action="reablement", note="")
    case = services.case_escalate(
        actor=bella,
        case=case,
        action="reablement",
        note="Reablement team from Monday",
        interim_arrangement="Reablement",
    )
    assert case.escalation_action == "reablement" and case.interim_arrangement == "Reablement"
