"""Thin views: subject access exports and disposal decisions. Foreign records are 404s (selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import selectors as people_selectors
from homecare.records import forms, presenters, selectors, services, subject_access
from homecare.records.models import ProposalStatus


@login_required
def index(request):
    permissions.require(permissions.sees_records(request.user))
    query = request.GET.get("q", "").strip()
    page = None
    if query and permissions.can_export_subject_access(request.user):
        results = people_selectors.people_search(user=request.user, query=query)
        page = Paginator(results, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "records/index.html",
        {
            "query": query,
            "page": page,
            "can_export": permissions.can_export_subject_access(request.user),
            "decides_disposals": permissions.decides_disposals(request.user),
        },
    )


@login_required
def subject_access_page(request, person_pk: int):
    person = people_selectors.person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.can_export_subject_access(request.user))
    export_format = request.GET.get("format")
    if export_format in services.FORMATS:
        content, content_type, filename = services.subject_access_export(
            actor=request.user, person=person, export_format=export_format
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    held, withheld = subject_access.counts(person=person, role=request.user.role)
    return render(
        request,
        "records/subject_access.html",
        {"person": person, "holdings": presenters.holding_rows(held), "withheld": withheld},
    )


@login_required
def disposals(request):
    permissions.require(permissions.decides_disposals(request.user))
    page = Paginator(selectors.proposals_for_user(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "records/disposals.html",
        {
            "page": page,
            "rows": [(p, presenters.STATUS_TAGS[p.status]) for p in page],
            "retention": services.retention_periods(),
        },
    )


@login_required
@require_POST
def disposals_propose(request):
    permissions.require(permissions.decides_disposals(request.user))
    proposal = services.disposals_propose(council=request.user.organisation, actor=request.user)
    if proposal is None:
        messages.success(request, "Nobody's records are past retention")
        return redirect("records:disposals")
    messages.success(request, f"Disposal proposal {proposal.reference} is ready for a decision")
    return redirect("records:disposal", proposal.pk)


@login_required
def disposal_detail(request, proposal_pk: int):
    proposal = selectors.proposal_for_user(user=request.user, pk=proposal_pk)
    permissions.require(permissions.decides_disposals(request.user))
    form = None
    if proposal.status == ProposalStatus.PROPOSED:
        form = forms.DecisionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            decide = (
                services.disposal_approve
                if form.cleaned_data["decision"] == "approve"
                else services.disposal_reject
            )
            try:
                decide(proposal=proposal, actor=request.user, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Your decision on {proposal.reference} has been recorded")
                return redirect("records:disposal", proposal.pk)
    items = [
        (
            item,
            presenters.holdings_summary(item.destroyed or item.holdings),
            presenters.OUTCOME_TAGS[item.outcome],
        )
        for item in proposal.items.all()
    ]
    return render(
        request,
        "records/disposal.html",
        {
            "proposal": proposal,
            "items": items,
            "form": form,
            "status_tag": presenters.STATUS_TAGS[proposal.status],
            "status_changes": proposal.status_changes.select_related("by"),
        },
    )
