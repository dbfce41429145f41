"""Payment run benchmark: a 4-week payment run against one hand-written SQL aggregation of the same totals.

The figure (payments issue): "A 4-week payment run for a 10,000-person borough (about a million visits)
on PostgreSQL and SQLite, against a hand-written SQL aggregation of the same totals as the baseline:
report the ratio; the run should stay within 3× of the baseline and its totals must equal it to the penny."

- Engine: `finance.services.run_create` (the first calculation of a draft run) and `run_calculate` (a
  recalculation of the same draft), each timed a few times.
- Baseline: one SQL statement with a CTE per step (payable minutes per visit, holds and exclusions, the
  rate card in force on the day with its weekend or bank holiday enhancement, one line per version ×
  care type × carers × rate card × day type, half-up rounding to the penny per line, sums per provider).
- Verification: every provider's payable total, NHS recharge and held visits (and paid visits, lines)
  must equal the baseline's exactly. Any difference is a bug: the bench says where and exits non-zero.

Run with `python -m bench.payments` (`--quick` for a smoke test). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import io
import json
import os
import pstats
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecare.config.settings.bench")

import django  # noqa: E402 - the settings module must be chosen first
from django.conf import settings  # noqa: E402

from bench.run import RESULTS_DIR, database_info, git_commit, machine, ratio  # noqa: E402

NAME = "payments"
# Bump when the fixture changes shape, so a reused bench database is reseeded.
FIXTURE_VERSION = 1
TARGET_RATIO = 3.0
# The period paid: Monday 23 March to Sunday 19 April 2026 (28 days). The annual uplift takes effect on
# 1 April, mid-period, and it holds two bank holidays (Good Friday 3 April, Easter Monday 6 April), four
# weekends and the spring clock change (29 March).
PERIOD_START = dt.date(2026, 3, 23)
PERIOD_DAYS = 28
# A second mid-period rate change, on the reablement lot only: the packages awarded on that lot (through
# brokerage) are priced from their award's lot, not from their zone, and the totals show it.
REABLEMENT_UPLIFT = (dt.date(2026, 4, 13), Decimal("24.85"))
MINIMUM_CHARGE_MINUTES = 15  # the framework pays at least this for a delivered visit (set by the fixture)
AWARDED_SHARE = 0.03  # packages placed through brokerage on the reablement lot
RESOLVED_SHARE = 0.06  # held visits a manager has decided (some twice: the later decision wins)
MAX_CALLS_A_DAY = 6
# Calls added to packages (every day) to reach the size asked for: medication prompts, welfare checks.
# Their times never clash with the demo's visit patterns or with BUDGET_TIMES, so (package, start) is unique.
TOP_UPS = (
    ("10:45", 15, ["medication"]),
    ("14:30", 30, ["meal_preparation"]),
    ("15:45", 15, ["medication"]),
    ("11:15", 30, ["domestic"]),
    ("16:15", 15, ["prompting"]),
    ("19:45", 15, ["medication"]),
)
# Budget-of-hours packages have no visit pattern: their hours are spread over up to four calls a day.
BUDGET_TIMES = ("08:45", "13:15", "18:15", "20:45")


@dataclass(frozen=True)
class Sizes:
    people: int  # the demo borough
    visits: int  # visits in the 28-day period (about: whole packages are added until it is reached)


FULL = Sizes(people=10_000, visits=1_000_000)
QUICK = Sizes(people=1_500, visits=50_000)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: {QUICK.people:,} people, ~{QUICK.visits:,} visits"
    )
    parser.add_argument("--rebuild", action="store_true", help="throw the bench database away and reseed")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the borough and the visits")
    parser.add_argument("--people", type=int, help=f"people in the borough (default {FULL.people:,})")
    parser.add_argument("--visits", type=int, help=f"visits in the period (default {FULL.visits:,})")
    parser.add_argument("--rounds", type=int, default=3, help="timed creates and recalculations (each)")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the cProfile pass")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    args.sizes = Sizes(people=args.people or base.people, visits=args.visits or base.visits)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def period_end() -> dt.date:
    return PERIOD_START + dt.timedelta(days=PERIOD_DAYS - 1)


def marker(seed: int, sizes: Sizes) -> str:
    """An expired framework's reference says which fixture the bench database holds (at most 40 chars)."""
    return f"PBENCH{FIXTURE_VERSION}-{seed}-{sizes.people}-{sizes.visits}"


def configure(args: argparse.Namespace) -> None:
    """Its own SQLite file (quick runs another), unless DATABASE_URL names a database."""
    if "DATABASE_URL" not in os.environ:
        name = "bench-payments-quick.sqlite3" if args.quick else "bench-payments.sqlite3"
        settings.DATABASES["default"]["NAME"] = str(Path(settings.VAR_DIR) / name)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{settings.DATABASES['default']['NAME']}{suffix}").unlink(missing_ok=True)
    django.setup()


