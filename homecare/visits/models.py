"""Visits and electronic call monitoring.

A `Visit` is one planned call, generated from the package version in force on its day. What happened
is evidence in `CallEvent` rows, which are never changed: a manager's correction is a new event that
points at the one it corrects. A visit's status and verification are derived from its events by
`rules.derive_status` and cached on the visit by the service that records them (so boards and the
late-visit scan can filter on them), never typed in.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.people.models import CareType, Package, PackageVersion, Person, VisitPattern
from homecare.platform.append_only import AppendOnly


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    LATE = "late", "Late"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class Verification(models.TextChoices):
    NONE = "", "Not verified"
    GEOLOCATION = "geolocation", "Location"
    TAG = "tag", "QR tag"
    MANUAL = "manual", "Manual"
    IMPORTED = "imported", "Provider's call-monitoring system"
    OUT_OF_RANGE = "out_of_range", "Location out of range"


class Visit(models.Model):
    """One planned call at a person's home: the plan, and the derived status of its delivery."""

    # No single-column indexes where a composite one leads with the column (package+planned start,
    # council+date, provider+date): every status change rewrites each index, and the late scan is
    # that UPDATE over thousands of visits.
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="visits", db_index=False)
    version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="visits")
    pattern = models.ForeignKey(VisitPattern, null=True, on_delete=models.SET_NULL, related_name="visits")
    # Denormalised from the package so every scope (council, provider, person) is one indexed filter.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visits")
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_visits",
        db_index=False,
    )
    # A lead provider's subcontractor delivering this visit (blank: the provider's own care workers). Paid
    # through the provider's statement. No FK constraint or full index on this hot table: the partial
    # index below holds only subcontracted visits, so the late scan's updates of the rest never touch it.
    delivered_by = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcontracted_visits",
        db_index=False,
        db_constraint=False,
    )
    date = models.DateField(help_text="The day of the visit in Europe/London")
    planned_start = models.DateTimeField()
    planned_minutes = models.PositiveSmallIntegerField()
    carers_required = models.PositiveSmallIntegerField(default=1)
    care_type = models.CharField(max_length=20, choices=CareType.choices, default=CareType.DAY)
    tasks = models.JSONField(default=list)
    # When the visit counts as late with no check-in: planned start + the framework's alert minutes.
    late_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    verification = models.CharField(max_length=12, choices=Verification.choices, blank=True, default="")
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    # Derived with the times: real minutes between check-in and check-out (payment sums these in SQL).
    actual_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Approved extra time on top of the plan (extra time, emergencies, temporary increases), per carer.
    extra_minutes = models.PositiveIntegerField(default=0)
    cancel_reason = models.CharField(max_length=200, blank=True)
    clock_flagged = models.BooleanField(default=False, help_text="An event's device clock looked wrong")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_start", "id"]
        constraints = [
            # Regeneration matches on this key, so running it twice never makes a second visit.
            models.UniqueConstraint(fields=["package", "planned_start"], name="visit_unique_start"),
        ]
        indexes = [
            models.Index(fields=["status", "late_at"], name="visit_late_scan"),
            models.Index(fields=["provider", "date"], name="visit_provider_day"),
            models.Index(fields=["council", "date"], name="visit_council_day"),
            models.Index(
                fields=["delivered_by", "date"],
                condition=models.Q(delivered_by__isnull=False),
                name="visit_subcontractor_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package.reference} {self.planned_start:%Y-%m-%d %H:%M}"

    @property
    def deliverer_id(self) -> int | None:
        """The organisation whose care workers deliver the visit (and whose managers record and correct
        it): the subcontractor it was given to, else the package's provider."""
        return self.delivered_by_id or self.provider_id

    @property
    def delivered_minutes(self) -> int | None:
        if self.actual_start and self.actual_end:
            # In UTC: Python subtracts two times in one zone by their wall clocks.
            elapsed = self.actual_end.astimezone(dt.UTC) - self.actual_start.astimezone(dt.UTC)
            return max(0, int(elapsed.total_seconds() // 60))
        return None


# Variations (extra time, emergencies, temporary increases, reassessments, preferred-time changes) are
# kept in their own module and registered with this app here.
from homecare.visits.variation_models import *  # noqa: E402, F401, F403


class VisitAssignment(models.Model):
    """A care worker in one of the visit's carer slots (two for a double-handed visit)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="assignments")
    slot = models.PositiveSmallIntegerField()
    care_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "slot"], name="assignment_unique_slot"),
            models.UniqueConstraint(fields=["visit", "care_worker"], name="assignment_unique_worker"),
        ]
        indexes = [models.Index(fields=["care_worker", "visit"], name="assignment_worker")]

    def __str__(self) -> str:
        return f"{self.care_worker} on {self.visit} (slot {self.slot})"


class DeliveryAllocation(AppendOnly):
    """A lead provider's manager gives a package's visits from a date (or one visit) to an approved
    subcontractor, or takes them back (`subcontractor` blank). The visits' `delivered_by` follows; this
    row is the who, when and why, never changed. Visits planned later follow the package's latest
    allocation in force on their day."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="delivery_allocations")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="delivery_allocations"
    )
    subcontractor = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_date = models.DateField()
    visits_moved = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField()

    class Meta:
        ordering = ["-allocated_at", "-id"]

    def __str__(self) -> str:
        to = self.subcontractor or "the lead provider"
        return f"{self.package_id} from {self.from_date} to {to}"


class EventKind(models.TextChoices):
    CHECK_IN = "check_in", "Checked in"
    CHECK_OUT = "check_out", "Checked out"
    NOTE = "note", "Visit note"
    CONCERN = "concern", "Concern raised"
    CANCEL = "cancel", "Cancelled"
    CORRECTION = "correction", "Correction"


class EventSource(models.TextChoices):
    APP = "app", "Care worker app"
    MANAGER = "manager", "Provider manager"
    IMPORT = "import", "Imported"


class CorrectionReason(models.TextChoices):
    FORGOT_CHECK_IN = "forgot_check_in", "Care worker forgot to check in"
    FORGOT_CHECK_OUT = "forgot_check_out", "Care worker forgot to check out"
    PHONE_PROBLEM = "phone_problem", "Phone lost, broken or out of battery"
    NO_SIGNAL = "no_signal", "No location signal at the home"
    WRONG_VISIT = "wrong_visit", "Checked in to the wrong visit"
    OTHER = "other", "Other (explained in the note)"


class CancelReason(models.TextChoices):
    PERSON_IN_HOSPITAL = "hospital", "Person in hospital"
    PERSON_DECLINED = "declined", "Person declined the visit"
    FAMILY_COVERING = "family", "Family covering this visit"
    PERSON_DIED = "died", "Person has died"
    OTHER = "other", "Other (explained in the note)"


class CallEvent(AppendOnly):
    """What a phone, a manager or an import said happened at a visit: written once, never changed.

    `client_id` is the phone's UUID for the event, so a retry after a lost reply stores nothing new;
    `payload_hash` lets the service tell a genuine retry from a different event reusing the UUID.
    """

    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    payload_hash = models.CharField(max_length=64)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The time the phone says it happened, and when the server heard of it (offline phones send late).
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    clock_flag = models.CharField(max_length=200, blank=True, help_text="Why the device time looks wrong")
    method = models.CharField(max_length=12, choices=Verification.choices, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    tasks_done = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    reason_code = models.CharField(max_length=20, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # A correction states the times it sets; either may be blank when only one is corrected.
    corrected_start = models.DateTimeField(null=True, blank=True)
    corrected_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["visit", "kind"], name="event_visit_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%H:%M} ({self.visit_id})"


class HomeTag(models.Model):
    """A QR tag kept in the person's home: scanning its token proves the care worker was there."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="home_tags")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Tag for {self.person_id} ({'revoked' if self.revoked_at else 'live'})"


class DeviceToken(models.Model):
    """A care worker's phone: the API's bearer token (only its SHA-256 is kept)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class AlertKind(models.TextChoices):
    LATE = "late", "Late: no check-in"
    MISSED = "missed", "Missed"


class VisitAlert(models.Model):
    """Raised by the late-visit scan; the provider acknowledges it, the council sees it if it lingers."""

    # Alerts are only ever inserted by the scan's INSERT ... SELECT from the visits table itself, and
    # PROTECT refuses to delete an alerted visit; a database constraint as well would lock every alerted
    # visit (FOR KEY SHARE) at commit, half the scan's time on PostgreSQL. The unique (visit, kind)
    # constraint is the index for visit look-ups.
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="alerts", db_constraint=False, db_index=False
    )
    kind = models.CharField(max_length=8, choices=AlertKind.choices)
    raised_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["visit", "kind"], name="alert_unique_kind")]
        indexes = [models.Index(fields=["acknowledged_at", "escalated_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visit_id}"
