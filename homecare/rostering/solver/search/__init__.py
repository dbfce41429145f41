"""The optimiser: `solve(instance, time_limit=..., seed=...)` returns a `Result` with a `Solution`.

Engines: "alns" (our adaptive large neighbourhood search, any instance: skills, synchronised and
double-handed visits, soft or hard lateness, shifts, maximum hours, continuity) and "pyvrp" (PyVRP's
hybrid genetic search, for plain VRPTW only). "auto" picks PyVRP when it models the instance exactly and
is installed, else ALNS. See docs/adr/0007-rostering-solver.md for the measurements behind the choice.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..model import INF, Instance, Route, Shift, Solution, Stop
from . import pyvrp_engine
from .alns import Search, construct, warm_start
from .problem import Problem, compile_problem
from .state import State

ENGINES = ("auto", "alns", "pyvrp")
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


@dataclass(frozen=True)
class Result:
    solution: Solution
    engine: str
    iterations: int
    wall_s: float


def solve(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    seed: int = 1,
    engine: str = "auto",
    clock: str = "wall",
    max_iterations: int | None = None,
    initial: Solution | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> Result:
    """Plan the instance within `time_limit` seconds on one core: of wall-clock time (clock="wall"), or
    of this process's CPU time (clock="cpu", for measuring on a shared machine). Reproducible for a seed
    up to where the time limit cuts the search; with `max_iterations` (ALNS) fully reproducible.
    `initial`: a rota to start from (re-planning: pair it with Visit.previous_carer and Weights.change
    so that the search moves as little as it must). `progress(fraction_of_time, best_objective)` is
    called on each improvement."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {tuple(CLOCKS)}")
    now = CLOCKS[clock]
    wall_started = time.perf_counter()
    deadline = now() + max(0.0, time_limit)
    problem = compile_problem(instance)
    if engine in ("auto", "pyvrp") and initial is None and pyvrp_engine.applicable(instance):
        routes = pyvrp_engine.solve_routes(instance, max(0.5, deadline - now()), seed, now)
        if routes is not None:
            state = State(problem)
            for r, visits in enumerate(routes):
                for k in visits:
                    state._place(k, r, len(state.routes[r]))
                    state.unassigned.discard(problem.group_of[k])
            if state.schedule():
                return Result(to_solution(problem, state), "pyvrp", 0, time.perf_counter() - wall_started)
        if engine == "pyvrp":
            raise RuntimeError("PyVRP is not installed or found no feasible solution")
    rng = random.Random(seed)
    state = warm_start(problem, initial, rng) if initial is not None else construct(problem, rng)
    search = Search(problem, seed, deadline, clock=now, max_iterations=max_iterations, progress=progress)
    best = search.run(state)
    best.schedule()
    return Result(to_solution(problem, best), "alns", search.iterations, time.perf_counter() - wall_started)


class UntimeableRoutes(ValueError):
    """Routes that no schedule can time: synchronised carers would each wait for the other."""