def analyze() -> None:
    """Planner statistics, as seed_demo does after loading and PostgreSQL's autovacuum does in service."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        else:
            cursor.execute("VACUUM ANALYZE")
    if connection.vendor == "sqlite":
        connection.close()  # SQLite reads its statistics when a connection loads the schema


# --- the fixture --------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    from homecare.accounts.models import Organisation
    from homecare.providers.models import Framework

    call_command("migrate", interactive=False, verbosity=0)
    reference = marker(args.seed, args.sizes)
    info: dict = {"seeded_this_run": False, "seed_seconds": None, "fixture": reference}
    if args.rebuild or not Framework.objects.filter(reference=reference).exists():
        if Organisation.objects.exists():
            print("The bench database holds another fixture: emptying it", flush=True)
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        info["borough_seconds"], info["visits_seconds"] = seed(args.seed, args.sizes, reference)
        t0 = time.perf_counter()
        analyze()
        info["analyze_seconds"] = round(time.perf_counter() - t0, 2)
        info.update(seeded_this_run=True, seed_seconds=round(time.perf_counter() - started, 2))
        print(f"Seeded in {info['seed_seconds']:.1f}s", flush=True)
    else:
        print(f"Reusing the bench database ({reference})", flush=True)
    return info


def seed(seed_value: int, sizes: Sizes, reference: str) -> tuple[float, float]:
    from django.db import transaction

    from homecare.demo import borough

    print(f"Seeding the demo borough ({sizes.people:,} people, seed {seed_value})…", flush=True)
    t0 = time.perf_counter()
    # The demo's own fortnight of visits around today is left out: the bench writes its own period.
    summary = borough.build_borough(seed=seed_value, people=sizes.people, call_monitoring=False)
    print(summary.describe(), flush=True)
    t1 = time.perf_counter()
    rng = random.Random(f"payments-{seed_value}")
    with transaction.atomic():
        counts = build_payments(rng, sizes, reference)
    t2 = time.perf_counter()
    print(
        "Payments fixture: " + ", ".join(f"{v:,} {k}" for k, v in counts.items() if isinstance(v, int)),
        f"in {t2 - t1:.1f}s",
        flush=True,
    )
    return round(t1 - t0, 2), round(t2 - t1, 2)


def live_framework():
    from homecare.demo import borough
    from homecare.providers.models import Framework, FrameworkStatus

    return (
        Framework.objects.filter(council__name=borough.COUNCIL_NAME, status=FrameworkStatus.LIVE)
        .order_by("-start_date", "-id")
        .first()
    )


def build_payments(rng: random.Random, sizes: Sizes, reference: str) -> dict:
    """Rate cards, awards, about `sizes.visits` visits in the period (and the day either side), decisions on
    some held visits, and the marker framework. Returns counts for the log."""
    from homecare.accounts.models import User
    from homecare.demo import borough
    from homecare.providers.models import Framework, FrameworkStatus

    framework = live_framework()
    if framework is None:
        raise SystemExit("The demo borough has no live framework to pay")
    commissioner = User.objects.get(username=borough.COMMISSIONER_USERNAME)
    broker = User.objects.get(username=borough.BROKER_USERNAME)
    finance = User.objects.get(username=borough.FINANCE_USERNAME)
    # A minimum charge, so the payable-minutes rule has all three parts (rounding, cap, minimum).
    Framework.objects.filter(pk=framework.pk).update(minimum_charge_minutes=MINIMUM_CHARGE_MINUTES)
    counts: dict = {"rate cards added": ensure_rate_cards(framework, commissioner)}
    counts["awards"] = make_awards(rng, framework, broker)
    visit_counts, held = write_visits(rng, framework, sizes)
    counts.update(visit_counts)
    counts["hold decisions"] = decide_holds(rng, held, finance)
    Framework.objects.create(
        council=framework.council,
        name="Payments bench fixture",
        reference=reference,
        status=FrameworkStatus.EXPIRED,
        start_date=dt.date(2015, 4, 1),
        created_by=commissioner,
    )
    return counts


def ensure_rate_cards(framework, actor) -> int:
    """Every homecare lot prices day care, waking nights and sleep-ins with weekend and bank holiday
    enhancements, from before the period and again from a date inside it (the demo's April uplift does
    both; anything missing is added here). The reablement lot gets a second change of its own."""
    from homecare.providers.models import Lot, RateCard

    start, end = PERIOD_START, period_end()
    cards = list(RateCard.objects.filter(framework=framework))
    new = []

    def card(lot, care_type, amount, effective_from, reason):
        return RateCard(
            framework=framework,
            lot=lot,
            area_type=lot.area_type,
            care_type=care_type,
            amount=amount,
            effective_from=effective_from,
            weekend_enhancement_percent=Decimal("10"),
            bank_holiday_enhancement_percent=Decimal("25"),
            reason=reason,
            created_by=actor,
        )

    base = {"day": Decimal("23.10"), "waking_night": Decimal("20.50"), "sleep_in": Decimal("115.00")}
    for lot in Lot.objects.filter(framework=framework, service="homecare"):
        for care_type, amount in base.items():
            mine = [
                c for c in cards if (c.lot_id, c.area_type, c.care_type) == (lot.pk, lot.area_type, care_type)
            ]
            before = [c for c in mine if c.effective_from <= start]
            if not before:
                new.append(card(lot, care_type, amount, framework.start_date, "Bench: tendered rate"))
            else:
                amount = max(before, key=lambda c: c.effective_from).amount
            if not any(start < c.effective_from <= end for c in mine):
                uplifted = (amount * Decimal("1.045")).quantize(Decimal("0.01"))
                new.append(
                    card(lot, care_type, uplifted, start + dt.timedelta(days=9), "Bench: mid-period uplift")
                )
    reablement = Lot.objects.filter(framework=framework, service="reablement", area_type="urban").first()
    if reablement is not None:
        day, amount = REABLEMENT_UPLIFT
        if not any(c.lot_id == reablement.pk and c.effective_from == day for c in cards):
            new.append(card(reablement, "day", amount, day, "Bench: reablement uplift"))
    RateCard.objects.bulk_create(new)
    return len(new)


def _packages(council_id: int) -> list[dict]:
    """Packages with a provider (active, on hold or ended: all treated as running through the period), with
    their confirmed versions and visit-pattern rows."""
    from homecare.people.models import Package, PackageVersion, VersionStatus, VisitPattern

    wanted = Package.objects.filter(person__council_id=council_id, provider__isnull=False)
    packages = list(wanted.order_by("id").values("id", "person_id", "provider_id", "person__zone__area_type"))
    by_id = {p["id"]: p for p in packages}
    for p in packages:
        p["versions"] = []
    versions = PackageVersion.objects.filter(package__in=wanted, status=VersionStatus.CONFIRMED)
    rows: dict[int, list[dict]] = defaultdict(list)
    for row in VisitPattern.objects.filter(version__in=versions).order_by("preferred_start", "id").values():
        rows[row["version_id"]].append(row)
    for v in versions.order_by("package_id", "number").values("id", "package_id", "weekly_budget_hours"):
        v["rows"] = rows[v["id"]]
        by_id[v["package_id"]]["versions"].append(v)
    return [p for p in packages if p["versions"]]


def _calls(version: dict) -> list[list[tuple]]:
    """A version's calls for each weekday (Monday = 0): (pattern id, time, minutes, carers, care type,
    tasks)."""
    week: list[list[tuple]] = [[] for _ in range(7)]
    if version["rows"]:
        for row in version["rows"]:
            for weekday in range(7):
                if row["days"] & (1 << weekday):
                    week[weekday].append(
                        (
                            row["id"],
                            row["preferred_start"],
                            row["duration_minutes"],
                            row["carers_required"],
                            row["care_type"],
                            tuple(row["tasks"]),
                        )
                    )
        return week
    hours = float(version["weekly_budget_hours"] or 7)
    daily = hours * 60 / 7
    n = min(len(BUDGET_TIMES), max(1, round(daily / 45)))
    minutes = max(15, round(daily / n / 15) * 15)
    calls = [
        (None, dt.time.fromisoformat(at), minutes, 1, "day", ("personal_care",)) for at in BUDGET_TIMES[:n]
    ]
    return [list(calls) for _ in range(7)]


def _schedule(rng: random.Random, packages: list[dict], target: int) -> None:
    """Each package's version per day and its calls; then whole packages (when there are more calls than
    wanted) or top-up calls (when fewer) to bring the period to about `target` visits."""
    start = PERIOD_START
    for p in packages:
        versions = p["versions"][-2:]
        p["weeks"] = [_calls(v) for v in versions]
        # A package with two versions changes on a drawn day inside the period.
        p["split"] = (
            start + dt.timedelta(days=rng.randint(3, PERIOD_DAYS - 4)) if len(versions) == 2 else None
        )
        p["version_ids"] = [v["id"] for v in versions]
        p["top_ups"] = 0
        p["base"] = sum(len(p["weeks"][_version_index(p, day)][day.weekday()]) for day in _period_days())
        p["busiest"] = max(len(day) for week in p["weeks"] for day in week)
    order = list(packages)
    rng.shuffle(order)
    total = sum(p["base"] for p in packages)
    if total >= target:
        chosen, running = set(), 0
        for p in order:
            if running >= target:
                break
            chosen.add(p["id"])
            running += p["base"]
        for p in packages:
            p["selected"] = p["id"] in chosen
        return
    for p in packages:
        p["selected"] = True
    deficit = target - total
    while deficit > 0:
        added = False
        for p in order:
            if deficit <= 0:
                break
            if p["busiest"] + p["top_ups"] < MAX_CALLS_A_DAY and p["top_ups"] < len(TOP_UPS):
                p["top_ups"] += 1
                deficit -= PERIOD_DAYS
                added = True
        if not added:
            break


def _period_days() -> list[dt.date]:
    return [PERIOD_START + dt.timedelta(days=i) for i in range(PERIOD_DAYS)]


def _version_index(p: dict, day: dt.date) -> int:
    return 1 if p["split"] is not None and day >= p["split"] else 0


class Outcomes:
    """What happened at each visit, drawn as a real four weeks go (per 1,000 visits): 30 missed, 10 cancelled,
    1 left late, 30 held (no check-out, checked in away from the home, not verified, implausibly short, or a
    doubtful phone clock) and the rest completed and verified, with actual minutes around planned, a few
    over, and approved extra time on 2%."""

    HELD_KINDS = (
        ("in_progress", 0.18),
        ("no_actual", 0.05),
        ("out_of_range", 0.25),
        ("unverified", 0.15),
        ("short", 0.22),
        ("clock", 0.15),
    )

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.counts: Counter = Counter()
        self.cancel_reasons = ("hospital", "declined", "family")

    def draw(self, planned: int, care_type: str, start: dt.datetime) -> tuple[str, dict]:
        rng = self.rng
        r = rng.random()
        row = {
            "verification": "",
            "actual_start": None,
            "actual_end": None,
            "actual_minutes": None,
            "extra_minutes": 0,
            "clock_flagged": False,
            "cancel_reason": "",
        }
        if r < 0.030:
            row["status"] = "missed"
            return "missed", row
        if r < 0.040:
            row["status"], row["cancel_reason"] = "cancelled", rng.choice(self.cancel_reasons)
            return "cancelled", row
        if r < 0.041:
            row["status"] = "late"
            return "late", row
        arrive = start + dt.timedelta(minutes=rng.randint(-5, 20))
        row["actual_start"] = arrive
        row["status"] = "completed"
        row["verification"] = "geolocation"
        if r < 0.071:
            kind = self._held_kind(rng.random())
            if kind == "in_progress":
                row["status"] = "in_progress"
                return "held: no check-out", row
            if kind == "no_actual":
                return "held: completed without check-out", row
            actual = self._normal_minutes(planned)
            if kind == "out_of_range":
                row["verification"] = "out_of_range"
            elif kind == "unverified":
                row["verification"] = ""
            elif kind == "clock":
                row["clock_flagged"] = True
            else:  # short (2 × actual < planned): half of them the longest visit that is still short
                edge = (planned - 1) // 2
                actual = edge if rng.random() < 0.5 else rng.randint(1, edge)
                kind = "short (edge)" if actual == edge else "short"
            self._times(row, arrive, actual)
            return f"held: {kind}", row
        v = rng.random()
        row["verification"] = (
            "geolocation" if v < 0.78 else "tag" if v < 0.95 else "manual" if v < 0.98 else "imported"
        )
        actual = self._normal_minutes(planned)
        if rng.random() < 0.02:
            row["extra_minutes"] = rng.choice((15, 30))
            actual += rng.randint(0, row["extra_minutes"] + 10)
            self._times(row, arrive, actual)
            return "completed with extra time", row
        self._times(row, arrive, actual)
        return "completed", row

    def _held_kind(self, u: float) -> str:
        for kind, share in self.HELD_KINDS:
            if u < share:
                return kind
            u -= share
        return "clock"

    def _normal_minutes(self, planned: int) -> int:
        """Around planned (a little under on average), never short by the rule (2 × actual ≥ planned);
        a few exactly half of an even plan, which is not short."""
        rng = self.rng
        if rng.random() < 0.003:
            return (planned + 1) // 2
        spread = 0.03 if planned >= 300 else 0.14
        actual = round(planned * (1 + rng.gauss(-0.02, spread)))
        return min(max(actual, (planned + 1) // 2), planned * 2)

    @staticmethod
    def _times(row: dict, arrive: dt.datetime, actual: int) -> None:
        row["actual_minutes"] = actual
        row["actual_end"] = arrive + dt.timedelta(minutes=actual)


def write_visits(rng: random.Random, framework, sizes: Sizes) -> tuple[dict, list[tuple]]:
    """About `sizes.visits` visits in the period and the same calls on the day before and after (which the
    run must leave out), with `loader.Table` (executemany on SQLite, COPY on PostgreSQL)."""
    from django.db import connections, router

    from homecare.demo.borough.loader import Table
    from homecare.visits import rules as visit_rules
    from homecare.visits.models import Visit

    connection = connections[router.db_for_write(Visit)]
    table = Table(Visit, connection)
    _memoise(table, "planned_start", "late_at", "created_at", "tasks")
    packages = _packages(framework.council_id)
    _schedule(rng, packages, sizes.visits)
    outcomes = Outcomes(rng)
    days = [PERIOD_START - dt.timedelta(days=1), *_period_days(), period_end() + dt.timedelta(days=1)]
    created_at = dt.datetime(2026, 3, 16, 2, 0, tzinfo=dt.UTC)
    late_after = dt.timedelta(minutes=framework.late_alert_minutes)
    starts: dict[tuple, dt.datetime] = {}
    top_ups = [
        (None, dt.time.fromisoformat(at), minutes, 1, "day", tuple(tasks)) for at, minutes, tasks in TOP_UPS
    ]
    held: list[tuple] = []
    rows: list[dict] = []
    in_period = 0
    by_care_type: Counter = Counter()
    double_handed = 0
    selected = [p for p in packages if p["selected"]]
    for p in selected:
        for day in days:
            index = (
                _version_index(p, day)
                if PERIOD_START <= day <= period_end()
                else (0 if day < PERIOD_START else len(p["weeks"]) - 1)
            )
            calls = p["weeks"][index][day.weekday()] + top_ups[: p["top_ups"]]
            for pattern_id, at, minutes, carers, care_type, tasks in calls:
                key = (day, at)
                start = starts.get(key) or starts.setdefault(key, visit_rules.local_start(day, at))
                label, outcome = outcomes.draw(minutes, care_type, start)
                pk = table.allocate()
                rows.append(
                    {
                        "id": pk,
                        "package_id": p["id"],
                        "version_id": p["version_ids"][index],
                        "pattern_id": pattern_id,
                        "person_id": p["person_id"],
                        "council_id": framework.council_id,
                        "provider_id": p["provider_id"],
                        "date": day,
                        "planned_start": start,
                        "planned_minutes": minutes,
                        "carers_required": carers,
                        "care_type": care_type,
                        "tasks": list(tasks),
                        "late_at": start + late_after,
                        "created_at": created_at,
                        **outcome,
                    }
                )
                if PERIOD_START <= day <= period_end():
                    in_period += 1
                    outcomes.counts[label] += 1
                    by_care_type[care_type] += 1
                    double_handed += carers == 2
                    if label.startswith("held"):
                        held.append((pk, minutes + outcome["extra_minutes"]))
        if len(rows) >= 50_000:
            table.insert(rows)
            rows = []
    table.insert(rows)
    table.reset_sequence()
    counts = {
        "packages with visits": len(selected),
        "packages with top-up calls": sum(1 for p in selected if p["top_ups"]),
        "visits in the period": in_period,
        "visits written": table.count,
        "double-handed": double_handed,
        **{f"{k} visits": v for k, v in sorted(by_care_type.items())},
        "outcomes": dict(outcomes.counts.most_common()),
    }
    return counts, held


def _memoise(table, *columns: str) -> None:
    """Adapt each distinct value of these columns once (a few thousand planned times and task lists)."""
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


def make_awards(rng: random.Random, framework, broker) -> int:
    """A few urban packages with day calls only were placed through brokerage on the reablement lot: their
    case, the awarded round and offer, and the award. The run prices them on that lot's rate cards."""

    from homecare.brokerage.models import Award, BrokerageCase, Offer, OfferRound
    from homecare.people.models import Package, VisitPattern
    from homecare.providers.models import Lot

    lot = Lot.objects.filter(framework=framework, service="reablement", area_type="urban").first()
    if lot is None:
        return 0
    not_day = set(
        VisitPattern.objects.exclude(care_type="day").values_list("version__package_id", flat=True).distinct()
    )
    candidates = [
        p
        for p in Package.objects.filter(
            person__council=framework.council,
            provider__isnull=False,
            person__zone__area_type="urban",
            brokerage_case__isnull=True,
        )
        .order_by("id")
        .values("id", "provider_id", "start_date")
        if p["id"] not in not_day
    ]
    chosen = [p for p in candidates if rng.random() < AWARDED_SHARE]
    at = dt.datetime(2026, 1, 12, 11, 0, tzinfo=dt.UTC)
    cases = BrokerageCase.objects.bulk_create(
        BrokerageCase(package_id=p["id"], council=framework.council, opened_at=at, closed_at=at)
        for p in chosen
    )
    rounds = OfferRound.objects.bulk_create(
        OfferRound(
            case=c,
            number=1,
            status="awarded",
            opened_at=at,
            deadline=at + dt.timedelta(hours=24),
            closed_at=at,
        )
        for c in cases
    )
    offers = Offer.objects.bulk_create(
        Offer(
            round=r,
            provider_id=p["provider_id"],
            lot=lot,
            quality_score=Decimal("70"),
            price_score=Decimal("60"),
            status="awarded",
            responded_at=at,
            responded_by=broker,
        )
        for r, p in zip(rounds, chosen, strict=True)
    )
    Award.objects.bulk_create(
        Award(
            round=r,
            offer=o,
            provider_id=p["provider_id"],
            start_date=p["start_date"],
            awarded_by=broker,
            awarded_at=at,
            ranking=[],
        )
        for r, o, p in zip(rounds, offers, chosen, strict=True)
    )
    return len(chosen)


