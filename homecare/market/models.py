"""Market oversight: the sitrep schedule, the sitreps providers submit, the OPEL rules and the regional
benchmark a council compares staff availability with.

Sitreps are evidence and never change: an amendment is a new row that points at the one it replaces,
with the reason. Schedules and benchmarks are append-only too (the one in force is the latest). OPEL rules
are a small table the commissioner edits; django-simple-history keeps every earlier value with who changed
it and why. OPEL scores themselves are never stored: they are derived from a sitrep and the rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.market import opel, schedule
from homecare.platform.append_only import AppendOnly
from homecare.providers.models import Zone

_PROVIDER = {"type": "provider"}
_COUNCIL = {"type": "council"}


class Frequency(models.TextChoices):
    WEEKLY = schedule.WEEKLY, "Weekly"
    TWICE_WEEKLY = schedule.TWICE_WEEKLY, "Twice weekly (surge)"


WEEKDAY_CHOICES = list(enumerate(schedule.WEEKDAY_NAMES))


class SitrepSchedule(AppendOnly):
    """When a council's providers submit sitreps, from `effective_from`. The latest row is in force."""

    council = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sitrep_schedules", limit_choices_to=_COUNCIL
    )
    frequency = models.CharField(max_length=14, choices=Frequency.choices)
    first_weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    second_weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES, null=True, blank=True)
    due_time = models.TimeField(help_text="On the London clock")
    reminder_hours = models.PositiveSmallIntegerField(default=24)
    effective_from = models.DateTimeField()
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["council", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency="weekly", second_weekday__isnull=True)
                | (
                    models.Q(frequency="twice_weekly", second_weekday__isnull=False)
                    & ~models.Q(second_weekday=models.F("first_weekday"))
                ),
                name="sitrep_schedule_days_match_frequency",
            ),
            models.CheckConstraint(
                condition=models.Q(first_weekday__lte=6)
                & (models.Q(second_weekday__isnull=True) | models.Q(second_weekday__lte=6)),
                name="sitrep_schedule_weekday_range",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_hours__gte=1, reminder_hours__lte=schedule.MAX_REMINDER_HOURS),
                name="sitrep_schedule_reminder_range",
            ),
        ]
        indexes = [models.Index(fields=["council", "effective_from"], name="sitrep_schedule_in_force")]

    def __str__(self) -> str:
        return f"{self.council}: {self.as_schedule().describe}"

    @property
    def weekdays(self) -> tuple[int, ...]:
        days = (self.first_weekday, self.second_weekday)
        return tuple(d for d in days if d is not None)

    def as_schedule(self) -> schedule.Schedule:
        return schedule.Schedule(
            frequency=self.frequency,
            weekdays=self.weekdays,
            due_time=self.due_time,
            reminder_hours=self.reminder_hours,
            effective_from=self.effective_from,
        )


class RegionalBenchmark(AppendOnly):
    """The region's staff availability %, which the council compares its providers with."""

    council = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="regional_benchmarks", limit_choices_to=_COUNCIL
    )
    staff_availability_percent = models.DecimalField(max_digits=5, decimal_places=1)
    source = models.CharField(max_length=200, help_text="Where the figure comes from")
    effective_from = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["council", "-effective_from", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(staff_availability_percent__gte=0, staff_availability_percent__lte=100),
                name="benchmark_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.staff_availability_percent}% from {self.effective_from}"


class OpelRule(models.Model):
    """One cell of the council's OPEL rules table: `measure` worse than `threshold` means at least OPEL
    `level`. Every measure has a row for each of OPEL 2, 3 and 4 (some switched off)."""

    council = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="opel_rules", limit_choices_to=_COUNCIL
    )
    measure = models.CharField(max_length=40, choices=[(m.key, m.label) for m in opel.MEASURES])
    level = models.PositiveSmallIntegerField(choices=[(level, f"OPEL {level}") for level in opel.LEVELS])
    threshold = models.DecimalField(max_digits=8, decimal_places=1)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["council", "measure", "level"]
        constraints = [
            models.UniqueConstraint(fields=["council", "measure", "level"], name="opel_rule_unique_cell"),
            models.CheckConstraint(condition=models.Q(level__gte=2, level__lte=4), name="opel_rule_level"),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.get_measure_display()} OPEL {self.level} at {self.threshold}"

    def as_rule(self) -> opel.Rule:
        return opel.Rule(self.measure, self.level, self.threshold, self.active)


class OutbreakStatus(models.TextChoices):
    NONE = "none", "No outbreak"
    SUSPECTED = "suspected", "Suspected outbreak"
    CONFIRMED = "confirmed", "Confirmed outbreak"


