"""Call monitoring in the demo borough: care workers, a fortnight of visits around today, who is on each,
and what the phones said about the days gone by.

Built once the people, packages, market and waiting list exist, from its own random stream seeded from
the borough's seed (so it moves nothing else), and as of the writer's clock like the rest of the borough.

- Staff: each provider gets about one care worker per 6 active packages (at least 3), and a manager
  where the demo has no sign-in for one (cancellations, corrections, tags and alerts need someone).
- Visits, from 7 days ago to 7 days ahead: exactly the rows `visits.services.visits_generate` plans for
  those days (planned start through `rules.local_start`, late time from the framework, days on hold
  skipped), computed a chunk of packages at a time and written with `loader.Table`. Generating package
  by package costs about 20 ms each: 4 s for the default borough, two minutes for 10,000 people.
  The tests prove that generating afterwards changes nothing.
- Assignments: one main care worker per package (and a partner for double-handed calls), covered by a
  colleague now and then; the demo `carer` has a round of the first provider's calls that do not
  overlap, every day, so the care worker app has visits today and tomorrow.
- Delivery (`calls.py`): a visit that is over went as a real week does (about 92% on time, 3% late, 2%
  missed, 1% cancelled, 1% short, 1% checked in out of range), plus two phones with a wrong clock and one
  manager's correction; a visit under way is checked in, checked out or not yet; the future is planned.
  Events have deterministic client ids (UUID 5 of the visit and kind) and the payload hash the service
  would store, and each visit's status is `rules.derive_delivery` of its events, as
  `services.visit_refresh` works it out. Alerts the late-visit scan raised on earlier days are written
  with their times (most acknowledged); today's overdue visits are left to `services.late_visits_flag`,
  which runs last.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter, defaultdict

from django.contrib.auth.hashers import make_password
from django.db import connections, router
from django.db.models import Count, Q
from django.utils import timezone

from homecare.accounts.models import Role, User
from homecare.people.models import (
    CareType,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    VersionStatus,
    VisitPattern,
)
from homecare.visits import rules, services
from homecare.visits.models import CallEvent, HomeTag, Visit, VisitAlert, VisitAssignment, VisitStatus

from .calls import Calls
from .loader import Table
from .market import MANAGERS
from .vocabulary import BATCH_SIZE, CARER_USERNAME

CALL_MONITORING_TABLES = (Visit, VisitAssignment, HomeTag, CallEvent, VisitAlert)
WINDOW_DAYS = 7
CHUNK_PACKAGES = 1000  # planned, told and written this many packages at a time, to bound memory
PACKAGES_PER_WORKER = 6
MIN_WORKERS = 3
CONTINUITY = 0.85  # how often the package's own care worker makes the call
CARER_ROUND = 7  # the demo carer's calls a day
CARER_TRAVEL_MINUTES = 20
ONE_DAY = dt.timedelta(days=1)


def build_call_monitoring(writer) -> None:
    """Add care workers, visits, assignments, call events, home tags and alerts to the writer's borough,
    then run the late-visit scan once, as the scheduler would."""
    rng = random.Random(f"visits-{writer.seed}")
    now, today = writer.now, writer.today
    connection = connections[router.db_for_write(Visit)]
    tables = {model: Table(model, connection) for model in CALL_MONITORING_TABLES}
    _memoise(tables[Visit], "planned_start", "late_at", "created_at", "tasks")
    _memoise(tables[VisitAssignment], "assigned_at")
    _memoise(tables[CallEvent], "tasks_done")
    packages = _packages(writer.council)
    managers = _managers(writer)
    workers = _care_workers(writer, rng, packages)
    demo_carer = User.objects.filter(username=CARER_USERNAME).values_list("pk", "organisation_id").first()
    carer_id, carer_provider = demo_carer or (None, None)
    planner = _Planner(packages, start=today - dt.timedelta(days=WINDOW_DAYS), now=now, tables=tables)
    round_ = _carer_round(planner, packages, carer_provider, today)
    crews = _Crews(
        rng,
        workers,
        managers,
        carer_id=carer_id,
        round_=round_,
        now=now,
        table=tables[VisitAssignment],
    )
    calls = Calls(
        rng,
        seed=writer.seed,
        now=now,
        managers=managers,
        first_provider=writer.providers[0].pk,
        # The scan escalates by the framework's minutes as of the day it runs.
        escalate_after=lambda package: planner.alert_minutes(package, today)[1],
        tables=tables,
    )
    summary = writer.summary
    for first in range(0, len(packages), CHUNK_PACKAGES):
        chunk = packages[first : first + CHUNK_PACKAGES]
        visits = [visit for package in chunk for visit in planner.visits(package)]
        crew = crews.assign(visits)
        calls.tell(chunk, visits, crew, special=first == 0)
        tables[Visit].insert(visits)
        tables[VisitAssignment].insert(crews.flush())
        tables[HomeTag].insert(calls.flush_tags())
        tables[CallEvent].insert(calls.flush_events())
        tables[VisitAlert].insert(calls.flush_alerts())
    for table in tables.values():
        table.reset_sequence()
    services.late_visits_flag(now=now)
    ours = Visit.objects.filter(council=writer.council).order_by()
    by_status = dict(ours.values("status").annotate(n=Count("id")).values_list("status", "n"))
    summary.care_workers = sum(len(pool) for pool in workers.values())
    summary.visits = tables[Visit].count
    summary.visit_assignments = tables[VisitAssignment].count
    summary.call_events = tables[CallEvent].count
    summary.home_tags = tables[HomeTag].count
    summary.visit_alerts = VisitAlert.objects.filter(visit__council=writer.council).count()
    summary.visits_by_status = {s: by_status[s] for s in VisitStatus.values if s in by_status}


def _memoise(table: Table, *columns: str) -> None:
    """Adapt each distinct value of these columns for the database once: a fortnight of visits has only
    a few hundred planned times and task lists between them, and adapting is most of a row's cost."""
    for i, column in enumerate(table.columns):
        adapter = table.adapters[i]
        if column in columns and adapter is not None:
            cache: dict = {}

            def memoised(value, adapter=adapter, cache=cache):
                key = tuple(value) if isinstance(value, list) else value
                if key not in cache:
                    cache[key] = adapter(value)
                return cache[key]

            table.adapters[i] = memoised