def decide_holds(rng: random.Random, held: list[tuple], finance) -> int:
    """Finance has decided some held visits: pay (the planned minutes, some less) or not; a fifth were
    decided twice, the other way first (the later decision is the one that counts)."""

    from homecare.finance.models import HoldResolution

    at = dt.datetime(2026, 4, 21, 9, 0, tzinfo=dt.UTC)
    rows = []
    for n, (visit_id, ceiling) in enumerate(held):
        if rng.random() >= RESOLVED_SHARE:
            continue
        pay = rng.random() < 0.6
        decisions = [pay]
        if rng.random() < 0.2:
            decisions.insert(0, not pay)
        for i, decision in enumerate(decisions):
            minutes = max(1, ceiling - rng.choice((0, 0, 0, 5, 10))) if decision else None
            rows.append(
                HoldResolution(
                    visit_id=visit_id,
                    decision="pay" if decision else "do_not_pay",
                    minutes=minutes,
                    reason="Provider's rota and the person's family confirm the visit"
                    if decision
                    else "No evidence the visit took place",
                    decided_by=finance,
                    decided_at=at + dt.timedelta(minutes=n % 600, days=i),
                )
            )
    HoldResolution.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- the engine ---------------------------------------------------------------------------------


class Meter:
    """Times `_calculate`'s phases by wrapping the services module's helpers (the services are not changed)
    and counts queries (and their time) per phase with an execute wrapper."""

    HELPERS = ("_calculate", "_resolutions", "_lots_by_package", "_write")

    def __init__(self):
        self.stamps: dict[str, int] = {}
        self.phase = "before _calculate (permission, overlap, run row)"
        self.queries: Counter = Counter()
        self.query_ns: Counter = Counter()
        self.slowest: list[tuple[int, str, str]] = []

    def stamp(self, name: str, phase: str | None = None) -> None:
        self.stamps[name] = time.perf_counter_ns()
        if phase:
            self.phase = phase

    @contextlib.contextmanager
    def installed(self):
        from django.db import connection

        from homecare.finance import services

        originals = {name: getattr(services, name) for name in self.HELPERS}
        original_rates = services._Rates
        after = {
            "_calculate": "after _calculate (commit)",
            "_resolutions": "read visits: held, resolved, grouped",
            "_lots_by_package": "areas and rate cards",
            "_write": "save run",
        }
        before = {
            "_calculate": "delete previous statements and lines",
            "_resolutions": "hold resolutions",
            "_lots_by_package": "lots by package",
            "_write": "write statements and lines",
        }
        meter = self

        def wrap(name, fn):
            def timed(*a, **kw):
                meter.stamp(f"{name}:start", before[name])
                try:
                    return fn(*a, **kw)
                finally:
                    meter.stamp(f"{name}:end", after[name])

            return timed

        class TimedRates(original_rates):
            def __post_init__(self):
                meter.stamp("_Rates:start")
                super().__post_init__()
                meter.stamp("_Rates:end", "price and build lines (Python)")

        def count(execute, sql, params, many, context):
            t0 = time.perf_counter_ns()
            try:
                return execute(sql, params, many, context)
            finally:
                elapsed = time.perf_counter_ns() - t0
                self.queries[self.phase] += 1
                self.query_ns[self.phase] += elapsed
                self.slowest.append((elapsed, self.phase, sql[:160]))
                self.slowest = sorted(self.slowest, reverse=True)[:8]

        for name, fn in originals.items():
            setattr(services, name, wrap(name, fn))
        services._Rates = TimedRates
        try:
            with connection.execute_wrapper(count):
                yield self
        finally:
            for name, fn in originals.items():
                setattr(services, name, fn)
            services._Rates = original_rates

    def phases(self, total_ns: int) -> dict[str, float]:
        s = self.stamps
        order = [
            ("before _calculate (permission, overlap, run row)", "begin", "_calculate:start"),
            ("delete previous statements and lines", "_calculate:start", "_resolutions:start"),
            ("hold resolutions", "_resolutions:start", "_resolutions:end"),
            ("read visits: held, resolved, grouped", "_resolutions:end", "_lots_by_package:start"),
            ("lots by package", "_lots_by_package:start", "_lots_by_package:end"),
            ("areas and rate cards", "_lots_by_package:end", "_Rates:end"),
            ("price and build lines (Python)", "_Rates:end", "_write:start"),
            ("write statements and lines", "_write:start", "_write:end"),
            ("save run", "_write:end", "_calculate:end"),
            ("after _calculate (commit)", "_calculate:end", "end"),
        ]
        s = {**s, "begin": s["begin"], "end": s["begin"] + total_ns}
        return {label: round((s[b] - s[a]) / 1e9, 3) for label, a, b in order if a in s and b in s}


