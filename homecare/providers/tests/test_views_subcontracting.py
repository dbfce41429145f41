"""Lead-provider, subcontractor and living-wage pages: who may open and act on what, and bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.providers import living_wage, rules
from homecare.providers.models import LowestPayAttestation, Subcontracting
from homecare.providers.tests.subcontracting_factories import appoint_lead, register_subcontractor


@pytest.fixture
def appointment(clara, acorn, framework, urban_lot, zone):
    return appoint_lead(commissioner=clara, lead=acorn, lot=urban_lot, zone=zone)


@pytest.fixture
def registration(paul, appointment):
    return register_subcontractor(manager=paul, appointment=appointment)


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_the_leads_manager_registers_a_subcontractor_on_the_page(client, paul, appointment):
    client.force_login(paul)
    url = reverse("providers:subcontractor-register")
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"appointment": appointment.pk, "subcontractor_name": "Cedar", "cqc_location_id": "x"}
    )
    assert bad.status_code == 200 and "Enter a CQC location ID" in bad.content.decode()
    assert not Subcontracting.objects.exists()
    review = timezone.localdate() + dt.timedelta(days=200)
    response = client.post(
        url,
        {
            "appointment": appointment.pk,
            "subcontractor_name": "Cedar Community Care",
            "cqc_location_id": "1-987654321",
            "cqc_rating": "",
            "living_wage_declared": "on",
            "paid_training": "on",
            **_date("review_on", review),
        },
    )
    registration = Subcontracting.objects.get()
    assert response.status_code == 302 and registration.review_on == review and registration.paid_training


def test_a_provider_that_leads_nowhere_cannot_register(client, pippa, appointment):
    client.force_login(pippa)
    assert client.get(reverse("providers:subcontractor-register")).status_code == 403


def test_the_commissioner_approves_on_the_page_and_the_lead_cannot(client, clara, paul, registration):
    url = reverse("providers:subcontracting-decide", args=[registration.pk, "approve"])
    client.force_login(paul)
    assert client.get(url).status_code == 403
    client.force_login(clara)
    detail = client.get(reverse("providers:subcontracting", args=[registration.pk])).content.decode()
    assert "Approve the subcontractor" in detail
    assert client.post(url, {"reason": ""}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == "approved"
    refuse = client.post(reverse("providers:subcontracting-decide", args=[registration.pk, "suspend"]), {})
    assert refuse.status_code == 400 and "Enter the reason" in refuse.content.decode()


def test_a_foreign_registration_is_not_found(client, pippa, southwold, registration):
    for outsider in (pippa, make_user(organisation=southwold, role=Role.COMMISSIONER)):
        client.force_login(outsider)
        assert client.get(reverse("providers:subcontracting", args=[registration.pk])).status_code == 404
        assert client.get(reverse("providers:subcontracting-list")).content.decode().count("Cedar") == 0


def test_the_subcontractor_sees_its_own_registration_and_only_its_own_monitoring_line(client, registration):
    cora = make_user(organisation=registration.subcontractor, role=Role.PROVIDER_MANAGER)
    client.force_login(cora)
    page = client.get(reverse("providers:subcontracting", args=[registration.pk])).content.decode()
    assert "Cedar Community Care" in page and "own care workers" not in page


def test_the_council_and_the_lead_see_the_lead_and_each_subcontractor_separately(
    client, clara, paul, pippa, acorn, registration
):
    url = reverse("providers:lead-monitoring", args=[acorn.pk])
    for user in (clara, paul):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "Acorn Homecare" in page and "(own care workers)" in page and "Cedar Community Care" in page
    client.force_login(pippa)
    assert client.get(url).status_code == 404


def test_the_council_sets_a_floor_and_sees_shortfalls(
    client, clara, paul, acorn, birch, northbridge, framework
):
    client.force_login(clara)
    response = client.post(
        reverse("providers:wage-floor-set"),
        {
            "name": "Real Living Wage 2025/26",
            "hourly_amount": "12.60",
            **_date("effective_from", dt.date(2025, 4, 1)),
        },
    )
    assert response.status_code == 302
    last = rules.pay_period_start(rules.pay_period_start(timezone.localdate()) - dt.timedelta(days=1))
    living_wage.lowest_pay_attest(
        actor=paul,
        organisation=acorn,
        council=northbridge,
        period_start=last,
        lowest_hourly_pay=Decimal("12.10"),
    )
    page = client.get(reverse("providers:living-wage")).content.decode()
    assert "Below the floor" in page and "£0.50 short" in page and "Not attested" in page
    assert "Acorn Homecare" in page and "Birch Care Services" in page
    client.force_login(paul)
    assert client.get(reverse("providers:living-wage")).status_code == 403
    assert client.get(reverse("providers:wage-floor-set")).status_code == 403


def test_a_provider_attests_on_its_page_and_sees_its_own_flags(client, clara, paul, pippa, acorn, framework):
    living_wage.wage_floor_set(
        actor=clara,
        council=clara.organisation,
        name="RLW",
        hourly_amount=Decimal("12.60"),
        effective_from=dt.date(2025, 4, 1),
    )
    client.force_login(paul)
    url = reverse("providers:lowest-pay-attest", args=[acorn.pk])
    period = rules.pay_period_start(timezone.localdate())
    response = client.post(
        url,
        {"council": clara.organisation_id, "period_start": period.isoformat(), "lowest_hourly_pay": "12.75"},
    )
    assert response.status_code == 302 and LowestPayAttestation.objects.get().lowest_hourly_pay == Decimal(
        "12.75"
    )
    again = client.post(
        url,
        {"council": clara.organisation_id, "period_start": period.isoformat(), "lowest_hourly_pay": "12.80"},
    )
    assert again.status_code == 200 and "correcting" in again.content.decode()
    page = client.get(reverse("providers:provider", args=[acorn.pk])).content.decode()
    assert "Living wage" in page and "not attested" in page
    client.force_login(pippa)
    assert client.get(url).status_code == 404
