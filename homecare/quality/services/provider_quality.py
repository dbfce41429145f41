"""Provider quality writes: QA visits (findings, actions, RAG, publication), reviews (opened by hand or by
a new Requires Improvement / Inadequate rating, suspension of new placements, closure) and the CQC
ratings import (all or nothing).

Ratings and suspensions are the providers app's records: they are written through its services
(`rating_record`, `suspension_start`), so their rules and audit apply here too.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, Role, User
from homecare.platform.audit import save_audited
from homecare.platform.audit_log import audit_record
from homecare.platform.notifications import notify
from homecare.providers import selectors as provider_selectors
from homecare.providers import services as provider_services
from homecare.providers.models import BARRABLE_RATINGS, CqcRating, ProviderProfile, Rating, Suspension
from homecare.quality import cqc_import
from homecare.quality.models import (
    CqcImport,
    ImportStatus,
    ProviderReview,
    QaAction,
    QaArea,
    QaFinding,
    QaVisit,
    QaVisitKind,
    QaVisitStatus,
    Rag,
    ReviewOutcome,
    ReviewStatus,
)


def _require_manager(actor: User, council_id: int | None = None) -> Organisation:
    org = actor.organisation
    if org is None or not permissions.manages_provider_quality(actor):
        raise PermissionDenied("Only commissioners manage provider quality")
    if council_id is not None and org.pk != council_id:
        raise PermissionDenied("This record belongs to another council")
    return org


def _provider_managers(provider: Organisation):
    return User.objects.filter(organisation=provider, role=Role.PROVIDER_MANAGER, is_active=True)


def _commissioners(council: Organisation):
    return User.objects.filter(organisation=council, role=Role.COMMISSIONER, is_active=True)


# --- QA visits ------------------------------------------------------------------------------------


@transaction.atomic
def qa_visit_record(
    *, actor: User, provider: Organisation, visit_date: dt.date, kind: str, summary: str
) -> QaVisit:
    """Write up a QA visit or contract-monitoring review (a draft until published to the provider)."""
    council = _require_manager(actor)
    errors: dict[str, str] = {}
    if not provider.is_provider:
        errors["provider"] = "Choose a provider"
    if kind not in QaVisitKind.values:
        errors["kind"] = "Choose the kind of visit"
    if visit_date is None or visit_date > timezone.localdate():
        errors["visit_date"] = "Enter the date of the visit (today or in the past)"
    if not summary.strip():
        errors["summary"] = "Enter a summary of the visit"
    if errors:
        raise ValidationError(errors)
    visit = QaVisit(
        council=council,
        provider=provider,
        visit_date=visit_date,
        kind=kind,
        visited_by=actor,
        summary=summary.strip(),
        created_at=timezone.now(),
    )
    save_audited(visit, actor=actor, reason="QA visit recorded")
    return visit


@transaction.atomic
def qa_finding_add(*, actor: User, qa_visit: QaVisit, area: str, rag: str, text: str) -> QaFinding:
    qa_visit = QaVisit.objects.select_for_update().get(pk=qa_visit.pk)
    _require_manager(actor, qa_visit.council_id)
    if qa_visit.status != QaVisitStatus.DRAFT:
        raise ValidationError("Findings are added before the visit report is published")
    errors: dict[str, str] = {}
    if area not in QaArea.values:
        errors["area"] = "Choose the area"
    if rag not in Rag.values:
        errors["rag"] = "Choose red, amber or green"
    if not text.strip():
        errors["text"] = "Enter the finding"
    if errors:
        raise ValidationError(errors)
    return QaFinding.objects.create(qa_visit=qa_visit, area=area, rag=rag, text=text.strip(), added_by=actor)


@transaction.atomic
def qa_action_add(*, actor: User, qa_visit: QaVisit, description: str, due_on: dt.date | None) -> QaAction:
    _require_manager(actor, qa_visit.council_id)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Enter the action the provider must take"
    if due_on is None:
        errors["due_on"] = "Enter when it is due"
    elif due_on < qa_visit.visit_date:
        errors["due_on"] = "The due date must be on or after the visit"
    if errors:
        raise ValidationError(errors)
    action = QaAction(qa_visit=qa_visit, description=description.strip(), due_on=due_on, added_by=actor)
    save_audited(action, actor=actor, reason="Action added")
    return action


@transaction.atomic
def qa_visit_publish(*, actor: User, qa_visit: QaVisit, rag: str) -> QaVisit:
    """Publish the report, with its overall RAG, to the provider (it then counts in the quality score)."""
    qa_visit = QaVisit.objects.select_for_update().select_related("provider").get(pk=qa_visit.pk)
    _require_manager(actor, qa_visit.council_id)
    if qa_visit.status != QaVisitStatus.DRAFT:
        raise ValidationError("This report has already been published")
    if rag not in Rag.values:
        raise ValidationError({"rag": "Choose the overall RAG rating"})
    if not qa_visit.findings.exists():
        raise ValidationError("Add at least one finding before publishing")
    qa_visit.status, qa_visit.rag = QaVisitStatus.PUBLISHED, rag
    qa_visit.published_at, qa_visit.published_by = timezone.now(), actor
    save_audited(qa_visit, actor=actor, reason="Published")
    notify(
        recipients=_provider_managers(qa_visit.provider),
        text=f"QA report published: {qa_visit.get_kind_display().lower()} on {qa_visit.visit_date:%-d %b}",
        link=reverse("quality:qa-visit", args=[qa_visit.pk]),
    )
    return qa_visit


@transaction.atomic
def qa_action_complete(*, actor: User, action: QaAction, note: str) -> QaAction:
    """The council confirms an action is done, with the evidence seen."""
    action = QaAction.objects.select_for_update().select_related("qa_visit").get(pk=action.pk)
    _require_manager(actor, action.qa_visit.council_id)
    if action.completed_on is not None:
        raise ValidationError("This action is already done")
    if not note.strip():
        raise ValidationError({"note": "Say what evidence showed it was done"})
    action.completed_on, action.completed_by, action.completion_note = (
        timezone.localdate(),
        actor,
        note.strip(),
    )
    save_audited(action, actor=actor, reason="Action done")
    return action


# --- reviews --------------------------------------------------------------------------------------


@transaction.atomic
def review_open(
    *, actor: User, provider: Organisation, reason: str, rating: CqcRating | None = None, council=None
) -> ProviderReview:
    council = council or _require_manager(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the provider is being reviewed"})
    if not provider.is_provider:
        raise ValidationError({"provider": "Choose a provider"})
    review = ProviderReview(
        council=council,
        provider=provider,
        rating=rating,
        reason=reason.strip(),
        opened_at=timezone.now(),
        opened_by=actor,
    )
    save_audited(review, actor=actor, reason="Review opened")
    notify(
        recipients=_commissioners(council).exclude(pk=actor.pk),
        text=f"Provider review opened: {provider.name}",
        link=reverse("quality:review", args=[review.pk]),
    )
    return review


@transaction.atomic
def review_suspend_placements(
    *, actor: User, review: ProviderReview, reason: str, starts_on: dt.date, review_on: dt.date | None = None
) -> Suspension:
    """Suspend the provider from new placements (the providers app's suspension; brokerage stops
    offering to it from `starts_on`)."""
    review = (
        ProviderReview.objects.select_for_update().select_related("provider", "council").get(pk=review.pk)
    )
    _require_manager(actor, review.council_id)
    if review.status != ReviewStatus.OPEN:
        raise ValidationError("This review is closed")
    if review.suspension_id is not None:
        raise ValidationError("New placements are already suspended under this review")
    suspension = provider_services.suspension_start(
        actor=actor,
        provider=review.provider,
        council=review.council,
        reason=reason,
        starts_on=starts_on,
        review_on=review_on,
    )
    review.suspension = suspension
    save_audited(review, actor=actor, reason="New placements suspended")
    return suspension


@transaction.atomic
def review_close(*, actor: User, review: ProviderReview, outcome: str, note: str) -> ProviderReview:
    review = ProviderReview.objects.select_for_update().get(pk=review.pk)
    _require_manager(actor, review.council_id)
    if review.status != ReviewStatus.OPEN:
        raise ValidationError("This review is already closed")
    errors: dict[str, str] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Choose the outcome"
    elif outcome == ReviewOutcome.SUSPENDED and review.suspension_id is None:
        errors["outcome"] = "Suspend new placements first, or choose another outcome"
    if not note.strip():
        errors["note"] = "Enter the reasons for the outcome"
    if errors:
        raise ValidationError(errors)
    review.status, review.outcome, review.outcome_note = ReviewStatus.CLOSED, outcome, note.strip()
    review.closed_at, review.closed_by = timezone.now(), actor
    save_audited(review, actor=actor, reason="Review closed")
    return review


# --- the CQC ratings import ----------------------------------------------------------------------


def _rejected(council, actor, filename, parsed, errors) -> CqcImport:
    return CqcImport.objects.create(
        council=council,
        filename=filename[:200],
        uploaded_by=actor,
        uploaded_at=timezone.now(),
        status=ImportStatus.REJECTED,
        rows_read=parsed.rows_read,
        errors=[e.as_dict() for e in errors[: cqc_import.MAX_ERRORS_KEPT]],
    )


def cqc_ratings_import(
    *, actor: User, data: bytes, filename: str, suspend_inadequate: bool = False
) -> CqcImport:
    """Import CQC's ratings file: all or nothing. Every row is checked first and every error reported
    with its row; if there is any, nothing is recorded. Otherwise, for each location that belongs to a
    provider on our books, a rating newer than (or correcting) the one we hold is recorded; a new
    Requires Improvement or Inadequate rating opens a review, and, if asked, a new Inadequate rating
    suspends new placements at once (unless already suspended). Locations of other providers are
    counted, not errors: the national file lists every location in England."""
    council = _require_manager(actor)
    parsed = cqc_import.parse(data, today=timezone.localdate())
    if parsed.errors:
        return _rejected(council, actor, filename, parsed, parsed.errors)
    try:
        with transaction.atomic():
            return _apply(council, actor, filename, parsed, suspend_inadequate)
    except ValidationError as exc:  # a rule of the providers app refused a row: record nothing
        error = cqc_import.RowError(0, "", "; ".join(exc.messages))
        return _rejected(council, actor, filename, parsed, [error])


def _apply(council, actor, filename, parsed, suspend_inadequate) -> CqcImport:
    providers_by_location: dict[str, list[Organisation]] = {}
    for profile in ProviderProfile.objects.filter(
        cqc_location_id__in=[r.location_id for r in parsed.ratings]
    ).select_related("provider"):
        providers_by_location.setdefault(profile.cqc_location_id, []).append(profile.provider)
    log = CqcImport(
        council=council,
        filename=filename[:200],
        uploaded_by=actor,
        uploaded_at=timezone.now(),
        status=ImportStatus.APPLIED,
        rows_read=parsed.rows_read,
    )
    today = timezone.localdate()
    for row in parsed.ratings:
        providers = providers_by_location.get(row.location_id)
        if not providers:
            log.not_ours += 1
            continue
        for provider in providers:
            current = provider_selectors.current_rating(provider=provider)
            if current is not None and (
                row.rated_on < current.rated_on
                or (row.rated_on, row.rating) == (current.rated_on, current.rating)
            ):
                log.unchanged += 1
                continue
            rating = provider_services.rating_record(
                actor=actor, provider=provider, rating=row.rating, rated_on=row.rated_on
            )
            log.ratings_recorded += 1
            log.changes.append(
                {
                    "provider": provider.name,
                    "location": row.location_id,
                    "from": Rating(current.rating).label if current else "",
                    "to": Rating(row.rating).label,
                    "rated_on": row.rated_on.isoformat(),
                }
            )
            if row.rating not in BARRABLE_RATINGS or (current is not None and current.rating == row.rating):
                continue
            review = review_open(
                actor=actor,
                council=council,
                provider=provider,
                rating=rating,
                reason=f"CQC rated {provider.name} {Rating(row.rating).label} "
                f"(published {row.rated_on:%-d %B %Y})",
            )
            log.reviews_opened += 1
            suspended = Suspension.objects.filter(
                provider=provider, council=council, ended_on__isnull=True
            ).exists()
            if suspend_inadequate and row.rating == Rating.INADEQUATE and not suspended:
                review_suspend_placements(
                    actor=actor,
                    review=review,
                    reason=f"Rated Inadequate by CQC on {row.rated_on:%-d %B %Y}: new placements suspended "
                    "while the council reviews",
                    starts_on=today,
                )
                log.suspensions_started += 1
    log.save()
    # One sealed entry per applied import, in its transaction (a rejected file writes none): counts only.
    audit_record(
        actor=actor,
        action="quality.cqc_import_applied",
        record=log,
        summary=f"CQC ratings imported: {log.ratings_recorded} rating(s) recorded",
        payload={
            "rows_read": log.rows_read,
            "ratings_recorded": log.ratings_recorded,
            "unchanged": log.unchanged,
            "not_ours": log.not_ours,
            "reviews_opened": log.reviews_opened,
            "suspensions_started": log.suspensions_started,
        },
    )
    return log
