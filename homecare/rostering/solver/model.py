"""The rostering problem as plain data: carers, visits, synchronisations, travel and soft-goal weights.

Pure Python (no Django): the rostering app's adapters map the ORM onto these dataclasses and the
solution back. Times are minutes from the start of the planning horizon (the caller chooses the origin,
e.g. midnight Europe/London of the day planned); locations are indices into the travel matrices.

A double-handed visit is two `Visit`s (one per carer, each with the skills that carer needs) joined by a
`Synchronisation` with `min_gap == max_gap == 0`: both carers start together. Mankowska's precedence
services ("the second service starts between mind and maxd minutes after the first") are the same
record with other gaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

INF = math.inf
DEFAULT_MODE = "default"
# How lateness is treated: "soft" lets a visit start after its latest start, paying tardiness
# (Mankowska's model); "hard" forbids it (Solomon VRPTW, or a provider that will not run late).
LATENESS_RULES = ("soft", "hard")


class ModelError(ValueError):
    """An instance that contradicts itself (unknown ids, a window that ends before it starts, ...)."""


@dataclass(frozen=True)
class Shift:
    """A period a carer is available: leaves their base at `start` or later, is back by `end`."""

    start: float = 0.0
    end: float = INF


@dataclass(frozen=True)
class Carer:
    id: str
    skills: frozenset[str] = frozenset()
    base: int = 0  # location the carer starts from
    end_base: int | None = None  # location the carer finishes at (None: back to `base`)
    shifts: tuple[Shift, ...] = (Shift(),)
    max_working_minutes: float | None = None  # visits plus travel over all shifts of the horizon
    travel_mode: str = DEFAULT_MODE  # picks the travel matrix (car, on foot, ...)
    capacity: int | None = None  # vehicle load limit (Solomon VRPTW); None for home care

    @property
    def finish_base(self) -> int:
        return self.base if self.end_base is None else self.end_base


@dataclass(frozen=True)
class Visit:
    """One carer's work at one place: start within [earliest, latest], lasting `duration` minutes."""

    id: str
    location: int
    earliest: float
    latest: float
    duration: float
    skills: frozenset[str] = frozenset()  # the carer must have every one of these
    person: str | None = None  # whose visit it is (continuity, fewest different carers)
    demand: int = 0  # load, for capacitated vehicles only
    # Only these carers may do it (a person's gender or language preference, or a visit pinned to its
    # carer when re-planning); None: any carer with the skills.
    allowed_carers: frozenset[str] | None = None
    # The carer it had in the published rota: giving it to someone else costs Weights.change (re-planning
    # after sickness with as little change as possible).
    previous_carer: str | None = None


@dataclass(frozen=True)
class Synchronisation:
    """start(second) - start(first) must lie in [min_gap, max_gap], by two different carers.

    (0, 0) is a double-handed visit: both carers start together.
    """

    first: str
    second: str
    min_gap: float = 0.0
    max_gap: float = 0.0

    @property
    def simultaneous(self) -> bool:
        return self.min_gap == 0 and self.max_gap == 0


@dataclass(frozen=True)
class Weights:
    """Weights of the objective the planner minimises (hard rules are never traded against these).

    travel: per minute of travel; tardiness: per minute a visit starts after its latest start (summed
    over visits); max_tardiness: per minute of the single latest visit; continuity: per visit not done by
    one of the person's regular carers; distinct_carers: per carer beyond the first that a person sees;
    balance: per minute between the most and the least worked carer; change: per visit given to another
    carer than its `previous_carer`; unassigned: per visit left out.
    """

    travel: float = 1.0
    tardiness: float = 1.0
    max_tardiness: float = 0.0
    continuity: float = 0.0
    distinct_carers: float = 0.0
    balance: float = 0.0
    change: float = 0.0
    unassigned: float = 10_000.0


MANKOWSKA_WEIGHTS = Weights(travel=1 / 3, tardiness=1 / 3, max_tardiness=1 / 3)


