"""The call-monitoring API as a phone uses it: device token, today's visits, events exactly once."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from homecare.visits import services
from homecare.visits.models import CallEvent


@pytest.fixture
def phone(carl):
    _, token = services.device_register(user=carl, name="Carl's phone")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _check_in(visit, at, **overrides):
    body = {
        "client_id": str(uuid.uuid4()),
        "visit_id": visit.pk,
        "kind": "check_in",
        "occurred_at": at.isoformat(),
        "latitude": str(visit.person.latitude),
        "longitude": str(visit.person.longitude),
        "accuracy_m": 10,
    }
    body.update(overrides)
    return body


def test_a_care_worker_registers_a_phone_while_signed_in_and_gets_a_token_once(client, carl, paul):
    client.force_login(carl)
    response = client.post("/api/v1/visits/devices", {"name": "Work phone"}, content_type="application/json")
    assert response.status_code == 201 and len(response.json()["token"]) > 30
    assert carl.devices.get().token_hash != response.json()["token"]
    client.force_login(paul)
    refused = client.post("/api/v1/visits/devices", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403


def test_without_a_valid_token_the_api_answers_401(first_visit):
    anonymous = Client(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anonymous.get("/api/v1/visits/mine").status_code == 401


def test_a_phone_lists_only_its_workers_visits_today_and_tomorrow(phone, package, paul, carl, cath, alice):
    services.visits_generate(package=package, days=3)
    today, tomorrow, after = package.visits.order_by("planned_start")[:3]
    for visit in (today, tomorrow, after):
        services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    visits = phone.get("/api/v1/visits/mine").json()
    assert [v["id"] for v in visits] == [today.pk, tomorrow.pk]
    assert visits[0]["person"]["name"] == "Mary Smith" and visits[0]["person"]["outcomes"]
    _, cath_token = services.device_register(user=cath, name="Cath's phone")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {cath_token}").get("/api/v1/visits/mine").json() == []
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {cath_token}").get(f"/api/v1/visits/{today.pk}").status_code == 404
    )


def test_an_event_is_stored_once_and_a_retry_gets_the_first_result(phone, first_visit, monday_0805):
    body = _check_in(first_visit, monday_0805)
    first = phone.post("/api/v1/visits/events", body, content_type="application/json")
    retry = phone.post("/api/v1/visits/events", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["result"] == "stored"
    assert first.json()["visit_status"] == "in_progress" and first.json()["verification"] == "geolocation"
    assert retry.status_code == 200 and retry.json()["event_id"] == first.json()["event_id"]
    assert CallEvent.objects.count() == 1
    reused = phone.post(
        "/api/v1/visits/events",
        {**body, "occurred_at": (monday_0805 + dt.timedelta(hours=1)).isoformat()},
        content_type="application/json",
    )
    assert reused.status_code == 409 and CallEvent.objects.count() == 1


def test_a_queue_sent_in_any_order_is_applied_once_with_a_result_per_event(phone, first_visit, monday_0805):
    check_in = _check_in(first_visit, monday_0805)
    check_out = {
        "client_id": str(uuid.uuid4()),
        "visit_id": first_visit.pk,
        "kind": "check_out",
        "occurred_at": (monday_0805 + dt.timedelta(minutes=32)).isoformat(),
        "tasks_done": ["washing"],
    }
    note = {
        "client_id": str(uuid.uuid4()),
        "visit_id": first_visit.pk,
        "kind": "note",
        "occurred_at": (monday_0805 + dt.timedelta(minutes=20)).isoformat(),
        "text": "Ate well",
    }
    response = phone.post(
        "/api/v1/visits/events/batch",
        {"events": [check_out, note, check_in, check_in]},
        content_type="application/json",
    )
    results = [r["result"] for r in response.json()["results"]]
    assert results == ["stored", "stored", "stored", "already_stored"]
    first_visit.refresh_from_db()
    assert first_visit.status == "completed" and CallEvent.objects.count() == 3


def test_bad_events_are_refused_with_reasons_and_nothing_is_stored(phone, first_visit, monday_0805, package):
    no_location = _check_in(first_visit, monday_0805, latitude=None, longitude=None)
    response = phone.post("/api/v1/visits/events", no_location, content_type="application/json")
    assert response.status_code == 422 and "latitude" in response.json()["errors"]
    naive = _check_in(first_visit, monday_0805, occurred_at="2026-01-05T08:05:00")
    assert phone.post("/api/v1/visits/events", naive, content_type="application/json").status_code == 422
    wrong_kind = _check_in(first_visit, monday_0805, kind="teleport")
    assert phone.post("/api/v1/visits/events", wrong_kind, content_type="application/json").status_code == 422
    not_mine = _check_in(first_visit, monday_0805, visit_id=package.visits.order_by("-id").first().pk)
    assert phone.post("/api/v1/visits/events", not_mine, content_type="application/json").status_code == 404
    assert phone.post("/api/v1/visits/events", "{", content_type="application/json").status_code in (400, 422)
    huge = _check_in(first_visit, monday_0805, visit_id=2**64)
    assert phone.post("/api/v1/visits/events", huge, content_type="application/json").status_code == 422
    batch = phone.post("/api/v1/visits/events/batch", {"events": [huge]}, content_type="application/json")
    assert batch.status_code == 422
    assert not CallEvent.objects.exists()


def test_another_providers_manager_cannot_read_the_visit(client, first_visit, pippa, paul):
    client.force_login(pippa)
    assert client.get(f"/api/v1/visits/{first_visit.pk}").status_code == 404
    client.force_login(paul)
    assert client.get(f"/api/v1/visits/{first_visit.pk}").json()["id"] == first_visit.pk


def test_a_batch_with_a_bad_event_stores_the_good_ones_and_says_why_for_the_bad(
    phone, first_visit, monday_0805
):
    good = _check_in(first_visit, monday_0805)
    no_fix = _check_in(first_visit, monday_0805, latitude=None, longitude=None)
    concern = {
        "client_id": str(uuid.uuid4()),
        "visit_id": first_visit.pk,
        "kind": "concern",
        "occurred_at": monday_0805.isoformat(),
        "text": "",
    }
    reused = {**good, "occurred_at": (monday_0805 + dt.timedelta(minutes=9)).isoformat()}
    response = phone.post(
        "/api/v1/visits/events/batch",
        {"events": [good, no_fix, concern, reused]},
        content_type="application/json",
    )
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["stored", "rejected", "rejected", "conflict"]
    assert "latitude" in results[1]["errors"] and "text" in results[2]["errors"]
    assert results[0]["visit_status"] == "in_progress" and CallEvent.objects.count() == 1
