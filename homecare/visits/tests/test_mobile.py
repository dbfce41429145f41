"""The care worker app's pages: Carl sees his own visits today and tomorrow, and nobody else's; everyone
else is turned away; the manifest and service worker make it installable and usable offline."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from homecare.people.tests.factories import make_package
from homecare.visits import services

APP = "/visits/app/"


@pytest.fixture
def todays_package(home, alice, acorn):
    """Mary's daily 08:00 visit, starting today, with two tasks; her key safe code is on record."""
    home.access_notes = "Key safe by the back door, code 4321"
    home.save(update_fields=["access_notes"])
    package = make_package(
        person=home, actor=alice, provider=acorn, status="active", start_date=timezone.localdate()
    )
    package.versions.get(number=1).visit_pattern.update(tasks=["washing", "medication"])
    services.visits_generate(package=package, days=3)
    return package


@pytest.fixture
def carls_visits(todays_package, carl, paul):
    """Carl is on Mary's visits today, tomorrow and the day after."""
    visits = list(todays_package.visits.order_by("planned_start"))
    for visit in visits:
        services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    return visits


def _embedded(response) -> dict:
    match = re.search(
        r'<script id="visits-app-data" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert match, "the page embeds the visits for the script"
    return json.loads(match.group(1))


def test_carl_sees_his_visits_today_and_tomorrow_with_how_to_get_in(client, carl, carls_visits):
    today, tomorrow, day_after = carls_visits
    client.force_login(carl)

    response = client.get(APP)

    assert response.status_code == 200
    page = response.text
    assert "Key safe by the back door, code 4321" in page
    assert f'href="#visit-{today.pk}"' in page and f'href="#visit-{tomorrow.pk}"' in page
    assert f"#visit-{day_after.pk}" not in page
    assert "Medication" in page and "I want to stay in my own home" in page
    assert [v["id"] for v in _embedded(response)["visits"]] == [today.pk, tomorrow.pk]


def test_the_page_embeds_exactly_what_the_phone_api_returns(client, carl, carls_visits):
    client.force_login(carl)

    embedded = _embedded(client.get(APP))

    assert embedded["user"] == carl.pk
    assert embedded["visits"] == client.get("/api/v1/visits/mine").json()


def test_another_care_worker_sees_none_of_carls_visits(client, cath, carls_visits):
    client.force_login(cath)

    response = client.get(APP)

    assert response.status_code == 200
    assert "Mary Smith" not in response.text and "4321" not in response.text
    assert _embedded(response)["visits"] == []


def test_a_care_worker_of_another_provider_sees_none_of_them(client, bob, carls_visits):
    client.force_login(bob)

    response = client.get(APP)

    assert response.status_code == 200 and "Mary Smith" not in response.text


@pytest.mark.parametrize("persona", ["paul", "pippa", "alice", "bella", "nadia"])
def test_staff_who_are_not_care_workers_are_turned_away(client, request, persona, carls_visits):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(APP)

    assert response.status_code == 403
    assert "4321" not in response.text


def test_signed_out_visitors_are_sent_to_sign_in(client, carls_visits):
    response = client.get(APP)

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_the_app_page_is_never_kept_by_the_browser_cache(client, carl, carls_visits):
    """Only the service worker keeps a copy (for no signal); the HTTP cache never does."""
    client.force_login(carl)

    assert client.get(APP)["Cache-Control"] == "no-store"


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/visits/app/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == APP and manifest["scope"] == APP
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_the_service_worker_is_javascript_scoped_to_the_app(client):
    response = client.get("/visits/app/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == APP
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(re.match(r"const CONFIG = (\{.*?\});\n", body).group(1))
    assert config["appUrl"] == APP
    assert "/static/visits/app.js" in config["shell"]
    assert "/static/govuk/govuk-frontend.min.css" in config["shell"]
    assert not any("/api/" in url for url in config["shell"]), "API answers are never kept by the worker"
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), f"{url} is in the shell but does not exist"
    assert 'self.addEventListener("fetch"' in body


def test_the_service_worker_version_follows_the_files_it_keeps(client, monkeypatch):
    """A changed script or stylesheet changes the worker, so phones install it and drop the old copy."""
    from homecare.visits.views import mobile

    before = re.search(r'"version": "(\w+)"', client.get("/visits/app/sw.js").content.decode()).group(1)
    edited = mobile._find_static("visits/app.js")
    monkeypatch.setattr(
        mobile, "_file_bytes", lambda file: file.read_bytes() + (b"// edited" if file == edited else b"")
    )
    after = re.search(r'"version": "(\w+)"', client.get("/visits/app/sw.js").content.decode()).group(1)

    assert before != after


def test_the_day_labels_use_the_london_day(client, carl, carls_visits):
    client.force_login(carl)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)

    page = client.get(APP).text

    assert f"Today, {today:%A} {today.day} {today:%B}" in page
    assert f"Tomorrow, {tomorrow:%A} {tomorrow.day} {tomorrow:%B}" in page
