"""The council's provider framework: its lifecycle, lots, tender admissions and rate cards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly
from homecare.providers import rules

from .geography import AreaType


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN_FOR_APPLICATIONS = "open_for_applications", "Open for applications"
    EVALUATING = "evaluating", "Evaluating tenders"
    STANDSTILL = "standstill", "Standstill"
    LIVE = "live", "Live"
    EXPIRED = "expired", "Expired"


class Service(models.TextChoices):
    HOMECARE = "homecare", "Homecare"
    REABLEMENT = "reablement", "Reablement"
    NIGHT_CARE = "night_care", "Night care"
    COMPLEX_CHC = "complex_chc", "Complex care (NHS Continuing Healthcare)"


class Rating(models.TextChoices):
    """CQC's overall ratings."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires Improvement"
    INADEQUATE = "inadequate", "Inadequate"


# The ratings a council may choose to bar from new placements.
BARRABLE_RATINGS = (Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE)


def care_type_choices():
    """The package's care types (people.models.CareType), read lazily: people.models imports this app."""
    from homecare.people.models import CareType

    return CareType.choices


class Framework(models.Model):
    """A council's framework agreement, admitted to by competitive tender. Its status moves only through
    providers.state (each step an immutable FrameworkStatusChange)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="frameworks")
    name = models.CharField(max_length=200)
    reference = models.CharField(max_length=40)
    status = models.CharField(max_length=24, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT)
    start_date = models.DateField()
    term_years = models.PositiveSmallIntegerField(default=4)
    extension_years = models.PositiveSmallIntegerField("optional extension (years)", default=1)
    extension_taken = models.BooleanField(default=False)
    quality_weight_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("60"))
    price_weight_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40"))
    barred_ratings = models.JSONField(
        default=list, blank=True, help_text="CQC ratings barred from new placements (Rating values)"
    )
    offer_response_hours = models.PositiveSmallIntegerField(default=24)
    hard_to_place_after_rounds = models.PositiveSmallIntegerField(default=3)
    hard_to_place_after_days = models.PositiveSmallIntegerField(default=5)
    # Call monitoring: a visit with no check-in this long after its planned start is late and the
    # provider is alerted; an alert still open this much later goes to the council.
    late_alert_minutes = models.PositiveSmallIntegerField(default=30)
    late_escalation_minutes = models.PositiveSmallIntegerField(default=30)
    # Payment: the period of a payment run, and whether it pays the commissioned (planned) or the actual
    # (verified) minutes, rounded to a step, with an optional minimum charge per visit.
    payment_period_days = models.PositiveSmallIntegerField(
        default=28, choices=[(7, "Weekly"), (28, "Every 4 weeks")]
    )
    pay_basis = models.CharField(
        max_length=12,
        default="actual",
        choices=[("actual", "Actual (verified)"), ("commissioned", "Commissioned")],
    )
    pay_rounding_minutes = models.PositiveSmallIntegerField(default=5)
    minimum_charge_minutes = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "reference"], name="framework_unique_reference"),
            models.CheckConstraint(
                condition=models.Q(quality_weight_percent__gte=0, price_weight_percent__gte=0)
                & models.Q(
                    quality_weight_percent=models.Value(Decimal("100")) - models.F("price_weight_percent")
                ),
                name="framework_weights_total_100",
            ),
            models.CheckConstraint(
                condition=models.Q(term_years__gte=1), name="framework_term_at_least_a_year"
            ),
        ]
        indexes = [models.Index(fields=["council", "status"], name="framework_council_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def end_date(self) -> dt.date:
        return rules.framework_end_date(
            self.start_date, self.term_years, self.extension_years, self.extension_taken
        )

    @property
    def barred_rating_labels(self) -> list[str]:
        return [Rating(r).label for r in self.barred_ratings if r in Rating.values]

    def bars(self, rating: str | None) -> bool:
        return rating is not None and rating in self.barred_ratings


class FrameworkStatusChange(AppendOnly):
    """Immutable record of each step of the framework's lifecycle (providers/state.py)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=24, choices=FrameworkStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=FrameworkStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        app_label = "providers"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.framework}: {self.from_status or 'new'} → {self.to_status}"


class Lot(models.Model):
    """A part of the framework tendered separately: one service in urban or rural zones."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="lots")
    service = models.CharField(max_length=20, choices=Service.choices, default=Service.HOMECARE)
    area_type = models.CharField(max_length=10, choices=AreaType.choices)
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["framework", "service", "area_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "service", "area_type"], name="lot_unique_per_framework"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AdmissionDecision(models.TextChoices):
    ADMITTED = "admitted", "Admitted"
    NOT_ADMITTED = "not_admitted", "Not admitted"


class Admission(models.Model):
    """The tender evaluation of one provider for one lot. The weighted score is computed with the
    framework's weights when the decision is recorded, and stored with it (weights never change after)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="admissions")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="admissions")
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="admissions",
        limit_choices_to={"type": "provider"},
    )
    quality_score = models.DecimalField(max_digits=5, decimal_places=2)
    price_score = models.DecimalField(max_digits=5, decimal_places=2)
    weighted_score = models.DecimalField(max_digits=5, decimal_places=2, editable=False)
    decision = models.CharField(max_length=12, choices=AdmissionDecision.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["lot", "-weighted_score", "provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "provider"], name="admission_unique_per_lot"),
            models.CheckConstraint(
                condition=models.Q(quality_score__gte=0, quality_score__lte=100)
                & models.Q(price_score__gte=0, price_score__lte=100),
                name="admission_scores_in_range",
            ),
        ]
        # eligible_providers walks admitted rows of a council's live lots.
        indexes = [models.Index(fields=["lot", "decision"], name="admission_lot_decision")]

    def __str__(self) -> str:
        return f"{self.provider} – {self.lot}: {self.get_decision_display().lower()}"


class RateCard(AppendOnly):
    """What the council pays per hour (per night for a sleep-in) from a date. Never edited or deleted:
    a new rate is a new row, and the rate on a date is the row with the latest effective_from on or
    before it (the unique constraint makes that unambiguous)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rate_cards")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="rate_cards")
    area_type = models.CharField(max_length=10, choices=AreaType.choices)
    care_type = models.CharField(max_length=20, choices=care_type_choices)
    amount = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="£ per hour; per night for sleep-ins"
    )
    effective_from = models.DateField()
    weekend_enhancement_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    bank_holiday_enhancement_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0")
    )
    reason = models.TextField(blank=True, help_text="Why this rate, for example the annual uplift")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "providers"
        ordering = ["lot", "care_type", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "lot", "area_type", "care_type", "effective_from"],
                name="rate_card_unique_per_date",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="rate_card_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    weekend_enhancement_percent__gte=0, bank_holiday_enhancement_percent__gte=0
                ),
                name="rate_card_enhancements_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} {self.care_type} £{self.amount} from {self.effective_from}"

    @property
    def per(self) -> str:
        return "night" if self.care_type == "sleep_in" else "hour"
