"""The care worker's day on a phone that loses its signal: Carl checks in at Mary's door in a basement
flat with no signal, the app says it is waiting to send, and once the phone is back online the check-in
reaches the server exactly once, however many times it is sent."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from homecare.people.tests.factories import make_package
from homecare.visits import services
from homecare.visits.models import CallEvent, DeviceToken

APP = "/visits/app/"
BATCH = "**/api/v1/visits/events/batch"
# Mary's front door, and where Carl's phone puts him: about 13 m away, a good fix.
HOME = (Decimal("52.950000"), Decimal("-1.150000"))
DOORSTEP = {"latitude": 52.95012, "longitude": -1.15, "accuracy": 10}
WAITING = re.compile(r"Checked in \d\d:\d\d — waiting to send")
SENT = re.compile(r"Checked in \d\d:\d\d — sent")
# Everything in one of the app's IndexedDB stores on the phone.
READ_STORE = """(name) => new Promise((resolve) => {
    const open = indexedDB.open("ohc-visits", 1);
    open.onsuccess = () => {
        const all = open.result.transaction(name).objectStore(name).getAll();
        all.onsuccess = () => resolve(all.result);
    };
})"""


@pytest.fixture
def todays_visit(mary, alice, acorn, carl, paul):
    """Mary's 08:00 visit today, with Carl on it; her home's location and key safe are on record."""
    mary.latitude, mary.longitude = HOME
    mary.access_notes = "Key safe by the back door, code 4321"
    mary.save(update_fields=["latitude", "longitude", "access_notes"])
    package = make_package(
        person=mary, actor=alice, provider=acorn, status="active", start_date=timezone.localdate()
    )
    package.versions.get(number=1).visit_pattern.update(tasks=["washing", "medication"])
    services.visits_generate(package=package, days=2)
    visit = package.visits.get(date=timezone.localdate())
    services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    return visit


@pytest.fixture
def phone(page, sign_in, todays_visit):
    """Carl's phone, 360 px wide, location allowed, on Mary's doorstep, with the app open at her visit
    and ready to work offline (its device registered, the service worker holding the app)."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(DOORSTEP)
    sign_in("carl")
    page.goto(APP)
    expect(page.get_by_role("heading", name="Your visits")).to_be_visible()
    expect(page.locator("#visits-app[data-synced-at]")).to_be_attached()
    page.wait_for_function(
        """async (app) => {
            await navigator.serviceWorker.ready;
            return Boolean(navigator.serviceWorker.controller && (await caches.match(app)));
        }""",
        arg=APP,
    )
    page.get_by_role("link", name="08:00 Mary Smith").first.click()
    expect(page.get_by_role("heading", name="08:00 Mary Smith")).to_be_visible()
    return page


def status_banner(page):
    return page.locator("#visits-app-status")


def synced_at(page) -> str:
    return page.locator("#visits-app").get_attribute("data-synced-at") or ""


def wait_for_a_sync_after(page, before: str) -> None:
    page.wait_for_function(
        "(before) => (document.getElementById('visits-app').dataset.syncedAt || '') > before", arg=before
    )


