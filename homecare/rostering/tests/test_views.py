"""The planner's pages for Paul (Acorn's manager): plan, watch progress, see the timeline, move, publish.
Pippa (Birch) never sees Acorn's plans, care workers or people; care workers and council staff get none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from homecare.rostering.models import PlanStatus, RotaPlan
from homecare.rostering.tests.factories import DAY, make_carer, make_visit, solved_plan


@pytest.fixture
def acorn_day(northbridge, alice, zone, acorn, paul):
    ann = make_carer(provider=acorn, manager=paul, skills=["medication"], first_name="Ann")
    visit = make_visit(
        council=northbridge, practitioner=alice, zone=zone, provider=acorn, tasks=["medication"]
    )
    return ann, visit


def test_a_manager_plans_a_day_and_sees_the_timeline(
    client, paul, acorn_day, django_capture_on_commit_callbacks
):
    ann, visit = acorn_day
    client.force_login(paul)
    form = {
        "start_date_day": DAY.day,
        "start_date_month": DAY.month,
        "start_date_year": DAY.year,
        "days": "1",
        "time_limit_seconds": "1",
        "weight_travel": "1",
        "weight_lateness": "3",
        "weight_continuity": "10",
        "weight_distinct_carers": "5",
        "weight_balance": "0.1",
        "allow_lateness": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rostering:plan-new"), form)
    plan = RotaPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rostering:plan", args=[plan.pk])
    assert plan.status == PlanStatus.READY
    page = client.get(reverse("rostering:plan", args=[plan.pk])).content.decode()
    assert "rota-timeline__row" in page and "Ann" in page
    assert "Publish to care workers" in page
    response = client.post(reverse("rostering:publish", args=[plan.pk]))
    assert response.status_code == 302
    assert visit.assignments.get().care_worker == ann


def test_bad_plan_settings_are_form_errors_not_a_crash(client, paul):
    client.force_login(paul)
    response = client.post(reverse("rostering:plan-new"), {"days": "1", "time_limit_seconds": "abc"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not RotaPlan.objects.exists()


def test_the_progress_page_refreshes_itself_while_planning(client, paul, acorn_day):
    from homecare.rostering import services

    client.force_login(paul)
    plan = services.plan_create(actor=paul, start_date=DAY)
    services.plan_start(actor=paul, plan=plan)  # the job runs after commit: still planning here
    page = client.get(reverse("rostering:plan", args=[plan.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and 'role="progressbar"' in page
    assert "<script>" not in page  # CSP: no inline scripts


def test_a_move_that_breaks_a_rule_shows_the_reason_on_the_form(client, acorn, paul, acorn_day):
    ann, visit = acorn_day
    bea = make_carer(provider=acorn, manager=paul, first_name="Bea")
    plan = solved_plan(manager=paul)
    client.force_login(paul)
    url = reverse("rostering:move", args=[plan.pk, visit.pk])
    response = client.post(url, {"slot": "1", "care_worker": str(bea.pk), "reason": "Swap"})
    assert response.status_code == 200
    assert "lacks medication" in response.content.decode()
    assert plan.assignments.get(visit=visit).care_worker == ann


def test_another_provider_never_sees_acorns_plans_carers_or_people(client, pippa, paul, acorn_day):
    ann, visit = acorn_day
    plan = solved_plan(manager=paul)
    client.force_login(pippa)
    for url in (
        reverse("rostering:plan", args=[plan.pk]),
        reverse("rostering:move", args=[plan.pk, visit.pk]),
        reverse("rostering:sickness", args=[plan.pk]),
        reverse("rostering:care-worker", args=[ann.pk]),
        reverse("rostering:person", args=[visit.person_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("rostering:publish", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.READY
    assert "Ann" not in client.get(reverse("rostering:care-workers")).content.decode()
    assert (
        str(plan.start_date.year)
        not in client.get(reverse("rostering:plans")).content.decode().split("<main")[-1]
    )


def test_care_workers_and_council_staff_have_no_rota_pages(client, carl, alice):
    for user in (carl, alice):
        client.force_login(user)
        assert client.get(reverse("rostering:plans")).status_code == 403
        assert client.get(reverse("rostering:care-workers")).status_code == 403


def test_a_manager_edits_a_care_workers_skills_and_shifts(client, paul, carl):
    client.force_login(paul)
    response = client.post(
        reverse("rostering:care-worker", args=[carl.pk]),
        {
            "skills": ["medication", "hoist"],
            "gender": "male",
            "languages": "English, Polish",
            "travel_mode": "foot",
            "home_latitude": "52.95",
            "home_longitude": "-1.15",
            "home_area_type": "urban",
            "contracted_hours": "37.5",
            "max_minutes_per_day": "480",
            "availability": "Monday 07:00-14:00, 16:00-22:00\nTuesday 07:00-15:00",
        },
    )
    assert response.status_code == 302
    profile = carl.rota_profile
    assert profile.skills == ["hoist", "medication"] and profile.languages == ["English", "Polish"]
    assert profile.availability.count() == 3
    bad = client.post(
        reverse("rostering:care-worker", args=[carl.pk]),
        {
            "travel_mode": "car",
            "home_area_type": "urban",
            "contracted_hours": "1",
            "max_minutes_per_day": "480",
            "availability": "Someday 7-8",
        },
    )
    assert bad.status_code == 200 and "day of the week" in bad.content.decode()
