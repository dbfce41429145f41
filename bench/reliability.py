"""Reconnect storm: a mast comes back and 500 care workers' phones flush their queues at once.

Each phone (a care worker of its own, with a device token and visits of its own) holds 20 queued events,
a fifth of them repeats of another (the phone never heard the answer), in shuffled order. Every phone
reconnects within the first `--ramp` seconds and flushes, at most `--concurrency` phones at a time
(asyncio + httpx), to the app served by gunicorn on loopback (bench/visits.py's server and fixture):
- batch: the whole queue in one POST /api/v1/visits/events/batch;
- single: one POST /api/v1/visits/events per event, in the queue's order.
Checked: the rows stored equal the distinct events sent (none lost, none doubled), every repeat is
acknowledged as already stored, and no answer is a server error. Reported: events/s, request latency
(p50, p99), wall time, and the ratio to a baseline measured in the same run: the same distinct events
inserted by a bare loop of one INSERT per event in autocommit on one connection.

A benchmark, not a test: `python -m bench.reliability` (`--quick`: 50 phones). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecare.config.settings.bench")

import django  # noqa: E402 - the settings module must be chosen first
from django.conf import settings  # noqa: E402

from bench import visits as visits_bench  # noqa: E402
from bench.run import RESULTS_DIR, database_info, git_commit, machine, ratio, summarise  # noqa: E402

NAME = "reliability"
EVENTS_PER_PHONE = 20
DUPLICATE_SHARE = 0.2
WINDOW_S = 60  # every phone's flush should be answered within a minute of the mast coming back
BASELINE_HASH = "bench-reliability-baseline"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke test: 50 phones")
    parser.add_argument("--phones", type=int, help="phones reconnecting (default 500)")
    parser.add_argument("--concurrency", type=int, default=64, help="phones flushing at once (default 64)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which phones reconnect")
    parser.add_argument(
        "--mode",
        choices=("batch", "single", "both"),
        default="batch",
        help="batch (default): a phone flushes its queue in one request; single: a request per event",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="throw the bench database away and reseed")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 × cores + 1)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    args = parser.parse_args(argv)
    args.phones = args.phones or (50 if args.quick else 500)
    args.workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    # bench/visits.py's fixture (a council, a framework, a provider, packages to hang visits on), small.
    args.sizes = visits_bench.Sizes(visits=2_000, events=args.phones * EVENTS_PER_PHONE, clients=args.phones)
    return args


def configure(args: argparse.Namespace) -> None:
    """Its own SQLite file, unless DATABASE_URL names a database; jobs in-process, e-mail in memory."""
    if "DATABASE_URL" not in os.environ:
        name = f"bench-{NAME}{'-quick' if args.quick else ''}.sqlite3"
        settings.DATABASES["default"]["NAME"] = str(Path(settings.VAR_DIR) / name)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{settings.DATABASES['default']['NAME']}{suffix}").unlink(missing_ok=True)
        # gunicorn (bench/visits.py's Server) inherits the environment: the same file, not bench.sqlite3.
        os.environ["DATABASE_URL"] = f"sqlite:///{settings.DATABASES['default']['NAME']}"
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    settings.JOBS_EAGER = True
    settings.RQ_QUEUES["default"]["ASYNC"] = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django.setup()


# --- the phones ------------------------------------------------------------------------------------


@dataclass
class Phone:
    token: str
    queue: list[dict]  # as flushed: distinct events and repeats, shuffled
    delay_s: float
    answers: list[tuple[int, int, object]] = field(default_factory=list)  # status, latency ns, body
    transport_retries: int = 0


def queued(rng: random.Random, events: list[dict]) -> list[dict]:
    """A phone's queue: its distinct events, a share of them again, in any order."""
    repeats = round(EVENTS_PER_PHONE * DUPLICATE_SHARE)
    flushed = events + rng.sample(events, repeats)
    rng.shuffle(flushed)
    return flushed


