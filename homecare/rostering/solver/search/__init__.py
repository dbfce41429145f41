"""The optimiser: `solve(instance, time_limit=..., seed=...)` returns a `Result` with a `Solution`.

Engines: "alns" (our adaptive large neighbourhood search, any instance: skills, synchronised and
double-handed visits, soft or hard lateness, shifts, maximum hours, continuity) and "pyvrp" (PyVRP's
hybrid genetic search, for plain VRPTW only). "auto" picks PyVRP when it models the instance exactly and
is installed, else ALNS. See docs/adr/0007-rostering-solver.md for the measurements behind the choice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..model import Instance, Route, Solution, Stop
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
