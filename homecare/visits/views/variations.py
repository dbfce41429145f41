"""Variation pages. A provider manager asks for extra time or logs an emergency from the visit page, asks for
a temporary increase or a reassessment, or notes a preferred-time change for one of its packages, and
follows its requests; council staff see what is due, open a variation with its evidence pack, and approve
or reject it. One set of views over scoped selectors (visits.variations); thin: scope → selector/service
→ presenter → render. Forms here validate types only: the rules live in the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukTimeField, add_service_errors
from homecare.visits import selectors, variations
from homecare.visits.variation_models import (
    VISIT_KINDS,
    EmergencyService,
    Variation,
    VariationKind,
    VariationStatus,
)

# --- forms --------------------------------------------------------------------------------------

PACKAGE_KINDS = [
    (VariationKind.TEMPORARY_INCREASE, "A temporary increase while a reassessment is awaited"),
    (VariationKind.REASSESSMENT, "A reassessment: the person's needs have changed for good"),
    (
        VariationKind.PREFERRED_TIME_CHANGE,
        "Tell the council about a preferred-time change the person asked for",
    ),
]
VISIT_KIND_CHOICES = [
    (
        VariationKind.EXTRA_TIME,
        "Extra time: the care worker stayed longer (for example the person was unwell)",
    ),
    (
        VariationKind.EMERGENCY,
        "Emergency: the care worker stayed until an ambulance, 111, police or fire took over",
    ),
]
MINUTES_ERRORS = {
    "required": "Enter the extra minutes, like 15",
    "invalid": "Enter the minutes as a whole number, like 15",
}
CARER_CHOICES = [(1, "One carer"), (2, "Both carers")]


def _reason_field(label: str, message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": message, "max_length": "Keep it under 2,000 characters"},
    )


def _minutes_field(help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label="Extra minutes",
        help_text=help_text,
        error_messages=MINUTES_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class PackageField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.person.full_name} ({obj.reference})"


class KindForm(GovukForm):
    kind = forms.ChoiceField(
        label="What do you need?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you need", "invalid_choice": "Choose what you need"},
    )

    def __init__(self, *args, on_visit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_visit = on_visit
        # Every kind is accepted (so a visit kind without a visit gets its own message below); only those
        # that fit the page are offered.
        self.fields["kind"].choices = VISIT_KIND_CHOICES + PACKAGE_KINDS
        self.fields["kind"].widget.choices = VISIT_KIND_CHOICES if on_visit else PACKAGE_KINDS

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind in VISIT_KINDS and not self.on_visit:
            raise forms.ValidationError(
                "Open the visit from the board to claim extra time or an emergency for it"
            )
        return kind


class VisitClaimForm(GovukForm):
    """Extra time and emergencies: the carers field is asked only on a double-handed visit."""

    input_widths = {"minutes": "govuk-input--width-4"}

    def __init__(self, *args, carers_required: int, **kwargs):
        super().__init__(*args, **kwargs)
        if carers_required > 1:
            self.fields["carers"] = forms.TypedChoiceField(
                label="How many carers stayed?",
                choices=CARER_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how many carers stayed"},
            )
            self.order_fields(["service", "incident_at", "handover_at", "minutes", "carers", "reason"])


class ExtraTimeForm(VisitClaimForm):
    minutes = _minutes_field("For each carer who stayed, in steps of 5 minutes")
    reason = _reason_field(
        "Why did the care worker stay longer?",
        "Say why the care worker stayed longer, for example the person was unwell",
    )


class EmergencyForm(VisitClaimForm):
    service = forms.ChoiceField(
        label="Who was called?",
        choices=EmergencyService.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who was called: ambulance, NHS 111, police or fire"},
    )
    incident_at = GovukTimeField(
        label="Time of the incident",
        help_text="On the day of the visit, in 24-hour format, like 08:20",
        error_messages={"required": "Enter the time of the incident"},
    )
    handover_at = GovukTimeField(
        label="Time the care worker handed over",
        help_text="A time earlier than the incident is taken as the next day",
        error_messages={"required": "Enter the time the care worker handed over"},
    )
    minutes = _minutes_field("For each carer who stayed, in steps of 5 minutes, no longer than the wait")
    reason = _reason_field("What happened?", "Describe what happened and what the care worker did")


class PackageForm(GovukForm):
    package = PackageField(
        label="Person and package",
        queryset=None,
        error_messages={"required": "Choose the package", "invalid_choice": "Choose one of your packages"},
    )

    def __init__(self, *args, packages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = packages


class TemporaryIncreaseForm(PackageForm):
    input_widths = {"minutes": "govuk-input--width-4"}

    date_from = GovukDateField(label="First day", error_messages={"required": "Enter the first day"})
    date_to = GovukDateField(label="Last day", error_messages={"required": "Enter the last day"})
    visit_time = GovukTimeField(
        label="Which call? (optional)",
        required=False,
        help_text="Its planned time, like 08:00; leave blank for every call",
    )
    minutes = _minutes_field("Added to each visit, for each of its carers, in steps of 5 minutes")
    reason = _reason_field("Why is more time needed?", "Say why more time is needed until the reassessment")


class ReassessmentForm(PackageForm):
    reason = _reason_field(
        "What has changed?", "Say what has changed, for example visits regularly take longer"
    )


class PreferredTimeForm(PackageForm):
    visit_time = GovukTimeField(
        label="The call's planned time",
        help_text="Like 08:00",
        error_messages={"required": "Enter the time of the call the person wants to move"},
    )
    new_time = GovukTimeField(label="New time", error_messages={"required": "Enter the new time"})
    date_from = GovukDateField(label="From", error_messages={"required": "Enter the day the new time starts"})
    reason = _reason_field("Why did the person ask?", "Say why the person asked for the change")


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or reject", "invalid_choice": "Choose approve or reject"},
    )
    note = forms.CharField(
        label="Note to the provider",
        required=False,
        max_length=2000,
        help_text="Needed when you reject",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(GovukForm):
    note = forms.CharField(label="Why withdraw? (optional)", required=False, max_length=2000)


class WeeksForm(GovukForm):
    input_widths = {"weeks": "govuk-input--width-2"}

    weeks = forms.IntegerField(
        label="Weeks of evidence",
        required=False,
        min_value=1,
        max_value=variations.MAX_EVIDENCE_WEEKS,
        error_messages={
            "invalid": "Enter the number of weeks as a whole number, like 6",
            "min_value": "Show at least 1 week",
            "max_value": f"Show at most {variations.MAX_EVIDENCE_WEEKS} weeks",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


# --- presenters ---------------------------------------------------------------------------------

STATUS_TAGS = {
    VariationStatus.REQUESTED: "govuk-tag--blue",
    VariationStatus.APPROVED: "govuk-tag--green",
    VariationStatus.REJECTED: "govuk-tag--red",
    VariationStatus.WITHDRAWN: "govuk-tag--grey",
    VariationStatus.NOTED: "govuk-tag--purple",
}
EVIDENCE_KINDS = (VariationKind.REASSESSMENT, VariationKind.TEMPORARY_INCREASE)


def _hm(at) -> str:
    if isinstance(at, dt.datetime):
        at = timezone.localtime(at)
    return f"{at:%H:%M}"


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def variation_summary(v: Variation) -> str:
    """One line saying what was asked, in the words on the forms."""
    if v.kind in VISIT_KINDS and v.visit is not None:
        carers = ""
        if v.visit.carers_required > 1:
            carers = " for one carer" if v.carers == 1 else " for both carers"
        visit = f"the {_hm(v.visit.planned_start)} visit on {_day(v.visit.date)}"
        what = f"{v.minutes} extra minutes{carers} at {visit}"
        if v.kind == VariationKind.EMERGENCY:
            what += f" ({v.get_service_display()}: {_hm(v.incident_at)} to {_hm(v.handover_at)})"
        return what
    if v.kind == VariationKind.TEMPORARY_INCREASE:
        calls = f"the {_hm(v.visit_time)} call" if v.visit_time else "every call"
        return f"{v.minutes} extra minutes on {calls}, {_day(v.date_from)} to {_day(v.date_to)}"
    if v.kind == VariationKind.PREFERRED_TIME_CHANGE:
        return f"The {_hm(v.visit_time)} call moves to {_hm(v.new_time)} from {_day(v.date_from)}"
    return "Reassessment of the package"


@dataclass(frozen=True)
class VariationRow:
    variation: Variation
    kind: str
    person: str
    summary: str
    status: str
    status_tag: str
    due: str
    overdue: bool
    requested: str


def variation_rows(items, *, today: dt.date) -> list[VariationRow]:
    rows = []
    for v in items:
        waiting = v.status == VariationStatus.REQUESTED
        rows.append(
            VariationRow(
                variation=v,
                kind=v.get_kind_display(),
                person=v.package.person.full_name,
                summary=variation_summary(v),
                status=v.get_status_display(),
                status_tag=STATUS_TAGS.get(v.status, ""),
                due=_day(v.due_on) if v.due_on and waiting else "",
                overdue=bool(waiting and v.due_on and v.due_on < today),
                requested=f"{_day(timezone.localdate(v.requested_at))} {_hm(v.requested_at)}",
            )
        )
    return rows


# --- views --------------------------------------------------------------------------------------


@login_required
def variation_list(request):
    """The council's "Variations to decide" (soonest due first, overdue tagged) or the provider's own."""
    permissions.require(permissions.sees_visit_board(request.user))
    today = timezone.localdate()
    return render(
        request,
        "visits/variations/list.html",
        {
            "provider": permissions.manages_visits(request.user),
            "due": variation_rows(variations.variations_due(user=request.user), today=today),
            "recent": variation_rows(variations.variations_recent(user=request.user), today=today),
        },
    )


@dataclass(frozen=True)
class KindPage:
    title: str
    form: Callable[..., GovukForm]
    submit: Callable[..., Variation]
    button: str


def _emergency(actor, visit, data) -> Variation:
    incident_at, handover_at = variations.times_on_visit_day(visit, data["incident_at"], data["handover_at"])
    return variations.variation_request_emergency(
        actor=actor,
        visit=visit,
        minutes=data["minutes"],
        service=data["service"],
        incident_at=incident_at,
        handover_at=handover_at,
        carers=data.get("carers"),
        reason=data["reason"],
    )


KIND_PAGES: dict[str, KindPage] = {
    VariationKind.EXTRA_TIME: KindPage(
        "Request extra time",
        ExtraTimeForm,
        lambda actor, visit, data: variations.variation_request_extra_time(
            actor=actor,
            visit=visit,
            minutes=data["minutes"],
            carers=data.get("carers"),
            reason=data["reason"],
        ),
        "Send to the council",
    ),
    VariationKind.EMERGENCY: KindPage(
        "Log emergency extra time", EmergencyForm, _emergency, "Send to the council"
    ),
    VariationKind.TEMPORARY_INCREASE: KindPage(
        "Request a temporary increase",
        TemporaryIncreaseForm,
        lambda actor, visit, data: variations.variation_request_temporary_increase(
            actor=actor,
            package=data["package"],
            minutes=data["minutes"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            visit_time=data["visit_time"],
            reason=data["reason"],
        ),
        "Send to the council",
    ),
    VariationKind.REASSESSMENT: KindPage(
        "Request a reassessment",
        ReassessmentForm,
        lambda actor, visit, data: variations.variation_request_reassessment(
            actor=actor, package=data["package"], reason=data["reason"]
        ),
        "Send to the council",
    ),
    VariationKind.PREFERRED_TIME_CHANGE: KindPage(
        "Tell the council about a preferred-time change",
        PreferredTimeForm,
        lambda actor, visit, data: variations.variation_note_preferred_time_change(
            actor=actor,
            package=data["package"],
            visit_time=data["visit_time"],
            new_time=data["new_time"],
            date_from=data["date_from"],
            reason=data["reason"],
        ),
        "Tell the council",
    ),
}


def _visit_from_query(request):
    """The visit named by ?visit=, through the user's scope (someone else's visit is a 404)."""
    raw = request.GET.get("visit", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return selectors.visit_for_user(user=request.user, pk=int(raw))


@login_required
def variation_new(request):
    """?kind= picks the form; ?visit= names the visit for extra time or an emergency (from the visit page)."""
    permissions.require(permissions.manages_visits(request.user))
    visit = _visit_from_query(request)
    kind = request.GET.get("kind", "")
    page = KIND_PAGES.get(kind)
    on_visit = visit is not None
    if page is None or (kind in VISIT_KINDS and visit is None):
        chooser = KindForm(request.GET if kind else None, on_visit=on_visit)
        if kind and chooser.is_valid():
            chooser.add_error(
                "kind", "Open the visit from the board to claim extra time or an emergency for it"
            )
        return render(
            request,
            "visits/variations/choose.html",
            {"form": chooser, "visit": visit},
            status=400 if chooser.errors else 200,
        )
    if kind in VISIT_KINDS:
        form_kwargs = {"carers_required": visit.carers_required}
    else:
        form_kwargs = {"packages": variations.packages_for_variations(user=request.user)}
        if visit is not None:
            form_kwargs["initial"] = {"package": visit.package_id}
    form = page.form(request.POST if request.method == "POST" else None, **form_kwargs)
    if form.is_bound and form.is_valid():
        try:
            variation = page.submit(request.user, visit, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = "noted" if variation.status == VariationStatus.NOTED else "sent to the council"
            messages.success(request, f"{variation.get_kind_display()} {done}")
            return redirect("visits:variation", variation_pk=variation.pk)
    return render(
        request,
        "visits/variations/new.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "visit": visit,
            "on_visit": kind in VISIT_KINDS,
            "visit_row": visit and _visit_line(visit),
            "not_delivered": kind in VISIT_KINDS and visit.actual_end is None,
        },
        status=400 if form.errors else 200,
    )


def _visit_line(visit) -> str:
    actual = ""
    if visit.actual_start and visit.actual_end:
        actual = (
            f"; delivered {_hm(visit.actual_start)} to {_hm(visit.actual_end)} ({visit.actual_minutes} min)"
        )
    return (
        f"{visit.person.full_name}, {_day(visit.date)} at {_hm(visit.planned_start)}, "
        f"{visit.planned_minutes} min planned{actual}"
    )


def _detail_page(request, variation: Variation, *, decision_form=None, withdraw_form=None):
    weeks_form = WeeksForm(request.GET if "weeks" in request.GET else None)
    weeks = variations.EVIDENCE_WEEKS
    if weeks_form.is_bound and weeks_form.is_valid():
        weeks = weeks_form.cleaned_data["weeks"] or weeks
    pack = None
    if variation.kind in EVIDENCE_KINDS:
        pack = variations.evidence_pack(
            package=variation.package, end=timezone.localdate(variation.requested_at), weeks=weeks
        )
    user = request.user
    bound = [f for f in (decision_form, withdraw_form, weeks_form) if f is not None and f.is_bound]
    return render(
        request,
        "visits/variations/detail.html",
        {
            "variation": variation,
            "row": variation_rows([variation], today=timezone.localdate())[0],
            "history": variations.variation_history(variation=variation),
            "pack": pack,
            "weeks": weeks,
            "weeks_form": weeks_form,
            "decision_form": decision_form or DecisionForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "may_decide": variations.may_decide(user, variation),
            "may_withdraw": variations.may_withdraw(user, variation),
            "may_change_package": variation.kind == VariationKind.REASSESSMENT
            and variation.status == VariationStatus.APPROVED
            and permissions.can_change_packages(user),
        },
        status=400 if any(f.errors for f in bound) else 200,
    )


@login_required
def variation_detail(request, variation_pk: int):
    variation = variations.variation_for_user(user=request.user, pk=variation_pk)
    return _detail_page(request, variation)


@login_required
@require_POST
def variation_decide(request, variation_pk: int):
    variation = variations.variation_for_user(user=request.user, pk=variation_pk)
    permissions.require(variations.decides_for(request.user, variation))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            variations.variation_decide(
                actor=request.user,
                variation=variation,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{variation.get_kind_display()} {variation.get_status_display().lower()}"
            )
            return redirect("visits:variation", variation_pk=variation.pk)
    return _detail_page(request, variation, decision_form=form)


@login_required
@require_POST
def variation_withdraw(request, variation_pk: int):
    variation = variations.variation_for_user(user=request.user, pk=variation_pk)
    permissions.require(permissions.manages_visits(request.user))
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            variations.variation_withdraw(
                actor=request.user, variation=variation, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{variation.get_kind_display()} withdrawn")
            return redirect("visits:variation", variation_pk=variation.pk)
    return _detail_page(request, variation, withdraw_form=form)


urlpatterns = [
    path("variations/", variation_list, name="variations"),
    path("variations/new", variation_new, name="variation-new"),
    path("variations/<int:variation_pk>/", variation_detail, name="variation"),
    path("variations/<int:variation_pk>/decide", variation_decide, name="variation-decide"),
    path("variations/<int:variation_pk>/withdraw", variation_withdraw, name="variation-withdraw"),
]
