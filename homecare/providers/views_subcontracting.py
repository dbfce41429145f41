"""Pages for lead providers, subcontractors and the living-wage floor (ADR 0015). Thin: scope → selector
/service → presenter → render. A foreign record is a 404 (selectors); an action the role may not take on
a record it can see is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.providers import forms_subcontracting as forms
from homecare.providers import living_wage, presenters, rules, selectors, state, subcontracting
from homecare.providers import selectors_subcontracting as sub_selectors


def _posted(request):
    return request.POST if request.method == "POST" else None


def _council(request):
    org = request.user.organisation
    return org if org is not None and org.is_council else None


# --- lead provider appointments -----------------------------------------------------------------


@login_required
def lead_appointments(request):
    permissions.require(permissions.sees_subcontracting(request.user))
    today = timezone.localdate()
    appointments = sub_selectors.appointments_list(user=request.user)
    return render(
        request,
        "providers/lead_appointments.html",
        {
            "rows": [(a, a.is_in_force_on(today)) for a in appointments],
            "can_appoint": permissions.decides_subcontracting(request.user),
            "is_council": _council(request) is not None,
        },
    )


@login_required
def lead_appoint(request):
    permissions.require(permissions.decides_subcontracting(request.user))
    council = request.user.organisation
    frameworks = selectors.frameworks_visible_to(user=request.user).exclude(status="expired")
    form = forms.LeadAppointmentForm(
        _posted(request),
        providers=selectors.providers_for_admission(user=request.user),
        lots=selectors.Lot.objects.filter(framework__in=frameworks).select_related("framework"),
        zones=selectors.zones_for_council(council=council),
        initial={"effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            appointment = subcontracting.lead_appoint(
                actor=request.user, council=council, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{appointment.lead} appointed lead for {appointment.area}")
            return redirect("providers:lead-appointments")
    return render(
        request,
        "providers/form.html",
        {"form": form, "title": "Appoint a lead provider", "back": "providers:lead-appointments"},
    )


# --- subcontractors ---------------------------------------------------------------------------------


@login_required
def subcontracting_list(request):
    permissions.require(permissions.sees_subcontracting(request.user))
    org = request.user.organisation
    rows = sub_selectors.subcontractings_list(user=request.user)
    return render(
        request,
        "providers/subcontracting_list.html",
        {
            "rows": [(s, presenters.subcontracting_tag(s.status)) for s in rows],
            "can_register": bool(
                sub_selectors.appointments_to_register_under(user=request.user, on=timezone.localdate())
            ),
            "lead": org if org is not None and org.is_provider else None,
            "is_council": _council(request) is not None,
        },
    )


@login_required
def subcontractor_register(request):
    user = request.user
    appointments = sub_selectors.appointments_to_register_under(user=user, on=timezone.localdate())
    permissions.require(bool(appointments))
    form = forms.SubcontractorForm(
        _posted(request),
        appointments=sub_selectors.appointments_visible_to(user=user).filter(
            pk__in=[a.pk for a in appointments]
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        standards = form.standards()
        for name in standards:
            data.pop(name)
        try:
            registration = subcontracting.subcontractor_register(actor=user, **data, **standards)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{registration.subcontractor} registered: the council will approve or refuse it"
            )
            return redirect("providers:subcontracting", registration.pk)
    return render(
        request,
        "providers/form.html",
        {
            "form": form,
            "title": "Register a subcontractor",
            "back": "providers:subcontracting-list",
            "intro": "The council approves each subcontractor before it takes any visits. Subcontractors "
            "must pay every care worker at least the council's wage floor.",
        },
    )


@login_required
def subcontracting_detail(request, subcontracting_pk: int):
    registration = sub_selectors.subcontracting_for_user(user=request.user, pk=subcontracting_pk)
    period = forms.MonitoringPeriodForm(request.GET or None)
    start, end = period.period(timezone.localdate())
    decides = permissions.decides_subcontracting(request.user)
    return render(
        request,
        "providers/subcontracting_detail.html",
        {
            "registration": registration,
            "tag": presenters.subcontracting_tag(registration.status),
            "status_changes": sub_selectors.subcontracting_status_changes(subcontracting=registration),
            "transitions": state.subcontracting_transitions(registration.status) if decides else [],
            "lines": sub_selectors.monitoring_for_user(
                user=request.user, subcontracting=registration, start=start, end=end
            ),
            "period_form": period,
            "start": start,
            "end": end,
            "review": rules.long_date(registration.review_on),
        },
    )


@login_required
def subcontracting_decide(request, subcontracting_pk: int, step: str):
    registration = sub_selectors.subcontracting_for_user(user=request.user, pk=subcontracting_pk)
    permissions.require(
        permissions.decides_subcontracting(request.user) and step in state.SUBCONTRACTING_TRANSITIONS
    )
    transition = state.SUBCONTRACTING_TRANSITIONS[step]
    form = forms.DecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            subcontracting.subcontracting_decide(
                actor=request.user,
                subcontracting=registration,
                transition=step,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, state.SubcontractingTransitionNotAllowed) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"{transition.label}: done")
            return redirect("providers:subcontracting", registration.pk)
    return render(
        request,
        "providers/subcontracting_decide.html",
        {"form": form, "registration": registration, "step": transition},
        status=400 if form.errors else 200,
    )


@login_required
def lead_monitoring(request, provider_pk: int):
    """A lead provider's own delivery beside each subcontractor's, per council, with continuity."""
    lead = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.sees_subcontracting(request.user))
    period = forms.MonitoringPeriodForm(request.GET or None)
    start, end = period.period(timezone.localdate())
    return render(
        request,
        "providers/lead_monitoring.html",
        {
            "provider": lead,
            "councils": sub_selectors.lead_monitoring_for_user(
                user=request.user, lead=lead, start=start, end=end
            ),
            "period_form": period,
            "start": start,
            "end": end,
        },
    )


# --- the living-wage floor ----------------------------------------------------------------------


@login_required
def living_wage_page(request):
    council = _council(request)
    permissions.require(council is not None and permissions.sees_subcontracting(request.user))
    today = timezone.localdate()
    rows = presenters.wage_row_views(sub_selectors.wage_checks(council=council, today=today))
    return render(
        request,
        "providers/living_wage.html",
        {
            "floors": sub_selectors.floors_for_council(council=council),
            "current": sub_selectors.current_floor(council=council, on=today),
            "rows": rows,
            "flagged": [r for r in rows if r.flags],
            "periods": rows[0].cells if rows else [],
            "can_set": permissions.decides_subcontracting(request.user),
        },
    )


@login_required
def wage_floor_set(request):
    permissions.require(permissions.decides_subcontracting(request.user))
    form = forms.WageFloorForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            floor = living_wage.wage_floor_set(
                actor=request.user, council=request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{floor.name}: £{floor.hourly_amount} an hour from {rules.long_date(floor.effective_from)}",
            )
            return redirect("providers:living-wage")
    return render(
        request,
        "providers/form.html",
        {
            "form": form,
            "title": "Set the wage floor",
            "back": "providers:living-wage",
            "intro": "Providers and their subcontractors attest their lowest hourly pay each quarter. A "
            "floor applies from the first whole quarter it is in force. Earlier floors are kept.",
        },
    )


@login_required
def lowest_pay_attest(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.attests_lowest_pay(request.user, provider))
    today = timezone.localdate()
    form = forms.AttestationForm(
        _posted(request), councils=sub_selectors.councils_for_attestation(organisation=provider), today=today
    )
    if request.method == "POST" and form.is_valid():
        try:
            attestation = living_wage.lowest_pay_attest(
                actor=request.user, organisation=provider, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            period = rules.pay_period_label(attestation.period_start)
            messages.success(
                request, f"Lowest hourly pay of £{attestation.lowest_hourly_pay} attested for {period}"
            )
            return redirect("providers:provider", provider.pk)
    return render(
        request,
        "providers/provider_form.html",
        {
            "form": form,
            "provider": provider,
            "title": "Attest your lowest hourly pay",
            "intro": "The lowest hourly rate any of your care workers was paid in the pay period. To correct "
            "a period you have attested, attest it again and say why: the first attestation is kept.",
        },
    )
