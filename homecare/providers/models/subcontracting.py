"""The lead-provider model: a council appoints a lead provider for a lot and/or a zone (neighbourhood), and
the lead registers subcontractors, subject to the council's approval (Our Manchester homecare).

A registration's status moves only through providers.state (SUBCONTRACTING_TRANSITIONS), each step an
immutable SubcontractingStatusChange row with who, when and why; `status` on the registration is the
cached latest step, so lists and the visit rules can filter on it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly

from .framework import Lot, Rating
from .geography import Zone
from .market import ETHICAL_STANDARDS

_PROVIDER = {"type": "provider"}


class LeadProviderAppointment(models.Model):
    """A provider appointed by the council as the lead for a lot, a zone, or a lot within a zone, from a
    date (to a date, inclusive, when the appointment has an end). Ending it sets `effective_to` with who
    and why; the appointment itself is never deleted."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="lead_appointments")
    lead = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="lead_roles", limit_choices_to=_PROVIDER
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_appointments"
    )
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_appointments"
    )
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="The last day, when it has an end")
    reason = models.TextField(blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lot__isnull=False) | models.Q(zone__isnull=False),
                name="lead_appointment_has_an_area",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="lead_appointment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["council", "lead"], name="lead_appointment_lookup")]

    def __str__(self) -> str:
        return f"{self.lead} lead for {self.area}"

    @property
    def area(self) -> str:
        parts = [str(p) for p in (self.lot, self.zone) if p is not None]
        return " in ".join(parts)

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class SubcontractingStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed (waiting for the council)"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


# A registration in one of these is live: at most one live registration per lead, subcontractor and council.
LIVE_SUBCONTRACTING = (
    SubcontractingStatus.PROPOSED,
    SubcontractingStatus.APPROVED,
    SubcontractingStatus.SUSPENDED,
)


class Subcontracting(models.Model):
    """A lead provider's subcontractor, as the lead registered it: CQC location and rating at registration,
    its ethical-employment and living-wage declarations, and when the council will review it."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="subcontractings")
    appointment = models.ForeignKey(
        LeadProviderAppointment, on_delete=models.PROTECT, related_name="subcontractings"
    )
    lead = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="subcontractors_registered",
        limit_choices_to=_PROVIDER,
    )
    subcontractor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="subcontracts", limit_choices_to=_PROVIDER
    )
    cqc_location_id = models.CharField("CQC location ID", max_length=14)
    cqc_rating = models.CharField(
        "CQC rating at registration",
        max_length=24,
        choices=Rating.choices,
        blank=True,
        help_text="Blank: not yet rated",
    )
    cqc_rated_on = models.DateField(null=True, blank=True)
    guaranteed_hours_offered = models.BooleanField(default=False)
    paid_travel_time = models.BooleanField(default=False)
    paid_travel_costs = models.BooleanField(default=False)
    paid_training = models.BooleanField(default=False)
    statutory_sick_pay = models.BooleanField(default=False)
    peer_meetings = models.BooleanField(default=False)
    leave_per_acas = models.BooleanField(default=False)
    living_wage_declared = models.BooleanField(
        "pays every worker at least the council's wage floor", default=False
    )
    review_on = models.DateField("review date")
    # Cached from the latest status row by providers.subcontracting; never set by hand.
    status = models.CharField(
        max_length=12, choices=SubcontractingStatus.choices, default=SubcontractingStatus.PROPOSED
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        app_label = "providers"
        ordering = ["lead__name", "subcontractor__name", "-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "lead", "subcontractor"],
                condition=models.Q(status__in=LIVE_SUBCONTRACTING),
                name="subcontracting_one_live_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(lead=models.F("subcontractor")), name="subcontracting_not_to_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["subcontractor", "status"], name="subcontracting_by_sub"),
            models.Index(fields=["council", "lead", "status"], name="subcontracting_by_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.subcontractor} for {self.lead}"

    @property
    def reference(self) -> str:
        return f"SUB{self.pk:05d}" if self.pk else "SUB (new)"

    @property
    def ethical_met(self) -> list[str]:
        return [label for name, label in ETHICAL_STANDARDS if getattr(self, name)]

    @property
    def ethical_not_met(self) -> list[str]:
        return [label for name, label in ETHICAL_STANDARDS if not getattr(self, name)]

    @property
    def takes_new_work(self) -> bool:
        """Only an approved subcontractor is given new visits or care workers; a suspended one keeps
        delivering what it has already started."""
        return self.status == SubcontractingStatus.APPROVED


class SubcontractingStatusChange(AppendOnly):
    """Immutable record of each step of a registration's lifecycle."""

    subcontracting = models.ForeignKey(
        Subcontracting, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=SubcontractingStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=SubcontractingStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        app_label = "providers"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.subcontracting}: {self.from_status or 'new'} → {self.to_status}"
