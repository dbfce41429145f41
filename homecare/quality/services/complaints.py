"""Complaint writes: record, acknowledge, decide, escalate, refer to the Ombudsman, close, withdraw.

Every write is atomic, locks the complaint row (two officers pressing the same button make one move),
checks the state machine (quality/state.py), writes an immutable ComplaintStatusChange and keeps the
stage's dates in its ComplaintStageRecord (history kept by django-simple-history). Refusals are
ValidationErrors keyed by field; acting on a stage that is not yours is PermissionDenied.

Who acts: the provider handles its own stage (its managers); the council's complaint handlers
(permissions.handles_council_complaints) handle the council's stages, escalate and refer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, Role, User
from homecare.people.models import Person
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify
from homecare.quality import state, timescales
from homecare.quality.models import (
    ComplainantType,
    Complaint,
    ComplaintOutcome,
    ComplaintStage,
    ComplaintStageRecord,
    ComplaintStatus,
    ComplaintStatusChange,
    ComplaintSubject,
    ComplaintTheme,
    ComplaintThemeTag,
)

St = ComplaintStage


def _handlers(council: Organisation):
    return User.objects.filter(
        organisation=council, role__in=[Role.COMMISSIONER, Role.ADMINISTRATOR], is_active=True
    )


def _provider_managers(provider: Organisation):
    return User.objects.filter(organisation=provider, role=Role.PROVIDER_MANAGER, is_active=True)


def handles_stage(user: User, complaint: Complaint) -> bool:
    """Whether the user handles the complaint's current stage."""
    if complaint.stage == St.PROVIDER:
        return complaint.provider is not None and permissions.manages_provider(user, complaint.provider)
    return permissions.handles_council_complaints(user) and user.organisation_id == complaint.council_id


def _require_stage_handler(actor: User, complaint: Complaint) -> None:
    if not handles_stage(actor, complaint):
        who = complaint.provider.name if complaint.stage == St.PROVIDER else "the council's complaints team"
        raise PermissionDenied(f"This stage is handled by {who}")


def _require_council_handler(actor: User, complaint: Complaint) -> None:
    if not (permissions.handles_council_complaints(actor) and actor.organisation_id == complaint.council_id):
        raise PermissionDenied("Only the council's complaints team can do this")


def _check_date(value: dt.date | None, *, field: str, not_before: dt.date, what: str) -> None:
    if value is None:
        raise ValidationError({field: f"Enter the date {what}"})
    if value > timezone.localdate():
        raise ValidationError({field: "The date must be today or in the past"})
    if value < not_before:
        raise ValidationError({field: f"The date must be on or after {not_before:%-d %B %Y}"})


def _clean_themes(themes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(themes))
    if any(t not in ComplaintTheme.values for t in chosen):
        raise ValidationError({"themes": "Choose themes from the list"})
    return chosen


def _set_themes(complaint: Complaint, themes: list[str]) -> None:
    complaint.themes.exclude(theme__in=themes).delete()
    existing = set(complaint.themes.values_list("theme", flat=True))
    ComplaintThemeTag.objects.bulk_create(
        [ComplaintThemeTag(complaint=complaint, theme=t) for t in themes if t not in existing]
    )


def _start_stage(complaint: Complaint, stage: str, started_on: dt.date) -> ComplaintStageRecord:
    timed = stage in timescales.STAGES_WITH_TIMESCALES
    return ComplaintStageRecord.objects.create(
        complaint=complaint,
        stage=stage,
        started_on=started_on,
        acknowledgement_due=timescales.acknowledgement_due(started_on) if timed else None,
        response_due=timescales.response_due(started_on) if timed else None,
    )


def _log(complaint: Complaint, *, actor: User, from_stage: str, from_status: str, note: str) -> None:
    ComplaintStatusChange.objects.create(
        complaint=complaint,
        from_stage=from_stage,
        to_stage=complaint.stage,
        from_status=from_status,
        to_status=complaint.status,
        at=timezone.now(),
        by=actor,
        note=note,
    )


