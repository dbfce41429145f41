"""Writes for visits and call monitoring. Each service says what it guarantees."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from homecare.accounts.models import OrganisationType, Role, User
from homecare.people import rules as people_rules
from homecare.people.models import (
    CareModel,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    PersonalCareTask,
    VersionStatus,
)
from homecare.platform.notifications import notify
from homecare.providers import selectors as provider_selectors
from homecare.providers.models import Framework, FrameworkStatus
from homecare.quality import services as quality_services
from homecare.visits import rules, subcontracting, variations
from homecare.visits.models import (
    AlertKind,
    CallEvent,
    CancelReason,
    CorrectionReason,
    DeviceToken,
    EventKind,
    EventSource,
    HomeTag,
    Verification,
    Visit,
    VisitAlert,
    VisitAssignment,
    VisitStatus,
)


class DuplicateEventConflict(Exception):
    """A client id already used for a different event: the phone has a bug, not a retry."""


# --- generating visits from packages ------------------------------------------------------------


@dataclass
class Generated:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_with_evidence: int = 0
    packages: int = 0

    def __iadd__(self, other: Generated) -> Generated:
        for name in ("created", "updated", "removed", "kept_with_evidence", "packages"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def alert_minutes(package: Package, on: dt.date) -> tuple[int, int]:
    """(late after, escalate after) minutes from the live framework covering the person's zone."""
    lot = provider_selectors.live_lot_for(council=package.person.council, zone=package.person.zone, on=on)
    if lot is None:
        return settings.VISITS_LATE_ALERT_MINUTES, settings.VISITS_LATE_ESCALATION_MINUTES
    return lot.framework.late_alert_minutes, lot.framework.late_escalation_minutes


def _hold_periods(package: Package) -> list[tuple[dt.date, dt.date | None]]:
    """Days the package is on hold, from its status rows: hold at t until resumed (or still on hold)."""
    periods: list[tuple[dt.date, dt.date | None]] = []
    held_from = None
    for change in PackageStatusChange.objects.filter(package=package).order_by("at", "id"):
        day = timezone.localtime(change.at).date()
        if change.to_status == PackageStatus.ON_HOLD and held_from is None:
            held_from = day
        elif change.from_status == PackageStatus.ON_HOLD and held_from is not None:
            # Resumed today: today's visits still happen.
            periods.append((held_from, day - dt.timedelta(days=1)))
            held_from = None
    if held_from is not None:
        periods.append((held_from, None))
    return periods


def _held(day: dt.date, periods) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


@transaction.atomic
def visits_generate(*, package: Package, start: dt.date | None = None, days: int | None = None) -> Generated:
    """Plan the package's visits from `start` (default today) for `days` (default the horizon).

    Guarantees: running it again with nothing changed changes nothing; a change to the package moves,
    resizes or removes only visits with no call evidence (those are kept exactly as they are); days on
    hold, before the start, after the end or with no confirmed version get no visits.
    """
    package = (
        Package.objects.select_for_update()
        .select_related("person__zone", "person__council")
        .get(pk=package.pk)
    )
    start = start or timezone.localdate()
    end = start + dt.timedelta(days=(days or settings.VISITS_HORIZON_DAYS) - 1)
    result = Generated(packages=1)
    wanted: dict[dt.datetime, Visit] = {}
    if package.status in (PackageStatus.ACTIVE, PackageStatus.ON_HOLD) and package.provider_id:
        wanted = _wanted_visits(package, max(start, package.start_date), min(end, package.end_date or end))
    existing = {
        v.planned_start: v
        for v in Visit.objects.filter(package=package, date__gte=start, date__lte=end).prefetch_related(
            "events"
        )
    }
    for planned_start, visit in existing.items():
        has_evidence = bool(visit.events.all())
        if has_evidence:
            result.kept_with_evidence += 1
            wanted.pop(planned_start, None)
            continue
        new = wanted.pop(planned_start, None)
        if new is None:
            visit.delete()
            result.removed += 1
            continue
        fields = (
            "version",
            "pattern",
            "planned_minutes",
            "carers_required",
            "care_type",
            "tasks",
            "late_at",
            "provider",
        )
        if any(getattr(visit, f) != getattr(new, f) for f in fields):
            for f in fields:
                setattr(visit, f, getattr(new, f))
            visit.save(update_fields=fields)
            result.updated += 1
    # New visits go to whoever the package's visits are allocated to on their day (ADR 0015).
    subcontracting.deliverers_apply(package=package, visits=list(wanted.values()))
    Visit.objects.bulk_create(wanted.values())
    result.created = len(wanted)
    # Approved temporary increases (and extra time) apply to visits planned after their approval too.
    variations.visits_extra_minutes_recompute(
        visits=Visit.objects.filter(package=package, date__gte=start, date__lte=end)
    )
    return result


