"""Thin rota planner views for a provider's managers: plans, the planner's progress, the timeline,
moving a visit, publishing, re-planning after sickness, care workers' profiles and people's preferences.

Every record is looked up through selectors scoped to the manager's own provider, so another provider's
plan, care worker, person or visit is a 404; pages without a record refuse other roles with a 403.
"""

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
from homecare.rostering import forms, presenters, selectors, services
from homecare.rostering.models import PlanStatus


def _planner(request) -> None:
    permissions.require(permissions.plans_rotas(request.user))


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def plans(request):
    _planner(request)
    rows = [(p, presenters.status_tag(p.status)) for p in selectors.plans_for(user=request.user)[:60]]
    return render(request, "rostering/plans.html", {"rows": rows})


@login_required
def plan_new(request):
    _planner(request)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = forms.PlanForm(_posted(request), initial={"start_date": tomorrow})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=request.user,
                start_date=data["start_date"],
                days=data["days"],
                chosen=services.PlanSettings(
                    time_limit_seconds=data["time_limit_seconds"],
                    weight_travel=data["weight_travel"],
                    weight_lateness=data["weight_lateness"],
                    weight_continuity=data["weight_continuity"],
                    weight_distinct_carers=data["weight_distinct_carers"],
                    weight_balance=data["weight_balance"],
                    allow_lateness=data["allow_lateness"],
                ),
            )
            services.plan_start(actor=request.user, plan=plan)
            return redirect("rostering:plan", plan.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "rostering/plan_new.html", {"form": form})


@login_required
def plan_detail(request, rota_pk: int):
    plan = selectors.plan_for(user=request.user, pk=rota_pk)
    context = {"plan": plan, "tag": presenters.status_tag(plan.status)}
    if plan.status == PlanStatus.SOLVING:
        return render(request, "rostering/progress.html", context)
    assignments = list(selectors.plan_assignments(plan=plan))
    context.update(
        timelines=presenters.timelines(assignments),
        assignments=assignments,
        metrics=presenters.metric_rows(plan.metrics),
        violations=(plan.metrics.get("total") or {}).get("violations", []),
        unplanned=list(selectors.plan_unplanned(plan=plan)),
        moves=list(selectors.plan_moves(plan=plan)),
        history=list(plan.status_changes.select_related("by")),
        carers=selectors.care_workers_for(user=request.user),
        sickness_form=forms.SicknessForm(carers=selectors.care_workers_for(user=request.user)),
    )
    return render(request, "rostering/plan.html", context)


