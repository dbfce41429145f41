"""Case audits: the monthly sample (e.g. two cases per principal manager), the audit against the Care Act
template (quality/care_act_audit.py), and the actions that come out of it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, User
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify
from homecare.quality.care_act_audit import QUESTION_CODES, TEMPLATE
from homecare.quality.models import (
    AuditOverall,
    AuditRating,
    CaseAudit,
    CaseAuditAction,
    CaseAuditAnswer,
    ConcernStatus,
    ConcernStatusChange,
    ManagerLevel,
)
from homecare.quality.services.oversight import designated

DEFAULT_PER_MANAGER = 2


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight (Europe/London) at the start of the month and of the next: the clocks change inside
    March and October, so each end is localised on its own."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min), zone),
        timezone.make_aware(dt.datetime.combine(following, dt.time.min), zone),
    )


def _involved(concern) -> set[int]:
    enquiry = getattr(concern, "enquiry", None)
    people = {
        concern.triaged_by_id,
        concern.decided_by_id,
        concern.allocated_worker_id,
        concern.team_manager_id,
    }
    if enquiry is not None:
        people |= {enquiry.enquiry_officer_id, enquiry.outcome_by_id, enquiry.closed_by_id}
    return people - {None}


@transaction.atomic
def audits_sample_month(
    *, actor: User, council: Organisation, month: dt.date, per_manager: int = DEFAULT_PER_MANAGER
) -> list[CaseAudit]:
    """Draw the month's sample from the cases concluded in it (closed, or managed outside safeguarding)
    that have never been audited, and allocate `per_manager` to each principal manager, never a case
    they worked on. The draw is random but repeatable (seeded by council and month), so it can be
    explained afterwards. A month is sampled once."""
    if not (permissions.leads_safeguarding(actor) and actor.organisation_id == council.pk):
        raise PermissionDenied("Only the council's safeguarding leads can draw the audit sample")
    if not 1 <= per_manager <= 10:
        raise ValidationError({"per_manager": "Audit between 1 and 10 cases per principal manager"})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": "Choose this month or an earlier one"})
    if CaseAudit.objects.filter(council=council, month=month).exists():
        raise ValidationError({"month": f"{month:%B %Y} has already been sampled"})
    start, end = month_bounds(month)
    concluded = (
        ConcernStatusChange.objects.filter(
            concern__council=council,
            to_status__in=[ConcernStatus.CLOSED, ConcernStatus.MANAGED_OUTSIDE],
            at__gte=start,
            at__lt=end,
        )
        .exclude(concern__audits__isnull=False)
        .values_list("concern_id", flat=True)
        .distinct()
    )
    from homecare.quality.models import SafeguardingConcern

    pool = sorted(
        SafeguardingConcern.objects.filter(pk__in=list(concluded)).select_related("enquiry"),
        key=lambda c: c.pk,
    )
    random.Random(f"{council.pk}:{month:%Y-%m}").shuffle(pool)
    managers = list(designated(council, ManagerLevel.PRINCIPAL_MANAGER).order_by("id"))
    if not managers:
        raise ValidationError("The council has no safeguarding leads to audit cases")
    now, audits, taken = timezone.now(), [], set()
    for manager in managers:
        picked = [c for c in pool if c.pk not in taken and manager.pk not in _involved(c)][:per_manager]
        for concern in picked:
            taken.add(concern.pk)
            audits.append(
                CaseAudit(
                    council=council,
                    concern=concern,
                    month=month,
                    auditor=manager,
                    allocated_by=actor,
                    allocated_at=now,
                )
            )
    if not audits:
        raise ValidationError({"month": f"No cases were concluded in {month:%B %Y} that can be audited"})
    for audit in audits:
        save_audited(audit, actor=actor, reason=f"Sampled for {month:%B %Y}")
    for manager in managers:
        mine = [a for a in audits if a.auditor_id == manager.pk]
        if mine:
            notify(
                recipients=[manager],
                text=f"Safeguarding cases to audit for {month:%B %Y}: {len(mine)}",
                link=reverse("quality:audits"),
            )
    return audits


@transaction.atomic
def audit_complete(
    *,
    actor: User,
    audit: CaseAudit,
    answers: Mapping[str, tuple[str, str]],
    findings: str,
    overall: str,
) -> CaseAudit:
    """The auditor answers every question of the template (a comment wherever a duty was not fully met),
    with findings and an overall judgement. A completed audit is not changed; actions follow it."""
    audit = CaseAudit.objects.select_for_update().get(pk=audit.pk)
    if audit.auditor_id != actor.pk:
        raise PermissionDenied("Only the auditor allocated can complete this audit")
    if audit.completed_at is not None:
        raise ValidationError("This audit has already been completed")
    errors: dict[str, str] = {}
    for question in TEMPLATE:
        rating, comment = answers.get(question.code, ("", ""))
        if rating not in AuditRating.values:
            errors[f"q_{question.code}"] = f"Answer: {question.text}"
        elif rating in (AuditRating.PARTLY_MET, AuditRating.NOT_MET) and not comment.strip():
            errors[f"q_{question.code}_comment"] = f"Say what was missing: {question.text}"
    if overall not in AuditOverall.values:
        errors["overall"] = "Choose the overall judgement"
    if not findings.strip():
        errors["findings"] = "Enter the findings"
    if errors:
        raise ValidationError(errors)
    CaseAuditAnswer.objects.bulk_create(
        [
            CaseAuditAnswer(
                audit=audit, question=code, rating=answers[code][0], comment=answers[code][1].strip()
            )
            for code in QUESTION_CODES
        ]
    )
    audit.findings, audit.overall, audit.completed_at = findings.strip(), overall, timezone.now()
    save_audited(audit, actor=actor, reason="Audit completed")
    return audit


def _require_lead(actor: User, audit: CaseAudit) -> None:
    if not (permissions.leads_safeguarding(actor) and actor.organisation_id == audit.council_id):
        raise PermissionDenied("Only the council's safeguarding leads can do this")


@transaction.atomic
def audit_action_add(
    *, actor: User, audit: CaseAudit, description: str, due_on: dt.date | None, owner: User | None = None
) -> CaseAuditAction:
    _require_lead(actor, audit)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Enter the action"
    if due_on is None:
        errors["due_on"] = "Enter when it is due"
    elif due_on < audit.month:
        errors["due_on"] = "The due date must be after the month audited"
    if owner is not None and owner.organisation_id != audit.council_id:
        errors["owner"] = "Choose someone at the council"
    if errors:
        raise ValidationError(errors)
    action = CaseAuditAction(
        audit=audit, description=description.strip(), due_on=due_on, owner=owner, added_by=actor
    )
    save_audited(action, actor=actor, reason="Action added")
    if owner is not None and owner.pk != actor.pk:
        notify(
            recipients=[owner],
            text=f"Audit action for you, due {due_on:%-d %b}",
            link=reverse("quality:audits"),
        )
    return action


@transaction.atomic
def audit_action_complete(*, actor: User, action: CaseAuditAction, note: str) -> CaseAuditAction:
    action = CaseAuditAction.objects.select_for_update().select_related("audit").get(pk=action.pk)
    if action.owner_id != actor.pk:
        _require_lead(actor, action.audit)
    if action.completed_on is not None:
        raise ValidationError("This action is already done")
    if not note.strip():
        raise ValidationError({"note": "Say what was done"})
    action.completed_on, action.completed_by, action.completion_note = (
        timezone.localdate(),
        actor,
        note.strip(),
    )
    save_audited(action, actor=actor, reason="Action done")
    return action