@dataclass(frozen=True)
class Instance:
    name: str
    carers: tuple[Carer, ...]
    visits: tuple[Visit, ...]
    # travel minutes between locations, one square matrix per travel mode (DEFAULT_MODE at least)
    travel: Mapping[str, Sequence[Sequence[float]]]
    synchronisations: tuple[Synchronisation, ...] = ()
    regular_carers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # person -> carer ids
    weights: Weights = Weights()
    lateness: str = "soft"
    # Figures are reported rounded to this many decimals (DIMACS VRPTW: 1); None keeps full precision.
    report_decimals: int | None = None

    def __post_init__(self) -> None:
        check_instance(self)

    def visit_by_id(self) -> dict[str, Visit]:
        return {v.id: v for v in self.visits}

    def matrix(self, mode: str) -> Sequence[Sequence[float]]:
        return self.travel[mode] if mode in self.travel else self.travel[DEFAULT_MODE]


def matrix_from_function(
    locations: Sequence[object], travel_minutes: Callable[[object, object], float]
) -> list[list[float]]:
    """A travel matrix from a function of two locations (a postcode pair, coordinates, ...)."""
    return [
        [0.0 if i == j else float(travel_minutes(a, b)) for j, b in enumerate(locations)]
        for i, a in enumerate(locations)
    ]


def check_instance(instance: Instance) -> None:
    """Raise ModelError naming the first thing that does not fit together."""
    if instance.lateness not in LATENESS_RULES:
        raise ModelError(f"lateness must be one of {LATENESS_RULES}, not {instance.lateness!r}")
    if DEFAULT_MODE not in instance.travel:
        raise ModelError(f"travel needs a {DEFAULT_MODE!r} matrix")
    sizes = {mode: len(m) for mode, m in instance.travel.items()}
    for mode, m in instance.travel.items():
        if any(len(row) != len(m) for row in m):
            raise ModelError(f"travel matrix {mode!r} is not square")
    n = min(sizes.values())
    seen: set[str] = set()
    for c in instance.carers:
        if c.id in seen:
            raise ModelError(f"carer id {c.id!r} is used twice")
        seen.add(c.id)
        for loc in (c.base, c.finish_base):
            if not 0 <= loc < n:
                raise ModelError(f"carer {c.id!r}: location {loc} is not in the travel matrix")
        if not c.shifts:
            raise ModelError(f"carer {c.id!r} has no shift")
        for s in c.shifts:
            if s.end < s.start:
                raise ModelError(f"carer {c.id!r}: a shift ends ({s.end}) before it starts ({s.start})")
    vids: set[str] = set()
    for v in instance.visits:
        if v.id in vids:
            raise ModelError(f"visit id {v.id!r} is used twice")
        vids.add(v.id)
        if not 0 <= v.location < n:
            raise ModelError(f"visit {v.id!r}: location {v.location} is not in the travel matrix")
        if v.latest < v.earliest:
            raise ModelError(f"visit {v.id!r}: latest start {v.latest} is before earliest {v.earliest}")
        if v.duration < 0:
            raise ModelError(f"visit {v.id!r}: negative duration")
        for c in v.allowed_carers or ():
            if c not in seen:
                raise ModelError(f"visit {v.id!r}: allowed carer {c!r} is not a carer")
    linked: set[str] = set()
    for s in instance.synchronisations:
        for vid in (s.first, s.second):
            if vid not in vids:
                raise ModelError(f"synchronisation names unknown visit {vid!r}")
            if vid in linked:
                raise ModelError(f"visit {vid!r} is in more than one synchronisation")
            linked.add(vid)
        if s.first == s.second:
            raise ModelError(f"synchronisation joins visit {s.first!r} to itself")
        if s.max_gap < s.min_gap:
            raise ModelError(f"synchronisation {s.first!r}->{s.second!r}: max gap below min gap")


# --- solutions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    visit: str
    start: float  # when the visit starts (the carer may arrive earlier and wait)
    arrival: float  # when the carer gets there


@dataclass(frozen=True)
class Route:
    carer: str
    shift: int  # index into the carer's shifts
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    unassigned: Mapping[str, str] = field(default_factory=dict)  # visit id -> why it is not planned
