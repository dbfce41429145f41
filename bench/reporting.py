"""Reporting benchmark: the committee KPI table from stored aggregates, against computing the same figures
straight from the visit rows in the same run.

The figure (reporting issue): "Dashboards and the KPI table for a 10,000-person borough with 12 months of
visits (about 6 million): server time under 1 second, using aggregates refreshed by a background job;
compare with computing the same figures directly from visit rows in the same run, and prove both give
identical numbers."

- Fixture: the demo borough (`build_borough`, call monitoring off) and 12 London months of visits for
  every package with a provider, written in bulk (one visit per pattern row per day; budget-of-hours
  packages get calls spread over the day), about 1.6 a person a day. Past visits are completed (some late,
  some short), missed or cancelled; completed visits get care-worker assignments from a small pool per
  person, so continuity has something to measure.
- Refresh: `reporting.services.aggregates_refresh` (the nightly job) for the council, timed.
- App: `GET /performance/` as the analyst through Django's test client (aggregates), median of rounds.
- Baseline: `GET /performance/?source=direct` (every KPI computed from the rows in the request).
- Verification: `committee_table` from the aggregates and computed directly at the same moment must give
  identical figures for the council, the NHS partner's share and every provider; any difference is a
  bug: the bench prints it and exits non-zero.

Run with `python -m bench.reporting` (`--people 1500` for a quicker run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecare.config.settings.bench")

import django  # noqa: E402 - the settings module must be chosen first
from django.conf import settings  # noqa: E402

from bench.run import RESULTS_DIR, database_info, git_commit, machine, ratio  # noqa: E402

NAME = "reporting"
FIXTURE_VERSION = 1
TARGET_SECONDS = 1.0
MONTHS = 12
WORKERS_PER_PROVIDER = 40
BUDGET_TIMES = (dt.time(8, 30), dt.time(12, 30), dt.time(17, 30), dt.time(20, 30))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reporting", description=__doc__)
    parser.add_argument("--people", type=int, default=10_000, help="people in the borough (default 10,000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=5, help="timed requests per path (median reported)")
    parser.add_argument("--rebuild", action="store_true", help="throw the bench database away and reseed")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> None:
    if "DATABASE_URL" not in os.environ:
        settings.DATABASES["default"]["NAME"] = str(
            Path(settings.VAR_DIR) / f"bench-reporting-{args.people}.sqlite3"
        )
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{settings.DATABASES['default']['NAME']}{suffix}").unlink(missing_ok=True)
    django.setup()


def marker(args) -> str:
    return f"RBENCH{FIXTURE_VERSION}-{args.seed}-{args.people}"


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if connection.vendor == "sqlite":
        connection.close()


def prepare(args) -> dict:
    from django.core.management import call_command

    from homecare.accounts.models import Organisation
    from homecare.providers.models import Zone

    call_command("migrate", interactive=False, verbosity=0)
    reference = marker(args)
    info = {"fixture": reference, "seeded_this_run": False}
    if args.rebuild or not Zone.objects.filter(code=reference[:10], name=reference).exists():
        if Organisation.objects.exists():
            print("The bench database holds another fixture: emptying it", flush=True)
            call_command("flush", interactive=False, verbosity=0)
        t0 = time.perf_counter()
        info |= seed(args, reference)
        analyze()
        info |= {"seeded_this_run": True, "seed_seconds": round(time.perf_counter() - t0, 1)}
    else:
        print(f"Reusing the bench database ({reference})", flush=True)
    from homecare.visits.models import Visit

    info["visits"] = Visit.objects.count()
    return info


def seed(args, reference: str) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from homecare.accounts.models import Organisation, Role, User
    from homecare.demo.borough import build_borough
    from homecare.demo.borough.vocabulary import COUNCIL_NAME
    from homecare.people.models import PackageVersion, VersionStatus, VisitPattern
    from homecare.providers.models import Zone
    from homecare.visits.models import Visit, VisitAssignment

    print(f"Seeding the demo borough ({args.people:,} people)…", flush=True)
    t0 = time.perf_counter()
    build_borough(seed=args.seed, people=args.people, call_monitoring=False)
    borough_seconds = round(time.perf_counter() - t0, 1)
    council = Organisation.objects.get(name=COUNCIL_NAME, type="council")
    rng = random.Random(f"reporting-{args.seed}")
    password = make_password(None)
    versions = list(
        PackageVersion.objects.filter(
            package__person__council=council, package__provider__isnull=False, status=VersionStatus.CONFIRMED
        )
        .order_by("package_id", "number")
        .values("id", "package_id", "package__person_id", "package__provider_id", "weekly_budget_hours")
    )
    latest = {v["package_id"]: v for v in versions}  # the latest confirmed version runs all year
    patterns: dict[int, list] = {}
    for row in VisitPattern.objects.filter(version_id__in=[v["id"] for v in latest.values()]).values(
        "id", "version_id", "days", "preferred_start", "duration_minutes", "carers_required", "care_type"
    ):
        patterns.setdefault(row["version_id"], []).append(row)
    providers = sorted({v["package__provider_id"] for v in latest.values()})
    workers: dict[int, list[int]] = {}
    with transaction.atomic():
        for provider_id in providers:
            made = User.objects.bulk_create(
                User(
                    username=f"rb-{provider_id}-{i}",
                    password=password,
                    organisation_id=provider_id,
                    role=Role.CARE_WORKER,
                )
                for i in range(WORKERS_PER_PROVIDER)
            )
            workers[provider_id] = [u.pk for u in made]
    today = dt.date.today()  # noqa: DTZ011 - a calendar day for the synthetic data only
    first = dt.date(today.year - (today.month < MONTHS), (today.month - MONTHS) % 12 + 1, 1)
    t1 = time.perf_counter()
    total = 0
    day = first
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    now = dt.datetime.now(dt.UTC)
    people_pool: dict[int, list[int]] = {}
    while day <= today:
        visits, plans = [], []
        for v in latest.values():
            provider = v["package__provider_id"]
            pool = people_pool.setdefault(v["package_id"], rng.sample(workers[provider], 4))
            rows = patterns.get(v["id"])
            if rows:
                calls = [
                    (
                        r["id"],
                        r["preferred_start"],
                        r["duration_minutes"],
                        r["carers_required"],
                        r["care_type"],
                    )
                    for r in rows
                    if r["days"] & (1 << day.weekday())
                ]
            else:
                n = max(1, min(4, round(float(v["weekly_budget_hours"] or 7) * 60 / 7 / 45)))
                calls = [(None, t, 45, 1, "day") for t in BUDGET_TIMES[:n]]
            for pattern_id, at, minutes, carers, care_type in calls:
                start = dt.datetime.combine(day, at, tzinfo=london).astimezone(dt.UTC)
                fields = {}
                roll = rng.random()
                if start > now:
                    status = "planned"
                elif roll < 0.012:
                    status = "missed"
                elif roll < 0.03:
                    status = "cancelled"
                else:
                    status = "completed"
                    late = rng.random() < 0.07
                    actual_start = start + dt.timedelta(
                        minutes=rng.randint(31, 90) if late else rng.randint(-10, 25)
                    )
                    length = max(5, minutes + rng.randint(-12, 6))
                    fields = {
                        "actual_start": actual_start,
                        "actual_end": actual_start + dt.timedelta(minutes=length),
                        "actual_minutes": length,
                        "verification": "geolocation",
                    }
                visits.append(
                    Visit(
                        package_id=v["package_id"],
                        version_id=v["id"],
                        pattern_id=pattern_id,
                        person_id=v["package__person_id"],
                        council_id=council.pk,
                        provider_id=provider,
                        date=day,
                        planned_start=start,
                        planned_minutes=minutes,
                        carers_required=carers,
                        care_type=care_type,
                        late_at=start + dt.timedelta(minutes=30),
                        status=status,
                        **fields,
                    )
                )
                plans.append((carers, pool))
        with transaction.atomic():
            Visit.objects.bulk_create(visits, batch_size=2000)
            assignments = []
            for visit, (carers, pool) in zip(visits, plans, strict=True):
                if visit.status != "completed":
                    continue
                # Mostly the person's regular four, sometimes cover from the provider's pool.
                chosen = (
                    rng.sample(pool, carers)
                    if rng.random() < 0.8
                    else rng.sample(workers[visit.provider_id], carers)
                )
                assignments.extend(
                    VisitAssignment(
                        visit_id=visit.pk,
                        slot=slot,
                        care_worker_id=w,
                        assigned_by_id=w,
                        assigned_at=visit.planned_start - dt.timedelta(days=1),
                    )
                    for slot, w in enumerate(chosen, start=1)
                )
            VisitAssignment.objects.bulk_create(assignments, batch_size=2000)
        total += len(visits)
        if day.day == 1:
            print(f"  {day:%b %Y}: {total:,} visits so far ({time.perf_counter() - t1:.0f}s)", flush=True)
        day += dt.timedelta(days=1)
    Zone.objects.create(council=council, code=reference[:10], name=reference, area_type="urban")
    return {
        "borough_seconds": borough_seconds,
        "visits_seconds": round(time.perf_counter() - t1, 1),
        "visits_written": total,
    }


def signed_in(client, user) -> None:
    """Sign in with the second factor given, as every staff session must (the demo's authenticator)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Bench authenticator", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def timed(fn, rounds: int) -> dict:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return {
        "median_s": round(statistics.median(samples), 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
        "rounds": rounds,
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    configure(args)
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from homecare.accounts.models import Organisation, User
    from homecare.demo.borough.vocabulary import ANALYST_USERNAME, COUNCIL_NAME
    from homecare.reporting import selectors, services
    from homecare.reporting.models import MonthlyVisitAggregate
    from homecare.reporting.periods import Month
    from homecare.reporting.populations import council_population, nhs_population, provider_population

    fixture = prepare(args)
    council = Organisation.objects.get(name=COUNCIL_NAME, type="council")
    print(f"{fixture['visits']:,} visits. Refreshing the aggregates…", flush=True)
    now = timezone.now()
    t0 = time.perf_counter()
    refresh = services.aggregates_refresh(council=council, now=now)
    refresh_seconds = round(time.perf_counter() - t0, 2)
    print(
        f"Refreshed in {refresh_seconds}s: {refresh.visit_rows} aggregate rows, "
        f"{refresh.kpi_values} KPI values"
    )

    # Identical numbers, for every population the refresh stored.
    months = selectors.months_ending(Month.containing(now))
    providers = Organisation.objects.filter(
        pk__in=MonthlyVisitAggregate.objects.filter(council=council).values("provider_id")
    ).order_by("pk")
    populations = [
        council_population(council),
        nhs_population(council),
        *(provider_population(council, p) for p in providers),
    ]
    mismatches = []
    t0 = time.perf_counter()
    for population in populations:
        stored = selectors.committee_table(population=population, months=months).figures()
        direct = selectors.committee_table(
            population=population, months=months, source="direct", now=now
        ).figures()
        mismatches += [
            {
                "population": population.key,
                "kpi": k[0],
                "month": k[1],
                "stored": str(stored[k]),
                "direct": str(direct.get(k)),
            }
            for k in stored
            if stored[k] != direct.get(k)
        ]
    verify_seconds = round(time.perf_counter() - t0, 2)
    values_compared = (
        len(populations)
        * len(months)
        * len(selectors.committee_table(population=council_population(council), months=months).rows)
    )

    analyst = User.objects.get(username=ANALYST_USERNAME)
    client = Client()
    signed_in(client, analyst)
    url = reverse("reporting:kpis")

    def get(params):
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

    get({})  # warm up
    app = timed(lambda: get({}), args.rounds)
    baseline = timed(lambda: get({"source": "direct"}), max(1, min(args.rounds, 3)))
    result = {
        "name": NAME,
        "figure": "KPI table server time with aggregates vs computing directly from visit rows",
        "people": args.people,
        "fixture": fixture,
        "refresh_seconds": refresh_seconds,
        "refresh": refresh.__dict__,
        "app_aggregates": app,
        "baseline_direct": baseline,
        "ratio_direct_over_aggregates": ratio(baseline["median_s"], app["median_s"]),
        "target_seconds": TARGET_SECONDS,
        "within_target": app["median_s"] < TARGET_SECONDS,
        "identical": not mismatches,
        "populations_compared": len(populations),
        "values_compared": values_compared,
        "verify_seconds": verify_seconds,
        "mismatches": mismatches[:50],
        "machine": machine(),
        "database": database_info(),
        "git": git_commit(),
        "taken_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (RESULTS_DIR / f"{NAME}.json").write_text(text)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS_DIR / f"{NAME}-{stamp}.json").write_text(text)
    print(
        f"KPI table: {app['median_s'] * 1000:.0f} ms with aggregates (target < {TARGET_SECONDS:.0f} s), "
        f"{baseline['median_s'] * 1000:.0f} ms computed directly "
        f"({result['ratio_direct_over_aggregates']}×). "
        f"Refresh job {refresh_seconds}s. Identical: {result['identical']} "
        f"({values_compared} values over {len(populations)} populations)."
    )
    if mismatches:
        print("MISMATCHES:", json.dumps(mismatches[:10], indent=2), file=sys.stderr)
        sys.exit(1)
    return result


if __name__ == "__main__":
    main()
