"""Provider quality: QA visits (findings, actions, RAG), the quality score from what the council knows,
brokerage ranking by it, and reviews that can suspend new placements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.brokerage import services as brokerage_services
from homecare.people.tests.factories import make_package
from homecare.providers import selectors as provider_selectors
from homecare.providers import services as provider_services
from homecare.providers.tests.factories import declare_capacity, make_framework
from homecare.quality import services
from homecare.quality.selectors import provider_quality as selectors
from homecare.quality.tests.factories import (
    acknowledge,
    make_complaint,
    make_concern,
    make_qa_visit,
    respond,
    walk,
)

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def test_a_qa_visit_is_written_up_then_published_with_its_rag(clara, acorn, paul):
    visit = services.qa_visit_record(
        actor=clara, provider=acorn, visit_date=timezone.localdate(), kind="contract_monitoring", summary="s"
    )
    with pytest.raises(ValidationError, match="at least one finding"):
        services.qa_visit_publish(actor=clara, qa_visit=visit, rag="amber")
    services.qa_finding_add(
        actor=clara, qa_visit=visit, area="call_monitoring", rag="red", text="40% unverified"
    )
    action = services.qa_action_add(
        actor=clara, qa_visit=visit, description="Tag every home", due_on=TOMORROW
    )
    assert selectors.qa_visits_visible_to(user=paul).count() == 0  # a draft is the council's
    visit = services.qa_visit_publish(actor=clara, qa_visit=visit, rag="amber")
    assert list(selectors.qa_visits_visible_to(user=paul)) == [visit]
    with pytest.raises(ValidationError):
        services.qa_finding_add(actor=clara, qa_visit=visit, area="safe", rag="green", text="late")
    done = services.qa_action_complete(actor=clara, action=action, note="Tags seen in five homes")
    assert done.completed_by == clara


def test_only_commissioners_and_administrators_record_qa_visits(alice, paul, adam, acorn):
    for user in (alice, paul):
        with pytest.raises(PermissionDenied):
            services.qa_visit_record(
                actor=user, provider=acorn, visit_date=timezone.localdate(), kind="desk_review", summary="s"
            )
    assert services.qa_visit_record(
        actor=adam, provider=acorn, visit_date=timezone.localdate(), kind="desk_review", summary="s"
    )


def test_the_score_combines_cqc_qa_complaints_and_safeguarding_for_the_council(
    clara, alice, bella, sally, paul, acorn, mary, northbridge, southwold
):
    provider_services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2025, 6, 1))
    make_qa_visit(actor=clara, provider=acorn, rag="amber")
    complaint = make_complaint(actor=alice, person=mary, provider=acorn, received_on=timezone.localdate())
    respond(acknowledge(complaint, paul), paul, outcome="upheld")
    walk(
        make_concern(actor=bella, person=mary, provider=acorn), lead=sally
    )  # substantiated (factory default)
    quality = selectors.provider_quality(council=northbridge, provider=acorn)
    assert (
        quality.facts.cqc_rating,
        quality.facts.qa_rag,
        quality.facts.upheld,
        quality.facts.substantiated,
    ) == (
        "good",
        "amber",
        1,
        1,
    )
    assert quality.score == Decimal("67.0")  # 40%×80 + 40%×60 + 20%×(100−20−25)
    # Another council knows only the CQC rating.
    assert selectors.provider_quality(council=southwold, provider=acorn).score == Decimal(
        "72.0"
    )  # 32 + 20 + 20


def test_only_the_latest_decision_on_a_complaint_counts(clara, alice, paul, acorn, mary, northbridge):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn, received_on=timezone.localdate())
    complaint = respond(acknowledge(complaint, paul), paul, outcome="upheld")
    complaint = services.complaint_escalate(
        actor=clara, complaint=complaint, escalated_on=timezone.localdate(), reason="Disputes it"
    )
    respond(acknowledge(complaint, clara), clara, outcome="not_upheld")
    assert selectors.provider_quality(council=northbridge, provider=acorn).facts.upheld == 0


def test_old_qa_visits_and_drafts_do_not_count(clara, acorn, northbridge):
    make_qa_visit(
        actor=clara, provider=acorn, rag="red", visit_date=timezone.localdate() - dt.timedelta(days=400)
    )
    make_qa_visit(actor=clara, provider=acorn, rag="red", publish=False)
    assert selectors.provider_quality(council=northbridge, provider=acorn).facts.qa_rag is None


@pytest.fixture
def offers(northbridge, clara, alice, acorn, birch, paul, pippa, zone, mary):
    """Acorn (tender quality 90) and Birch (70) both accept Mary's package from tomorrow."""
    make_framework(
        council=northbridge,
        actor=clara,
        admitted=[acorn, birch],
        scores={acorn: ("90", "60"), birch: ("70", "60")},
    )
    for provider in (acorn, birch):
        declare_capacity(provider=provider, zone=zone, actor=clara)
    case = brokerage_services.package_send_to_brokerage(
        actor=alice, package=make_package(person=mary, actor=alice)
    )
    offer_round = case.rounds.get()
    for offer in offer_round.offers.all():
        manager = paul if offer.provider == acorn else pippa
        brokerage_services.offer_accept(actor=manager, offer=offer, earliest_start=TOMORROW)
    return offer_round


