"""Outcome reviews and feedback from people and families (staff form, one-time link, printable PDF)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.outcomes import forms, presenters, printable, selectors, services
from homecare.outcomes.models import QUESTIONS, Channel
from homecare.people.models import CareModel, VersionStatus

# --- outcome reviews -----------------------------------------------------------------------------


@login_required
def review_new(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(permissions.reviews_outcomes(request.user))
    outcomes = list(package.support_plan.outcomes.all())
    current = package.versions.filter(status=VersionStatus.CONFIRMED).order_by("-number").first()
    budget = current is not None and current.care_model == CareModel.BUDGET_OF_HOURS
    form = forms.OutcomeReviewForm(
        request.POST or None,
        outcomes=outcomes,
        budget=budget,
        initial={"reviewed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = [
            services.ReviewAnswer(o.pk, data[f"achieved_{o.pk}"], data[f"changed_{o.pk}"]) for o in outcomes
        ]
        try:
            review = services.outcome_review_record(
                actor=request.user,
                package=package,
                reviewed_on=data["reviewed_on"],
                person_view=data["person_view"],
                answers=answers,
                new_budget_hours=data.get("new_budget_hours"),
                budget_from=data.get("budget_from"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Outcome review recorded")
            return redirect("outcomes:review", review.pk)
    return render(
        request,
        "outcomes/review_form.html",
        {
            "package": package,
            "person": package.person,
            "form": form,
            "current": current,
            "budget": budget,
        },
        status=422 if form.errors else 200,
    )


@login_required
def review_detail(request, outcome_review_pk: int):
    review = selectors.review_for_user(user=request.user, pk=outcome_review_pk)
    return render(
        request,
        "outcomes/review.html",
        {"review": review, "package": review.package, "person": review.package.person},
    )


# --- feedback ------------------------------------------------------------------------------------


@login_required
def feedback(request):
    """Surveys due and answered, with the scores (a provider sees only its own)."""
    user = request.user
    permissions.require(permissions.sees_people(user))
    surveys = selectors.surveys_visible_to(user=user).select_related("person", "provider", "response")
    pending = surveys.filter(response__isnull=True).order_by("due_on")[:100]
    answered = surveys.filter(response__isnull=False).order_by("-response__received_at")[:100]
    scores = []
    org = user.organisation
    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    if org.is_council:
        summary = selectors.feedback_scores(council=org, since=since, until=today)
        scores.append(presenters.score_row("All providers", summary.overall))
        names = dict(surveys.values_list("provider_id", "provider__name").distinct())
        for provider_id, score in sorted(summary.by_provider.items(), key=lambda p: names.get(p[0], "")):
            scores.append(presenters.score_row(names.get(provider_id, "Provider"), score))
    elif org.is_provider:
        for council in selectors.survey_councils(user=user):
            summary = selectors.feedback_scores(
                council=council, since=since, until=today, provider_ids=[org.pk]
            )
            scores.append(
                presenters.score_row(council.name, summary.by_provider.get(org.pk, summary.overall))
            )
    return render(
        request,
        "outcomes/feedback.html",
        {
            "pending": pending,
            "answered": answered,
            "scores": scores,
            "questions": list(QUESTIONS.values()),
            "records": permissions.records_feedback(user),
        },
    )


def _survey_page(request, survey, *, form=None, link=None, status=200):
    user = request.user
    response = selectors.survey_response(survey=survey)
    records = permissions.records_feedback(user) and survey.council_id == user.organisation_id
    return render(
        request,
        "outcomes/survey.html",
        {
            "survey": survey,
            "person": survey.person,
            "response": response,
            "answers": presenters.answer_lines(response) if response else [],
            "form": form or (forms.StaffFeedbackForm() if records and not response else None),
            "records": records,
            "link": link,
        },
        status=status,
    )


@login_required
def survey(request, survey_pk: int):
    survey = selectors.survey_for_user(user=request.user, pk=survey_pk)
    if request.method != "POST":
        return _survey_page(request, survey)
    permissions.require(permissions.records_feedback(request.user))
    form = forms.StaffFeedbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_record(
                survey=survey,
                answers=services.Answers(
                    **{q: data[q] for q in QUESTIONS},
                    comments=data["comments"],
                ),
                answered_by=data["answered_by"],
                channel=data["channel"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Feedback recorded")
            return redirect("outcomes:survey", survey.pk)
    return _survey_page(request, survey, form=form, status=422)


@login_required
@require_POST
def survey_link(request, survey_pk: int):
    """Make a one-time link for the person or family: shown once, on this page only."""
    survey = selectors.survey_for_user(user=request.user, pk=survey_pk)
    permissions.require(permissions.records_feedback(request.user))
    try:
        token = services.feedback_link_issue(actor=request.user, survey=survey)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("outcomes:survey", survey.pk)
    link = request.build_absolute_uri(reverse("outcomes:feedback-answer", args=[token]))
    return _survey_page(request, survey, link=link)


@login_required
def survey_print(request, survey_pk: int):
    """The printable version (PDF): the same questions, with boxes to tick, to post or take on a visit."""
    survey = selectors.survey_for_user(user=request.user, pk=survey_pk)
    response = HttpResponse(printable.survey_pdf(survey), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="feedback-{survey.pk}.pdf"'
    return response


def feedback_answer(request, token: str):
    """The person's (or family's) own form from a one-time link: no sign-in, nothing shown but the
    provider's name. An unknown, replaced or used link is "not found"."""
    survey = services.survey_for_token(token)
    if survey is None:
        raise Http404
    form = forms.FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_record(
                survey=survey,
                answers=services.Answers(**{q: data[q] for q in QUESTIONS}, comments=data["comments"]),
                answered_by=data["answered_by"],
                channel=Channel.WEB_LINK,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "outcomes/feedback_thanks.html", {"survey": survey})
    return render(
        request,
        "outcomes/feedback_answer.html",
        {"survey": survey, "form": form},
        status=422 if form.errors else 200,
    )