def timed_engine(label: str, call) -> tuple[dict, object]:
    gc.collect()
    meter = Meter()
    load = os.getloadavg()[0]
    with meter.installed():
        meter.stamp("begin")
        t0 = time.perf_counter_ns()
        run = call()
        elapsed = time.perf_counter_ns() - t0
    result = {
        "label": label,
        "seconds": round(elapsed / 1e9, 3),
        "queries": sum(meter.queries.values()),
        "sql_seconds": round(sum(meter.query_ns.values()) / 1e9, 3),
        "seconds_by_phase": meter.phases(elapsed),
        "queries_by_phase": dict(meter.queries),
        "sql_seconds_by_phase": {k: round(v / 1e9, 3) for k, v in meter.query_ns.items()},
        "slowest_queries": [
            {"seconds": round(ns / 1e9, 3), "phase": phase, "sql": sql} for ns, phase, sql in meter.slowest
        ],
        "load_average_1m_before": round(load, 2),
    }
    print(f"  {label}: {result['seconds']:.2f}s, {result['queries']} queries", flush=True)
    return result, run


def delete_runs(framework) -> int:
    """Remove the bench's runs (statements and lines first) with plain SQL: not measured, and quicker than
    the ORM's cascade over a hundred thousand lines."""
    from django.db import connection, transaction

    from homecare.finance.models import PaymentRun, Statement, StatementLine

    runs = list(PaymentRun.objects.filter(framework=framework).values_list("pk", flat=True))
    if not runs:
        return 0
    line, statement, run = (m._meta.db_table for m in (StatementLine, Statement, PaymentRun))
    marks = ", ".join(["%s"] * len(runs))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {line} WHERE statement_id IN "  # noqa: S608 # nosec B608 - table names from model metadata
            f"(SELECT id FROM {statement} WHERE run_id IN ({marks}))",
            runs,
        )
        cursor.execute(f"DELETE FROM {statement} WHERE run_id IN ({marks})", runs)  # noqa: S608 # nosec B608
        cursor.execute(f"DELETE FROM {run} WHERE id IN ({marks})", runs)  # noqa: S608 # nosec B608
    return len(runs)


# --- the baseline -------------------------------------------------------------------------------


