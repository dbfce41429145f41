"""Budgets of hours: the weekly list, a package's weeks, excess, alerts, flexible visits, carry-over."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.outcomes import forms, presenters, rules, selectors, services
from homecare.people.selectors import person_for_user
from homecare.visits import services as visit_services
from homecare.visits.rules import local_start


def _week(request) -> dt.date:
    form = forms.WeekForm(request.GET or None)
    day = (
        form.cleaned_data["week"] if form.is_bound and form.is_valid() and form.cleaned_data["week"] else None
    )
    return rules.week_start(day or timezone.localdate())


@login_required
def budgets(request):
    """This week's budgets: a provider's managers see their packages; council staff their council's."""
    permissions.require(permissions.sees_people(request.user))
    week = _week(request)
    rows = [
        (package, presenters.week_rows([w])[0] if w else None)
        for package, w in selectors.budget_week_rows(user=request.user, week=week)
    ]
    return render(
        request,
        "outcomes/budgets.html",
        {
            "rows": rows,
            "week": week,
            "previous": week - dt.timedelta(days=7),
            "next": week + dt.timedelta(days=7),
            "alerts": selectors.alerts_visible_to(user=request.user)
            .filter(acknowledged_at__isnull=True)
            .select_related("package__person")[:50],
            "plans_visits": permissions.manages_visits(request.user),
            "configures": permissions.configures_budgets(request.user),
        },
    )


def _package_page(request, package, *, excess_form=None, ack_form=None, status=200):
    user = request.user
    weeks = selectors.budget_weeks_for_package(package=package)
    return render(
        request,
        "outcomes/package_budget.html",
        {
            "package": package,
            "person": package.person,
            "rows": presenters.week_rows(weeks),
            "alerts": package.budget_alerts.select_related("acknowledged_by"),
            "approvals": selectors.excess_approvals_for(package=package),
            "reviews": selectors.reviews_visible_to(user=user)
            .filter(package=package)
            .select_related("reviewed_by"),
            "surveys": selectors.surveys_visible_to(user=user)
            .filter(package=package)
            .select_related("response"),
            "approves": permissions.approves_budget_excess(user),
            "reviews_outcomes": permissions.reviews_outcomes(user),
            "plans_visits": permissions.manages_visits(user) and package.provider_id == user.organisation_id,
            "excess_form": excess_form
            or forms.ExcessForm(initial={"week_start": rules.week_start(timezone.localdate())}),
            "ack_form": ack_form or forms.AcknowledgeForm(),
            "can_acknowledge": permissions.approves_budget_excess(user)
            or (permissions.manages_visits(user) and package.provider_id == user.organisation_id),
        },
        status=status,
    )


def _not_a_budget(request, package):
    """A time-and-task package has no budget weeks: its own page, with why (never a 404 for one's own)."""
    messages.info(
        request, f"{package.reference} is a time-and-task package: it has no weekly budget of hours"
    )
    return redirect("people:package", package.pk)


@login_required
def package_budget(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    if not selectors.is_budget_package(package=package):
        return _not_a_budget(request, package)
    return _package_page(request, package)


@login_required
def person_budgets(request, person_pk: int):
    person = person_for_user(user=request.user, pk=person_pk)
    packages = selectors.budget_weeks_for_person(user=request.user, person=person)
    return render(
        request,
        "outcomes/person_budgets.html",
        {"person": person, "packages": [(p, presenters.week_rows(w)[:8]) for p, w in packages.items()]},
    )


@login_required
@require_POST
def excess_approve(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(permissions.approves_budget_excess(request.user))
    if not selectors.is_budget_package(package=package):
        return _not_a_budget(request, package)
    form = forms.ExcessForm(request.POST)
    if form.is_valid():
        try:
            services.excess_approve(actor=request.user, package=package, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Extra hours approved")
            return redirect("outcomes:package-budget", package.pk)
    return _package_page(request, package, excess_form=form, status=422)


@login_required
@require_POST
def alert_acknowledge(request, package_pk: int):
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    if not selectors.is_budget_package(package=package):
        return _not_a_budget(request, package)
    form = forms.AcknowledgeForm(request.POST)
    if form.is_valid():
        alert = package.budget_alerts.filter(pk=form.cleaned_data["alert"]).first()
        if alert is None:
            form.add_error(None, "Choose an alert of this package")
        else:
            try:
                services.budget_alert_acknowledge(
                    actor=request.user, alert=alert, action_taken=form.cleaned_data["action_taken"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Alert acknowledged")
                return redirect("outcomes:package-budget", package.pk)
    return _package_page(request, package, ack_form=form, status=422)


@login_required
def visit_plan(request, package_pk: int):
    """A provider's manager plans a visit within the budget (there is no visit pattern to follow)."""
    package = selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(
        permissions.manages_visits(request.user) and package.provider_id == request.user.organisation_id
    )
    if not selectors.is_budget_package(package=package):
        return _not_a_budget(request, package)
    form = forms.FlexibleVisitForm(
        request.POST or None, initial={"day": timezone.localdate() + dt.timedelta(days=1)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_services.visit_plan_flexible(
                actor=request.user,
                package=package,
                start=local_start(data["day"], data["start"]),
                minutes=data["minutes"],
                carers_required=data["carers_required"],
                tasks=data["tasks"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Visit planned for {data['day']:%-d %B} at {data['start']:%H:%M}")
            return redirect("outcomes:package-budget", package.pk)
    week = rules.week_start(timezone.localdate())
    this_week = next(
        (
            w
            for w in selectors.budget_weeks_for_package(package=package, through=week + dt.timedelta(days=6))
            if w.result.week_start == week
        ),
        None,
    )
    return render(
        request,
        "outcomes/visit_plan.html",
        {
            "package": package,
            "person": package.person,
            "form": form,
            "week": presenters.week_rows([this_week])[0] if this_week else None,
            "upcoming": package.visits.filter(date__gte=timezone.localdate()).order_by("planned_start")[:20],
        },
        status=422 if form.errors else 200,
    )


@login_required
def carry_over(request):
    """The council's carry-over rule and its history; commissioners record a new rule from a Monday."""
    user = request.user
    permissions.require(permissions.sees_waiting_list(user))  # any council officer may read the rule
    council = user.organisation
    form = forms.CarryOverRuleForm(request.POST or None)
    if request.method == "POST":
        permissions.require(permissions.configures_budgets(user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.carry_over_rule_record(
                    actor=user,
                    council=council,
                    effective_from=data["effective_from"],
                    mode=data["mode"],
                    max_hours=data["max_hours"] or 0,
                    max_weeks=data["max_weeks"] or 1,
                    reason=data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Carry-over rule recorded")
                return redirect("outcomes:carry-over")
    today = timezone.localdate()
    current = selectors.carry_over_rule_on(council=council, on=today)
    return render(
        request,
        "outcomes/carry_over.html",
        {
            "form": form,
            "current": current,
            "current_text": presenters.rule_text(current.as_rule() if current else rules.LAPSE_RULE),
            "history": selectors.carry_over_rules(council=council),
            "can_change": permissions.configures_budgets(user),
        },
        status=422 if form.errors else 200,
    )
