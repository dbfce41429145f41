"""Reads of provider quality: the quality score (quality/scoring.py) for brokerage and the pages, QA
visits, reviews and CQC imports, scoped to the user's organisation.

Council staff see their council's QA visits, reviews and imports and every provider's score; a
provider's managers see their own published QA visits and their own score; others see none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.outcomes import selectors as outcome_selectors
from homecare.providers.models import Admission, AdmissionDecision, CqcRating
from homecare.quality import scoring
from homecare.quality.models import (
    ComplaintOutcome,
    ComplaintStageRecord,
    ComplaintSubject,
    Conclusion,
    CqcImport,
    Enquiry,
    ProviderReview,
    QaVisit,
    QaVisitStatus,
    ReviewStatus,
)


def _org(user: User) -> Organisation | None:
    if not user.is_authenticated or user.organisation_id is None or user.role == Role.CARE_WORKER:
        return None
    return user.organisation


# --- the score ------------------------------------------------------------------------------------


def quality_facts(
    *, council: Organisation, provider_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, scoring.QualityFacts]:
    """The facts behind each provider's score, in five queries whatever the number of providers."""
    ids = sorted(set(provider_ids))
    on = on or timezone.localdate()
    since = on - dt.timedelta(days=scoring.LOOKBACK_DAYS)
    rating: dict[int, str] = {}
    for provider_id, value in (
        CqcRating.objects.filter(provider_id__in=ids, rated_on__lte=on)
        .order_by("provider_id", "-rated_on", "-recorded_at", "-id")
        .values_list("provider_id", "rating")
    ):
        rating.setdefault(provider_id, value)
    rag: dict[int, str] = {}
    for provider_id, value in (
        QaVisit.objects.filter(
            council=council,
            provider_id__in=ids,
            status=QaVisitStatus.PUBLISHED,
            visit_date__gt=since,
            visit_date__lte=on,
        )
        .order_by("provider_id", "-visit_date", "-id")
        .values_list("provider_id", "rag")
    ):
        rag.setdefault(provider_id, value)
    # The latest decision on each complaint about the provider (a later stage overrides an earlier one).
    decisions: dict[int, tuple[int, str]] = {}
    for complaint_id, provider_id, outcome in (
        ComplaintStageRecord.objects.filter(
            complaint__council=council,
            complaint__subject=ComplaintSubject.PROVIDER,
            complaint__provider_id__in=ids,
            responded_on__gt=since,
            responded_on__lte=on,
        )
        .exclude(outcome="")
        .order_by("responded_on", "id")
        .values_list("complaint_id", "complaint__provider_id", "outcome")
    ):
        decisions[complaint_id] = (provider_id, outcome)
    upheld: dict[int, list[int]] = {i: [0, 0] for i in ids}
    for provider_id, outcome in decisions.values():
        if outcome == ComplaintOutcome.UPHELD:
            upheld[provider_id][0] += 1
        elif outcome == ComplaintOutcome.PARTLY_UPHELD:
            upheld[provider_id][1] += 1
    substantiated: dict[int, list[int]] = {i: [0, 0] for i in ids}
    since_start = timezone.make_aware(dt.datetime.combine(since, dt.time.max))
    for provider_id, conclusion in Enquiry.objects.filter(
        concern__council=council,
        concern__provider_id__in=ids,
        outcome_at__gt=since_start,
        conclusion__in=[Conclusion.SUBSTANTIATED, Conclusion.PARTLY],
    ).values_list("concern__provider_id", "conclusion"):
        substantiated[provider_id][0 if conclusion == Conclusion.SUBSTANTIATED else 1] += 1
    # People's and families' feedback about the provider (outcomes app), one query.
    feedback = outcome_selectors.feedback_for_quality(council=council, provider_ids=ids, since=since, on=on)
    return {
        i: scoring.QualityFacts(
            cqc_rating=rating.get(i),
            qa_rag=rag.get(i),
            upheld=upheld[i][0],
            partly_upheld=upheld[i][1],
            substantiated=substantiated[i][0],
            partly_substantiated=substantiated[i][1],
            feedback_responses=feedback.get(i, (0, None))[0],
            feedback_points=feedback.get(i, (0, None))[1],
            feedback_minimum=settings.OUTCOMES_FEEDBACK_MIN_RESPONSES,
        )
        for i in ids
    }


