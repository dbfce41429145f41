"""Live boards and the visit page, for provider managers (their own visits) and council staff (their
council's, across providers). Thin: scope → selector/service → presenter → render."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.accounts.models import Role
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import selectors as people_selectors
from homecare.visits import forms, presenters, rules, selectors, services, subcontracting
from homecare.visits.models import VisitStatus


@login_required
def board(request):
    if request.user.role == Role.CARE_WORKER:
        return redirect("visits:app")
    permissions.require(permissions.sees_visit_board(request.user))
    form = forms.BoardForm(request.GET or None)
    day, show = timezone.localdate(), ""
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["day"] or day
        show = form.cleaned_data["show"]
    visits = selectors.board_visits(user=request.user, day=day)
    context = {"form": form, "day": day, "figures": selectors.day_figures(visits)}
    if permissions.manages_visits(request.user):
        listed = selectors.board_list(visits=visits, show=show)
        context |= {
            "rows": presenters.visit_rows(listed),
            "alerts": selectors.alerts_visible_to(user=request.user)
            .filter(acknowledged_at__isnull=True, visit__actual_start__isnull=True)
            .order_by("raised_at")[:50],
            "acknowledge_form": forms.AcknowledgeForm(),
        }
        return render(request, "visits/provider_board.html", context)
    context |= {
        "providers": selectors.council_board(user=request.user, day=day),
        "escalated": selectors.alerts_visible_to(user=request.user)
        .filter(escalated_at__isnull=False, acknowledged_at__isnull=True, visit__actual_start__isnull=True)
        .order_by("raised_at")[:50],
    }
    return render(request, "visits/council_board.html", context)


def _visit_page(request, visit, **bound):
    manager = permissions.manages_visits(request.user)
    care_workers = selectors.care_workers_for(user=request.user, visit=visit)
    # Under the lead-provider model (ADR 0015) the deliverer's managers record and correct the visit;
    # the lead's managers decide who delivers it.
    delivers = manager and request.user.organisation_id == visit.deliverer_id
    leads = manager and request.user.organisation_id == visit.provider_id
    return render(
        request,
        "visits/visit.html",
        {
            "visit": visit,
            "row": presenters.visit_rows([visit])[0],
            "events": presenters.event_lines(selectors.visit_events(visit=visit)),
            "assignments": visit.assignments.select_related("care_worker"),
            "alerts": visit.alerts.select_related("acknowledged_by"),
            "manager": delivers,
            "leads": leads,
            "deliverer_form": _deliverer_form(visit) if leads and visit.status == VisitStatus.PLANNED else "",
            "assign_form": bound.get("assign_form") or forms.AssignForm(care_workers=care_workers),
            "correction_form": bound.get("correction_form") or forms.CorrectionForm(),
            "cancel_form": bound.get("cancel_form") or forms.CancelForm(),
            "can_cancel": delivers
            and visit.status not in (VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED, VisitStatus.CANCELLED),
        },
        status=400 if any(f.errors for f in bound.values()) else 200,
    )


def _deliverer_form(visit):
    subcontractors = subcontracting.subcontractor_choices(
        council_id=visit.council_id, lead_id=visit.provider_id
    )
    if not subcontractors.exists() and visit.delivered_by_id is None:
        return None
    return forms.DeliveryForm(
        subcontractors=subcontractors, with_date=False, initial={"subcontractor": visit.delivered_by_id}
    )


@login_required
def visit_detail(request, visit_pk: int):
    visit = selectors.visit_for_user(user=request.user, pk=visit_pk)
    permissions.require(permissions.sees_visit_board(request.user))
    return _visit_page(request, visit)


def _act(request, visit_pk: int, form, action, success: str):
    """POST handler shape shared by the visit page's forms: validate, call the service, redirect."""
    visit = selectors.visit_for_user(user=request.user, pk=visit_pk)
    permissions.require(permissions.manages_visits(request.user))
    bound = form(visit)
    if bound.is_valid():
        try:
            action(visit, bound.cleaned_data)
        except ValidationError as exc:
            add_service_errors(bound, exc)
        else:
            messages.success(request, success)
            return redirect("visits:visit", visit_pk=visit.pk)
    name = {forms.AssignForm: "assign_form", forms.CorrectionForm: "correction_form"}.get(
        type(bound), "cancel_form"
    )
    return _visit_page(request, visit, **{name: bound})