class Sitrep(AppendOnly):
    """A provider's situation report to one council for one due slot.

    Written once. An amendment is a new row with `amends` pointing at the row it replaces and the reason;
    the current version of a slot is the row nobody has amended. People supported and hours delivered
    are pre-filled from the platform (the provider may correct them; the platform's own figures are kept
    beside them); visits due and missed come from call monitoring only.
    """

    council = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sitreps_received", limit_choices_to=_COUNCIL
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sitreps", limit_choices_to=_PROVIDER
    )
    due_at = models.DateTimeField(help_text="The schedule's due moment this sitrep answers")
    period_start = models.DateField(help_text="First day of the week the platform's figures cover")
    period_end = models.DateField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendment"
    )
    amendment_reason = models.TextField(blank=True)
    # Workforce (care staff headcounts, directly employed unless said otherwise).
    staff_in_post = models.PositiveIntegerField("care staff in post (directly employed)")
    absent_sickness = models.PositiveIntegerField("absent: sickness")
    absent_isolation = models.PositiveIntegerField("absent: isolating")
    absent_leave = models.PositiveIntegerField("absent: leave")
    absent_other = models.PositiveIntegerField("absent: other reasons")
    vacancies = models.PositiveIntegerField("vacant care posts")
    agency_staff = models.PositiveIntegerField("agency or bank care staff used")
    agency_hours = models.DecimalField("hours worked by agency or bank staff", max_digits=8, decimal_places=2)
    staff_flu_vaccinated = models.PositiveIntegerField(
        "staff vaccinated: seasonal flu", null=True, blank=True
    )
    staff_covid_vaccinated = models.PositiveIntegerField("staff vaccinated: COVID-19", null=True, blank=True)
    # Resilience.
    ppe_stock_days = models.PositiveIntegerField("PPE stock (days)")
    outbreak_status = models.CharField(max_length=10, choices=OutbreakStatus.choices)
    bcp_reviewed_on = models.DateField("business continuity plan last reviewed on")
    can_take_new_packages = models.BooleanField("able to take new packages")
    # Pre-filled from the platform: as reported, and the platform's own figure.
    people_supported = models.PositiveIntegerField()
    hours_delivered = models.DecimalField("hours delivered last week", max_digits=9, decimal_places=2)
    platform_people_supported = models.PositiveIntegerField()
    platform_hours_delivered = models.DecimalField(max_digits=9, decimal_places=2)
    # From call monitoring only (the missed-visit rule reads these).
    visits_due = models.PositiveIntegerField()
    visits_missed = models.PositiveIntegerField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-due_at", "provider__name", "id"]
        constraints = [
            # One original per slot: a second submission is an amendment, or refused.
            models.UniqueConstraint(
                fields=["council", "provider", "due_at"],
                condition=models.Q(amends__isnull=True),
                name="sitrep_one_original_per_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(amends__isnull=True) | ~models.Q(amendment_reason=""),
                name="sitrep_amendment_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    staff_in_post__gte=models.F("absent_sickness")
                    + models.F("absent_isolation")
                    + models.F("absent_leave")
                    + models.F("absent_other")
                ),
                name="sitrep_absent_within_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(visits_missed__lte=models.F("visits_due")),
                name="sitrep_missed_within_due",
            ),
            models.CheckConstraint(
                condition=models.Q(agency_hours__gte=0, hours_delivered__gte=0),
                name="sitrep_hours_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "due_at"], name="sitrep_council_slot"),
            models.Index(fields=["provider", "due_at"], name="sitrep_provider_slot"),
        ]

    def __str__(self) -> str:
        return f"Sitrep from {self.provider} to {self.council} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def staff_absent(self) -> int:
        return self.absent_sickness + self.absent_isolation + self.absent_leave + self.absent_other

    @property
    def on_time(self) -> bool:
        return self.submitted_at <= self.due_at

    def situation(self) -> opel.ProviderSituation:
        """What the OPEL rules read from this sitrep (the plan's age on the day it fell due)."""
        return opel.ProviderSituation(
            staff_in_post=self.staff_in_post,
            staff_absent=self.staff_absent,
            vacancies=self.vacancies,
            ppe_stock_days=self.ppe_stock_days,
            outbreak=self.outbreak_status,
            can_take_new_packages=self.can_take_new_packages,
            visits_due=self.visits_due,
            visits_missed=self.visits_missed,
            bcp_age_days=(schedule.london_date(self.due_at) - self.bcp_reviewed_on).days,
        )


class SitrepZoneCapacity(AppendOnly):
    """Spare hours a week the provider says it has in one of the council's zones (part of a sitrep)."""

    sitrep = models.ForeignKey(Sitrep, on_delete=models.PROTECT, related_name="zone_capacity")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    spare_hours = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["zone__name"]
        constraints = [
            models.UniqueConstraint(fields=["sitrep", "zone"], name="sitrep_zone_unique"),
            models.CheckConstraint(condition=models.Q(spare_hours__gte=0), name="sitrep_spare_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.zone}: {self.spare_hours} spare hours"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    OVERDUE_SUMMARY = "overdue_summary", "Overdue list (to commissioners)"


class SitrepReminder(models.Model):
    """A reminder sent, so the job never sends the same one twice (the unique constraints decide)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "provider", "due_at", "kind"],
                condition=models.Q(provider__isnull=False),
                name="sitrep_reminder_once_per_provider",
            ),
            models.UniqueConstraint(
                fields=["council", "due_at", "kind"],
                condition=models.Q(provider__isnull=True),
                name="sitrep_reminder_once_per_council",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.due_at:%Y-%m-%d %H:%M}"
