"""Who sees what (ADR 0008), for every role: complaints, safeguarding records, provider quality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.quality import services
from homecare.quality.selectors import complaints as complaint_selectors
from homecare.quality.selectors import provider_quality as quality_selectors
from homecare.quality.selectors import safeguarding as safeguarding_selectors
from homecare.quality.tests.factories import make_complaint, make_concern, make_qa_visit, walk

pytestmark = pytest.mark.django_db

PEOPLE = [
    "practitioner_involved",
    "practitioner",
    "broker",
    "commissioner",
    "finance",
    "safeguarding_lead",
    "analyst",
    "council_admin",
    "nhs",
    "acorn_manager",
    "acorn_admin",
    "care_worker",
    "birch_manager",
    "other_council",
]


@pytest.fixture
def world(
    northbridge,
    southwold,
    icb,
    acorn,
    birch,
    alice,
    bella,
    nadia,
    paul,
    carl,
    pippa,
    sam,
    mary,
    sally,
    pat,
    clara,
):
    users = {
        "practitioner_involved": alice,
        "practitioner": make_user(organisation=northbridge, role=Role.PRACTITIONER),
        "broker": bella,
        "commissioner": clara,
        "finance": make_user(organisation=northbridge, role=Role.FINANCE_OFFICER),
        "safeguarding_lead": sally,
        "analyst": make_user(organisation=northbridge, role=Role.ANALYST),
        "council_admin": make_user(organisation=northbridge, role=Role.ADMINISTRATOR),
        "nhs": nadia,
        "acorn_manager": paul,
        "acorn_admin": make_user(organisation=acorn, role=Role.ADMINISTRATOR),
        "care_worker": carl,
        "birch_manager": pippa,
        "other_council": sam,
    }
    complaint = make_complaint(actor=bella, person=mary, provider=acorn)
    shared = make_concern(actor=bella, person=mary, provider=acorn)
    shared = services.concern_triage(
        actor=sally, concern=shared, urgency="high", abuse_types=["neglect"], note="n", allocated_worker=alice
    )
    shared = services.concern_share_with_provider(
        actor=sally, concern=shared, summary="Please suspend the carer"
    )
    # An old concern nobody has triaged: the data-quality report has something to say.
    make_concern(actor=bella, person=mary, raised_at=timezone.now() - dt.timedelta(days=10))
    private = walk(make_concern(actor=bella, person=mary, provider=acorn), lead=sally, feels_safe="unsafe")
    published = make_qa_visit(actor=clara, provider=acorn)
    draft = make_qa_visit(actor=clara, provider=acorn, publish=False)
    review = services.review_open(actor=clara, provider=acorn, reason="r")
    records = {
        "complaint": complaint,
        "shared": shared,
        "private": private,
        "escalation": private.escalations.get(),
        "published": published,
        "draft": draft,
        "review": review,
    }
    return users, records


COUNCIL_COMPLAINTS = {
    "practitioner_involved",
    "practitioner",
    "broker",
    "commissioner",
    "safeguarding_lead",
    "analyst",
    "council_admin",
}


@pytest.mark.parametrize("who", PEOPLE)
def test_complaints_are_seen_by_council_complaint_roles_and_the_provider_complained_about(world, who):
    users, records = world
    seen = (
        complaint_selectors.complaints_visible_to(user=users[who]).filter(pk=records["complaint"].pk).exists()
    )
    assert seen == (who in COUNCIL_COMPLAINTS | {"acorn_manager", "acorn_admin"})


@pytest.mark.parametrize("who", PEOPLE)
def test_safeguarding_concerns_are_seen_by_leads_involved_practitioners_and_providers_they_were_shared_with(
    world, who
):
    users, records = world
    visible = set(
        safeguarding_selectors.concerns_visible_to(user=users[who])
        .filter(pk__in=[records["shared"].pk, records["private"].pk])
        .values_list("pk", flat=True)
    )
    expected = {
        "safeguarding_lead": {records["shared"].pk, records["private"].pk},
        "practitioner_involved": {records["shared"].pk},  # allocated to Alice
        "acorn_manager": {records["shared"].pk},
        "acorn_admin": {records["shared"].pk},
    }.get(who, set())
    assert visible == expected


@pytest.mark.parametrize("who", PEOPLE)
def test_escalations_audits_patterns_and_the_data_quality_report_are_for_safeguarding_leads_only(world, who):
    users, records = world
    user = users[who]
    lead = who == "safeguarding_lead"
    assert safeguarding_selectors.escalations_visible_to(user=user).exists() == lead
    assert safeguarding_selectors.pattern_alerts_visible_to(user=user).query.is_empty() == (not lead)
    assert safeguarding_selectors.audits_visible_to(user=user).query.is_empty() == (not lead)
    assert (safeguarding_selectors.data_quality_report(user=user) != []) == lead


@pytest.mark.parametrize("who", PEOPLE)
def test_qa_visits_are_the_councils_and_published_ones_are_the_providers_too(world, who):
    users, records = world
    visible = set(quality_selectors.qa_visits_visible_to(user=users[who]).values_list("pk", flat=True))
    council = who in COUNCIL_COMPLAINTS | {"finance"}
    if council:
        assert visible == {records["published"].pk, records["draft"].pk}
    elif who in ("acorn_manager", "acorn_admin"):
        assert visible == {records["published"].pk}
    else:
        assert visible == set()


@pytest.mark.parametrize("who", PEOPLE)
def test_reviews_are_the_councils_own(world, who):
    users, records = world
    seen = quality_selectors.reviews_visible_to(user=users[who]).filter(pk=records["review"].pk).exists()
    assert seen == (who in COUNCIL_COMPLAINTS | {"finance"})


def test_the_provider_view_of_a_shared_concern_holds_the_summary_not_the_case_notes(world):
    from homecare.quality.presenters import provider_concern_view

    users, records = world
    view = provider_concern_view(records["shared"], provider_id=users["acorn_manager"].organisation_id)
    assert view.shared_summary == "Please suspend the carer"
    assert view.description is None  # the council raised it: its description stays with the council
    assert not hasattr(view, "triage_note")
