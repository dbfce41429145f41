"""Provider quality pages: the providers with their quality scores, one provider, QA visits, reviews and
the CQC ratings import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.providers import selectors as provider_selectors
from homecare.quality import presenters, scoring, services
from homecare.quality.forms import provider_quality as forms
from homecare.quality.models import QaVisitStatus, ReviewStatus
from homecare.quality.selectors import complaints as complaint_selectors
from homecare.quality.selectors import provider_quality as selectors
from homecare.quality.views.common import form_page, posted


def _council(user):
    org = user.organisation
    return org if org is not None and org.is_council else None


@login_required
def provider_list(request):
    permissions.require(_council(request.user) is not None)
    rows = selectors.provider_quality_rows(user=request.user)
    return render(
        request,
        "quality/providers.html",
        {
            "rows": [
                (
                    r,
                    presenters.rag_tag(r.last_qa.rag if r.last_qa else ""),
                    presenters.rating_label(r.quality),
                )
                for r in rows
            ],
            "can_manage": permissions.manages_provider_quality(request.user),
            "weights": scoring.WEIGHTS,
        },
    )


@login_required
def provider_detail(request, provider_pk: int):
    user = request.user
    provider = provider_selectors.provider_for_user(user=user, pk=provider_pk)
    council = _council(user)
    if council is None:
        # A provider looking at itself: its score from each council that has been looking at it is not
        # ours to show; it sees its published QA reports and the formula.
        visits = selectors.provider_qa_visits(user=user, provider=provider)
        return render(
            request, "quality/provider.html", {"provider": provider, "visits": visits, "council": None}
        )
    quality = selectors.provider_quality(council=council, provider=provider)
    complaints = complaint_selectors.complaints_visible_to(user=user).filter(provider=provider)
    return render(
        request,
        "quality/provider.html",
        {
            "provider": provider,
            "council": council,
            "quality": quality,
            "lines": presenters.score_lines(quality, with_counts=True),
            "visits": selectors.provider_qa_visits(user=user, provider=provider).select_related("visited_by"),
            "reviews": selectors.reviews_visible_to(user=user).filter(provider=provider),
            "complaints_open": complaints.filter(
                status__in=["received", "acknowledged", "responded"]
            ).count(),
            "complaints_total": complaints.count(),
            "rating": provider_selectors.current_rating(provider=provider),
            "can_manage": permissions.manages_provider_quality(user),
            "review_form": forms.ReviewOpenForm(),
        },
    )


@login_required
def qa_visit_new(request, provider_pk: int):
    provider = provider_selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.manages_provider_quality(request.user))
    return form_page(
        request,
        form=forms.QaVisitForm(posted(request)),
        call=lambda d: services.qa_visit_record(actor=request.user, provider=provider, **d),
        title="Record a QA visit",
        caption=provider.name,
        intro="Add findings and actions next; the provider sees the report once you publish it with its "
        "RAG rating.",
        button="Continue",
        success="QA visit recorded: add its findings",
        done=lambda v: reverse("quality:qa-visit", args=[v.pk]),
        back=(reverse("quality:provider", args=[provider.pk]), f"Back to {provider.name}"),
    )


def _qa_context(request, visit, **forms_in_use):
    can_manage = (
        permissions.manages_provider_quality(request.user)
        and request.user.organisation_id == visit.council_id
    )
    draft = visit.status == QaVisitStatus.DRAFT
    return {
        "visit": visit,
        "rag": presenters.rag_tag(visit.rag),
        "findings": [(f, presenters.rag_tag(f.rag)) for f in visit.findings.all()],
        "actions": visit.actions.all(),
        "can_manage": can_manage,
        "finding_form": forms_in_use.get("finding_form")
        or (forms.QaFindingForm() if can_manage and draft else None),
        "action_form": forms_in_use.get("action_form") or (forms.QaActionForm() if can_manage else None),
        "publish_form": forms_in_use.get("publish_form")
        or (forms.PublishForm() if can_manage and draft else None),
    }


@login_required
def qa_visit_detail(request, qa_visit_pk: int):
    visit = selectors.qa_visit_for_user(user=request.user, pk=qa_visit_pk)
    return render(request, "quality/qa_visit.html", _qa_context(request, visit))


def _qa_post(request, qa_visit_pk: int, form_class, key: str, call, success: str):
    visit = selectors.qa_visit_for_user(user=request.user, pk=qa_visit_pk)
    permissions.require(
        permissions.manages_provider_quality(request.user)
        and request.user.organisation_id == visit.council_id
    )
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(visit, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("quality:qa-visit", visit.pk)
    return render(request, "quality/qa_visit.html", _qa_context(request, visit, **{key: form}))


@login_required
@require_POST
def qa_finding_add(request, qa_visit_pk: int):
    return _qa_post(
        request,
        qa_visit_pk,
        forms.QaFindingForm,
        "finding_form",
        lambda v, d: services.qa_finding_add(actor=request.user, qa_visit=v, **d),
        "Finding added",
    )


@login_required
@require_POST
def qa_action_add(request, qa_visit_pk: int):
    return _qa_post(
        request,
        qa_visit_pk,
        forms.QaActionForm,
        "action_form",
        lambda v, d: services.qa_action_add(actor=request.user, qa_visit=v, **d),
        "Action added",
    )


@login_required
@require_POST
def qa_visit_publish(request, qa_visit_pk: int):
    return _qa_post(
        request,
        qa_visit_pk,
        forms.PublishForm,
        "publish_form",
        lambda v, d: services.qa_visit_publish(actor=request.user, qa_visit=v, **d),
        "Published to the provider",
    )


@login_required
@require_POST
def qa_action_done(request, qa_visit_pk: int):
    visit = selectors.qa_visit_for_user(user=request.user, pk=qa_visit_pk)
    permissions.require(
        permissions.manages_provider_quality(request.user)
        and request.user.organisation_id == visit.council_id
    )
    action = visit.actions.filter(pk=request.POST.get("action") or 0).first()
    try:
        if action is None:
            raise ValidationError("Choose the action")
        services.qa_action_complete(actor=request.user, action=action, note=request.POST.get("note", ""))
    except ValidationError as exc:
        context = _qa_context(request, visit) | {"problem": " ".join(exc.messages)}
        return render(request, "quality/qa_visit.html", context)
    messages.success(request, "Action confirmed as done")
    return redirect("quality:qa-visit", visit.pk)


# --- reviews --------------------------------------------------------------------------------------


@login_required
def review_open(request, provider_pk: int):
    provider = provider_selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(
        permissions.manages_provider_quality(request.user) and _council(request.user) is not None
    )
    return form_page(
        request,
        form=forms.ReviewOpenForm(posted(request)),
        call=lambda d: services.review_open(actor=request.user, provider=provider, **d),
        title=f"Review {provider.name}",
        button="Open the review",
        success="Review opened",
        done=lambda r: reverse("quality:review", args=[r.pk]),
        back=(reverse("quality:provider", args=[provider.pk]), f"Back to {provider.name}"),
    )


@login_required
def review_detail(request, review_pk: int):
    review = selectors.review_for_user(user=request.user, pk=review_pk)
    can_manage = permissions.manages_provider_quality(request.user) and review.status == ReviewStatus.OPEN
    return render(
        request,
        "quality/review.html",
        {
            "review": review,
            "can_manage": can_manage,
            "suspend_form": forms.SuspendForm() if can_manage and review.suspension_id is None else None,
            "close_form": forms.ReviewCloseForm() if can_manage else None,
        },
    )


@login_required
def review_suspend(request, review_pk: int):
    review = selectors.review_for_user(user=request.user, pk=review_pk)
    permissions.require(permissions.manages_provider_quality(request.user))
    return form_page(
        request,
        form=forms.SuspendForm(posted(request)),
        call=lambda d: services.review_suspend_placements(actor=request.user, review=review, **d),
        title=f"Suspend new placements with {review.provider.name}",
        intro="Brokerage stops offering new packages to the provider from the start date. People it already "
        "cares for are not affected.",
        button="Suspend new placements",
        success="New placements suspended",
        done=reverse("quality:review", args=[review.pk]),
        back=(reverse("quality:review", args=[review.pk]), "Back to the review"),
    )


@login_required
def review_close(request, review_pk: int):
    review = selectors.review_for_user(user=request.user, pk=review_pk)
    permissions.require(permissions.manages_provider_quality(request.user))
    return form_page(
        request,
        form=forms.ReviewCloseForm(posted(request)),
        call=lambda d: services.review_close(actor=request.user, review=review, **d),
        title="Close the review",
        caption=review.provider.name,
        button="Close the review",
        success="Review closed",
        done=reverse("quality:review", args=[review.pk]),
        back=(reverse("quality:review", args=[review.pk]), "Back to the review"),
    )


# --- the CQC import -------------------------------------------------------------------------------


@login_required
def cqc_import(request):
    permissions.require(
        permissions.manages_provider_quality(request.user) and _council(request.user) is not None
    )
    form = forms.CqcImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.cqc_ratings_import(
            actor=request.user,
            data=upload.read(),
            filename=upload.name,
            suspend_inadequate=form.cleaned_data["suspend_inadequate"],
        )
        return redirect("quality:cqc-import-result", result.pk)
    recent = selectors.imports_visible_to(user=request.user)[:10]
    return render(request, "quality/cqc_import.html", {"form": form, "recent": recent})


@login_required
def cqc_import_result(request, import_pk: int):
    result = selectors.import_for_user(user=request.user, pk=import_pk)
    return render(request, "quality/cqc_import_result.html", {"result": result})
