"""Safeguarding writes: raise, triage, the s42 decision, the enquiry (start, outcome, close), sharing with
the provider, and the principal manager's decision on an "unsafe" escalation (raising escalations and
pattern alerts, and who the managers are: services/oversight.py).

Each step is atomic, locks the concern, checks the state machine (quality/state.py), enforces the
Making Safeguarding Personal answers due at that stage (quality/rules.py) and writes an immutable
ConcernStatusChange. Safeguarding leads triage, decide, close and share; the enquiry officer (or the
practitioner allocated) may also start the enquiry and record its outcome.
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
from homecare.quality import rules, state
from homecare.quality.models import (
    AbuseType,
    ConcernAbuseType,
    ConcernSource,
    ConcernStatusChange,
    Conclusion,
    Enquiry,
    EnquiryType,
    EscalationDecision,
    FeelsSafe,
    ManagerLevel,
    OutsideRoute,
    RiskOutcome,
    SafeguardingConcern,
    SafeguardingEscalation,
    Urgency,
)
from homecare.quality.services.oversight import (
    designated,
    escalation_raise,
    is_lead_of,
    may_decide_escalation,
    patterns_check,
)

# --- who -----------------------------------------------------------------------------------------


def _require_lead(actor: User, concern: SafeguardingConcern) -> None:
    if not is_lead_of(actor, concern.council_id):
        raise PermissionDenied("Only the council's safeguarding leads can do this")


def _require_enquirer(actor: User, concern: SafeguardingConcern) -> None:
    if is_lead_of(actor, concern.council_id):
        return
    enquiry = getattr(concern, "enquiry", None)
    involved = {concern.allocated_worker_id, enquiry.enquiry_officer_id if enquiry else None} - {None}
    if not (actor.role == Role.PRACTITIONER and actor.pk in involved):
        raise PermissionDenied("Only the enquiry officer or a safeguarding lead can do this")


def _council_staff(user: User | None, council: Organisation, roles, field: str, what: str) -> None:
    if user is not None and (user.organisation_id != council.pk or user.role not in roles):
        raise ValidationError({field: f"Choose {what} at {council.name}"})


# --- the lifecycle -------------------------------------------------------------------------------


def _locked(concern: SafeguardingConcern) -> SafeguardingConcern:
    return (
        # Lock the concern's row only: the provider is an outer join, which PostgreSQL cannot lock.
        SafeguardingConcern.objects.select_for_update(of=("self",))
        .select_related("council", "provider")
        .get(pk=concern.pk)
    )


def _move(concern: SafeguardingConcern, name: str, *, actor: User, note: str) -> None:
    step = state.concern_transition_for(name, concern.status)
    previous = concern.status
    concern.status = step.target
    save_audited(concern, actor=actor, reason=step.label)
    ConcernStatusChange.objects.create(
        concern=concern, from_status=previous, to_status=step.target, at=timezone.now(), by=actor, note=note
    )


def _set_abuse_types(concern: SafeguardingConcern, types: list[str]) -> None:
    concern.abuse_types.exclude(abuse_type__in=types).delete()
    existing = set(concern.abuse_types.values_list("abuse_type", flat=True))
    ConcernAbuseType.objects.bulk_create(
        [ConcernAbuseType(concern=concern, abuse_type=t) for t in types if t not in existing]
    )


def _clean_abuse_types(types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(types))
    if any(t not in AbuseType.values for t in chosen):
        raise ValidationError({"abuse_types": "Choose the types of abuse from the list"})
    return chosen


def _link(concern: SafeguardingConcern) -> str:
    return reverse("quality:concern", args=[concern.pk])


def _announce_new(concern: SafeguardingConcern) -> None:
    notify(
        recipients=designated(concern.council, ManagerLevel.TEAM_MANAGER),
        text=f"New safeguarding concern {concern.reference} to triage",
        link=_link(concern),
    )


@transaction.atomic
def concern_raise(
    *,
    actor: User,
    description: str,
    person: Person | None = None,
    adult_details: str = "",
    provider: Organisation | None = None,
    source: str | None = None,
    abuse_types: Iterable[str] = (),
    raiser_name: str = "",
    raiser_contact: str = "",
    immediate_action: str = "",
    raised_at: dt.datetime | None = None,
) -> SafeguardingConcern:
    """Raise a concern. Council officers raise their own or record one from the public (give the
    caller's name); a provider's managers raise one about a person they care for. The team managers
    (or every safeguarding lead) are told, and similar recent concerns are checked for a pattern."""
    org = actor.organisation
    if org is None or not permissions.raises_safeguarding_concerns(actor):
        raise PermissionDenied("You cannot raise a safeguarding concern here")
    now = timezone.now()
    raised_at = raised_at or now
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Describe the concern: what happened, when, and who is involved"
    if person is None and not adult_details.strip():
        errors["person"] = (
            "Choose the person, or give the adult's details if they are not known to the council"
        )
    if raised_at > now:
        errors["raised_at"] = "The time the concern was raised cannot be in the future"
    if provider is not None and not provider.is_provider:
        errors["provider"] = "Choose a provider"
    if org.is_provider:
        source = ConcernSource.PROVIDER
        if person is None or not person.packages.filter(provider=org).exists():
            errors["person"] = "Choose the person the concern is about, from the people you care for"
    else:
        source = source or ConcernSource.COUNCIL_STAFF
        if source not in (ConcernSource.COUNCIL_STAFF, ConcernSource.PUBLIC):
            errors["source"] = "Choose who raised the concern"
        elif source == ConcernSource.PUBLIC and not raiser_name.strip():
            errors["raiser_name"] = "Enter the name of the member of the public (or 'Anonymous')"
        if person is not None and person.council_id != org.pk:
            errors["person"] = "Choose a person known to this council"
    if errors:
        raise ValidationError(errors)
    types = _clean_abuse_types(abuse_types)
    concern = SafeguardingConcern(
        council=person.council if org.is_provider else org,
        person=person,
        adult_details=adult_details.strip(),
        provider=provider or (org if org.is_provider else None),
        source=source,
        raised_by=actor if source != ConcernSource.PUBLIC else None,
        raised_by_organisation=org if source != ConcernSource.PUBLIC else None,
        raiser_name=raiser_name.strip() or (actor.get_full_name() if source != ConcernSource.PUBLIC else ""),
        raiser_contact=raiser_contact.strip(),
        raised_at=raised_at,
        recorded_by=actor,
        recorded_at=now,
        description=description.strip(),
        immediate_action=immediate_action.strip(),
    )
    return _open(concern, actor=actor, types=types)


def _open(concern: SafeguardingConcern, *, actor: User, types: list[str]) -> SafeguardingConcern:
    save_audited(concern, actor=actor, reason="Concern raised")
    _set_abuse_types(concern, types)
    ConcernStatusChange.objects.create(
        concern=concern,
        from_status="",
        to_status=concern.status,
        at=concern.recorded_at,
        by=actor,
        note=f"Raised by {ConcernSource(concern.source).label.lower()}",
    )
    _announce_new(concern)
    patterns_check(concern=concern)
    return concern


def concern_raise_from_call_event(*, event) -> SafeguardingConcern:
    """A care worker's "concern" from the visit (visits.services, once the event is stored): one concern
    per call event, however often the phone resends it (the event's own idempotency, and a unique
    call_event here)."""
    existing = SafeguardingConcern.objects.filter(call_event=event).first()
    if existing is not None:
        return existing
    visit = event.visit
    concern = SafeguardingConcern(
        council_id=visit.council_id,
        person_id=visit.person_id,
        provider_id=visit.provider_id,
        source=ConcernSource.CARE_WORKER
        if event.recorded_by.role == Role.CARE_WORKER
        else ConcernSource.PROVIDER,
        raised_by=event.recorded_by,
        raised_by_organisation_id=visit.provider_id,
        raiser_name=event.recorded_by.get_full_name() or event.recorded_by.username,
        raised_at=event.occurred_at,
        recorded_by=event.recorded_by,
        recorded_at=event.received_at,
        visit=visit,
        call_event=event,
        description=event.text,
    )
    with transaction.atomic():
        return _open(concern, actor=event.recorded_by, types=[])


@transaction.atomic
def concern_triage(
    *,
    actor: User,
    concern: SafeguardingConcern,
    urgency: str,
    abuse_types: Iterable[str],
    note: str,
    team_manager: User | None = None,
    allocated_worker: User | None = None,
) -> SafeguardingConcern:
    concern = _locked(concern)
    state.concern_transition_for("triage", concern.status)
    _require_lead(actor, concern)
    types = _clean_abuse_types(abuse_types)
    errors: dict[str, str] = {}
    if urgency not in Urgency.values:
        errors["urgency"] = "Choose how urgent this is"
    if not types:
        errors["abuse_types"] = "Choose at least one type of abuse or neglect"
    if not note.strip():
        errors["note"] = "Enter the triage notes: the risk now and what has been done"
    if errors:
        raise ValidationError(errors)
    _council_staff(
        team_manager, concern.council, (Role.SAFEGUARDING_LEAD,), "team_manager", "a safeguarding lead"
    )
    _council_staff(
        allocated_worker,
        concern.council,
        (Role.PRACTITIONER, Role.SAFEGUARDING_LEAD),
        "allocated_worker",
        "a practitioner",
    )
    concern.urgency, concern.triage_note = urgency, note.strip()
    concern.triaged_at, concern.triaged_by = timezone.now(), actor
    concern.team_manager = team_manager or concern.team_manager
    concern.allocated_worker = allocated_worker or concern.allocated_worker
    _set_abuse_types(concern, types)
    _move(concern, "triage", actor=actor, note=note.strip())
    patterns_check(concern=concern)
    if concern.allocated_worker_id and concern.allocated_worker_id != actor.pk:
        notify(
            recipients=[concern.allocated_worker],
            text=f"{concern.reference} allocated to you",
            link=_link(concern),
        )
    return concern


@transaction.atomic
def concern_decide(
    *,
    actor: User,
    concern: SafeguardingConcern,
    care_and_support_needs: bool,
    experiencing_abuse_or_risk: bool,
    unable_to_protect: bool,
    reason: str,
    make_enquiry: bool,
    outside_route: str = "",
    outside_reason: str = "",
) -> SafeguardingConcern:
    """The s42(1) decision. When all three parts are met the council must make (or cause) an enquiry,
    so "managed outside" is refused; otherwise it may still make a non-statutory enquiry, or manage the
    concern outside safeguarding with a route and reason."""
    concern = _locked(concern)
    _require_lead(actor, concern)
    met = care_and_support_needs and experiencing_abuse_or_risk and unable_to_protect
    state.concern_transition_for("decide_enquiry" if make_enquiry else "manage_outside", concern.status)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Enter the rationale for the decision"
    if not make_enquiry:
        if met:
            errors["make_enquiry"] = (
                "All three parts of the s42 test are met: the council must make an enquiry"
            )
        if outside_route not in OutsideRoute.values:
            errors["outside_route"] = "Choose how the concern will be managed instead"
        if not outside_reason.strip():
            errors["outside_reason"] = "Enter why it is managed outside safeguarding"
    if errors:
        raise ValidationError(errors)
    concern.care_and_support_needs = care_and_support_needs
    concern.experiencing_abuse_or_risk = experiencing_abuse_or_risk
    concern.unable_to_protect = unable_to_protect
    concern.decision_reason, concern.decided_at, concern.decided_by = reason.strip(), timezone.now(), actor
    if make_enquiry:
        kind = EnquiryType.S42 if met else EnquiryType.OTHER
        Enquiry.objects.create(concern=concern, enquiry_type=kind, opened_at=concern.decided_at)
        _move(concern, "decide_enquiry", actor=actor, note=f"{EnquiryType(kind).label}: {reason.strip()}")
    else:
        concern.outside_route, concern.outside_reason = outside_route, outside_reason.strip()
        _move(
            concern,
            "manage_outside",
            actor=actor,
            note=f"{OutsideRoute(outside_route).label}: {outside_reason}",
        )
    return concern


def _enquiry(concern: SafeguardingConcern) -> Enquiry:
    return Enquiry.objects.select_for_update().get(concern=concern)


@transaction.atomic
def concern_start_enquiry(
    *,
    actor: User,
    concern: SafeguardingConcern,
    enquiry_officer: User | None,
    plan: str,
    msp_asked: str,
    msp_outcomes_expressed: str = "",
    msp_not_asked_reason: str = "",
) -> SafeguardingConcern:
    """Planning done: the officer, the plan and (MSP) whether the person was asked what they want."""
    concern = _locked(concern)
    state.concern_transition_for("start_enquiry", concern.status)
    _require_enquirer(actor, concern)
    errors = rules.msp_start_problems(
        asked=msp_asked, outcomes_expressed=msp_outcomes_expressed, not_asked_reason=msp_not_asked_reason
    )
    if enquiry_officer is None:
        errors["enquiry_officer"] = "Choose the enquiry officer"
    if not plan.strip():
        errors["plan"] = "Enter the enquiry plan"
    if errors:
        raise ValidationError(errors)
    roles = (Role.PRACTITIONER, Role.SAFEGUARDING_LEAD)
    _council_staff(enquiry_officer, concern.council, roles, "enquiry_officer", "a practitioner")
    enquiry = _enquiry(concern)
    enquiry.enquiry_officer, enquiry.plan, enquiry.started_at = enquiry_officer, plan.strip(), timezone.now()
    enquiry.msp_asked = msp_asked
    enquiry.msp_outcomes_expressed = msp_outcomes_expressed.strip() if msp_asked == "expressed" else ""
    enquiry.msp_not_asked_reason = msp_not_asked_reason.strip() if msp_asked == "not_asked" else ""
    save_audited(enquiry, actor=actor, reason="Enquiry started")
    _move(concern, "start_enquiry", actor=actor, note=f"Enquiry officer: {enquiry_officer}")
    if enquiry_officer.pk != actor.pk:
        notify(
            recipients=[enquiry_officer],
            text=f"You are the enquiry officer for {concern.reference}",
            link=_link(concern),
        )
    return concern


@transaction.atomic
def concern_record_outcome(
    *,
    actor: User,
    concern: SafeguardingConcern,
    findings: str,
    conclusion: str,
    risk_outcome: str,
    msp_achieved: str = "",
) -> SafeguardingConcern:
    concern = _locked(concern)
    state.concern_transition_for("record_outcome", concern.status)
    _require_enquirer(actor, concern)
    enquiry = _enquiry(concern)
    errors = rules.msp_outcome_problems(asked=enquiry.msp_asked, achieved=msp_achieved)
    if not findings.strip():
        errors["findings"] = "Enter what the enquiry found"
    if conclusion not in Conclusion.values:
        errors["conclusion"] = "Choose the conclusion"
    if risk_outcome not in RiskOutcome.values:
        errors["risk_outcome"] = "Choose what happened to the risk"
    if errors:
        raise ValidationError(errors)
    enquiry.findings, enquiry.conclusion, enquiry.risk_outcome = findings.strip(), conclusion, risk_outcome
    enquiry.msp_achieved = msp_achieved
    enquiry.outcome_at, enquiry.outcome_by = timezone.now(), actor
    save_audited(enquiry, actor=actor, reason="Outcome recorded")
    _move(
        concern,
        "record_outcome",
        actor=actor,
        note=f"{Conclusion(conclusion).label}; {RiskOutcome(risk_outcome).label}",
    )
    return concern


@transaction.atomic
def concern_close(
    *, actor: User, concern: SafeguardingConcern, msp_feels_safe: str, closure_summary: str
) -> SafeguardingConcern:
    """Sign off the enquiry (a safeguarding lead). If the person feels unsafe, an escalation goes to a
    principal manager, who must record a decision; the escalation cannot be closed without one."""
    concern = _locked(concern)
    state.concern_transition_for("close", concern.status)
    _require_lead(actor, concern)
    errors = rules.msp_close_problems(feels_safe=msp_feels_safe)
    if not closure_summary.strip():
        errors["closure_summary"] = "Enter the closure summary: outcome, any ongoing plan, who was told"
    if errors:
        raise ValidationError(errors)
    enquiry = _enquiry(concern)
    enquiry.msp_feels_safe, enquiry.closure_summary = msp_feels_safe, closure_summary.strip()
    enquiry.closed_at, enquiry.closed_by = timezone.now(), actor
    save_audited(enquiry, actor=actor, reason="Enquiry closed")
    _move(concern, "close", actor=actor, note=f"Person feels: {FeelsSafe(msp_feels_safe).label.lower()}")
    if msp_feels_safe == FeelsSafe.UNSAFE:
        escalation_raise(
            concern=concern, reason="The person said they feel unsafe at the close of the enquiry"
        )
    return concern


@transaction.atomic
def concern_share_with_provider(
    *, actor: User, concern: SafeguardingConcern, summary: str
) -> SafeguardingConcern:
    """Share a summary written for the provider involved (never the council's case notes). Sharing
    again replaces the summary; the history keeps every version."""
    concern = _locked(concern)
    _require_lead(actor, concern)
    if concern.provider_id is None:
        raise ValidationError("No provider is involved in this concern")
    if not summary.strip():
        raise ValidationError({"summary": "Enter what the provider needs to know and do"})
    concern.shared_with_provider, concern.provider_summary = True, summary.strip()
    concern.shared_at, concern.shared_by = timezone.now(), actor
    save_audited(concern, actor=actor, reason="Shared with the provider")
    notify(
        recipients=User.objects.filter(
            organisation=concern.provider, role=Role.PROVIDER_MANAGER, is_active=True
        ),
        text=f"Safeguarding {concern.reference}: the council has shared information with you",
        link=_link(concern),
    )
    return concern


# --- escalations ---------------------------------------------------------------------------------


@transaction.atomic
def escalation_decide(
    *, actor: User, escalation: SafeguardingEscalation, decision: str, note: str
) -> SafeguardingEscalation:
    """A principal manager's decision, with its rationale. "Reopen" returns the enquiry to the officer."""
    escalation = (
        SafeguardingEscalation.objects.select_for_update(of=("self",))
        .select_related("concern__council")
        .get(pk=escalation.pk)
    )
    if escalation.decided_at is not None:
        raise ValidationError("A decision has already been recorded")
    if not may_decide_escalation(actor, escalation):
        raise PermissionDenied("Only a principal manager can decide an escalation")
    errors: dict[str, str] = {}
    if decision not in EscalationDecision.values:
        errors["decision"] = "Choose the decision"
    if not note.strip():
        errors["note"] = "Enter the rationale for the decision"
    if errors:
        raise ValidationError(errors)
    escalation.decision, escalation.decision_note = decision, note.strip()
    escalation.decided_by, escalation.decided_at = actor, timezone.now()
    save_audited(escalation, actor=actor, reason=EscalationDecision(decision).label)
    if decision == EscalationDecision.REOPEN:
        concern = _locked(escalation.concern)
        _move(concern, "reopen", actor=actor, note=f"Reopened by the principal manager: {note.strip()}")
    return escalation
