"""The ORM to and from the solver's model (homecare.rostering.solver), one day at a time.

Times: minutes from midnight Europe/London of the day planned, computed in UTC so a clock-change day
has its 23 or 25 hours (Python subtracts two times in one zone by their wall clocks). Solver ids are
readable ("Mary S. 08:00 #41", "Carl Bennett #7") because the solver's and validator's messages name
them, and those messages are what a coordinator reads; `PlanningDay` maps them back to rows.

What the planner asks of a visit: a window from its planned start ± the pattern's tolerance; the
skills its tasks need (medication → medication-trained; moving and handling with two carers → hoist)
plus the person's own required skills (first carer: all; second carer: the hoist and dementia care, as
both are with the person); carers of the stated gender or language only; its person's regular carers.
A double-handed visit is two solver visits that start together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from homecare.accounts.models import Role, User
from homecare.rostering.models import (
    Absence,
    CareWorkerProfile,
    PersonRotaPreferences,
    PlannedAssignment,
    Skill,
)
from homecare.rostering.solver.model import (
    Carer,
    Instance,
    Route,
    Shift,
    Solution,
    Stop,
    Synchronisation,
    Visit,
)
from homecare.rostering.solver.model import Weights as SolverWeights
from homecare.rostering.travel import Place, travel_matrices
from homecare.visits.models import Visit as VisitRow
from homecare.visits.models import VisitStatus

LONDON = ZoneInfo("Europe/London")
DEFAULT_TOLERANCE = 30
# Visits a plan takes on: not those already finished, missed or cancelled.
PLANNABLE_STATUSES = (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS, VisitStatus.LATE)
TASK_SKILLS = {"medication": Skill.MEDICATION}
SECOND_CARER_SKILLS = {Skill.HOIST, Skill.DEMENTIA}

SlotKey = tuple[int, int]  # (visit pk, slot)


def day_origin(day: dt.date) -> dt.datetime:
    """Midnight in London of `day`, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).astimezone(dt.UTC)


def minutes_from(origin: dt.datetime, moment: dt.datetime) -> float:
    return (moment.astimezone(dt.UTC) - origin).total_seconds() / 60.0


def moment_at(origin: dt.datetime, minutes: float) -> dt.datetime:
    return (origin + dt.timedelta(minutes=minutes)).astimezone(LONDON)


def wall_minutes(day: dt.date, at: dt.time) -> float:
    """Minutes from midnight to a wall-clock time of that day (07:00 is 360 minutes after midnight on
    the morning the clocks go forward)."""
    local = dt.datetime.combine(day, at, tzinfo=LONDON)
    return minutes_from(day_origin(day), local)


def required_skills(visit: VisitRow, extra: Iterable[str] = ()) -> set[str]:
    skills = {TASK_SKILLS[t] for t in (visit.tasks or []) if t in TASK_SKILLS}
    if "moving_handling" in (visit.tasks or []) and visit.carers_required >= 2:
        skills.add(Skill.HOIST)
    skills |= set(extra)
    return {str(s) for s in skills}


def slot_skills(skills: set[str], slot: int) -> frozenset[str]:
    return frozenset(skills if slot == 1 else skills & {str(s) for s in SECOND_CARER_SKILLS})


def visit_label(visit: VisitRow) -> str:
    person = visit.person
    start = visit.planned_start.astimezone(LONDON)
    return f"{person.preferred_name or person.given_name} {person.family_name[:1]}. {start:%H:%M} #{visit.pk}"


def carer_label(user: User) -> str:
    return f"{user.get_full_name() or user.username} #{user.pk}"


@dataclass
class DayInputs:
    """What one day's plan is built from (already scoped to one provider)."""

    day: dt.date
    visits: list[VisitRow]
    profiles: list[CareWorkerProfile]
    preferences: dict[int, PersonRotaPreferences]  # person pk -> preferences
    regular: dict[int, list[int]]  # person pk -> regular carer pks
    absent: set[int] = field(default_factory=set)
    pinned: dict[SlotKey, int] = field(default_factory=dict)  # must stay with this carer
    previous: dict[SlotKey, int] = field(default_factory=dict)  # what was published
    weights: SolverWeights = SolverWeights()
    allow_lateness: bool = True


