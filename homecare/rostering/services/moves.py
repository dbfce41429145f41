"""A coordinator moves a visit by hand; the planner checks every hard rule before it is kept.

The day's routes are rebuilt with the visit (each carer's stops in time order), timed at their earliest
starts by the solver and checked by its validator against the same model the plan was made from: skills,
a person's stated preferences, shifts, maximum hours, both carers of a double-handed visit together and,
when the plan does not allow lateness, the windows. Any broken rule refuses the move with the reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homecare.accounts.models import User
from homecare.rostering import adapters
from homecare.rostering.models import PlanMove, PlannedAssignment, PlanStatus, RotaPlan
from homecare.rostering.services.metrics import day_metrics, totals
from homecare.rostering.services.plans import day_inputs
from homecare.rostering.services.profiles import own_care_worker, require_planner
from homecare.rostering.solver.search import UntimeableRoutes, time_routes
from homecare.rostering.solver.validator import Violation, validate
from homecare.visits.models import Visit


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def plan_move_visit(
    *,
    actor: User,
    plan: RotaPlan,
    visit: Visit,
    slot: int,
    care_worker: User,
    reason: str,
    second_carer: User | None = None,
) -> list[PlanMove]:
    """Give a carer slot of a visit in a ready plan to another care worker (or place an unplanned one).
    A double-handed visit with both slots unplanned needs `second_carer` too. Refuses, with every
    broken rule named, a change the rules do not allow; on success re-times the day and keeps a
    `PlanMove` per slot with who had it before."""
    plan = RotaPlan.objects.select_for_update().get(pk=plan.pk)
    require_planner(actor, plan.provider_id)
    if plan.status != PlanStatus.READY:
        raise ValidationError("Only a plan that is ready to publish can be changed by hand")
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are moving this visit"})
    own_care_worker(actor, care_worker)
    day = visit.date
    rows = list(plan.assignments.filter(visit__date=day))
    unplanned = {(u.visit_id, u.slot): u for u in plan.unplanned.filter(visit__date=day)}
    by_key = {(r.visit_id, r.slot): r for r in rows}
    key = (visit.pk, slot)
    if key not in by_key and key not in unplanned:
        raise ValidationError({"slot": "This visit is not in this plan"})
    changes = [(slot, care_worker)]
    for other in range(1, visit.carers_required + 1):
        if other == slot:
            continue
        if (visit.pk, other) in unplanned:
            if second_carer is None:
                raise ValidationError(
                    {"second_carer": "This visit needs two carers together: choose the second too"}
                )
            own_care_worker(actor, second_carer)
            changes.append((other, second_carer))
        elif by_key[(visit.pk, other)].care_worker_id == care_worker.pk:
            raise ValidationError(
                {"care_worker": f"{_name(care_worker)} is already the other carer on this visit"}
            )
    if len({c.pk for _, c in changes}) < len(changes):
        raise ValidationError({"second_carer": "Choose two different carers"})
    if all(by_key.get((visit.pk, s)) and by_key[(visit.pk, s)].care_worker_id == c.pk for s, c in changes):
        raise ValidationError({"care_worker": f"{_name(care_worker)} already has this visit"})

    inputs, _ = day_inputs(plan, day)
    planning = adapters.build_day(inputs)
    for _, carer in changes:
        if carer.pk not in planning.id_of_carer:
            why = "off work" if carer.pk in inputs.absent else "not working"
            raise ValidationError({"care_worker": f"{_name(carer)} is {why} on {day:%A %-d %B}"})
    if any((visit.pk, s) in planning.not_modelled for s, _ in changes):
        raise ValidationError(planning.not_modelled[(visit.pk, slot)])
    previous = {
        s: (by_key[(visit.pk, s)].care_worker_id if (visit.pk, s) in by_key else None) for s, _ in changes
    }
    proposed = [r for r in rows if not (r.visit_id == visit.pk and r.slot in previous)]
    start = by_key[key].start if key in by_key else visit.planned_start
    for s, carer in changes:
        proposed.append(
            PlannedAssignment(
                plan=plan,
                visit=visit,
                slot=s,
                care_worker=carer,
                start=start,
                sequence=0,
                travel_minutes=0,
                arrival=start,
            )
        )
    try:
        solution = time_routes(planning.instance, adapters.rows_to_routes(planning, proposed))
    except UntimeableRoutes as exc:
        raise ValidationError(f"That move cannot be timed: {exc}") from exc
    report = validate(planning.instance, solution, clock=planning.clock)
    broken = [v for v in report.violations if v.rule != "unplanned"]
    if broken:
        raise ValidationError([_explain(v, planning, inputs) for v in broken])

    pinned = {(r.visit_id, r.slot) for r in rows if r.pinned}
    new_rows, _ = adapters.solution_rows(planning, solution, plan=plan, pinned=pinned)
    plan.assignments.filter(visit__date=day).delete()
    PlannedAssignment.objects.bulk_create(new_rows)
    for s, _ in changes:
        if (visit.pk, s) in unplanned:
            unplanned[(visit.pk, s)].delete()
    # The unplanned slots still left are not on any route; their reasons from the planner stand.
    kept_unplanned = {(u.visit_id, u.slot) for u in plan.unplanned.filter(visit__date=day)}
    metrics = day_metrics(planning, solution, report)
    metrics["unplanned"] = len(kept_unplanned)
    metrics["slots"] = metrics["planned"] + metrics["unplanned"]
    plan.metrics.setdefault("days", {})[day.isoformat()] = metrics
    plan.metrics["total"] = totals(plan.metrics["days"])
    plan.save(update_fields=["metrics"])
    now = timezone.now()
    return [
        PlanMove.objects.create(
            plan=plan,
            visit=visit,
            slot=s,
            from_carer_id=previous[s],
            to_carer=carer,
            reason=reason.strip()[:300],
            at=now,
            by=actor,
        )
        for s, carer in changes
    ]


def _explain(violation: Violation, planning: adapters.PlanningDay, inputs: adapters.DayInputs) -> str:
    """The validator's message, with the person's own words for a carer they may not have."""
    if violation.rule != "allowed" or violation.subject not in planning.slot_of:
        return violation.message
    key = planning.slot_of[violation.subject]
    if key in inputs.pinned:
        return f"{violation.subject} is under way or about to start, so it stays with its carer"
    visit = planning.visits[key[0]]
    prefs = inputs.preferences.get(visit.person_id)
    asked = []
    if prefs and prefs.preferred_gender:
        asked.append(f"a {prefs.get_preferred_gender_display().lower()} carer")
    if prefs and prefs.preferred_language:
        asked.append(f"a carer who speaks {prefs.preferred_language}")
    who = visit.person.preferred_name or visit.person.given_name
    return f"{violation.subject}: {who} has asked for {' and '.join(asked) or 'other carers'}"
