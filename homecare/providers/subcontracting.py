"""Writes for the lead-provider model (ADR 0015): the council appoints lead providers per lot and/or zone;
a lead's managers register subcontractors; the council's commissioners approve, refuse, suspend,
reinstate and end them.

Each service is keyword-only, atomic and validated (ValidationError keyed by field). A registration's
lifecycle is providers.state.SUBCONTRACTING_TRANSITIONS, each step an immutable status row. Suspending a
subcontractor stops new work for it (visits.subcontracting refuses to give it visits, and visits.services
to put its care workers on them) and nothing else: the lead is not suspended.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify
from homecare.providers import rules, state
from homecare.providers.models import (
    ETHICAL_STANDARDS,
    LIVE_SUBCONTRACTING,
    Admission,
    AdmissionDecision,
    FrameworkStatus,
    LeadProviderAppointment,
    Lot,
    Rating,
    Subcontracting,
    SubcontractingStatus,
    SubcontractingStatusChange,
    Zone,
)

# The council reviews each subcontracting arrangement at least once a year.
MAX_REVIEW_DAYS = 366


def _require_commissioner_of(actor: User, council: Organisation) -> None:
    if not (permissions.decides_subcontracting(actor) and actor.organisation_id == council.pk):
        raise PermissionDenied("Only the council's commissioners can do this")


# --- lead provider appointments -----------------------------------------------------------------


def _overlapping(
    *, council: Organisation, lot: Lot | None, zone: Zone | None, start: dt.date, end: dt.date | None
):
    appointments = LeadProviderAppointment.objects.filter(council=council, lot=lot, zone=zone)
    if end is not None:
        appointments = appointments.filter(effective_from__lte=end)
    return appointments.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))


@transaction.atomic
def lead_appoint(
    *,
    actor: User,
    council: Organisation,
    lead: Organisation,
    lot: Lot | None = None,
    zone: Zone | None = None,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    reason: str = "",
) -> LeadProviderAppointment:
    """Appoint a lead provider for a lot, a zone, or a lot within a zone, from a date.

    Guarantees: the lead is admitted to the council's framework (to that lot, when one is named); the
    lot and zone are the council's; one lead per area at a time (an overlapping appointment for the same
    lot and zone is refused: end it first)."""
    _require_commissioner_of(actor, council)
    errors: dict[str, str] = {}
    if not lead.is_provider:
        errors["lead"] = "Choose a provider"
    if lot is None and zone is None:
        errors["zone"] = "Choose a lot, a zone or both"
    if lot is not None and lot.framework.council_id != council.pk:
        errors["lot"] = "Choose one of your council's lots"
    if zone is not None and zone.council_id != council.pk:
        errors["zone"] = "Choose one of your council's zones"
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = "The end date must be on or after the start date"
    if errors:
        raise ValidationError(errors)
    admitted = Admission.objects.filter(
        provider=lead, decision=AdmissionDecision.ADMITTED, framework__council=council
    ).exclude(framework__status=FrameworkStatus.EXPIRED)
    if lot is not None:
        admitted = admitted.filter(lot=lot)
    if not admitted.exists():
        raise ValidationError({"lead": f"{lead} is not admitted to {lot or 'your framework'}"})
    # Lock the council's appointments for the area so two commissioners cannot appoint two leads at once.
    clash = (
        _overlapping(council=council, lot=lot, zone=zone, start=effective_from, end=effective_to)
        .select_for_update()
        .select_related("lead")
        .first()
    )
    if clash is not None:
        since = rules.long_date(clash.effective_from)
        raise ValidationError({"effective_from": f"{clash.lead} is already the lead here from {since}"})
    appointment = LeadProviderAppointment(
        council=council,
        lead=lead,
        lot=lot,
        zone=zone,
        effective_from=effective_from,
        effective_to=effective_to,
        reason=reason.strip(),
        appointed_by=actor,
        appointed_at=timezone.now(),
    )
    save_audited(appointment, actor=actor, reason="Lead provider appointed")
    return appointment


@transaction.atomic
def lead_appointment_end(
    *, actor: User, appointment: LeadProviderAppointment, last_day: dt.date, reason: str
) -> LeadProviderAppointment:
    """End an appointment on a day (its last day as lead). Its subcontractors take no new work after it."""
    appointment = LeadProviderAppointment.objects.select_for_update().get(pk=appointment.pk)
    _require_commissioner_of(actor, appointment.council)
    errors: dict[str, str] = {}
    if appointment.ended_at is not None:
        raise ValidationError("This appointment has already been ended")
    if last_day < appointment.effective_from:
        errors["last_day"] = f"The last day must be on or after {rules.long_date(appointment.effective_from)}"
    elif appointment.effective_to is not None and last_day > appointment.effective_to:
        errors["last_day"] = f"The appointment already ends on {rules.long_date(appointment.effective_to)}"
    if not reason.strip():
        errors["reason"] = "Enter the reason the appointment is ending"
    if errors:
        raise ValidationError(errors)
    appointment.effective_to = last_day
    appointment.ended_by, appointment.ended_at, appointment.end_reason = actor, timezone.now(), reason.strip()
    save_audited(appointment, actor=actor, reason=reason.strip())
    return appointment


# --- subcontractor registration and the council's decisions -----------------------------------


def _subcontractor_named(name: str) -> Organisation:
    """The provider organisation of that name, or a new one (a local not-for-profit may be new to the
    council); the council sees and decides every registration before it takes any work."""
    existing = Organisation.objects.filter(type=OrganisationType.PROVIDER, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Organisation.objects.create(type=OrganisationType.PROVIDER, name=name)
    except IntegrityError:  # registered by someone else a moment ago
        return Organisation.objects.get(type=OrganisationType.PROVIDER, name__iexact=name)


@transaction.atomic
def subcontractor_register(
    *,
    actor: User,
    appointment: LeadProviderAppointment,
    subcontractor_name: str,
    cqc_location_id: str,
    review_on: dt.date,
    living_wage_declared: bool,
    cqc_rating: str = "",
    cqc_rated_on: dt.date | None = None,
    **standards: bool,
) -> Subcontracting:
    """A lead's manager proposes a subcontractor for the area it leads; it takes no work until the council
    approves it.

    Guarantees: the appointment is in force today; the subcontractor is a provider other than the lead,
    with no other live registration with this lead and council; a valid CQC location ID; a review within
    a year; the living-wage declaration made (the council's terms require it)."""
    if not permissions.registers_subcontractors(actor, appointment.lead):
        raise PermissionDenied("Only the lead provider's managers register its subcontractors")
    unknown = set(standards) - {name for name, _ in ETHICAL_STANDARDS}
    if unknown:
        raise ValueError(f"Unknown ethical employment standards: {sorted(unknown)}")
    today = timezone.localdate()
    errors: dict[str, str] = {}
    name = " ".join((subcontractor_name or "").split())
    if not name:
        errors["subcontractor_name"] = "Enter the subcontractor's name"
    problem = rules.cqc_location_id_problem((cqc_location_id or "").strip())
    if problem:
        errors["cqc_location_id"] = problem
    if cqc_rating and cqc_rating not in Rating.values:
        errors["cqc_rating"] = "Choose the CQC rating, or not yet rated"
    if cqc_rating and cqc_rated_on is None:
        errors["cqc_rated_on"] = "Enter the date of the rating"
    if cqc_rated_on is not None and cqc_rated_on > today:
        errors["cqc_rated_on"] = "The rating date must be today or in the past"
    if review_on <= today:
        errors["review_on"] = "The review date must be in the future"
    elif review_on > today + dt.timedelta(days=MAX_REVIEW_DAYS):
        errors["review_on"] = "Subcontracting is reviewed at least once a year: choose a date within a year"
    if not living_wage_declared:
        errors["living_wage_declared"] = (
            "A subcontractor must pay every care worker at least the council's wage floor"
        )
    if not appointment.is_in_force_on(today):
        errors["__all__"] = "Your lead provider appointment for this area is not in force today"
    if errors:
        raise ValidationError(errors)
    subcontractor = _subcontractor_named(name)
    if subcontractor.pk == appointment.lead_id:
        raise ValidationError({"subcontractor_name": "A lead provider cannot subcontract to itself"})
    live = Subcontracting.objects.select_for_update().filter(
        council_id=appointment.council_id,
        lead_id=appointment.lead_id,
        subcontractor=subcontractor,
        status__in=LIVE_SUBCONTRACTING,
    )
    if live.exists():
        raise ValidationError(
            {"subcontractor_name": f"{subcontractor} is already registered as your subcontractor"}
        )
    subcontracting = Subcontracting(
        council_id=appointment.council_id,
        appointment=appointment,
        lead_id=appointment.lead_id,
        subcontractor=subcontractor,
        cqc_location_id=cqc_location_id.strip(),
        cqc_rating=cqc_rating,
        cqc_rated_on=cqc_rated_on if cqc_rating else None,
        living_wage_declared=True,
        review_on=review_on,
        status=SubcontractingStatus.PROPOSED,
        registered_by=actor,
        registered_at=timezone.now(),
        **{name: bool(standards.get(name, False)) for name, _ in ETHICAL_STANDARDS},
    )
    try:
        with transaction.atomic():
            save_audited(subcontracting, actor=actor, reason="Subcontractor registered")
    except IntegrityError as exc:  # the same pair registered concurrently: the constraint decides
        raise ValidationError(
            {"subcontractor_name": f"{subcontractor} is already registered as your subcontractor"}
        ) from exc
    SubcontractingStatusChange.objects.create(
        subcontracting=subcontracting,
        from_status="",
        to_status=SubcontractingStatus.PROPOSED,
        at=subcontracting.registered_at,
        by=actor,
    )
    notify(
        recipients=_officers(appointment.council_id, Role.COMMISSIONER),
        text=f"{appointment.lead} proposes {subcontractor} as a subcontractor",
        link=f"/providers/subcontracting/{subcontracting.pk}",
    )
    return subcontracting


def _officers(organisation_id: int, role: str):
    return User.objects.filter(organisation_id=organisation_id, role=role, is_active=True)


@transaction.atomic
def subcontracting_decide(
    *, actor: User, subcontracting: Subcontracting, transition: str, reason: str = ""
) -> Subcontracting:
    """The council approves, refuses, suspends, reinstates or ends a subcontractor, writing an immutable
    status row. Locked, so two commissioners pressing the same button make one step, not two. Suspension
    stops the subcontractor taking new work; the lead provider is not suspended."""
    subcontracting = Subcontracting.objects.select_for_update().get(pk=subcontracting.pk)
    _require_commissioner_of(actor, subcontracting.council)
    step = state.subcontracting_transition_for(transition, subcontracting.status)
    if step.needs_reason and not reason.strip():
        raise ValidationError({"reason": "Enter the reason"})
    previous = subcontracting.status
    subcontracting.status = step.target
    save_audited(subcontracting, actor=actor, reason=reason.strip() or step.label)
    SubcontractingStatusChange.objects.create(
        subcontracting=subcontracting,
        from_status=previous,
        to_status=step.target,
        at=timezone.now(),
        by=actor,
        reason=reason.strip(),
    )
    status = SubcontractingStatus(step.target).label.lower()
    for organisation_id in (subcontracting.lead_id, subcontracting.subcontractor_id):
        notify(
            recipients=_officers(organisation_id, Role.PROVIDER_MANAGER),
            text=f"{subcontracting.subcontractor} as subcontractor to {subcontracting.lead}: {status}",
            link=f"/providers/subcontracting/{subcontracting.pk}",
        )
    return subcontracting
