"""Writes for rota plans: create, plan (the background job's body), publish, re-plan after sickness.

A plan never writes a visit's assignments until it is published, and publishing goes through
visits.services (the same rules as assigning by hand), in one transaction. Solving runs outside any
transaction (it takes seconds to minutes) and writes its result in one at the end; a plan that is no
longer "planning" by then (planned again meanwhile) is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import User
from homecare.platform import jobs
from homecare.platform.notifications import notify
from homecare.rostering import adapters, state
from homecare.rostering.models import (
    AbsenceReason,
    PlannedAssignment,
    PlanStatus,
    RotaPlan,
    RotaPlanStatusChange,
    UnplannedVisit,
)
from homecare.rostering.services.metrics import day_metrics, totals
from homecare.rostering.services.profiles import absence_record, own_care_worker, require_planner
from homecare.rostering.solver.model import ModelError
from homecare.rostering.solver.model import Weights as SolverWeights
from homecare.rostering.solver.search import solve
from homecare.rostering.solver.validator import validate
from homecare.visits import services as visit_services
from homecare.visits.models import Visit, VisitAssignment, VisitStatus

log = logging.getLogger(__name__)
SOLVE_JOB = "homecare.rostering.tasks.solve_plan_job"
MAX_WEIGHT = Decimal("1000")


@dataclass(frozen=True)
class PlanSettings:
    time_limit_seconds: int = 30
    weight_travel: Decimal = Decimal("1")
    weight_lateness: Decimal = Decimal("3")
    weight_continuity: Decimal = Decimal("10")
    weight_distinct_carers: Decimal = Decimal("5")
    weight_balance: Decimal = Decimal("0.1")
    allow_lateness: bool = True


def _transition(plan: RotaPlan, name: str, actor: User, note: str = "") -> RotaPlan:
    to = state.target(name, plan.status)
    RotaPlanStatusChange.objects.create(
        plan=plan, from_status=plan.status, to_status=to, at=timezone.now(), by=actor, note=note[:2000]
    )
    plan.status = to
    plan.save(update_fields=["status"])
    return plan


def _check_settings(days: int, chosen: PlanSettings) -> None:
    errors: dict[str, str] = {}
    if not 1 <= days <= 7:
        errors["days"] = "Plan 1 to 7 days at a time"
    most = int(getattr(settings, "ROSTERING_MAX_TIME_LIMIT", 300))
    if not 1 <= chosen.time_limit_seconds <= most:
        errors["time_limit_seconds"] = f"Give the planner between 1 and {most} seconds"
    for name in (
        "weight_travel",
        "weight_lateness",
        "weight_continuity",
        "weight_distinct_carers",
        "weight_balance",
    ):
        value = getattr(chosen, name)
        if not Decimal("0") <= value <= MAX_WEIGHT:
            errors[name] = f"A weight must be between 0 and {MAX_WEIGHT}"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *, actor: User, start_date: dt.date, days: int = 1, chosen: PlanSettings = PlanSettings()
) -> RotaPlan:
    """A draft plan for the actor's provider; `plan_start` sends it to the planner."""
    require_planner(actor, actor.organisation_id)
    _check_settings(days, chosen)
    plan = RotaPlan.objects.create(
        provider_id=actor.organisation_id,
        start_date=start_date,
        days=days,
        time_limit_seconds=chosen.time_limit_seconds,
        weight_travel=chosen.weight_travel,
        weight_lateness=chosen.weight_lateness,
        weight_continuity=chosen.weight_continuity,
        weight_distinct_carers=chosen.weight_distinct_carers,
        weight_balance=chosen.weight_balance,
        allow_lateness=chosen.allow_lateness,
        created_by=actor,
        created_at=timezone.now(),
    )
    RotaPlanStatusChange.objects.create(
        plan=plan, from_status="", to_status=PlanStatus.DRAFT, at=plan.created_at, by=actor, note="Created"
    )
    return plan


@transaction.atomic
def plan_start(*, actor: User, plan: RotaPlan) -> RotaPlan:
    """Send the plan to the planner (a background job, after this transaction commits)."""
    plan = RotaPlan.objects.select_for_update().get(pk=plan.pk)
    require_planner(actor, plan.provider_id)
    _transition(plan, "solve", actor, note=f"Planning with a time limit of {plan.time_limit_seconds} s")
    plan.progress, plan.progress_note = 0, "Waiting for the planner"
    plan.save(update_fields=["progress", "progress_note"])
    transaction.on_commit(lambda: jobs.enqueue(SOLVE_JOB, plan.pk, actor.pk))
    return plan


class _Held(NamedTuple):
    """A visit's current carer in a slot, shaped like a planned row for adapters.rows_to_routes."""

    visit_id: int
    slot: int
    care_worker_id: int
    start: dt.datetime


def solver_weights(plan: RotaPlan) -> SolverWeights:
    change = float(getattr(settings, "ROSTERING_CHANGE_WEIGHT", 60)) if plan.based_on_id else 0.0
    return SolverWeights(
        travel=float(plan.weight_travel),
        tardiness=float(plan.weight_lateness),
        continuity=float(plan.weight_continuity),
        distinct_carers=float(plan.weight_distinct_carers),
        balance=float(plan.weight_balance),
        change=change,
    )


