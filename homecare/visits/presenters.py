"""Display-ready values for visit pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from homecare.visits.models import CallEvent, Visit, VisitStatus

STATUS_TAGS = {
    VisitStatus.PLANNED: "govuk-tag--grey",
    VisitStatus.IN_PROGRESS: "govuk-tag--blue",
    VisitStatus.COMPLETED: "govuk-tag--green",
    VisitStatus.LATE: "govuk-tag--orange",
    VisitStatus.MISSED: "govuk-tag--red",
    VisitStatus.CANCELLED: "govuk-tag--grey",
}


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    time: str
    person: str
    workers: str
    status: str
    status_tag: str
    verification: str
    actual: str
    needs_attention: bool


def _hm(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M}" if moment else ""


def visit_rows(visits) -> list[VisitRow]:
    rows = []
    for v in visits:
        workers = ", ".join(
            a.care_worker.get_full_name() or a.care_worker.username for a in v.assignments.all()
        )
        unverified = v.actual_start is not None and v.verification in ("", "out_of_range")
        rows.append(
            VisitRow(
                visit=v,
                time=f"{_hm(v.planned_start)} ({v.planned_minutes} min)",
                person=v.person.full_name,
                workers=workers or "Not assigned",
                status=v.get_status_display(),
                status_tag=STATUS_TAGS.get(v.status, ""),
                verification=v.get_verification_display() if v.actual_start else "",
                actual=" – ".join(t for t in (_hm(v.actual_start), _hm(v.actual_end)) if t),
                needs_attention=v.status in (VisitStatus.LATE, VisitStatus.MISSED) or unverified,
            )
        )
    return rows


@dataclass(frozen=True)
class EventLine:
    event: CallEvent
    what: str
    when: str
    received: str
    who: str
    detail: str
    corrected: bool


def event_lines(events: list[CallEvent]) -> list[EventLine]:
    """The evidence in the order it arrived; an event a correction replaced is marked, never hidden."""
    corrected_ids = {e.corrects_id for e in events if e.corrects_id}
    lines = []
    for e in events:
        parts = []
        if e.method:
            parts.append(e.get_method_display())
        if e.distance_m is not None:
            parts.append(
                f"{e.distance_m} m from the home" + (f" (±{e.accuracy_m} m)" if e.accuracy_m else "")
            )
        if e.corrected_start:
            parts.append(f"check-in set to {_hm(e.corrected_start)}")
        if e.corrected_end:
            parts.append(f"check-out set to {_hm(e.corrected_end)}")
        if e.reason_code:
            parts.append(f"reason: {e.reason_code.replace('_', ' ')}")
        if e.tasks_done:
            parts.append("tasks: " + ", ".join(e.tasks_done))
        if e.text:
            parts.append(f"“{e.text}”")
        if e.clock_flag:
            parts.append(f"⚠ {e.clock_flag}")
        lines.append(
            EventLine(
                event=e,
                what=e.get_kind_display(),
                when=f"{timezone.localtime(e.occurred_at):%d %b %H:%M}",
                received=f"{timezone.localtime(e.received_at):%d %b %H:%M}",
                who=e.recorded_by.get_full_name() or e.recorded_by.username,
                detail="; ".join(parts),
                corrected=e.pk in corrected_ids,
            )
        )
    return lines
