"""Brokerage: a case per package waiting for a provider, offer rounds, responses, queries and the award."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.people.models import Package


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"


class EscalationAction(models.TextChoices):
    REABLEMENT = "reablement", "Interim community reablement offered"
    ALTERNATIVE = "alternative", "Alternative arrangement (e.g. direct payment, day services)"
    REVIEW = "review", "Individual review booked"


class BrokerageCase(models.Model):
    """One package's time on the waiting list: opened when sent to brokerage, closed by the award."""

    package = models.OneToOneField(Package, on_delete=models.PROTECT, related_name="brokerage_case")
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    interim_arrangement = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    hard_to_place_at = models.DateTimeField(null=True, blank=True)
    escalation_action = models.CharField(max_length=20, choices=EscalationAction.choices, blank=True)
    escalation_note = models.TextField(blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["council", "closed_at"], name="case_waiting")]

    def __str__(self) -> str:
        return f"Brokerage for {self.package}"

    @property
    def is_waiting(self) -> bool:
        return self.closed_at is None


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open"
    AWARDED = "awarded", "Awarded"
    EXPIRED = "expired", "Expired unfilled"
    CANCELLED = "cancelled", "Cancelled"


class OfferRound(models.Model):
    case = models.ForeignKey(BrokerageCase, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    widened = models.BooleanField(
        default=False, help_text="Offered beyond providers with capacity in the zone"
    )
    opened_at = models.DateTimeField()
    deadline = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="round_unique_number"),
            # At most one open round per case: a second "start round" is refused by the database too.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="open"), name="round_one_open_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"Round {self.number} for {self.case.package}"


class OfferStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a response"
    ACCEPTED = "accepted", "Accepted"
    QUERIED = "queried", "Query raised"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "No response"
    AWARDED = "awarded", "Awarded"
    NOT_AWARDED = "not_awarded", "Not awarded"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "No capacity"
    NO_STAFF_IN_AREA = "no_staff_in_area", "No care workers in the area"
    CANNOT_MEET_TIMES = "cannot_meet_times", "Cannot meet the visit times"
    SKILLS = "skills", "Cannot meet the care needs (skills)"
    OTHER = "other", "Other"


class Offer(models.Model):
    """One provider's offer within a round, with the scores it was ranked on when the round opened."""

    round = models.ForeignKey(OfferRound, on_delete=models.PROTECT, related_name="offers")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offers")
    lot = models.ForeignKey("providers.Lot", null=True, on_delete=models.PROTECT, related_name="+")
    quality_score = models.DecimalField(max_digits=5, decimal_places=2)
    price_score = models.DecimalField(max_digits=5, decimal_places=2)
    status = models.CharField(max_length=12, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    earliest_start = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=300, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["round", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["round", "provider"], name="offer_unique_provider")]
        indexes = [models.Index(fields=["provider", "status"], name="offer_provider_status")]

    def __str__(self) -> str:
        return f"Offer to {self.provider} ({self.round})"


class QueryMessage(models.Model):
    """The thread behind a "query time/tasks" response: provider ↔ broker (who may ask the practitioner)."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Message on {self.offer}"


class Award(models.Model):
    """The decision. One per round (the database enforces it), with the ranking shown at the time."""

    round = models.OneToOneField(OfferRound, on_delete=models.PROTECT, related_name="award")
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="award")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="awards")
    start_date = models.DateField()
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()
    ranking = models.JSONField(help_text="The ranking as the broker saw it")
    override_reason = models.TextField(blank=True, help_text="Why the top-ranked provider was not chosen")
    rate_card = models.ForeignKey("providers.RateCard", null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Award of {self.round.case.package} to {self.provider}"