# --- what there is to plan ----------------------------------------------------------------------


def _packages(council) -> list[dict]:
    """The packages `visits_generate_all` plans visits for: active or on hold, with a provider."""
    wanted = Package.objects.filter(
        person__council=council,
        status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD),
        provider__isnull=False,
    )
    packages = list(
        wanted.order_by("id").values(
            "id",
            "person_id",
            "provider_id",
            "status",
            "start_date",
            "end_date",
            "person__council_id",
            "person__zone_id",
            "person__latitude",
            "person__longitude",
        )
    )
    by_id = {p["id"]: p for p in packages}
    for p in packages:
        p["versions"], p["holds"] = [], []
    # Subqueries rather than lists of ids: a big borough has more packages than SQLite takes parameters.
    versions = PackageVersion.objects.filter(package__in=wanted, status=VersionStatus.CONFIRMED)
    rows: dict[int, list[dict]] = defaultdict(list)
    for row in VisitPattern.objects.filter(version__in=versions).order_by("preferred_start", "id").values():
        rows[row["version_id"]].append(row)
    for version in versions.order_by("effective_from", "number").values(
        "id", "package_id", "effective_from", "effective_to"
    ):
        version["rows"] = rows[version["id"]]
        by_id[version["package_id"]]["versions"].append(version)
    # Hold periods as `visits_generate` reads them from the status rows: held from the day it went on
    # hold until the day before it resumed (or still held).
    held_from: dict[int, dt.date] = {}
    changes = PackageStatusChange.objects.filter(package__in=wanted).filter(
        Q(to_status=PackageStatus.ON_HOLD) | Q(from_status=PackageStatus.ON_HOLD)
    )
    for change in changes.order_by("at", "id").values("package_id", "from_status", "to_status", "at"):
        pk, day = change["package_id"], timezone.localtime(change["at"]).date()
        if change["to_status"] == PackageStatus.ON_HOLD and pk not in held_from:
            held_from[pk] = day
        elif change["from_status"] == PackageStatus.ON_HOLD and pk in held_from:
            by_id[pk]["holds"].append((held_from.pop(pk), day - ONE_DAY))
    for pk, day in held_from.items():
        by_id[pk]["holds"].append((day, None))
    return packages