@dataclass
class PlanningDay:
    day: dt.date
    origin: dt.datetime
    instance: Instance
    slot_of: dict[str, SlotKey]  # solver visit id -> (visit pk, slot)
    id_of_slot: dict[SlotKey, str]
    carer_of: dict[str, int]  # solver carer id -> user pk
    id_of_carer: dict[int, str]
    visits: dict[int, VisitRow]
    not_modelled: dict[SlotKey, str]  # slots left out before solving, with why
    travel_source: str
    matrix_index: dict[str, int]  # solver id (carer base or visit) -> location index

    def clock(self, minutes: float) -> str:
        """A moment of the day as the coordinator reads it (messages from the validator)."""
        return f"{moment_at(self.origin, minutes):%H:%M}"

    def shift_of(self, carer_id: str, minute: float) -> int:
        """The carer's shift a stop at `minute` belongs to (the last that starts no later)."""
        shifts = next(c.shifts for c in self.instance.carers if c.id == carer_id)
        best = 0
        for i, s in enumerate(shifts):
            if s.start <= minute + 1e-6:
                best = i
        return best


def delivered_by(provider_id: int) -> Q:
    """Visits whose care workers come from this organisation: its own packages' visits that it has not
    given to a subcontractor, and those a lead provider gave to it."""
    return Q(provider_id=provider_id, delivered_by__isnull=True) | Q(delivered_by_id=provider_id)


def load_day_inputs(*, provider, day: dt.date) -> DayInputs:
    """The provider's plannable visits of the day, its working care workers and people's preferences."""
    visits = list(
        VisitRow.objects.filter(delivered_by(provider.pk), date=day, status__in=PLANNABLE_STATUSES)
        .select_related("person__zone", "pattern")
        .order_by("planned_start", "id")
    )
    absent = set(
        Absence.objects.filter(provider=provider, starts_on__lte=day, ends_on__gte=day).values_list(
            "care_worker_id", flat=True
        )
    )
    profiles = list(
        CareWorkerProfile.objects.filter(
            provider=provider,
            care_worker__organisation=provider,
            care_worker__role=Role.CARE_WORKER,
            care_worker__is_active=True,
        )
        .select_related("care_worker")
        .prefetch_related("availability")
        .order_by("care_worker_id")
    )
    person_ids = {v.person_id for v in visits}
    prefs = {
        p.person_id: p
        for p in PersonRotaPreferences.objects.filter(
            provider=provider, person_id__in=person_ids
        ).prefetch_related("regular_carers")
    }
    regular = {pid: [u.pk for u in p.regular_carers.all()][:3] for pid, p in prefs.items()}
    return DayInputs(
        day=day, visits=visits, profiles=profiles, preferences=prefs, regular=regular, absent=absent
    )


