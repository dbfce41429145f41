"""The search always returns a rota the validator accepts, and says what cannot be planned and why."""

from __future__ import annotations

import importlib.util
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.rostering.solver.model import Carer, Instance, Shift, Synchronisation, Visit, Weights
from homecare.rostering.solver.readers import read_mankowska, read_vrptw
from homecare.rostering.solver.search import solve
from homecare.rostering.solver.validator import validate

from .builders import BENCH, small_instance

SKILLS = ("hoist", "meds", "peg")


@st.composite
def instances(draw) -> Instance:
    rng = random.Random(draw(st.integers(0, 10**6)))
    n_visits = draw(st.integers(1, 9))
    n_carers = draw(st.integers(1, 4))
    lateness = draw(st.sampled_from(["hard", "soft"]))
    points = [(rng.uniform(0, 40), rng.uniform(0, 40)) for _ in range(n_visits + 2)]
    travel = [[round(math.dist(a, b), 1) for b in points] for a in points]
    carers = []
    for c in range(n_carers):
        skills = frozenset(s for s in SKILLS if rng.random() < 0.6)
        shifts = (Shift(0, 300),) if rng.random() < 0.6 else (Shift(0, 150), Shift(200, 400))
        carers.append(
            Carer(
                f"c{c}",
                skills,
                base=rng.choice([0, 1]),
                shifts=shifts,
                max_working_minutes=rng.choice([None, None, 120.0]),
                capacity=rng.choice([None, None, 10]),
            )
        )
    visits = []
    for v in range(n_visits):
        earliest = rng.uniform(0, 250)
        skills = frozenset(s for s in SKILLS if rng.random() < 0.25)
        allowed = (
            frozenset(rng.sample([f"c{c}" for c in range(n_carers)], 1)) if rng.random() < 0.15 else None
        )
        visits.append(
            Visit(
                f"v{v}",
                v + 2,
                earliest,
                earliest + rng.choice([0, 15, 60]),
                rng.choice([10, 30]),
                skills,
                person=f"p{v % 4}",
                demand=rng.choice([0, 3, 6]),
                allowed_carers=allowed,
                previous_carer=rng.choice([None, f"c{rng.randrange(n_carers)}"]),
            )
        )
    syncs = []
    ids = [v.id for v in visits]
    rng.shuffle(ids)
    for i in range(draw(st.integers(0, n_visits // 2))):
        a, b = ids[2 * i], ids[2 * i + 1]
        if rng.random() < 0.5:
            syncs.append(Synchronisation(a, b))
        else:
            lo = rng.choice([5.0, 20.0])
            syncs.append(Synchronisation(a, b, lo, lo + rng.choice([0.0, 30.0])))
    regular = {f"p{i}": (f"c{rng.randrange(n_carers)}",) for i in range(4)}
    weights = Weights(
        max_tardiness=rng.choice([0.0, 1.0]),
        continuity=rng.choice([0.0, 3.0]),
        distinct_carers=rng.choice([0.0, 2.0]),
        change=rng.choice([0.0, 5.0]),
        balance=rng.choice([0.0, 0.1]),
    )
    return Instance(
        "random", tuple(carers), tuple(visits), {"default": travel}, tuple(syncs), regular, weights, lateness
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 3))
def test_every_rota_the_search_returns_passes_the_validator(instance, seed):
    result = solve(instance, time_limit=30, seed=seed, engine="alns", max_iterations=25)
    report = validate(instance, result.solution)
    assert report.feasible, report.violations
    planned = {s.visit for r in result.solution.routes for s in r.stops}
    assert planned | set(result.solution.unassigned) == {v.id for v in instance.visits}
    assert all(reason.strip() for reason in result.solution.unassigned.values())


def test_a_visit_no_carer_is_qualified_for_is_reported_with_the_skill_missing():
    base = small_instance()
    instance = Instance(
        base.name,
        base.carers,
        (*base.visits, Visit("v4", 3, 300, 330, 30, frozenset({"peg"}))),
        base.travel,
        base.synchronisations,
    )
    result = solve(instance, time_limit=5, seed=1, max_iterations=50)
    assert set(result.solution.unassigned) == {"v4"}
    assert "peg" in result.solution.unassigned["v4"]
    assert validate(instance, result.solution).feasible


def test_a_double_handed_visit_with_one_qualified_carer_is_reported():
    base = small_instance()
    carers = (base.carers[0], Carer("bob", frozenset(), base=0, shifts=(Shift(0, 600),)))
    instance = Instance(base.name, carers, base.visits, base.travel, base.synchronisations)
    result = solve(instance, time_limit=5, seed=1, max_iterations=50)
    assert set(result.solution.unassigned) == {"v2a", "v2b"}
    assert "two different qualified carers" in result.solution.unassigned["v2a"]
    assert validate(instance, result.solution).feasible


def test_more_double_handed_visits_at_once_than_pairs_of_carers_leaves_the_rest_unassigned_with_a_reason():
    carers = tuple(Carer(f"c{i}", frozenset({"hoist"}), base=0, shifts=(Shift(0, 600),)) for i in range(3))
    visits, syncs = [], []
    for i in range(3):  # three double-handed visits, all at 09:00 sharp, three carers: one pair only
        visits += [
            Visit(f"d{i}a", i + 1, 540, 540, 30, frozenset({"hoist"})),
            Visit(f"d{i}b", i + 1, 540, 540, 30, frozenset({"hoist"})),
        ]
        syncs.append(Synchronisation(f"d{i}a", f"d{i}b"))
    travel = [[0.0 if a == b else 10.0 for b in range(4)] for a in range(4)]
    instance = Instance("pairs", carers, tuple(visits), {"default": travel}, tuple(syncs), lateness="hard")
    result = solve(instance, time_limit=5, seed=1, max_iterations=100)
    report = validate(instance, result.solution)
    assert report.feasible
    assert len(result.solution.unassigned) == 4  # two of the three visits, both parts each
    assert all("two carers free together" in r for r in result.solution.unassigned.values())


def test_continuity_weight_sends_the_visit_to_the_regular_carer():
    base = small_instance(weights=Weights(continuity=100.0))
    instance = Instance(
        base.name,
        base.carers,
        base.visits,
        base.travel,
        base.synchronisations,
        regular_carers={"p3": ("bob",)},
        weights=base.weights,
    )
    result = solve(instance, time_limit=5, seed=1, max_iterations=100)
    carer_of = {s.visit: r.carer for r in result.solution.routes for s in r.stops}
    assert carer_of["v3"] == "bob"
    assert validate(instance, result.solution).continuity == 1.0


def test_same_seed_and_iterations_give_the_same_rota():
    instance = small_instance(lateness="soft")
    a = solve(instance, time_limit=30, seed=7, max_iterations=200).solution
    b = solve(instance, time_limit=30, seed=7, max_iterations=200).solution
    assert a == b


def test_time_limit_is_obeyed():
    result = solve(small_instance(lateness="soft"), time_limit=0.3, seed=1)
    assert result.wall_s < 1.0
    assert result.iterations > 0


@pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench")
def test_search_reaches_the_best_known_value_of_a1():
    instance = read_mankowska(BENCH / "hhcrsp" / "InstanzCPLEX_HCSRP_10_1.txt")
    result = solve(instance, time_limit=30, seed=1, max_iterations=1500)
    report = validate(instance, result.solution)
    assert report.feasible
    assert report.objective <= 218.2 * 1.01


@pytest.mark.skipif(
    not BENCH.is_dir() or importlib.util.find_spec("pyvrp") is None, reason="needs ../shared/bench and PyVRP"
)
def test_solomon_c101_goes_to_pyvrp_and_validates():
    instance = read_vrptw(BENCH / "vrptw" / "C101.100.10.vrptw")
    result = solve(instance, time_limit=3, seed=1, clock="cpu")
    report = validate(instance, result.solution)
    assert result.engine == "pyvrp"
    assert report.feasible
    assert len(result.solution.routes) <= 10


def test_replanning_after_sickness_moves_only_the_sick_carers_visits():
    rng = random.Random(5)
    points = [(rng.uniform(0, 30), rng.uniform(0, 30)) for _ in range(13)]
    travel = [[round(math.dist(a, b), 1) for b in points] for a in points]
    carers = tuple(Carer(f"c{i}", frozenset({"meds"}), base=0, shifts=(Shift(0, 1440),)) for i in range(3))
    visits = tuple(
        Visit(f"v{i}", i + 1, 480 + 20 * i, 540 + 20 * i, 20, frozenset({"meds"}), person=f"p{i}")
        for i in range(12)
    )
    day = Instance("day", carers, visits, {"default": travel}, lateness="soft")
    published = solve(day, time_limit=30, seed=1, max_iterations=200).solution
    carer_of = {s.visit: r.carer for r in published.routes for s in r.stops}
    sick = "c1"
    assert sick in carer_of.values()
    replanned_visits = tuple(
        Visit(
            v.id,
            v.location,
            v.earliest,
            v.latest,
            v.duration,
            v.skills,
            v.person,
            previous_carer=carer_of[v.id],
        )
        for v in visits
    )
    again = Instance(
        "day, c1 off sick",
        (carers[0], carers[2]),
        replanned_visits,
        {"default": travel},
        weights=Weights(change=1000.0),
        lateness="soft",
    )
    result = solve(again, time_limit=30, seed=1, max_iterations=100, initial=published)
    assert validate(again, result.solution).feasible
    now = {s.visit: r.carer for r in result.solution.routes for s in r.stops}
    assert set(now) == set(carer_of)  # everyone still visited
    moved = {v for v in now if now[v] != carer_of[v]}
    assert moved == {v for v, c in carer_of.items() if c == sick}


def test_visit_only_a_disallowed_carer_could_do_is_reported():
    base = small_instance()
    v1 = Visit("v1", 1, 60, 90, 30, frozenset({"meds"}), "p1", allowed_carers=frozenset({"bob"}))
    instance = Instance(base.name, base.carers, (v1, *base.visits[1:]), base.travel, base.synchronisations)
    result = solve(instance, time_limit=5, seed=1, max_iterations=30)
    assert set(result.solution.unassigned) == {"v1"}
    assert "no carer allowed for v1 (bob) has its skills (meds)" in result.solution.unassigned["v1"]