class _Planner:
    """Each package's visits in the window, as `services.visits_generate` plans them."""

    def __init__(self, packages: list[dict], *, start: dt.date, now: dt.datetime, tables: dict):
        self.start = start
        self.end = start + dt.timedelta(days=2 * WINDOW_DAYS)
        self.now = now
        self.table = tables[Visit]
        self.representative = {p["person__zone_id"]: p["id"] for p in reversed(packages)}
        self.minutes: dict[tuple[int, dt.date], tuple[int, int]] = {}
        self.starts: dict[tuple[dt.date, dt.time], dt.datetime] = {}

    def alert_minutes(self, package: dict, on: dt.date) -> tuple[int, int]:
        """(late after, escalate after) for the package's zone: the framework's, read once per zone."""
        key = (package["person__zone_id"], on)
        if key not in self.minutes:
            sample = Package.objects.select_related("person__zone", "person__council").get(
                pk=self.representative[key[0]]
            )
            self.minutes[key] = services.alert_minutes(sample, on)
        return self.minutes[key]

    def visits(self, package: dict, start: dt.date | None = None, end: dt.date | None = None) -> list[dict]:
        """Visit rows in planned-start order. With `start`/`end` (a part of the window) no ids are taken."""
        first = max(start or self.start, package["start_date"])
        last = min(end or self.end, package["end_date"] or self.end)
        late_minutes = self.alert_minutes(package, first)[0]
        versions = package["versions"]
        wanted: dict[dt.datetime, dict] = {}
        for i, version in enumerate(versions):
            # A version runs until the next takes effect (or its own end date).
            version_end = versions[i + 1]["effective_from"] - ONE_DAY if i + 1 < len(versions) else last
            if version["effective_to"]:
                version_end = min(version_end, version["effective_to"])
            for row in version["rows"]:
                for day in rules.pattern_days(
                    row["days"], max(first, version["effective_from"]), min(last, version_end)
                ):
                    if any(a <= day and (b is None or day <= b) for a, b in package["holds"]):
                        continue
                    key = (day, row["preferred_start"])
                    planned = self.starts.get(key) or self.starts.setdefault(key, rules.local_start(*key))
                    wanted[planned] = {
                        "package_id": package["id"],
                        "version_id": version["id"],
                        "pattern_id": row["id"],
                        "person_id": package["person_id"],
                        "council_id": package["person__council_id"],
                        "provider_id": package["provider_id"],
                        "date": day,
                        "planned_start": planned,
                        "planned_minutes": row["duration_minutes"],
                        "carers_required": row["carers_required"],
                        "care_type": row["care_type"],
                        "tasks": list(row["tasks"]),
                        "late_at": planned + dt.timedelta(minutes=late_minutes),
                        "status": VisitStatus.PLANNED,
                        "cancel_reason": "",
                        "created_at": self.now,
                    }
        visits = [wanted[planned] for planned in sorted(wanted)]
        if start is None and end is None:
            for visit in visits:
                visit["id"] = self.table.allocate()
        return visits


# --- who makes the calls ------------------------------------------------------------------------


def _managers(writer) -> dict[int, int]:
    """Each provider's manager: the demo sign-in where there is one, else its registered manager (from
    its CQC profile), who can neither sign in nor be e-mailed."""
    managers: dict[int, int] = {}
    for pk, org in (
        User.objects.filter(role=Role.PROVIDER_MANAGER).order_by("id").values_list("pk", "organisation_id")
    ):
        managers.setdefault(org, pk)
    missing = []
    for p, provider in enumerate(writer.providers):
        if provider.pk not in managers:
            first, last = MANAGERS[p % len(MANAGERS)].split(" ", 1)
            missing.append(
                User(
                    username=f"manager{p + 1:02d}",
                    password=make_password(None),
                    first_name=first,
                    last_name=last,
                    organisation=provider,
                    role=Role.PROVIDER_MANAGER,
                    job_title="Registered manager",
                )
            )
    for user in User.objects.bulk_create(missing):
        managers[user.organisation_id] = user.pk
    writer.summary.users += len(missing)
    return managers


def _care_workers(writer, rng: random.Random, packages: list[dict]) -> dict[int, list[int]]:
    """Each provider's care workers (ids in order), topped up to one per 6 active packages, at least 3.

    Like the writer's own staff: unusable passwords, names from the borough's seeded name pools."""
    active = Counter(p["provider_id"] for p in packages if p["status"] == PackageStatus.ACTIVE)
    have: dict[int, list[str]] = defaultdict(list)
    for org, username in (
        User.objects.filter(role=Role.CARE_WORKER).order_by("id").values_list("organisation_id", "username")
    ):
        have[org].append(username)
    pools, new = writer.pools, []
    for p, provider in enumerate(writer.providers):
        wanted = max(MIN_WORKERS, math.ceil(active[provider.pk] / PACKAGES_PER_WORKER))
        prefix = f"carer{p + 1:02d}-"
        numbered = sum(1 for name in have[provider.pk] if name.startswith(prefix))
        for i in range(numbered, numbered + wanted - len(have[provider.pk])):
            female = rng.random() < 0.8
            new.append(
                User(
                    username=f"{prefix}{i + 1:02d}",
                    password=make_password(None),
                    first_name=rng.choice(pools.female if female else pools.male),
                    last_name=rng.choice(pools.family),
                    organisation=provider,
                    role=Role.CARE_WORKER,
                    job_title="Care worker",
                )
            )
    User.objects.bulk_create(new, batch_size=BATCH_SIZE)
    writer.summary.users += len(new)
    workers: dict[int, list[int]] = defaultdict(list)
    for pk, org in (
        User.objects.filter(role=Role.CARE_WORKER, organisation__in=writer.providers)
        .order_by("id")
        .values_list("pk", "organisation_id")
    ):
        workers[org].append(pk)
    return workers


