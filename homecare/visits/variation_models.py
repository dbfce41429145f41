"""Variations: a provider asks the council to pay for more than the plan, or tells it about a change.

DOMAIN.md section 5. Occasional *extra time* on a delivered visit and *emergency* extra time (a care worker
stays until an ambulance, 111, police or fire hand over) are one-off; a *temporary increase* adds minutes to
every visit (or one call) between two dates while a *reassessment* is awaited; a *preferred-time change*
asked by the person is noted for the council's information, not approved.

A variation's status moves only through `visits.variations` (requested → approved / rejected / withdrawn,
or noted), and every move is an immutable `VariationStatusChange` row with who, when and why. What a
decision means for payment is derived: `Visit.extra_minutes` is recomputed from the approved variations,
never typed in. The models are registered with the visits app by a star import in models.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.people.models import Package
from homecare.platform.append_only import AppendOnly

__all__ = [
    "EmergencyService",
    "Variation",
    "VariationKind",
    "VariationStatus",
    "VariationStatusChange",
]


class VariationKind(models.TextChoices):
    EXTRA_TIME = "extra_time", "Extra time"
    EMERGENCY = "emergency", "Emergency extra time"
    TEMPORARY_INCREASE = "temporary_increase", "Temporary increase"
    REASSESSMENT = "reassessment", "Reassessment request"
    PREFERRED_TIME_CHANGE = "preferred_time_change", "Preferred-time change"


class VariationStatus(models.TextChoices):
    REQUESTED = "requested", "Awaiting decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOTED = "noted", "Noted for information"


class EmergencyService(models.TextChoices):
    AMBULANCE = "ambulance", "Ambulance (999)"
    NHS_111 = "nhs_111", "NHS 111"
    POLICE = "police", "Police"
    FIRE = "fire", "Fire and rescue"


# The kinds that add minutes to one delivered visit, and those that are about the whole package.
VISIT_KINDS = (VariationKind.EXTRA_TIME, VariationKind.EMERGENCY)


class Variation(models.Model):
    """One request (or notice) from a provider about a package, with the council's decision on it."""

    kind = models.CharField(max_length=24, choices=VariationKind.choices)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="variations")
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="variations"
    )
    # Denormalised when requested: the council deciding and the provider asking stay the same even if the
    # package later moves to another provider (the old provider still sees what it asked for).
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField()
    # Extra time, emergencies and temporary increases: minutes on top of the plan for each visit, for each
    # of `carers` carers (blank carers: every carer the visit needs).
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    carers = models.PositiveSmallIntegerField(null=True, blank=True)
    # Emergencies: who was called, when, and when the care worker handed over.
    service = models.CharField(max_length=12, choices=EmergencyService.choices, blank=True)
    incident_at = models.DateTimeField(null=True, blank=True)
    handover_at = models.DateTimeField(null=True, blank=True)
    # Temporary increases (from, to) and preferred-time changes (from).
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    # The call a package-level variation is about, by its preferred time (blank: every call).
    visit_time = models.TimeField(null=True, blank=True)
    new_time = models.TimeField(null=True, blank=True, help_text="Preferred-time changes: the new time")
    # Cached from the latest status row by the services (boards filter on it); never set by hand.
    status = models.CharField(
        max_length=12, choices=VariationStatus.choices, default=VariationStatus.REQUESTED
    )
    due_on = models.DateField(null=True, blank=True, help_text="When the council's decision is due")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__gt=0),
                name="variation_minutes_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(carers__isnull=True) | models.Q(carers__in=[1, 2]),
                name="variation_one_or_two_carers",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["extra_time", "emergency"])
                | models.Q(visit__isnull=False, minutes__isnull=False),
                name="variation_visit_kinds_name_visit_and_minutes",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="emergency")
                | (
                    ~models.Q(service="")
                    & models.Q(incident_at__isnull=False, handover_at__isnull=False)
                    & models.Q(handover_at__gt=models.F("incident_at"))
                ),
                name="variation_emergency_has_incident",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="temporary_increase")
                | models.Q(
                    minutes__isnull=False,
                    date_from__isnull=False,
                    date_to__isnull=False,
                    date_to__gte=models.F("date_from"),
                ),
                name="variation_increase_has_dates",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="preferred_time_change")
                | models.Q(visit_time__isnull=False, new_time__isnull=False, date_from__isnull=False),
                name="variation_time_change_has_times",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status", "due_on"], name="variation_council_due"),
            models.Index(fields=["provider", "status"], name="variation_provider_status"),
            models.Index(fields=["package", "kind", "status"], name="variation_package_kind"),
            models.Index(fields=["visit", "status"], name="variation_visit_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.package.reference} ({self.get_status_display().lower()})"


class VariationStatusChange(AppendOnly):
    """Each move of a variation's status: who, when and why. Written once, never changed."""

    variation = models.ForeignKey(Variation, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=VariationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=VariationStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.variation_id}: {self.from_status or 'new'} → {self.to_status}"
