"""Visit pages: the provider's live board and visit page, the council's board, forms that explain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.visits import services
from homecare.visits.models import CallEvent, VisitAlert
from homecare.visits.tests.factories import check_in_at_home


@pytest.fixture
def today_visit(package, paul, carl):
    """Today's visit (08:00) with Carl, late and alerted."""
    services.visits_generate(package=package, days=1)
    visit = package.visits.get(date=timezone.localdate())
    services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    services.late_visits_flag(now=visit.late_at)
    visit.refresh_from_db()
    return visit


def test_the_provider_board_shows_todays_late_visit_with_its_alert_and_acknowledging_records_it(
    client, paul, today_visit
):
    client.force_login(paul)
    page = client.get(reverse("visits:board")).content.decode()
    assert "Mary Smith" in page and "Alerts to act on (1)" in page and "Carl" in page
    alert = VisitAlert.objects.get(visit=today_visit)
    refused = client.post(reverse("visits:acknowledge", args=[alert.pk]), {"action_taken": ""}, follow=True)
    assert "Say what you did" in refused.content.decode()
    client.post(
        reverse("visits:acknowledge", args=[alert.pk]), {"action_taken": "Phoned Carl, 10 minutes away"}
    )
    alert.refresh_from_db()
    assert (
        alert.acknowledged_by == paul
        and "Alerts to act on" not in client.get(reverse("visits:board")).content.decode()
    )


def test_the_board_filters_to_visits_needing_attention(client, paul, today_visit, week):
    client.force_login(paul)
    page = client.get(reverse("visits:board"), {"show": "attention"}).content.decode()
    assert "Mary Smith" in page
    other_day = client.get(
        reverse("visits:board"), {"day_day": "5", "day_month": "1", "day_year": "2026"}
    ).content.decode()
    assert "Monday 5 January 2026" in other_day


def test_the_council_board_lists_providers_and_nobody_else_sees_a_providers_visit(
    client, bella, pippa, carl, today_visit
):
    client.force_login(bella)
    page = client.get(reverse("visits:board")).content.decode()
    assert "Acorn Homecare" in page and "By provider" in page
    client.force_login(pippa)
    assert "Mary Smith" not in client.get(reverse("visits:board")).content.decode()
    assert client.get(reverse("visits:visit", args=[today_visit.pk])).status_code == 404
    client.force_login(carl)
    assert client.get(reverse("visits:board")).status_code == 302  # care workers go to their app


def test_a_correction_from_the_visit_page_keeps_the_original_and_bad_input_is_explained(
    client, paul, carl, today_visit
):
    start = today_visit.planned_start + dt.timedelta(minutes=5)
    services.event_record(actor=carl, visit=today_visit, event=check_in_at_home(today_visit.person, start))
    client.force_login(paul)
    url = reverse("visits:correct", args=[today_visit.pk])
    bad = client.post(url, {"reason_code": "", "end": "25:99"})
    assert bad.status_code == 400
    assert "Choose the reason" in bad.content.decode() and "24-hour format" in bad.content.decode()
    done = client.post(url, {"reason_code": "forgot_check_out", "end": "08:40", "note": "Confirmed by phone"})
    assert done.status_code == 302
    today_visit.refresh_from_db()
    assert today_visit.status == "completed" and timezone.localtime(today_visit.actual_end).time() == dt.time(
        8, 40
    )
    page = client.get(reverse("visits:visit", args=[today_visit.pk])).content.decode()
    assert "Checked in" in page and "Correction" in page and "check-out set to 08:40" in page
    assert CallEvent.objects.filter(visit=today_visit).count() == 2


def test_cancel_and_assign_from_the_visit_page(client, paul, cath, today_visit):
    client.force_login(paul)
    assert (
        client.post(reverse("visits:cancel", args=[today_visit.pk]), {"reason_code": "other"}).status_code
        == 400
    )
    client.post(reverse("visits:assign", args=[today_visit.pk]), {"care_worker": cath.pk})
    assert (
        "Every carer slot"
        in client.post(
            reverse("visits:assign", args=[today_visit.pk]), {"care_worker": cath.pk}
        ).content.decode()
        or today_visit.assignments.count() == 1
    )
    response = client.post(reverse("visits:cancel", args=[today_visit.pk]), {"reason_code": "hospital"})
    assert response.status_code == 302
    today_visit.refresh_from_db()
    assert today_visit.status == "cancelled"


def test_a_provider_prints_a_qr_tag_for_a_home_it_visits_and_a_new_one_retires_the_old(
    client, paul, today_visit
):
    client.force_login(paul)
    url = reverse("visits:home-tag", args=[today_visit.person_id])
    assert "No tag has been printed" in client.get(url).content.decode()
    client.post(url)
    first = today_visit.person.home_tags.get()
    page = client.get(url).content.decode()
    assert "<svg" in page and first.token in page
    client.post(url)
    first.refresh_from_db()
    assert (
        first.revoked_at is not None
        and today_visit.person.home_tags.filter(revoked_at__isnull=True).count() == 1
    )
