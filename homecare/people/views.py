"""Thin views: scope → selector/service → presenter → render. Foreign records are 404s (selectors)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.accounts.selectors import provider_organisations
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import forms, presenters, selectors, services, state
from homecare.people.models import CareModel
from homecare.providers.selectors import zones_for_council

PAGE_SIZE = 25


def _posted(request):
    """The submitted data for a POST (even an empty one, so it is validated), else None."""
    return request.POST if request.method == "POST" else None


# --- people -------------------------------------------------------------------------------------


@login_required
def search(request):
    permissions.require(permissions.sees_people(request.user))
    query = request.GET.get("q", "").strip()
    page = None
    if query:
        results = selectors.people_search(user=request.user, query=query)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/search.html",
        {"query": query, "page": page, "can_add_person": permissions.can_record_people(request.user)},
    )


@login_required
def person_create(request):
    permissions.require(permissions.can_record_people(request.user))
    council = request.user.organisation
    form = forms.PersonForm(_posted(request), zones=zones_for_council(council=council))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, council=council, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{person.full_name} has been added")
            return redirect("people:person", person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@login_required
def person_detail(request, person_pk: int):
    person = selectors.person_for_user(user=request.user, pk=person_pk)
    plans = list(selectors.person_support_plans(user=request.user, person=person))
    packages = [
        presenters.package_view(p) for p in selectors.person_packages(user=request.user, person=person)
    ]
    user = request.user
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "plans": plans,
            "packages": packages,
            "status_tag": presenters.status_tag,
            "can_edit": permissions.can_record_people(user) and user.organisation.is_council,
            "can_plan": permissions.can_write_support_plans(user),
            "can_add_package": permissions.can_change_packages(user) and bool(plans),
        },
    )


@login_required
def person_edit(request, person_pk: int):
    person = selectors.person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.can_record_people(request.user))
    form = forms.PersonForm(
        _posted(request), instance=person, zones=zones_for_council(council=person.council)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Details saved")
            return redirect("people:person", person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
def person_history(request, person_pk: int):
    person = selectors.person_for_user(user=request.user, pk=person_pk)
    plans = list(selectors.person_support_plans(user=request.user, person=person))
    packages = list(selectors.person_packages(user=request.user, person=person))
    entries = presenters.person_history(person=person, plans=plans, packages=packages)
    return render(request, "people/person_history.html", {"person": person, "entries": entries})


# --- support plans ------------------------------------------------------------------------------


def _plan_initial(plan) -> dict:
    return {
        "outcomes": "\n".join(o.in_own_words for o in plan.outcomes.all()),
        "what_matters": plan.what_matters,
        "strengths": plan.strengths,
        "tasks": plan.tasks,
        "review_date": plan.review_date,
    }


def _plan_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "outcomes": form.outcome_lines(),
        "tasks": data["tasks"],
        "review_date": data["review_date"],
        "what_matters": data["what_matters"],
        "strengths": data["strengths"],
    }


@login_required
def support_plan_create(request, person_pk: int):
    person = selectors.person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.can_write_support_plans(request.user))
    form = forms.SupportPlanForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.support_plan_create(actor=request.user, person=person, **_plan_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Support plan saved as a draft")
            return redirect("people:support-plan", plan.pk)
    return render(request, "people/support_plan_form.html", {"form": form, "person": person, "plan": None})


@login_required
def support_plan_detail(request, plan_pk: int):
    plan = selectors.support_plan_for_user(user=request.user, pk=plan_pk)
    return render(
        request,
        "people/support_plan_detail.html",
        {
            "plan": plan,
            "person": plan.person,
            "tag": presenters.status_tag(plan.status),
            "can_edit": permissions.can_write_support_plans(request.user) and plan.status == "draft",
        },
    )


@login_required
def support_plan_edit(request, plan_pk: int):
    plan = selectors.support_plan_for_user(user=request.user, pk=plan_pk)
    permissions.require(permissions.can_write_support_plans(request.user))
    form = forms.SupportPlanForm(_posted(request), initial=_plan_initial(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.support_plan_update(actor=request.user, plan=plan, **_plan_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Support plan saved")
            return redirect("people:support-plan", plan.pk)
    return render(
        request, "people/support_plan_form.html", {"form": form, "person": plan.person, "plan": plan}
    )


@login_required
@require_POST
def support_plan_complete(request, plan_pk: int):
    plan = selectors.support_plan_for_user(user=request.user, pk=plan_pk)
    permissions.require(permissions.can_write_support_plans(request.user))
    try:
        services.support_plan_complete(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(
            request,
            "people/support_plan_detail.html",
            {
                "plan": plan,
                "person": plan.person,
                "tag": presenters.status_tag(plan.status),
                "can_edit": True,
                "problems": exc.messages,
            },
            status=400,
        )
    messages.success(request, "Support plan completed")
    return redirect("people:support-plan", plan.pk)


# --- packages -----------------------------------------------------------------------------------


def _terms_initial(version) -> dict:
    return {
        "care_model": version.care_model,
        "funding": version.funding,
        "council_share_percent": version.council_share_percent,
        "nhs_share_percent": version.nhs_share_percent,
        "weekly_budget_hours": version.weekly_budget_hours,
    }


def _terms(data) -> services.PackageTerms:
    return services.PackageTerms(
        care_model=data["care_model"],
        funding=data["funding"],
        council_share_percent=data.get("council_share_percent") or Decimal("0"),
        nhs_share_percent=data.get("nhs_share_percent") or Decimal("0"),
        weekly_budget_hours=data.get("weekly_budget_hours"),
    )


@login_required
def package_create(request, person_pk: int):
    person = selectors.person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.can_change_packages(request.user))
    plans = list(selectors.person_support_plans(user=request.user, person=person))
    if not plans:
        messages.error(request, "Record a support plan before adding a package of care")
        return redirect("people:person", person.pk)
    form = forms.PackageForm(
        _posted(request), initial={"funding": "self_funder" if person.self_funder else "council"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            package = services.package_create(
                actor=request.user,
                person=person,
                support_plan=plans[0],
                terms=_terms(data),
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                hospital_discharge=data["hospital_discharge"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Package {package.reference} drafted. Now add the visits.")
            return redirect("people:package", package.pk)
    return render(request, "people/package_form.html", {"form": form, "person": person, "package": None})


def _package_context(request, package) -> dict:
    user = request.user
    view = presenters.package_view(package)
    transitions = [
        t
        for t in state.available_transitions(package.status)
        if t.name in state.MANUAL_TRANSITIONS and permissions.can_transition_package(user, t.name)
    ]
    editable = view.draft.version if view.draft else None
    if editable is None and package.status == "draft" and view.versions:
        editable = view.versions[0].version
    return {
        "package": package,
        "person": package.person,
        "view": view,
        "transitions": transitions,
        "can_change": permissions.can_change_packages(user)
        and package.status in ("awaiting_provider", "active", "on_hold"),
        "can_edit_draft": permissions.can_change_packages(user) and package.status == "draft",
        "editable_version": editable if permissions.can_change_packages(user) else None,
        "status_changes": package.status_changes.select_related("by"),
        "can_send_to_brokerage": package.status == "draft"
        and permissions.can_transition_package(user, "submit"),
        "in_brokerage": package.status == "awaiting_provider",
    }


@login_required
def package_detail(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    return render(request, "people/package_detail.html", _package_context(request, package))


@login_required
def package_edit(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(permissions.can_change_packages(request.user))
    first = package.versions.get(number=1)
    initial = {
        "start_date": package.start_date,
        "end_date": package.end_date,
        "hospital_discharge": package.hospital_discharge,
        **_terms_initial(first),
    }
    form = forms.PackageForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.package_update_draft(
                actor=request.user,
                package=package,
                terms=_terms(data),
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                hospital_discharge=data["hospital_discharge"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Package saved")
            return redirect("people:package", package.pk)
    return render(
        request, "people/package_form.html", {"form": form, "person": package.person, "package": package}
    )


def _visit_details(data) -> services.VisitDetails:
    return services.VisitDetails(
        days=[int(d) for d in data["days"]],
        preferred_start=data["preferred_start"],
        duration_minutes=data["duration_minutes"],
        carers_required=data["carers_required"],
        care_type=data["care_type"],
        tolerance_minutes=data["tolerance_minutes"],
        tasks=tuple(data["tasks"]),
        notes=data["notes"],
    )


@login_required
def visit_add(request, version_pk: int):
    version = selectors.version_for_user(user=request.user, pk=version_pk)
    permissions.require(permissions.can_change_packages(request.user))
    form = forms.VisitForm(_posted(request), initial={"tasks": version.package.support_plan.tasks})
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_pattern_add(
                actor=request.user, version=version, details=_visit_details(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Visit added")
            return redirect("people:package", version.package_id)
    return render(
        request,
        "people/visit_form.html",
        {"form": form, "version": version, "package": version.package, "row": None},
    )


@login_required
def visit_edit(request, row_pk: int):
    row = selectors.visit_pattern_row_for_user(user=request.user, pk=row_pk)
    permissions.require(permissions.can_change_packages(request.user))
    initial = {
        "days": [str(i) for i in forms.rules.day_indexes(row.days)],
        "preferred_start": row.preferred_start,
        "duration_minutes": row.duration_minutes,
        "tolerance_minutes": row.tolerance_minutes,
        "carers_required": str(row.carers_required),
        "care_type": row.care_type,
        "tasks": row.tasks,
        "notes": row.notes,
    }
    form = forms.VisitForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_pattern_update(
                actor=request.user, row=row, details=_visit_details(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Visit saved")
            return redirect("people:package", row.version.package_id)
    return render(
        request,
        "people/visit_form.html",
        {"form": form, "version": row.version, "package": row.version.package, "row": row},
    )


@login_required
@require_POST
def visit_remove(request, row_pk: int):
    row = selectors.visit_pattern_row_for_user(user=request.user, pk=row_pk)
    permissions.require(permissions.can_change_packages(request.user))
    package_pk = row.version.package_id
    try:
        services.visit_pattern_remove(actor=request.user, row=row)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Visit removed")
    return redirect("people:package", package_pk)


@login_required
def package_transition(request, package_pk: int, transition: str):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(
        transition in state.MANUAL_TRANSITIONS
        and permissions.can_transition_package(request.user, transition)
    )
    step = state.TRANSITIONS[transition]
    if transition == "start":
        form = forms.StartForm(_posted(request), providers=provider_organisations(user=request.user))
    else:
        form = forms.TransitionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.package_transition(
                actor=request.user,
                package=package,
                transition=transition,
                reason=form.cleaned_data.get("reason", ""),
                provider=form.cleaned_data.get("provider"),
            )
        except (ValidationError, state.TransitionNotAllowed) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"{step.label}: done")
            return redirect("people:package", package.pk)
    return render(request, "people/package_transition.html", {"form": form, "package": package, "step": step})


@login_required
def package_change(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(permissions.can_change_packages(request.user))
    form = forms.ChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.package_change_start(
                actor=request.user,
                package=package,
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Version {version.number} prepared. Change the visits, then confirm it."
            )
            return redirect("people:package", package.pk)
    return render(request, "people/package_change.html", {"form": form, "package": package})


@login_required
def version_terms(request, version_pk: int):
    version = selectors.version_for_user(user=request.user, pk=version_pk)
    permissions.require(permissions.can_change_packages(request.user))
    form = forms.VersionTermsForm(_posted(request), initial=_terms_initial(version))
    if request.method == "POST" and form.is_valid():
        try:
            services.package_version_update_terms(
                actor=request.user, version=version, terms=_terms(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Version saved")
            return redirect("people:package", version.package_id)
    return render(
        request, "people/version_terms.html", {"form": form, "version": version, "package": version.package}
    )


@login_required
@require_POST
def version_confirm(request, version_pk: int):
    version = selectors.version_for_user(user=request.user, pk=version_pk)
    permissions.require(permissions.can_change_packages(request.user))
    try:
        services.package_change_confirm(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Version {version.number} confirmed from {version.effective_from:%-d %B %Y}"
        )
    return redirect("people:package", version.package_id)


@login_required
@require_POST
def version_discard(request, version_pk: int):
    version = selectors.version_for_user(user=request.user, pk=version_pk)
    permissions.require(permissions.can_change_packages(request.user))
    try:
        services.package_change_discard(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Prepared change discarded")
    return redirect("people:package", version.package_id)


BUDGET = CareModel.BUDGET_OF_HOURS  # re-exported for templates' comparisons
