"""Cheapest insertion of a group (one visit, or two synchronised visits placed jointly).

Each position gets a cheap lower bound first: the travel it adds, plus the tardiness of the visit itself
if it started on arrival. Inserting never makes anything earlier, so the bound is valid; positions are
evaluated exactly (with the knock-on delays on every route, `State.try_insert`) in order of their bound
until the bound reaches the best exact cost. A synchronised pair enumerates pairs of positions on two
different carers the same way, so both parts get a common (or gap-respecting) start.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left

from .state import State

INF = math.inf
MAX_PAIR_EVALS = 60  # exact evaluations per synchronised pair (the bounds order them well)


def positions(state: State, k: int) -> list[tuple]:
    """Every position task k may take, cheapest bound first, as tuples
    (bound, route, position, travel added, start if placed, successor task or -1, start-to-start gap to
    the successor, continuity cost). The bound counts the travel added, the visit's own lateness and the
    lateness its successor gains: inserting never makes anything earlier, so it never overestimates."""
    P = state.P
    t, routes, node, dur, late = state.t, state.routes, P.node, P.dur, P.late
    nk, ek, lk, dk, dem = node[k], P.early[k], late[k], dur[k], P.demand[k]
    hard = P.hard
    wt, wtard = P.w_travel, P.w_tard
    load, cap, work = state.load, P.route_cap, state.work
    costs = P.assign_cost[k]
    out = []
    for r in P.eligible[k]:
        if load[r] + dem > cap[r]:
            continue
        c = P.route_carer[r]
        spare = P.carer_max_work[c] - work[c] - dk
        if spare < 0:
            continue
        ac = costs.get(r, 0.0) if costs else 0.0
        M = P.route_matrix[r]
        route = routes[r]
        prev, ready = P.route_start[r], P.route_from[r]
        n = len(route)
        row_k = M[nk]
        first = 0
        if hard and n:
            # Skip the positions before visits that must start before k can end: such a successor would
            # be pushed past its latest start. Starts rise along a route and no window is wider than
            # P.widest, so a successor starting before ek + dk - widest is one of them (binary search).
            first = bisect_left(route, ek + dk - P.widest, key=t.__getitem__)
            while first < n and late[route[first]] < ek + dk:
                first += 1
            if first:
                j = route[first - 1]
                prev, ready = node[j], t[j] + dur[j]
        for p in range(first, n + 1):
            if p < n:
                j = route[p]
                nxt = node[j]
            else:
                j, nxt = -1, P.route_end[r]
            d1 = M[prev][nk]
            dtr = d1 + row_k[nxt] - M[prev][nxt]
            st = ready + d1
            if st < ek:
                st = ek
            if st > lk:
                if hard:
                    break  # later positions arrive later still
                lb = wt * dtr + wtard * (st - lk) + ac
            else:
                lb = wt * dtr + ac
            gap = dk + row_k[nxt]
            if j >= 0:
                new = st + gap
                tj = t[j]
                if new > tj and new > late[j]:
                    if hard:
                        prev, ready = nxt, tj + dur[j]
                        continue
                    lb += wtard * (new - late[j] - (tj - late[j] if tj > late[j] else 0.0))
                prev, ready = nxt, tj + dur[j]
            elif st + gap > P.route_until[r]:
                continue
            if dtr <= spare:
                out.append((lb, r, p, dtr, st, j, gap, ac))
    out.sort()
    return out


def insert_group(state: State, g: int, rng: random.Random, blink: float = 0.0) -> bool:
    """Insert group g where it costs least (skipping each candidate with probability `blink`)."""
    P = state.P
    members = P.groups[g]
    if len(members) == 1:
        move = _best_single(state, members[0], rng, blink)
    else:
        move = _best_pair(state, members[0], members[1], rng, blink)
    if move is None:
        return False
    return state.try_insert(move, keep=True) is not None


def _cost(P, dtr: float, res: tuple[float, float, float], max_before: float) -> float:
    return P.w_travel * dtr + P.w_tard * res[1] + P.w_max * (res[2] - max_before)


def _best_single(state: State, k: int, rng: random.Random, blink: float):
    P = state.P
    best, move = INF, None
    max_before = state.max_tard
    wt = P.w_travel
    for lb, r, p, dtr, _, _, _, ac in positions(state, k):
        if lb >= best:
            break
        if blink and rng.random() < blink:
            continue
        res = state.try_insert([(k, r, p)], keep=False, limit=best - wt * dtr - ac)
        if res is None:
            continue
        c = _cost(P, res[0], res, max_before) + ac
        if c < best:
            best, move = c, [(k, r, p)]
    return move


def _succ_lateness(t, late, j: int, start: float, gap: float) -> float:
    """Lateness successor j gains when its predecessor starts at `start` (0 without a successor)."""
    if j < 0:
        return 0.0
    new = start + gap
    tj = t[j]
    if new <= tj or new <= late[j]:
        return 0.0
    return new - late[j] - (tj - late[j] if tj > late[j] else 0.0)


def _best_pair(state: State, a: int, b: int, rng: random.Random, blink: float):
    P = state.P
    A = positions(state, a)
    B = positions(state, b)
    if not A or not B:
        return None
    t, late = state.t, P.late
    carer = P.route_carer
    max_before = state.max_tard
    best, move = INF, None
    evals = 0
    b0 = B[0][0]
    wt, wtard, hard = P.w_travel, P.w_tard, P.hard
    ea, eb, la_, lb_late = P.early[a], P.early[b], late[a], late[b]
    lo, hi = P.gmin[a], P.gmax[a]
    for la, ra, pa, da, sa, ja, ga, aca in A:
        if la + b0 >= best or evals >= MAX_PAIR_EVALS:
            break
        for lb, rb, pb, db, sb, jb, gb, acb in B:
            if la + lb >= best:
                break
            if carer[ra] == carer[rb]:
                continue
            # the pair's own starts: together, or b between lo and hi after a
            ta = sa if sa > ea else ea
            tb = sb if sb > eb else eb
            if tb < ta + lo:
                tb = ta + lo
            if tb > ta + hi:
                ta = tb - hi
            if hard and (ta > la_ or tb > lb_late):
                continue
            fixed = wt * (da + db) + aca + acb
            bound = fixed + wtard * (
                (ta - la_ if ta > la_ else 0.0)
                + (tb - lb_late if tb > lb_late else 0.0)
                + _succ_lateness(t, late, ja, ta, ga)
                + _succ_lateness(t, late, jb, tb, gb)
            )
            if bound >= best:
                continue
            if blink and rng.random() < blink:
                continue
            evals += 1
            res = state.try_insert([(a, ra, pa), (b, rb, pb)], keep=False, limit=best - fixed)
            if res is not None:
                c = _cost(P, res[0], res, max_before) + aca + acb
                if c < best:
                    best, move = c, [(a, ra, pa), (b, rb, pb)]
            if evals >= MAX_PAIR_EVALS:
                break
    if move is None and evals >= MAX_PAIR_EVALS:
        # every bounded try failed (hard windows, cycles): scan the rest for any feasible pair
        for _, ra, pa, *_ in A:
            for _, rb, pb, *_ in B:
                if carer[ra] != carer[rb]:
                    res = state.try_insert([(a, ra, pa), (b, rb, pb)], keep=False)
                    if res is not None:
                        return [(a, ra, pa), (b, rb, pb)]
    return move