def baseline_sql(vendor: str, terms, short_as_engine: bool = False) -> str:
    """One statement, a CTE per step, in whole pennies and whole minutes (integer arithmetic throughout).

    Named parameters (`%(name)s`, bound by `bind`): council, start, end, framework, holidays (a list).
    SQLite and PostgreSQL differ only in the calendar: the first day and the next day of the period
    (`date(day, '+1 day')` against `day + 1`) and the weekend test (`strftime('%w')` against `ISODOW`).
    `short_as_engine` (diagnosis only) tests "implausibly short" as the engine's SQL does, in integer
    division (actual < planned × 50 / 100), instead of as `rules.hold_reasons` does (actual × 100 <
    planned × 50).
    """
    from homecare.brokerage.models import Award, BrokerageCase, Offer, OfferRound
    from homecare.finance.models import HoldResolution
    from homecare.people.models import Package, PackageVersion, Person
    from homecare.providers.models import Lot, RateCard, Zone
    from homecare.visits.models import Visit

    models_ = (Award, BrokerageCase, Offer, OfferRound, HoldResolution, Package, PackageVersion, Person)
    t = {m.__name__: m._meta.db_table for m in (*models_, Lot, RateCard, Zone, Visit)}
    # Payable minutes per carer: the actual minutes rounded to the step (half up), capped at planned +
    # approved extra, at least the minimum (itself capped); on a commissioned basis planned + extra.
    ceiling = "(v.planned_minutes + v.extra_minutes)"
    if terms.basis == "commissioned":
        payable = ceiling
        held = "v.status = 'in_progress' OR (v.status = 'completed' AND v.actual_minutes IS NULL)"
    else:
        step, minimum = max(1, int(terms.rounding_minutes)), int(terms.minimum_minutes)
        rounded = f"((v.actual_minutes * 2 + {step}) / {2 * step} * {step})"
        capped = f"(CASE WHEN {rounded} < {ceiling} THEN {rounded} ELSE {ceiling} END)"
        floor = f"(CASE WHEN {minimum} < {ceiling} THEN {minimum} ELSE {ceiling} END)"
        payable = f"(CASE WHEN {capped} > {floor} THEN {capped} ELSE {floor} END)"
        percent = int(terms.short_visit_percent)
        short = (
            f"v.actual_minutes < v.planned_minutes * {percent} / 100"
            if short_as_engine
            else f"v.actual_minutes * 100 < v.planned_minutes * {percent}"
        )
        held = (
            "v.status = 'in_progress' OR (v.status = 'completed' AND (v.actual_minutes IS NULL"
            f" OR v.verification IN ('', 'out_of_range') OR {short} OR v.clock_flagged))"
        )
    if vendor == "sqlite":
        first_day, next_day = "%(start)s", "date(day, '+1 day')"
        weekend = "CAST(strftime('%%w', day) AS INTEGER) IN (0, 6)"
    else:
        first_day, next_day = "CAST(%(start)s AS DATE)", "day + 1"
        weekend = "EXTRACT(ISODOW FROM day) >= 6"
    return f"""
WITH RECURSIVE days (day) AS (
    SELECT {first_day} UNION ALL SELECT {next_day} FROM days WHERE day < %(end)s
),
calendar AS (
    SELECT day, CASE WHEN day IN (%(holidays)s) THEN 'bank holiday' WHEN {weekend} THEN 'weekend'
                     ELSE 'weekday' END AS day_type
    FROM days
),
run_visits AS NOT MATERIALIZED (  -- the run's visits: its council and period, funding paid by the run
    SELECT v.id, v.provider_id, v.package_id, v.version_id, v.care_type, v.carers_required AS carers,
           v.date, v.status,
           CASE pv.funding WHEN 'nhs_chc' THEN 10000
                           WHEN 'joint' THEN CAST(ROUND(COALESCE(pv.nhs_share_percent, 0) * 100) AS BIGINT)
                           ELSE 0 END AS nhs_bp,
           CASE WHEN {held} THEN 1 ELSE 0 END AS held,
           CASE WHEN v.status = 'completed' AND v.actual_minutes IS NOT NULL THEN {payable} ELSE 0 END
               AS payable
    FROM {t["Visit"]} v JOIN {t["PackageVersion"]} pv ON pv.id = v.version_id
    WHERE v.council_id = %(council)s AND v.date >= %(start)s AND v.date <= %(end)s
      AND v.provider_id IS NOT NULL AND pv.funding IN ('council', 'nhs_chc', 'joint')
),
decision AS MATERIALIZED (  -- the latest decision on each visit of the period a manager has decided
    SELECT visit_id, decision, minutes FROM (
        SELECT r.visit_id, r.decision, r.minutes,
               ROW_NUMBER() OVER (PARTITION BY r.visit_id ORDER BY r.decided_at DESC, r.id DESC) AS latest
        FROM {t["HoldResolution"]} r JOIN {t["Visit"]} v ON v.id = r.visit_id
        WHERE v.council_id = %(council)s AND v.date >= %(start)s AND v.date <= %(end)s
    ) d WHERE latest = 1
),
counted AS (  -- paid: completed and not held; held: one line each; decided: paid the minutes decided
    SELECT rv.provider_id, rv.package_id, rv.version_id, rv.care_type, rv.carers, rv.date, rv.nhs_bp,
           CASE WHEN rv.held = 1 THEN 'held' ELSE 'visits' END AS kind,
           CASE WHEN rv.held = 1 THEN rv.id END AS visit_id,
           CASE WHEN rv.held = 1 THEN 0 ELSE rv.payable END AS minutes
    FROM run_visits rv
    WHERE (rv.held = 1 OR rv.status = 'completed') AND rv.id NOT IN (SELECT visit_id FROM decision)
    UNION ALL
    SELECT rv.provider_id, rv.package_id, rv.version_id, rv.care_type, rv.carers, rv.date, rv.nhs_bp,
           'visits', NULL, COALESCE(d.minutes, 0)
    FROM decision d JOIN run_visits rv ON rv.id = d.visit_id
    WHERE d.decision = 'pay'
),
by_day AS (
    SELECT provider_id, package_id, version_id, care_type, carers, date, nhs_bp, kind, visit_id,
           CAST(SUM(minutes) AS BIGINT) AS minutes, CAST(COUNT(*) AS BIGINT) AS visits
    FROM counted
    GROUP BY provider_id, package_id, version_id, care_type, carers, date, nhs_bp, kind, visit_id
),
package_lot AS MATERIALIZED (  -- the lot of the package's (latest) award on this framework, else the
                               -- framework's homecare lot for the area type of the person's zone
    SELECT p.id AS package_id, z.area_type,
           COALESCE(
               (SELECT o.lot_id
                FROM {t["BrokerageCase"]} c JOIN {t["OfferRound"]} r ON r.case_id = c.id
                JOIN {t["Award"]} a ON a.round_id = r.id JOIN {t["Offer"]} o ON o.id = a.offer_id
                JOIN {t["Lot"]} l ON l.id = o.lot_id AND l.framework_id = %(framework)s
                WHERE c.package_id = p.id ORDER BY a.id DESC LIMIT 1),
               hl.id) AS lot_id
    FROM {t["Package"]} p JOIN {t["Person"]} pe ON pe.id = p.person_id
    JOIN {t["Zone"]} z ON z.id = pe.zone_id
    LEFT JOIN {t["Lot"]} hl
           ON hl.framework_id = %(framework)s AND hl.service = 'homecare' AND hl.area_type = z.area_type
    WHERE pe.council_id = %(council)s
),
cards AS (  -- each rate card, until the next one for its lot, area type and care type takes over
    SELECT id, lot_id, area_type, care_type, effective_from,
           LEAD(effective_from) OVER (PARTITION BY lot_id, area_type, care_type ORDER BY effective_from)
               AS until,
           CAST(ROUND(amount * 100) AS BIGINT) AS amount_p,
           CAST(ROUND(weekend_enhancement_percent * 100) AS BIGINT) AS weekend_bp,
           CAST(ROUND(bank_holiday_enhancement_percent * 100) AS BIGINT) AS holiday_bp
    FROM {t["RateCard"]} WHERE framework_id = %(framework)s
),
day_rates AS MATERIALIZED (  -- the card in force each day and its enhanced rate in pennies, half up
    SELECT c.id AS card_id, c.lot_id, c.area_type, c.care_type, k.day, k.day_type,
           (c.amount_p * (10000 + CASE k.day_type WHEN 'bank holiday' THEN c.holiday_bp
                                                  WHEN 'weekend' THEN c.weekend_bp ELSE 0 END) * 2 + 10000)
               / 20000 AS rate_p
    FROM cards c JOIN calendar k ON k.day >= c.effective_from AND (c.until IS NULL OR k.day < c.until)
),
lines AS (  -- one line per version × care type × carers × rate card × day type (and one per held visit)
    SELECT g.provider_id, g.version_id, g.care_type, g.carers, r.card_id, r.day_type, r.rate_p, g.kind,
           g.visit_id, g.nhs_bp, CAST(SUM(g.minutes) AS BIGINT) AS minutes,
           CAST(SUM(g.visits) AS BIGINT) AS visits, MIN(g.package_id) AS package_id
    FROM by_day g JOIN package_lot pl ON pl.package_id = g.package_id
    JOIN day_rates r ON r.lot_id = pl.lot_id AND r.area_type = pl.area_type AND r.care_type = g.care_type
                    AND r.day = g.date
    GROUP BY g.provider_id, g.version_id, g.care_type, g.carers, r.card_id, r.day_type, r.rate_p, g.kind,
             g.visit_id, g.nhs_bp
),
amounts AS (  -- minutes × rate × carers / 60 to the penny, half up, once per line; sleep-ins per night
    SELECT provider_id, package_id, care_type, carers, card_id, day_type, kind, visit_id, nhs_bp, minutes,
           visits,
           CASE WHEN kind = 'held' THEN 0
                WHEN care_type = 'sleep_in' THEN rate_p * carers * visits
                ELSE (minutes * rate_p * carers * 2 + 60) / 120 END AS amount_p
    FROM lines
)
"""  # noqa: S608 # nosec B608 - names from model metadata, terms from the run (integers), values bound


