"""Safeguarding oversight: who the team and principal managers are, "unsafe" escalations to them, and
pattern alerts (more than one similar concern about the same person or provider within the window).

While a council has designated nobody at a level, every safeguarding lead stands in (ADR 0008), so
nothing waits on a role nobody was given.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, Role, User
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify
from homecare.quality.models import (
    AbuseType,
    ManagerLevel,
    PatternAlert,
    PatternSubject,
    SafeguardingConcern,
    SafeguardingEscalation,
    SafeguardingManager,
)

DEFAULT_PATTERN_WINDOW_DAYS = 90


def pattern_window_days() -> int:
    """How far back "similar concerns" are looked for (settings.SAFEGUARDING_PATTERN_WINDOW_DAYS)."""
    return int(getattr(settings, "SAFEGUARDING_PATTERN_WINDOW_DAYS", DEFAULT_PATTERN_WINDOW_DAYS))


# --- who -----------------------------------------------------------------------------------------


def _leads(council: Organisation):
    return User.objects.filter(organisation=council, role=Role.SAFEGUARDING_LEAD, is_active=True)


def designated(council: Organisation, level: str):
    """Active users designated at `level`; every safeguarding lead when nobody is designated."""
    users = User.objects.filter(
        safeguarding_designations__council=council,
        safeguarding_designations__level=level,
        safeguarding_designations__ended_at__isnull=True,
        role=Role.SAFEGUARDING_LEAD,
        is_active=True,
    ).distinct()
    return users if users.exists() else _leads(council)


def is_lead_of(user: User, council_id: int) -> bool:
    return permissions.leads_safeguarding(user) and user.organisation_id == council_id


# --- escalations ---------------------------------------------------------------------------------


def escalation_raise(*, concern: SafeguardingConcern, reason: str) -> SafeguardingEscalation:
    """Put the case on a principal manager's list (the one with fewest open escalations)."""
    managers = list(designated(concern.council, ManagerLevel.PRINCIPAL_MANAGER).order_by("id"))
    open_counts = dict(
        SafeguardingEscalation.objects.filter(decided_at__isnull=True, assigned_to__in=managers)
        .values("assigned_to")
        .annotate(n=Count("id"))
        .values_list("assigned_to", "n")
    )
    assignee = min(managers, key=lambda u: (open_counts.get(u.pk, 0), u.pk), default=None)
    escalation = SafeguardingEscalation(
        concern=concern,
        council=concern.council,
        reason=reason,
        raised_at=timezone.now(),
        assigned_to=assignee,
    )
    save_audited(escalation, actor=None, reason=reason)
    notify(
        recipients=designated(concern.council, ManagerLevel.PRINCIPAL_MANAGER),
        text=f"Escalation: {concern.reference} – the person feels unsafe; a decision is needed",
        link=reverse("quality:escalation", args=[escalation.pk]),
    )
    return escalation


def may_decide_escalation(user: User, escalation: SafeguardingEscalation) -> bool:
    if not is_lead_of(user, escalation.council_id):
        return False
    return designated(escalation.concern.council, ManagerLevel.PRINCIPAL_MANAGER).filter(pk=user.pk).exists()


# --- pattern alerts ------------------------------------------------------------------------------


def patterns_check(*, concern: SafeguardingConcern) -> list[PatternAlert]:
    """Flag more than one similar concern (sharing a type of abuse) about the same person or the same
    provider within the window to the team managers. An open alert collects later matches instead of a
    new alert being raised; the database allows one open alert per subject and type."""
    types = list(concern.abuse_types.values_list("abuse_type", flat=True))
    if not types:
        return []
    window = pattern_window_days()
    since = concern.raised_at - dt.timedelta(days=window)
    alerts: list[PatternAlert] = []
    for subject, field, value in (
        (PatternSubject.PERSON, "person_id", concern.person_id),
        (PatternSubject.PROVIDER, "provider_id", concern.provider_id),
    ):
        if value is None:
            continue
        for abuse_type in types:
            similar = list(
                SafeguardingConcern.objects.filter(
                    council_id=concern.council_id,
                    raised_at__gte=since,
                    abuse_types__abuse_type=abuse_type,
                    **{field: value},
                )
                .exclude(pk=concern.pk)
                .values_list("pk", flat=True)
            )
            if not similar:
                continue
            alert, created = _open_alert(concern, subject, field, value, abuse_type, window)
            alert.concerns.add(concern.pk, *similar)
            alerts.append(alert)
            if created:
                what = concern.person.full_name if subject == PatternSubject.PERSON else concern.provider.name
                notify(
                    recipients=designated(concern.council, ManagerLevel.TEAM_MANAGER),
                    text=f"Pattern: {len(similar) + 1} {AbuseType(abuse_type).label.lower()} concerns about "
                    f"{what} in {window} days",
                    link=reverse("quality:pattern-alerts"),
                )
    return alerts


def _open_alert(concern, subject, field, value, abuse_type, window) -> tuple[PatternAlert, bool]:
    lookup = {"council_id": concern.council_id, "subject": subject, field: value, "abuse_type": abuse_type}
    existing = PatternAlert.objects.filter(acknowledged_at__isnull=True, **lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return PatternAlert.objects.create(window_days=window, raised_at=timezone.now(), **lookup), True
    except IntegrityError:  # raised concurrently by another concern: join that one
        return PatternAlert.objects.get(acknowledged_at__isnull=True, **lookup), False


@transaction.atomic
def pattern_acknowledge(*, actor: User, alert: PatternAlert, note: str) -> PatternAlert:
    alert = PatternAlert.objects.select_for_update().get(pk=alert.pk)
    if not is_lead_of(actor, alert.council_id):
        raise PermissionDenied("Only the council's safeguarding leads can do this")
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert has already been acknowledged")
    if not note.strip():
        raise ValidationError({"note": "Enter what is being done about the pattern"})
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note = (
        timezone.now(),
        actor,
        note.strip(),
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    return alert


# --- designations --------------------------------------------------------------------------------


@transaction.atomic
def manager_designate(*, actor: User, user: User, level: str) -> SafeguardingManager:
    if not permissions.designates_safeguarding_managers(actor):
        raise PermissionDenied("You cannot designate safeguarding managers")
    if level not in ManagerLevel.values:
        raise ValidationError({"level": "Choose team manager or principal manager"})
    if user.organisation_id != actor.organisation_id or user.role != Role.SAFEGUARDING_LEAD:
        raise ValidationError({"user": "Choose one of the council's safeguarding leads"})
    if SafeguardingManager.objects.filter(user=user, level=level, ended_at__isnull=True).exists():
        raise ValidationError({"user": f"{user} is already a {ManagerLevel(level).label.lower()}"})
    return SafeguardingManager.objects.create(
        council=actor.organisation, user=user, level=level, designated_by=actor, designated_at=timezone.now()
    )


@transaction.atomic
def manager_end(*, actor: User, designation: SafeguardingManager) -> SafeguardingManager:
    designation = SafeguardingManager.objects.select_for_update().get(pk=designation.pk)
    if (
        not permissions.designates_safeguarding_managers(actor)
        or designation.council_id != actor.organisation_id
    ):
        raise PermissionDenied("You cannot change safeguarding managers")
    if designation.ended_at is None:
        designation.ended_at, designation.ended_by = timezone.now(), actor
        designation.save(update_fields=["ended_at", "ended_by"])
    return designation
