"""Framework and provider pages: commissioners act, others look, providers see only themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from homecare.providers import services
from homecare.providers.models import Lot, RateCard, Suspension


@pytest.fixture
def clara_client(client, clara):
    client.force_login(clara)
    return client


@pytest.fixture
def paul_client(client, paul):
    client.force_login(paul)
    return client


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def test_a_commissioner_sees_the_framework_with_lots_scores_and_rates(
    clara_client, framework, urban_lot, clara
):
    services.rate_card_add(
        actor=clara,
        lot=urban_lot,
        care_type="day",
        amount=Decimal("26.00"),
        effective_from=dt.date(2099, 4, 6),
    )
    body = clara_client.get(reverse("providers:framework", args=[framework.pk])).content.decode()
    assert framework.name in body
    assert "Acorn Homecare" in body and "Birch Care Services" in body
    assert "£24.20" in body and "£26.00 from 6 April 2099" in body
    assert "Agreed for later" in body and "In force" in body
    assert "Go live" not in body and "Expire the framework" in body


def test_a_commissioner_adds_a_lot_and_records_an_admission(clara_client, framework, acorn):
    response = clara_client.post(
        reverse("providers:lot-add", args=[framework.pk]), {"service": "reablement", "area_type": "urban"}
    )
    assert response.status_code == 302
    lot = Lot.objects.get(framework=framework, service="reablement")
    response = clara_client.post(
        reverse("providers:admission-record", args=[lot.pk]),
        {"provider": str(acorn.pk), "quality_score": "80", "price_score": "70", "decision": "admitted"},
        follow=True,
    )
    assert "weighted score 76.00" in response.content.decode()


def test_a_second_rate_for_the_same_date_shows_a_clear_error(clara_client, urban_lot):
    response = clara_client.post(
        reverse("providers:rate-card-add", args=[urban_lot.pk]),
        {
            "care_type": "day",
            "amount": "25.00",
            "weekend_enhancement_percent": "0",
            "bank_holiday_enhancement_percent": "0",
            **_date("effective_from", dt.date(2025, 4, 1)),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Rates are never changed" in body
    assert RateCard.objects.filter(lot=urban_lot).count() == 1


def test_a_step_the_framework_cannot_take_is_explained_not_a_500(clara_client, framework):
    response = clara_client.post(reverse("providers:framework-transition", args=[framework.pk, "open"]), {})
    assert response.status_code == 200
    assert "You cannot open for applications while the framework is live" in response.content.decode()


def test_a_commissioner_suspends_a_provider_and_ends_it(clara_client, acorn, northbridge):
    response = clara_client.post(
        reverse("providers:suspension-start", args=[acorn.pk]),
        {"reason": "Missed visits", **_date("starts_on", dt.date(2026, 1, 5))},
    )
    assert response.status_code == 302
    suspension = Suspension.objects.get(provider=acorn, council=northbridge)
    response = clara_client.post(
        reverse("providers:suspension-end", args=[suspension.pk]),
        {"end_reason": "Action plan met", **_date("ended_on", dt.date(2026, 2, 1))},
    )
    assert response.status_code == 302
    suspension.refresh_from_db()
    assert suspension.ended_on == dt.date(2026, 2, 1)


def test_the_providers_list_shows_rating_suspension_capacity_and_frameworks(
    clara_client, clara, framework, acorn, northbridge
):
    services.rating_record(actor=clara, provider=acorn, rating="outstanding", rated_on=dt.date(2025, 1, 10))
    services.suspension_start(
        actor=clara, provider=acorn, council=northbridge, reason="x", starts_on=dt.date(2025, 1, 1)
    )
    body = clara_client.get(reverse("providers:providers")).content.decode()
    assert "Outstanding" in body and "10 Jan 2025" in body
    assert "Suspended" in body
    assert "Riverside (40)" in body
    assert framework.name in body


def test_a_provider_manager_sees_its_own_organisation_from_the_nav(paul_client, acorn, framework):
    response = paul_client.get(reverse("providers:your-organisation"), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("providers:provider", args=[acorn.pk])
    assert "Your organisation" in body and "Acorn Homecare" in body


def test_a_provider_manager_cannot_open_another_providers_page(paul_client, birch, framework):
    for name in ("provider", "capacity", "profile", "ethical-declaration", "rating-record"):
        assert paul_client.get(reverse(f"providers:{name}", args=[birch.pk])).status_code == 404, name


def test_a_provider_manager_cannot_take_commissioner_actions(paul_client, acorn, framework, urban_lot):
    forbidden = [
        reverse("providers:framework-create"),
        reverse("providers:lot-add", args=[framework.pk]),
        reverse("providers:framework-transition", args=[framework.pk, "expire"]),
        reverse("providers:admission-record", args=[urban_lot.pk]),
        reverse("providers:rate-card-add", args=[urban_lot.pk]),
        reverse("providers:rating-record", args=[acorn.pk]),
        reverse("providers:suspension-start", args=[acorn.pk]),
    ]
    for url in forbidden:
        assert paul_client.post(url, {}).status_code == 403, url


def test_a_provider_manager_declares_capacity_and_ethical_employment(
    paul_client, acorn, framework, zone, rural_zone
):
    response = paul_client.post(
        reverse("providers:capacity", args=[acorn.pk]),
        {f"zone_{zone.pk}": "40", f"zone_{rural_zone.pk}": "12.5"},
    )
    assert response.status_code == 302
    assert acorn.capacity_declarations.filter(zone=rural_zone).get().hours_per_week == Decimal("12.50")
    assert acorn.capacity_declarations.filter(zone=zone).count() == 1  # 40 was already declared
    response = paul_client.post(
        reverse("providers:ethical-declaration", args=[acorn.pk]),
        {"framework": str(framework.pk), "paid_travel_time": "on", "statutory_sick_pay": "on"},
    )
    assert response.status_code == 302
    assert acorn.ethical_declarations.get().met == ["Travel time paid", "Statutory sick pay"]


def test_a_provider_manager_sees_only_frameworks_it_is_admitted_to(
    paul_client, northbridge, clara, birch, framework
):
    from homecare.providers.tests.factories import make_framework

    other = make_framework(council=northbridge, actor=clara, admitted=[birch])
    body = paul_client.get(reverse("providers:frameworks")).content.decode()
    assert framework.name in body and other.name not in body
    assert paul_client.get(reverse("providers:framework", args=[other.pk])).status_code == 404


def test_the_nhs_partner_reads_frameworks_but_not_provider_pages(client, nadia, framework, acorn):
    client.force_login(nadia)
    assert client.get(reverse("providers:framework", args=[framework.pk])).status_code == 200
    assert client.get(reverse("providers:lot-add", args=[framework.pk])).status_code == 403
    assert client.get(reverse("providers:provider", args=[acorn.pk])).status_code == 404
    assert client.get(reverse("providers:providers")).status_code == 403


def test_a_practitioner_reads_but_cannot_change_the_framework(client, alice, framework):
    client.force_login(alice)
    body = client.get(reverse("providers:framework", args=[framework.pk])).content.decode()
    assert "Add a lot" not in body and "Expire the framework" not in body
    assert client.post(reverse("providers:lot-add", args=[framework.pk]), {}).status_code == 403


def test_a_commissioner_drafts_a_framework(clara_client):
    response = clara_client.post(
        reverse("providers:framework-create"),
        {
            "name": "Northbridge Homecare Framework 2029–2033",
            "reference": "nbc-hc-2029",
            **_date("start_date", dt.date(2029, 4, 1)),
            "term_years": "4",
            "extension_years": "1",
            "quality_weight_percent": "70",
            "price_weight_percent": "20",
            "offer_response_hours": "24",
            "hard_to_place_after_rounds": "3",
            "hard_to_place_after_days": "5",
        },
    )
    assert "must total 100%" in response.content.decode()
