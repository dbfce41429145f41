"""The rota planner's records: care workers' profiles and availability, people's rota preferences, and
rota plans with their planned assignments.

A `RotaPlan` is one provider's rota for a day or a week. It moves draft → solving → ready → published
(or failed, and superseded when a re-plan after sickness is published); every move is an immutable
`RotaPlanStatusChange` with who, when and why, and `RotaPlan.status` caches the latest. What the solver
proposed is in `PlannedAssignment` rows (one per carer slot) and `UnplannedVisit` rows (with the reason);
a coordinator's change by hand is a `PlanMove` row that keeps the carer it replaced and why. Publishing
writes the visits' own assignments through visits.services, which is what care workers see.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.people.models import Person
from homecare.platform.append_only import AppendOnly
from homecare.providers.models import AreaType
from homecare.visits.models import Visit


class Skill(models.TextChoices):
    MEDICATION = "medication", "Medication trained"
    HOIST = "hoist", "Moving and handling with a hoist"
    PEG_FEEDING = "peg_feeding", "PEG feeding"
    DEMENTIA = "dementia", "Dementia care"
    CATHETER = "catheter", "Catheter care"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class TravelMode(models.TextChoices):
    CAR = "car", "Car"
    FOOT = "foot", "On foot"


class CareWorkerProfile(models.Model):
    """What the planner needs to know about a care worker. Changes are kept (history)."""

    care_worker = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rota_profile"
    )
    # The care worker's provider, denormalised so every read is one indexed, scoped filter.
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    skills = models.JSONField(default=list, blank=True, help_text="Skill values")
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="Languages spoken, e.g. English")
    travel_mode = models.CharField(max_length=4, choices=TravelMode.choices, default=TravelMode.CAR)
    home_latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    home_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    home_area_type = models.CharField(max_length=10, choices=AreaType.choices, default=AreaType.URBAN)
    contracted_hours = models.DecimalField(
        "contracted hours a week",
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("60"))],
    )
    max_minutes_per_day = models.PositiveSmallIntegerField(
        default=600, validators=[MinValueValidator(30), MaxValueValidator(960)]
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["provider"], name="rota_profile_provider")]

    def __str__(self) -> str:
        return f"Rota profile of {self.care_worker}"


class Availability(models.Model):
    """A weekly window a care worker works (a split shift is two rows for the day)."""

    profile = models.ForeignKey(CareWorkerProfile, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="Monday = 0 … Sunday = 6"
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="shift_weekday"),
        ]

    def __str__(self) -> str:
        return f"day {self.weekday} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class AbsenceReason(models.TextChoices):
    SICKNESS = "sickness", "Sickness"
    LEAVE = "leave", "Annual leave"
    OTHER = "other", "Other"


class Absence(AppendOnly):
    """A care worker off work from one day to another (inclusive). Written once: a mistake is ended by
    a new row, never edited, so a re-plan can always say why it moved visits."""

    care_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=10, choices=AbsenceReason.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["provider", "starts_on"], name="absence_provider_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.care_worker} {self.get_reason_display().lower()} {self.starts_on}–{self.ends_on}"


class PersonRotaPreferences(models.Model):
    """What a provider knows about who should visit a person: extra skills their care needs, a stated
    preference for a carer's gender or language, and their regular carers (at most three)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    required_skills = models.JSONField(default=list, blank=True)
    preferred_gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    preferred_language = models.CharField(max_length=60, blank=True)
    regular_carers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(m2m_fields=[regular_carers])

    class Meta:
        verbose_name_plural = "person rota preferences"
        constraints = [
            models.UniqueConstraint(fields=["provider", "person"], name="rota_preferences_unique"),
        ]

    def __str__(self) -> str:
        return f"Rota preferences for {self.person_id} at {self.provider_id}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SOLVING = "solving", "Planning"
    READY = "ready", "Ready to publish"
    FAILED = "failed", "Could not be planned"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Replaced by a re-plan"


class RotaPlan(models.Model):
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    days = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    time_limit_seconds = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    # Soft goals (ADR 0013): weights in minutes of travel that one unit is worth.
    weight_travel = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    weight_lateness = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("3"))
    weight_continuity = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("10"))
    weight_distinct_carers = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("5"))
    weight_balance = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.1"))
    allow_lateness = models.BooleanField(
        default=True, help_text="Plan a visit late (and count it) rather than leave it out"
    )
    # A re-plan after sickness starts from this (published) plan and moves as little as it must.
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replans"
    )
    absent_carers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent of the time limit used")
    progress_note = models.CharField(max_length=200, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    travel_source = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["provider", "start_date"], name="rota_plan_provider_day")]

    def __str__(self) -> str:
        return f"Rota from {self.start_date} ({self.days} day{'s' if self.days > 1 else ''})"


class RotaPlanStatusChange(AppendOnly):
    plan = models.ForeignKey(RotaPlan, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=PlanStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class PlannedAssignment(models.Model):
    """One carer slot of one visit in a plan: who goes, when they arrive, when they start."""

    plan = models.ForeignKey(RotaPlan, on_delete=models.CASCADE, related_name="assignments")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField()
    care_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField(help_text="Order in the carer's day")
    travel_minutes = models.DecimalField(max_digits=6, decimal_places=1, help_text="The leg to get here")
    arrival = models.DateTimeField()
    start = models.DateTimeField()
    late_minutes = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    # Kept where it was when re-planning (under way, or already told to the carer).
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["care_worker_id", "start", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "visit", "slot"], name="planned_slot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.care_worker} at {self.start:%H:%M} (visit {self.visit_id}, slot {self.slot})"


class UnplannedVisit(models.Model):
    """A visit (carer slot) the plan could not place, and why: never dropped silently."""

    plan = models.ForeignKey(RotaPlan, on_delete=models.CASCADE, related_name="unplanned")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField()
    reason = models.TextField()

    class Meta:
        ordering = ["visit__planned_start", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "visit", "slot"], name="unplanned_slot_unique"),
        ]

    def __str__(self) -> str:
        return f"visit {self.visit_id} slot {self.slot}: {self.reason}"


class PlanMove(AppendOnly):
    """A coordinator's change by hand: the slot, the carer it had (none: it was unplanned), the carer it
    has now, who, when and why."""

    plan = models.ForeignKey(RotaPlan, on_delete=models.PROTECT, related_name="moves")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField()
    from_carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_carer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"visit {self.visit_id} slot {self.slot} → {self.to_carer_id}"
