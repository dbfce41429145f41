"""People search benchmark: the whole request through Django against a bare indexed SQL query.

Run with `make bench` (100,000 people) or `make bench BENCH_ARGS=--quick` (5,000, a smoke test).
See bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecare.config.settings.bench")

import django  # noqa: E402 - the settings module must be chosen first
from django.conf import settings  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
NAME = "people_search"
FULL_PEOPLE = 100_000
QUICK_PEOPLE = 5_000
PAGE_SIZE = 25
KINDS = ("family_prefix", "full_name", "nhs_number", "postcode", "case_reference")
# Kinds where one known person must be on the first page of results (a fast wrong answer is no answer).
EXACT_KINDS = ("nhs_number", "postcode", "case_reference")

# The baseline: what the database alone needs for the same question, through the same indexes.
_COLUMNS = "SELECT id, given_name, family_name, date_of_birth, postcode FROM people_person"
_ORDER = "ORDER BY family_name, given_name, id LIMIT 25"
BASELINE_SQL = {
    "family_prefix": (
        f"{_COLUMNS} WHERE council_id = %s AND search_family_name >= %s AND search_family_name < %s {_ORDER}"
    ),
    "full_name": (
        f"{_COLUMNS} WHERE council_id = %s AND search_family_name >= %s AND search_family_name < %s "
        f"AND search_given_name >= %s AND search_given_name < %s {_ORDER}"
    ),
    "nhs_number": f"{_COLUMNS} WHERE council_id = %s AND nhs_number = %s {_ORDER}",
    "postcode": f"{_COLUMNS} WHERE council_id = %s AND search_postcode = %s {_ORDER}",
    "case_reference": f"{_COLUMNS} WHERE council_id = %s AND case_reference = %s {_ORDER}",
}


@dataclass(frozen=True)
class Query:
    kind: str
    text: str  # what a user types in the search box
    params: tuple  # the baseline query's parameters, after the council id
    case_reference: str  # the person it was drawn from


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--people", type=int, default=FULL_PEOPLE, help="people in the bench database")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK_PEOPLE:,} people")
    parser.add_argument("--rebuild", action="store_true", help="throw the bench database away and reseed")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the borough and the query set")
    parser.add_argument("--queries", type=int, default=200, help="how many queries in the mixed set")
    parser.add_argument("--rounds", type=int, default=3, help="measured passes over the query set")
    stats = parser.add_mutually_exclusive_group()
    stats.add_argument(
        "--analyze",
        dest="analyze",
        action="store_true",
        default=True,
        help="give the query planner statistics, as seed_demo and PostgreSQL's autovacuum do (default)",
    )
    stats.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="no planner statistics: on SQLite, clear them first for a worst-case look",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.people = QUICK_PEOPLE
    return args


def _sqlite_file() -> Path | None:
    db = settings.DATABASES["default"]
    return Path(db["NAME"]) if db["ENGINE"].endswith("sqlite3") else None


def configure(args: argparse.Namespace) -> None:
    """Quick runs get their own SQLite file, so they never throw away the full-size bench database."""
    if "DATABASE_URL" not in os.environ and args.quick:
        settings.DATABASES["default"]["NAME"] = str(Path(settings.VAR_DIR) / "bench-quick.sqlite3")
    path = _sqlite_file()
    if args.rebuild and path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    django.setup()


def prepare_database(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    from homecare.demo import borough
    from homecare.people.models import Person

    call_command("migrate", interactive=False, verbosity=0)
    have = Person.objects.count()
    info = {"seeded_this_run": False, "seed_seconds": None}
    if have != args.people or args.rebuild:
        if have:
            print(f"Bench database has {have:,} people, not {args.people:,}: emptying it")
            call_command("flush", interactive=False, verbosity=0)
        print(f"Seeding {args.people:,} people (seed {args.seed})…", flush=True)
        summary = borough.build_borough(
            seed=args.seed, people=args.people, stdout=sys.stdout, call_monitoring=False
        )
        print(summary.describe(), flush=True)
        info.update(seeded_this_run=True, seed_seconds=round(summary.seconds, 2))
    else:
        print(f"Reusing the bench database: {have:,} people")
    info["planner_statistics"] = planner_statistics(args.analyze)
    return info


def planner_statistics(analyze: bool) -> bool:
    """Run ANALYZE (the default), or with --no-analyze forget SQLite's statistics for a worst case.

    The service always has statistics: seed_demo runs ANALYZE once it has loaded the borough, and in
    production PostgreSQL's autovacuum analyses tables as they change. Analysing here as well covers a
    bench database seeded before that, or reused after a run with --no-analyze. PostgreSQL keeps the
    statistics it has (clearing them needs a superuser), so there --no-analyze only skips the ANALYZE.
    Returns whether the planner has statistics for people.
    """
    from django.db import connection

    has_statistics = analyze
    with connection.cursor() as cursor:
        if analyze:
            cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sqlite_stat%'")
            for (table,) in cursor.fetchall():
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 # nosec B608 - names read from sqlite_master
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'people_person')")
            has_statistics = bool(cursor.fetchone()[0])
    if connection.vendor == "sqlite":
        connection.close()  # SQLite reads its statistics when a connection loads the schema
    return has_statistics


def draw_queries(*, seed: int, count: int) -> list[Query]:
    """A fixed mix of what staff type: family-name starts, full names, NHS numbers, postcodes, references."""
    from homecare.people import rules
    from homecare.people.models import Person

    rng = random.Random(seed)
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    picks = rng.sample(ids, min(len(ids), count))
    people = Person.objects.in_bulk(picks)
    queries = []
    for n, pk in enumerate(picks):
        p = people[pk]
        kind = KINDS[n % len(KINDS)]
        if kind == "family_prefix":
            text = p.family_name[: rng.randint(3, 5)]
            key = rules.search_key(text)
            params = (key, rules.prefix_upper_bound(key))
        elif kind == "full_name":
            text = f"{p.given_name} {p.family_name}"
            family, given = p.search_family_name, p.search_given_name
            params = (family, rules.prefix_upper_bound(family), given, rules.prefix_upper_bound(given))
        elif kind == "nhs_number":
            text = f"{p.nhs_number[:3]} {p.nhs_number[3:6]} {p.nhs_number[6:]}"
            params = (p.nhs_number,)
        elif kind == "postcode":
            text, params = p.postcode, (p.search_postcode,)
        else:
            text, params = p.case_reference, (p.case_reference,)
        queries.append(Query(kind, text, params, p.case_reference))
    return queries


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(samples_ns: list[int]) -> dict:
    ms = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "max_ms": round(ms[-1], 3),
    }


def by_kind(samples: list[tuple[str, int]]) -> dict:
    result = {kind: summarise([ns for k, ns in samples if k == kind]) for kind in KINDS}
    result["overall"] = summarise([ns for _, ns in samples])
    return result


def measure_app(queries: list[Query], *, rounds: int, seed: int, client) -> tuple[list, dict]:
    from django.utils.html import escape

    def get(q: Query):
        response = client.get("/people/", {"q": q.text})
        if response.status_code != 200:
            raise SystemExit(f"GET /people/?q={q.text} answered {response.status_code}")
        return response

    for q in queries:  # warm up: templates, URL resolver, database cache
        get(q)
    samples: list[tuple[str, int]] = []
    found = dict.fromkeys(KINDS, 0)
    order = list(queries)
    rng = random.Random(seed + 1)
    for _ in range(rounds):
        rng.shuffle(order)
        for q in order:
            started = time.perf_counter_ns()
            response = get(q)
            samples.append((q.kind, time.perf_counter_ns() - started))
            if escape(q.case_reference) in response.content.decode():
                found[q.kind] += 1
    per_kind = {k: sum(1 for q in queries if q.kind == k) * rounds for k in KINDS}
    found_rate = {k: round(found[k] / per_kind[k], 3) if per_kind[k] else None for k in KINDS}
    return samples, found_rate


def measure_baseline(queries: list[Query], *, rounds: int, seed: int, council_id: int) -> list:
    from django.db import connection

    samples: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        for q in queries:  # warm up
            cursor.execute(BASELINE_SQL[q.kind], (council_id, *q.params))
            cursor.fetchall()
        order = list(queries)
        rng = random.Random(seed + 1)
        for _ in range(rounds):
            rng.shuffle(order)
            for q in order:
                started = time.perf_counter_ns()
                cursor.execute(BASELINE_SQL[q.kind], (council_id, *q.params))
                cursor.fetchall()
                samples.append((q.kind, time.perf_counter_ns() - started))
    return samples


SEARCH_KEYS = ("search_family_name", "search_given_name")


def read_plan(plan: str) -> dict:
    """Whether an EXPLAIN (QUERY PLAN) reaches people through an index on the search keys."""
    lines = plan.splitlines()
    if "QUERY PLAN" in plan or any(" USING " in line or "SCAN " in line for line in lines):  # SQLite
        person = [line for line in lines if "people_person" in line]
        uses_search_index = any("USING" in line and any(k in line for k in SEARCH_KEYS) for line in person)
        full_scan = any(
            line.rstrip().endswith("SCAN people_person")
            or ("USING" in line and not any(k in line for k in SEARCH_KEYS))
            for line in person
            if "SCAN people_person" in line or "SEARCH people_person" in line
        )
    else:  # PostgreSQL
        index_conds = [line for line in lines if "Index Cond" in line]
        uses_search_index = any(any(k in line for k in SEARCH_KEYS) for line in index_conds)
        full_scan = "Seq Scan on people_person" in plan
    return {"plan": plan, "uses_search_index": uses_search_index, "full_scan": full_scan}


def explain_name_search(user, prefix: str, client) -> dict:
    """The plans for what the view asks for a family-name prefix, and whether they use an index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from homecare.people import selectors

    with CaptureQueriesContext(connection) as captured:
        client.get("/people/", {"q": prefix})
    results = selectors.people_search(user=user, query=prefix)
    sql, params = results[:PAGE_SIZE].query.sql_with_params()
    plans = {
        "page": results[:PAGE_SIZE].explain(),
        # The paginator's COUNT(*): the same filter, no join, no ordering.
        "count": results.order_by().values("pk").explain(),
    }
    analysed = {name: read_plan(plan) for name, plan in plans.items()}
    return {
        "query": prefix,
        # str(query) leaves parameters unquoted; keep them apart so the SQL can be pasted and run.
        "sql": sql,
        "params": [str(p) for p in params],
        "plans": analysed,
        # True only when every plan finds rows through an index on the search keys: an index on
        # council_id alone visits every person in the council, which is a full scan in all but name.
        "uses_index": all(p["uses_search_index"] and not p["full_scan"] for p in analysed.values()),
        "queries_per_request": len(captured.captured_queries),
        "request_sql": [q["sql"] for q in captured.captured_queries],
    }


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }


