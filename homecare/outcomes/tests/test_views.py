"""The pages: who sees what (a foreign package is a 404), forms that show errors, the public link,
the printable form and the allocations chart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.outcomes import services
from homecare.outcomes.models import CarryOverRule, ExcessApproval, FeedbackSurvey, OutcomeReview
from homecare.outcomes.tests.factories import MONDAY, deliver, make_budget_package, plan_visit
from homecare.people.tests.factories import make_person
from homecare.visits.models import Visit


@pytest.fixture
def birch_budget(northbridge, alice, birch, pippa, zone, framework):
    person = make_person(council=northbridge, actor=alice, zone=zone, family_name="Birchleigh")
    return make_budget_package(person=person, actor=alice, provider=birch)


def _survey(package):
    return FeedbackSurvey.objects.create(
        package=package,
        person=package.person,
        council=package.person.council,
        provider=package.provider,
        kind="first_weeks",
        due_on=MONDAY + dt.timedelta(weeks=6),
        created_at=timezone.now(),
    )


def test_a_provider_manager_sees_only_its_own_packages_budgets_and_feedback(
    client, paul, budget, birch_budget
):
    own, foreign = _survey(budget), _survey(birch_budget)
    client.force_login(paul)
    page = client.get(reverse("outcomes:budgets")).content.decode()
    assert budget.reference in page and birch_budget.reference not in page
    assert client.get(reverse("outcomes:package-budget", args=[budget.pk])).status_code == 200
    for url in (
        reverse("outcomes:package-budget", args=[birch_budget.pk]),
        reverse("outcomes:visit-plan", args=[birch_budget.pk]),
        reverse("outcomes:survey", args=[foreign.pk]),
        reverse("outcomes:survey-print", args=[foreign.pk]),
        reverse("outcomes:person-budgets", args=[birch_budget.person_id]),
    ):
        assert client.get(url).status_code == 404, url
    feedback = client.get(reverse("outcomes:feedback")).content.decode()
    assert budget.person.family_name in feedback and "Birchleigh" not in feedback
    assert client.get(reverse("outcomes:survey", args=[own.pk])).status_code == 200


def test_another_councils_practitioner_gets_not_found(client, sam, budget):
    client.force_login(sam)
    assert client.get(reverse("outcomes:package-budget", args=[budget.pk])).status_code == 404
    assert client.post(reverse("outcomes:excess-approve", args=[budget.pk]), {}).status_code == 404


def test_the_budget_page_shows_the_weeks_with_delivered_and_payable_hours(client, alice, budget, carl):
    deliver(plan_visit(budget, MONDAY, minutes=720), carl, 720)
    client.force_login(alice)
    page = client.get(reverse("outcomes:package-budget", args=[budget.pk])).content.decode()
    assert "12.00" in page and "10.00" in page and "120.0%" in page
    assert "Approve extra hours" in page and "Review outcomes" in page


def test_approving_excess_from_the_page_and_a_bad_week_is_a_form_error(client, alice, budget):
    client.force_login(alice)
    url = reverse("outcomes:excess-approve", args=[budget.pk])
    tuesday = MONDAY + dt.timedelta(days=1)
    bad = client.post(
        url,
        {
            "week_start_day": tuesday.day,
            "week_start_month": 1,
            "week_start_year": 2026,
            "hours": "2",
            "reason": "Unwell",
        },
    )
    assert bad.status_code == 422 and "Choose the Monday" in bad.content.decode()
    good = client.post(
        url,
        {
            "week_start_day": 5,
            "week_start_month": 1,
            "week_start_year": 2026,
            "hours": "2",
            "reason": "Unwell",
        },
    )
    assert good.status_code == 302
    assert ExcessApproval.objects.get().hours == Decimal("2.00")


def test_providers_and_analysts_cannot_approve_excess(client, paul, budget, northbridge):
    data = {"week_start_day": 5, "week_start_month": 1, "week_start_year": 2026, "hours": "2", "reason": "x"}
    for user in (paul, make_user(organisation=northbridge, role=Role.ANALYST)):
        client.force_login(user)
        assert client.post(reverse("outcomes:excess-approve", args=[budget.pk]), data).status_code == 403
    assert not ExcessApproval.objects.exists()


def test_a_provider_manager_plans_a_visit_from_the_page(client, paul, budget):
    client.force_login(paul)
    day = timezone.localdate() + dt.timedelta(days=1)
    url = reverse("outcomes:visit-plan", args=[budget.pk])
    assert client.get(url).status_code == 200
    data = {
        "day_day": day.day,
        "day_month": day.month,
        "day_year": day.year,
        "start": "09:30",
        "carers_required": "1",
    }
    response = client.post(url, {**data, "minutes": "20", "tasks": ["washing"]})
    assert response.status_code == 302
    visit = Visit.objects.get(package=budget)
    assert (visit.planned_minutes, visit.tasks, visit.date) == (20, ["washing"], day)
    bad = client.post(url, {**data, "start": "10:00", "minutes": "17"})
    assert bad.status_code == 422 and "5-minute steps" in bad.content.decode()


def test_the_outcome_review_form_records_answers_and_a_new_budget(client, alice, budget):
    client.force_login(alice)
    url = reverse("outcomes:review-new", args=[budget.pk])
    page = client.get(url).content.decode()
    outcomes = list(budget.support_plan.outcomes.all())
    assert outcomes[0].in_own_words in page
    today, later = timezone.localdate(), timezone.localdate() + dt.timedelta(days=10)
    data = {
        "reviewed_on_day": today.day,
        "reviewed_on_month": today.month,
        "reviewed_on_year": today.year,
        "person_view": "Much more confident",
        "new_budget_hours": "8",
        "budget_from_day": later.day,
        "budget_from_month": later.month,
        "budget_from_year": later.year,
    }
    for o in outcomes:
        data[f"achieved_{o.pk}"] = "fully"
        data[f"changed_{o.pk}"] = "Does it without help"
    missing = client.post(url, {k: v for k, v in data.items() if not k.startswith("changed_")})
    assert missing.status_code == 422 and not OutcomeReview.objects.exists()
    response = client.post(url, data)
    review = OutcomeReview.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "outcomes:review", args=[review.pk]
    )
    assert review.new_version.weekly_budget_hours == Decimal("8.00")
    detail = client.get(response["Location"]).content.decode()
    assert "Fully achieved" in detail and "Does it without help" in detail


def test_the_public_link_shows_a_short_form_once_and_an_unknown_link_is_not_found(client, alice, budget):
    survey = _survey(budget)
    token = services.feedback_link_issue(actor=alice, survey=survey)
    url = reverse("outcomes:feedback-answer", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Do you see the same care workers?" in page.content.decode()
    assert budget.person.family_name not in page.content.decode()  # the link names only the provider
    answers = {q: "4" for q in ("continuity", "punctuality", "dignity", "outcomes", "listened")}
    incomplete = client.post(url, {**answers, "dignity": ""})
    assert incomplete.status_code == 422
    done = client.post(url, {**answers, "answered_by": "family", "comments": "Kind and on time"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert survey.response.channel == "web_link" and survey.response.recorded_by is None
    assert client.get(url).status_code == 404
    assert client.get(reverse("outcomes:feedback-answer", args=["not-a-token"])).status_code == 404


def test_staff_record_feedback_on_the_persons_behalf_and_print_the_form(client, alice, budget):
    survey = _survey(budget)
    client.force_login(alice)
    pdf = client.get(reverse("outcomes:survey-print", args=[survey.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    link = client.post(reverse("outcomes:survey-link", args=[survey.pk]))
    assert "/outcomes/feedback/answer/" in link.content.decode()
    answers = {q: "5" for q in ("continuity", "punctuality", "dignity", "outcomes", "listened")}
    response = client.post(
        reverse("outcomes:survey", args=[survey.pk]),
        {**answers, "answered_by": "with_help", "channel": "staff"},
    )
    assert response.status_code == 302
    assert survey.response.recorded_by == alice
    page = client.get(reverse("outcomes:feedback")).content.decode()
    assert "100.0" in page


def test_the_carry_over_page_records_a_rule_for_commissioners_only(client, clara, alice):
    data = {
        "effective_from_day": 12,
        "effective_from_month": 1,
        "effective_from_year": 2026,
        "mode": "roll_over",
        "max_hours": "2",
        "max_weeks": "1",
        "reason": "Council decision",
    }
    client.force_login(alice)
    assert client.get(reverse("outcomes:carry-over")).status_code == 200
    assert client.post(reverse("outcomes:carry-over"), data).status_code == 403
    client.force_login(clara)
    assert client.post(reverse("outcomes:carry-over"), {**data, "max_hours": ""}).status_code == 422
    assert client.post(reverse("outcomes:carry-over"), data).status_code == 302
    assert CarryOverRule.objects.get().max_hours == Decimal("2.00")


def test_the_equality_page_draws_a_box_plot_per_dimension_for_commissioners(
    client, clara, alice, paul, budget
):
    client.force_login(paul)
    assert client.get(reverse("outcomes:equality")).status_code == 403
    client.force_login(clara)
    page = client.get(reverse("outcomes:equality")).content.decode()
    assert page.count("<svg") == 6 and "Weekly hours by age band" in page and "Not recorded" in page


def test_equality_answers_and_equipment_from_their_forms(client, alice, budget, paul):
    client.force_login(alice)
    url = reverse("outcomes:equality-monitoring", args=[budget.person_id])
    assert client.post(url, {"sex": "female", "ethnicity": "prefer_not", "disability": ""}).status_code == 302
    assert budget.person.equality.ethnicity == "prefer_not"
    plan_url = reverse("outcomes:equipment-add", args=[budget.support_plan_id])
    bad = client.post(plan_url, {"equipment_type": "other"})
    assert bad.status_code == 422 and "Describe the equipment" in bad.content.decode()
    assert client.post(plan_url, {"equipment_type": "key_safe", "supplier": "Locks Ltd"}).status_code == 302
    plan_page = client.get(reverse("people:support-plan", args=[budget.support_plan_id])).content.decode()
    assert "Key safe" in plan_page and "Locks Ltd" in plan_page
    client.force_login(paul)  # a provider sees the plan's equipment but records no equality answers
    assert client.get(url).status_code == 403
    assert (
        "Key safe"
        in client.get(reverse("people:support-plan", args=[budget.support_plan_id])).content.decode()
    )


def test_a_time_and_task_package_has_no_budget_page_but_is_not_hidden(client, alice, home, acorn):
    from homecare.people.tests.factories import make_package

    timed = make_package(person=home, actor=alice, provider=acorn, status="active")
    client.force_login(alice)
    response = client.get(reverse("outcomes:package-budget", args=[timed.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("people:package", args=[timed.pk])