@pytest.mark.browser
def test_a_check_in_made_with_no_signal_is_sent_once_when_the_signal_returns(phone, todays_visit):
    page, context, visit = phone, phone.context, todays_visit
    expect(page.get_by_text("Key safe by the back door, code 4321")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the app fits a small phone"

    # In the basement flat: no signal. The check-in is kept on the phone and shown as waiting.
    went_offline = timezone.now()
    context.set_offline(True)
    page.get_by_role("button", name="Check in with my location").click()
    expect(page.get_by_text(WAITING)).to_be_visible()
    expect(status_banner(page)).to_contain_text("1 update waiting to send")
    expect(page.get_by_role("button", name="Check out")).to_be_visible()
    assert not CallEvent.objects.exists()

    # The app opens again with no signal (the service worker's copy), and the check-in is still queued.
    page.reload()
    expect(page.get_by_text(WAITING)).to_be_visible()
    expect(page.get_by_text("Key safe by the back door, code 4321")).to_be_visible()
    generated_at = page.evaluate(
        "JSON.parse(document.getElementById('visits-app-data').textContent).generated_at"
    )
    assert dt.datetime.fromisoformat(generated_at) < went_offline, (
        "the page is the copy the service worker kept"
    )
    assert not CallEvent.objects.exists()

    # Back in signal: the queue is sent by itself.
    before = synced_at(page)
    context.set_offline(False)
    expect(page.get_by_text(SENT)).to_be_visible()
    wait_for_a_sync_after(page, before)
    expect(status_banner(page)).to_contain_text("All updates sent")
    event = CallEvent.objects.get()
    assert (event.visit_id, event.kind, event.method) == (visit.pk, "check_in", "geolocation")
    assert event.distance_m is not None and event.distance_m < 20 and event.accuracy_m == 10
    visit.refresh_from_db()
    assert visit.status == "in_progress" and visit.verification == "geolocation"
    assert DeviceToken.objects.filter(user__username="carl").count() == 1, "the phone registers once"

    # Opened again and synced again: nothing new. The same queued event sent again is already stored.
    before = synced_at(page)
    page.reload()
    wait_for_a_sync_after(page, before)
    expect(page.get_by_text(SENT)).to_be_visible()
    resent = page.evaluate(
        """async ({ batch, user }) => {
            const entries = await (READ_STORE)("events");
            const token = localStorage.getItem(`ohc-visits:${user}:device-token`);
            const response = await fetch(batch, {
                method: "POST",
                headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
                body: JSON.stringify({ events: entries.map((entry) => entry.event) }),
            });
            return (await response.json()).results;
        }""".replace("READ_STORE", READ_STORE),
        {"batch": "/api/v1/visits/events/batch", "user": visit.assignments.get().care_worker_id},
    )
    assert [(r["client_id"], r["result"]) for r in resent] == [(str(event.client_id), "already_stored")]
    assert CallEvent.objects.count() == 1
    assert DeviceToken.objects.filter(user__username="carl").count() == 1


@pytest.mark.browser
def test_when_the_reply_is_lost_the_retry_sends_the_same_event_and_nothing_is_stored_twice(
    phone, todays_visit
):
    page, context = phone, phone.context
    context.set_offline(True)
    page.get_by_role("button", name="Check in with my location").click()
    expect(page.get_by_text(WAITING)).to_be_visible()

    # The signal comes back just long enough for the queue to reach the server, then goes before the reply.
    sent_bodies = []

    def lose_the_reply(route):
        sent_bodies.append(route.request.post_data_json)
        route.fetch()  # the server stores the check-in...
        route.abort("internetdisconnected")  # ...but the phone never hears back

    page.route(BATCH, lose_the_reply)
    with page.expect_event("requestfailed", lambda request: request.url.endswith("/events/batch")):
        context.set_offline(False)
    assert CallEvent.objects.count() == 1
    expect(page.get_by_text(WAITING)).to_be_visible()
    expect(status_banner(page)).to_contain_text("1 update waiting to send")

    # Sending again repeats the same client id; the server answers "already stored".
    page.unroute(BATCH)
    with page.expect_response(lambda response: response.url.endswith("/events/batch")) as answer:
        page.get_by_role("button", name="Send now").click()
    assert [r["result"] for r in answer.value.json()["results"]] == ["already_stored"]
    expect(page.get_by_text(SENT)).to_be_visible()
    expect(status_banner(page)).to_contain_text("All updates sent")
    event = CallEvent.objects.get()
    assert [e["client_id"] for e in sent_bodies[0]["events"]] == [str(event.client_id)]


@pytest.mark.browser
def test_a_check_in_the_server_refuses_is_shown_with_its_reason_and_not_sent_again(phone, todays_visit):
    page, context = phone, phone.context
    batches = []
    page.on(
        "request", lambda request: batches.append(request) if request.url.endswith("/events/batch") else None
    )

    context.set_offline(True)
    page.get_by_label("Code on the QR tag").fill("not-the-tag-in-marys-home")
    page.get_by_role("button", name="Check in with the tag").click()
    expect(page.get_by_text(WAITING)).to_be_visible()
    context.set_offline(False)

    problems = page.locator("#visits-app-problems")
    expect(problems).to_contain_text("Not accepted by the server")
    expect(problems).to_contain_text("This QR tag is not the one in this person's home")
    expect(page.get_by_role("button", name="Check in with my location")).to_be_visible()
    assert not CallEvent.objects.exists()
    assert len(batches) == 1

    # Kept aside: still shown after the app is opened again, and never sent again.
    before = synced_at(page)
    page.reload()
    wait_for_a_sync_after(page, before)
    expect(problems).to_contain_text("This QR tag is not the one in this person's home")
    assert len(batches) == 1 and not CallEvent.objects.exists()
    problems.get_by_role("button", name=re.compile("Dismiss")).click()
    expect(problems).to_be_empty()


@pytest.mark.browser
def test_a_whole_visit_with_the_qr_tag_tasks_a_note_and_a_concern(phone, todays_visit, paul):
    page, visit = phone, todays_visit
    tag = services.home_tag_issue(actor=paul, person=visit.person)

    page.get_by_label("Code on the QR tag").fill(tag.token)
    page.get_by_role("button", name="Check in with the tag").click()
    expect(page.get_by_text(SENT)).to_be_visible()
    page.get_by_label("Washing").check()
    page.get_by_label("Note").fill("Mary ate all her breakfast")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text(re.compile(r"Note \d\d:\d\d — sent"))).to_be_visible()
    page.locator("summary", has_text="Raise a concern").click()
    page.get_by_role("button", name="Raise a concern").click()
    expect(page.get_by_text("Error: Describe the concern")).to_be_visible()
    page.get_by_label("Describe the concern").fill("A bruise on her left arm she could not explain")
    page.get_by_role("button", name="Raise a concern").click()
    expect(page.get_by_text(re.compile(r"Concern raised \d\d:\d\d — sent"))).to_be_visible()
    page.get_by_role("button", name="Check out").click()
    expect(page.get_by_text(re.compile(r"Checked out \d\d:\d\d — sent"))).to_be_visible()
    expect(page.get_by_text("You have checked out of this visit")).to_be_visible()

    events = {e.kind: e for e in CallEvent.objects.filter(visit=visit)}
    assert sorted(events) == ["check_in", "check_out", "concern", "note"]
    assert events["check_in"].method == "tag"
    assert events["check_out"].tasks_done == ["washing"]
    assert events["note"].text == "Mary ate all her breakfast"
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.verification == "tag"


@pytest.mark.browser
def test_signing_out_leaves_none_of_the_workers_visits_on_a_shared_phone(phone):
    page = phone
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/sign-in"))

    kept = page.evaluate(
        """async (app) => ({
            page: Boolean(await caches.match(app)),
            visits: (await (READ_STORE)("visits")).length,
        })""".replace("READ_STORE", READ_STORE),
        APP,
    )
    assert kept == {"page": False, "visits": 0}

    # The next person to open the app with no signal finds nobody's visits.
    page.context.set_offline(True)
    response = page.goto(APP)
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="No signal")).to_be_visible()
    expect(page.get_by_text("Mary Smith")).to_have_count(0)
