"""The instance flattened into lists indexed by integers, for the search's inner loops.

Tasks are visits (index k); routes are (carer, shift) pairs (index r). Nothing here allocates per move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model import Instance

INF = math.inf


@dataclass
class Problem:
    instance: Instance
    n_tasks: int
    n_routes: int
    visit_ids: list[str]
    node: list[int]
    dur: list[float]
    early: list[float]
    late: list[float]
    hard: bool  # lateness forbidden
    demand: list[int]
    # synchronisation: partner task (-1 none); role 1 = first, 2 = second;
    # start(second) - start(first) must lie in [gmin, gmax]
    other: list[int]
    role: list[int]
    gmin: list[float]
    gmax: list[float]
    groups: list[tuple[int, ...]]  # a single task, or the two synchronised tasks (first, second)
    group_of: list[int]
    eligible: list[list[int]]  # routes whose carer has the task's skills
    assign_cost: list[dict[int, float]]  # continuity penalty of task k on route r (only non-zero entries)
    route_carer: list[int]
    carer_ids: list[str]
    route_shift: list[int]
    route_start: list[int]
    route_end: list[int]
    route_from: list[float]
    route_until: list[float]
    route_cap: list[float]
    route_matrix: list[list[list[float]]]
    carer_max_work: list[float]
    w_travel: float
    w_tard: float
    w_max: float
    w_unassigned: float
    w_distinct: float
    w_balance: float
    widest: float  # the widest time window (latest - earliest start) of any visit
    horizon: float  # no start in a schedule without a positive cycle can exceed this
    unplannable: dict[int, str]  # group -> why no carer can ever do it


def compile_problem(instance: Instance) -> Problem:
    visits = list(instance.visits)
    index = {v.id: k for k, v in enumerate(visits)}
    n = len(visits)
    other, role = [-1] * n, [0] * n
    gmin, gmax = [0.0] * n, [0.0] * n
    for s in instance.synchronisations:
        a, b = index[s.first], index[s.second]
        other[a], other[b] = b, a
        role[a], role[b] = 1, 2
        gmin[a] = gmin[b] = float(s.min_gap)
        gmax[a] = gmax[b] = float(s.max_gap)
    groups: list[tuple[int, ...]] = []
    group_of = [-1] * n
    for k in range(n):
        if role[k] == 2:
            continue
        g = (k, other[k]) if role[k] == 1 else (k,)
        for t in g:
            group_of[t] = len(groups)
        groups.append(g)

    carer_index = {c.id: i for i, c in enumerate(instance.carers)}
    route_carer, route_shift, route_start, route_end = [], [], [], []
    route_from, route_until, route_cap, route_matrix = [], [], [], []
    matrices: dict[str, list[list[float]]] = {}
    for c in instance.carers:
        if c.travel_mode not in matrices:
            matrices[c.travel_mode] = [list(map(float, row)) for row in instance.matrix(c.travel_mode)]
        for si, shift in enumerate(c.shifts):
            route_carer.append(carer_index[c.id])
            route_shift.append(si)
            route_start.append(c.base)
            route_end.append(c.finish_base)
            route_from.append(float(shift.start))
            route_until.append(float(shift.end))
            route_cap.append(float(c.capacity) if c.capacity is not None else INF)
            route_matrix.append(matrices[c.travel_mode])
    n_routes = len(route_carer)

    eligible = []
    for v in visits:
        eligible.append(
            [
                r
                for r in range(n_routes)
                if v.skills <= instance.carers[route_carer[r]].skills
                and (v.allowed_carers is None or instance.carers[route_carer[r]].id in v.allowed_carers)
            ]
        )
    assign_cost: list[dict[int, float]] = [{} for _ in range(n)]
    w = instance.weights
    for k, v in enumerate(visits):
        regulars = instance.regular_carers.get(v.person or "", ()) if w.continuity else ()
        for r in eligible[k]:
            carer_id = instance.carers[route_carer[r]].id
            cost = w.continuity if regulars and carer_id not in regulars else 0.0
            if w.change and v.previous_carer is not None and carer_id != v.previous_carer:
                cost += w.change
            if cost:
                assign_cost[k][r] = cost

    unplannable: dict[int, str] = {}
    for g, members in enumerate(groups):
        reasons = []
        for k in members:
            if not eligible[k]:
                needed = ", ".join(sorted(visits[k].skills)) or "no skills"
                if visits[k].allowed_carers is not None:
                    allowed = ", ".join(sorted(visits[k].allowed_carers)) or "nobody"
                    reasons.append(
                        f"no carer allowed for {visits[k].id} ({allowed}) has its skills ({needed})"
                    )
                else:
                    reasons.append(f"no carer has the skills {visits[k].id} needs ({needed})")
        if not reasons and len(members) == 2:
            ca = {route_carer[r] for r in eligible[members[0]]}
            cb = {route_carer[r] for r in eligible[members[1]]}
            if len(ca | cb) < 2:
                reasons.append(
                    f"{visits[members[0]].id} and {visits[members[1]].id} need two different qualified "
                    f"carers; only {instance.carers[next(iter(ca | cb))].id} qualifies"
                )
        if reasons:
            unplannable[g] = "; ".join(reasons)

    max_travel = max((max(row) for m in matrices.values() for row in m if row), default=0.0)
    horizon = (
        max([v.earliest for v in visits] + route_from + [0.0])
        + sum(v.duration + max_travel + max(0.0, gmin[k]) for k, v in enumerate(visits))
        + max_travel
        + 1.0
    )
    return Problem(
        instance=instance,
        n_tasks=n,
        n_routes=n_routes,
        visit_ids=[v.id for v in visits],
        node=[v.location for v in visits],
        dur=[float(v.duration) for v in visits],
        early=[float(v.earliest) for v in visits],
        late=[float(v.latest) for v in visits],
        hard=instance.lateness == "hard",
        demand=[v.demand for v in visits],
        other=other,
        role=role,
        gmin=gmin,
        gmax=gmax,
        groups=groups,
        group_of=group_of,
        eligible=eligible,
        assign_cost=assign_cost,
        route_carer=route_carer,
        carer_ids=[c.id for c in instance.carers],
        route_shift=route_shift,
        route_start=route_start,
        route_end=route_end,
        route_from=route_from,
        route_until=route_until,
        route_cap=route_cap,
        route_matrix=route_matrix,
        carer_max_work=[
            float(c.max_working_minutes) if c.max_working_minutes is not None else INF
            for c in instance.carers
        ],
        w_travel=w.travel,
        w_tard=w.tardiness,
        w_max=w.max_tardiness,
        w_unassigned=w.unassigned,
        w_distinct=w.distinct_carers,
        w_balance=w.balance,
        widest=max((v.latest - v.earliest for v in visits), default=0.0),
        horizon=horizon,
        unplannable=unplannable,
    )
