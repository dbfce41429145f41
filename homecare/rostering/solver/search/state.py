"""A solution under search: routes, start times and the costs, with exact insertion evaluation.

Start times are the earliest schedule that satisfies every constraint of the form
`start[j] >= start[i] + w` (route order with travel and duration, window opening, synchronisation gaps;
a maximum gap is `start[first] >= start[second] - max_gap`). Lateness only ever costs more when a visit
starts later, so for fixed routes the earliest schedule is optimal. It is computed by label correcting:
start from lower bounds and push each violated constraint until none is; a start beyond the horizon
means the routes contain a positive cycle (two carers each waiting for the other) and are rejected.

Inserting visits only adds constraints, so an insertion is evaluated exactly by pushing from the old
schedule; every change is logged and undone afterwards. Removing visits can move starts earlier, so
after a removal the schedule is recomputed from scratch.
"""

from __future__ import annotations

import math

from .problem import Problem

NEG = -math.inf
TOL = 1e-9


class State:
    __slots__ = (
        "P",
        "routes",
        "r_of",
        "p_of",
        "t",
        "load",
        "work",
        "log",
        "guard",
        "travel",
        "sum_tard",
        "max_tard",
        "assign",
        "unassigned",
    )

    def __init__(self, problem: Problem) -> None:
        P = self.P = problem
        self.routes: list[list[int]] = [[] for _ in range(P.n_routes)]
        self.r_of = [-1] * P.n_tasks
        self.p_of = [-1] * P.n_tasks
        self.t = [NEG] * P.n_tasks
        self.load = [0] * P.n_routes
        self.work = [0.0] * len(P.carer_ids)
        self.log: list[tuple[int, float]] = []
        self.guard = [-1] * P.n_routes
        self.travel = self.sum_tard = self.max_tard = self.assign = 0.0
        self.unassigned: set[int] = set(range(len(P.groups)))  # groups not planned

    # --- copying (the search keeps the current and the best solution) ------------------------------

    def copy(self) -> State:
        other = State.__new__(State)
        other.P = self.P
        other.routes = [list(r) for r in self.routes]
        other.r_of = list(self.r_of)
        other.p_of = list(self.p_of)
        other.t = list(self.t)
        other.load = list(self.load)
        other.work = list(self.work)
        other.log = []
        other.guard = [-1] * self.P.n_routes
        other.travel, other.sum_tard, other.max_tard = self.travel, self.sum_tard, self.max_tard
        other.assign = self.assign
        other.unassigned = set(self.unassigned)
        return other

    def unassigned_penalty(self) -> float:
        P = self.P
        return P.w_unassigned * sum(len(P.groups[g]) for g in self.unassigned)

    def objective(self) -> float:
        P = self.P
        value = (
            P.w_travel * self.travel
            + P.w_tard * self.sum_tard
            + P.w_max * self.max_tard
            + self.assign
            + self.unassigned_penalty()
        )
        if P.w_distinct or P.w_balance:
            value += self.global_soft_cost()
        return value

    def global_soft_cost(self) -> float:
        """Soft goals that are not a sum over visits: carers per person, spread of working minutes."""
        P = self.P
        cost = 0.0
        if P.w_distinct:
            seen: dict[str, set[int]] = {}
            visits = P.instance.visits
            for k in range(P.n_tasks):
                r = self.r_of[k]
                person = visits[k].person
                if r >= 0 and person is not None:
                    seen.setdefault(person, set()).add(P.route_carer[r])
            cost += P.w_distinct * sum(len(s) - 1 for s in seen.values())
        if P.w_balance and self.work:
            cost += P.w_balance * (max(self.work) - min(self.work))
        return cost

    # --- schedule --------------------------------------------------------------------------------------

    def propagate(
        self, stack: list[tuple[int, float]], max_steps: int = 0, limit: float = math.inf
    ) -> tuple[float, float] | None:
        """Raise starts until every constraint holds. Returns (added tardiness, largest tardiness among
        the starts that moved), or None when a hard rule breaks or a cycle appears. Logs old starts.

        `self.guard[r]` (-1 for none) is the position of a newly inserted task on route r: pushing a task
        before it means the new task waits, through other carers, on its own predecessor, i.e. the
        insertion closes a cycle; it is rejected at once (a zero-or-negative cycle through a maximum gap
        would settle, but such insertions are rare and rejecting them keeps every evaluation short).
        `limit`: give up (None) once the weighted lateness added reaches it (a candidate known to lose).
        """
        P = self.P
        t, log, late, other, role = self.t, self.log, P.late, P.other, P.role
        r_of, p_of, routes, dur, node = self.r_of, self.p_of, self.routes, P.dur, P.node
        gmin, gmax, matrices = P.gmin, P.gmax, P.route_matrix
        hard, horizon, guard = P.hard, P.horizon, self.guard
        steps = max_steps or 50 * P.n_tasks + 1000
        added = 0.0
        worst = 0.0
        w_tard, w_max, max_before = P.w_tard, P.w_max, self.max_tard
        bounded = limit < math.inf
        while stack:
            k, val = stack.pop()
            if val <= t[k] + TOL:
                continue
            r = r_of[k]
            p = p_of[k]
            if p < guard[r]:
                return None
            route = routes[r]
            n = len(route)
            M = matrices[r]
            while True:  # walk down the route while starts keep rising
                steps -= 1
                if val > horizon or steps < 0:
                    return None
                old = t[k]
                lk = late[k]
                if val > lk + TOL:
                    if hard:
                        return None
                    tn = val - lk
                    added += tn - (old - lk if old > lk else 0.0)
                    if tn > worst:
                        worst = tn
                    if (
                        bounded
                        and w_tard * added + w_max * (worst - max_before if worst > max_before else 0.0)
                        >= limit
                    ):
                        return None
                log.append((k, old))
                t[k] = val
                o = other[k]
                if o >= 0 and p_of[o] >= 0:
                    bound = val + gmin[k] if role[k] == 1 else val - gmax[k]
                    if t[o] < bound - TOL:
                        stack.append((o, bound))
                p += 1
                if p >= n:
                    if val + dur[k] + M[node[k]][P.route_end[r]] > P.route_until[r] + TOL:
                        return None
                    break
                nx = route[p]
                val = val + dur[k] + M[node[k]][node[nx]]
                k = nx
                if val <= t[k] + TOL:
                    break
        return added, worst

    def undo(self) -> None:
        t = self.t
        for k, old in reversed(self.log):
            t[k] = old
        self.log.clear()

    def schedule(self) -> bool:
        """Recompute every start from scratch and the totals; False if the routes cannot be timed."""
        P = self.P
        t, node, dur, early, late = self.t, P.node, P.dur, P.early, P.late
        hard = P.hard
        travel = 0.0
        for r, route in enumerate(self.routes):
            M = P.route_matrix[r]
            here, ready = P.route_start[r], P.route_from[r]
            for k in route:
                nk = node[k]
                travel += M[here][nk]
                a = ready + M[here][nk]
                v = a if a > early[k] else early[k]
                if hard and v > late[k] + TOL:
                    return False
                t[k] = v
                here, ready = nk, v + dur[k]
            if route:
                travel += M[here][P.route_end[r]]
                if ready + M[here][P.route_end[r]] > P.route_until[r] + TOL:
                    return False
        seeds = []
        other, p_of = P.other, self.p_of
        for k in range(P.n_tasks):
            if P.role[k] == 1 and p_of[k] >= 0:
                o = other[k]
                if t[o] < t[k] + P.gmin[k] - TOL:
                    seeds.append((o, t[k] + P.gmin[k]))
                if t[k] < t[o] - P.gmax[k] - TOL:
                    seeds.append((k, t[o] - P.gmax[k]))
        self.log.clear()
        ok = self.propagate(seeds) is not None
        self.log.clear()
        if not ok:
            return False
        total = worst = assign = 0.0
        for k in range(P.n_tasks):
            r = self.r_of[k]
            if r < 0:
                continue
            if t[k] > late[k]:
                d = t[k] - late[k]
                total += d
                if d > worst:
                    worst = d
            assign += P.assign_cost[k].get(r, 0.0)
        self.travel, self.sum_tard, self.max_tard, self.assign = travel, total, worst, assign
        return True

    # --- moving tasks ----------------------------------------------------------------------------------

    def _place(self, k: int, r: int, p: int) -> float:
        """Put task k at position p of route r (no timing). Returns the travel added."""
        P = self.P
        route = self.routes[r]
        M = P.route_matrix[r]
        a = P.node[route[p - 1]] if p > 0 else P.route_start[r]
        b = P.node[route[p]] if p < len(route) else P.route_end[r]
        nk = P.node[k]
        dtr = M[a][nk] + M[nk][b] - M[a][b]
        route.insert(p, k)
        self.r_of[k] = r
        p_of = self.p_of
        for i in range(p, len(route)):
            p_of[route[i]] = i
        return dtr

    def _unplace(self, k: int) -> None:
        r, p = self.r_of[k], self.p_of[k]
        route = self.routes[r]
        del route[p]
        self.r_of[k] = self.p_of[k] = -1
        self.t[k] = NEG
        p_of = self.p_of
        for i in range(p, len(route)):
            p_of[route[i]] = i

    def _arrival_start(self, k: int) -> float:
        P = self.P
        r, p = self.r_of[k], self.p_of[k]
        M = P.route_matrix[r]
        if p == 0:
            a = P.route_from[r] + M[P.route_start[r]][P.node[k]]
        else:
            j = self.routes[r][p - 1]
            a = self.t[j] + P.dur[j] + M[P.node[j]][P.node[k]]
        return a if a > P.early[k] else P.early[k]

    def try_insert(
        self, moves: list[tuple[int, int, int]], keep: bool, limit: float = math.inf
    ) -> tuple[float, float, float] | None:
        """Insert tasks [(k, r, p), ...] (positions in the routes as they are, on distinct routes) and time
        them. Returns (travel added, tardiness added, new largest tardiness) or None if infeasible (or if
        the weighted lateness added reaches `limit`). Undone unless `keep` (then costs and loads follow)."""
        dtr = 0.0
        for k, r, p in moves:
            dtr += self._place(k, r, p)
        seeds = [(k, self._arrival_start(k)) for k, _, _ in moves]
        guard = self.guard
        for k, r, _ in moves:
            guard[r] = self.p_of[k]
        self.log.clear()
        res = self.propagate(seeds, limit=limit)
        for _, r, _ in moves:
            guard[r] = -1
        if res is None or not keep:
            self.undo()
            for k, _, _ in moves:
                self._unplace(k)
            return None if res is None else (dtr, res[0], max(self.max_tard, res[1]))
        self.log.clear()
        P = self.P
        for k, r, _ in moves:
            self.load[r] += P.demand[k]
            self.work[P.route_carer[r]] += P.dur[k]
            self.assign += P.assign_cost[k].get(r, 0.0)
        # travel added per route goes to that route's carer
        for k, r, _ in moves:
            p = self.p_of[k]
            route = self.routes[r]
            M = P.route_matrix[r]
            a = P.node[route[p - 1]] if p > 0 else P.route_start[r]
            b = P.node[route[p + 1]] if p + 1 < len(route) else P.route_end[r]
            nk = P.node[k]
            self.work[P.route_carer[r]] += M[a][nk] + M[nk][b] - M[a][b]
        self.travel += dtr
        self.sum_tard += res[0]
        if res[1] > self.max_tard:
            self.max_tard = res[1]
        self.unassigned.discard(P.group_of[moves[0][0]])
        return dtr, res[0], self.max_tard

    def remove_group(self, g: int) -> None:
        """Take a planned group out (times are stale until `schedule()`)."""
        P = self.P
        for k in P.groups[g]:
            r, p = self.r_of[k], self.p_of[k]
            if r < 0:
                continue
            route = self.routes[r]
            M = P.route_matrix[r]
            a = P.node[route[p - 1]] if p > 0 else P.route_start[r]
            b = P.node[route[p + 1]] if p + 1 < len(route) else P.route_end[r]
            nk = P.node[k]
            self.work[P.route_carer[r]] -= P.dur[k] + M[a][nk] + M[nk][b] - M[a][b]
            self.load[r] -= P.demand[k]
            self._unplace(k)
        self.unassigned.add(g)