def day_inputs(
    plan: RotaPlan, day: dt.date, *, now: dt.datetime | None = None
) -> tuple[adapters.DayInputs, list]:
    """What a day of this plan is planned from; for a re-plan also what is published (the warm start):
    visits under way or starting within ROSTERING_REPLAN_FREEZE_MINUTES stay with their carer, the rest
    may move at a cost per change."""
    inputs = adapters.load_day_inputs(provider=plan.provider, day=day)
    inputs.weights = solver_weights(plan)
    inputs.allow_lateness = plan.allow_lateness
    held: list[_Held] = []
    if plan.based_on_id:
        now = now or timezone.now()
        freeze = now + dt.timedelta(minutes=int(getattr(settings, "ROSTERING_REPLAN_FREEZE_MINUTES", 120)))
        visits = {v.pk: v for v in inputs.visits}
        for a in VisitAssignment.objects.filter(visit_id__in=visits).order_by("visit_id", "slot"):
            if a.care_worker_id in inputs.absent:
                continue
            visit = visits[a.visit_id]
            key = (a.visit_id, a.slot)
            inputs.previous[key] = a.care_worker_id
            held.append(_Held(a.visit_id, a.slot, a.care_worker_id, visit.planned_start))
            if visit.status == VisitStatus.IN_PROGRESS or visit.planned_start <= freeze:
                inputs.pinned[key] = a.care_worker_id
    return inputs, held


def plan_solve(*, plan_id: int, actor_id: int) -> dict:
    """The job: plan each day within its share of the time limit, check the result with the validator
    and store it. Never raises: a failure is recorded on the plan with what went wrong."""
    plan = RotaPlan.objects.filter(pk=plan_id, status=PlanStatus.SOLVING).select_related("provider").first()
    if plan is None:
        return {"skipped": True}
    actor = User.objects.get(pk=actor_id)
    try:
        results = _solve_days(plan)
    except (ModelError, ValueError) as exc:
        return _fail(plan_id, actor, f"The day could not be planned: {exc}")
    except Exception as exc:  # the plan must never stay "planning" forever
        log.exception("rostering: planning failed for plan %s", plan_id)
        return _fail(plan_id, actor, f"The planner stopped with an error ({type(exc).__name__})")
    with transaction.atomic():
        plan = RotaPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status != PlanStatus.SOLVING:
            return {"skipped": True}
        plan.assignments.all().delete()
        plan.unplanned.all().delete()
        days, sources, rows, unplanned = {}, set(), [], []
        for day, planning, day_rows, day_unplanned, metrics in results:
            rows += day_rows
            unplanned += [
                UnplannedVisit(plan=plan, visit_id=v, slot=s, reason=r) for (v, s), r in day_unplanned.items()
            ]
            days[day.isoformat()] = metrics
            sources.add(planning.travel_source)
        PlannedAssignment.objects.bulk_create(rows)
        UnplannedVisit.objects.bulk_create(unplanned)
        plan.metrics = {"days": days, "total": totals(days)}
        plan.travel_source = "; ".join(sorted(sources))[:200]
        plan.progress, plan.progress_note = 100, "Done"
        plan.save(update_fields=["metrics", "travel_source", "progress", "progress_note"])
        total = plan.metrics["total"]
        _transition(
            plan,
            "finish",
            actor,
            note=f"{total['planned']} of {total['slots']} carer visits planned, "
            f"{total['unplanned']} left out",
        )
    return {"planned": len(rows), "unplanned": len(unplanned)}


def _solve_days(plan: RotaPlan) -> list:
    days = [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]
    per_day = max(0.5, plan.time_limit_seconds / len(days))
    results = []
    last_write = [0.0]
    for i, day in enumerate(days):

        def progress(fraction: float, best: float, i=i, day=day) -> None:
            # Written outside any transaction so the progress page sees it; at most once a second.
            if time.monotonic() - last_write[0] < 1.0:
                return
            last_write[0] = time.monotonic()
            percent = int(100 * (i + min(1.0, fraction)) / len(days))
            RotaPlan.objects.filter(pk=plan.pk).update(
                progress=min(99, percent), progress_note=f"Planning {day:%A %-d %B} ({i + 1} of {len(days)})"
            )

        progress(0.0, 0.0)
        last_write[0] = 0.0
        inputs, held = day_inputs(plan, day)
        planning = adapters.build_day(inputs)
        initial = adapters.rows_to_solution(planning, held) if held else None
        result = solve(
            planning.instance, time_limit=per_day, seed=plan.pk, initial=initial, progress=progress
        )
        report = validate(planning.instance, result.solution, clock=planning.clock)
        rows, unplanned = adapters.solution_rows(
            planning, result.solution, plan=plan, pinned=set(inputs.pinned)
        )
        results.append((day, planning, rows, unplanned, day_metrics(planning, result.solution, report)))
    return results


