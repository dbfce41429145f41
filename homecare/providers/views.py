"""Thin views: scope → selector/service → presenter → render. Foreign records are 404s (selectors);
actions a role may not take on a record it can see are 403s."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.providers import forms, presenters, rules, selectors, services, state


def _posted(request):
    """The submitted data for a POST (even an empty one, so it is validated), else None."""
    return request.POST if request.method == "POST" else None


# --- frameworks ---------------------------------------------------------------------------------


@login_required
def framework_list(request):
    permissions.require(permissions.sees_frameworks(request.user))
    frameworks = selectors.frameworks_list(user=request.user)
    return render(
        request,
        "providers/framework_list.html",
        {
            "rows": [(f, presenters.status_tag(f.status)) for f in frameworks],
            "can_manage": permissions.can_manage_frameworks(request.user),
        },
    )


@login_required
def framework_create(request):
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.FrameworkForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            framework = services.framework_create(
                actor=request.user, council=request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{framework.name} drafted. Now add its lots.")
            return redirect("providers:framework", framework.pk)
    return render(
        request,
        "providers/form.html",
        {"form": form, "title": "Draft a framework", "back": "providers:frameworks"},
    )


@login_required
def framework_detail(request, framework_pk: int):
    framework = selectors.framework_for_user(user=request.user, pk=framework_pk)
    today = timezone.localdate()
    can_manage = permissions.can_manage_frameworks(request.user)
    return render(
        request,
        "providers/framework_detail.html",
        {
            "framework": framework,
            "tag": presenters.status_tag(framework.status),
            "lots": presenters.lot_views(selectors.framework_lots(framework=framework), today=today),
            "transitions": presenters.framework_transitions(framework) if can_manage else [],
            "status_changes": selectors.framework_status_changes(framework=framework),
            "can_manage": can_manage,
            "can_admit": can_manage and framework.status in services.ADMITTING_STATUSES,
            "can_price": can_manage and framework.status != "expired",
            "sees_providers": permissions.sees_providers(request.user),
            "end_date": rules.long_date(framework.end_date),
        },
    )


@login_required
def framework_transition(request, framework_pk: int, step: str):
    framework = selectors.framework_for_user(user=request.user, pk=framework_pk)
    permissions.require(permissions.can_manage_frameworks(request.user) and step in state.TRANSITIONS)
    transition = state.TRANSITIONS[step]
    form = forms.TransitionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.framework_transition(
                actor=request.user, framework=framework, transition=step, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, state.TransitionNotAllowed) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"{transition.label}: done")
            return redirect("providers:framework", framework.pk)
    return render(
        request,
        "providers/framework_transition.html",
        {"form": form, "framework": framework, "step": transition},
    )


@login_required
def lot_add(request, framework_pk: int):
    framework = selectors.framework_for_user(user=request.user, pk=framework_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.LotForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            lot = services.lot_add(actor=request.user, framework=framework, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Lot added: {lot.name}")
            return redirect("providers:framework", framework.pk)
    return render(
        request, "providers/framework_form.html", {"form": form, "framework": framework, "title": "Add a lot"}
    )


@login_required
def admission_record(request, lot_pk: int):
    lot = selectors.lot_for_user(user=request.user, pk=lot_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.AdmissionForm(
        _posted(request), providers=selectors.providers_for_admission(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            admission = services.admission_record(actor=request.user, lot=lot, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{admission.provider}: {admission.get_decision_display().lower()} "
                f"(weighted score {admission.weighted_score})",
            )
            return redirect("providers:framework", lot.framework_id)
    return render(
        request,
        "providers/framework_form.html",
        {"form": form, "framework": lot.framework, "lot": lot, "title": "Record a tender evaluation"},
    )


@login_required
def rate_card_add(request, lot_pk: int):
    lot = selectors.lot_for_user(user=request.user, pk=lot_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.RateCardForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            card = services.rate_card_add(actor=request.user, lot=lot, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            per = "an hour" if card.per == "hour" else "a night"
            when = rules.long_date(card.effective_from)
            messages.success(request, f"Rate of £{card.amount} {per} added from {when}")
            return redirect("providers:framework", lot.framework_id)
    return render(
        request,
        "providers/framework_form.html",
        {
            "form": form,
            "framework": lot.framework,
            "lot": lot,
            "title": "Add a rate",
            "intro": (
                "Rates are never changed. A new rate takes effect from its date; "
                "earlier rates stay in the history."
            ),
        },
    )


# --- providers ----------------------------------------------------------------------------------


@login_required
def provider_list(request):
    permissions.require(permissions.sees_providers(request.user))
    return render(
        request,
        "providers/provider_list.html",
        {
            "rows": presenters.provider_row_views(
                selectors.provider_rows(user=request.user, on=timezone.localdate())
            ),
            "sees_frameworks": permissions.sees_frameworks(request.user),
        },
    )


@login_required
def your_organisation(request):
    org = request.user.organisation
    permissions.require(
        org is not None and org.is_provider and permissions.manages_provider(request.user, org)
    )
    return redirect("providers:provider", org.pk)


@login_required
def provider_detail(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    user = request.user
    record = selectors.provider_record(user=user, provider=provider)
    today = timezone.localdate()
    return render(
        request,
        "providers/provider_detail.html",
        {
            "record": record,
            "provider": provider,
            "today": today,
            "active_suspension": next((s for s in record.suspensions if s.is_active_on(today)), None),
            "rating_tag": presenters.rating_tag(
                record.current_rating.rating if record.current_rating else None
            ),
            "own": permissions.manages_provider(user, provider),
            "can_manage": permissions.can_manage_frameworks(user),
            "can_declare_capacity": permissions.can_declare_capacity(user, provider),
            "can_declare_ethics": permissions.can_declare_ethical_employment(user, provider),
            "can_edit_profile": permissions.can_edit_provider_profile(user, provider),
            **_lead_model_context(user, provider, today),
        },
    )


def _lead_model_context(user, provider, today):
    """The provider page's lead-provider and living-wage parts (ADR 0015): its pay against the floor of
    each council the viewer may see it work for (a council officer: theirs), and its subcontracting."""
    from homecare.providers import selectors_subcontracting as sub_selectors

    councils = sub_selectors.councils_for_attestation(organisation=provider)
    if user.organisation is not None and user.organisation.is_council:
        councils = councils.filter(pk=user.organisation_id)
    elif not permissions.manages_provider(user, provider):
        councils = councils.none()
    wage_rows = [
        (council, presenters.wage_row_views(
            sub_selectors.wage_checks(council=council, today=today, organisations=[provider])
        )[0])
        for council in councils
    ]
    subcontracts = sub_selectors.subcontractings_list(user=user).filter(
        Q(lead=provider) | Q(subcontractor=provider)
    )
    return {
        "wage_rows": wage_rows,
        "can_attest": permissions.attests_lowest_pay(user, provider) and bool(wage_rows),
        "subcontracts": [(s, presenters.subcontracting_tag(s.status)) for s in subcontracts],
        "is_lead": sub_selectors.appointments_visible_to(user=user).filter(lead=provider).exists(),
    }


@login_required
def provider_profile(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.can_edit_provider_profile(request.user, provider))
    profile = selectors.provider_record(user=request.user, provider=provider).profile
    initial = {}
    if profile is not None:
        initial = {
            "cqc_location_id": profile.cqc_location_id,
            "registered_on": profile.registered_on,
            "registered_manager": profile.registered_manager,
            "phone": profile.phone.as_national if profile.phone else "",
            "email": profile.email,
        }
    form = forms.ProfileForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_profile_save(actor=request.user, provider=provider, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Profile saved")
            return redirect("providers:provider", provider.pk)
    return _provider_form(request, form, provider, "Profile")


def _provider_form(request, form, provider, title: str, intro: str = ""):
    return render(
        request,
        "providers/provider_form.html",
        {"form": form, "provider": provider, "title": title, "intro": intro},
    )


@login_required
def rating_record(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.RatingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_record(actor=request.user, provider=provider, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "CQC rating recorded")
            return redirect("providers:provider", provider.pk)
    return _provider_form(request, form, provider, "Record a CQC rating")


@login_required
def suspension_start(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.SuspensionForm(_posted(request), initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_start(
                actor=request.user, provider=provider, council=request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{provider} is suspended from new placements")
            return redirect("providers:provider", provider.pk)
    return _provider_form(
        request,
        form,
        provider,
        "Suspend from new placements",
        "The provider keeps the packages it has. It is left out of offers from the start date until the "
        "suspension ends.",
    )


@login_required
def suspension_end(request, suspension_pk: int):
    suspension = selectors.suspension_for_user(user=request.user, pk=suspension_pk)
    permissions.require(permissions.can_manage_frameworks(request.user))
    form = forms.SuspensionEndForm(_posted(request), initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_end(actor=request.user, suspension=suspension, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Suspension ended")
            return redirect("providers:provider", suspension.provider_id)
    return _provider_form(request, form, suspension.provider, "End the suspension")


@login_required
def capacity_declare(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.can_declare_capacity(request.user, provider))
    zones = list(selectors.zones_for_capacity(user=request.user, provider=provider))
    current = selectors.current_capacity(provider=provider, zones=zones)
    form = forms.CapacityForm(
        _posted(request), zones=zones, initial={f"zone_{pk}": hours for pk, hours in current.items()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.capacity_declare_many(
                actor=request.user, provider=provider, hours_by_zone=form.hours_by_zone()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Capacity saved ({len(made)} zone{'s' if len(made) != 1 else ''} changed)"
            )
            return redirect("providers:provider", provider.pk)
    return _provider_form(
        request,
        form,
        provider,
        "Capacity by zone",
        "The hours a week you can take on in each zone. Offers go to providers with capacity in the "
        "person's zone first.",
    )


@login_required
def ethical_declaration(request, provider_pk: int):
    provider = selectors.provider_for_user(user=request.user, pk=provider_pk)
    permissions.require(permissions.can_declare_ethical_employment(request.user, provider))
    frameworks = selectors.frameworks_for_declaration(provider=provider)
    latest = selectors.provider_record(user=request.user, provider=provider).current_declaration
    initial = {name: getattr(latest, name) for name, _ in forms.ETHICAL_STANDARDS} if latest else {}
    form = forms.EthicalDeclarationForm(_posted(request), frameworks=frameworks, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ethical_declaration_record(
                actor=request.user,
                provider=provider,
                framework=form.cleaned_data["framework"],
                **form.standards(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Ethical employment declaration made")
            return redirect("providers:provider", provider.pk)
    return _provider_form(
        request,
        form,
        provider,
        "Ethical employment declaration",
        "Tick each standard your organisation meets today. A new declaration replaces the last one; "
        "earlier ones are kept.",
    )