def _wanted_visits(package: Package, start: dt.date, end: dt.date) -> dict[dt.datetime, Visit]:
    versions = list(
        PackageVersion.objects.filter(package=package, status=VersionStatus.CONFIRMED)
        .prefetch_related("visit_pattern")
        .order_by("effective_from", "number")
    )
    holds = _hold_periods(package)
    late_minutes, _ = alert_minutes(package, start)
    wanted: dict[dt.datetime, Visit] = {}
    for i, version in enumerate(versions):
        # A version runs until the next one takes effect (or its own end date).
        version_end = versions[i + 1].effective_from - dt.timedelta(days=1) if i + 1 < len(versions) else end
        if version.effective_to:
            version_end = min(version_end, version.effective_to)
        first, last = max(start, version.effective_from), min(end, version_end)
        if version.care_model == CareModel.BUDGET_OF_HOURS:
            # No pattern: the provider plans visits flexibly (visit_plan_flexible). Keep those on days the
            # budget version still covers, so the nightly roll-forward does not remove them.
            for flexible in Visit.objects.filter(
                package=package, pattern__isnull=True, date__gte=first, date__lte=last
            ):
                if not _held(flexible.date, holds):
                    wanted[flexible.planned_start] = _flexible_visit(
                        package,
                        version,
                        flexible.planned_start,
                        flexible.planned_minutes,
                        flexible.carers_required,
                        flexible.tasks,
                        late_minutes,
                        flexible.care_type,
                    )
        for row in version.visit_pattern.all():
            for day in rules.pattern_days(row.days, first, last):
                if _held(day, holds):
                    continue
                planned = rules.local_start(day, row.preferred_start)
                wanted[planned] = Visit(
                    package=package,
                    version=version,
                    pattern=row,
                    person=package.person,
                    council=package.person.council,
                    provider_id=package.provider_id,
                    date=day,
                    planned_start=planned,
                    planned_minutes=row.duration_minutes,
                    carers_required=row.carers_required,
                    care_type=row.care_type,
                    tasks=list(row.tasks),
                    late_at=planned + dt.timedelta(minutes=late_minutes),
                )
    return wanted


def _flexible_visit(
    package, version, planned, minutes, carers, tasks, late_minutes, care_type="day"
) -> Visit:
    return Visit(
        package=package,
        version=version,
        pattern=None,
        person=package.person,
        council=package.person.council,
        provider_id=package.provider_id,
        date=planned.astimezone(rules.LONDON).date(),
        planned_start=planned,
        planned_minutes=minutes,
        carers_required=carers,
        care_type=care_type,
        tasks=list(tasks),
        late_at=planned + dt.timedelta(minutes=late_minutes),
    )


@transaction.atomic
def visit_plan_flexible(
    *,
    actor: User,
    package: Package,
    start: dt.datetime,
    minutes: int,
    carers_required: int = 1,
    tasks: tuple[str, ...] | list[str] = (),
) -> Visit:
    """A provider's manager plans a visit within a budget-of-hours package (which has no visit pattern).

    Guarantees the invariants of generated visits: an aware start, a valid time band, one or two carers,
    known tasks, the day's confirmed budget version, the framework's late-alert minutes, and one visit per
    start time; never on a day the package is on hold, not yet started, ended or in the past. The nightly
    roll-forward keeps it (and moves it to a newer budget version from that version's date).
    """
    package = (
        Package.objects.select_for_update()
        .select_related("person__zone", "person__council")
        .get(pk=package.pk)
    )
    _require_manager_of(actor, package.provider_id)
    if start.tzinfo is None:
        raise ValidationError({"start": "The start time must include its time zone"})
    day = start.astimezone(rules.LONDON).date()
    errors: dict[str, str] = {}
    problem = people_rules.time_band_problem(minutes)
    if problem:
        errors["minutes"] = problem
    if carers_required not in (1, 2):
        errors["carers_required"] = "A visit needs one or two carers"
    if any(t not in PersonalCareTask.values for t in tasks):
        errors["tasks"] = "Choose tasks from the list"
    if package.status != PackageStatus.ACTIVE:
        errors["start"] = "Visits can be planned only while the package is active"
    elif day < max(timezone.localdate(), package.start_date) or (package.end_date and day > package.end_date):
        errors["start"] = "Choose a day from today (and the package's start) to the package's end"
    version = (
        PackageVersion.objects.filter(package=package, status=VersionStatus.CONFIRMED)
        .filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from", "-number")
        .first()
    )
    if "start" not in errors and (version is None or version.care_model != CareModel.BUDGET_OF_HOURS):
        errors["start"] = "On this day the package is not a budget of hours: its visits follow its pattern"
    if not errors and _held(day, _hold_periods(package)):
        errors["start"] = "The package is on hold that day"
    planned = start.astimezone(dt.UTC)
    if not errors and Visit.objects.filter(package=package, planned_start=planned).exists():
        errors["start"] = "A visit is already planned at that time"
    if errors:
        raise ValidationError(errors)
    late_minutes, _ = alert_minutes(package, day)
    visit = _flexible_visit(
        package, version, planned, minutes, carers_required, sorted(set(tasks)), late_minutes
    )
    visit.save()
    return visit


def visits_generate_all(*, start: dt.date | None = None, days: int | None = None) -> Generated:
    """The nightly roll-forward: every active or held package, one transaction each."""
    total = Generated()
    packages = Package.objects.filter(
        status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD), provider__isnull=False
    ).order_by("id")
    for package in packages.iterator():
        total += visits_generate(package=package, start=start, days=days)
    return total


# --- assigning care workers --------------------------------------------------------------------


def _require_manager_of(actor: User, provider_id: int | None) -> None:
    if not (
        actor.is_authenticated
        and actor.role == Role.PROVIDER_MANAGER
        and actor.organisation_id == provider_id
        and provider_id is not None
    ):
        raise PermissionDenied("Only the provider's managers can do this")


