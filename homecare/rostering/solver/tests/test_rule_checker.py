"""Properties of the rule checker a coordinator's move goes through (time_routes + validate), and of the
greedy coordinator baseline: random small days, no Django."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homecare.rostering.solver.baseline import greedy_coordinator
from homecare.rostering.solver.model import Carer, Instance, Shift, Synchronisation, Visit
from homecare.rostering.solver.search import UntimeableRoutes, time_routes
from homecare.rostering.solver.validator import validate

SKILLS = ["meds", "hoist"]


@st.composite
def days(draw):
    n_carers = draw(st.integers(2, 3))
    n_visits = draw(st.integers(1, 5))
    size = n_visits + 1
    travel = [[0.0 if i == j else float(5 + (i * 7 + j * 3) % 11) for j in range(size)] for i in range(size)]
    for i in range(size):
        for j in range(i):
            travel[i][j] = travel[j][i]
    carers = tuple(
        Carer(
            f"c{i}",
            frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
            base=0,
            shifts=(Shift(0, draw(st.sampled_from([300.0, 600.0]))),),
            max_working_minutes=draw(st.sampled_from([None, 120.0, 400.0])),
        )
        for i in range(n_carers)
    )
    visits, syncs = [], []
    for k in range(n_visits):
        early = float(draw(st.integers(0, 8)) * 30)
        skills = frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1)))
        visits.append(Visit(f"v{k}", k + 1, early, early + 30, 30.0, skills, f"p{k}"))
    if n_visits >= 2 and draw(st.booleans()):
        a = visits[0]
        visits[1] = Visit("v1", a.location, a.earliest, a.latest, a.duration, frozenset(), a.person)
        syncs.append(Synchronisation("v0", "v1"))
    instance = Instance("random", carers, tuple(visits), {"default": travel}, tuple(syncs), lateness="hard")
    owners = [draw(st.integers(0, n_carers - 1)) for _ in visits]
    return instance, owners


@settings(max_examples=150, deadline=None)
@given(days())
def test_a_skills_breach_is_reported_exactly_when_a_carer_lacks_a_visits_skill(case):
    instance, owners = case
    routes: dict = {}
    for visit, owner in sorted(zip(instance.visits, owners, strict=True), key=lambda p: p[0].earliest):
        routes.setdefault((instance.carers[owner].id, 0), []).append(visit.id)
    same_carer = bool(instance.synchronisations) and owners[0] == owners[1]
    if same_carer:
        with pytest.raises(UntimeableRoutes, match="two different carers"):
            time_routes(instance, routes)
        return
    report = validate(instance, time_routes(instance, routes))
    lacking = {
        v.id
        for v, o in zip(instance.visits, owners, strict=True)
        if not v.skills <= instance.carers[o].skills
    }
    assert {x.subject for x in report.violations if x.rule == "skills"} == lacking
    # Every visit is either planned or named as unplanned: nothing is dropped silently.
    assert not [x for x in report.violations if x.rule == "unplanned"]


@settings(max_examples=150, deadline=None)
@given(days())
def test_the_greedy_coordinator_never_breaks_a_hard_rule(case):
    instance, _ = case
    report = validate(instance, greedy_coordinator(instance))
    assert report.violations == []
    assert all(reason for reason in report.unassigned.values())