async def _send(client, phone: Phone, path: str, body: dict) -> None:
    headers = {"Authorization": f"Bearer {phone.token}"}
    for attempt in (1, 2, 3):
        started = time.perf_counter_ns()
        try:
            response = await client.post(path, json=body, headers=headers)
        except Exception as exc:  # a reset connection: the API is idempotent, so the phone sends it again
            if attempt == 3:
                phone.answers.append((0, time.perf_counter_ns() - started, repr(exc)))
            else:
                phone.transport_retries += 1
            continue
        elapsed = time.perf_counter_ns() - started
        try:
            parsed = response.json()
        except ValueError:
            parsed = response.text[:300]
        phone.answers.append((response.status_code, elapsed, parsed))
        return


async def storm(port: int, phones: list[Phone], mode: str, concurrency: int) -> float:
    """Every phone reconnects after its delay and flushes; at most `concurrency` at once."""
    import httpx

    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:

        async def flush(phone: Phone) -> None:
            await asyncio.sleep(phone.delay_s)
            async with gate:
                if mode == "batch":
                    await _send(client, phone, "/api/v1/visits/events/batch", {"events": phone.queue})
                else:
                    for event in phone.queue:
                        await _send(client, phone, "/api/v1/visits/events", event)

        started = time.perf_counter()
        await asyncio.gather(*(flush(p) for p in phones))
        return time.perf_counter() - started


def tally(phones: list[Phone], mode: str) -> dict:
    """Per event: stored, already stored (a repeat acknowledged), or something else; per request: status."""
    statuses: Counter = Counter()
    results: Counter = Counter()
    samples: list[str] = []
    for phone in phones:
        for status, _, body in phone.answers:
            statuses[status] += 1
            if mode == "batch" and status == 200 and isinstance(body, dict):
                results.update(r["result"] for r in body["results"])
            elif mode == "single" and status in (200, 201) and isinstance(body, dict):
                results[body["result"]] += 1
            else:
                results[f"http_{status}"] += 1 if mode == "single" else len(phone.queue)
                if len(samples) < 10:
                    samples.append(f"{status}: {str(body)[:200]}")
    return {
        "requests_by_status": {str(k): v for k, v in sorted(statuses.items())},
        "events_by_result": dict(results),
        "client_errors_4xx": sum(v for k, v in statuses.items() if 400 <= k < 500),
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "transport_failures": statuses.get(0, 0),
        "error_samples": samples,
    }


def measure_mode(mode: str, server, phones: list[Phone], visit_ids: list[int], args) -> dict:
    sent = [e["client_id"] for p in phones for e in p.queue]
    distinct = sorted(set(sent))
    print(
        f"Storm ({mode}): {len(phones)} phones, {len(sent):,} events ({len(distinct):,} distinct)…",
        flush=True,
    )
    load_before = os.getloadavg()[0]
    with visits_bench.CpuMeter(server.worker_pids()) as cpu:
        wall = asyncio.run(storm(server.port, phones, mode, args.concurrency))
    checked = tally(phones, mode)
    rows = visits_bench.verify_rows(distinct, visit_ids)
    results = checked["events_by_result"]
    repeats = len(sent) - len(distinct)
    exact = (
        rows["rows"] == len(distinct)
        and rows["lost"] == rows["duplicated"] == rows["stray"] == 0
        and results.get("stored", 0) == len(distinct)
        and results.get("already_stored", 0) == repeats
    )
    return {
        "mode": mode,
        "phones": len(phones),
        "events_sent": len(sent),
        "distinct_events_sent": len(distinct),
        "repeats_sent": repeats,
        "stored": rows["rows"],
        "repeats_acknowledged": results.get("already_stored", 0),
        "rows": rows,
        "exactly_the_distinct_events_stored": exact,
        **checked,
        "wall_s": round(wall, 3),
        "within_window": wall <= WINDOW_S,
        "events_per_s": round(len(distinct) / wall, 1),
        "events_incl_repeats_per_s": round(len(sent) / wall, 1),
        "requests": sum(len(p.answers) for p in phones),
        "latency": summarise([ns for p in phones for _, ns, _ in p.answers]),
        "transport_retries": sum(p.transport_retries for p in phones),
        "cpu": cpu.result,
        "load_average_1m_before": round(load_before, 2),
    }


