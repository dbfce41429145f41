"""Scoped reads of safeguarding records (ADR 0008).

- A council's safeguarding leads see all its concerns, escalations, pattern alerts, audits and the
  data-quality report.
- A council practitioner sees the concerns they are involved in: allocated to them, the enquiry
  officer, or raised by them. Nothing else here.
- A provider's managers see the concerns about their provider that the council has shared with them,
  and those their own staff raised, through the provider view (what they raised and the shared summary,
  never the council's case notes).
- Everyone else (other council roles, administrators, the NHS partner, care workers) sees none; a
  record they ask for by URL is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import OrganisationType, Role, User
from homecare.quality import rules
from homecare.quality.models import (
    OPEN_CONCERN_STATUSES,
    CaseAudit,
    ConcernStatus,
    Enquiry,
    PatternAlert,
    SafeguardingConcern,
    SafeguardingEscalation,
    SafeguardingManager,
)


def _lead_council(user: User):
    return user.organisation if permissions.leads_safeguarding(user) else None


def concerns_visible_to(*, user: User) -> QuerySet[SafeguardingConcern]:
    org = user.organisation if user.is_authenticated else None
    if org is None or not permissions.sees_safeguarding(user):
        return SafeguardingConcern.objects.none()
    if org.type == OrganisationType.COUNCIL:
        concerns = SafeguardingConcern.objects.filter(council=org)
        if user.role == Role.SAFEGUARDING_LEAD:
            return concerns
        return concerns.filter(
            Q(allocated_worker=user) | Q(enquiry__enquiry_officer=user) | Q(raised_by=user)
        ).distinct()
    if org.type == OrganisationType.PROVIDER:
        return SafeguardingConcern.objects.filter(
            Q(provider=org, shared_with_provider=True) | Q(raised_by_organisation=org)
        )
    return SafeguardingConcern.objects.none()


def provider_view(user: User) -> bool:
    """Whether the user gets the provider's view of a concern (the shared summary only)."""
    org = user.organisation if user.is_authenticated else None
    return org is not None and org.type == OrganisationType.PROVIDER


def concern_for_user(*, user: User, pk: int) -> SafeguardingConcern:
    return get_object_or_404(
        concerns_visible_to(user=user).select_related(
            "council",
            "person",
            "provider",
            "raised_by",
            "triaged_by",
            "decided_by",
            "team_manager",
            "allocated_worker",
            "visit",
        ),
        pk=pk,
    )


def enquiry_of(concern: SafeguardingConcern) -> Enquiry | None:
    return (
        Enquiry.objects.filter(concern=concern)
        .select_related("enquiry_officer", "outcome_by", "closed_by")
        .first()
    )


STATUS_FILTERS = {
    "open": ("Open", OPEN_CONCERN_STATUSES),
    "new": ("Awaiting triage", (ConcernStatus.NEW,)),
    "enquiry": ("In enquiry", (ConcernStatus.PLANNING, ConcernStatus.ENQUIRY, ConcernStatus.OUTCOME)),
    "closed": ("Closed", (ConcernStatus.CLOSED, ConcernStatus.MANAGED_OUTSIDE)),
    "all": ("All", tuple(ConcernStatus.values)),
}


def concern_list(*, user: User, view: str = "open") -> QuerySet[SafeguardingConcern]:
    statuses = STATUS_FILTERS.get(view, STATUS_FILTERS["open"])[1]
    return (
        concerns_visible_to(user=user)
        .filter(status__in=statuses)
        .select_related("person", "provider")
        .prefetch_related("abuse_types")
        .order_by("-raised_at", "-id")
    )


def escalations_visible_to(*, user: User) -> QuerySet[SafeguardingEscalation]:
    council = _lead_council(user)
    if council is None:
        return SafeguardingEscalation.objects.none()
    return SafeguardingEscalation.objects.filter(council=council)


def escalation_for_user(*, user: User, pk: int) -> SafeguardingEscalation:
    return get_object_or_404(
        escalations_visible_to(user=user).select_related(
            "concern__person", "concern__provider", "assigned_to", "decided_by"
        ),
        pk=pk,
    )