def bind(sql: str, values: dict) -> tuple[str, list]:
    """`%(name)s` to `%s` with the values in order (a list value becomes one placeholder per item)."""
    params: list = []

    def placeholder(match: re.Match) -> str:
        value = values[match.group(1)]
        if isinstance(value, list):
            params.extend(value)
            return ", ".join(["%s"] * len(value)) if value else "NULL"
        params.append(value)
        return "%s"

    return re.sub(r"%\((\w+)\)s", placeholder, sql), params


BASELINE_TOTALS = """
SELECT provider_id,
       SUM(CASE WHEN kind = 'visits' THEN amount_p ELSE 0 END) AS payable_p,
       SUM(CASE WHEN kind = 'visits' THEN (amount_p * nhs_bp * 2 + 10000) / 20000 ELSE 0 END) AS nhs_p,
       SUM(CASE WHEN kind = 'visits' THEN visits ELSE 0 END) AS visits,
       SUM(CASE WHEN kind = 'held' THEN visits ELSE 0 END) AS held_visits,
       COUNT(*) AS lines
FROM amounts GROUP BY provider_id ORDER BY provider_id
"""

BASELINE_LINES = """
SELECT provider_id, package_id, care_type, carers, card_id, day_type, kind, visit_id, visits, minutes,
       amount_p
FROM amounts
"""


class Baseline:
    def __init__(self, run, short_as_engine: bool = False):
        from django.db import connection

        from homecare.finance import services
        from homecare.platform.calendar import is_bank_holiday

        self.vendor = connection.vendor
        terms = services._terms(run)
        days = [
            run.period_start + dt.timedelta(days=i)
            for i in range((run.period_end - run.period_start).days + 1)
        ]
        self.holidays = [d for d in days if is_bank_holiday(d)]

        def p(d: dt.date):
            return d.isoformat() if self.vendor == "sqlite" else d  # SQLite keeps dates as ISO text

        values = {
            "council": run.council_id,
            "framework": run.framework_id,
            "start": p(run.period_start),
            "end": p(run.period_end),
            "holidays": [p(d) for d in self.holidays],
        }
        self.sql, self.params = bind(baseline_sql(self.vendor, terms, short_as_engine), values)

    def totals(self) -> dict[int, dict]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self.sql + BASELINE_TOTALS, self.params)
            rows = cursor.fetchall()
        return {
            provider: {
                "payable": Decimal(int(payable)) / 100,
                "nhs_recharge": Decimal(int(nhs)) / 100,
                "visits": int(visits),
                "held_visits": int(held),
                "lines": int(lines),
            }
            for provider, payable, nhs, visits, held, lines in rows
        }

    def lines(self) -> list[tuple]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self.sql + BASELINE_LINES, self.params)
            return cursor.fetchall()


def timed_baseline(baseline: Baseline, label: str) -> tuple[dict, dict]:
    gc.collect()
    load = os.getloadavg()[0]
    t0 = time.perf_counter_ns()
    totals = baseline.totals()
    elapsed = time.perf_counter_ns() - t0
    print(f"  {label}: {elapsed / 1e9:.2f}s", flush=True)
    return {
        "label": label,
        "seconds": round(elapsed / 1e9, 3),
        "load_average_1m_before": round(load, 2),
    }, totals


# --- verification -------------------------------------------------------------------------------

FIELDS = ("payable", "nhs_recharge", "held_visits", "visits", "lines")


def engine_totals(run) -> dict[int, dict]:
    from django.db.models import Count

    from homecare.finance.models import Statement

    return {
        s["provider_id"]: {
            "payable": s["payable"],
            "nhs_recharge": s["nhs_recharge"],
            "visits": s["visits"],
            "held_visits": s["held_visits"],
            "lines": s["n"],
        }
        for s in Statement.objects.filter(run=run)
        .order_by()
        .annotate(n=Count("lines"))
        .values("provider_id", "payable", "nhs_recharge", "visits", "held_visits", "n")
    }


def compare(engine: dict[int, dict], baseline: dict[int, dict]) -> dict:
    zero = {
        "payable": Decimal("0.00"),
        "nhs_recharge": Decimal("0.00"),
        "visits": 0,
        "held_visits": 0,
        "lines": 0,
    }
    differences = []
    for provider in sorted(set(engine) | set(baseline)):
        e, b = engine.get(provider, zero), baseline.get(provider, zero)
        for field in FIELDS:
            if Decimal(e[field]) != Decimal(b[field]):
                differences.append(
                    {
                        "provider_id": provider,
                        "field": field,
                        "engine": str(e[field]),
                        "baseline": str(b[field]),
                        "difference": str(Decimal(e[field]) - Decimal(b[field])),
                    }
                )

    def total(rows, field):
        return sum((Decimal(r[field]) for r in rows.values()), Decimal(0))

    return {
        "pass": not differences,
        "providers": len(set(engine) | set(baseline)),
        "totals": {
            field: {"engine": str(total(engine, field)), "baseline": str(total(baseline, field))}
            for field in FIELDS
        },
        "differences": differences[:50],
        "first_difference": differences[0] if differences else None,
    }


def line_digest(run) -> list[tuple]:
    """The run's lines without their ids: a recalculation with nothing changed must give the same."""
    from homecare.finance.models import StatementLine

    return sorted(
        StatementLine.objects.filter(statement__run=run).values_list(
            "statement__provider_id",
            "kind",
            "package_id",
            "visit_id",
            "funding",
            "care_type",
            "carers",
            "rate_card_id",
            "day_type",
            "rate",
            "visits",
            "minutes",
            "nights",
            "amount",
            "council_amount",
            "nhs_amount",
            "hold_reason",
        ),
        key=lambda r: tuple("" if v is None else str(v) for v in r),
    )


