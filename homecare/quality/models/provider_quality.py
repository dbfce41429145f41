"""Provider quality: the council's QA visits and contract monitoring (findings, actions, RAG), reviews
opened by a CQC rating of Requires Improvement or Inadequate, and the log of CQC ratings imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation

__all__ = [
    "CqcImport",
    "ImportStatus",
    "ProviderReview",
    "QaAction",
    "QaArea",
    "QaFinding",
    "QaVisit",
    "QaVisitKind",
    "QaVisitStatus",
    "Rag",
    "ReviewOutcome",
    "ReviewStatus",
]

_USER = settings.AUTH_USER_MODEL
_PROVIDER = {"type": "provider"}


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class QaVisitKind(models.TextChoices):
    ANNOUNCED = "announced", "Announced QA visit"
    UNANNOUNCED = "unannounced", "Unannounced QA visit"
    CONTRACT_MONITORING = "contract_monitoring", "Contract monitoring meeting"
    DESK_REVIEW = "desk_review", "Desk-based review"


class QaVisitStatus(models.TextChoices):
    DRAFT = "draft", "Being written up"
    PUBLISHED = "published", "Published to the provider"


class QaArea(models.TextChoices):
    SAFE = "safe", "Safe"
    EFFECTIVE = "effective", "Effective"
    CARING = "caring", "Caring"
    RESPONSIVE = "responsive", "Responsive"
    WELL_LED = "well_led", "Well-led"
    CALL_MONITORING = "call_monitoring", "Electronic call monitoring"
    WORKFORCE = "workforce", "Workforce and ethical employment"
    CONTRACT = "contract", "Contract compliance"


class QaVisit(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="qa_visits", limit_choices_to=_PROVIDER
    )
    visit_date = models.DateField()
    kind = models.CharField(max_length=20, choices=QaVisitKind.choices)
    visited_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=QaVisitStatus.choices, default=QaVisitStatus.DRAFT)
    rag = models.CharField("overall RAG rating", max_length=5, choices=Rag.choices, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-visit_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", published_at__isnull=True)
                | (models.Q(status="published", published_at__isnull=False) & ~models.Q(rag="")),
                name="qa_visit_published_has_rag",
            ),
        ]
        indexes = [models.Index(fields=["council", "provider", "visit_date"], name="qa_visit_provider")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.provider} on {self.visit_date:%-d %b %Y}"


class QaFinding(models.Model):
    qa_visit = models.ForeignKey(QaVisit, on_delete=models.CASCADE, related_name="findings")
    area = models.CharField(max_length=20, choices=QaArea.choices)
    rag = models.CharField(max_length=5, choices=Rag.choices)
    text = models.TextField()
    added_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.text[:60]}"


class QaAction(models.Model):
    qa_visit = models.ForeignKey(QaVisit, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    due_on = models.DateField()
    added_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReviewOutcome(models.TextChoices):
    ASSURED = "assured", "Assured: no further action"
    IMPROVEMENT_PLAN = "improvement_plan", "Improvement plan agreed and monitored"
    SUSPENDED = "suspended", "New placements suspended"
    CONTRACT_ACTION = "contract_action", "Contract action taken"


class ProviderReview(models.Model):
    """The council reviews a provider, for example after a new Requires Improvement or Inadequate CQC
    rating; it may suspend new placements (through the providers app's suspension) before closing."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="quality_reviews", limit_choices_to=_PROVIDER
    )
    rating = models.ForeignKey(
        "providers.CqcRating", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    reason = models.TextField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    suspension = models.ForeignKey(
        "providers.Suspension", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # A rating opens one review per council, however many times the file is imported.
            models.UniqueConstraint(
                fields=["council", "rating"],
                condition=models.Q(rating__isnull=False),
                name="review_once_per_rating",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True, outcome="")
                | (
                    models.Q(status="closed", closed_at__isnull=False, closed_by__isnull=False)
                    & ~models.Q(outcome="")
                ),
                name="review_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.provider} ({self.opened_at:%-d %b %Y})"


class ImportStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected: nothing was recorded"


class CqcImport(models.Model):
    """One upload of CQC's ratings file: what it held, what it changed, or why it was refused."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    rows_read = models.PositiveIntegerField(default=0)
    ratings_recorded = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    not_ours = models.PositiveIntegerField("locations of providers not on our books", default=0)
    reviews_opened = models.PositiveIntegerField(default=0)
    suspensions_started = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, column, message}] when rejected")
    changes = models.JSONField(default=list, help_text="[{provider, location, from, to, rated_on}]")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"CQC import {self.filename} ({self.get_status_display().lower()})"
