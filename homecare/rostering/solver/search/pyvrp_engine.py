"""Plain VRPTW (no skills, synchronisation or soft lateness) through PyVRP's hybrid genetic search.

PyVRP works in integers: travel, durations and windows are scaled by 10**report_decimals (DIMACS
Solomon: one decimal, so scaled by 10 they are exact integers). The routes it returns are timed again
by our own earliest-start schedule, so the validator checks our times, not PyVRP's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..model import Instance

INT_MAX = 2**62


def applicable(instance: Instance) -> bool:
    """True when the instance is a plain (capacitated) VRPTW that PyVRP models exactly."""
    if instance.synchronisations or instance.lateness != "hard" or not instance.carers:
        return False
    w = instance.weights
    if w.max_tardiness or w.continuity or w.distinct_carers or w.balance or w.change:
        return False
    if any(v.allowed_carers is not None for v in instance.visits):
        return False
    first = instance.carers[0]
    for c in instance.carers:
        if (
            len(c.shifts) != 1
            or c.skills != first.skills
            or c.base != first.base
            or c.finish_base != first.finish_base
            or c.shifts != first.shifts
            or c.travel_mode != first.travel_mode
            or c.capacity != first.capacity
            or c.max_working_minutes is not None
        ):
            return False
    return all(v.skills <= first.skills for v in instance.visits)


class _Deadline:
    """PyVRP stopping criterion on our clock (wall or this process's CPU time)."""

    def __init__(self, clock: Callable[[], float], deadline: float) -> None:
        self.clock, self.deadline = clock, deadline

    def __call__(self, best_cost: float) -> bool:
        return self.clock() >= self.deadline


def solve_routes(
    instance: Instance, time_limit: float, seed: int, clock: Callable[[], float] = time.perf_counter
) -> list[list[int]] | None:
    """Visit indices per vehicle, or None if PyVRP is missing or found nothing feasible.

    HGS struggles when the fleet is exactly as large as needed (C101's ten vehicles: no feasible solution
    in 10 s), yet finds the best routes at once with a larger fleet, which on tight instances then uses
    too many vehicles (RC101). So: 40% of the time with twice the fleet; if that plan fits the real fleet
    it seeds the remaining 60% with the real fleet, which otherwise starts from scratch.
    """
    started = clock()
    try:
        import pyvrp
    except ImportError:
        return None
    fleet = len(instance.carers)
    relaxed = _model(instance, 2 * fleet)
    stop = _Deadline(clock, started + 0.4 * time_limit)
    result = relaxed.solve(stop, seed=seed, display=False, collect_stats=False)
    first = None
    if result.is_feasible() and result.best.num_routes() <= fleet:
        first = [[a.idx for a in route.schedule() if a.is_client()] for route in result.best.routes()]
    exact = _model(instance, fleet)
    initial = pyvrp.Solution(exact.data(), first) if first is not None else None
    stop = _Deadline(clock, started + time_limit - 0.05)
    result = exact.solve(stop, seed=seed, display=False, collect_stats=False, initial_solution=initial)
    if result.is_feasible():
        return [[a.idx for a in route.schedule() if a.is_client()] for route in result.best.routes()]
    return first


def _model(instance: Instance, fleet: int):
    import pyvrp

    scale = 10 ** (instance.report_decimals or 0)

    def scaled(x: float) -> int:
        return INT_MAX if x == float("inf") else int(round(x * scale))

    carer = instance.carers[0]
    shift = carer.shifts[0]
    matrix = instance.matrix(carer.travel_mode)
    model = pyvrp.Model()
    locations = [model.add_location(0, 0) for _ in range(len(matrix))]
    start = model.add_depot(locations[carer.base], tw_early=scaled(shift.start), tw_late=scaled(shift.end))
    end = start
    if carer.finish_base != carer.base:
        end = model.add_depot(
            locations[carer.finish_base], tw_early=scaled(shift.start), tw_late=scaled(shift.end)
        )
    capacity = [carer.capacity] if carer.capacity is not None else []
    model.add_vehicle_type(
        num_available=fleet,
        capacity=capacity,
        start_depot=start,
        end_depot=end,
        tw_early=scaled(shift.start),
        tw_late=scaled(shift.end),
    )
    for v in instance.visits:
        model.add_client(
            locations[v.location],
            delivery=[v.demand] if capacity else [],
            service_duration=scaled(v.duration),
            tw_early=scaled(v.earliest),
            tw_late=scaled(v.latest),
            name=v.id,
        )
    used = sorted({carer.base, carer.finish_base} | {v.location for v in instance.visits})
    for i in used:
        for j in used:
            if i != j:
                d = scaled(matrix[i][j])
                model.add_edge(locations[i], locations[j], distance=d, duration=d)
    return model
