"""Scoped reads for information governance. A council's proposals are its own; a foreign one is a 404."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from homecare.accounts.models import OrganisationType, User
from homecare.records.models import DisposalProposal, ItemOutcome


def proposals_visible_to(*, user: User) -> QuerySet[DisposalProposal]:
    org = user.organisation if user.is_authenticated else None
    if org is None or org.type != OrganisationType.COUNCIL:
        return DisposalProposal.objects.none()
    return DisposalProposal.objects.filter(council=org)


def proposals_for_user(*, user: User) -> QuerySet[DisposalProposal]:
    return (
        proposals_visible_to(user=user)
        .select_related("decided_by", "proposed_by")
        .annotate(
            people=Count("items"),
            destroyed=Count("items", filter=Q(items__outcome=ItemOutcome.DISPOSED)),
        )
        .order_by("-proposed_at", "-id")
    )


def proposal_for_user(*, user: User, pk: int) -> DisposalProposal:
    return get_object_or_404(
        proposals_visible_to(user=user).select_related("council", "decided_by", "proposed_by"), pk=pk
    )