def build_day(inputs: DayInputs, *, opener=None) -> PlanningDay:
    day, origin = inputs.day, day_origin(inputs.day)
    weekday = day.weekday()
    carers: list[Carer] = []
    places: list[Place] = []
    index: dict[str, int] = {}
    carer_of, id_of_carer = {}, {}
    genders: dict[str, str] = {}
    languages: dict[str, set[str]] = {}
    homeless: list[tuple[str, CareWorkerProfile]] = []
    for profile in inputs.profiles:
        user = profile.care_worker
        if user.pk in inputs.absent:
            continue
        windows = [a for a in profile.availability.all() if a.weekday == weekday]
        if not windows:
            continue
        cid = carer_label(user)
        shifts = tuple(
            Shift(wall_minutes(day, a.starts_at), wall_minutes(day, a.ends_at))
            for a in sorted(windows, key=lambda a: a.starts_at)
        )
        carer_of[cid], id_of_carer[user.pk] = user.pk, cid
        genders[cid] = profile.gender
        languages[cid] = {lang.strip().lower() for lang in profile.languages or []}
        if profile.home_latitude is None or profile.home_longitude is None:
            homeless.append((cid, profile))
            base = -1
        else:
            base = len(places)
            places.append(
                Place(float(profile.home_latitude), float(profile.home_longitude), profile.home_area_type)
            )
        index[cid] = base
        carers.append(
            Carer(
                cid,
                frozenset(profile.skills or []),
                base=base,
                shifts=shifts,
                max_working_minutes=float(profile.max_minutes_per_day),
                travel_mode=profile.travel_mode,
            )
        )

    visits_out: list[Visit] = []
    syncs: list[Synchronisation] = []
    slot_of, id_of_slot = {}, {}
    not_modelled: dict[SlotKey, str] = {}
    home_index: dict[int, int] = {}
    rows = {v.pk: v for v in inputs.visits}
    all_ids = set(carer_of)
    for visit in inputs.visits:
        person = visit.person
        label = visit_label(visit)
        slots = list(range(1, max(1, visit.carers_required) + 1))
        if person.latitude is None or person.longitude is None:
            for s in slots:
                not_modelled[(visit.pk, s)] = (
                    f"{person.given_name} {person.family_name}'s home has no map location on record, so "
                    "travel to it cannot be planned: add the location to their record"
                )
            continue
        if person.pk not in home_index:
            home_index[person.pk] = len(places)
            places.append(Place(float(person.latitude), float(person.longitude), person.zone.area_type))
        prefs = inputs.preferences.get(person.pk)
        skills = required_skills(visit, prefs.required_skills if prefs else ())
        allowed = set(all_ids)
        if prefs and prefs.preferred_gender:
            allowed = {c for c in allowed if genders[c] == prefs.preferred_gender}
        if prefs and prefs.preferred_language.strip():
            wanted = prefs.preferred_language.strip().lower()
            allowed = {c for c in allowed if wanted in languages[c]}
        limited = bool(prefs and (prefs.preferred_gender or prefs.preferred_language.strip()))
        tolerance = visit.pattern.tolerance_minutes if visit.pattern_id else DEFAULT_TOLERANCE
        start = minutes_from(origin, visit.planned_start)
        ids = []
        for s in slots:
            vid = label if s == 1 else f"{label} (carer {s})"
            key = (visit.pk, s)
            pinned = inputs.pinned.get(key)
            slot_allowed: set[str] | None = set(allowed) if limited else None
            if pinned is not None and pinned in id_of_carer:
                slot_allowed = {id_of_carer[pinned]}
            previous = inputs.previous.get(key)
            visits_out.append(
                Visit(
                    vid,
                    home_index[person.pk],
                    start - tolerance,
                    start + tolerance,
                    float(visit.planned_minutes),
                    slot_skills(skills, s),
                    f"person {person.pk}",
                    allowed_carers=frozenset(slot_allowed) if slot_allowed is not None else None,
                    previous_carer=id_of_carer.get(previous) if previous is not None else None,
                )
            )
            slot_of[vid], id_of_slot[key] = key, vid
            index[vid] = home_index[person.pk]
            ids.append(vid)
        for other in ids[1:]:
            syncs.append(Synchronisation(ids[0], other))

    # A carer with no home on record starts from the middle of the day's visits (said on the plan).
    if homeless:
        homes = [places[i] for i in home_index.values()] or [Place(0.0, 0.0)]
        centre = Place(
            sum(p.latitude for p in homes) / len(homes), sum(p.longitude for p in homes) / len(homes)
        )
        for cid, _ in homeless:
            index[cid] = len(places)
            places.append(centre)
        carers = [
            Carer(
                c.id,
                c.skills,
                base=index[c.id],
                shifts=c.shifts,
                max_working_minutes=c.max_working_minutes,
                travel_mode=c.travel_mode,
            )
            if c.base == -1
            else c
            for c in carers
        ]
    if not places:
        places.append(Place(0.0, 0.0))
    matrices = travel_matrices(places, ["car", "foot"], opener=opener)
    travel = dict(matrices.by_mode)
    travel["default"] = travel["car"]
    regular = {
        f"person {pid}": tuple(id_of_carer[c] for c in carers_ if c in id_of_carer)
        for pid, carers_ in inputs.regular.items()
    }
    source = matrices.source
    if homeless:
        source += f"; {len(homeless)} care worker(s) with no home on record start from the area's centre"
    instance = Instance(
        name=f"rota {day.isoformat()}",
        carers=tuple(carers),
        visits=tuple(visits_out),
        travel=travel,
        synchronisations=tuple(syncs),
        regular_carers={p: r for p, r in regular.items() if r},
        weights=inputs.weights,
        lateness="soft" if inputs.allow_lateness else "hard",
    )
    return PlanningDay(
        day=day,
        origin=origin,
        instance=instance,
        slot_of=slot_of,
        id_of_slot=id_of_slot,
        carer_of=carer_of,
        id_of_carer=id_of_carer,
        visits=rows,
        not_modelled=not_modelled,
        travel_source=source,
        matrix_index=index,
    )