def diagnose(run, baseline: Baseline) -> dict:
    """Where the engine and the baseline part: their lines side by side, and the visits behind held lines
    that only one of them has (with what `rules.hold_reasons` says about each)."""
    from homecare.finance import rules, services
    from homecare.finance.models import StatementLine
    from homecare.visits.models import Visit

    def key(provider, package, care_type, carers, card, day_type, kind, visit):
        return (provider, package, care_type, carers, card, day_type, kind, visit)

    mine: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    for (
        provider,
        package,
        care_type,
        carers,
        card,
        day_type,
        kind,
        visit,
        visits,
        minutes,
        amount_p,
    ) in baseline.lines():
        k = key(provider, package, care_type, int(carers), card, day_type, kind, visit)
        mine[k][0] += int(visits)
        mine[k][1] += int(minutes)
        mine[k][2] += int(amount_p)
    theirs: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    for row in StatementLine.objects.filter(statement__run=run).values_list(
        "statement__provider_id",
        "package_id",
        "care_type",
        "carers",
        "rate_card_id",
        "day_type",
        "kind",
        "visit_id",
        "visits",
        "minutes",
        "amount",
    ):
        k = key(*row[:8])
        theirs[k][0] += row[8]
        theirs[k][1] += row[9]
        theirs[k][2] += int(row[10] * 100)
    differing = [k for k in sorted(set(mine) | set(theirs), key=str) if mine.get(k) != theirs.get(k)]
    names = ("provider", "package", "care_type", "carers", "rate_card", "day_type", "kind", "visit")
    lines = [
        {
            **dict(zip(names, k, strict=True)),
            "engine (visits, minutes, pennies)": theirs.get(k),
            "baseline (visits, minutes, pennies)": mine.get(k),
        }
        for k in differing[:20]
    ]
    terms = services._terms(run)
    visit_ids = {k[7] for k in differing if k[7] is not None}
    visits = []
    for v in Visit.objects.filter(pk__in=sorted(visit_ids)[:20]).values(
        "pk", "status", "verification", "planned_minutes", "actual_minutes", "extra_minutes", "clock_flagged"
    ):
        reasons = rules.hold_reasons(
            terms=terms,
            status=v["status"],
            verification=v["verification"],
            planned=v["planned_minutes"],
            actual=v["actual_minutes"],
            clock_flagged=v["clock_flagged"],
        )
        visits.append({**v, "rules.hold_reasons": reasons})
    # The engine's SQL tests "short" in integer division: does that alone explain the difference?
    as_engine = compare(engine_totals(run), Baseline(run, short_as_engine=True).totals())
    return {
        "differing_lines": len(differing),
        "lines": lines,
        "held_visits_in_only_one": visits,
        "baseline_with_engine_short_test_matches": as_engine["pass"],
    }


# --- measuring ----------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict:
    from homecare.accounts.models import User
    from homecare.demo import borough
    from homecare.finance import services
    from homecare.finance.models import PaymentRun, Statement, StatementLine
    from homecare.visits.models import Visit

    framework = live_framework()
    actor = User.objects.select_related("organisation").get(username=borough.FINANCE_USERNAME)
    removed = delete_runs(framework)
    if removed:
        print(f"Removed {removed} run(s) left by an earlier bench run", flush=True)

    def create():
        return services.run_create(actor=actor, framework=framework, period_start=PERIOD_START)

    rounds = args.rounds
    print(f"Measuring: {rounds} × run_create, {rounds} × run_calculate, {2 * rounds} × baseline…", flush=True)
    # The baseline first, once, untimed: it reads the visits into the page cache for everyone.
    probe = PaymentRun(
        council_id=framework.council_id,
        framework=framework,
        period_start=PERIOD_START,
        period_end=period_end(),
        pay_basis=framework.pay_basis,
        rounding_minutes=framework.pay_rounding_minutes,
        minimum_minutes=framework.minimum_charge_minutes,
    )
    baseline = Baseline(probe)
    baseline.totals()
    creates, recalcs, baselines = [], [], []
    base_totals = run = None
    verify_create = None
    for i in range(rounds):
        sample, base_totals = timed_baseline(baseline, f"baseline {len(baselines) + 1}")
        baselines.append(sample)
        if run is not None:
            delete_runs(framework)
        sample, run = timed_engine(f"run_create {i + 1}", create)
        creates.append(sample)
        if verify_create is None:
            verify_create = compare(engine_totals(run), base_totals)
    created_lines = line_digest(run)
    for i in range(rounds):
        sample, base_totals = timed_baseline(baseline, f"baseline {len(baselines) + 1}")
        baselines.append(sample)
        sample, run = timed_engine(
            f"run_calculate {i + 1}", lambda run=run: services.run_calculate(actor=actor, run=run)
        )
        recalcs.append(sample)
    engine = engine_totals(run)
    verify_recalc = compare(engine, base_totals)
    identical = line_digest(run) == created_lines
    rows = {
        "visits_in_table": Visit.objects.count(),
        "visits_in_period": Visit.objects.filter(
            council_id=run.council_id, date__gte=run.period_start, date__lte=run.period_end
        ).count(),
        "visits_in_run": services.run_visits(run).count(),
        "visits_paid": sum(e["visits"] for e in engine.values()),
        "held_visits": sum(e["held_visits"] for e in engine.values()),
        "lines": StatementLine.objects.filter(statement__run=run).count(),
        "statements": Statement.objects.filter(run=run).count(),
    }
    profile = profile_recalculation(actor, run) if args.profile else None
    diagnosis = None
    if not (verify_create["pass"] and verify_recalc["pass"]):
        print("Totals differ: comparing line by line…", flush=True)
        diagnosis = diagnose(run, baseline)

    def stats(samples):
        seconds = [s["seconds"] for s in samples]
        return {
            "median_s": round(statistics.median(seconds), 3),
            "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3),
            "n": len(seconds),
        }

    create_s, recalc_s, base_s = stats(creates), stats(recalcs), stats(baselines)
    ratios = {
        "create_median_over_baseline_median": ratio(create_s["median_s"], base_s["median_s"]),
        "recalc_median_over_baseline_median": ratio(recalc_s["median_s"], base_s["median_s"]),
        "create_min_over_baseline_min": ratio(create_s["min_s"], base_s["min_s"]),
        "recalc_min_over_baseline_min": ratio(recalc_s["min_s"], base_s["min_s"]),
    }
    return {
        "period": {
            "start": PERIOD_START.isoformat(),
            "end": period_end().isoformat(),
            "bank_holidays": [d.isoformat() for d in baseline.holidays],
        },
        "terms": {
            "pay_basis": run.pay_basis,
            "rounding_minutes": run.rounding_minutes,
            "minimum_minutes": run.minimum_minutes,
        },
        "rate_cards": rate_cards_in_force(framework),
        "rows": rows,
        "run_create": {**create_s, "samples": creates},
        "run_calculate": {**recalc_s, "samples": recalcs},
        "baseline": {
            **base_s,
            "samples": baselines,
            "vendor": baseline.vendor,
            "sql": baseline.sql + BASELINE_TOTALS,
        },
        "ratios": ratios,
        "target": {
            "max_ratio": TARGET_RATIO,
            "create_pass": (ratios["create_median_over_baseline_median"] or 0) <= TARGET_RATIO,
            "recalc_pass": (ratios["recalc_median_over_baseline_median"] or 0) <= TARGET_RATIO,
        },
        "verification": {
            "pass": verify_create["pass"] and verify_recalc["pass"] and identical,
            "after_create": verify_create,
            "after_recalculation": verify_recalc,
            "recalculation_identical_lines": identical,
            "diagnosis": diagnosis,
        },
        "profile_recalculation": profile,
    }