@login_required
@require_POST
def plan_again(request, rota_pk: int):
    plan = selectors.plan_for(user=request.user, pk=rota_pk)
    try:
        services.plan_start(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("rostering:plan", plan.pk)


@login_required
@require_POST
def plan_publish(request, rota_pk: int):
    plan = selectors.plan_for(user=request.user, pk=rota_pk)
    try:
        services.plan_publish(actor=request.user, plan=plan)
        messages.success(request, "Rota published: care workers see their visits in their app")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("rostering:plan", plan.pk)


@login_required
def plan_move(request, rota_pk: int, visit_pk: int):
    plan = selectors.plan_for(user=request.user, pk=rota_pk)
    visit = selectors.plan_visit_for(plan=plan, pk=visit_pk)
    if plan.status != PlanStatus.READY:
        messages.error(request, "Only a plan that is ready to publish can be changed by hand")
        return redirect("rostering:plan", plan.pk)
    carers = selectors.care_workers_for(user=request.user)
    form = forms.MoveForm(
        _posted(request), carers=carers, visit=visit, initial={"slot": request.GET.get("slot", "1")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {c.pk: c for c in carers}
        worker, second = by_pk.get(data["care_worker"]), by_pk.get(data.get("second_carer") or 0)
        if worker is None:
            form.add_error("care_worker", "Choose one of your own care workers")
        else:
            try:
                services.plan_move_visit(
                    actor=request.user,
                    plan=plan,
                    visit=visit,
                    slot=data["slot"],
                    care_worker=worker,
                    reason=data["reason"],
                    second_carer=second,
                )
                messages.success(request, "Visit moved: the rules were checked and the day re-timed")
                return redirect("rostering:plan", plan.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    current = [a for a in selectors.plan_assignments(plan=plan).filter(visit=visit)]
    return render(
        request, "rostering/move.html", {"plan": plan, "visit": visit, "form": form, "current": current}
    )


@login_required
def plan_sickness(request, rota_pk: int):
    plan = selectors.plan_for(user=request.user, pk=rota_pk)
    carers = selectors.care_workers_for(user=request.user)
    form = forms.SicknessForm(_posted(request), carers=carers, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        worker = carers.filter(pk=data["care_worker"]).first()
        if worker is None:
            form.add_error("care_worker", "Choose one of your own care workers")
        else:
            try:
                replan = services.plan_replan_after_sickness(
                    actor=request.user,
                    plan=plan,
                    care_worker=worker,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    note=data["note"],
                )
                return redirect("rostering:plan", replan.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    return render(request, "rostering/sickness.html", {"plan": plan, "form": form})


@login_required
def care_workers(request):
    _planner(request)
    profiles = selectors.profiles_for(user=request.user)
    rows = []
    for worker in selectors.care_workers_for(user=request.user):
        profile = profiles.get(worker.pk)
        rows.append(
            {
                "worker": worker,
                "profile": profile,
                "skills": presenters.skills_text(profile.skills if profile else []),
            }
        )
    return render(request, "rostering/care_workers.html", {"rows": rows})


@login_required
def care_worker(request, worker_pk: int):
    worker = selectors.care_worker_for(user=request.user, pk=worker_pk)
    profile = selectors.profile_of(care_worker=worker)
    initial = {
        "travel_mode": "car",
        "home_area_type": "urban",
        "contracted_hours": 0,
        "max_minutes_per_day": 600,
        "languages": "English",
    }
    if profile:
        initial.update(
            skills=profile.skills,
            gender=profile.gender,
            languages=", ".join(profile.languages),
            travel_mode=profile.travel_mode,
            home_latitude=profile.home_latitude,
            home_longitude=profile.home_longitude,
            home_area_type=profile.home_area_type,
            contracted_hours=profile.contracted_hours,
            max_minutes_per_day=profile.max_minutes_per_day,
            availability=forms.availability_text(profile.availability.all()),
        )
    form = forms.ProfileForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.profile_save(
                actor=request.user,
                care_worker=worker,
                details=services.ProfileDetails(
                    skills=tuple(d["skills"]),
                    gender=d["gender"],
                    languages=d["languages"],
                    travel_mode=d["travel_mode"],
                    home_latitude=d["home_latitude"],
                    home_longitude=d["home_longitude"],
                    home_area_type=d["home_area_type"],
                    contracted_hours=d["contracted_hours"],
                    max_minutes_per_day=d["max_minutes_per_day"],
                    availability=d["availability"],
                ),
            )
            messages.success(request, f"{worker.get_full_name() or worker.username}'s profile saved")
            return redirect("rostering:care-workers")
        except ValidationError as exc:
            add_service_errors(form, exc)
    absences = selectors.absences_of(care_worker=worker, since=timezone.localdate())
    return render(
        request, "rostering/care_worker.html", {"worker": worker, "form": form, "absences": absences}
    )


@login_required
def person_preferences(request, rota_person_pk: int):
    person = selectors.person_for(user=request.user, pk=rota_person_pk)
    prefs = selectors.preferences_of(user=request.user, person=person)
    carers = selectors.care_workers_for(user=request.user)
    initial = {}
    if prefs:
        initial = {
            "required_skills": prefs.required_skills,
            "preferred_gender": prefs.preferred_gender,
            "preferred_language": prefs.preferred_language,
            "regular_carers": [c.pk for c in prefs.regular_carers.all()],
        }
    form = forms.PreferencesForm(_posted(request), carers=carers, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {c.pk: c for c in carers}
        try:
            services.preferences_save(
                actor=request.user,
                person=person,
                required_skills=tuple(d["required_skills"]),
                preferred_gender=d["preferred_gender"],
                preferred_language=d["preferred_language"],
                regular_carers=tuple(by_pk[pk] for pk in d["regular_carers"] if pk in by_pk),
            )
            messages.success(request, "Preferences saved")
            return redirect("rostering:person", person.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "rostering/person.html", {"person": person, "form": form})