def _carer_round(planner: _Planner, packages: list[dict], provider_id, today: dt.date) -> set[tuple]:
    """(package, start time) of the calls the demo carer makes every day: day calls of the first provider
    that happen both today and tomorrow, earliest first, leaving time to travel between them."""
    days: dict[tuple, dict[dt.date, int]] = defaultdict(dict)
    own = [p for p in packages if p["provider_id"] == provider_id][:60]  # the showcase packages come first
    for package in own:
        for visit in planner.visits(package, start=today, end=today + ONE_DAY):
            if visit["care_type"] == CareType.DAY:
                start = timezone.localtime(visit["planned_start"]).time()
                days[(package["id"], start)][visit["date"]] = visit["planned_minutes"]
    chosen: set[tuple] = set()
    free_from = 0
    for (package_id, start), minutes in sorted(days.items(), key=lambda item: (item[0][1], item[0][0])):
        at = start.hour * 60 + start.minute
        if len(minutes) < 2 or at < free_from:
            continue
        chosen.add((package_id, start))
        free_from = at + max(minutes.values()) + CARER_TRAVEL_MINUTES
        if len(chosen) == CARER_ROUND:
            break
    return chosen


class _Crews:
    """Who is on each visit: the package's own care worker (and partner) mostly, a colleague otherwise."""

    def __init__(self, rng, workers, managers, *, carer_id, round_, now, table: Table):
        self.rng, self.managers, self.round, self.now, self.table = rng, managers, round_, now, table
        self.round_packages = {package_id for package_id, _ in round_}
        self.carer_id = carer_id
        # The demo carer works only their round, so their day in the app makes sense.
        self.pools = {org: [w for w in pool if w != carer_id] for org, pool in workers.items()}
        self.turns = {org: itertools.cycle(rng.sample(pool, len(pool))) for org, pool in self.pools.items()}
        self.own: dict[int, tuple[int, int]] = {}
        self.rows: list[dict] = []

    def _own(self, visit: dict) -> tuple[int, int]:
        package_id = visit["package_id"]
        if package_id not in self.own:
            turn = self.turns[visit["provider_id"]]
            main = next(turn)
            partner = next(turn)
            self.own[package_id] = (main, partner)
        return self.own[package_id]

    def _on_round(self, visit: dict) -> bool:
        return (visit["package_id"], timezone.localtime(visit["planned_start"]).time()) in self.round

    def assign(self, visits: list[dict]) -> dict[int, list[int]]:
        """The care workers on each visit, by slot; their assignment rows wait in `flush()`."""
        rng, crew = self.rng, {}
        table_rows = self.rows
        for visit in visits:
            pool = self.pools[visit["provider_id"]]
            main, partner = self._own(visit)
            if visit["package_id"] in self.round_packages and self._on_round(visit):
                first = self.carer_id
            else:
                first = main if rng.random() < CONTINUITY else rng.choice(pool)
            workers = [first]
            if visit["carers_required"] == 2:
                second = partner if rng.random() < CONTINUITY else rng.choice(pool)
                if second == first:
                    second = rng.choice([w for w in pool if w != first])
                workers.append(second)
            crew[visit["id"]] = workers
            assigned_at = min(visit["planned_start"] - dt.timedelta(days=3), self.now)
            for slot, worker in enumerate(workers, start=1):
                table_rows.append(
                    {
                        "id": self.table.allocate(),
                        "visit_id": visit["id"],
                        "slot": slot,
                        "care_worker_id": worker,
                        "assigned_by_id": self.managers[visit["provider_id"]],
                        "assigned_at": assigned_at,
                    }
                )
        return crew

    def flush(self) -> list[dict]:
        rows, self.rows = self.rows, []
        return rows