def rate_cards_in_force(framework) -> list[dict]:
    """The framework's rate cards in force at the start of the period and those taking effect in it."""
    from homecare.providers.models import RateCard

    cards = list(
        RateCard.objects.filter(framework=framework, effective_from__lte=period_end())
        .select_related("lot")
        .order_by("lot_id", "area_type", "care_type", "effective_from")
    )
    at_start: dict[tuple, int] = {}
    for c in cards:
        if c.effective_from <= PERIOD_START:
            at_start[(c.lot_id, c.area_type, c.care_type)] = c.pk
    return [
        {
            "lot": c.lot.name,
            "area_type": c.area_type,
            "care_type": c.care_type,
            "amount": str(c.amount),
            "effective_from": c.effective_from.isoformat(),
            "weekend_percent": str(c.weekend_enhancement_percent),
            "bank_holiday_percent": str(c.bank_holiday_enhancement_percent),
        }
        for c in cards
        if c.pk in at_start.values() or c.effective_from > PERIOD_START
    ]


def profile_recalculation(actor, run, top: int = 25) -> dict:
    """One more recalculation under cProfile (not timed): the functions with the most time of their own,
    and the engine's and Django's biggest by cumulative time."""
    from homecare.finance import services

    print("  profiling one more run_calculate…", flush=True)
    profiler = cProfile.Profile()
    profiler.enable()
    services.run_calculate(actor=actor, run=run)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({func})",
                "calls": calls,
                "own_s": round(own, 3),
                "cumulative_s": round(cumulative, 3),
            }
        )
    total = max(r["cumulative_s"] for r in rows)
    own = sorted(rows, key=lambda r: r["own_s"], reverse=True)[:top]
    cumulative = sorted(
        (r for r in rows if "finance/" in r["function"] or "django/db/models" in r["function"]),
        key=lambda r: r["cumulative_s"],
        reverse=True,
    )[:top]
    return {"total_s": total, "by_own_time": own, "by_cumulative_time": cumulative}


def _short(filename: str) -> str:
    for marker_ in ("site-packages/", "/homecare/", "lib/python"):
        if marker_ in filename:
            return filename.split(marker_, 1)[1]
    return filename


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    configure(args)
    started = time.perf_counter()
    load_start = os.getloadavg()
    seeding = prepare_database(args)
    measured = measure(args)
    now = dt.datetime.now(tz=dt.UTC)
    result = {
        "benchmark": NAME,
        "measured_at": now.isoformat(timespec="seconds"),
        "database": database_info(),
        "sizes": asdict(args.sizes),
        "seed": args.seed,
        "rounds": args.rounds,
        "seeding": seeding,
        **measured,
        "load_average": {
            "at_start": [round(x, 2) for x in load_start],
            "at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "run_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "git": git_commit(),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (RESULTS_DIR / f"{NAME}.json").write_text(text + "\n")
    (RESULTS_DIR / f"{NAME}-{now:%Y%m%dT%H%M%SZ}.json").write_text(text + "\n")
    print_summary(result)
    if not result["verification"]["pass"]:
        v = result["verification"]
        first = v["after_create"]["first_difference"] or v["after_recalculation"]["first_difference"]
        if first:
            raise SystemExit(
                f"FAIL: the payment run's totals differ from the baseline: provider {first['provider_id']} "
                f"{first['field']} engine {first['engine']} vs baseline {first['baseline']} "
                f"(difference {first['difference']}); see verification in {RESULTS_DIR / (NAME + '.json')}"
            )
        raise SystemExit("FAIL: recalculating the draft with nothing changed gave different lines")
    return result


def print_summary(r: dict) -> None:
    db, rows = r["database"], r["rows"]
    print(
        f"\nPayment run on {db['vendor']} {db['version']}: {r['period']['start']} to {r['period']['end']} "
        f"({r['run_seconds']}s)"
    )
    print(
        f"Rows: {rows['visits_in_period']:,} visits in the period ({rows['visits_in_table']:,} in the table, "
        f"{rows['visits_in_run']:,} of paid funding), {rows['visits_paid']:,} paid, "
        f"{rows['held_visits']:,} held; "
        f"{rows['lines']:,} lines, {rows['statements']} statements"
    )
    seeding = r["seeding"]
    if seeding["seeded_this_run"]:
        print(
            f"Seeding: {seeding['seed_seconds']}s (borough {seeding['borough_seconds']}s, "
            f"visits and the rest "
            f"{seeding['visits_seconds']}s, ANALYZE {seeding['analyze_seconds']}s)"
        )
    print(f"{'':<18}{'median s':>10}{'min s':>10}{'max s':>10}{'× baseline':>12}")
    ratios = r["ratios"]
    for label, row, x in (
        ("run_create", r["run_create"], ratios["create_median_over_baseline_median"]),
        ("run_calculate", r["run_calculate"], ratios["recalc_median_over_baseline_median"]),
        ("baseline SQL", r["baseline"], None),
    ):
        print(
            f"{label:<18}{row['median_s']:>10.2f}{row['min_s']:>10.2f}{row['max_s']:>10.2f}"
            f"{'' if x is None else f'{x:.2f}':>12}"
        )
    t = r["target"]
    print(
        f"Target ≤ {t['max_ratio']:.0f}× the baseline: create {'PASS' if t['create_pass'] else 'FAIL'}, "
        f"recalculation {'PASS' if t['recalc_pass'] else 'FAIL'}"
    )
    last = r["run_calculate"]["samples"][-1]
    first = r["run_create"]["samples"][-1]
    print(f"Queries: create {first['queries']}, recalculation {last['queries']}")
    print("Where a recalculation's time goes (seconds; SQL part in brackets):")
    for phase, seconds in last["seconds_by_phase"].items():
        sql = last["sql_seconds_by_phase"].get(phase)
        print(
            f"  {phase:<52}{seconds:>8.2f}"
            + (f"  ({sql:.2f} in {last['queries_by_phase'][phase]} queries)" if sql is not None else "")
        )
    if r["profile_recalculation"]:
        print("Most time of their own (cProfile of one recalculation):")
        for row in r["profile_recalculation"]["by_own_time"][:8]:
            print(f"  {row['own_s']:>7.2f}s  {row['calls']:>9,}  {row['function']}")
    v = r["verification"]
    totals = v["after_recalculation"]["totals"]
    print(
        f"Totals: engine payable £{totals['payable']['engine']}, NHS £{totals['nhs_recharge']['engine']}, "
        f"held {totals['held_visits']['engine']}; baseline £{totals['payable']['baseline']}, "
        f"NHS £{totals['nhs_recharge']['baseline']}, held {totals['held_visits']['baseline']}"
    )
    print(
        f"Verification: {'PASS' if v['pass'] else 'FAIL'} (after create "
        f"{'PASS' if v['after_create']['pass'] else 'FAIL'}, after recalculation "
        f"{'PASS' if v['after_recalculation']['pass'] else 'FAIL'}, recalculation identical: "
        f"{v['recalculation_identical_lines']})"
    )
    if v["diagnosis"]:
        d = v["diagnosis"]
        print(f"  {d['differing_lines']:,} lines differ; first: {json.dumps(d['lines'][:2], default=str)}")
        for visit in d["held_visits_in_only_one"][:5]:
            print(f"  visit {json.dumps(visit, default=str)}")
        matches = d["baseline_with_engine_short_test_matches"]
        print(
            "  With the engine's integer-division test for 'short' (actual < planned * 50 / 100) the "
            f"baseline {'matches the engine exactly' if matches else 'still differs'}"
        )
    print(f"Written to {RESULTS_DIR / (NAME + '.json')}")


if __name__ == "__main__":
    main()
