"""Adaptive large neighbourhood search: ruin part of the rota, recreate it by cheapest insertion,
accept by simulated annealing on a time-based cooling schedule.

Ruin operators remove groups (a visit, or both parts of a synchronised pair): at random, related to a
seed visit (near in space and time), the costliest, strings of consecutive visits on routes near a seed
(as in SISR, Christiaens & Vanden Berghe 2020), and the visits planned closest to a moment of the day
(relieves congestion among synchronised visits). Operators are chosen by adaptive weights.
Recreate inserts the removed groups one by one in a random, earliest-window, latest-window,
pairs-first or farthest-first order, skipping a candidate now and then ("blinks") for diversity.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from ..model import Solution
from .insertion import insert_group
from .problem import Problem
from .state import State

BLINK = 0.01
NEIGHBOURS = 300  # related groups kept per group
SEGMENT = 100  # iterations between operator weight updates
REACTION = 0.2
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 3.0
T_START, T_END = 1.0, 0.005  # temperature, as a share of the mean cost per visit


def construct(problem: Problem, rng: random.Random) -> State:
    """Greedy: groups by window opening (pairs first among equals), each at its cheapest place."""
    state = State(problem)
    order = [g for g in range(len(problem.groups)) if g not in problem.unplannable]
    order.sort(key=lambda g: (problem.early[problem.groups[g][0]], -len(problem.groups[g])))
    for g in order:
        insert_group(state, g, rng)
    state.schedule()
    return state


def warm_start(problem: Problem, initial: Solution, rng: random.Random) -> State:
    """Start from a given rota (the published one, when re-planning): its visits are appended to their
    carers' routes in order of their start, where that is still allowed and feasible; the rest, and
    visits new since, go to their cheapest place."""
    P = problem
    state = State(P)
    route_of = {(P.carer_ids[P.route_carer[r]], P.route_shift[r]): r for r in range(P.n_routes)}
    index = {vid: k for k, vid in enumerate(P.visit_ids)}
    placed_on: dict[int, tuple[float, int]] = {}
    for route in initial.routes:
        r = route_of.get((route.carer, route.shift))
        for stop in route.stops:
            k = index.get(stop.visit)
            if r is not None and k is not None and r in P.eligible[k]:
                placed_on[k] = (stop.start, r)
    for k in sorted(placed_on, key=lambda k: placed_on[k][0]):
        g = P.group_of[k]
        if g not in state.unassigned or g in P.unplannable:
            continue
        members = P.groups[g]
        if not all(m in placed_on for m in members):
            continue
        routes = [placed_on[m][1] for m in members]
        if len(members) == 2 and P.route_carer[routes[0]] == P.route_carer[routes[1]]:
            continue
        state.try_insert(
            [(m, r, len(state.routes[r])) for m, r in zip(members, routes, strict=True)], keep=True
        )
    for g in range(len(P.groups)):
        if g in state.unassigned and g not in P.unplannable:
            insert_group(state, g, rng)
    state.schedule()
    return state


class Search:
    def __init__(
        self,
        problem: Problem,
        seed: int,
        deadline: float,
        *,
        clock: Callable[[], float] = time.perf_counter,
        max_iterations: int | None = None,
        progress: Callable | None = None,
    ):
        self.P = problem
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.clock = clock
        self.max_iterations = max_iterations
        self.progress = progress
        self.plannable = [g for g in range(len(problem.groups)) if g not in problem.unplannable]
        self.neighbours = self._neighbours()
        self.ruins = [
            self.ruin_random,
            self.ruin_related,
            self.ruin_worst,
            self.ruin_strings,
            self.ruin_moment,
        ]
        self.weights = [1.0] * len(self.ruins)
        self.scores = [0.0] * len(self.ruins)
        self.uses = [0] * len(self.ruins)
        self.iterations = 0

    def _neighbours(self) -> list[list[int]]:
        """For each group, the other groups by nearness of their first visit's place and window."""
        P = self.P
        M = P.route_matrix[0] if P.route_matrix else [[0.0]]
        span = max(1.0, max(P.late + [0.0]) - min(P.early + [0.0]))
        scale = max(1.0, max((max(row) for row in M), default=1.0))
        firsts = [P.groups[g][0] for g in self.plannable]
        out: list[list[int]] = [[] for _ in P.groups]
        for g, k in zip(self.plannable, firsts, strict=True):
            nk, ek = P.node[k], P.early[k]
            scored = (
                (M[nk][P.node[j]] / scale + abs(ek - P.early[j]) / span, h)
                for h, j in zip(self.plannable, firsts, strict=True)
                if h != g
            )
            # Ruins only ever reach the first few dozen; past NEIGHBOURS groups keep the nearest only
            # (smaller instances, the published benchmarks among them, keep every group as before).
            out[g] = (
                [h for _, h in sorted(scored)[:NEIGHBOURS]]
                if len(firsts) > NEIGHBOURS
                else [h for _, h in sorted(scored)]
            )
        return out

    # --- ruin --------------------------------------------------------------------------------------------

    def _planned(self, state: State) -> list[int]:
        return [g for g in self.plannable if g not in state.unassigned]

    def ruin_random(self, state: State, q: int) -> list[int]:
        planned = self._planned(state)
        return self.rng.sample(planned, min(q, len(planned)))

    def ruin_related(self, state: State, q: int) -> list[int]:
        planned = self._planned(state)
        if not planned:
            return []
        seed = self.rng.choice(planned)
        chosen = [seed]
        pool = [h for h in self.neighbours[seed] if h not in state.unassigned]
        while len(chosen) < q and pool:
            i = int(len(pool) * self.rng.random() ** 4)
            chosen.append(pool.pop(i))
        return chosen

    def ruin_worst(self, state: State, q: int) -> list[int]:
        P = state.P
        t, late = state.t, P.late
        scored = []
        for g in self._planned(state):
            cost = 0.0
            for k in P.groups[g]:
                r, p = state.r_of[k], state.p_of[k]
                route = state.routes[r]
                M = P.route_matrix[r]
                a = P.node[route[p - 1]] if p > 0 else P.route_start[r]
                b = P.node[route[p + 1]] if p + 1 < len(route) else P.route_end[r]
                nk = P.node[k]
                cost += P.w_travel * (M[a][nk] + M[nk][b] - M[a][b])
                if t[k] > late[k]:
                    cost += P.w_tard * (t[k] - late[k])
            scored.append((-cost, g))
        scored.sort()
        chosen = []
        while len(chosen) < q and scored:
            i = int(len(scored) * self.rng.random() ** 3)
            chosen.append(scored.pop(i)[1])
        return chosen

    def ruin_strings(self, state: State, q: int) -> list[int]:
        P = state.P
        planned = self._planned(state)
        if not planned:
            return []
        seed = self.rng.choice(planned)
        chosen: set[int] = set()
        done_routes: set[int] = set()
        max_len = max(2, min(10, 2 * q // 3))
        for g in [seed, *self.neighbours[seed]]:
            if len(chosen) >= q:
                break
            if g in state.unassigned or g in chosen:
                continue
            k = P.groups[g][0]
            r = state.r_of[k]
            if r < 0 or r in done_routes:
                continue
            done_routes.add(r)
            route = state.routes[r]
            length = self.rng.randint(1, min(len(route), max_len))
            start = max(0, min(state.p_of[k] - self.rng.randint(0, length - 1), len(route) - length))
            for j in route[start : start + length]:
                chosen.add(P.group_of[j])
        return list(chosen)

    def ruin_moment(self, state: State, q: int) -> list[int]:
        planned = self._planned(state)
        if not planned:
            return []
        P = state.P
        k0 = P.groups[self.rng.choice(planned)][0]
        moment = state.t[k0]
        ranked = sorted((min(abs(state.t[k] - moment) for k in P.groups[g]), g) for g in planned)
        return [g for _, g in ranked[:q]]

    # --- recreate ----------------------------------------------------------------------------------------

    def recreate(self, state: State, groups: list[int]) -> None:
        P = self.P
        rng = self.rng
        how = rng.random()
        if how < 0.4:
            rng.shuffle(groups)
        elif how < 0.6:
            groups.sort(key=lambda g: P.early[P.groups[g][0]] + rng.random())
        elif how < 0.75:
            groups.sort(key=lambda g: P.late[P.groups[g][0]] + rng.random())
        elif how < 0.9:
            rng.shuffle(groups)
            groups.sort(key=lambda g: -len(P.groups[g]))
        else:
            M = P.route_matrix[0]
            depot = P.route_start[0]
            groups.sort(key=lambda g: -M[depot][P.node[P.groups[g][0]]] + rng.random())
        for g in groups:
            insert_group(state, g, rng, BLINK)

    # --- the loop ------------------------------------------------------------------------------------------

    def run(self, state: State) -> State:
        P = self.P
        rng = self.rng
        current, current_cost = state, state.objective()
        best, best_cost = current.copy(), current_cost
        n_plannable = max(1, len(self.plannable))
        q_min = max(1, min(4, n_plannable // 5))
        q_max = max(q_min, min(30, max(4, int(0.25 * n_plannable))))
        per_task = 1.0 / max(1, P.n_tasks)
        clock = self.clock
        started = clock()
        total = max(1e-3, self.deadline - started)
        while True:
            now = clock()
            if now >= self.deadline or (
                self.max_iterations is not None and self.iterations >= self.max_iterations
            ):
                break
            if self.max_iterations is not None:  # cool by iterations, so a run is reproducible
                frac = self.iterations / max(1, self.max_iterations)
            else:
                frac = (now - started) / total
            # cooling from T_START to T_END of the best cost per visit (the first plan can be far worse);
            # the penalty for unplanned visits is left out, or it would make the search a random walk
            scale = max(1e-6, best_cost - best.unassigned_penalty()) * per_task
            temperature = scale * T_START * (T_END / T_START) ** frac
            op = self._pick()
            q = rng.randint(q_min, q_max)
            self.iterations += 1
            candidate = current.copy()
            removed = self.ruins[op](candidate, q)
            for g in removed:
                candidate.remove_group(g)
            if not candidate.schedule():  # removal cannot break timing; keep the current if it ever does
                continue
            # what was removed, and anything that found no place before (hard windows, full shifts)
            self.recreate(candidate, [g for g in candidate.unassigned if g not in P.unplannable])
            cost = candidate.objective()
            self.uses[op] += 1
            if cost < best_cost - 1e-9:
                best, best_cost = candidate.copy(), cost
                current, current_cost = candidate, cost
                self.scores[op] += SCORE_BEST
                if self.progress:
                    self.progress(frac, best_cost)
            elif cost < current_cost - 1e-9:
                current, current_cost = candidate, cost
                self.scores[op] += SCORE_BETTER
            elif cost < current_cost + 1e-9 or rng.random() < math.exp((current_cost - cost) / temperature):
                current, current_cost = candidate, cost
                self.scores[op] += SCORE_ACCEPTED
            if self.iterations % SEGMENT == 0:
                self._update_weights()
        return best

    def _pick(self) -> int:
        total = sum(self.weights)
        x = self.rng.random() * total
        for i, w in enumerate(self.weights):
            x -= w
            if x <= 0:
                return i
        return len(self.weights) - 1

    def _update_weights(self) -> None:
        for i in range(len(self.weights)):
            if self.uses[i]:
                self.weights[i] = (1 - REACTION) * self.weights[i] + REACTION * self.scores[i] / self.uses[i]
            self.weights[i] = max(self.weights[i], 0.05)
            self.scores[i] = 0.0
            self.uses[i] = 0