def git_commit() -> dict:
    git = shutil.which("git")
    if git is None:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(  # noqa: S603 - fixed arguments, read-only
            [git, "rev-parse", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603 - fixed arguments, read-only
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(dirty)}


def database_info() -> dict:
    import sqlite3

    from django.db import connection

    info = {"vendor": connection.vendor}
    if connection.vendor == "sqlite":
        info["version"] = sqlite3.sqlite_version
        info["file"] = str(_sqlite_file())
    else:
        connection.ensure_connection()
        info["version"] = getattr(connection, "pg_version", None)
        info["name"] = settings.DATABASES["default"].get("NAME")
    return info


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    configure(args)

    from django.test import Client

    from homecare.accounts.models import User
    from homecare.demo import borough
    from homecare.people.models import Person

    seeding = prepare_database(args)
    people = Person.objects.count()
    user = User.objects.select_related("organisation").get(username=borough.PRACTITIONER_USERNAME)
    client = Client()
    client.force_login(user)
    queries = draw_queries(seed=args.seed, count=args.queries)
    print(f"Measuring {len(queries)} queries × {args.rounds} rounds against {people:,} people…", flush=True)

    app_samples, found_rate = measure_app(queries, rounds=args.rounds, seed=args.seed, client=client)
    base_samples = measure_baseline(
        queries, rounds=args.rounds, seed=args.seed, council_id=user.organisation_id
    )
    app, baseline = by_kind(app_samples), by_kind(base_samples)
    prefix = next(q.text for q in queries if q.kind == "family_prefix")
    explain = explain_name_search(user, prefix, client)

    now = dt.datetime.now(tz=dt.UTC)
    result = {
        "benchmark": NAME,
        "measured_at": now.isoformat(timespec="seconds"),
        "database": database_info(),
        "people": people,
        "query_count": len(queries),
        "rounds": args.rounds,
        "seed": args.seed,
        "seeding": seeding,
        "queries_by_kind": {k: sum(1 for q in queries if q.kind == k) for k in KINDS},
        "app": app,
        "baseline": baseline,
        "ratios": {
            "app_p50_over_baseline_p50": ratio(app["overall"]["p50_ms"], baseline["overall"]["p50_ms"]),
            "app_p95_over_baseline_p95": ratio(app["overall"]["p95_ms"], baseline["overall"]["p95_ms"]),
            "by_kind": {
                k: {
                    "p50": ratio(app[k]["p50_ms"], baseline[k]["p50_ms"]),
                    "p95": ratio(app[k]["p95_ms"], baseline[k]["p95_ms"]),
                }
                for k in KINDS
            },
        },
        "expected_person_on_first_page": {k: found_rate[k] for k in EXACT_KINDS},
        "name_prefix_explain": explain,
        "machine": machine(),
        "git": git_commit(),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (RESULTS_DIR / f"{NAME}.json").write_text(text + "\n")
    (RESULTS_DIR / f"{NAME}-{now:%Y%m%dT%H%M%SZ}.json").write_text(text + "\n")
    print_summary(result)
    return result


def print_summary(r: dict) -> None:
    db = r["database"]
    stats = "with" if r["seeding"]["planner_statistics"] else "without"
    print(
        f"\nPeople search: {r['people']:,} people on {db['vendor']} {db['version']} "
        f"({stats} planner statistics)"
    )
    print(
        f"{'kind':<16}{'app p50':>10}{'app p95':>10}{'base p50':>10}{'base p95':>10}{'x p50':>8}{'x p95':>8}"
    )
    for kind in (*KINDS, "overall"):
        a, b = r["app"][kind], r["baseline"][kind]
        print(
            f"{kind:<16}{a['p50_ms']:>10.2f}{a['p95_ms']:>10.2f}{b['p50_ms']:>10.3f}{b['p95_ms']:>10.3f}"
            f"{ratio(a['p50_ms'], b['p50_ms']) or 0:>8.1f}{ratio(a['p95_ms'], b['p95_ms']) or 0:>8.1f}"
        )
    explain = r["name_prefix_explain"]
    print(
        f"Name prefix '{explain['query']}' uses an index: {explain['uses_index']} "
        f"({explain['queries_per_request']} queries per request)"
    )
    if not explain["uses_index"]:
        for name, plan in explain["plans"].items():
            if plan["full_scan"] or not plan["uses_search_index"]:
                print(f"WARNING: the {name} query reads people without a search-key index:")
                print("  " + plan["plan"].replace("\n", "\n  "))
    found = r["expected_person_on_first_page"]
    print("Expected person on the first page: " + ", ".join(f"{k} {v:.0%}" for k, v in found.items()))
    print(f"Written to {RESULTS_DIR / (NAME + '.json')}")


if __name__ == "__main__":
    main()
