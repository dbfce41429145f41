"""Scoped reads of complaints: lists with their deadlines (overdue, due soon), one complaint, the report.

Council staff in the complaint roles (permissions.COMPLAINT_ROLES) see their council's complaints; a
provider's managers see the complaints about their own provider, at every stage; nobody else sees any.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import OrganisationType, User
from homecare.quality.models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintOutcome,
    ComplaintStage,
    ComplaintStageRecord,
    ComplaintTheme,
    ComplaintThemeTag,
)
from homecare.quality.timescales import Deadline


def complaints_visible_to(*, user: User) -> QuerySet[Complaint]:
    org = user.organisation if user.is_authenticated else None
    if org is None or not permissions.sees_complaints(user):
        return Complaint.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return Complaint.objects.filter(council=org)
    if org.type == OrganisationType.PROVIDER:
        return Complaint.objects.filter(provider=org)
    return Complaint.objects.none()


def complaint_for_user(*, user: User, pk: int) -> Complaint:
    """The complaint, or 404 when the user may not see it (never confirm a foreign record exists)."""
    return get_object_or_404(
        complaints_visible_to(user=user)
        .select_related("council", "provider", "person", "recorded_by")
        .prefetch_related("themes", "stages__acknowledged_by", "stages__responded_by"),
        pk=pk,
    )


def stage_record(complaint: Complaint, stage: str | None = None) -> ComplaintStageRecord | None:
    """The record of a stage (the current one by default), from the prefetched stages."""
    wanted = stage or complaint.stage
    return next((s for s in complaint.stages.all() if s.stage == wanted), None)


@dataclass(frozen=True)
class ComplaintRow:
    complaint: Complaint
    stage: ComplaintStageRecord | None
    acknowledgement: Deadline
    response: Deadline

    @property
    def overdue(self) -> bool:
        return self.complaint.is_open and (self.acknowledgement.overdue or self.response.overdue)

    @property
    def due_soon(self) -> bool:
        return (
            self.complaint.is_open
            and not self.overdue
            and (self.acknowledgement.due_soon or self.response.due_soon)
        )

    @property
    def next_due(self) -> dt.date | None:
        pending = [d.due for d in (self.acknowledgement, self.response) if d.due and not d.done]
        return min(pending) if pending else None


def row_for(complaint: Complaint, today: dt.date) -> ComplaintRow:
    record = stage_record(complaint)
    live = complaint.is_open
    # Only the current stage of an open complaint still has deadlines running.
    return ComplaintRow(
        complaint=complaint,
        stage=record,
        acknowledgement=Deadline(
            due=record.acknowledgement_due if record and live else None,
            done_on=record.acknowledged_on if record else None,
            today=today,
        ),
        response=Deadline(
            due=record.response_due if record and live else None,
            done_on=record.responded_on if record else None,
            today=today,
        ),
    )


VIEWS = {
    "open": "Open",
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "closed": "Closed or withdrawn",
    "all": "All",
}


def complaint_rows(*, user: User, view: str = "open", today: dt.date | None = None) -> list[ComplaintRow]:
    """Complaints for a list: open ones (soonest due first), overdue, due soon, closed, or all."""
    today = today or timezone.localdate()
    complaints = (
        complaints_visible_to(user=user)
        .select_related("provider", "person")
        .prefetch_related(
            Prefetch("stages", queryset=ComplaintStageRecord.objects.order_by("started_on", "id"))
        )
    )
    if view in ("open", "overdue", "due_soon"):
        complaints = complaints.filter(status__in=OPEN_COMPLAINT_STATUSES)
    elif view == "closed":
        complaints = complaints.exclude(status__in=OPEN_COMPLAINT_STATUSES)
    rows = [row_for(c, today) for c in complaints]
    if view == "overdue":
        rows = [r for r in rows if r.overdue]
    elif view == "due_soon":
        rows = [r for r in rows if r.due_soon]
    far = dt.date.max
    rows.sort(
        key=lambda r: (r.next_due or far, -r.complaint.pk) if r.complaint.is_open else (far, -r.complaint.pk)
    )
    return rows


def counts(*, user: User, today: dt.date | None = None) -> dict[str, int]:
    rows = complaint_rows(user=user, view="open", today=today)
    return {
        "open": len(rows),
        "overdue": sum(r.overdue for r in rows),
        "due_soon": sum(r.due_soon for r in rows),
    }


# --- the report: KPIs, outcomes, themes, providers ---------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class StageKpi:
    stage: str
    label: str
    started: int = 0
    acknowledged: int = 0
    acknowledged_on_time: int = 0
    responded: int = 0
    responded_on_time: int = 0

    @property
    def acknowledged_percent(self) -> Decimal | None:
        return _percent(self.acknowledged_on_time, self.acknowledged)

    @property
    def responded_percent(self) -> Decimal | None:
        return _percent(self.responded_on_time, self.responded)


@dataclass
class ComplaintReport:
    since: dt.date
    until: dt.date
    received: int = 0
    stages: list[StageKpi] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    providers: list[tuple[str, int, int]] = field(default_factory=list)  # name, complaints, upheld (any part)


def complaint_report(*, user: User, since: dt.date, until: dt.date) -> ComplaintReport:
    """KPIs for stages started in the period (acknowledged within 3 working days; decision within 28
    days), the latest decision's outcome per complaint, themes, and complaints per provider."""
    complaints = complaints_visible_to(user=user)
    report = ComplaintReport(since=since, until=until)
    report.received = complaints.filter(received_on__range=(since, until)).count()
    by_stage = {s: StageKpi(s, ComplaintStage(s).label) for s in ComplaintStage.values if s != "ombudsman"}
    stages = ComplaintStageRecord.objects.filter(
        complaint__in=complaints, started_on__range=(since, until), stage__in=list(by_stage)
    ).values_list("stage", "acknowledgement_due", "acknowledged_on", "response_due", "responded_on")
    for stage, ack_due, ack_on, resp_due, resp_on in stages:
        kpi = by_stage[stage]
        kpi.started += 1
        if ack_on:
            kpi.acknowledged += 1
            kpi.acknowledged_on_time += ack_on <= ack_due
        if resp_on:
            kpi.responded += 1
            kpi.responded_on_time += resp_on <= resp_due
    report.stages = list(by_stage.values())
    latest: dict[int, str] = {}
    decided = (
        ComplaintStageRecord.objects.filter(complaint__in=complaints, responded_on__range=(since, until))
        .exclude(outcome="")
        .order_by("responded_on", "id")
        .values_list("complaint_id", "outcome")
    )
    for complaint_id, outcome in decided:
        latest[complaint_id] = outcome
    tally = Counter(latest.values())
    report.outcomes = [(o.label, tally.get(o.value, 0)) for o in ComplaintOutcome]
    in_period = complaints.filter(received_on__range=(since, until))
    themes = Counter(
        ComplaintThemeTag.objects.filter(complaint__in=in_period).values_list("theme", flat=True)
    )
    report.themes = [(ComplaintTheme(t).label, n) for t, n in themes.most_common()]
    per_provider: dict[str, list[int]] = {}
    for complaint_id, name in in_period.filter(provider__isnull=False).values_list("pk", "provider__name"):
        entry = per_provider.setdefault(name, [0, 0])
        entry[0] += 1
        entry[1] += latest.get(complaint_id) in (ComplaintOutcome.UPHELD, ComplaintOutcome.PARTLY_UPHELD)
    report.providers = sorted(((n, c, u) for n, (c, u) in per_provider.items()), key=lambda r: (-r[1], r[0]))
    return report
