"""Equality of allocations (for committees), equality monitoring answers and support plan equipment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.outcomes import presenters, selectors, services
from homecare.outcomes.forms import EqualityForm
from homecare.people import services as people_services
from homecare.people.forms import EquipmentForm
from homecare.people.selectors import person_for_user, support_plan_for_user


@login_required
def equality(request):
    user = request.user
    permissions.require(permissions.sees_allocation_fairness(user))
    council = user.organisation
    on = timezone.localdate()
    recorded, people = selectors.equality_coverage(council=council)
    return render(
        request,
        "outcomes/equality.html",
        {
            "blocks": presenters.fairness_blocks(selectors.allocation_fairness(council=council, on=on)),
            "on": on,
            "recorded": recorded,
            "people": people,
        },
    )


@login_required
def equality_monitoring(request, person_pk: int):
    person = person_for_user(user=request.user, pk=person_pk)
    permissions.require(permissions.can_record_people(request.user))
    current = selectors.equality_for(user=request.user, person=person)
    initial = (
        {"sex": current.sex, "ethnicity": current.ethnicity, "disability": current.disability}
        if current
        else {}
    )
    form = EqualityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.equality_record(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Equality monitoring answers saved")
            return redirect("people:person", person.pk)
    return render(
        request,
        "outcomes/equality_form.html",
        {"person": person, "form": form, "current": current},
        status=422 if form.errors else 200,
    )


@login_required
def equipment_add(request, plan_pk: int):
    plan = support_plan_for_user(user=request.user, pk=plan_pk)
    permissions.require(permissions.can_write_support_plans(request.user))
    form = EquipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.support_plan_equipment_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Equipment added to the support plan")
            return redirect(f"{reverse('people:support-plan', args=[plan.pk])}#equipment")
    return render(
        request,
        "outcomes/equipment_form.html",
        {"plan": plan, "person": plan.person, "form": form},
        status=422 if form.errors else 200,
    )