def time_routes(instance: Instance, routes: Mapping[tuple[str, int], Sequence[str]]) -> Solution:
    """Time fixed routes ({(carer id, shift index): [visit ids in order]}) at their earliest starts,
    without judging them: lateness is paid, not refused, and shift ends are ignored, so that
    `validator.validate(instance, solution)` can then name every rule the routes break (a coordinator's
    hand-made change is checked this way). Visits not on any route are reported unassigned. Raises
    UntimeableRoutes when a synchronised pair cannot be timed (a cycle of waiting) and ValueError for an
    unknown carer, shift or visit."""
    relaxed = dataclasses.replace(
        instance,
        lateness="soft",
        carers=tuple(
            dataclasses.replace(
                c, shifts=tuple(Shift(s.start, INF) for s in c.shifts), max_working_minutes=None
            )
            for c in instance.carers
        ),
    )
    problem = compile_problem(relaxed)
    route_of = {
        (problem.carer_ids[problem.route_carer[r]], problem.route_shift[r]): r
        for r in range(problem.n_routes)
    }
    index = {vid: k for k, vid in enumerate(problem.visit_ids)}
    state = State(problem)
    for key, visit_ids in routes.items():
        if key not in route_of:
            raise ValueError(f"no carer {key[0]!r} with shift {key[1]}")
        r = route_of[key]
        for vid in visit_ids:
            if vid not in index:
                raise ValueError(f"unknown visit {vid!r}")
            k = index[vid]
            if state.r_of[k] >= 0:
                raise ValueError(f"visit {vid!r} is on two routes")
            state._place(k, r, len(state.routes[r]))
    for g, members in enumerate(problem.groups):
        placed = [state.r_of[k] >= 0 for k in members]
        if all(placed):
            state.unassigned.discard(g)
        elif any(placed):
            names = " and ".join(problem.visit_ids[k] for k in members)
            raise ValueError(f"{names} go together: route both or neither")
        if len(members) == 2 and all(placed):
            a, b = members
            if problem.route_carer[state.r_of[a]] == problem.route_carer[state.r_of[b]]:
                carer = problem.carer_ids[problem.route_carer[state.r_of[a]]]
                raise UntimeableRoutes(
                    f"{problem.visit_ids[a]} and {problem.visit_ids[b]} need two different carers, "
                    f"both given to {carer}"
                )
    if not state.schedule():
        raise UntimeableRoutes("the carers of a double-handed visit would each be waiting for the other")
    solution = to_solution(problem, state)
    return solution


def to_solution(problem: Problem, state: State) -> Solution:
    P = problem
    routes = []
    for r, route in enumerate(state.routes):
        if not route:
            continue
        M = P.route_matrix[r]
        here, ready = P.route_start[r], P.route_from[r]
        stops = []
        for k in route:
            arrival = ready + M[here][P.node[k]]
            stops.append(Stop(P.visit_ids[k], state.t[k], arrival))
            here, ready = P.node[k], state.t[k] + P.dur[k]
        routes.append(Route(P.carer_ids[P.route_carer[r]], P.route_shift[r], tuple(stops)))
    unassigned = {}
    for g in sorted(state.unassigned):
        reason = P.unplannable.get(g) or explain(P, g)
        for k in P.groups[g]:
            unassigned[P.visit_ids[k]] = reason
    return Solution(tuple(routes), unassigned)


def explain(P: Problem, g: int) -> str:
    """Why a plannable group found no place: the first rule that rules out every qualified carer."""
    reasons = []
    for k in P.groups[g]:
        vid = P.visit_ids[k]
        routes = P.eligible[k]
        if all(P.demand[k] > P.route_cap[r] for r in routes):
            reasons.append(f"{vid} needs more capacity than any qualified carer has")
        elif all(P.dur[k] > P.carer_max_work[P.route_carer[r]] for r in routes):
            reasons.append(f"{vid} is longer than any qualified carer's maximum working time")
        elif P.hard and all(
            max(P.route_from[r] + P.route_matrix[r][P.route_start[r]][P.node[k]], P.early[k]) > P.late[k]
            for r in routes
        ):
            reasons.append(f"no qualified carer can reach {vid} before its latest start")
        elif all(
            max(P.route_from[r] + P.route_matrix[r][P.route_start[r]][P.node[k]], P.early[k])
            + P.dur[k]
            + P.route_matrix[r][P.node[k]][P.route_end[r]]
            > P.route_until[r]
            for r in routes
        ):
            reasons.append(f"{vid} does not fit in any qualified carer's shift")
    if reasons:
        return "; ".join(reasons)
    what = "these synchronised visits" if len(P.groups[g]) == 2 else "this visit"
    return (
        f"no qualified carer has room for {what} (time windows, shifts, maximum hours"
        f"{' or two carers free together' if len(P.groups[g]) == 2 else ''})"
    )
