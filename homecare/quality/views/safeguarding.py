"""Safeguarding pages: concerns (raise, triage, s42 decision, enquiry, outcome, closure, sharing), the
principal managers' escalations, pattern alerts, case audits, the data-quality report and designations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.accounts.models import Role
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import selectors as people_selectors
from homecare.providers import selectors as provider_selectors
from homecare.quality import presenters, services
from homecare.quality.forms import safeguarding as forms
from homecare.quality.models import ConcernStatus
from homecare.quality.selectors import safeguarding as selectors
from homecare.quality.views.common import form_page, posted


def _back(concern) -> tuple[str, str]:
    return reverse("quality:concern", args=[concern.pk]), f"Back to {concern.reference}"


def _is_lead(user, concern) -> bool:
    return permissions.leads_safeguarding(user) and user.organisation_id == concern.council_id


def _is_enquirer(user, concern, enquiry) -> bool:
    involved = {concern.allocated_worker_id, enquiry.enquiry_officer_id if enquiry else None} - {None}
    return user.role == Role.PRACTITIONER and user.pk in involved


@login_required
def concern_list(request):
    user = request.user
    permissions.require(permissions.sees_safeguarding(user))
    view = request.GET.get("view", "open")
    if view not in selectors.STATUS_FILTERS:
        view = "open"
    concerns = selectors.concern_list(user=user, view=view)
    provider = selectors.provider_view(user)
    return render(
        request,
        "quality/concerns.html",
        {
            "rows": [
                (
                    c,
                    presenters.provider_concern_view(c, provider_id=user.organisation_id)
                    if provider
                    else None,
                    presenters.concern_tag(c),
                )
                for c in concerns[:500]
            ],
            "provider": provider,
            "view": view,
            "views": {k: v[0] for k, v in selectors.STATUS_FILTERS.items()},
            "counts": selectors.counts(user=user),
            "lead": permissions.leads_safeguarding(user),
        },
    )


@login_required
def concern_new(request):
    user = request.user
    permissions.require(permissions.raises_safeguarding_concerns(user))
    org = user.organisation
    form = forms.ConcernForm(
        posted(request),
        people=people_selectors.people_visible_to(user=user),
        providers=provider_selectors.providers_visible_to(user=user).order_by("name"),
        provider_user=org.is_provider,
    )

    def call(data):
        return services.concern_raise(
            actor=user,
            person=data["person_reference"],
            adult_details=data.get("adult_details", ""),
            provider=data.get("provider"),
            source=data.get("source") or None,
            raiser_name=data.get("raiser_name", ""),
            raiser_contact=data.get("raiser_contact", ""),
            description=data["description"],
            immediate_action=data["immediate_action"],
            abuse_types=data["abuse_types"],
        )

    def done(concern):
        visible = selectors.concerns_visible_to(user=user).filter(pk=concern.pk).exists()
        return reverse("quality:concern", args=[concern.pk]) if visible else reverse("quality:home")

    return form_page(
        request,
        form=form,
        call=call,
        title="Raise a safeguarding concern",
        intro="If someone is in immediate danger, call 999 first. The council's safeguarding team will "
        "triage the concern and decide whether a section 42 enquiry is needed.",
        button="Raise the concern",
        success=lambda c: f"Safeguarding concern {c.reference} raised: the safeguarding team has been told",
        done=done,
        back=(reverse("quality:home"), "Back"),
    )


@login_required
def concern_detail(request, concern_pk: int):
    user = request.user
    concern = selectors.concern_for_user(user=user, pk=concern_pk)
    if selectors.provider_view(user):
        view = presenters.provider_concern_view(concern, provider_id=user.organisation_id)
        return render(request, "quality/concern_provider.html", {"concern": view})
    enquiry = selectors.enquiry_of(concern)
    lead = _is_lead(user, concern)
    share_form = (
        forms.ShareForm(initial={"summary": concern.provider_summary})
        if lead and concern.provider_id
        else None
    )
    return render(
        request,
        "quality/concern.html",
        {
            "concern": concern,
            "enquiry": enquiry,
            "tag": presenters.concern_tag(concern),
            "msp": presenters.msp(enquiry),
            "s42": [
                ("Care and support needs", presenters.yes_no(concern.care_and_support_needs)),
                (
                    "Experiencing, or at risk of, abuse or neglect",
                    presenters.yes_no(concern.experiencing_abuse_or_risk),
                ),
                ("Unable to protect themselves", presenters.yes_no(concern.unable_to_protect)),
            ],
            "abuse_types": [t.get_abuse_type_display() for t in concern.abuse_types.all()],
            "changes": concern.status_changes.select_related("by"),
            "escalations": concern.escalations.select_related("assigned_to", "decided_by") if lead else [],
            "patterns": concern.pattern_alerts.all() if lead else [],
            "actions": presenters.concern_actions(
                concern, lead=lead, enquirer=_is_enquirer(user, concern, enquiry)
            ),
            "share_form": share_form,
            "lead": lead,
        },
    )


def _step(request, concern_pk: int, *, lead_only: bool = True):
    concern = selectors.concern_for_user(user=request.user, pk=concern_pk)
    lead = _is_lead(request.user, concern)
    permissions.require(
        lead or (not lead_only and _is_enquirer(request.user, concern, selectors.enquiry_of(concern)))
    )
    return concern


def _council_users(request, *roles):
    return selectors.council_users(user=request.user, roles=roles)


@login_required
def concern_triage(request, concern_pk: int):
    concern = _step(request, concern_pk)
    form = forms.TriageForm(
        posted(request),
        initial={"abuse_types": list(concern.abuse_types.values_list("abuse_type", flat=True))},
        leads=_council_users(request, Role.SAFEGUARDING_LEAD),
        practitioners=_council_users(request, Role.PRACTITIONER, Role.SAFEGUARDING_LEAD),
    )
    return form_page(
        request,
        form=form,
        call=lambda d: services.concern_triage(actor=request.user, concern=concern, **d),
        title="Triage the concern",
        caption=f"{concern.reference} · {concern.adult_label}",
        intro=concern.description,
        button="Save the triage",
        success="Triaged",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


@login_required
def concern_decide(request, concern_pk: int):
    concern = _step(request, concern_pk)

    def call(d):
        return services.concern_decide(
            actor=request.user,
            concern=concern,
            care_and_support_needs=d["care_and_support_needs"],
            experiencing_abuse_or_risk=d["experiencing_abuse_or_risk"],
            unable_to_protect=d["unable_to_protect"],
            reason=d["reason"],
            make_enquiry=d["decision"] == "enquiry",
            outside_route=d["outside_route"],
            outside_reason=d["outside_reason"],
        )

    return form_page(
        request,
        form=forms.DecisionForm(posted(request)),
        call=call,
        title="Does the section 42 duty apply?",
        caption=f"{concern.reference} · {concern.adult_label}",
        intro="Care Act 2014 s42(1): the council must make (or cause) enquiries when it has reasonable cause "
        "to suspect all three. When not all three apply it may still make a non-statutory enquiry.",
        button="Record the decision",
        success="Decision recorded",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


@login_required
def concern_plan(request, concern_pk: int):
    concern = _step(request, concern_pk, lead_only=False)
    form = forms.StartEnquiryForm(
        posted(request),
        initial={"enquiry_officer": concern.allocated_worker_id},
        officers=_council_users(request, Role.PRACTITIONER, Role.SAFEGUARDING_LEAD),
    )
    return form_page(
        request,
        form=form,
        call=lambda d: services.concern_start_enquiry(actor=request.user, concern=concern, **d),
        title="Start the enquiry",
        caption=f"{concern.reference} · {concern.adult_label}",
        intro="Making Safeguarding Personal: record whether the person was asked what they want to happen.",
        button="Start the enquiry",
        success="Enquiry started",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


@login_required
def concern_outcome(request, concern_pk: int):
    concern = _step(request, concern_pk, lead_only=False)
    return form_page(
        request,
        form=forms.OutcomeForm(posted(request)),
        call=lambda d: services.concern_record_outcome(actor=request.user, concern=concern, **d),
        title="Record the outcome",
        caption=f"{concern.reference} · {concern.adult_label}",
        button="Record the outcome",
        success="Outcome recorded: a safeguarding lead signs off the closure",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


@login_required
def concern_close(request, concern_pk: int):
    concern = _step(request, concern_pk)
    return form_page(
        request,
        form=forms.CloseConcernForm(posted(request)),
        call=lambda d: services.concern_close(actor=request.user, concern=concern, **d),
        title="Close the enquiry",
        caption=f"{concern.reference} · {concern.adult_label}",
        button="Close the enquiry",
        success=lambda c: "Closed" if c.status == ConcernStatus.CLOSED else "Saved",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


@login_required
def concern_share(request, concern_pk: int):
    concern = _step(request, concern_pk)
    return form_page(
        request,
        form=forms.ShareForm(posted(request), initial={"summary": concern.provider_summary}),
        call=lambda d: services.concern_share_with_provider(actor=request.user, concern=concern, **d),
        title=f"Share with {concern.provider.name if concern.provider else 'the provider'}",
        caption=f"{concern.reference} · {concern.adult_label}",
        button="Share",
        success="Shared with the provider",
        done=reverse("quality:concern", args=[concern.pk]),
        back=_back(concern),
    )


# --- escalations, patterns ------------------------------------------------------------------------


@login_required
def escalation_list(request):
    permissions.require(permissions.leads_safeguarding(request.user))
    escalations = selectors.escalations_visible_to(user=request.user).select_related(
        "concern__person", "assigned_to", "decided_by"
    )
    return render(
        request,
        "quality/escalations.html",
        {
            "open": [e for e in escalations if e.is_open],
            "decided": [e for e in escalations if not e.is_open][:50],
        },
    )


@login_required
def escalation_detail(request, escalation_pk: int):
    escalation = selectors.escalation_for_user(user=request.user, pk=escalation_pk)
    may_decide = escalation.is_open and services.may_decide_escalation(request.user, escalation)
    if request.method == "POST":
        permissions.require(may_decide)
    form = forms.EscalationDecisionForm(posted(request)) if may_decide else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.escalation_decide(actor=request.user, escalation=escalation, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Decision recorded")
            return redirect("quality:escalations")
    return render(request, "quality/escalation.html", {"escalation": escalation, "form": form})


def _patterns_page(request, problem: str = ""):
    alerts = (
        selectors.pattern_alerts_visible_to(user=request.user)
        .select_related("person", "provider", "acknowledged_by")
        .prefetch_related("concerns")
    )
    return render(
        request,
        "quality/patterns.html",
        {"alerts": alerts[:200], "window": services.pattern_window_days(), "problem": problem},
    )


@login_required
def pattern_list(request):
    permissions.require(permissions.leads_safeguarding(request.user))
    return _patterns_page(request)


@login_required
@require_POST
def pattern_acknowledge(request, pattern_pk: int):
    alert = selectors.pattern_alert_for_user(user=request.user, pk=pattern_pk)
    permissions.require(permissions.leads_safeguarding(request.user))
    try:
        services.pattern_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", ""))
    except ValidationError as exc:
        return _patterns_page(request, problem=" ".join(exc.messages))
    messages.success(request, "Pattern alert acknowledged")
    return redirect("quality:pattern-alerts")


# --- the data-quality report and designations ------------------------------------------------------


@login_required
def data_quality(request):
    permissions.require(permissions.leads_safeguarding(request.user))
    return render(
        request, "quality/data_quality.html", {"rows": selectors.data_quality_report(user=request.user)}
    )


@login_required
def managers(request):
    user = request.user
    permissions.require(permissions.designates_safeguarding_managers(user))
    form = forms.DesignateForm(posted(request), leads=_council_users(request, Role.SAFEGUARDING_LEAD))
    if request.method == "POST" and request.POST.get("end"):
        designation = selectors.designation_for_user(
            user=user, pk=int(request.POST["end"]) if request.POST["end"].isdigit() else 0
        )
        services.manager_end(actor=user, designation=designation)
        messages.success(
            request, f"{designation.user} is no longer a {designation.get_level_display().lower()}"
        )
        return redirect("quality:safeguarding-managers")
    if request.method == "POST" and form.is_valid():
        try:
            services.manager_designate(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Designated")
            return redirect("quality:safeguarding-managers")
    return render(
        request, "quality/managers.html", {"form": form, "designations": selectors.designations(user=user)}
    )