@transaction.atomic
def visit_assign(*, actor: User, visit: Visit, care_worker: User, slot: int | None = None) -> VisitAssignment:
    """Put a care worker of the visit's deliverer (its provider, or the subcontractor it was given to) in
    a free slot (or the one named, replacing whoever was there). Refuses a worker from another
    organisation, a worker already on the visit, a slot the visit does not have, and a subcontractor the
    council has suspended from new work."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require_manager_of(actor, visit.deliverer_id)
    subcontracting.require_taking_work(visit=visit)
    if care_worker.role != Role.CARE_WORKER or care_worker.organisation_id != visit.deliverer_id:
        raise ValidationError({"care_worker": "Choose one of your own care workers"})
    if not care_worker.is_active:
        raise ValidationError({"care_worker": f"{care_worker.get_full_name()} can no longer sign in"})
    if visit.status in (VisitStatus.COMPLETED, VisitStatus.CANCELLED):
        raise ValidationError(f"This visit is {visit.get_status_display().lower()}")
    taken = {a.slot: a for a in visit.assignments.all()}
    if any(a.care_worker_id == care_worker.pk for a in taken.values()):
        raise ValidationError({"care_worker": f"{care_worker.get_full_name()} is already on this visit"})
    if slot is None:
        free = [s for s in range(1, visit.carers_required + 1) if s not in taken]
        if not free:
            raise ValidationError("Every carer slot on this visit is filled: remove someone first")
        slot = free[0]
    if not 1 <= slot <= visit.carers_required:
        raise ValidationError({"slot": f"This visit needs {visit.carers_required} carer(s)"})
    if slot in taken:
        taken[slot].delete()
    return VisitAssignment.objects.create(
        visit=visit, slot=slot, care_worker=care_worker, assigned_by=actor, assigned_at=timezone.now()
    )


@transaction.atomic
def visit_unassign(*, actor: User, assignment: VisitAssignment) -> None:
    _require_manager_of(actor, assignment.visit.deliverer_id)
    assignment.delete()


# --- call events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """What a phone (or a manager, or an import) reports. Times are aware; the client id is its UUID."""

    client_id: uuid.UUID
    kind: str
    occurred_at: dt.datetime
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None
    tag_token: str = ""
    tasks_done: tuple[str, ...] = ()
    text: str = ""
    reason_code: str = ""
    extra: dict = field(default_factory=dict)

    def fingerprint(self, visit_id: int) -> str:
        body = {
            "visit": visit_id,
            "kind": self.kind,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat(),
            "latitude": None if self.latitude is None else str(Decimal(self.latitude).normalize()),
            "longitude": None if self.longitude is None else str(Decimal(self.longitude).normalize()),
            "accuracy_m": self.accuracy_m,
            "tag": self.tag_token,
            "tasks": sorted(self.tasks_done),
            "text": self.text,
            "reason": self.reason_code,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


PHONE_KINDS = frozenset({EventKind.CHECK_IN, EventKind.CHECK_OUT, EventKind.NOTE, EventKind.CONCERN})


def _may_record(actor: User, visit: Visit) -> bool:
    """A care worker on the visit, or a manager of the organisation delivering it: a subcontracted visit
    is evidenced by the subcontractor's call monitoring, not the lead's."""
    if actor.role == Role.CARE_WORKER:
        return visit.assignments.filter(care_worker=actor).exists()
    return actor.role == Role.PROVIDER_MANAGER and actor.organisation_id == visit.deliverer_id


def event_record(
    *,
    actor: User,
    visit: Visit,
    event: EventInput,
    source: str = EventSource.APP,
    now: dt.datetime | None = None,
) -> tuple[CallEvent, bool]:
    """Store one event exactly once; returns (event, created).

    Guarantees: a retry with the same client id and the same content returns the event first stored
    (created False), whatever order events arrive in and however many copies race; the same client id
    with different content raises DuplicateEventConflict; an event for a visit the actor is not on is
    refused; the visit's status is recomputed from all its events in the same transaction.
    """
    existing = CallEvent.objects.filter(client_id=event.client_id).first()
    if existing is not None:
        return _same_or_conflict(existing, event), False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Lock the visit so concurrent events for it are applied one after another: each recompute
            # then sees every event committed before it.
            visit = Visit.objects.select_for_update().select_related("person").get(pk=visit.pk)
            if not _may_record(actor, visit):
                raise PermissionDenied("You are not on this visit")
            row = _build_event(actor=actor, visit=visit, event=event, source=source, now=now)
            row.save()
            visit_refresh(visit=visit, now=now)
            if row.kind == EventKind.CONCERN:
                _notify_concern(visit, row)
    except IntegrityError:
        # A copy of this event won the race between our look-up and our insert.
        existing = CallEvent.objects.filter(client_id=event.client_id).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, event), False
    return row, True


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one event of a phone's queue."""

    result: str  # stored, already_stored, conflict, rejected, not_found
    event: CallEvent | None = None
    errors: dict = field(default_factory=dict)