@login_required
@require_POST
def visit_assign(request, visit_pk: int):
    def form(visit):
        workers = selectors.care_workers_for(user=request.user, visit=visit)
        return forms.AssignForm(request.POST, care_workers=workers)

    return _act(
        request,
        visit_pk,
        form,
        lambda visit, data: services.visit_assign(
            actor=request.user, visit=visit, care_worker=data["care_worker"]
        ),
        "Care worker assigned",
    )


def _on_visit_day(visit, start: dt.time | None, end: dt.time | None):
    """Times typed for a visit are on its day in London; a check-out before the check-in is the next day."""
    start_at = rules.local_start(visit.date, start) if start else None
    end_at = rules.local_start(visit.date, end) if end else None
    reference = start_at or visit.actual_start
    if end_at and reference and end_at <= reference:
        end_at = rules.local_start(visit.date + dt.timedelta(days=1), end)
    return start_at, end_at


@login_required
@require_POST
def visit_correct(request, visit_pk: int):
    def correct(visit, data):
        start, end = _on_visit_day(visit, data["start"], data["end"])
        services.visit_correct(
            actor=request.user,
            visit=visit,
            reason_code=data["reason_code"],
            note=data["note"],
            start=start,
            end=end,
        )

    return _act(
        request, visit_pk, lambda v: forms.CorrectionForm(request.POST), correct, "Correction recorded"
    )


@login_required
@require_POST
def visit_cancel(request, visit_pk: int):
    return _act(
        request,
        visit_pk,
        lambda v: forms.CancelForm(request.POST),
        lambda visit, data: services.visit_cancel(
            actor=request.user, visit=visit, reason_code=data["reason_code"], note=data["note"]
        ),
        "Visit cancelled",
    )


@login_required
@require_POST
def alert_acknowledge(request, alert_pk: int):
    alert = selectors.alert_for_user(user=request.user, pk=alert_pk)
    permissions.require(permissions.manages_visits(request.user))
    form = forms.AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(
                actor=request.user, alert=alert, action_taken=form.cleaned_data["action_taken"]
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Alert acknowledged")
    else:
        messages.error(request, "Say what you did, for example who you phoned, to acknowledge the alert")
    return redirect("visits:board")


@login_required
def home_tag(request, person_pk: int):
    """A provider manager prints the QR tag for a person's home; issuing a new one retires the old."""
    person = people_selectors.person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.manages_visits(request.user))
    if request.method == "POST":
        try:
            services.home_tag_issue(actor=request.user, person=person)
        except PermissionDenied:
            raise
        messages.success(request, "New tag ready to print; the old one no longer works")
        return redirect("visits:home-tag", person_pk=person.pk)
    tag = selectors.live_home_tag(user=request.user, person=person)
    svg = segno.make(tag.token, error="m").svg_inline(scale=6) if tag else ""
    return render(request, "visits/home_tag.html", {"person": person, "tag": tag, "qr_svg": svg})


urlpatterns = [
    path("board/", board, name="board"),
    path("<int:visit_pk>/", visit_detail, name="visit"),
    path("<int:visit_pk>/assign", visit_assign, name="assign"),
    path("<int:visit_pk>/correct", visit_correct, name="correct"),
    path("<int:visit_pk>/cancel", visit_cancel, name="cancel"),
    path("alerts/<int:alert_pk>/acknowledge", alert_acknowledge, name="acknowledge"),
    path("tags/<int:person_pk>/", home_tag, name="home-tag"),
]