# --- the baseline --------------------------------------------------------------------------------


def raw_insert_loop(events: list[tuple[int, dict]]) -> dict:
    """The same distinct events as bare rows: one INSERT per event, autocommit, one connection."""
    from django.db import connection

    from homecare.visits.models import CallEvent

    json_param = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = (
        "client_id",
        "payload_hash",
        "visit_id",
        "kind",
        "source",
        "recorded_by_id",
        "occurred_at",
        "received_at",
        "clock_flag",
        "method",
        "latitude",
        "longitude",
        "accuracy_m",
        "tasks_done",
        "text",
        "reason_code",
    )
    values = ", ".join(["%s"] * 13 + [json_param, "%s", "%s"])
    sql = f"INSERT INTO {CallEvent._meta.db_table} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608 # nosec B608
    now = dt.datetime.now(tz=dt.UTC)
    ops = connection.ops
    rows = []
    for worker_pk, e in events:
        check_in = e["kind"] == "check_in"
        rows.append(
            (
                uuid.uuid4() if connection.vendor == "postgresql" else uuid.uuid4().hex,
                BASELINE_HASH,
                e["visit_id"],
                e["kind"],
                "app",
                worker_pk,
                ops.adapt_datetimefield_value(dt.datetime.fromisoformat(e["occurred_at"])),
                ops.adapt_datetimefield_value(now),
                "",
                "geolocation" if check_in else "",
                *(None if e.get(k) is None else Decimal(e[k]) for k in ("latitude", "longitude")),
                e.get("accuracy_m"),
                json.dumps(e.get("tasks_done", [])),
                e.get("text", ""),
                "",
            )
        )
    print(f"Baseline: {len(rows):,} INSERTs in autocommit on one connection…", flush=True)
    samples = []
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for row in rows:
            t0 = time.perf_counter_ns()
            cursor.execute(sql, row)
            samples.append(time.perf_counter_ns() - t0)
        wall = time.perf_counter() - started
    inserted = CallEvent.objects.filter(payload_hash=BASELINE_HASH).count()
    CallEvent.objects.filter(payload_hash=BASELINE_HASH)._raw_delete(CallEvent.objects.db)
    return {
        "method": "one INSERT per event in autocommit, one connection, this process",
        "rows": len(rows),
        "rows_inserted": inserted,
        "wall_s": round(wall, 3),
        "events_per_s": round(len(rows) / wall, 1),
        "latency": summarise(samples),
    }


