"""The person, their support plan and their package of care (with versions and a visit pattern)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.people import rules
from homecare.providers.models import Zone


class Person(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    case_reference = models.CharField("council case reference", max_length=20)
    nhs_number = models.CharField("NHS number", max_length=10, null=True, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="people")
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    access_notes = models.TextField(blank=True, help_text="How to get in, for example the key safe")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True)
    communication_needs = models.TextField(blank=True)
    preferred_language = models.CharField(max_length=60, default="English")
    interpreter_needed = models.BooleanField(default=False)
    self_funder = models.BooleanField(default=False)
    # Lower-case copies used for indexed prefix search; kept in step by people.services.
    # Indexed only through the composite indexes in Meta (council first: every search is scoped).
    search_family_name = models.CharField(max_length=100, editable=False)
    search_given_name = models.CharField(max_length=100, editable=False)
    search_postcode = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(
        excluded_fields=["search_family_name", "search_given_name", "search_postcode"]
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=models.Q(nhs_number__isnull=False),
                name="person_unique_nhs_number",
            ),
            models.UniqueConstraint(
                fields=["council", "case_reference"], name="person_unique_case_reference"
            ),
        ]
        indexes = [
            models.Index(
                fields=["council", "search_family_name", "search_given_name"], name="person_name_search"
            ),
            models.Index(fields=["council", "search_postcode"], name="person_postcode_search"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number or ""
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else ""


class PersonalCareTask(models.TextChoices):
    """CQC regulated personal care, plus medication support (DOMAIN.md)."""

    GETTING_UP_GOING_TO_BED = "getting_up_going_to_bed", "Getting up and going to bed"
    EATING_DRINKING = "eating_drinking", "Eating and drinking"
    CONTINENCE = "continence", "Continence care"
    WASHING = "washing", "Washing and bathing"
    DRESSING = "dressing", "Dressing"
    ORAL_HYGIENE = "oral_hygiene", "Oral hygiene"
    SKIN_HAIR_NAILS = "skin_hair_nails", "Skin, hair and nail care"
    MOVING_HANDLING = "moving_handling", "Moving and handling"
    PROMPTING = "prompting", "Prompting and supervision"
    MEDICATION = "medication", "Medication support"


class SupportPlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETED = "completed", "Completed"


class SupportPlan(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_plans")
    status = models.CharField(
        max_length=12, choices=SupportPlanStatus.choices, default=SupportPlanStatus.DRAFT
    )
    what_matters = models.TextField("what matters to the person", blank=True)
    strengths = models.TextField("strengths and support already in place", blank=True)
    tasks = models.JSONField(default=list, help_text="PersonalCareTask values")
    review_date = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Completion starts the clock for "% receiving homecare within 2 days of the plan being completed".
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", completed_at__isnull=True)
                | models.Q(status="completed", completed_at__isnull=False),
                name="support_plan_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Support plan for {self.person} ({self.get_status_display().lower()})"

    @property
    def task_labels(self) -> list[str]:
        return [PersonalCareTask(t).label for t in self.tasks if t in PersonalCareTask.values]


class SupportPlanOutcome(models.Model):
    """An outcome in the person's own words ("I want to get to the day centre on Thursdays")."""

    support_plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField()
    in_own_words = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["support_plan", "position"], name="outcome_unique_position"),
        ]

    def __str__(self) -> str:
        return self.in_own_words


class CareModel(models.TextChoices):
    TIME_AND_TASK = "time_and_task", "Time and task (visit pattern)"
    BUDGET_OF_HOURS = "budget_of_hours", "Budget of hours per week"


class Funding(models.TextChoices):
    COUNCIL = "council", "Council"
    NHS_CHC = "nhs_chc", "NHS Continuing Healthcare"
    JOINT = "joint", "Joint (council and NHS)"
    DIRECT_PAYMENT = "direct_payment", "Direct payment"
    SELF_FUNDER = "self_funder", "Self-funder"


# Funding streams the NHS partner pays (all or part of) and so may see and is recharged for.
NHS_FUNDED = (Funding.NHS_CHC, Funding.JOINT)


class PackageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_PROVIDER = "awaiting_provider", "Awaiting provider"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    ENDED = "ended", "Ended"


