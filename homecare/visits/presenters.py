"""Display-ready values for visit pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from homecare.visits.models import CallEvent, Visit, VisitStatus
from homecare.visits.schemas import PersonAtVisit, VisitOut

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


def visit_for_phone(visit: Visit) -> VisitOut:
    """One visit as the care worker's phone gets it, from /mine or embedded in the app page."""
    person, plan = visit.person, visit.package.support_plan
    return VisitOut(
        id=visit.pk,
        date=visit.date,
        planned_start=visit.planned_start,
        planned_minutes=visit.planned_minutes,
        carers_required=visit.carers_required,
        care_type=visit.care_type,
        tasks=visit.tasks,
        status=visit.status,
        verification=visit.verification,
        actual_start=visit.actual_start,
        actual_end=visit.actual_end,
        package_reference=visit.package.reference,
        person=PersonAtVisit(
            name=person.full_name,
            address=", ".join(p for p in (person.address_line_1, person.address_line_2, person.town) if p),
            postcode=person.postcode,
            access_notes=person.access_notes,
            latitude=person.latitude,
            longitude=person.longitude,
            outcomes=[o.in_own_words for o in plan.outcomes.all()],
            what_matters=plan.what_matters,
        ),
    )


# --- the care worker app --------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitCard:
    """Display-ready values for one visit, for the server-rendered first load."""

    id: int
    time: str
    minutes: int
    carers_required: int
    name: str
    address: str
    postcode: str
    access_notes: str
    tasks: list[str]
    what_matters: str
    outcomes: list[str]
    status: str
    status_label: str
    status_tag: str


@dataclass
class Day:
    label: str
    cards: list[VisitCard] = field(default_factory=list)


def visit_card(visit: Visit) -> VisitCard:
    person, plan = visit.person, visit.package.support_plan
    return VisitCard(
        id=visit.pk,
        time=f"{timezone.localtime(visit.planned_start):%H:%M}",
        minutes=visit.planned_minutes,
        carers_required=visit.carers_required,
        name=person.full_name,
        address=", ".join(p for p in (person.address_line_1, person.address_line_2, person.town) if p),
        postcode=person.postcode,
        access_notes=person.access_notes,
        tasks=list(visit.tasks),
        what_matters=plan.what_matters,
        outcomes=[o.in_own_words for o in plan.outcomes.all()],
        status=visit.status,
        status_label=visit.get_status_display(),
        status_tag=STATUS_TAGS.get(visit.status, "govuk-tag--grey"),
    )


def days_for_worker(visits: list[Visit], today: dt.date) -> list[Day]:
    """Today and tomorrow, each with its visits in time order (a day with none says so)."""
    tomorrow = today + dt.timedelta(days=1)
    days = {
        today: Day(f"Today, {today:%A} {today.day} {today:%B}"),
        tomorrow: Day(f"Tomorrow, {tomorrow:%A} {tomorrow.day} {tomorrow:%B}"),
    }
    for visit in visits:
        if visit.date in days:
            days[visit.date].cards.append(visit_card(visit))
    return list(days.values())