# --- the run ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    configure(args)
    from django.db import connection
    from django.utils import timezone

    from homecare.visits import services
    from homecare.visits.models import DeviceToken

    started = time.perf_counter()
    load_before = os.getloadavg()
    seeding = visits_bench.prepare_database(args)
    seeding["reset"] = visits_bench.reset_ingestion()
    rng = random.Random(args.seed)
    modes = ["batch", "single"] if args.mode == "both" else [args.mode]
    distinct = EVENTS_PER_PHONE - round(EVENTS_PER_PHONE * DUPLICATE_SHARE)
    per_mode = -(-distinct // 3)  # visits per phone per mode (check-in, note and check-out each)
    workers = visits_bench.ensure_care_workers(args.phones)
    at = timezone.localtime().replace(microsecond=0)
    visits = visits_bench.build_ingest_visits(
        workers, [per_mode * len(modes)] * len(workers), at - dt.timedelta(hours=2)
    )
    DeviceToken.objects.all().delete()
    tokens = {w.pk: services.device_register(user=w, name="Bench phone")[1] for w in workers}
    visits_bench.analyze("visits_visit", "visits_visitassignment", "visits_callevent")
    print(
        f"{len(workers)} care workers, {sum(len(v) for v in visits.values()):,} visits "
        f"({time.perf_counter() - started:.1f}s)",
        flush=True,
    )

    results: dict = {}
    distinct_events: dict[str, list[tuple[int, dict]]] = {}
    server = visits_bench.Server(args)
    try:
        for n, mode in enumerate(modes):
            phones, ids, mine = [], [], []
            for w in workers:
                block = visits[w.pk][n * per_mode : (n + 1) * per_mode]
                events = visits_bench.event_bodies(block, distinct, at)
                phones.append(Phone(tokens[w.pk], queued(rng, events), rng.uniform(0, args.ramp)))
                ids += [v[0] for v in block]
                mine += [(w.pk, e) for e in events]
            distinct_events[mode] = mine
            results[mode] = measure_mode(mode, server, phones, ids, args)
    finally:
        server.stop()
    connection.close()
    baseline = raw_insert_loop(distinct_events[modes[0]])
    for mode in modes:
        results[mode]["events_per_s_over_baseline"] = ratio(
            results[mode]["events_per_s"], baseline["events_per_s"]
        )
    now = dt.datetime.now(tz=dt.UTC)
    result = {
        "benchmark": NAME,
        "measured_at": now.isoformat(timespec="seconds"),
        "database": database_info(),
        "phones": args.phones,
        "events_per_phone": EVENTS_PER_PHONE,
        "duplicate_share": DUPLICATE_SHARE,
        "concurrency": args.concurrency,
        "ramp_s": args.ramp,
        "server": server.description,
        "seed": args.seed,
        "seeding": seeding,
        "modes": results,
        "baseline": baseline,
        "pass": all(
            r["exactly_the_distinct_events_stored"] and r["server_errors_5xx"] == 0 for r in results.values()
        ),
        "run_seconds": round(time.perf_counter() - started, 1),
        # Other work on the machine skews every figure: compare runs taken at similar load only.
        "load_average": {
            "at_start": [round(x, 2) for x in load_before],
            "at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "machine": machine(),
        "git": git_commit(),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (RESULTS_DIR / f"{NAME}.json").write_text(text + "\n")
    (RESULTS_DIR / f"{NAME}-{now:%Y%m%dT%H%M%SZ}.json").write_text(text + "\n")
    print_summary(result)
    if not result["pass"]:
        raise SystemExit(1)
    return result


def print_summary(r: dict) -> None:
    db, load = r["database"], r["load_average"]
    print(
        f"\nReconnect storm on {db['vendor']} {db['version']}: {r['phones']} phones × "
        f"{r['events_per_phone']} events ({r['duplicate_share']:.0%} repeats), {r['concurrency']} at once, "
        f"{r['server']} "
        f"(load average {load['at_start'][0]} → {load['at_end'][0]})"
    )
    for mode, m in r["modes"].items():
        print(
            f"  {mode:6} {m['distinct_events_sent']:,} distinct sent, {m['stored']:,} stored, "
            f"{m['repeats_acknowledged']:,}/{m['repeats_sent']:,} repeats acknowledged, "
            f"4xx {m['client_errors_4xx']}, 5xx {m['server_errors_5xx']}; {m['events_per_s']:,.0f} events/s, "
            f"p50 {m['latency']['p50_ms']} ms, p99 {m['latency']['p99_ms']} ms, wall {m['wall_s']} s; "
            f"{m['events_per_s_over_baseline']}× the baseline"
        )
    b = r["baseline"]
    print(f"  baseline {b['events_per_s']:,.0f} events/s ({b['method']})")
    print("PASS" if r["pass"] else "FAIL: events lost, doubled or a server error")


if __name__ == "__main__":
    main()
