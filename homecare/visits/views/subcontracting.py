"""A lead provider's manager gives a package's visits (or one visit) to an approved subcontractor, or takes
them back (ADR 0015). Thin: scope → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import selectors as people_selectors
from homecare.visits import forms, selectors, subcontracting


def _leads(user, provider_id) -> bool:
    """A manager of the package's (lead) provider: the one who decides who delivers its visits."""
    return bool(permissions.manages_visits(user) and provider_id and user.organisation_id == provider_id)


@login_required
def package_delivery(request, package_pk: int):
    package = people_selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(_leads(request.user, package.provider_id))
    today = timezone.localdate()
    form = forms.DeliveryForm(
        request.POST if request.method == "POST" else None,
        subcontractors=subcontracting.subcontractor_choices(
            council_id=package.person.council_id, lead_id=package.provider_id
        ),
        initial={"from_date": today},
    )
    if request.method == "POST" and form.is_valid():
        try:
            allocation = subcontracting.package_allocate(
                actor=request.user, package=package, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            to = allocation.subcontractor or "your own care workers"
            messages.success(request, f"{allocation.visits_moved} visit(s) now delivered by {to}")
            return redirect("visits:package-delivery", package_pk=package.pk)
    return render(
        request,
        "visits/package_delivery.html",
        {
            "package": package,
            "form": form,
            "allocations": subcontracting.allocations_of(package=package),
            "upcoming": subcontracting.upcoming_by_deliverer(package=package, today=today),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def visit_deliverer(request, visit_pk: int):
    visit = selectors.visit_for_user(user=request.user, pk=visit_pk)
    permissions.require(_leads(request.user, visit.provider_id))
    form = forms.DeliveryForm(
        request.POST,
        subcontractors=subcontracting.subcontractor_choices(
            council_id=visit.council_id, lead_id=visit.provider_id
        ),
        with_date=False,
    )
    if form.is_valid():
        try:
            subcontracting.visit_allocate(
                actor=request.user,
                visit=visit,
                subcontractor=form.cleaned_data["subcontractor"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Who delivers this visit has changed")
    else:
        messages.error(request, "Choose who delivers this visit")
    return redirect("visits:visit", visit_pk=visit.pk)


urlpatterns = [
    path("packages/<int:package_pk>/delivery", package_delivery, name="package-delivery"),
    path("<int:visit_pk>/deliverer", visit_deliverer, name="visit-deliverer"),
]
