"""Solve one instance file and print one JSON object (no database, no Django).

    python -m homecare.rostering.solver.cli FILE --format {mankowska,vrptw} --time-limit S --seed N

Prints: instance, format, engine, seed, time_limit, feasible (by our validator), objective, travel,
total_tardiness, max_tardiness, unassigned (each visit left out, with the reason), violations (hard
rules broken; empty when feasible), iterations, wall_s; `--routes` adds each carer's stops.
Exit status: 0 feasible, 1 the validator found a broken rule, 2 bad input (message on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .model import ModelError
from .readers import READERS, MalformedInstance
from .search import ENGINES, solve
from .validator import validate


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m homecare.rostering.solver.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="instance file")
    parser.add_argument("--format", required=True, choices=sorted(READERS), help="file format")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds of search (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--engine", choices=ENGINES, default="auto", help="search engine (default auto)")
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall", help="what the time limit counts (default wall)"
    )
    parser.add_argument("--routes", action="store_true", help="include each carer's stops in the output")
    args = parser.parse_args(argv)
    if not 0 < args.time_limit <= 86_400:
        parser.error("--time-limit must be more than 0 and at most 86400 seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        instance = READERS[args.format](args.file)
    except (MalformedInstance, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    remaining = args.time_limit - (time.perf_counter() - started)
    try:
        result = solve(
            instance, time_limit=max(0.05, remaining), seed=args.seed, engine=args.engine, clock=args.clock
        )
    except RuntimeError as exc:  # an engine that cannot run here (PyVRP missing)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = validate(instance, result.solution)
    out = {
        "instance": instance.name,
        "format": args.format,
        "engine": result.engine,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "feasible": report.feasible,
        "objective": report.objective,
        "travel": report.travel,
        "total_tardiness": report.total_tardiness,
        "max_tardiness": report.max_tardiness,
        "unassigned": [{"visit": v, "reason": why} for v, why in report.unassigned.items()],
        "violations": [
            {"rule": v.rule, "subject": v.subject, "message": v.message} for v in report.violations
        ],
        "iterations": result.iterations,
        "wall_s": round(time.perf_counter() - started, 3),
    }
    if args.routes:
        out["routes"] = [
            {
                "carer": r.carer,
                "shift": r.shift,
                "stops": [{"visit": s.visit, "arrival": s.arrival, "start": s.start} for s in r.stops],
            }
            for r in result.solution.routes
        ]
    print(json.dumps(out))
    return 0 if report.feasible else 1


if __name__ == "__main__":
    sys.exit(main())