class Package(models.Model):
    """A package of care. What is commissioned lives on its versions; this row carries identity and status."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="packages")
    reference = models.CharField(max_length=20, unique=True)
    support_plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="packages")
    status = models.CharField(max_length=20, choices=PackageStatus.choices, default=PackageStatus.DRAFT)
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="packages_provided",
        limit_choices_to={"type": "provider"},
    )
    hospital_discharge = models.BooleanField(default=False)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="package_end_not_before_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "provider"], name="package_status_provider")]

    def __str__(self) -> str:
        return f"Package {self.reference}"


class PackageStatusChange(models.Model):
    """Immutable record of each transition of the package state machine (people/state.py)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=PackageStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PackageStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.package}: {self.from_status or 'new'} → {self.to_status}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    CONFIRMED = "confirmed", "Confirmed"


class PackageVersion(models.Model):
    """What is commissioned from a date. Confirmed versions are never edited; a change is a new version."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    care_model = models.CharField(max_length=20, choices=CareModel.choices, default=CareModel.TIME_AND_TASK)
    funding = models.CharField(max_length=20, choices=Funding.choices, default=Funding.COUNCIL)
    # Joint funding only: the shares must total 100%. Other streams are 100% one payer.
    council_share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("100"))
    nhs_share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    weekly_budget_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why this version was made")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["package", "number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"], name="package_version_unique_number"),
            models.CheckConstraint(
                condition=models.Q(council_share_percent__gte=0, nhs_share_percent__gte=0)
                & models.Q(council_share_percent__lte=100, nhs_share_percent__lte=100),
                name="package_version_shares_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="package_version_to_not_before_from",
            ),
        ]
        # The NHS partner's scope asks "has this package ever been (co-)funded by the NHS?".
        indexes = [models.Index(fields=["funding", "status", "package"], name="version_funding_scope")]

    def __str__(self) -> str:
        return f"{self.package} version {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def planned_week(self) -> rules.PlannedWeek:
        return rules.planned_week(
            (v.days, v.duration_minutes, v.carers_required, v.care_type) for v in self.visit_pattern.all()
        )


class CareType(models.TextChoices):
    DAY = "day", "Day care"
    WAKING_NIGHT = "waking_night", "Waking night"
    SLEEP_IN = "sleep_in", "Sleep-in"


class VisitPattern(models.Model):
    """One recurring visit in a version: which days, when, how long, how many carers, what for."""

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="visit_pattern")
    days = models.PositiveSmallIntegerField(help_text="Bit mask, Monday = 1 … Sunday = 64")
    preferred_start = models.TimeField()
    tolerance_minutes = models.PositiveSmallIntegerField(default=30)
    duration_minutes = models.PositiveSmallIntegerField()
    carers_required = models.PositiveSmallIntegerField(default=1)
    care_type = models.CharField(max_length=20, choices=CareType.choices, default=CareType.DAY)
    tasks = models.JSONField(default=list)
    notes = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["preferred_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(carers_required__in=[1, 2]), name="visit_one_or_two_carers"
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=127), name="visit_pattern_days_mask"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15), name="visit_at_least_fifteen_minutes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.preferred_start:%H:%M} for {self.duration_minutes} minutes"

    @property
    def day_labels(self) -> list[str]:
        return rules.day_labels(self.days)

    @property
    def task_labels(self) -> list[str]:
        return [PersonalCareTask(t).label for t in self.tasks if t in PersonalCareTask.values]


class EquipmentType(models.TextChoices):
    PENDANT_ALARM = "pendant_alarm", "Pendant alarm"
    FALLS_DETECTOR = "falls_detector", "Falls detector"
    MEDICATION_DISPENSER = "medication_dispenser", "Medication dispenser"
    DOOR_SENSOR = "door_sensor", "Door sensor"
    KEY_SAFE = "key_safe", "Key safe"
    GPS_LOCATOR = "gps_locator", "GPS locator"
    OTHER = "other", "Other (described in the notes)"


class SupportPlanEquipment(models.Model):
    """Telecare and other equipment in the plan alongside visits (technology-enabled care)."""

    support_plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="equipment")
    equipment_type = models.CharField(max_length=24, choices=EquipmentType.choices)
    supplier = models.CharField(max_length=200, blank=True)
    installed_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_on__isnull=True)
                | models.Q(installed_on__isnull=True)
                | models.Q(review_on__gte=models.F("installed_on")),
                name="equipment_review_not_before_install",
            ),
        ]

    def __str__(self) -> str:
        return self.get_equipment_type_display()
