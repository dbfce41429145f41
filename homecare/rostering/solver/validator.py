"""Independent check of a solution against every hard rule, and the objective computed from scratch.

Shares nothing with the search but the model: arrival times are recomputed from the routes and the
travel matrices, and each stop's start time as given in the solution is checked against them.

Hard rules: every visit planned once or reported unassigned with a reason; the carer has the visit's
skills; a start no earlier than the carer can arrive nor before the window opens; no start after the
window closes when lateness is hard (soft lateness is paid for as tardiness); shifts respected (leave
base at the shift start or later, back by its end; each shift used once); synchronised visits by two
different carers with their start-to-start gap within [min_gap, max_gap]; maximum working minutes
(visits plus travel); vehicle capacity where there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Instance, Solution

EPS = 1e-6


@dataclass(frozen=True)
class Violation:
    # unplanned, duplicate, unknown, skills, allowed, arrival, window, shift, sync, max_hours, capacity
    rule: str
    subject: str  # the visit or carer concerned
    message: str


@dataclass
class Report:
    feasible: bool
    violations: list[Violation]
    travel: float
    total_tardiness: float
    max_tardiness: float
    objective: float
    unassigned: dict[str, str]
    continuity: float | None  # share of visits (of people with regular carers) done by a regular carer
    distinct_carers: dict[str, int] = field(default_factory=dict)  # person -> carers seen
    working_minutes: dict[str, float] = field(default_factory=dict)  # carer -> visits plus travel
    travel_share: float | None = None  # travel over paid time (visits plus travel)
    changes: int = 0  # visits given to another carer than their previous one


def validate(
    instance: Instance, solution: Solution, *, clock: Callable[[float], str] | None = None
) -> Report:
    """Check every hard rule and compute the objective. `clock` formats a moment in messages (the
    rostering app shows wall-clock times); by default the model's minutes are printed as they are."""
    at = clock or _minutes
    visits = instance.visit_by_id()
    carers = {c.id: c for c in instance.carers}
    violations: list[Violation] = []

    def fail(rule: str, subject: str, message: str) -> None:
        violations.append(Violation(rule, subject, message))

    start_of: dict[str, float] = {}
    carer_of: dict[str, str] = {}
    used_shifts: set[tuple[str, int]] = set()
    travel = 0.0
    tardiness: list[float] = []
    working: dict[str, float] = defaultdict(float)
    service_minutes = 0.0
    hard = instance.lateness == "hard"

    for route in solution.routes:
        carer = carers.get(route.carer)
        if carer is None:
            fail("unknown", route.carer, f"route for unknown carer {route.carer!r}")
            continue
        if not 0 <= route.shift < len(carer.shifts):
            fail("shift", carer.id, f"carer {carer.id} has no shift number {route.shift}")
            continue
        if (carer.id, route.shift) in used_shifts:
            fail("shift", carer.id, f"carer {carer.id}'s shift {route.shift} has two routes")
        used_shifts.add((carer.id, route.shift))
        if not route.stops:
            continue
        shift = carer.shifts[route.shift]
        matrix = instance.matrix(carer.travel_mode)
        here, ready = carer.base, shift.start
        load = 0
        for stop in route.stops:
            visit = visits.get(stop.visit)
            if visit is None:
                fail("unknown", stop.visit, f"carer {carer.id} visits unknown visit {stop.visit!r}")
                continue
            if stop.visit in carer_of:
                fail("duplicate", stop.visit, f"visit {stop.visit} is planned twice")
            carer_of[stop.visit] = carer.id
            start_of[stop.visit] = stop.start
            if visit.allowed_carers is not None and carer.id not in visit.allowed_carers:
                fail(
                    "allowed",
                    stop.visit,
                    f"{stop.visit} may only be done by "
                    f"{', '.join(sorted(visit.allowed_carers))}, not {carer.id}",
                )
            missing = visit.skills - carer.skills
            if missing:
                fail(
                    "skills",
                    stop.visit,
                    f"carer {carer.id} lacks {', '.join(sorted(missing))} for {stop.visit}",
                )
            leg = matrix[here][visit.location]
            travel += leg
            working[carer.id] += leg + visit.duration
            service_minutes += visit.duration
            arrival = ready + leg
            if stop.start < arrival - EPS:
                fail(
                    "arrival",
                    stop.visit,
                    f"{stop.visit} starts at {at(stop.start)}, before {carer.id} can arrive ({at(arrival)})",
                )
            if stop.start < visit.earliest - EPS:
                fail(
                    "window",
                    stop.visit,
                    f"{stop.visit} starts at {at(stop.start)}, "
                    f"before its window opens ({at(visit.earliest)})",
                )
            late = max(0.0, stop.start - visit.latest)
            if hard and late > EPS:
                fail(
                    "window",
                    stop.visit,
                    f"{stop.visit} starts at {at(stop.start)}, after its latest start ({at(visit.latest)})",
                )
            tardiness.append(late)
            load += visit.demand
            here, ready = visit.location, max(stop.start, arrival) + visit.duration
        leg = matrix[here][carer.finish_base]
        travel += leg
        working[carer.id] += leg
        if ready + leg > shift.end + EPS:
            fail(
                "shift",
                carer.id,
                f"carer {carer.id} is back at {at(ready + leg)}, after the shift ends ({at(shift.end)})",
            )
        if carer.capacity is not None and load > carer.capacity:
            fail("capacity", carer.id, f"carer {carer.id} carries {load}, over capacity {carer.capacity}")

    for carer_id, minutes in working.items():
        limit = carers[carer_id].max_working_minutes
        if limit is not None and minutes > limit + EPS:
            fail(
                "max_hours",
                carer_id,
                f"carer {carer_id} works {minutes:g} minutes, over the maximum {limit:g}",
            )

    unassigned = dict(solution.unassigned)
    for vid, reason in unassigned.items():
        if vid not in visits:
            fail("unknown", vid, f"unassigned list names unknown visit {vid!r}")
        elif vid in carer_of:
            fail("duplicate", vid, f"visit {vid} is both planned and reported unassigned")
        elif not str(reason).strip():
            fail("unplanned", vid, f"visit {vid} is unassigned without a reason")
    for vid in visits:
        if vid not in carer_of and vid not in unassigned:
            fail("unplanned", vid, f"visit {vid} is neither planned nor reported unassigned")

    for sync in instance.synchronisations:
        a, b = sync.first, sync.second
        if (a in carer_of) != (b in carer_of):
            planned = a if a in carer_of else b
            fail("sync", planned, f"{planned} is planned but its synchronised partner is not")
            continue
        if a not in carer_of:
            continue
        if carer_of[a] == carer_of[b]:
            fail("sync", a, f"{a} and {b} need two different carers, both given to {carer_of[a]}")
        gap = start_of[b] - start_of[a]
        if gap < sync.min_gap - EPS or gap > sync.max_gap + EPS:
            together = (
                "together" if sync.simultaneous else f"{sync.min_gap:g}..{sync.max_gap:g} minutes apart"
            )
            fail("sync", a, f"{a} and {b} must start {together}; they start {gap:g} minutes apart")

    total_tardiness = sum(tardiness)
    max_tardiness = max(tardiness, default=0.0)
    continuity, distinct, regular_misses = _continuity(instance, carer_of)
    changes = sum(
        1
        for v in instance.visits
        if v.previous_carer is not None and v.id in carer_of and carer_of[v.id] != v.previous_carer
    )
    w = instance.weights
    hours = [working.get(c.id, 0.0) for c in instance.carers]
    spread = (max(hours) - min(hours)) if hours else 0.0
    objective = (
        w.travel * travel
        + w.tardiness * total_tardiness
        + w.max_tardiness * max_tardiness
        + w.continuity * regular_misses
        + w.distinct_carers * sum(n - 1 for n in distinct.values())
        + w.balance * spread
        + w.change * changes
        + w.unassigned * len([v for v in unassigned if v in visits and v not in carer_of])
    )
    paid = travel + service_minutes
    d = instance.report_decimals
    return Report(
        feasible=not violations,
        violations=violations,
        travel=_round(travel, d),
        total_tardiness=_round(total_tardiness, d),
        max_tardiness=_round(max_tardiness, d),
        objective=_round(objective, d),
        unassigned=unassigned,
        continuity=continuity,
        distinct_carers=distinct,
        working_minutes=dict(working),
        travel_share=(travel / paid) if paid else None,
        changes=changes,
    )


def _minutes(value: float) -> str:
    return f"{value:g}"


def _round(value: float, decimals: int | None) -> float:
    return round(value, decimals) if decimals is not None else value


def _continuity(instance: Instance, carer_of: dict[str, str]) -> tuple[float | None, dict[str, int], int]:
    """(share of visits by a regular carer, carers seen per person, visits not by a regular carer)."""
    seen: dict[str, set[str]] = defaultdict(set)
    by_regular = counted = misses = 0
    for visit in instance.visits:
        carer = carer_of.get(visit.id)
        if carer is None or visit.person is None:
            continue
        seen[visit.person].add(carer)
        regulars = instance.regular_carers.get(visit.person)
        if regulars:
            counted += 1
            if carer in regulars:
                by_regular += 1
            else:
                misses += 1
    share = (by_regular / counted) if counted else None
    return share, {p: len(c) for p, c in seen.items()}, misses