def _fail(plan_id: int, actor: User, note: str) -> dict:
    with transaction.atomic():
        plan = RotaPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status == PlanStatus.SOLVING:
            plan.progress_note = note[:200]
            plan.save(update_fields=["progress_note"])
            _transition(plan, "fail", actor, note=note)
    return {"failed": note}


@transaction.atomic
def plan_publish(*, actor: User, plan: RotaPlan) -> RotaPlan:
    """Make the visits' assignments what the plan says (through visits.services, so care workers see
    them in their app), all or nothing. Slots the plan left out are emptied: they are on its unplanned
    list. Any earlier published plan for these days is superseded; carers whose rota changed are told."""
    plan = RotaPlan.objects.select_for_update().get(pk=plan.pk)
    require_planner(actor, plan.provider_id)
    violations = plan.metrics.get("total", {}).get("violations", [])
    if violations:
        raise ValidationError(["Fix these before publishing:", *violations[:10]])
    state.target("publish", plan.status)
    wanted: dict[int, dict[int, int]] = {}
    for row in plan.assignments.all():
        wanted.setdefault(row.visit_id, {})[row.slot] = row.care_worker_id
    visit_ids = set(wanted) | set(plan.unplanned.values_list("visit_id", flat=True))
    visits = Visit.objects.filter(adapters.delivered_by(plan.provider_id), pk__in=visit_ids).prefetch_related(
        "assignments"
    )
    workers = User.objects.in_bulk({w for slots in wanted.values() for w in slots.values()})
    told: set[int] = set()
    skipped = []
    for visit in visits:
        want = wanted.get(visit.pk, {})
        current = {a.slot: a for a in visit.assignments.all()}
        if {s: a.care_worker_id for s, a in current.items()} == want:
            continue
        if visit.status not in adapters.PLANNABLE_STATUSES:
            skipped.append(f"{adapters.visit_label(visit)} is {visit.get_status_display().lower()}")
            continue
        for a in current.values():
            if want.get(a.slot) != a.care_worker_id:
                a.visit = visit
                visit_services.visit_unassign(actor=actor, assignment=a)
                told.add(a.care_worker_id)
        for slot, worker in sorted(want.items()):
            if slot not in current or current[slot].care_worker_id != worker:
                visit_services.visit_assign(actor=actor, visit=visit, care_worker=workers[worker], slot=slot)
                told.add(worker)
    for other in RotaPlan.objects.select_for_update().filter(
        provider_id=plan.provider_id, status=PlanStatus.PUBLISHED
    ):
        other_end = other.start_date + dt.timedelta(days=other.days - 1)
        if (
            other.start_date <= plan.start_date + dt.timedelta(days=plan.days - 1)
            and plan.start_date <= other_end
        ):
            _transition(other, "supersede", actor, note=f"Replaced by the rota published from plan {plan.pk}")
    note = "Published" + (f"; not changed: {'; '.join(skipped)}" if skipped else "")
    _transition(plan, "publish", actor, note=note)
    if told:
        notify(
            recipients=User.objects.filter(pk__in=told),
            text=f"Your rota from {plan.start_date:%-d %B} has changed: check your visits",
            link=reverse("visits:app"),
        )
    return plan


@transaction.atomic
def plan_replan_after_sickness(
    *, actor: User, plan: RotaPlan, care_worker: User, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> RotaPlan:
    """Record the absence and plan the published rota's remaining days again without that carer,
    changing as little as it must: visits under way or about to start stay put, every other published
    assignment costs ROSTERING_CHANGE_WEIGHT to change. The new plan is published like any other."""
    plan = RotaPlan.objects.select_for_update().get(pk=plan.pk)
    require_planner(actor, plan.provider_id)
    own_care_worker(actor, care_worker)
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError("Only a published rota can be planned again after sickness")
    today = timezone.localdate()
    last = plan.start_date + dt.timedelta(days=plan.days - 1)
    first = max(plan.start_date, today)
    if first > last:
        raise ValidationError("This rota's days are over")
    absence_record(
        actor=actor,
        care_worker=care_worker,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=AbsenceReason.SICKNESS,
        note=note,
    )
    replan = RotaPlan.objects.create(
        provider_id=plan.provider_id,
        start_date=first,
        days=(last - first).days + 1,
        time_limit_seconds=plan.time_limit_seconds,
        weight_travel=plan.weight_travel,
        weight_lateness=plan.weight_lateness,
        weight_continuity=plan.weight_continuity,
        weight_distinct_carers=plan.weight_distinct_carers,
        weight_balance=plan.weight_balance,
        allow_lateness=plan.allow_lateness,
        based_on=plan,
        created_by=actor,
        created_at=timezone.now(),
    )
    replan.absent_carers.add(care_worker)
    RotaPlanStatusChange.objects.create(
        plan=replan,
        from_status="",
        to_status=PlanStatus.DRAFT,
        at=replan.created_at,
        by=actor,
        note=f"Re-plan: {care_worker.get_full_name() or care_worker.username} off sick "
        f"{starts_on:%-d %B} to {ends_on:%-d %B}",
    )
    return plan_start(actor=actor, plan=replan)