def solution_rows(planning: PlanningDay, solution: Solution, *, plan, pinned: set[SlotKey] = frozenset()):
    """PlannedAssignment rows (unsaved) and {slot: reason} for what the solution left out."""
    visits = planning.instance.visit_by_id()
    carers = {c.id: c for c in planning.instance.carers}
    rows = []
    for route in solution.routes:
        carer = carers[route.carer]
        matrix = planning.instance.matrix(carer.travel_mode)
        here = carer.base
        for seq, stop in enumerate(route.stops, start=1):
            v = visits[stop.visit]
            leg = matrix[here][v.location]
            here = v.location
            visit_pk, slot = planning.slot_of[stop.visit]
            rows.append(
                PlannedAssignment(
                    plan=plan,
                    visit_id=visit_pk,
                    slot=slot,
                    care_worker_id=planning.carer_of[route.carer],
                    sequence=seq,
                    travel_minutes=_one_place(leg),
                    arrival=moment_at(planning.origin, stop.arrival),
                    start=moment_at(planning.origin, stop.start),
                    late_minutes=_one_place(max(0.0, stop.start - v.latest)),
                    pinned=(visit_pk, slot) in pinned,
                )
            )
    unplanned = {planning.slot_of[vid]: reason for vid, reason in solution.unassigned.items()}
    unplanned.update(planning.not_modelled)
    return rows, unplanned


def rows_to_routes(
    planning: PlanningDay, rows: Iterable[PlannedAssignment]
) -> dict[tuple[str, int], list[str]]:
    """{(carer id, shift): [visit ids in start order]} from planned rows (for checking a change)."""
    by_carer: dict[tuple[str, int], list[tuple[float, str]]] = defaultdict(list)
    for row in rows:
        vid = planning.id_of_slot.get((row.visit_id, row.slot))
        cid = planning.id_of_carer.get(row.care_worker_id)
        if vid is None or cid is None:
            continue
        minute = minutes_from(planning.origin, row.start)
        by_carer[(cid, planning.shift_of(cid, minute))].append((minute, vid))
    return {key: [vid for _, vid in sorted(stops)] for key, stops in by_carer.items()}


def rows_to_solution(planning: PlanningDay, rows: Iterable[PlannedAssignment]) -> Solution:
    """The published rota as a solver solution (the warm start of a re-plan)."""
    routes = []
    for (cid, shift), vids in rows_to_routes(planning, rows).items():
        routes.append(Route(cid, shift, tuple(Stop(v, 0.0, 0.0) for v in vids)))
    return Solution(tuple(routes))


def _one_place(x: float) -> Decimal:
    return Decimal(str(round(x, 1)))
