"""What the council knows about each provider: profile, CQC ratings, declarations, capacity, suspensions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly

from .framework import Framework, Rating
from .geography import Zone

_PROVIDER = {"type": "provider"}


class ProviderProfile(models.Model):
    provider = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="provider_profile", limit_choices_to=_PROVIDER
    )
    cqc_location_id = models.CharField("CQC location ID", max_length=14)
    registered_on = models.DateField("registered with CQC on", null=True, blank=True)
    registered_manager = models.CharField(max_length=200, blank=True)
    phone = PhoneNumberField("phone number", blank=True)
    email = models.EmailField("email address", blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["provider__name"]

    def __str__(self) -> str:
        return f"Profile of {self.provider}"


class CqcRating(AppendOnly):
    """A CQC rating as published. History is kept; the current one has the latest `rated_on`."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cqc_ratings", limit_choices_to=_PROVIDER
    )
    rating = models.CharField(max_length=24, choices=Rating.choices)
    rated_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        app_label = "providers"
        ordering = ["-rated_on", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["provider", "-rated_on", "-recorded_at"], name="cqc_rating_current")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_rating_display()} ({self.rated_on})"


ETHICAL_STANDARDS = (
    ("guaranteed_hours_offered", "Guaranteed-hours contracts offered"),
    ("paid_travel_time", "Travel time paid"),
    ("paid_travel_costs", "Travel costs paid"),
    ("paid_training", "Induction and training paid, in work time"),
    ("statutory_sick_pay", "Statutory sick pay"),
    ("peer_meetings", "Peer meetings for care workers"),
    ("leave_per_acas", "Leave in line with ACAS guidance"),
)


class EthicalEmploymentDeclaration(AppendOnly):
    """A provider's declaration against the Ethical Employment Standards (UNISON's Ethical Care Charter).
    A new declaration supersedes the last; every one is kept."""

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="ethical_declarations",
        limit_choices_to=_PROVIDER,
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="ethical_declarations")
    guaranteed_hours_offered = models.BooleanField(default=False)
    paid_travel_time = models.BooleanField(default=False)
    paid_travel_costs = models.BooleanField(default=False)
    paid_training = models.BooleanField(default=False)
    statutory_sick_pay = models.BooleanField(default=False)
    peer_meetings = models.BooleanField(default=False)
    leave_per_acas = models.BooleanField(default=False)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField()

    class Meta:
        app_label = "providers"
        ordering = ["-declared_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}: ethical employment declaration {self.declared_at:%Y-%m-%d}"

    @property
    def met(self) -> list[str]:
        return [label for name, label in ETHICAL_STANDARDS if getattr(self, name)]

    @property
    def not_met(self) -> list[str]:
        return [label for name, label in ETHICAL_STANDARDS if not getattr(self, name)]


class CapacityDeclaration(AppendOnly):
    """Hours a week a provider can take on in a zone. The latest per (provider, zone) is current."""

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="capacity_declarations",
        limit_choices_to=_PROVIDER,
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="capacity_declarations")
    hours_per_week = models.DecimalField(max_digits=7, decimal_places=2)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField()

    class Meta:
        app_label = "providers"
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours_per_week__gte=0), name="capacity_not_negative"),
        ]
        indexes = [models.Index(fields=["zone", "provider", "-declared_at"], name="capacity_current")]

    def __str__(self) -> str:
        return f"{self.provider} in {self.zone}: {self.hours_per_week} hours a week"


class Suspension(models.Model):
    """The council suspends a provider from new placements. Active on a date when it has started and not
    yet ended (ended_on is the first day the provider may take new placements again)."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="suspensions", limit_choices_to=_PROVIDER
    )
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="suspensions_made")
    reason = models.TextField()
    starts_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("starts_on")),
                name="suspension_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["council", "provider", "starts_on"], name="suspension_lookup")]

    def __str__(self) -> str:
        return f"{self.provider} suspended from {self.starts_on}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ended_on is None or self.ended_on > day)
