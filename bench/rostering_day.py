"""The demo borough day (issue 10): the optimiser against a greedy coordinator on one synthetic day.

`python -m bench.rostering --borough-day [--seeds 1,2] [--day-time-limit 50]` (see bench/rostering.py).
The instance is built straight into the solver's model with the rota planner's travel model
(homecare.rostering.travel: straight line x road factor at a speed by zone type and travel mode), so no
database is needed; the app's adapters that build the same model from the ORM are tested on their own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import statistics
import time

from bench.run import RESULTS_DIR, git_commit, machine
from homecare.rostering.solver.baseline import greedy_coordinator
from homecare.rostering.solver.model import Carer, Instance, Shift, Synchronisation, Visit, Weights
from homecare.rostering.solver.search import solve
from homecare.rostering.solver.validator import Report, validate
from homecare.rostering.travel import CAR, FOOT, Place, TravelModel

NAME = "rostering-day"
VISITS, CARERS, DOUBLE_SHARE = 1000, 100, 0.10
CENTRE = (52.95, -1.15)  # the demo borough's centre
URBAN_KM, BOROUGH_KM = 3.5, 7.0
TOLERANCE = 30  # minutes either side of the preferred time
# (name, first preferred start, last, durations to draw from)
ROUNDS = {
    "morning": (7 * 60, 10 * 60, (30, 30, 30, 45, 60)),
    "lunch": (12 * 60, 13 * 60 + 30, (15, 30)),
    "tea": (16 * 60 + 30, 18 * 60, (30,)),
    "bed": (19 * 60 + 30, 21 * 60 + 30, (15, 30, 30)),
}
PLANS = {1: ("morning",), 2: ("morning", "bed"), 3: ("morning", "lunch", "bed"), 4: tuple(ROUNDS)}
PLAN_WEIGHTS = {1: 15, 2: 20, 3: 30, 4: 35}
# (share of carers, shifts, maximum working minutes): split shifts, earlies and lates.
PATTERNS = [
    (0.6, (Shift(6 * 60 + 30, 14 * 60), Shift(16 * 60, 23 * 60)), 600),
    (0.2, (Shift(6 * 60 + 30, 15 * 60),), 480),
    (0.2, (Shift(12 * 60, 23 * 60),), 540),
]
CARER_SKILLS = {"medication": 0.8, "hoist": 0.5, "dementia": 0.4, "catheter": 0.2, "peg_feeding": 0.08}
PERSON_NEEDS = {"dementia": 0.2, "catheter": 0.05, "peg_feeding": 0.02}
MEDICATION_SHARE = 0.45
WEIGHTS = Weights(travel=1.0, tardiness=2.0, continuity=2.0, distinct_carers=1.0)


def _place(rng: random.Random, radius_km: float, rural_from_km: float = URBAN_KM) -> Place:
    r = radius_km * math.sqrt(rng.random())
    a = rng.uniform(0, 2 * math.pi)
    lat = CENTRE[0] + (r * math.cos(a)) / 111.2
    lon = CENTRE[1] + (r * math.sin(a)) / (111.2 * math.cos(math.radians(CENTRE[0])))
    return Place(lat, lon, "urban" if r <= rural_from_km else "rural")


def borough_day(seed: int = 1) -> Instance:
    """1,000 visits (100 double-handed, two carers each) for 100 carers; three regular carers a person."""
    rng = random.Random(f"borough-day-{seed}")
    places: list[Place] = []
    carers: list[Carer] = []
    shares = [p[0] for p in PATTERNS]
    for i in range(CARERS):
        base = _place(rng, BOROUGH_KM)
        places.append(base)
        skills = frozenset(s for s, share in CARER_SKILLS.items() if rng.random() < share)
        _, shifts, max_minutes = rng.choices(PATTERNS, weights=shares)[0]
        mode = FOOT if base.area_type == "urban" and rng.random() < 0.2 else CAR
        carers.append(
            Carer(f"c{i:03d}", skills, i, shifts=shifts, max_working_minutes=max_minutes, travel_mode=mode)
        )
    people: list[tuple[str, int, frozenset[str], list[str]]] = []  # id, place, needs, rounds
    planned = 0
    while planned < VISITS:
        n = rng.choices(list(PLAN_WEIGHTS), weights=list(PLAN_WEIGHTS.values()))[0]
        n = min(n, VISITS - planned)
        home = _place(rng, BOROUGH_KM)
        places.append(home)
        needs = frozenset(s for s, share in PERSON_NEEDS.items() if rng.random() < share)
        people.append((f"p{len(people):03d}", len(places) - 1, needs, list(PLANS[n])))
        planned += n
    # Double-handed: whole people (their hoist is needed at every visit) until a tenth of the visits.
    double: set[str] = set()
    count = 0
    for pid, _, _, rounds in rng.sample(people, len(people)):
        if count + len(rounds) <= VISITS * DOUBLE_SHARE:
            double.add(pid)
            count += len(rounds)
    visits: list[Visit] = []
    syncs: list[Synchronisation] = []
    for pid, loc, needs, rounds in people:
        medication = rng.random() < MEDICATION_SHARE
        for name in rounds:
            first, last, durations = ROUNDS[name]
            preferred = first + 15 * rng.randint(0, (last - first) // 15)
            skills = set(needs)
            if medication and name in ("morning", "tea", "bed"):
                skills.add("medication")
            vid = f"{pid}-{name}"
            window = (loc, preferred - TOLERANCE, preferred + TOLERANCE, rng.choice(durations))
            if pid in double:
                skills.add("hoist")
                visits += [
                    Visit(f"{vid}-1", *window, frozenset(skills), pid),
                    Visit(f"{vid}-2", *window, frozenset({"hoist"}), pid),
                ]
                syncs.append(Synchronisation(f"{vid}-1", f"{vid}-2"))
            else:
                visits.append(Visit(vid, *window, frozenset(skills), pid))
    model = TravelModel()
    travel = {CAR: model.matrix(places, CAR), FOOT: model.matrix(places, FOOT)}
    travel["default"] = travel[CAR]
    # Regular carers: three qualified carers who live near the person and work when their visits are due
    # (as a coordinator would have picked them).
    regular = {}
    windows = {}
    for v in visits:
        windows.setdefault(v.person, []).append((v.earliest, v.latest + v.duration))
    for pid, loc, needs, _ in people:
        wanted = set(needs) | ({"hoist"} if pid in double else set())
        near = sorted(
            (travel[CAR][c.base][loc], c.id)
            for c in carers
            if wanted <= c.skills
            and any(s.start <= a and b <= s.end for s in c.shifts for a, b in windows[pid])
        )
        regular[pid] = tuple(cid for _, cid in rng.sample(near[:6], min(3, len(near[:6]))))
    return Instance(
        name=f"borough-day-{seed}",
        carers=tuple(carers),
        visits=tuple(visits),
        travel=travel,
        synchronisations=tuple(syncs),
        regular_carers=regular,
        weights=WEIGHTS,
        lateness="hard",
    )


def _figures(report: Report, instance: Instance, wall_s: float) -> dict:
    people = report.distinct_carers
    return {
        "violations": len(report.violations),
        "violation_examples": [v.message for v in report.violations[:5]],
        "unassigned": len(report.unassigned),
        "travel_minutes": round(report.travel, 1),
        "travel_share_percent": round(100 * (report.travel_share or 0), 1),
        "continuity_percent": round(100 * (report.continuity or 0), 1),
        "mean_carers_per_person": round(statistics.mean(people.values()), 2) if people else None,
        "total_lateness_minutes": round(report.total_tardiness, 1),
        "carers_used": sum(1 for m in report.working_minutes.values() if m > 0),
        "wall_s": round(wall_s, 2),
    }


def run_day(seed: int, time_limit: float) -> dict:
    t0 = time.perf_counter()
    instance = borough_day(seed)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    greedy = greedy_coordinator(instance)
    greedy_wall = time.perf_counter() - t0
    cpu0, t0 = time.process_time(), time.perf_counter()
    result = solve(instance, time_limit=time_limit, seed=seed, clock="wall")
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    g = _figures(validate(instance, greedy), instance, greedy_wall)
    o = _figures(validate(instance, result.solution), instance, wall)
    o.update(iterations=result.iterations, engine=result.engine, cpu_s=round(cpu, 2))
    saved = 100 * (g["travel_minutes"] - o["travel_minutes"]) / g["travel_minutes"]
    return {
        "seed": seed,
        "instance": {
            "visits": len(
                {v.id.rsplit("-", 1)[0] if v.id.count("-") == 2 else v.id for v in instance.visits}
            ),
            "carer_visits": len(instance.visits),
            "double_handed": len(instance.synchronisations),
            "carers": len(instance.carers),
            "people": len(instance.regular_carers),
            "build_s": round(built, 2),
        },
        "greedy": g,
        "optimiser": o,
        "travel_saved_percent": round(saved, 1),
        "continuity_gained_points": round(o["continuity_percent"] - g["continuity_percent"], 1),
        "targets": {
            "zero_violations": o["violations"] == 0,
            "within_60_s": wall <= 60.0,
            "travel_saved_20_percent": saved >= 20.0,
        },
    }


def run_borough_day(*, seeds: list[int], time_limit: float) -> dict:
    load_before = os.getloadavg()
    runs = []
    for seed in seeds:
        run = run_day(seed, time_limit)
        runs.append(run)
        g, o = run["greedy"], run["optimiser"]
        print(
            f"seed {seed}: greedy travel {g['travel_minutes']:.0f} min, "
            f"continuity {g['continuity_percent']}%, "
            f"{g['unassigned']} unassigned, {g['violations']} violations | optimiser travel "
            f"{o['travel_minutes']:.0f} min, continuity {o['continuity_percent']}%, {o['unassigned']} "
            f"unassigned, {o['violations']} violations, {o['iterations']} it, wall {o['wall_s']} s | "
            f"travel saved {run['travel_saved_percent']}%, continuity +{run['continuity_gained_points']} "
            f"points; targets {run['targets']}",
            flush=True,
        )
    now = dt.datetime.now(dt.UTC)
    result = {
        "benchmark": NAME,
        "when": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_commit(),
        "settings": {"seeds": seeds, "time_limit_s": time_limit, "clock": "wall"},
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": runs,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2)
    (RESULTS_DIR / f"{NAME}.json").write_text(text + "\n")
    (RESULTS_DIR / f"{NAME}-{now:%Y%m%dT%H%M%SZ}.json").write_text(text + "\n")
    print(f"Written to {RESULTS_DIR / (NAME + '.json')}")
    return result