def pattern_alerts_visible_to(*, user: User) -> QuerySet[PatternAlert]:
    council = _lead_council(user)
    if council is None:
        return PatternAlert.objects.none()
    return PatternAlert.objects.filter(council=council)


def pattern_alert_for_user(*, user: User, pk: int) -> PatternAlert:
    return get_object_or_404(pattern_alerts_visible_to(user=user), pk=pk)


def audits_visible_to(*, user: User) -> QuerySet[CaseAudit]:
    council = _lead_council(user)
    if council is None:
        return CaseAudit.objects.none()
    return CaseAudit.objects.filter(council=council)


def audit_for_user(*, user: User, pk: int) -> CaseAudit:
    return get_object_or_404(
        audits_visible_to(user=user)
        .select_related("concern__person", "auditor")
        .prefetch_related("answers", "actions__owner"),
        pk=pk,
    )


def designations(*, user: User) -> QuerySet[SafeguardingManager]:
    """The council's current team and principal managers (for leads and administrators)."""
    if not permissions.designates_safeguarding_managers(user):
        return SafeguardingManager.objects.none()
    return SafeguardingManager.objects.filter(
        council=user.organisation, ended_at__isnull=True
    ).select_related("user")


def designation_for_user(*, user: User, pk: int) -> SafeguardingManager:
    return get_object_or_404(designations(user=user), pk=pk)


def council_users(*, user: User, roles) -> QuerySet[User]:
    org = user.organisation
    if org is None or not org.is_council:
        return User.objects.none()
    return User.objects.filter(organisation=org, role__in=roles, is_active=True).order_by(
        "first_name", "last_name"
    )


@dataclass(frozen=True)
class SafeguardingCounts:
    awaiting_triage: int
    open: int
    escalations: int
    patterns: int


def counts(*, user: User) -> SafeguardingCounts:
    concerns = concerns_visible_to(user=user)
    totals = concerns.aggregate(
        new=Count("id", filter=Q(status=ConcernStatus.NEW)),
        open=Count("id", filter=Q(status__in=OPEN_CONCERN_STATUSES)),
    )
    return SafeguardingCounts(
        awaiting_triage=totals["new"] or 0,
        open=totals["open"] or 0,
        escalations=escalations_visible_to(user=user).filter(decided_at__isnull=True).count(),
        patterns=pattern_alerts_visible_to(user=user).filter(acknowledged_at__isnull=True).count(),
    )


# --- the data-quality report ----------------------------------------------------------------------


@dataclass(frozen=True)
class DataQualityRow:
    concern: SafeguardingConcern
    problems: list[rules.Problem]


def data_quality_report(*, user: User, today: dt.date | None = None) -> list[DataQualityRow]:
    """Every case of the council (open or concluded) with a missing or inconsistent field, worst first.
    Three queries whatever the number of cases: the concerns with their enquiries, then the counts of
    abuse types and of escalations per case."""
    council = _lead_council(user)
    if council is None:
        return []
    today = today or timezone.localdate()
    concerns = list(
        SafeguardingConcern.objects.filter(council=council)
        .select_related("person", "enquiry")
        .annotate(
            n_types=Count("abuse_types", distinct=True), n_escalations=Count("escalations", distinct=True)
        )
        .order_by("-raised_at", "-id")
    )
    rows = []
    for concern in concerns:
        enquiry = getattr(concern, "enquiry", None) if _has_enquiry(concern) else None
        problems = rules.concern_problems(
            concern, enquiry, abuse_types=concern.n_types, escalations=concern.n_escalations, today=today
        )
        if problems:
            rows.append(DataQualityRow(concern, problems))
    rows.sort(key=lambda r: (-sum(p.kind == "inconsistent" for p in r.problems), -len(r.problems)))
    return rows


def _has_enquiry(concern: SafeguardingConcern) -> bool:
    try:
        concern.enquiry  # noqa: B018 - a reverse one-to-one raises when there is none
    except Enquiry.DoesNotExist:
        return False
    return True