def _recordable_visits(actor: User, visit_ids) -> dict[int, Visit]:
    """The visits the actor may record on: a care worker's own assignments, a manager's provider's."""
    visits = Visit.objects.filter(pk__in=list(visit_ids))
    if actor.role == Role.CARE_WORKER:
        visits = visits.filter(assignments__care_worker=actor)
    elif actor.role == Role.PROVIDER_MANAGER and actor.organisation_id:
        # The organisation delivering the visit (Visit.deliverer_id), as _may_record.
        org = actor.organisation_id
        visits = visits.filter(Q(provider_id=org, delivered_by__isnull=True) | Q(delivered_by_id=org))
    else:
        return {}
    return {v.pk: v for v in visits}


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A refusal as {field: [messages]} (the API's and the batch results' shape)."""
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def events_record_batch(
    *,
    actor: User,
    items: list[tuple[int, EventInput]],
    source: str = EventSource.APP,
    now: dt.datetime | None = None,
) -> list[BatchOutcome]:
    """A phone's queue of (visit id, event) in one go, with event_record's guarantees for each event.

    Set-based: one look-up of known client ids, one of the visits, their rows locked in id order (so two
    batches never deadlock), one insert and one status refresh per visit. Should a copy of one of these
    events be stored concurrently (the insert's unique constraint trips), the batch is rolled back and
    its events are recorded one at a time, which settles each race as event_record does.
    """
    now = now or timezone.now()
    outcomes: list[BatchOutcome | None] = [None] * len(items)
    known = {
        e.client_id: e for e in CallEvent.objects.filter(client_id__in=[ev.client_id for _, ev in items])
    }
    recordable = _recordable_visits(actor, {visit_id for visit_id, _ in items})
    pending: list[tuple[int, int, EventInput]] = []
    for i, (visit_id, ev) in enumerate(items):
        if ev.client_id in known:
            outcomes[i] = _known_outcome(known[ev.client_id], ev)
        elif visit_id not in recordable:
            outcomes[i] = BatchOutcome("not_found", errors={"visit_id": ["No such visit"]})
        else:
            pending.append((i, visit_id, ev))
    if pending:
        try:
            with transaction.atomic():
                _store_batch(actor, pending, outcomes, source, now)
        except IntegrityError:
            for i, visit_id, ev in pending:
                outcomes[i] = _one_at_a_time(actor, recordable[visit_id], ev, source, now)
    return outcomes  # type: ignore[return-value]


def _known_outcome(existing: CallEvent, ev: EventInput) -> BatchOutcome:
    if existing.payload_hash != ev.fingerprint(existing.visit_id):
        return BatchOutcome("conflict", errors={"client_id": ["Already received with different details"]})
    return BatchOutcome("already_stored", existing)


def _store_batch(actor, pending, outcomes, source, now) -> None:
    locked = {
        v.pk: v
        for v in Visit.objects.select_for_update()
        .select_related("person")
        .filter(pk__in=sorted({visit_id for _, visit_id, _ in pending}))
        .order_by("pk")
    }
    rows: list[tuple[int, CallEvent]] = []
    first_of: dict = {}
    repeats: list[tuple[int, EventInput]] = []
    for i, visit_id, ev in pending:
        if ev.client_id in first_of:
            repeats.append((i, ev))  # the queue holds the same event twice
            continue
        try:
            row = _build_event(actor=actor, visit=locked[visit_id], event=ev, source=source, now=now)
        except ValidationError as exc:
            outcomes[i] = BatchOutcome("rejected", errors=validation_errors(exc))
            continue
        rows.append((i, row))
        first_of[ev.client_id] = row
    CallEvent.objects.bulk_create([row for _, row in rows])
    visits_refresh(visits=[locked[pk] for pk in sorted({row.visit_id for _, row in rows})], now=now)
    for i, row in rows:
        outcomes[i] = BatchOutcome("stored", row)
        if row.kind == EventKind.CONCERN:
            _notify_concern(locked[row.visit_id], row)
    for i, ev in repeats:
        outcomes[i] = _known_outcome(first_of[ev.client_id], ev)


def _one_at_a_time(actor, visit, ev, source, now) -> BatchOutcome:
    try:
        row, created = event_record(actor=actor, visit=visit, event=ev, source=source, now=now)
    except DuplicateEventConflict:
        return BatchOutcome("conflict", errors={"client_id": ["Already received with different details"]})
    except ValidationError as exc:
        return BatchOutcome("rejected", errors=validation_errors(exc))
    except PermissionDenied:
        return BatchOutcome("not_found", errors={"visit_id": ["No such visit"]})
    return BatchOutcome("stored" if created else "already_stored", row)


def _same_or_conflict(existing: CallEvent, event: EventInput) -> CallEvent:
    if existing.payload_hash != event.fingerprint(existing.visit_id):
        raise DuplicateEventConflict(f"Event {event.client_id} was already received with different details")
    return existing


def _build_event(*, actor: User, visit: Visit, event: EventInput, source: str, now: dt.datetime) -> CallEvent:
    if event.kind not in PHONE_KINDS:
        raise ValidationError({"kind": "Send a check-in, check-out, note or concern"})
    if timezone.is_naive(event.occurred_at):
        raise ValidationError(
            {"occurred_at": "Give the time with its offset, for example 2026-03-29T08:05:00+01:00"}
        )
    row = CallEvent(
        client_id=event.client_id,
        payload_hash=event.fingerprint(visit.pk),
        visit=visit,
        kind=event.kind,
        source=source,
        recorded_by=actor,
        occurred_at=event.occurred_at,
        received_at=now,
        clock_flag=rules.clock_problem(
            occurred_at=event.occurred_at, received_at=now, planned_start=visit.planned_start
        ),
        tasks_done=[t for t in event.tasks_done if t in visit.tasks],
        text=event.text.strip(),
        reason_code=event.reason_code,
    )
    if event.kind == EventKind.CONCERN and not row.text:
        raise ValidationError({"text": "Describe the concern"})
    if event.kind == EventKind.CHECK_IN:
        _verify_presence(row, visit, event)
    elif event.latitude is not None and event.longitude is not None:
        _locate(row, visit, event)
    return row


def _locate(row: CallEvent, visit: Visit, event: EventInput) -> None:
    row.latitude, row.longitude, row.accuracy_m = event.latitude, event.longitude, event.accuracy_m
    person = visit.person
    if person.latitude is not None and person.longitude is not None:
        row.distance_m = rules.distance_m(event.latitude, event.longitude, person.latitude, person.longitude)


def _verify_presence(row: CallEvent, visit: Visit, event: EventInput) -> None:
    """A check-in is verified by the home's QR tag, or by a location fix within the radius; a fix
    outside it is kept (with distance and accuracy) but marked out of range."""
    if event.tag_token:
        live = HomeTag.objects.filter(
            person_id=visit.person_id, token=event.tag_token, revoked_at__isnull=True
        ).exists()
        if not live:
            raise ValidationError({"tag_token": "This QR tag is not the one in this person's home"})
        row.method = Verification.TAG
        return
    if event.latitude is None or event.longitude is None:
        raise ValidationError({"latitude": "Share your location or scan the QR tag to check in"})
    _locate(row, visit, event)
    if row.distance_m is None:
        row.method = Verification.OUT_OF_RANGE  # the home has no location on record to compare with
        return
    radius = settings.VISITS_CHECK_IN_RADIUS_M
    inside = rules.within_radius(row.distance_m, event.accuracy_m, radius)
    row.method = Verification.GEOLOCATION if inside else Verification.OUT_OF_RANGE


_DERIVED_FIELDS = [
    "status",
    "verification",
    "actual_start",
    "actual_end",
    "actual_minutes",
    "cancel_reason",
    "clock_flagged",
]


def _apply_delivery(visit: Visit, events: list[CallEvent], now: dt.datetime) -> None:
    """Set the visit's cached status, verification and actual times from its events (not saved)."""
    cancel = next((e for e in events if e.kind == EventKind.CANCEL), None)
    delivery = rules.derive_delivery(
        [
            rules.EventFact(
                id=e.pk,
                kind=e.kind,
                occurred_at=e.occurred_at,
                method=e.method,
                corrects_id=e.corrects_id,
                corrected_start=e.corrected_start,
                corrected_end=e.corrected_end,
            )
            for e in events
        ],
        planned_start=visit.planned_start,
        planned_minutes=visit.planned_minutes,
        late_at=visit.late_at,
        now=now,
        cancel_reason=CancelReason(cancel.reason_code).label if cancel else "",
    )
    visit.status = delivery.status
    visit.verification = delivery.verification
    visit.actual_start, visit.actual_end = delivery.actual_start, delivery.actual_end
    visit.actual_minutes = visit.delivered_minutes
    visit.cancel_reason = delivery.cancel_reason
    visit.clock_flagged = any(e.clock_flag for e in events)


def visit_refresh(*, visit: Visit, now: dt.datetime | None = None) -> Visit:
    """Recompute the visit's cached status, verification and actual times from its events."""
    _apply_delivery(visit, list(visit.events.all()), now or timezone.now())
    visit.save(update_fields=_DERIVED_FIELDS)
    return visit


def visits_refresh(*, visits: list[Visit], now: dt.datetime | None = None) -> None:
    """visit_refresh for many visits at once (imports): their events in one query, one bulk update."""
    now = now or timezone.now()
    events: dict[int, list[CallEvent]] = {v.pk: [] for v in visits}
    for event in CallEvent.objects.filter(visit_id__in=list(events)).order_by("id"):
        events[event.visit_id].append(event)
    for visit in visits:
        _apply_delivery(visit, events[visit.pk], now)
    Visit.objects.bulk_update(visits, _DERIVED_FIELDS, batch_size=500)


def _notify_concern(visit: Visit, event: CallEvent) -> None:
    # The provider's managers, and the subcontractor's when it delivered the visit.
    managers = User.objects.filter(
        organisation_id__in={visit.provider_id, visit.deliverer_id},
        role=Role.PROVIDER_MANAGER,
        is_active=True,
    )
    notify(
        recipients=managers,
        text=f"Concern raised at the {timezone.localtime(visit.planned_start):%H:%M} visit "
        f"on {visit.date:%-d %b}",
        link=f"/visits/{visit.pk}/",
    )
    # The council's safeguarding team gets it as a concern to triage (Care Act s42; quality app).
    quality_services.concern_raise_from_call_event(event=event)


@transaction.atomic
def visit_correct(
    *,
    actor: User,
    visit: Visit,
    reason_code: str,
    note: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    corrects: CallEvent | None = None,
) -> CallEvent:
    """A provider manager's correction: a new event with the reason and the times it sets; the events it
    corrects stay as they were and are shown beside it."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require_manager_of(actor, visit.deliverer_id)
    errors = {}
    if reason_code not in CorrectionReason.values:
        errors["reason_code"] = "Choose the reason for the correction"
    if reason_code == CorrectionReason.OTHER and not note.strip():
        errors["note"] = "Explain the correction"
    if start is None and end is None:
        errors["start"] = "Enter the check-in time, the check-out time or both"
    effective_start = start or visit.actual_start
    if end is not None and effective_start is not None and end <= effective_start:
        errors["end"] = "The check-out must be after the check-in"
    if end is not None and effective_start is None:
        errors["start"] = "Enter the check-in time as well: this visit has none"
    if corrects is not None and corrects.visit_id != visit.pk:
        errors["corrects"] = "That event belongs to another visit"
    now = timezone.now()
    for name, value in (("start", start), ("end", end)):
        if value is not None and value > now:
            errors[name] = "The time cannot be in the future"
    if errors:
        raise ValidationError(errors)
    row = CallEvent.objects.create(
        payload_hash=hashlib.sha256(f"correction:{uuid.uuid4()}".encode()).hexdigest(),
        visit=visit,
        kind=EventKind.CORRECTION,
        source=EventSource.MANAGER,
        recorded_by=actor,
        occurred_at=now,
        received_at=now,
        reason_code=reason_code,
        text=note.strip(),
        corrects=corrects,
        corrected_start=start,
        corrected_end=end,
        method=Verification.MANUAL,
    )
    visit_refresh(visit=visit, now=now)
    return row


@transaction.atomic
def visit_cancel(*, actor: User, visit: Visit, reason_code: str, note: str = "") -> CallEvent:
    """Cancel a visit that has not started, with the reason; the cancellation is an event like any other."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require_manager_of(actor, visit.deliverer_id)
    if visit.status in (VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED):
        raise ValidationError("This visit has started: correct it instead of cancelling it")
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError("This visit is already cancelled")
    if reason_code not in CancelReason.values:
        raise ValidationError({"reason_code": "Choose why the visit is cancelled"})
    if reason_code == CancelReason.OTHER and not note.strip():
        raise ValidationError({"note": "Explain why the visit is cancelled"})
    now = timezone.now()
    row = CallEvent.objects.create(
        payload_hash=hashlib.sha256(f"cancel:{uuid.uuid4()}".encode()).hexdigest(),
        visit=visit,
        kind=EventKind.CANCEL,
        source=EventSource.MANAGER,
        recorded_by=actor,
        occurred_at=now,
        received_at=now,
        reason_code=reason_code,
        text=note.strip(),
    )
    visit_refresh(visit=visit, now=now)
    return row


# --- late and missed visits ---------------------------------------------------------------------


@dataclass(frozen=True)
class LateScan:
    late: int
    missed: int
    escalated: int


def late_visits_flag(*, now: dt.datetime | None = None) -> LateScan:
    """The background scan (every few minutes): visits with no check-in by their late time become late
    and raise an alert to their provider; by their planned end plus the same allowance, missed; alerts
    nobody has acknowledged by the framework's escalation time go to the council.

    Guarantees: running it twice at the same moment changes nothing the second time (one alert per
    visit and kind); a visit checked in meanwhile is never flagged (the status filter sees the check-in).
    Set-based, so a day of 100,000 visits is a handful of statements.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            late, missed = _flag_and_alert(now)
        else:
            late, missed = _flag_in_steps(now)
        # In the same transaction as the flags: were the worker to die between a commit of the flags
        # and the notifications, the re-run would find nothing new to flag and nobody would be told.
        escalated = _escalate(now)
        _notify_providers(late, missed)
    return LateScan(late=len(late), missed=len(missed), escalated=escalated)


def _missed_condition() -> str:
    """late_at + planned_minutes <= now, in the database's own date arithmetic. late_at is a whole
    minute (planned start + allowance), so SQLite's whole-second epoch is exact there."""
    if connection.vendor == "postgresql":
        return "late_at + make_interval(mins => planned_minutes) <= %(now)s"
    return "CAST(strftime('%%s', late_at) AS INTEGER) + planned_minutes * 60 <= %(epoch)s"


def _scan_params(now: dt.datetime) -> dict:
    return {
        # compared and stored as the ORM stores datetimes (UTC text on SQLite)
        "now": connection.ops.adapt_datetimefield_value(now),
        "epoch": int(now.timestamp()),
        "planned": VisitStatus.PLANNED,
        "late": VisitStatus.LATE,
        "missed": VisitStatus.MISSED,
        "late_kind": AlertKind.LATE,
        "missed_kind": AlertKind.MISSED,
    }


def _flag_and_alert(now: dt.datetime) -> tuple[list[int], list[int]]:
    """PostgreSQL: one statement. Each visit is written once, straight to its final status (a planned
    visit already past its missed time goes to missed without a detour through late), and its alerts are
    raised from the rows the UPDATE returns, so the scan never re-reads the day. A visit that reaches
    missed from planned still gets its late alert: the late alert of a visit that was already late
    exists, so ON CONFLICT skips it, and that is also how "newly late" is told apart. Returns the
    provider of each newly late and each newly missed visit."""
    quote = connection.ops.quote_name
    visits, alerts = quote(Visit._meta.db_table), quote(VisitAlert._meta.db_table)
    missed = _missed_condition()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH moved AS ("  # noqa: S608 # nosec B608 - model table names
            f" UPDATE {visits} SET status = CASE WHEN {missed} THEN %(missed)s ELSE %(late)s END"
            f" WHERE late_at <= %(now)s AND actual_start IS NULL"
            f" AND (status = %(planned)s OR (status = %(late)s AND {missed}))"
            " RETURNING id, provider_id, status),"
            f" raised AS (INSERT INTO {alerts} (visit_id, kind, raised_at, action_taken)"
            " SELECT id, %(late_kind)s, %(now)s, '' FROM moved"
            " UNION ALL SELECT id, %(missed_kind)s, %(now)s, '' FROM moved WHERE status = %(missed)s"
            " ON CONFLICT (visit_id, kind) DO NOTHING RETURNING visit_id, kind)"
            " SELECT moved.provider_id, moved.status, raised.visit_id IS NOT NULL FROM moved"
            " LEFT JOIN raised ON raised.visit_id = moved.id AND raised.kind = %(late_kind)s",
            _scan_params(now),
        )
        rows = cursor.fetchall()
    late = [provider for provider, _, newly_late in rows if newly_late]
    missed_ = [provider for provider, status, _ in rows if status == VisitStatus.MISSED]
    return late, missed_


def _flag_in_steps(now: dt.datetime) -> tuple[list[int], list[int]]:
    """SQLite (no data-modifying WITH): planned → late, alerts, late → missed, alerts. Each step is one
    statement whose WHERE re-reads the status: a visit checked in since the last one is not matched."""
    late = _flag(VisitStatus.PLANNED, VisitStatus.LATE, now, missed_only=False)
    _raise_alerts(VisitStatus.LATE, AlertKind.LATE, now)  # before some of them move on to missed
    missed = _flag(VisitStatus.LATE, VisitStatus.MISSED, now, missed_only=True)
    _raise_alerts(VisitStatus.MISSED, AlertKind.MISSED, now)
    return late, missed


def _flag(current: str, new: str, now: dt.datetime, *, missed_only: bool) -> list[int]:
    """Move visits due by `now` and still without a check-in from one status to the next, in one
    UPDATE; returns the provider of each visit moved."""
    visits = connection.ops.quote_name(Visit._meta.db_table)
    condition = f" AND {_missed_condition()}" if missed_only else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {visits} SET status = %(new)s "  # noqa: S608 # nosec B608 - model table name
            f"WHERE status = %(current)s AND late_at <= %(now)s AND actual_start IS NULL{condition} "
            "RETURNING provider_id",
            {**_scan_params(now), "new": new, "current": current},
        )
        return [provider_id for (provider_id,) in cursor.fetchall()]


