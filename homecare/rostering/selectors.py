"""Reads for the rota planner, always scoped to the signed-in manager's own provider.

Anything else (another provider's plan, care worker or visit; a council user; a care worker) is not
found: views turn `None`/`DoesNotExist` into a 404 without saying whether the record exists.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from homecare.accounts import permissions
from homecare.accounts.models import Role, User
from homecare.people.models import Person
from homecare.rostering.adapters import delivered_by
from homecare.rostering.models import (
    Absence,
    CareWorkerProfile,
    PersonRotaPreferences,
    PlanMove,
    PlannedAssignment,
    RotaPlan,
    UnplannedVisit,
)
from homecare.visits.models import Visit


def _provider_id(user: User) -> int | None:
    return user.organisation_id if permissions.plans_rotas(user) else None


def plans_for(*, user: User) -> QuerySet[RotaPlan]:
    provider_id = _provider_id(user)
    if provider_id is None:
        return RotaPlan.objects.none()
    return RotaPlan.objects.filter(provider_id=provider_id).select_related("created_by", "based_on")


def plan_for(*, user: User, pk: int) -> RotaPlan:
    plan = plans_for(user=user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def care_workers_for(*, user: User) -> QuerySet[User]:
    provider_id = _provider_id(user)
    if provider_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=provider_id, role=Role.CARE_WORKER).order_by(
        "first_name", "last_name", "pk"
    )


def care_worker_for(*, user: User, pk: int) -> User:
    worker = care_workers_for(user=user).filter(pk=pk).first()
    if worker is None:
        raise Http404
    return worker


def profile_of(*, care_worker: User) -> CareWorkerProfile | None:
    return (
        CareWorkerProfile.objects.filter(care_worker=care_worker, provider_id=care_worker.organisation_id)
        .prefetch_related("availability")
        .first()
    )


def profiles_for(*, user: User) -> dict[int, CareWorkerProfile]:
    provider_id = _provider_id(user)
    if provider_id is None:
        return {}
    rows = CareWorkerProfile.objects.filter(provider_id=provider_id).prefetch_related("availability")
    return {p.care_worker_id: p for p in rows}


def absences_of(*, care_worker: User, since: dt.date) -> QuerySet[Absence]:
    return Absence.objects.filter(
        care_worker=care_worker, provider_id=care_worker.organisation_id, ends_on__gte=since
    ).order_by("starts_on")


def plan_assignments(*, plan: RotaPlan) -> QuerySet[PlannedAssignment]:
    return plan.assignments.select_related("visit__person", "care_worker").order_by(
        "visit__date", "care_worker__first_name", "care_worker__last_name", "care_worker_id", "start"
    )


def plan_unplanned(*, plan: RotaPlan) -> QuerySet[UnplannedVisit]:
    return plan.unplanned.select_related("visit__person").order_by("visit__planned_start", "slot")


def plan_moves(*, plan: RotaPlan) -> QuerySet[PlanMove]:
    return plan.moves.select_related("visit__person", "from_carer", "to_carer", "by")


def plan_visit_for(*, plan: RotaPlan, pk: int) -> Visit:
    """A visit that is in this plan (planned or not) — the plan is already scoped to the user."""
    in_plan = set(plan.assignments.filter(visit_id=pk).values_list("visit_id", flat=True)) | set(
        plan.unplanned.filter(visit_id=pk).values_list("visit_id", flat=True)
    )
    visit = (
        Visit.objects.filter(delivered_by(plan.provider_id), pk=pk).select_related("person").first()
        if in_plan
        else None
    )
    if visit is None:
        raise Http404
    return visit


def people_visited_by(*, user: User, on: dt.date | None = None) -> QuerySet[Person]:
    provider_id = _provider_id(user)
    if provider_id is None:
        return Person.objects.none()
    visits = Visit.objects.filter(delivered_by(provider_id))
    if on is not None:
        visits = visits.filter(date=on)
    return Person.objects.filter(pk__in=visits.values("person_id")).order_by("family_name", "given_name")


def person_for(*, user: User, pk: int) -> Person:
    person = people_visited_by(user=user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def preferences_of(*, user: User, person: Person) -> PersonRotaPreferences | None:
    provider_id = _provider_id(user)
    return (
        PersonRotaPreferences.objects.filter(provider_id=provider_id, person=person)
        .prefetch_related("regular_carers")
        .first()
    )
