"""Variations: writes (requests, the council's decision, withdrawal) and scoped reads, with the evidence
pack a practitioner reads before deciding on a reassessment or a temporary increase.

The workflow (DOMAIN.md section 5):

    provider manager                      council (broker, commissioner or practitioner)
    requests extra time / emergency  ──►  approves or rejects, with a note, within 2 working days
    / temporary increase / reassessment   (the provider can withdraw while it waits)
    notes a preferred-time change    ──►  told, for information (nothing to decide)

What payment relies on: `Visit.extra_minutes` is always *recomputed* from the approved variations
(`visits_extra_minutes_recompute`), never incremented, so running it twice, or deciding in any order,
leaves the same number. It holds minutes per carer, for each of the visit's `carers_required` carers, on
top of `planned_minutes`:

    extra time + emergencies on the visit: Σ(minutes × carers) ÷ carers_required, to the whole minute
                                           (halves up), so the money is the same as the carer-minutes
    + approved temporary increases in force on the visit's date for its call (not on cancelled visits)
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from homecare.accounts.models import OrganisationType, Role, User
from homecare.people import selectors as people_selectors
from homecare.people.models import Package, PackageStatus
from homecare.platform.calendar import add_working_days
from homecare.platform.notifications import notify
from homecare.visits import rules
from homecare.visits.models import Visit, VisitStatus
from homecare.visits.selectors import COUNCIL_ROLES
from homecare.visits.variation_models import (
    VISIT_KINDS,
    EmergencyService,
    Variation,
    VariationKind,
    VariationStatus,
    VariationStatusChange,
)

# The council decides within two working days of the request (weekends and bank holidays don't count).
DECISION_WORKING_DAYS = 2
# An emergency may be logged up to the end of the next working day after the incident.
EMERGENCY_LOGGING_WORKING_DAYS = 1
# Time bands move in 5-minute steps (DOMAIN.md: minimum 15 minutes, then 5-minute increments).
MINUTE_STEP = 5
MAX_EXTRA_MINUTES = 12 * 60
# A temporary increase bridges the wait for a reassessment; a lasting change is a new package version.
MAX_INCREASE_DAYS = 12 * 7
# An incident found on arrival may be a few minutes before the care worker managed to check in.
INCIDENT_BEFORE_CHECK_IN = dt.timedelta(minutes=15)
# "Over plan" in the evidence pack: delivered more than this many minutes over the planned time.
OVER_PLAN_MINUTES = 10
EVIDENCE_WEEKS = 4
MAX_EVIDENCE_WEEKS = 12

DECIDER_ROLES = frozenset({Role.PRACTITIONER, Role.BROKER, Role.COMMISSIONER})
OPEN_PACKAGE = (PackageStatus.ACTIVE, PackageStatus.ON_HOLD)
# Requested and approved variations count when checking what has already been claimed.
LIVE = (VariationStatus.REQUESTED, VariationStatus.APPROVED)

# The lifecycle: a request waits for the council; a preferred-time change is noted when made.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({VariationStatus.REQUESTED}), VariationStatus.APPROVED),
    "reject": (frozenset({VariationStatus.REQUESTED}), VariationStatus.REJECTED),
    "withdraw": (frozenset({VariationStatus.REQUESTED}), VariationStatus.WITHDRAWN),
}
_VERBS = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}


# --- who may do what ----------------------------------------------------------------------------


def may_request(user: User, package: Package) -> bool:
    """The managers of the package's provider (no one else asks on its behalf)."""
    return bool(
        user.is_authenticated
        and user.role == Role.PROVIDER_MANAGER
        and package.provider_id is not None
        and user.organisation_id == package.provider_id
    )


def decides_for(user: User, variation: Variation) -> bool:
    """A broker, commissioner or practitioner of the package's council (practitioners usually decide
    reassessments, brokers extra time)."""
    org = user.organisation if user.is_authenticated else None
    return bool(
        org is not None
        and org.type == OrganisationType.COUNCIL
        and org.pk == variation.council_id
        and user.role in DECIDER_ROLES
    )


def may_decide(user: User, variation: Variation) -> bool:
    """A decider for the variation's council, while it waits for a decision."""
    return decides_for(user, variation) and variation.status == VariationStatus.REQUESTED


def may_claim(user: User, visit: Visit) -> bool:
    """The managers of the provider that delivered the visit (even if the package has moved on since)."""
    return bool(
        user.is_authenticated
        and user.role == Role.PROVIDER_MANAGER
        and visit.provider_id is not None
        and user.organisation_id == visit.provider_id
    )