def _raise_alerts(status: str, kind: str, now: dt.datetime) -> None:
    """One alert of this kind for every visit in this status by now: a single INSERT ... SELECT whose
    conflicts (visits alerted on an earlier scan) are skipped by the unique (visit, kind) constraint."""
    quote = connection.ops.quote_name
    alerts, visits = quote(VisitAlert._meta.db_table), quote(Visit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {alerts} (visit_id, kind, raised_at, action_taken) "  # noqa: S608 # nosec B608 - model table names
            f"SELECT id, %(kind)s, %(now)s, '' FROM {visits} "
            "WHERE status = %(status)s AND late_at <= %(now)s ON CONFLICT (visit_id, kind) DO NOTHING",
            {**_scan_params(now), "kind": kind, "status": status},
        )


def escalation_minutes(*, council_id: int, on: dt.date) -> int:
    """How long a provider has to resolve an alert before the council is told: the council's live
    framework's setting (the latest to have started), else the default."""
    framework = (
        Framework.objects.filter(council_id=council_id, status=FrameworkStatus.LIVE, start_date__lte=on)
        .order_by("-start_date", "-id")
        .first()
    )
    return framework.late_escalation_minutes if framework else settings.VISITS_LATE_ESCALATION_MINUTES


def _escalate(now: dt.datetime) -> int:
    """Open alerts past their council's escalation time, for visits still not checked in: one update and
    one notification per council, however many alerts.

    Read in two single-table steps (open alerts, then their visits by primary key) rather than one join:
    right after a burst of alerts the planner's statistics still describe an empty alerts table, and a
    join it plans on them can scan that table once per visit (50 s for a day of 100,000 visits)."""
    soonest = now - dt.timedelta(minutes=_soonest_escalation_minutes())
    open_alerts = list(
        VisitAlert.objects.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, raised_at__lte=soonest
        ).values_list("pk", "visit_id", "raised_at")
    )
    if not open_alerts:
        return 0
    council_of: dict[int, int] = {}
    for chunk in _chunks(sorted({visit_id for _, visit_id, _ in open_alerts})):
        council_of.update(
            Visit.objects.filter(
                pk__in=chunk,
                actual_start__isnull=True,
                status__in=(VisitStatus.LATE, VisitStatus.MISSED),
            ).values_list("pk", "council_id")
        )
    due_by_council: dict[int, list[int]] = {}
    cutoffs: dict[int, dt.datetime] = {}
    for alert_id, visit_id, raised_at in open_alerts:
        council_id = council_of.get(visit_id)
        if council_id is None:
            continue  # checked in (or cancelled) since the alert: nothing to escalate
        if council_id not in cutoffs:
            minutes = escalation_minutes(council_id=council_id, on=timezone.localdate(now))
            cutoffs[council_id] = now - dt.timedelta(minutes=minutes)
        if raised_at <= cutoffs[council_id]:
            due_by_council.setdefault(council_id, []).append(alert_id)
    total = 0
    for council_id, due in due_by_council.items():
        for chunk in _chunks(due):
            total += VisitAlert.objects.filter(pk__in=chunk, escalated_at__isnull=True).update(
                escalated_at=now
            )
        officers = User.objects.filter(
            organisation_id=council_id,
            organisation__type=OrganisationType.COUNCIL,
            role__in=(Role.COMMISSIONER, Role.BROKER),
            is_active=True,
        )
        notify(
            recipients=officers,
            text=f"{len(due)} late or missed visit(s) not resolved by the provider",
            link="/visits/board/",
        )
    return total


