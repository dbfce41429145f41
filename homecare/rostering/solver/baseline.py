"""The greedy coordinator: what a person with a whiteboard does, as the yardstick for the optimiser.

Visits are taken earliest window first (a double-handed pair as one); each goes to the *nearest free
qualified carer*: among the carers with the skills (and allowed, where a person's preferences limit
who may go) whose day still has room, the one whose last stop (or home) is nearest. Routes only ever
grow at the end, so nothing planned earlier moves. A pair takes the two nearest distinct carers who
can start it together. Regular carers are ignored, as they are on a busy morning.

Hard rules are the instance's: skills, allowed carers, shifts, maximum working minutes and, when
lateness is hard, the latest start. With soft lateness a carer who can be on time is preferred; if
none can, the one who gets there first. A visit no carer can take is reported unassigned with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Instance, Route, Solution, Stop, Visit

EPS = 1e-9
PAIR_CANDIDATES = 12  # nearest carers tried for each part of a double-handed visit


@dataclass
class _Round:
    """One carer's shift as the coordinator fills it: where they are, when they are free."""

    carer: int
    shift: int
    here: int
    ready: float
    until: float
    stops: list[Stop] = field(default_factory=list)


def greedy_coordinator(instance: Instance) -> Solution:
    carers = instance.carers
    matrices = [instance.matrix(c.travel_mode) for c in carers]
    rounds = [
        _Round(i, s, c.base, shift.start, shift.end)
        for i, c in enumerate(carers)
        for s, shift in enumerate(c.shifts)
    ]
    by_carer: list[list[_Round]] = [[r for r in rounds if r.carer == i] for i in range(len(carers))]
    worked = [0.0] * len(carers)  # visits and travel so far, without the way home
    hard = instance.lateness == "hard"
    visits = instance.visit_by_id()
    partner = {s.first: s.second for s in instance.synchronisations if s.simultaneous}
    seconds = set(partner.values())
    groups = [[v] if v.id not in partner else [v, visits[partner[v.id]]] for v in instance.visits]
    groups = [g for g in groups if g[0].id not in seconds]
    groups.sort(key=lambda g: (g[0].earliest, g[0].latest, g[0].id))
    unassigned: dict[str, str] = {}

    def qualified(r: _Round, v: Visit) -> bool:
        c = carers[r.carer]
        return v.skills <= c.skills and (v.allowed_carers is None or c.id in v.allowed_carers)

    def fits(r: _Round, v: Visit, start: float) -> bool:
        """Whether the carer can start v at `start` and still get home within the shift and hours."""
        m = matrices[r.carer]
        if hard and start > v.latest + EPS:
            return False
        end = start + v.duration
        home = m[v.location][carers[r.carer].finish_base]
        if end + home > r.until + EPS:
            return False
        limit = carers[r.carer].max_working_minutes
        if limit is None:
            return True
        leg = m[r.here][v.location]
        # The way home from the carer's other shifts counts too (a split shift goes home between).
        others = sum(
            m[o.here][carers[o.carer].finish_base] for o in by_carer[r.carer] if o is not r and o.stops
        )
        return worked[r.carer] + others + leg + v.duration + home <= limit + EPS

    def arrival(r: _Round, v: Visit) -> float:
        return r.ready + matrices[r.carer][r.here][v.location]

    def place(r: _Round, v: Visit, start: float) -> None:
        leg = matrices[r.carer][r.here][v.location]
        r.stops.append(Stop(v.id, start, r.ready + leg))
        worked[r.carer] += leg + v.duration
        r.here, r.ready = v.location, start + v.duration

    for group in groups:
        if len(group) == 1:
            v = group[0]
            options = []
            for r in rounds:
                if not qualified(r, v):
                    continue
                start = max(arrival(r, v), v.earliest)
                if fits(r, v, start):
                    late = start > v.latest + EPS
                    options.append((late, start if late else 0.0, matrices[r.carer][r.here][v.location], r))
            if not options:
                unassigned[v.id] = "the coordinator found no free qualified carer in time"
                continue
            _, _, _, best = min(options, key=lambda o: o[:3])
            place(best, v, max(arrival(best, v), v.earliest))
            continue
        a, b = group
        near_a = _nearest(rounds, a, qualified, matrices)
        near_b = _nearest(rounds, b, qualified, matrices)
        chosen = None
        for ra in near_a:
            for rb in near_b:
                if ra.carer == rb.carer:
                    continue
                start = max(arrival(ra, a), arrival(rb, b), a.earliest, b.earliest)
                if fits(ra, a, start) and fits(rb, b, start):
                    cost = (
                        start > a.latest + EPS,
                        matrices[ra.carer][ra.here][a.location] + matrices[rb.carer][rb.here][b.location],
                    )
                    if chosen is None or cost < chosen[0]:
                        chosen = (cost, ra, rb, start)
        if chosen is None:
            reason = "the coordinator found no two free qualified carers to go together"
            unassigned[a.id] = unassigned[b.id] = reason
            continue
        _, ra, rb, start = chosen
        place(ra, a, start)
        place(rb, b, start)

    routes = tuple(Route(carers[r.carer].id, r.shift, tuple(r.stops)) for r in rounds if r.stops)
    return Solution(routes, unassigned)


def _nearest(rounds, v: Visit, qualified, matrices) -> list[_Round]:
    eligible = [r for r in rounds if qualified(r, v)]
    eligible.sort(key=lambda r: (matrices[r.carer][r.here][v.location], r.ready))
    return eligible[:PAIR_CANDIDATES]
