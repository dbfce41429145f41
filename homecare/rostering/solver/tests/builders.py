"""Small hand-built instances for the solver's tests (no Django, no database)."""

from __future__ import annotations

from pathlib import Path

from homecare.rostering.solver.model import (
    Carer,
    Instance,
    Route,
    Shift,
    Solution,
    Stop,
    Synchronisation,
    Visit,
    Weights,
)

DEFAULT_WEIGHTS = Weights()
# ../shared/bench beside the repository (present on developers' machines and in CI)
BENCH = Path(__file__).resolve().parents[4].parent / "shared" / "bench"

#          base  v1   v2   v3
TRAVEL = [[0.0, 10.0, 10.0, 20.0], [10.0, 0.0, 5.0, 15.0], [10.0, 5.0, 0.0, 12.0], [20.0, 15.0, 12.0, 0.0]]


def small_instance(
    *,
    lateness: str = "hard",
    ann_max: float | None = 300.0,
    ann_shift_end: float = 600.0,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Instance:
    """Ann (hoist, medication) and Bob (hoist); a medication visit, a double-handed hoist visit, a
    plain visit."""
    return Instance(
        name="small",
        carers=(
            Carer(
                "ann",
                frozenset({"hoist", "meds"}),
                base=0,
                shifts=(Shift(0, ann_shift_end),),
                max_working_minutes=ann_max,
            ),
            Carer("bob", frozenset({"hoist"}), base=0, shifts=(Shift(0, 600),)),
        ),
        visits=(
            Visit("v1", 1, 60, 90, 30, frozenset({"meds"}), "p1"),
            Visit("v2a", 2, 100, 120, 20, frozenset({"hoist"}), "p2"),
            Visit("v2b", 2, 100, 120, 20, frozenset({"hoist"}), "p2"),
            Visit("v3", 3, 200, 260, 15, frozenset(), "p3"),
        ),
        travel={"default": TRAVEL},
        synchronisations=(Synchronisation("v2a", "v2b"),),
        weights=weights,
        lateness=lateness,
    )


def good_solution(*, v3_start: float = 200.0, v2b_start: float = 100.0) -> Solution:
    return Solution(
        routes=(
            Route("ann", 0, (Stop("v1", 60, 10), Stop("v2a", 100, 95), Stop("v3", v3_start, 132))),
            Route("bob", 0, (Stop("v2b", v2b_start, 10),)),
        )
    )