def _soonest_escalation_minutes() -> int:
    """No council escalates sooner than this, so alerts raised since cannot be due (the first scan of a
    busy day raises thousands of alerts and escalates none of them)."""
    live = Framework.objects.filter(status=FrameworkStatus.LIVE).aggregate(m=Min("late_escalation_minutes"))
    return min(m for m in (live["m"], settings.VISITS_LATE_ESCALATION_MINUTES) if m is not None)


def _chunks(ids: list[int], size: int = 2000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _notify_providers(late: list[int], missed: list[int]) -> None:
    """One notification per provider with visits newly late or missed: "3 late, 1 missed"."""
    counts: dict[int, list[int]] = {}
    for column, providers in ((0, late), (1, missed)):
        for provider_id in providers:
            if provider_id:
                counts.setdefault(provider_id, [0, 0])[column] += 1
    if not counts:
        return
    by_provider: dict[int, list[User]] = {}
    for m in User.objects.filter(
        organisation_id__in=list(counts), role=Role.PROVIDER_MANAGER, is_active=True
    ):
        by_provider.setdefault(m.organisation_id, []).append(m)
    for provider_id, (n_late, n_missed) in counts.items():
        parts = [f"{n_late} late" if n_late else "", f"{n_missed} missed" if n_missed else ""]
        notify(
            recipients=by_provider.get(provider_id, []),
            text=f"Visits need attention: {', '.join(p for p in parts if p)}",
            link="/visits/board/",
        )


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: VisitAlert, action_taken: str) -> VisitAlert:
    """The provider records what it did (phoned the carer, told the family); once only."""
    alert = VisitAlert.objects.select_for_update().select_related("visit").get(pk=alert.pk)
    # The late scan tells the provider; a subcontractor delivering the visit may answer it too.
    if actor.organisation_id != alert.visit.delivered_by_id or actor.organisation_id is None:
        _require_manager_of(actor, alert.visit.provider_id)
    else:
        _require_manager_of(actor, alert.visit.delivered_by_id)
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert has already been acknowledged")
    if not action_taken.strip():
        raise ValidationError({"action_taken": "Say what you did, for example who you phoned"})
    alert.acknowledged_at, alert.acknowledged_by, alert.action_taken = (
        timezone.now(),
        actor,
        action_taken.strip(),
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
    return alert


# --- devices and home tags ----------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def device_register(*, user: User, name: str) -> tuple[DeviceToken, str]:
    """A new API token for one of the care worker's phones; the raw token is returned once, never kept."""
    if user.role != Role.CARE_WORKER:
        raise PermissionDenied("Only care workers register phones")
    name = name.strip()[:100] or "Phone"
    raw = secrets.token_urlsafe(32)
    device = DeviceToken.objects.create(
        user=user, name=name, token_hash=_hash_token(raw), created_at=timezone.now()
    )
    return device, raw


def device_user(raw: str) -> User | None:
    """The active care worker a bearer token belongs to, or None."""
    if not raw:
        return None
    device = (
        DeviceToken.objects.select_related("user__organisation")
        .filter(token_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if device is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a phone syncing 50 events should not write 50 times.
    if device.last_used_at is None or now - device.last_used_at > dt.timedelta(minutes=1):
        DeviceToken.objects.filter(pk=device.pk).update(last_used_at=now)
    return device.user


def device_revoke(*, actor: User, device: DeviceToken) -> None:
    if device.user_id != actor.pk and not (
        actor.role == Role.PROVIDER_MANAGER and actor.organisation_id == device.user.organisation_id
    ):
        raise PermissionDenied
    DeviceToken.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def home_tag_issue(*, actor: User, person) -> HomeTag:
    """A new QR tag for the person's home; the provider's previous tag there stops working."""
    if (
        actor.role != Role.PROVIDER_MANAGER
        or not Visit.objects.filter(person=person, provider_id=actor.organisation_id).exists()
    ):
        raise PermissionDenied("Only a provider visiting this person can print their tag")
    now = timezone.now()
    HomeTag.objects.filter(person=person, provider_id=actor.organisation_id, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return HomeTag.objects.create(
        person=person,
        provider_id=actor.organisation_id,
        token=secrets.token_urlsafe(18),
        created_by=actor,
        created_at=now,
    )