def test_brokerage_ranks_by_the_councils_quality_score_before_the_tender_score(
    offers, clara, acorn, birch, bella
):
    ranked = brokerage_services.candidates(offers)
    assert [c.provider for c in ranked] == ["Acorn Homecare", "Birch Care Services"]  # equal scores: tender
    make_qa_visit(actor=clara, provider=acorn, rag="red")
    ranked = brokerage_services.candidates(offers)
    assert [(c.provider, c.provider_quality) for c in ranked] == [
        ("Birch Care Services", Decimal("60.0")),
        ("Acorn Homecare", Decimal("48.0")),
    ]
    award = brokerage_services.round_award(
        actor=bella, offer_round=offers, offer=offers.offers.get(provider=birch)
    )
    assert award.ranking[0]["provider_quality"] == "60.0" and award.override_reason == ""


def test_a_review_suspends_new_placements_and_brokerage_stops_offering(
    clara, acorn, northbridge, zone, offers
):
    review = services.review_open(actor=clara, provider=acorn, reason="Three upheld complaints in a month")
    with pytest.raises(ValidationError):
        services.review_close(actor=clara, review=review, outcome="suspended", note="n")
    services.review_suspend_placements(
        actor=clara, review=review, reason="Pending improvement", starts_on=timezone.localdate()
    )
    reason = provider_selectors.ineligibility_reason(
        provider=acorn, council=northbridge, zone=zone, on=timezone.localdate()
    )
    assert reason.startswith("Acorn Homecare is suspended")
    with pytest.raises(ValidationError, match="already suspended"):
        services.review_suspend_placements(
            actor=clara, review=review, reason="again", starts_on=timezone.localdate()
        )
    review = services.review_close(
        actor=clara, review=review, outcome="suspended", note="Suspended until re-inspection"
    )
    assert review.status == "closed" and review.suspension.provider == acorn


def test_reviews_and_scores_are_the_councils(clara, sam, acorn, northbridge):
    review = services.review_open(actor=clara, provider=acorn, reason="r")
    assert list(selectors.reviews_visible_to(user=clara)) == [review]
    assert not selectors.reviews_visible_to(user=sam).exists()
    with pytest.raises(PermissionDenied):
        services.review_close(actor=sam, review=review, outcome="assured", note="n")


def test_scores_take_the_same_few_queries_for_one_provider_or_many(
    clara, acorn, northbridge, django_assert_num_queries
):
    from homecare.accounts.tests.factories import make_provider

    others = [make_provider() for _ in range(8)]
    for provider in (acorn, *others[:2]):
        make_qa_visit(actor=clara, provider=provider, rag="amber")
    many = [acorn.pk, *(p.pk for p in others)]
    with django_assert_num_queries(5):  # CQC, QA, complaints, enquiries, feedback
        selectors.provider_quality_scores(council=northbridge, provider_ids=[acorn.pk])
    with django_assert_num_queries(5):  # CQC, QA, complaints, enquiries, feedback
        scores = selectors.provider_quality_scores(council=northbridge, provider_ids=many)
    assert len(scores) == 9 and scores[acorn.pk].facts.qa_rag == "amber"
