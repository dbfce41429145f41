"""Outcome reviews (which may change the budget), feedback surveys and their scores, equality answers,
support plan equipment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.outcomes import selectors, services
from homecare.outcomes.models import EqualityMonitoring, FeedbackSurvey
from homecare.outcomes.tests.factories import MONDAY, make_budget_package
from homecare.people import services as people_services
from homecare.people.tests.factories import make_package, make_person
from homecare.quality.selectors.provider_quality import provider_quality_scores


def _answers(package, achieved=("fully", "partially")):
    return [
        services.ReviewAnswer(o.pk, a, f"Change for outcome {o.position}")
        for o, a in zip(package.support_plan.outcomes.all(), achieved, strict=True)
    ]


def test_a_review_records_each_outcome_and_a_new_budget_is_a_new_confirmed_version(budget, alice):
    review = services.outcome_review_record(
        actor=alice,
        package=budget,
        reviewed_on=timezone.localdate(),
        person_view="I am dressing myself most days now",
        answers=_answers(budget),
        new_budget_hours=Decimal("7.5"),
        budget_from=timezone.localdate() + dt.timedelta(days=7),
    )
    assert [a.achieved for a in review.answers.all()] == ["fully", "partially"]
    assert review.budget_before == Decimal("10.00")
    version = review.new_version
    assert (version.number, version.status, version.weekly_budget_hours) == (2, "confirmed", Decimal("7.5"))
    assert "Outcome review" in version.reason
    assert budget.versions.get(number=1).effective_to == version.effective_from - dt.timedelta(days=1)


def test_a_review_must_answer_every_outcome_and_cannot_change_a_time_and_task_budget(
    home, alice, acorn, budget
):
    with pytest.raises(ValidationError, match="every outcome"):
        services.outcome_review_record(
            actor=alice,
            package=budget,
            reviewed_on=timezone.localdate(),
            person_view="Fine",
            answers=_answers(budget)[:1],
        )
    timed = make_package(person=home, actor=alice, provider=acorn, status="active")
    with pytest.raises(ValidationError) as error:
        services.outcome_review_record(
            actor=alice,
            package=timed,
            reviewed_on=timezone.localdate(),
            person_view="Fine",
            answers=_answers(timed),
            new_budget_hours=Decimal("5"),
        )
    assert "new_budget_hours" in error.value.error_dict
    assert not timed.outcome_reviews.exists() and not budget.outcome_reviews.exists()


def test_only_practitioners_review_outcomes(budget, bella):
    with pytest.raises(PermissionDenied):
        services.outcome_review_record(
            actor=bella,
            package=budget,
            reviewed_on=timezone.localdate(),
            person_view="x",
            answers=_answers(budget),
        )


# --- feedback ----------------------------------------------------------------------------------


def test_surveys_fall_due_after_six_weeks_then_every_six_months_and_the_job_is_idempotent(budget):
    assert services.feedback_surveys_create_due(today=MONDAY + dt.timedelta(weeks=6, days=-1)).created == 0
    first_due = MONDAY + dt.timedelta(weeks=6)
    assert services.feedback_surveys_create_due(today=first_due).created == 1
    assert services.feedback_surveys_create_due(today=first_due + dt.timedelta(days=3)).created == 0
    later = services.feedback_surveys_create_due(today=dt.date(2026, 8, 20))
    assert later.created == 1
    assert list(FeedbackSurvey.objects.values_list("due_on", "kind")) == [
        (dt.date(2026, 8, 16), "periodic"),
        (first_due, "first_weeks"),
    ]


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


ALL_FIVES = services.Answers(5, 5, 5, 5, 5, "Lovely carers")


def test_a_one_time_link_answers_once_and_only_its_hash_is_kept(budget, alice):
    survey = _survey(budget)
    token = services.feedback_link_issue(actor=alice, survey=survey)
    survey.refresh_from_db()
    assert token not in survey.token_hash and len(survey.token_hash) == 64
    assert services.survey_for_token(token) == survey
    services.feedback_record(survey=survey, answers=ALL_FIVES, answered_by="family", channel="web_link")
    assert services.survey_for_token(token) is None
    with pytest.raises(ValidationError, match="already been answered"):
        services.feedback_record(
            survey=survey, answers=ALL_FIVES, answered_by="person", channel="staff", actor=alice
        )


def test_a_new_link_replaces_the_old_one(budget, alice):
    survey = _survey(budget)
    old = services.feedback_link_issue(actor=alice, survey=survey)
    new = services.feedback_link_issue(actor=alice, survey=survey)
    assert services.survey_for_token(old) is None and services.survey_for_token(new) == survey


def test_answers_off_the_scale_are_refused_and_nothing_is_stored(budget, alice):
    survey = _survey(budget)
    with pytest.raises(ValidationError) as error:
        services.feedback_record(
            survey=survey,
            answers=services.Answers(6, 5, 5, 5, 0),
            answered_by="person",
            channel="staff",
            actor=alice,
        )
    assert {"continuity", "listened"} <= set(error.value.error_dict)
    assert selectors.survey_response(survey=survey) is None


def test_providers_cannot_record_feedback_about_themselves(budget, paul):
    with pytest.raises(PermissionDenied):
        services.feedback_record(
            survey=_survey(budget), answers=ALL_FIVES, answered_by="person", channel="staff", actor=paul
        )


def test_feedback_scores_by_provider_and_overall(budget, alice, northbridge, birch, zone):
    services.feedback_record(
        survey=_survey(budget), answers=ALL_FIVES, answered_by="person", channel="staff", actor=alice
    )
    other = make_person(council=northbridge, actor=alice, zone=zone)
    at_birch = make_budget_package(person=other, actor=alice, provider=birch)
    services.feedback_record(
        survey=_survey(at_birch),
        answers=services.Answers(1, 2, 3, 4, 5),
        answered_by="person",
        channel="paper",
        actor=alice,
    )
    today = timezone.localdate()
    summary = selectors.feedback_scores(council=northbridge, since=today, until=today)
    assert summary.by_provider[budget.provider_id].points == Decimal("100.0")
    assert summary.by_provider[birch.pk].points == Decimal("50.0")  # mean 3 on the 1–5 scale
    assert summary.by_provider[birch.pk].means["continuity"] == Decimal("1.00")
    assert (summary.overall.responses, summary.overall.points) == (2, Decimal("75.0"))
    assert (
        selectors.feedback_scores(
            council=northbridge, since=today + dt.timedelta(days=1), until=today + dt.timedelta(days=1)
        ).overall.points
        is None
    )


def test_enough_feedback_moves_the_providers_quality_score(budget, alice, northbridge, acorn, settings):
    before = provider_quality_scores(council=northbridge, provider_ids=[acorn.pk])[acorn.pk]
    settings.OUTCOMES_FEEDBACK_MIN_RESPONSES = 2
    for _ in range(2):
        survey = _survey(budget)
        survey.due_on += dt.timedelta(days=FeedbackSurvey.objects.count())
        survey.save()
        services.feedback_record(
            survey=survey, answers=ALL_FIVES, answered_by="person", channel="staff", actor=alice
        )
    after = provider_quality_scores(council=northbridge, provider_ids=[acorn.pk])[acorn.pk]
    assert before.feedback_points is None and after.feedback_points == Decimal("100.0")
    # 35% × 50 + 35% × 50 + 15% × 100 + 15% × 100 = 65, up from the neutral 60.
    assert (before.score, after.score) == (Decimal("60.0"), Decimal("65.0"))


# --- equality monitoring, equipment, fairness ----------------------------------------------------


def test_equality_answers_are_optional_and_corrections_keep_the_history(mary, alice):
    record = services.equality_record(actor=alice, person=mary, sex="female", ethnicity="prefer_not")
    assert (record.sex, record.ethnicity, record.disability) == ("female", "prefer_not", "")
    services.equality_record(actor=alice, person=mary, sex="female", ethnicity="white", disability="yes")
    assert EqualityMonitoring.objects.get(person=mary).ethnicity == "white"
    assert EqualityMonitoring.history.filter(person_id=mary.pk).count() == 2
    with pytest.raises(ValidationError):
        services.equality_record(actor=alice, person=mary, sex="unknown")


def test_allocation_fairness_groups_weekly_hours_by_each_dimension(
    budget, home, alice, acorn, northbridge, zone
):
    services.equality_record(actor=alice, person=home, sex="female", ethnicity="asian", disability="no")
    for hours in ("4", "20"):
        person = make_person(council=northbridge, actor=alice, zone=zone, date_of_birth=dt.date(1990, 1, 1))
        make_budget_package(person=person, actor=alice, provider=acorn, hours=Decimal(hours))
    timed = make_person(council=northbridge, actor=alice, zone=zone)
    make_package(
        person=timed, actor=alice, provider=acorn, status="active", start_date=MONDAY
    )  # 3.5 h a week
    spreads = {(g.dimension, g.group): g.spread for g in selectors.allocation_fairness(council=northbridge)}
    assert spreads[("sex", "Female")].n == 1 and spreads[("sex", "Female")].median == Decimal("10.00")
    assert spreads[("sex", "Not recorded")].n == 3
    assert spreads[("age_band", "18 to 64")].median == Decimal("12.00")
    everyone = spreads[("zone", zone.name)]
    assert (everyone.n, everyone.minimum, everyone.maximum) == (4, Decimal("3.50"), Decimal("20.00"))
    assert spreads[("funding", "Council")].n == 4


def test_equipment_is_listed_in_the_support_plan(budget, alice):
    item = people_services.support_plan_equipment_add(
        actor=alice,
        plan=budget.support_plan,
        equipment_type="pendant_alarm",
        supplier="Northbridge Careline",
        installed_on=timezone.localdate(),
        review_on=timezone.localdate() + dt.timedelta(days=180),
    )
    assert list(budget.support_plan.equipment.all()) == [item]
    assert item.history.count() == 1
    with pytest.raises(ValidationError) as error:
        people_services.support_plan_equipment_add(
            actor=alice,
            plan=budget.support_plan,
            equipment_type="other",
            installed_on=timezone.localdate(),
            review_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert {"notes", "review_on"} <= set(error.value.error_dict)