def may_withdraw(user: User, variation: Variation) -> bool:
    return bool(
        user.is_authenticated
        and user.role == Role.PROVIDER_MANAGER
        and user.organisation_id == variation.provider_id
        and variation.status == VariationStatus.REQUESTED
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- rules with edges (no database) -------------------------------------------------------------


def decision_due(requested_at: dt.datetime) -> dt.date:
    """The council's decision is due two working days after the day (in London) it was asked for."""
    return add_working_days(timezone.localdate(requested_at), DECISION_WORKING_DAYS)


def emergency_logging_deadline(incident_at: dt.datetime) -> dt.date:
    """The last day (in London) an emergency may be logged: the next working day after the incident."""
    return add_working_days(timezone.localdate(incident_at), EMERGENCY_LOGGING_WORKING_DAYS)


def round_up_to_step(minutes: int) -> int:
    """Up to the next 5-minute step (a wait of 41 minutes allows a claim of 45)."""
    return max(0, -(-minutes // MINUTE_STEP) * MINUTE_STEP)


def per_carer_minutes(carer_minutes: int, carers_required: int) -> int:
    """Carer-minutes spread over the carers a visit is paid for, to the whole minute, halves up.

    Payment pays `extra_minutes × carers_required`: one carer staying 45 minutes on a double-handed visit
    is 23 minutes for each of two carers (at most half a minute of pay away from the exact 45)."""
    carers = max(1, carers_required)
    return (2 * carer_minutes + carers) // (2 * carers)


def times_on_visit_day(visit: Visit, first: dt.time, then: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """Two times typed for a visit, on its day in London; the second before the first is the next day
    (an ambulance that came after midnight)."""
    first_at = rules.local_start(visit.date, first)
    then_at = rules.local_start(visit.date, then)
    if then_at <= first_at:
        then_at = rules.local_start(visit.date + dt.timedelta(days=1), then)
    return first_at, then_at


def _minutes_errors(minutes: int | None) -> str:
    if minutes is None or minutes <= 0:
        return "Enter the extra minutes, like 15"
    if minutes % MINUTE_STEP:
        return f"Enter the minutes in steps of {MINUTE_STEP}, like 15 or 20"
    if minutes > MAX_EXTRA_MINUTES:
        return "That is more than 12 hours: check the minutes"
    return ""


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _hm(at: dt.datetime | dt.time) -> str:
    if isinstance(at, dt.datetime):
        at = timezone.localtime(at)
    return f"{at:%H:%M}"


# --- requests -----------------------------------------------------------------------------------


def _locked_visit(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("package__person").get(pk=visit.pk)


def _locked_package(package: Package) -> Package:
    return Package.objects.select_for_update().select_related("person").get(pk=package.pk)


def _require_open(package: Package) -> None:
    if package.status not in OPEN_PACKAGE:
        raise ValidationError(
            f"This package is {package.get_status_display().lower()}: variations are for active packages"
        )


def _require_delivered(visit: Visit, what: str) -> None:
    if visit.status != VisitStatus.COMPLETED or visit.actual_minutes is None:
        raise ValidationError(
            f"{what} can only be claimed for a delivered visit: this one is "
            f"{visit.get_status_display().lower()}. If the care worker forgot to check out, correct the "
            "visit first."
        )


def _carers(visit: Visit, carers: int | None, errors: dict) -> int:
    if carers is None:
        return visit.carers_required
    if not 1 <= carers <= visit.carers_required:
        errors["carers"] = (
            "This visit needs one carer" if visit.carers_required == 1 else "Choose one or two carers"
        )
    return carers


def _reason(reason: str, errors: dict, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = message
    return reason


def _calls(package: Package, on: dt.date) -> list[dt.time]:
    """The preferred times of the package's calls in the version in force on a date."""
    version = people_selectors.current_version(package=package, on=on)
    if version is None:
        return []
    return sorted({row.preferred_start for row in version.visit_pattern.all()})


def _check_call(package: Package, visit_time: dt.time | None, on: dt.date, errors: dict) -> None:
    if visit_time is None:
        return
    calls = _calls(package, on)
    if visit_time not in calls:
        listed = ", ".join(_hm(t) for t in calls) or "none"
        errors["visit_time"] = f"The package has no call at {_hm(visit_time)}: its calls are at {listed}"


def _create(
    *, actor: User, package: Package, kind: str, reason: str, now: dt.datetime, provider_id: int, **fields
) -> Variation:
    status = (
        VariationStatus.NOTED if kind == VariationKind.PREFERRED_TIME_CHANGE else VariationStatus.REQUESTED
    )
    variation = Variation.objects.create(
        kind=kind,
        package=package,
        council_id=package.person.council_id,
        provider_id=provider_id,
        requested_by=actor,
        requested_at=now,
        reason=reason,
        status=status,
        due_on=decision_due(now) if status == VariationStatus.REQUESTED else None,
        **fields,
    )
    VariationStatusChange.objects.create(
        variation=variation, from_status="", to_status=status, at=now, by=actor
    )
    brokers = User.objects.filter(
        organisation_id=variation.council_id, role=Role.BROKER, is_active=True
    ).order_by("id")
    person = package.person.full_name
    if status == VariationStatus.NOTED:
        text = f"For information: {package.provider} changed a preferred time for {person}"
    else:
        text = f"{variation.get_kind_display()} requested for {person}: decide by {variation.due_on:%-d %b}"
    notify(recipients=brokers, text=text, link=reverse("visits:variation", args=[variation.pk]))
    return variation


@transaction.atomic
def variation_request_extra_time(
    *,
    actor: User,
    visit: Visit,
    minutes: int | None,
    reason: str,
    carers: int | None = None,
    now: dt.datetime | None = None,
) -> Variation:
    """Ask the council to pay for occasional extra time on a delivered visit (the person was unwell).

    Guarantees: only the visit's provider's managers may ask; the visit was delivered (checked out);
    minutes are positive 5-minute steps; the minutes claimed on the visit (requested or approved, this
    request included) never exceed what call monitoring shows over the plan, rounded up to 5 minutes;
    the council's brokers are told; the decision is due in 2 working days.
    """
    now = now or timezone.now()
    visit = _locked_visit(visit)
    _require(may_claim(actor, visit), "Not your visit")
    _require_delivered(visit, "Extra time")
    errors: dict[str, str] = {}
    if message := _minutes_errors(minutes):
        errors["minutes"] = message
    carers = _carers(visit, carers, errors)
    reason = _reason(
        reason, errors, "Say why the care worker stayed longer, for example the person was unwell"
    )
    if "minutes" not in errors and minutes is not None:
        claimed = sum(
            Variation.objects.filter(visit=visit, kind__in=VISIT_KINDS, status__in=LIVE).values_list(
                "minutes", flat=True
            )
        )
        allowed = round_up_to_step(visit.actual_minutes - visit.planned_minutes - claimed)
        if minutes > allowed:
            shown = (
                f"Call monitoring shows {visit.actual_minutes} minutes "
                f"against {visit.planned_minutes} planned"
            )
            if claimed:
                shown += f", and {claimed} extra minutes are already claimed"
            errors["minutes"] = (
                f"{shown}: claim at most {allowed} extra minutes"
                if allowed > 0
                else f"{shown}: no more to claim"
            )
    if errors:
        raise ValidationError(errors)
    return _create(
        actor=actor,
        package=visit.package,
        kind=VariationKind.EXTRA_TIME,
        reason=reason,
        now=now,
        provider_id=visit.provider_id,
        visit=visit,
        minutes=minutes,
        carers=carers,
    )


@transaction.atomic
def variation_request_emergency(
    *,
    actor: User,
    visit: Visit,
    minutes: int | None,
    service: str,
    incident_at: dt.datetime | None,
    handover_at: dt.datetime | None,
    reason: str,
    carers: int | None = None,
    now: dt.datetime | None = None,
) -> Variation:
    """Log emergency extra time: a care worker stayed with the person until the ambulance (111, police,
    fire) took over, while the office covered the rest of the rota.

    Guarantees: only the visit's provider's managers; the visit was delivered; the service and both times
    are given, the handover after the incident, neither in the future, the incident during the visit;
    the minutes claimed are 5-minute steps no longer than the wait (rounded up to 5); one emergency per
    visit; logged by the end of the next working day after the incident (later ones are refused).
    """
    now = now or timezone.now()
    visit = _locked_visit(visit)
    _require(may_claim(actor, visit), "Not your visit")
    _require_delivered(visit, "Emergency extra time")
    errors: dict[str, str] = {}
    if service not in EmergencyService.values:
        errors["service"] = "Choose who was called: ambulance, NHS 111, police or fire"
    if incident_at is None:
        errors["incident_at"] = "Enter the time of the incident"
    if handover_at is None:
        errors["handover_at"] = "Enter the time the care worker handed over"
    for name, at in (("incident_at", incident_at), ("handover_at", handover_at)):
        if at is not None and timezone.is_naive(at):
            raise ValueError(f"{name} must be an aware datetime")
        if at is not None and at > now:
            errors[name] = "The time cannot be in the future"
    if incident_at is not None and handover_at is not None and "handover_at" not in errors:
        if handover_at <= incident_at:
            errors["handover_at"] = "The handover must be after the incident"
    if incident_at is not None and "incident_at" not in errors:
        start, end = visit.actual_start, visit.actual_end
        if start and end and not (start - INCIDENT_BEFORE_CHECK_IN <= incident_at <= end):
            errors["incident_at"] = (
                f"The incident must be during the visit (checked in {_hm(start)}, checked out {_hm(end)})"
            )
        deadline = emergency_logging_deadline(incident_at)
        if timezone.localdate(now) > deadline:
            raise ValidationError(
                "Emergency extra time must be logged by the end of the next working day after the incident "
                f"(by {_long_date(deadline)}): this one is too late to log"
            )
    if message := _minutes_errors(minutes):
        errors["minutes"] = message
    elif incident_at is not None and handover_at is not None and handover_at > incident_at:
        waited = int((handover_at - incident_at).total_seconds() // 60)
        if minutes is not None and minutes > round_up_to_step(waited):
            errors["minutes"] = (
                f"The care worker waited {waited} minutes from the incident to the handover: "
                f"claim at most {round_up_to_step(waited)} extra minutes"
            )
    carers = _carers(visit, carers, errors)
    reason = _reason(reason, errors, "Describe what happened and what the care worker did")
    if Variation.objects.filter(visit=visit, kind=VariationKind.EMERGENCY, status__in=LIVE).exists():
        raise ValidationError("An emergency is already logged for this visit")
    if errors:
        raise ValidationError(errors)
    return _create(
        actor=actor,
        package=visit.package,
        kind=VariationKind.EMERGENCY,
        reason=reason,
        now=now,
        provider_id=visit.provider_id,
        visit=visit,
        minutes=minutes,
        carers=carers,
        service=service,
        incident_at=incident_at,
        handover_at=handover_at,
    )


@transaction.atomic
def variation_request_temporary_increase(
    *,
    actor: User,
    package: Package,
    minutes: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    reason: str,
    visit_time: dt.time | None = None,
    now: dt.datetime | None = None,
) -> Variation:
    """Ask for extra minutes on every visit (or on one call, by its preferred time) between two dates,
    while a reassessment is awaited.

    Guarantees: only the package's provider's managers; the package is active or on hold; minutes are
    positive 5-minute steps; from ≤ to, both within the package, at most 12 weeks; the call exists in the
    package; no other requested or approved increase covers the same calls on any of the same days.
    """
    now = now or timezone.now()
    package = _locked_package(package)
    _require(may_request(actor, package), "Not your package")
    _require_open(package)
    errors: dict[str, str] = {}
    if message := _minutes_errors(minutes):
        errors["minutes"] = message
    if date_from is None:
        errors["date_from"] = "Enter the first day of the increase"
    if date_to is None:
        errors["date_to"] = "Enter the last day of the increase"
    if date_from and date_to:
        if date_to < date_from:
            errors["date_to"] = "The last day must be the same as or after the first day"
        elif (date_to - date_from).days + 1 > MAX_INCREASE_DAYS:
            errors["date_to"] = "A temporary increase lasts at most 12 weeks: request a reassessment instead"
        if date_from < package.start_date:
            errors["date_from"] = (
                f"The increase cannot start before the package ({_long_date(package.start_date)})"
            )
        if package.end_date and date_to > package.end_date:
            errors["date_to"] = (
                f"The increase cannot go past the end of the package ({_long_date(package.end_date)})"
            )
        _check_call(package, visit_time, date_from, errors)
    reason = _reason(reason, errors, "Say why more time is needed until the reassessment")
    if errors:
        raise ValidationError(errors)
    overlapping = (
        Variation.objects.filter(
            package=package,
            kind=VariationKind.TEMPORARY_INCREASE,
            status__in=LIVE,
            date_from__lte=date_to,
            date_to__gte=date_from,
        )
        .filter(Q(visit_time__isnull=True) | Q(visit_time=visit_time) if visit_time else Q())
        .first()
    )
    if overlapping is not None:
        state = overlapping.get_status_display().lower()
        dates = f"{overlapping.date_from:%-d %B} to {overlapping.date_to:%-d %B %Y}"
        raise ValidationError(
            {
                "date_from": f"A temporary increase is already {state} for {dates}: "
                "choose other dates or withdraw that request"
            }
        )
    return _create(
        actor=actor,
        package=package,
        kind=VariationKind.TEMPORARY_INCREASE,
        reason=reason,
        now=now,
        provider_id=package.provider_id,
        minutes=minutes,
        date_from=date_from,
        date_to=date_to,
        visit_time=visit_time,
    )


@transaction.atomic
def variation_request_reassessment(
    *, actor: User, package: Package, reason: str, now: dt.datetime | None = None
) -> Variation:
    """Ask the council to reassess: the needs have changed for good (the evidence pack of planned against
    delivered minutes is assembled when the council opens it).

    Guarantees: only the package's provider's managers; the package is active or on hold; a reason is
    given; at most one reassessment request waits for a decision per package.
    """
    now = now or timezone.now()
    package = _locked_package(package)
    _require(may_request(actor, package), "Not your package")
    _require_open(package)
    errors: dict[str, str] = {}
    reason = _reason(reason, errors, "Say what has changed, for example visits regularly take longer")
    if errors:
        raise ValidationError(errors)
    if Variation.objects.filter(
        package=package, kind=VariationKind.REASSESSMENT, status=VariationStatus.REQUESTED
    ).exists():
        raise ValidationError("A reassessment request for this package is already waiting for a decision")
    return _create(
        actor=actor,
        package=package,
        kind=VariationKind.REASSESSMENT,
        reason=reason,
        now=now,
        provider_id=package.provider_id,
    )


@transaction.atomic
def variation_note_preferred_time_change(
    *,
    actor: User,
    package: Package,
    visit_time: dt.time | None,
    new_time: dt.time | None,
    date_from: dt.date | None,
    reason: str,
    now: dt.datetime | None = None,
) -> Variation:
    """Tell the council, for information, that the person asked for a call at another time.

    Guarantees: only the package's provider's managers; the package is active or on hold; the call
    exists; the new time differs; the date is within the package; the variation is noted at once (there
    is nothing to approve) and the council's brokers are told. The package version is the council's to
    change if the new time should become the plan.
    """
    now = now or timezone.now()
    package = _locked_package(package)
    _require(may_request(actor, package), "Not your package")
    _require_open(package)
    errors: dict[str, str] = {}
    if visit_time is None:
        errors["visit_time"] = "Enter the time of the call the person wants to move"
    if new_time is None:
        errors["new_time"] = "Enter the new time"
    elif visit_time is not None and new_time == visit_time:
        errors["new_time"] = "The new time is the same as the call's time"
    if date_from is None:
        errors["date_from"] = "Enter the day the new time starts"
    else:
        if date_from < package.start_date:
            errors["date_from"] = (
                f"The change cannot start before the package ({_long_date(package.start_date)})"
            )
        elif package.end_date and date_from > package.end_date:
            errors["date_from"] = "The change cannot start after the package ends"
        if "visit_time" not in errors:
            _check_call(package, visit_time, date_from, errors)
    reason = _reason(reason, errors, "Say why the person asked for the change")
    if errors:
        raise ValidationError(errors)
    return _create(
        actor=actor,
        package=package,
        kind=VariationKind.PREFERRED_TIME_CHANGE,
        reason=reason,
        now=now,
        provider_id=package.provider_id,
        visit_time=visit_time,
        new_time=new_time,
        date_from=date_from,
    )


# --- decisions ----------------------------------------------------------------------------------


def _move(variation: Variation, transition: str, *, actor: User, now: dt.datetime, note: str) -> None:
    source, target = TRANSITIONS[transition]
    if variation.status not in source:
        raise ValidationError(
            f"This {variation.get_kind_display().lower()} is {variation.get_status_display().lower()}: "
            f"it cannot be {_VERBS[transition]}"
        )
    VariationStatusChange.objects.create(
        variation=variation, from_status=variation.status, to_status=target, at=now, by=actor, note=note
    )
    variation.status = target


@transaction.atomic
def variation_decide(
    *, actor: User, variation: Variation, approve: bool, note: str = "", now: dt.datetime | None = None
) -> Variation:
    """The council approves or rejects a request, with a note (a rejection must say why).

    Guarantees: only a broker, commissioner or practitioner of the package's council; only a request
    still waiting (a second click finds it decided and changes nothing); an immutable status row; on
    approval the visits it covers get their extra minutes recomputed in the same transaction; the
    provider's managers are told. Decisions on one package are serialised on the package row (the lock
    visits_generate also takes), so two approvals at once both count.
    """
    now = now or timezone.now()
    Package.objects.select_for_update().filter(pk=variation.package_id).first()
    variation = Variation.objects.select_for_update().select_related("package__person").get(pk=variation.pk)
    _require(decides_for(actor, variation), "Only the council decides variations")
    note = (note or "").strip()
    if not approve and not note and variation.status == VariationStatus.REQUESTED:
        raise ValidationError({"note": "Say why the variation is rejected"})
    _move(variation, "approve" if approve else "reject", actor=actor, now=now, note=note)
    variation.decided_by, variation.decided_at, variation.decision_note = actor, now, note
    variation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        visits_extra_minutes_recompute(visits=_visits_covered(variation))
    managers = User.objects.filter(
        organisation_id=variation.provider_id, role=Role.PROVIDER_MANAGER, is_active=True
    ).order_by("id")
    notify(
        recipients=managers,
        text=f"{variation.get_kind_display()} for {variation.package.person.full_name} "
        f"{variation.get_status_display().lower()}",
        link=reverse("visits:variation", args=[variation.pk]),
    )
    return variation


@transaction.atomic
def variation_withdraw(
    *, actor: User, variation: Variation, note: str = "", now: dt.datetime | None = None
) -> Variation:
    """The provider takes back a request the council has not decided yet.

    Guarantees: only the requesting provider's managers; only while waiting; an immutable status row;
    nothing was applied, so nothing is undone.
    """
    now = now or timezone.now()
    variation = Variation.objects.select_for_update().get(pk=variation.pk)
    _require(
        actor.role == Role.PROVIDER_MANAGER and actor.organisation_id == variation.provider_id,
        "Only the provider that asked can withdraw",
    )
    _move(variation, "withdraw", actor=actor, now=now, note=(note or "").strip())
    variation.save(update_fields=["status"])
    return variation


# --- extra minutes on visits (what payment reads) -----------------------------------------------


def _visits_covered(variation: Variation) -> QuerySet[Visit]:
    if variation.kind in VISIT_KINDS:
        return Visit.objects.filter(pk=variation.visit_id)
    if variation.kind == VariationKind.TEMPORARY_INCREASE:
        return Visit.objects.filter(
            package_id=variation.package_id, date__gte=variation.date_from, date__lte=variation.date_to
        )
    return Visit.objects.none()


def approved_increases(*, package: Package, start: dt.date, end: dt.date) -> list[Variation]:
    """The package's approved temporary increases in force on any day from start to end."""
    return list(
        Variation.objects.filter(
            package_id=package.pk,
            kind=VariationKind.TEMPORARY_INCREASE,
            status=VariationStatus.APPROVED,
            date_from__lte=end,
            date_to__gte=start,
        ).order_by("id")
    )


def _increase_minutes(increases: Iterable[Variation], day: dt.date, call: dt.time | None) -> int:
    return sum(
        v.minutes or 0
        for v in increases
        if v.date_from <= day <= v.date_to and (v.visit_time is None or v.visit_time == call)
    )


def extra_minutes_for(
    *,
    package: Package,
    day: dt.date,
    preferred_start: dt.time | None = None,
    increases: Sequence[Variation] | None = None,
) -> int:
    """Approved extra minutes per carer for a new visit of the package on `day` at its pattern row's
    `preferred_start`: the temporary increases in force (a new visit has no delivered time, so no extra
    time or emergency of its own). Pass `increases` (from `approved_increases`) when planning many days,
    to read them once."""
    if increases is None:
        increases = approved_increases(package=package, start=day, end=day)
    return _increase_minutes(increases, day, preferred_start)


def _chunks(ids: list[int], size: int = 2000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def visits_extra_minutes_recompute(*, visits: QuerySet[Visit]) -> int:
    """Set `extra_minutes` on these visits from every approved variation that covers them; returns how
    many changed.

    Guarantees: the result depends only on the approved variations (recomputed, never incremented), so
    running it again changes nothing; cancelled visits get no temporary increase; one UPDATE per distinct
    value. Call it inside the transaction that changed the variations (it does not lock by itself).
    """
    rows = list(
        visits.order_by().values_list(
            "pk",
            "package_id",
            "date",
            "status",
            "carers_required",
            "pattern__preferred_start",
            "planned_start",
            "extra_minutes",
        )
    )
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    carer_minutes: dict[int, int] = defaultdict(int)
    for chunk in _chunks(ids):
        for visit_id, minutes, carers, required in Variation.objects.filter(
            visit_id__in=chunk, kind__in=VISIT_KINDS, status=VariationStatus.APPROVED
        ).values_list("visit_id", "minutes", "carers", "visit__carers_required"):
            carer_minutes[visit_id] += (minutes or 0) * (carers or required)
    increases: dict[int, list[Variation]] = defaultdict(list)
    for variation in Variation.objects.filter(
        package_id__in={r[1] for r in rows},
        kind=VariationKind.TEMPORARY_INCREASE,
        status=VariationStatus.APPROVED,
        date_from__lte=max(r[2] for r in rows),
        date_to__gte=min(r[2] for r in rows),
    ):
        increases[variation.package_id].append(variation)
    changed: dict[int, list[int]] = defaultdict(list)
    for pk, package_id, day, status, required, preferred, planned_start, current in rows:
        value = per_carer_minutes(carer_minutes.get(pk, 0), required)
        if status != VisitStatus.CANCELLED:
            call = preferred or timezone.localtime(planned_start).time()
            value += _increase_minutes(increases.get(package_id, ()), day, call)
        if value != current:
            changed[value].append(pk)
    for value, pks in changed.items():
        for chunk in _chunks(pks):
            Visit.objects.filter(pk__in=chunk).update(extra_minutes=value)
    return sum(len(pks) for pks in changed.values())


# --- reads --------------------------------------------------------------------------------------


def variations_visible_to(*, user: User) -> QuerySet[Variation]:
    """A provider's managers see what their provider asked; council staff their council's variations."""
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return Variation.objects.none()
    if org.type == OrganisationType.PROVIDER and user.role == Role.PROVIDER_MANAGER:
        return Variation.objects.filter(provider=org)
    if org.type == OrganisationType.COUNCIL and user.role in COUNCIL_ROLES:
        return Variation.objects.filter(council=org)
    return Variation.objects.none()


def variation_for_user(*, user: User, pk: int) -> Variation:
    """The variation, or 404 when the user may not see it (never confirm a foreign record exists)."""
    return get_object_or_404(
        variations_visible_to(user=user).select_related(
            "package__person", "provider", "visit", "requested_by", "decided_by"
        ),
        pk=pk,
    )


def variations_due(*, user: User) -> QuerySet[Variation]:
    """Requests waiting for the council's decision, the soonest due first."""
    return (
        variations_visible_to(user=user)
        .filter(status=VariationStatus.REQUESTED)
        .select_related("package__person", "provider", "visit")
        .order_by("due_on", "requested_at", "id")
    )


def variations_recent(*, user: User, limit: int = 50) -> QuerySet[Variation]:
    """Decided, withdrawn and noted variations, the latest first."""
    return (
        variations_visible_to(user=user)
        .exclude(status=VariationStatus.REQUESTED)
        .select_related("package__person", "provider", "visit", "decided_by")
        .order_by("-requested_at", "-id")[:limit]
    )


def variation_history(*, variation: Variation) -> list[VariationStatusChange]:
    return list(variation.status_changes.select_related("by").order_by("at", "id"))


def packages_for_variations(*, user: User) -> QuerySet[Package]:
    """The active (or held) packages a provider manager may ask a variation for: their provider's."""
    if user.role != Role.PROVIDER_MANAGER:
        return Package.objects.none()
    return (
        people_selectors.packages_visible_to(user=user)
        .filter(provider_id=user.organisation_id, status__in=OPEN_PACKAGE)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "reference")
    )


# --- the evidence pack --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallWeek:
    """One call's visits in one week (or over the whole window): planned against delivered minutes."""

    week_start: dt.date
    visits: int
    delivered: int
    planned_average: float | None
    actual_average: float | None
    actual_median: float | None
    over_plan: int
    extra_time_approvals: int


@dataclass(frozen=True)
class CallEvidence:
    call_time: dt.time
    planned_minutes: int
    weeks: list[CallWeek]
    total: CallWeek
    chart_svg: SafeString


@dataclass(frozen=True)
class EvidencePack:
    """Call-monitoring evidence for a package: derived from its visits when read, never stored."""

    start: dt.date
    end: dt.date
    week_starts: list[dt.date]
    calls: list[CallEvidence]

    @property
    def visits(self) -> int:
        return sum(c.total.visits for c in self.calls)


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _figures(week_start: dt.date, visits: list[tuple[int, int | None, int]]) -> CallWeek:
    """visits: (planned minutes, actual minutes or None, extra-time approvals) for each visit due."""
    delivered = [(planned, actual) for planned, actual, _ in visits if actual is not None]
    actuals = [actual for _, actual in delivered]
    return CallWeek(
        week_start=week_start,
        visits=len(visits),
        delivered=len(delivered),
        planned_average=_average([planned for planned, _ in delivered]),
        actual_average=_average(actuals),
        actual_median=float(statistics.median(actuals)) if actuals else None,
        over_plan=sum(1 for planned, actual in delivered if actual > planned + OVER_PLAN_MINUTES),
        extra_time_approvals=sum(approvals for _, _, approvals in visits),
    )


def evidence_window(*, end: dt.date, weeks: int = EVIDENCE_WEEKS) -> tuple[dt.date, list[dt.date]]:
    """The Mondays of the `weeks` weeks ending with the week of `end` (the last week runs to `end`)."""
    last_monday = end - dt.timedelta(days=end.weekday())
    mondays = [last_monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    return mondays[0], mondays


def evidence_pack(*, package: Package, end: dt.date, weeks: int = EVIDENCE_WEEKS) -> EvidencePack:
    """Planned against delivered minutes for each call of the package (by preferred time), week by week,
    over the `weeks` weeks up to `end`: average and median delivered minutes, visits more than 10 minutes
    over plan, approved extra time or emergencies; with a chart per call.

    Cancelled visits are left out; averages are over delivered visits (checked in and out) only, so a
    missed visit counts as due but adds no minutes. The caller has scoped the package.
    """
    weeks = max(1, min(weeks, MAX_EVIDENCE_WEEKS))
    start, mondays = evidence_window(end=end, weeks=weeks)
    visits = list(
        Visit.objects.filter(package_id=package.pk, date__gte=start, date__lte=end)
        .exclude(status=VisitStatus.CANCELLED)
        .order_by("planned_start", "id")
        .values_list(
            "pk", "date", "planned_start", "planned_minutes", "actual_minutes", "pattern__preferred_start"
        )
    )
    approvals: dict[int, int] = defaultdict(int)
    for chunk in _chunks([v[0] for v in visits]):
        for visit_id in Variation.objects.filter(
            visit_id__in=chunk, kind__in=VISIT_KINDS, status=VariationStatus.APPROVED
        ).values_list("visit_id", flat=True):
            approvals[visit_id] += 1
    by_call: dict[dt.time, dict[dt.date, list[tuple[int, int | None, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    latest_planned: dict[dt.time, int] = {}
    for pk, day, planned_start, planned, actual, preferred in visits:
        call = preferred or timezone.localtime(planned_start).time()
        monday = day - dt.timedelta(days=day.weekday())
        by_call[call][monday].append((planned, actual, approvals.get(pk, 0)))
        latest_planned[call] = planned
    calls = []
    for call in sorted(by_call):
        week_figures = [_figures(monday, by_call[call].get(monday, [])) for monday in mondays]
        everything = [v for monday in mondays for v in by_call[call].get(monday, [])]
        calls.append(
            CallEvidence(
                call_time=call,
                planned_minutes=latest_planned[call],
                weeks=week_figures,
                total=_figures(start, everything),
                chart_svg=minutes_chart_svg(
                    chart_id=f"call-{call:%H%M}",
                    title=f"The {_hm(call)} call: planned and delivered minutes by week",
                    description=_chart_description(call, week_figures),
                    labels=[f"{m.day} {m:%b}" for m in mondays],
                    series=[
                        ("Planned", "planned", [w.planned_average for w in week_figures]),
                        ("Delivered", "actual", [w.actual_average for w in week_figures]),
                    ],
                ),
            )
        )
    return EvidencePack(start=start, end=end, week_starts=mondays, calls=calls)


def _chart_description(call: dt.time, weeks: list[CallWeek]) -> str:
    parts = []
    for w in weeks:
        when = f"Week commencing {w.week_start.day} {w.week_start:%B}"
        if w.actual_average is None:
            parts.append(f"{when}: no delivered visits")
        else:
            parts.append(
                f"{when}: planned {w.planned_average:g} minutes on average, "
                f"delivered {w.actual_average:g} minutes"
            )
    return f"Average minutes of the {_hm(call)} call. " + ". ".join(parts) + "."


# The chart is drawn here, as text, so the page needs no JavaScript and no charting library.
CHART_HEIGHT = 220
CHART_TOP = 30
CHART_BOTTOM = 40
CHART_LEFT = 44
BAR_WIDTH = 18
GROUP_GAP = 22
SERIES_COLOURS = {"planned": "#b1b4b6", "actual": "#1d70b8"}


def _axis_maximum(values: Iterable[float | None]) -> int:
    """The axis top: the largest value rounded up to a whole 15 minutes (at least 15)."""
    highest = max((v for v in values if v is not None), default=0)
    return max(15, -(-int(highest + 0.999) // 15) * 15)


def minutes_chart_svg(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
) -> SafeString:
    """A grouped bar chart of minutes as inline SVG: one group per label, one bar per series (name, key,
    values; a None value draws no bar). Accessible: role="img" with a title and a description that says
    every number; each bar carries its own title and data-* attributes (series, label, value).

    Every piece of text is escaped, so the result is safe to put in a page.
    """
    per_group = BAR_WIDTH * len(series) + GROUP_GAP
    width = CHART_LEFT + per_group * len(labels) + 10
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    top = _axis_maximum(v for _, _, values in series for v in values)
    baseline = CHART_TOP + plot_height

    def y(value: float) -> float:
        return round(baseline - value / top * plot_height, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ohc-chart" width="{width}" height="{CHART_HEIGHT}" '
        'style="max-width: 100%; height: auto" '
        f'viewBox="0 0 {width} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    step = 15 if top <= 90 else 30 if top <= 180 else 60
    for tick in range(0, top + 1, step):
        parts.append(
            f'<line x1="{CHART_LEFT}" x2="{width - 10}" y1="{y(tick)}" y2="{y(tick)}" stroke="#e0e0e0"/>'
            f'<text x="{CHART_LEFT - 6}" y="{y(tick) + 4}" text-anchor="end" font-size="11" fill="#0b0c0c">'
            f"{tick}</text>"
        )
    for g, label in enumerate(labels):
        x0 = CHART_LEFT + GROUP_GAP // 2 + g * per_group
        for s, (name, key, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            if value is None:
                continue
            x = x0 + s * BAR_WIDTH
            parts.append(
                f'<rect x="{x}" y="{y(value)}" width="{BAR_WIDTH - 2}" '
                f'height="{round(baseline - y(value), 1)}" '
                f'fill="{SERIES_COLOURS.get(key, "#505a5f")}" data-series="{escape(key)}" '
                f'data-label="{escape(label)}" data-value="{value:g}">'
                f"<title>{escape(label)}: {escape(name.lower())} {value:g} minutes</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + BAR_WIDTH * len(series) / 2:g}" y="{baseline + 16}" text-anchor="middle" '
            f'font-size="11" fill="#0b0c0c">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{CHART_LEFT}" x2="{width - 10}" y1="{baseline}" y2="{baseline}" stroke="#0b0c0c"/>'
    )
    legend_x = CHART_LEFT
    for name, key, _ in series:
        parts.append(
            f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{SERIES_COLOURS.get(key, "#505a5f")}"/>'
            f'<text x="{legend_x + 16}" y="18" font-size="12" fill="#0b0c0c">{escape(name)}</text>'
        )
        legend_x += 24 + 8 * len(name)
    parts.append(f'<text x="4" y="{CHART_TOP - 6}" font-size="11" fill="#0b0c0c">min</text></svg>')
    # Safe: every interpolated piece of text is escaped above; the rest is our own markup.
    return mark_safe("".join(parts))  # nosec B308 B703 - text escaped above, markup our own
