"""The validator catches each broken hard rule and computes the objective itself."""

from __future__ import annotations

import pytest

from homecare.rostering.solver.model import Route, Solution, Stop, Weights
from homecare.rostering.solver.readers import read_mankowska
from homecare.rostering.solver.search import to_solution
from homecare.rostering.solver.search.problem import compile_problem
from homecare.rostering.solver.search.state import State
from homecare.rostering.solver.validator import validate

from .builders import BENCH, good_solution, small_instance


def rules(report) -> set[str]:
    return {v.rule for v in report.violations}


def test_a_correct_rota_is_feasible_and_its_objective_is_travel():
    report = validate(small_instance(), good_solution())
    assert report.feasible, report.violations
    assert report.travel == pytest.approx(10 + 5 + 12 + 20 + 10 + 10)
    assert report.objective == pytest.approx(67)
    assert report.working_minutes["ann"] == pytest.approx(47 + 30 + 20 + 15)


def test_double_handed_visit_whose_carers_start_apart_breaks_synchronisation():
    report = validate(small_instance(), good_solution(v2b_start=105))
    assert rules(report) == {"sync"}
    assert "together" in report.violations[0].message


def test_both_parts_of_a_double_handed_visit_by_one_carer_is_refused():
    solution = Solution(
        routes=(
            Route(
                "ann",
                0,
                (Stop("v1", 60, 10), Stop("v2a", 100, 95), Stop("v2b", 120, 120), Stop("v3", 200, 152)),
            ),
        )
    )
    report = validate(small_instance(), solution)
    assert "sync" in rules(report)
    assert any("two different carers" in v.message for v in report.violations)


def test_carer_without_the_skill_is_refused():
    solution = Solution(
        routes=(
            Route("ann", 0, (Stop("v2a", 100, 10), Stop("v3", 200, 132))),
            Route("bob", 0, (Stop("v1", 60, 10), Stop("v2b", 100, 95))),
        )
    )
    report = validate(small_instance(), solution)
    assert rules(report) == {"skills"}
    assert report.violations[0].subject == "v1"


def test_late_start_breaks_a_hard_window_but_is_tardiness_when_lateness_is_soft():
    hard = validate(small_instance(lateness="hard"), good_solution(v3_start=300))
    assert rules(hard) == {"window"}
    soft = validate(small_instance(lateness="soft"), good_solution(v3_start=300))
    assert soft.feasible
    assert soft.total_tardiness == pytest.approx(40)
    assert soft.max_tardiness == pytest.approx(40)
    assert soft.objective == pytest.approx(67 + 40)


def test_start_before_the_carer_can_arrive_is_refused():
    solution = Solution(
        routes=(
            Route("ann", 0, (Stop("v1", 60, 10), Stop("v2a", 92, 95), Stop("v3", 200, 124))),
            Route("bob", 0, (Stop("v2b", 92, 10),)),
        )
    )
    assert {"arrival", "window"} <= rules(validate(small_instance(lateness="soft"), solution))


def test_visit_given_to_a_carer_the_person_did_not_allow_is_refused():
    base = small_instance()
    v3 = base.visits[3].__class__(**{**base.visits[3].__dict__, "allowed_carers": frozenset({"bob"})})
    instance = base.__class__(**{**base.__dict__, "visits": (*base.visits[:3], v3)})
    report = validate(instance, good_solution())
    assert rules(report) == {"allowed"}
    assert "only be done by bob" in report.violations[0].message


def test_working_over_the_maximum_hours_is_refused():
    report = validate(small_instance(ann_max=100), good_solution())
    assert rules(report) == {"max_hours"}


def test_coming_back_after_the_shift_ends_is_refused():
    report = validate(small_instance(ann_shift_end=220), good_solution())
    assert rules(report) == {"shift"}


def test_unassigned_visit_needs_a_reason_and_no_visit_may_vanish():
    routes = good_solution().routes
    short = (routes[0].__class__("ann", 0, routes[0].stops[:2]), routes[1])
    assert rules(validate(small_instance(), Solution(short, {"v3": " "}))) == {"unplanned"}
    assert rules(validate(small_instance(), Solution(short))) == {"unplanned"}
    reported = validate(small_instance(), Solution(short, {"v3": "no carer free"}))
    assert reported.feasible
    assert reported.objective == pytest.approx(10 + 5 + 10 + 10 + 10 + Weights().unassigned)


def test_visit_planned_twice_is_refused():
    solution = Solution(
        routes=(
            good_solution().routes[0],
            Route("bob", 0, (Stop("v2b", 100, 10), Stop("v3", 200, 132))),
        )
    )
    assert "duplicate" in rules(validate(small_instance(), solution))


def test_half_planned_synchronised_pair_is_refused():
    solution = Solution(routes=(good_solution().routes[0],), unassigned={"v2b": "no second carer"})
    assert rules(validate(small_instance(), solution)) == {"sync"}


def test_continuity_counts_visits_by_regular_carers():
    instance = small_instance(weights=Weights(continuity=5.0))
    instance = instance.__class__(**{**instance.__dict__, "regular_carers": {"p1": ("bob",), "p3": ("ann",)}})
    report = validate(instance, good_solution())
    assert report.continuity == pytest.approx(0.5)  # v1 by Ann (not a regular), v3 by Ann (regular)
    assert report.objective == pytest.approx(67 + 5)


@pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench")
def test_objective_convention_matches_the_published_brkga_solution_of_a1():
    """Routes of afkummer/gecco2020-brkga solutions/routes/solution-10-1-13.txt (MIT licence): the
    file states Cost = 226.978, Dist = 680.934, no tardiness; cost = (travel + tardiness + max) / 3."""
    instance = read_mankowska(BENCH / "hhcrsp" / "InstanzCPLEX_HCSRP_10_1.txt")
    routes = {
        0: [(10, 2), (3, 1), (5, 2), (9, 0), (7, 2)],
        1: [(8, 4), (2, 4)],
        2: [(8, 5), (10, 5), (6, 4), (1, 3), (9, 3), (4, 3)],
    }
    problem = compile_problem(instance)
    state = State(problem)
    index = {v: k for k, v in enumerate(problem.visit_ids)}
    for r, stops in routes.items():
        for node, skill in stops:
            k = index.get(f"p{node}", index.get(f"p{node}/s{skill}"))
            state._place(k, r, len(state.routes[r]))
            state.unassigned.discard(problem.group_of[k])
    assert state.schedule()
    report = validate(instance, to_solution(problem, state))
    assert report.feasible, report.violations
    assert report.travel == pytest.approx(680.934, abs=1e-3)
    assert report.total_tardiness == 0
    assert report.objective == pytest.approx(226.978, abs=1e-3)
