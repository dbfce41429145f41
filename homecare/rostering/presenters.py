"""Display-ready values for the rota planner's templates: the timeline per carer, metrics, statuses."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from homecare.rostering.models import PlanStatus, Skill

LONDON = ZoneInfo("Europe/London")
STATUS_TAGS = {
    PlanStatus.DRAFT: "govuk-tag--grey",
    PlanStatus.SOLVING: "govuk-tag--blue",
    PlanStatus.READY: "govuk-tag--yellow",
    PlanStatus.FAILED: "govuk-tag--red",
    PlanStatus.PUBLISHED: "govuk-tag--green",
    PlanStatus.SUPERSEDED: "govuk-tag--grey",
}
SKILL_LABELS = dict(Skill.choices)


def status_tag(status: str) -> dict:
    return {"text": PlanStatus(status).label, "classes": STATUS_TAGS.get(status, "")}


def skills_text(skills) -> str:
    return ", ".join(SKILL_LABELS.get(s, s) for s in skills) or "None recorded"


@dataclass
class Bar:
    kind: str  # travel, visit
    left: float  # per cent of the timeline's width
    width: float
    text: str
    title: str
    late: bool = False


@dataclass
class CarerRow:
    name: str
    care_worker_id: int
    bars: list[Bar] = field(default_factory=list)
    visits: int = 0
    travel_minutes: float = 0.0
    visit_minutes: float = 0.0


@dataclass
class DayTimeline:
    day: dt.date
    hours: list[tuple[str, float]]
    rows: list[CarerRow]


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def timelines(assignments) -> list[DayTimeline]:
    """One timeline per day: a row per carer with a bar for each leg of travel and each visit."""
    by_day: dict[dt.date, list] = defaultdict(list)
    for a in assignments:
        by_day[a.visit.date].append(a)
    out = []
    for day in sorted(by_day):
        rows = by_day[day]
        starts = [_local(a.arrival) - dt.timedelta(minutes=float(a.travel_minutes)) for a in rows]
        ends = [_local(a.start) + dt.timedelta(minutes=a.visit.planned_minutes) for a in rows]
        origin = dt.datetime.combine(day, dt.time(0), tzinfo=LONDON)
        first = max(0, math.floor(_minutes(origin, min(starts)) / 60))
        last = min(24, math.ceil(_minutes(origin, max(ends)) / 60))
        last = max(last, first + 1)
        span = (last - first) * 60.0

        def pos(moment: dt.datetime, first=first, span=span, origin=origin) -> float:
            return round(100 * (_minutes(origin, moment) - first * 60) / span, 3)

        carers: dict[int, CarerRow] = {}
        for a in sorted(rows, key=lambda a: (a.care_worker.get_full_name(), a.care_worker_id, a.start)):
            row = carers.setdefault(
                a.care_worker_id,
                CarerRow(a.care_worker.get_full_name() or a.care_worker.username, a.care_worker_id),
            )
            arrival, start = _local(a.arrival), _local(a.start)
            leg = float(a.travel_minutes)
            if leg > 0:
                left = pos(arrival - dt.timedelta(minutes=leg))
                row.bars.append(
                    Bar("travel", left, max(0.2, pos(arrival) - left), "", f"Travel {leg:.0f} min")
                )
            end = start + dt.timedelta(minutes=a.visit.planned_minutes)
            person = a.visit.person
            late = float(a.late_minutes) > 0.5
            title = (
                f"{person.given_name} {person.family_name}, {start:%H:%M}–{end:%H:%M}"
                + (f", carer {a.slot} of {a.visit.carers_required}" if a.visit.carers_required > 1 else "")
                + (f", {float(a.late_minutes):.0f} min late" if late else "")
            )
            row.bars.append(
                Bar(
                    "visit",
                    pos(start),
                    max(0.3, pos(end) - pos(start)),
                    f"{person.given_name[:1]}{person.family_name[:1]}",
                    title,
                    late,
                )
            )
            row.visits += 1
            row.travel_minutes += leg
            row.visit_minutes += a.visit.planned_minutes
        hours = [
            (f"{h:02d}:00", round(100 * (h - first) / (last - first), 3)) for h in range(first, last + 1)
        ]
        out.append(DayTimeline(day, hours, list(carers.values())))
    return out


def _minutes(origin: dt.datetime, moment: dt.datetime) -> float:
    return (moment.astimezone(dt.UTC) - origin.astimezone(dt.UTC)).total_seconds() / 60.0


def _hours(minutes) -> str:
    minutes = float(minutes or 0)
    return f"{int(minutes // 60)} h {int(round(minutes % 60)):02d} min"


def metric_rows(metrics: dict) -> list[dict]:
    """The plan's figures as GOV.UK summary list rows."""
    t = metrics.get("total") or {}
    if not t:
        return []

    def pct(value) -> str:
        return "–" if value is None else f"{value:.1f}%"

    rows = [
        ("Carer visits planned", f"{t['planned']} of {t['slots']}"),
        ("Left unplanned", str(t["unplanned"])),
        ("Travel", f"{_hours(t['travel_minutes'])} ({pct(t.get('travel_share_percent'))} of paid time)"),
        ("Continuity", f"{pct(t.get('continuity_percent'))} of visits by a regular carer"),
        (
            "Carers per person",
            "–" if t.get("carers_per_person") is None else f"{t['carers_per_person']:.2f} a day",
        ),
        (
            "Expected lateness",
            f"{t['late_visits']} visits late, {t['late_minutes']:.0f} min in all"
            + (f" (at most {t['max_late_minutes']:.0f} min)" if t["late_visits"] else ""),
        ),
        ("Care workers used", str(t["carers_used"])),
        ("Spread of working hours", _hours(t["hours_spread_minutes"])),
    ]
    if t.get("changes"):
        rows.append(("Working carers' visits moved", f"{t['changes']} carer visits"))
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]