def provider_quality_scores(
    *, council: Organisation, provider_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, scoring.QualityScore]:
    """Each provider's quality score as the council sees it today (brokerage ranks on `.score`)."""
    return {
        i: scoring.score(f)
        for i, f in quality_facts(council=council, provider_ids=provider_ids, on=on).items()
    }


def provider_quality(
    *, council: Organisation, provider: Organisation, on: dt.date | None = None
) -> scoring.QualityScore:
    return provider_quality_scores(council=council, provider_ids=[provider.pk], on=on)[provider.pk]


@dataclass(frozen=True)
class ProviderQualityRow:
    provider: Organisation
    quality: scoring.QualityScore
    open_reviews: int
    last_qa: QaVisit | None


def framework_providers(*, council: Organisation) -> QuerySet[Organisation]:
    """Providers admitted to any of the council's frameworks."""
    admitted = Admission.objects.filter(framework__council=council, decision=AdmissionDecision.ADMITTED)
    return Organisation.objects.filter(type=OrganisationType.PROVIDER, pk__in=admitted.values("provider_id"))


def provider_quality_rows(*, user: User, on: dt.date | None = None) -> list[ProviderQualityRow]:
    """The council's framework providers (and any it has visited or reviewed), lowest score first."""
    council = _org(user)
    if council is None or not council.is_council:
        return []
    visited = QaVisit.objects.filter(council=council).values("provider_id")
    reviewed = ProviderReview.objects.filter(council=council).values("provider_id")
    providers = list(
        Organisation.objects.filter(type=OrganisationType.PROVIDER)
        .filter(
            pk__in=[
                *framework_providers(council=council).values_list("pk", flat=True),
                *visited.values_list("provider_id", flat=True),
                *reviewed.values_list("provider_id", flat=True),
            ]
        )
        .order_by("name")
    )
    scores = provider_quality_scores(council=council, provider_ids=[p.pk for p in providers], on=on)
    open_reviews: dict[int, int] = {}
    for provider_id in ProviderReview.objects.filter(council=council, status=ReviewStatus.OPEN).values_list(
        "provider_id", flat=True
    ):
        open_reviews[provider_id] = open_reviews.get(provider_id, 0) + 1
    last: dict[int, QaVisit] = {}
    for visit in QaVisit.objects.filter(council=council).order_by("provider_id", "-visit_date", "-id"):
        last.setdefault(visit.provider_id, visit)
    rows = [ProviderQualityRow(p, scores[p.pk], open_reviews.get(p.pk, 0), last.get(p.pk)) for p in providers]
    rows.sort(key=lambda r: (r.quality.score, r.provider.name))
    return rows


# --- QA visits, reviews, imports --------------------------------------------------------------------


def qa_visits_visible_to(*, user: User) -> QuerySet[QaVisit]:
    org = _org(user)
    if org is None:
        return QaVisit.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return QaVisit.objects.filter(council=org)
    if org.type == OrganisationType.PROVIDER and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR):
        return QaVisit.objects.filter(provider=org, status=QaVisitStatus.PUBLISHED)
    return QaVisit.objects.none()


def qa_visit_for_user(*, user: User, pk: int) -> QaVisit:
    return get_object_or_404(
        qa_visits_visible_to(user=user)
        .select_related("provider", "council", "visited_by", "published_by")
        .prefetch_related("findings", "actions__completed_by"),
        pk=pk,
    )


def provider_qa_visits(*, user: User, provider: Organisation) -> QuerySet[QaVisit]:
    return qa_visits_visible_to(user=user).filter(provider=provider).order_by("-visit_date", "-id")


def reviews_visible_to(*, user: User) -> QuerySet[ProviderReview]:
    org = _org(user)
    if org is None or org.type != OrganisationType.COUNCIL:
        return ProviderReview.objects.none()
    return ProviderReview.objects.filter(council=org)


def review_for_user(*, user: User, pk: int) -> ProviderReview:
    return get_object_or_404(
        reviews_visible_to(user=user).select_related(
            "provider", "rating", "suspension", "opened_by", "closed_by"
        ),
        pk=pk,
    )


def imports_visible_to(*, user: User) -> QuerySet[CqcImport]:
    org = _org(user)
    if org is None or org.type != OrganisationType.COUNCIL:
        return CqcImport.objects.none()
    return CqcImport.objects.filter(council=org)


def import_for_user(*, user: User, pk: int) -> CqcImport:
    return get_object_or_404(imports_visible_to(user=user).select_related("uploaded_by"), pk=pk)
