"""Rostering solver on public benchmarks: Mankowska et al. (2014) home-care routing with synchronised
services (sets A-E) and Solomon VRPTW (C101, R101, RC101; DIMACS convention), against best-known values.

For each time limit, instance and seed: solve (homecare.rostering.solver, one process per run, one core),
check the solution with the independent validator, and report objective and gap to best-known; then per
set the mean and worst gap and whether every solution was feasible. Targets (issue 10): every solution
feasible; mean gap <= 3% on A-C and <= 5% on D-E at 60 s; Solomon <= 1% at 10 s.

Instances and best-known values are read at run time from ../shared/bench (never copied here).
By default the limit is CPU seconds of the solving process (`--clock cpu`), so that other work on a
shared machine does not shorten the search; wall time is recorded too. Writes
bench/results/rostering.json and a timestamped copy.

Run with `python -m bench.rostering` (all sets at 10 s and 60 s: about 55 minutes on one job), or e.g.
`--time-limits 10 --sets A,B --jobs 2`.

`--borough-day` runs the demo borough day instead (issue 10): a synthetic day of 1,000 visits (10 %
double-handed) for 100 care workers with skills, split shifts, maximum hours, travel by car or on foot
and three regular carers per person, built straight into the solver's model (no database; random with
a fixed seed). In the same run it is planned by the greedy coordinator (earliest visit first, nearest
free qualified carer) and by the optimiser within `--day-time-limit` wall-clock seconds; both are
checked by the validator. Targets: zero hard-rule violations, the whole solve within 60 s of wall time,
travel at least 20 % below the coordinator's; continuity gained is reported. Writes
bench/results/rostering-day.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.run import RESULTS_DIR, git_commit, machine

NAME = "rostering"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "bench"
MANKOWSKA_SETS = {"A": 10, "B": 25, "C": 50, "D": 75, "E": 100}
SOLOMON = "S"
TARGETS = {  # set -> (time limit the target applies at, mean gap % allowed)
    "A": (60, 3.0),
    "B": (60, 3.0),
    "C": (60, 3.0),
    "D": (60, 5.0),
    "E": (60, 5.0),
    SOLOMON: (10, 1.0),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.rostering",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--time-limits", default="10,60", help="seconds per run, comma-separated (default 10,60)"
    )
    parser.add_argument(
        "--sets", default="A,B,C,D,E,S", help="Mankowska sets A-E and S for Solomon (default all)"
    )
    parser.add_argument("--instances", default="", help="only these instances, e.g. C1,E3,R101")
    parser.add_argument("--seeds", default="1", help="seeds, comma-separated (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, one core each (default 1)")
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="what the limit counts (default cpu)"
    )
    parser.add_argument("--engine", default="auto", choices=("auto", "alns", "pyvrp"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared bench folder")
    parser.add_argument("--borough-day", action="store_true", help="run the demo borough day instead")
    parser.add_argument("--day-time-limit", type=float, default=50.0, help="borough day: wall seconds")
    args = parser.parse_args(argv)
    try:
        args.limits = [float(x) for x in args.time_limits.split(",") if x.strip()]
        args.seed_list = [int(x) for x in args.seeds.split(",") if x.strip()]
    except ValueError:
        parser.error("--time-limits and --seeds take comma-separated numbers")
    if args.borough_day:
        return args
    args.set_list = [s.strip().upper() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in args.set_list if s not in TARGETS]
    if unknown or not args.limits or not args.seed_list or args.jobs < 1:
        parser.error(f"unknown set(s) {unknown}; sets are A-E and S" if unknown else "nothing to run")
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder (the shared bench data)")
    return args


def instances(args: argparse.Namespace) -> list[dict]:
    """[{name, set, format, path, best_known}] for the sets asked for."""
    wanted = {x.strip() for x in args.instances.split(",") if x.strip()}
    out = []
    if any(s in MANKOWSKA_SETS for s in args.set_list):
        with open(args.data / "hhcrsp" / "bks.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                name = row["instance"]
                if name[0] in args.set_list and (not wanted or name in wanted):
                    out.append(
                        {
                            "name": name,
                            "set": name[0],
                            "format": "mankowska",
                            "path": str(args.data / "hhcrsp" / row["file"]),
                            "best_known": float(row["best_known"]),
                        }
                    )
    if SOLOMON in args.set_list:
        with open(args.data / "vrptw" / "bks.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["convention"].startswith("DIMACS") and (not wanted or row["instance"] in wanted):
                    path = next((args.data / "vrptw").glob(f"{row['instance']}.*.vrptw"))
                    out.append(
                        {
                            "name": row["instance"],
                            "set": SOLOMON,
                            "format": "vrptw",
                            "path": str(path),
                            "best_known": float(row["best_known_distance"]),
                            "vehicles": int(row["vehicles"]),
                        }
                    )
    return out


def run_one(job: dict) -> dict:
    """Solve and validate one instance (in a worker process)."""
    from homecare.rostering.solver.readers import READERS
    from homecare.rostering.solver.search import solve
    from homecare.rostering.solver.validator import validate

    instance = READERS[job["format"]](job["path"])
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = solve(
        instance, time_limit=job["time_limit"], seed=job["seed"], engine=job["engine"], clock=job["clock"]
    )
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    report = validate(instance, result.solution)
    gap = 100.0 * (report.objective - job["best_known"]) / job["best_known"]
    return {
        "instance": job["name"],
        "set": job["set"],
        "time_limit": job["time_limit"],
        "seed": job["seed"],
        "engine": result.engine,
        "feasible": report.feasible,
        "violations": len(report.violations),
        "unassigned": len(report.unassigned),
        "objective": round(report.objective, 2),
        "travel": round(report.travel, 2),
        "total_tardiness": round(report.total_tardiness, 2),
        "max_tardiness": round(report.max_tardiness, 2),
        "best_known": job["best_known"],
        "gap_percent": round(gap, 2),
        "routes": len(result.solution.routes),
        "iterations": result.iterations,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
    }


def summarise_sets(runs: list[dict], limits: list[float]) -> dict:
    out: dict = {}
    for limit in limits:
        key = f"{limit:g}s"
        out[key] = {}
        for s in sorted({r["set"] for r in runs}):
            rows = [r for r in runs if r["set"] == s and r["time_limit"] == limit]
            if not rows:
                continue
            gaps = [r["gap_percent"] for r in rows]
            target_limit, target_gap = TARGETS[s]
            mean_gap = round(statistics.mean(gaps), 2)
            out[key][s] = {
                "runs": len(rows),
                "all_feasible": all(r["feasible"] for r in rows),
                "mean_gap_percent": mean_gap,
                "worst_gap_percent": max(gaps),
                "best_gap_percent": min(gaps),
                "target": {
                    "at_s": target_limit,
                    "mean_gap_percent": target_gap,
                    "met": (mean_gap <= target_gap and all(r["feasible"] for r in rows))
                    if limit == target_limit
                    else None,
                },
            }
    return out


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.borough_day:
        from bench.rostering_day import run_borough_day

        return run_borough_day(seeds=args.seed_list, time_limit=args.day_time_limit)
    todo = instances(args)
    jobs = [
        dict(item, time_limit=limit, seed=seed, clock=args.clock, engine=args.engine)
        for limit in args.limits
        for item in todo
        for seed in args.seed_list
    ]
    if not jobs:
        print("No instance matches.", file=sys.stderr)
        return {}
    est = sum(j["time_limit"] for j in jobs) / args.jobs
    print(
        f"{len(jobs)} runs on {args.jobs} job(s), about {est / 60:.0f} minutes ({args.clock} clock)",
        flush=True,
    )
    load_before = os.getloadavg()
    started = time.perf_counter()
    runs = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for run in pool.map(run_one, jobs):
            runs.append(run)
            flag = "ok" if run["feasible"] else "INFEASIBLE"
            print(
                f"{run['instance']:>6} {run['time_limit']:>4g}s seed {run['seed']}: {run['objective']:>9.2f} "
                f"(best known {run['best_known']:g}, gap {run['gap_percent']:+.2f}%) {flag} "
                f"[{run['engine']}, {run['iterations']} it, cpu {run['cpu_s']}s, wall {run['wall_s']}s]",
                flush=True,
            )
    sets = summarise_sets(runs, args.limits)
    now = dt.datetime.now(dt.UTC)
    result = {
        "benchmark": NAME,
        "when": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_commit(),
        "settings": {
            "time_limits": args.limits,
            "sets": args.set_list,
            "seeds": args.seed_list,
            "jobs": args.jobs,
            "clock": args.clock,
            "engine": args.engine,
        },
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "elapsed_s": round(time.perf_counter() - started, 1),
        "sets": sets,
        "runs": runs,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2)
    (RESULTS_DIR / f"{NAME}.json").write_text(text + "\n")
    (RESULTS_DIR / f"{NAME}-{now:%Y%m%dT%H%M%SZ}.json").write_text(text + "\n")
    print("\nset  limit  runs  feasible  mean gap  worst gap  target")
    for key, per_set in sets.items():
        for s, row in per_set.items():
            t = row["target"]
            verdict = "" if t["met"] is None else ("met" if t["met"] else "NOT met")
            print(
                f"{s:>3} {key:>6} {row['runs']:>5}  {str(row['all_feasible']):>8} "
                f"{row['mean_gap_percent']:>8.2f}% {row['worst_gap_percent']:>9.2f}%  "
                f"<= {t['mean_gap_percent']}% at {t['at_s']}s {verdict}"
            )
    print(f"Written to {RESULTS_DIR / (NAME + '.json')}")
    return result


if __name__ == "__main__":
    main()