def _locked(complaint: Complaint) -> Complaint:
    # Lock the complaint's row only: the provider is an outer join, which PostgreSQL cannot lock.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("provider", "council")
        .get(pk=complaint.pk)
    )


def _current_stage(complaint: Complaint) -> ComplaintStageRecord:
    return complaint.stages.select_for_update().get(stage=complaint.stage)


def _move(
    complaint: Complaint, *, actor: User, to_status: str, note: str, to_stage: str | None = None
) -> None:
    from_stage, from_status = complaint.stage, complaint.status
    complaint.status = to_status
    if to_stage:
        complaint.stage = to_stage
    save_audited(complaint, actor=actor, reason=note[:100] or to_status)
    _log(complaint, actor=actor, from_stage=from_stage, from_status=from_status, note=note)


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    received_on: dt.date,
    complainant_name: str,
    complainant_type: str,
    subject: str,
    summary: str,
    person: Person | None = None,
    provider: Organisation | None = None,
    complainant_address: str = "",
    desired_outcome: str = "",
    themes: Iterable[str] = (),
    stage: str | None = None,
) -> Complaint:
    """Log a complaint. A provider logs one made to it (about itself, for a person it cares for) at the
    provider stage; the council logs any, about a provider (provider stage first, unless the complainant
    has already been through the provider) or about itself (council first stage). Due dates are fixed
    when each stage starts; the provider's managers are told when it is theirs to acknowledge."""
    org = actor.organisation
    if org is None or not permissions.records_complaints(actor):
        raise PermissionDenied("You cannot record complaints")
    errors: dict[str, str] = {}
    if not complainant_name.strip():
        errors["complainant_name"] = "Enter the name of the person complaining"
    if complainant_type not in ComplainantType.values:
        errors["complainant_type"] = "Choose who is complaining"
    if subject not in ComplaintSubject.values:
        errors["subject"] = "Choose what the complaint is about"
    if not summary.strip():
        errors["summary"] = "Enter what the complaint is about"
    if subject == ComplaintSubject.PROVIDER and (provider is None or not provider.is_provider):
        errors["provider"] = "Choose the provider the complaint is about"
    if errors:
        raise ValidationError(errors)
    if org.is_provider:
        if subject != ComplaintSubject.PROVIDER or provider is None or provider.pk != org.pk:
            raise ValidationError({"subject": "A provider records complaints about its own service"})
        if person is None or not person.packages.filter(provider=org).exists():
            raise ValidationError({"person": "Choose the person the complaint is about, from your packages"})
        council, stage = person.council, St.PROVIDER
    else:
        council = org
        if person is not None and person.council_id != council.pk:
            raise ValidationError({"person": "Choose a person known to this council"})
        default = St.PROVIDER if subject == ComplaintSubject.PROVIDER else St.COUNCIL_FIRST
        stage = stage or default
        if stage not in (St.PROVIDER, St.COUNCIL_FIRST) or (
            subject == ComplaintSubject.COUNCIL and stage != St.COUNCIL_FIRST
        ):
            raise ValidationError(
                {"stage": "A new complaint starts with the provider or the council's first stage"}
            )
    _check_date(received_on, field="received_on", not_before=dt.date(2000, 1, 1), what="it was received")
    theme_list = _clean_themes(themes)
    complaint = Complaint(
        council=council,
        received_on=received_on,
        complainant_name=complainant_name.strip(),
        complainant_type=complainant_type,
        complainant_address=complainant_address.strip(),
        person=person,
        subject=subject,
        provider=provider if subject == ComplaintSubject.PROVIDER else None,
        summary=summary.strip(),
        desired_outcome=desired_outcome.strip(),
        stage=stage,
        status=ComplaintStatus.RECEIVED,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    save_audited(complaint, actor=actor, reason="Complaint received")
    _set_themes(complaint, theme_list)
    record = _start_stage(complaint, stage, received_on)
    _log(complaint, actor=actor, from_stage="", from_status="", note="Complaint received")
    link = reverse("quality:complaint", args=[complaint.pk])
    due = f"acknowledge by {record.acknowledgement_due:%-d %b}"
    if stage == St.PROVIDER and not org.is_provider:
        notify(
            recipients=_provider_managers(provider),
            text=f"New complaint {complaint.reference}: {due}",
            link=link,
        )
    elif stage != St.PROVIDER:
        notify(
            recipients=_handlers(council).exclude(pk=actor.pk),
            text=f"New complaint {complaint.reference}: {due}",
            link=link,
        )
    return complaint


@transaction.atomic
def complaint_acknowledge(
    *, actor: User, complaint: Complaint, acknowledged_on: dt.date, action_plan: str
) -> Complaint:
    """Acknowledge the current stage, with the action plan the letter sets out (due within 3 working
    days; a late acknowledgement is still recorded, and counts as late)."""
    complaint = _locked(complaint)
    state.complaint_transition_for("acknowledge", stage=complaint.stage, status=complaint.status)
    _require_stage_handler(actor, complaint)
    record = _current_stage(complaint)
    _check_date(
        acknowledged_on, field="acknowledged_on", not_before=record.started_on, what="it was acknowledged"
    )
    if not action_plan.strip():
        raise ValidationError({"action_plan": "Enter the action plan: how the complaint will be looked into"})
    record.acknowledged_on = acknowledged_on
    record.acknowledged_by = actor
    record.action_plan = action_plan.strip()
    save_audited(record, actor=actor, reason="Acknowledged")
    _move(
        complaint,
        actor=actor,
        to_status=ComplaintStatus.ACKNOWLEDGED,
        note="Acknowledged with an action plan",
    )
    return complaint


@transaction.atomic
def complaint_respond(
    *,
    actor: User,
    complaint: Complaint,
    responded_on: dt.date,
    outcome: str,
    findings: str,
    response: str,
    themes: Iterable[str] | None = None,
) -> Complaint:
    """Record the stage's decision (the decision letter): outcome, findings and what happens next."""
    complaint = _locked(complaint)
    state.complaint_transition_for("respond", stage=complaint.stage, status=complaint.status)
    _require_stage_handler(actor, complaint)
    record = _current_stage(complaint)
    errors: dict[str, str] = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = "Choose the outcome: upheld, partly upheld or not upheld"
    if not findings.strip():
        errors["findings"] = "Enter what the investigation found"
    if not response.strip():
        errors["response"] = "Enter the decision and what will happen next"
    if errors:
        raise ValidationError(errors)
    not_before = record.acknowledged_on or record.started_on
    _check_date(
        responded_on, field="responded_on", not_before=not_before, what="the decision letter was sent"
    )
    record.responded_on = responded_on
    record.responded_by = actor
    record.outcome = outcome
    record.findings = findings.strip()
    record.response = response.strip()
    save_audited(record, actor=actor, reason="Decision sent")
    if themes is not None:
        _set_themes(complaint, _clean_themes(themes))
    _move(
        complaint,
        actor=actor,
        to_status=ComplaintStatus.RESPONDED,
        note=f"Decision: {ComplaintOutcome(outcome).label}",
    )
    return complaint


@transaction.atomic
def complaint_escalate(*, actor: User, complaint: Complaint, escalated_on: dt.date, reason: str) -> Complaint:
    """The complainant takes it to the council (from the provider stage, at any point) or asks for the
    council's second stage (after its first-stage decision). The new stage's clock starts that day."""
    complaint = _locked(complaint)
    state.complaint_transition_for("escalate", stage=complaint.stage, status=complaint.status)
    _require_council_handler(actor, complaint)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the complaint is being escalated"})
    record = _current_stage(complaint)
    _check_date(escalated_on, field="escalated_on", not_before=record.started_on, what="it was escalated")
    next_stage = state.NEXT_STAGE[complaint.stage]
    _start_stage(complaint, next_stage, escalated_on)
    _move(
        complaint, actor=actor, to_status=ComplaintStatus.RECEIVED, to_stage=next_stage, note=reason.strip()
    )
    if complaint.provider_id:
        notify(
            recipients=_provider_managers(complaint.provider),
            text=f"Complaint {complaint.reference} is now at the {St(next_stage).label.lower()}",
            link=reverse("quality:complaint", args=[complaint.pk]),
        )
    return complaint


@transaction.atomic
def complaint_refer_to_ombudsman(
    *, actor: User, complaint: Complaint, referred_on: dt.date, ombudsman_reference: str
) -> Complaint:
    """The complainant has gone to the Local Government and Social Care Ombudsman."""
    complaint = _locked(complaint)
    state.complaint_transition_for("refer", stage=complaint.stage, status=complaint.status)
    _require_council_handler(actor, complaint)
    record = _current_stage(complaint)
    _check_date(referred_on, field="referred_on", not_before=record.started_on, what="it was referred")
    ombudsman = _start_stage(complaint, St.OMBUDSMAN, referred_on)
    ombudsman.ombudsman_reference = ombudsman_reference.strip()
    save_audited(ombudsman, actor=actor, reason="Referred to the Ombudsman")
    _move(
        complaint,
        actor=actor,
        to_status=ComplaintStatus.WITH_OMBUDSMAN,
        to_stage=St.OMBUDSMAN,
        note=f"Referred to the Ombudsman {ombudsman_reference}".strip(),
    )
    return complaint


@transaction.atomic
def complaint_record_ombudsman_decision(
    *, actor: User, complaint: Complaint, decided_on: dt.date, outcome: str, note: str
) -> Complaint:
    complaint = _locked(complaint)
    state.complaint_transition_for("ombudsman_decision", stage=complaint.stage, status=complaint.status)
    _require_council_handler(actor, complaint)
    if outcome not in ComplaintOutcome.values:
        raise ValidationError({"outcome": "Choose the Ombudsman's finding"})
    if not note.strip():
        raise ValidationError({"note": "Summarise the Ombudsman's decision and any remedy"})
    record = _current_stage(complaint)
    _check_date(decided_on, field="decided_on", not_before=record.started_on, what="the Ombudsman decided")
    record.responded_on, record.responded_by = decided_on, actor
    record.outcome, record.response = outcome, note.strip()
    save_audited(record, actor=actor, reason="Ombudsman's decision")
    _move(
        complaint,
        actor=actor,
        to_status=ComplaintStatus.CLOSED,
        note=f"Ombudsman: {ComplaintOutcome(outcome).label}",
    )
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, note: str = "") -> Complaint:
    """Close after the decision (the complainant is satisfied, or has not come back)."""
    complaint = _locked(complaint)
    state.complaint_transition_for("close", stage=complaint.stage, status=complaint.status)
    council_handler = (
        permissions.handles_council_complaints(actor) and actor.organisation_id == complaint.council_id
    )
    if not (handles_stage(actor, complaint) or council_handler):
        raise PermissionDenied("Only whoever handles this stage, or the council, can close it")
    _move(complaint, actor=actor, to_status=ComplaintStatus.CLOSED, note=note.strip() or "Closed")
    return complaint


@transaction.atomic
def complaint_withdraw(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    complaint = _locked(complaint)
    state.complaint_transition_for("withdraw", stage=complaint.stage, status=complaint.status)
    council_handler = (
        permissions.handles_council_complaints(actor) and actor.organisation_id == complaint.council_id
    )
    if not (handles_stage(actor, complaint) or council_handler):
        raise PermissionDenied("Only whoever handles this stage can record a withdrawal")
    if not reason.strip():
        raise ValidationError({"reason": "Enter what the complainant said"})
    _move(complaint, actor=actor, to_status=ComplaintStatus.WITHDRAWN, note=reason.strip())
    return complaint
