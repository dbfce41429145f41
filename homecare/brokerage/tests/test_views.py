"""Brokerage pages: providers see anonymised offers, only their own; brokers see the live waiting list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.brokerage import services
from homecare.brokerage.models import OfferStatus

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def case(draft_package, alice, market):
    return services.package_send_to_brokerage(actor=alice, package=draft_package, priority="high")


def _offer(case, provider):
    return case.rounds.get().offers.get(provider=provider)


def test_a_practitioner_sends_a_package_to_brokerage_from_its_page(client, alice, draft_package, market):
    client.force_login(alice)
    page = client.get(reverse("people:package", args=[draft_package.pk])).content.decode()
    assert reverse("brokerage:send", args=[draft_package.pk]) in page
    response = client.post(reverse("brokerage:send", args=[draft_package.pk]), {"priority": "urgent"})
    assert response.status_code == 302
    draft_package.refresh_from_db()
    assert draft_package.status == "awaiting_provider" and draft_package.brokerage_case.priority == "urgent"


def test_the_provider_sees_zone_pattern_and_needs_but_not_who_the_person_is(client, paul, case, market, mary):
    client.force_login(paul)
    body = client.get(reverse("brokerage:offer", args=[_offer(case, market["acorn"]).pk])).content.decode()
    assert (
        "Riverside" in body and "07:30" in body and "Double-handed" in body and "Washing and bathing" in body
    )
    for secret in (
        mary.family_name,
        mary.nhs_number,
        mary.case_reference,
        mary.address_line_1,
        mary.postcode,
    ):
        assert secret not in body
    assert client.get(reverse("people:person", args=[mary.pk])).status_code == 404


def test_after_the_award_the_provider_may_see_the_person(client, paul, bella, case, market, mary):
    offer = services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)
    services.round_award(actor=bella, offer_round=case.rounds.get(), offer=offer)
    client.force_login(paul)
    body = client.get(reverse("brokerage:offer", args=[offer.pk])).content.decode()
    assert "You have been awarded this package" in body
    assert client.get(reverse("people:person", args=[mary.pk])).status_code == 200


def test_a_provider_cannot_read_another_providers_offer_or_response(client, paul, pippa, case, market):
    birch_offer = services.offer_query(
        actor=pippa, offer=_offer(case, market["birch"]), text="Needs 60 minutes"
    ).offer
    client.force_login(paul)
    assert client.get(reverse("brokerage:offer", args=[birch_offer.pk])).status_code == 404
    response = client.post(
        reverse("brokerage:offer-respond", args=[birch_offer.pk, "decline"]), {"reason": "skills"}
    )
    assert response.status_code == 404
    birch_offer.refresh_from_db()
    assert birch_offer.status == OfferStatus.QUERIED
    listing = client.get(reverse("brokerage:offers")).content.decode()
    assert "Needs 60 minutes" not in listing


def test_the_provider_accepts_on_the_page_and_a_past_date_is_explained(client, paul, case, market):
    offer = _offer(case, market["acorn"])
    client.force_login(paul)
    url = reverse("brokerage:offer-respond", args=[offer.pk, "accept"])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        url,
        {
            "earliest_start_day": yesterday.day,
            "earliest_start_month": yesterday.month,
            "earliest_start_year": yesterday.year,
        },
    )
    assert "cannot be in the past" in response.content.decode()
    response = client.post(
        url,
        {
            "earliest_start_day": TOMORROW.day,
            "earliest_start_month": TOMORROW.month,
            "earliest_start_year": TOMORROW.year,
        },
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_the_broker_awards_from_the_case_page_and_an_override_without_reason_is_explained(
    client, bella, paul, pippa, case, market
):
    services.offer_accept(actor=paul, offer=_offer(case, market["acorn"]), earliest_start=TOMORROW)
    birch = services.offer_accept(
        actor=pippa, offer=_offer(case, market["birch"]), earliest_start=TOMORROW + dt.timedelta(days=2)
    )
    client.force_login(bella)
    page = client.get(reverse("brokerage:case", args=[case.package_id])).content.decode()
    assert "Award round 1" in page and page.index("Acorn Homecare") < page.index("Birch Care Services")
    url = reverse("brokerage:award", args=[case.rounds.get().pk])
    response = client.post(url, {"offer": birch.pk})
    assert "Say why you are not awarding to Acorn Homecare" in response.content.decode()
    response = client.post(
        url, {"offer": birch.pk, "override_reason": "Continuity with the person's old carers"}
    )
    assert response.status_code == 302
    case.package.refresh_from_db()
    assert case.package.provider == market["birch"]


def test_the_waiting_list_shows_days_since_the_plan_was_completed_and_exports_csv(client, bella, case):
    plan = case.package.support_plan
    plan.completed_at = timezone.now() - dt.timedelta(days=6)
    plan.save()
    client.force_login(bella)
    body = client.get(reverse("brokerage:waiting-list")).content.decode()
    assert "Mary Smith" in body and ">6<" in body.replace(" ", "")
    csv = client.get(reverse("brokerage:waiting-list"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Case reference,Person,Zone,Days waiting")
    assert ",Mary Smith,Riverside,6,High," in lines[1]


def test_another_councils_broker_sees_none_of_it(client, sam, case):
    client.force_login(sam)
    assert client.get(reverse("brokerage:case", args=[case.package_id])).status_code == 404
    assert "Mary Smith" not in client.get(reverse("brokerage:waiting-list")).content.decode()
