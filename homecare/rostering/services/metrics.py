"""A plan's figures, per day from the validator's independent check and summed over its days.

Travel includes each carer's way home; its share is of paid time (visits plus travel). Continuity is
the share of the visits of people who have regular carers that one of them does. Lateness is minutes
after the latest start of a visit's window (its preferred time plus the tolerance).
"""

from __future__ import annotations

from homecare.rostering.adapters import PlanningDay
from homecare.rostering.solver.model import Solution
from homecare.rostering.solver.validator import Report

LATE_EPSILON = 0.5  # minutes: below this a start is on time (rounding of travel times)


def day_metrics(planning: PlanningDay, solution: Solution, report: Report) -> dict:
    instance = planning.instance
    visits = instance.visit_by_id()
    service = 0.0
    late: list[float] = []
    counted = by_regular = 0
    for route in solution.routes:
        for stop in route.stops:
            v = visits[stop.visit]
            service += v.duration
            late.append(max(0.0, stop.start - v.latest))
            regulars = instance.regular_carers.get(v.person or "")
            if regulars:
                counted += 1
                by_regular += route.carer in regulars
    working = [m for m in report.working_minutes.values() if m > 0]
    return {
        "slots": len(instance.visits) + len(planning.not_modelled),
        "planned": sum(len(r.stops) for r in solution.routes),
        "unplanned": len(solution.unassigned) + len(planning.not_modelled),
        "travel_minutes": round(report.travel, 1),
        "visit_minutes": round(service, 1),
        "late_visits": sum(1 for x in late if x > LATE_EPSILON),
        "late_minutes": round(sum(x for x in late if x > LATE_EPSILON), 1),
        "max_late_minutes": round(max(late, default=0.0), 1),
        "continuity_counted": counted,
        "continuity_regular": by_regular,
        "people": len(report.distinct_carers),
        "carer_person_pairs": sum(report.distinct_carers.values()),
        "carers_used": len(working),
        "hours_spread_minutes": round(max(working) - min(working), 1) if working else 0.0,
        "changes": report.changes,
        "violations": [v.message for v in report.violations],
    }


SUMMED = (
    "slots",
    "planned",
    "unplanned",
    "travel_minutes",
    "visit_minutes",
    "late_visits",
    "late_minutes",
    "continuity_counted",
    "continuity_regular",
    "people",
    "carer_person_pairs",
    "changes",
)


def totals(days: dict[str, dict]) -> dict:
    out: dict = {key: sum(d.get(key, 0) for d in days.values()) for key in SUMMED}
    out["travel_minutes"] = round(out["travel_minutes"], 1)
    out["late_minutes"] = round(out["late_minutes"], 1)
    out["max_late_minutes"] = max((d.get("max_late_minutes", 0) for d in days.values()), default=0)
    out["carers_used"] = max((d.get("carers_used", 0) for d in days.values()), default=0)
    out["hours_spread_minutes"] = max((d.get("hours_spread_minutes", 0) for d in days.values()), default=0)
    out["violations"] = [v for d in days.values() for v in d.get("violations", [])]
    paid = out["travel_minutes"] + out["visit_minutes"]
    out["travel_share_percent"] = round(100 * out["travel_minutes"] / paid, 1) if paid else None
    counted = out["continuity_counted"]
    out["continuity_percent"] = round(100 * out["continuity_regular"] / counted, 1) if counted else None
    out["carers_per_person"] = round(out["carer_person_pairs"] / out["people"], 2) if out["people"] else None
    return out
