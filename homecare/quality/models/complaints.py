"""Complaints: received about a provider or the council, handled provider-first, then by the council.

A complaint moves through stages (provider → council first stage → council second stage → Ombudsman) and,
within a stage, through statuses (received → acknowledged → decision sent). Each stage keeps its own
dates and due dates in a `ComplaintStageRecord`, fixed when the stage starts so a later change to the
rules or the bank-holiday list never rewrites what was due. Every move is an immutable
`ComplaintStatusChange` row with who, when and why; `Complaint.stage` and `.status` cache the latest one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.people.models import Person
from homecare.platform.append_only import AppendOnly

__all__ = [
    "ComplainantType",
    "Complaint",
    "ComplaintOutcome",
    "ComplaintStage",
    "ComplaintStageRecord",
    "ComplaintStatus",
    "ComplaintStatusChange",
    "ComplaintSubject",
    "ComplaintTheme",
    "ComplaintThemeTag",
    "OPEN_COMPLAINT_STATUSES",
]


class ComplaintStage(models.TextChoices):
    PROVIDER = "provider", "Provider"
    COUNCIL_FIRST = "council_first", "Council first stage"
    COUNCIL_SECOND = "council_second", "Council second stage"
    OMBUDSMAN = "ombudsman", "Ombudsman referral"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "Awaiting acknowledgement"
    ACKNOWLEDGED = "acknowledged", "Acknowledged, being investigated"
    RESPONDED = "responded", "Decision letter sent"
    WITH_OMBUDSMAN = "with_ombudsman", "With the Ombudsman"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.RESPONDED,
    ComplaintStatus.WITH_OMBUDSMAN,
)


class ComplainantType(models.TextChoices):
    PERSON = "person", "The person receiving care"
    FAMILY = "family", "Family member or carer"
    ADVOCATE = "advocate", "Advocate or representative"
    STAFF = "staff", "Member of staff"
    OTHER = "other", "Someone else"


class ComplaintSubject(models.TextChoices):
    PROVIDER = "provider", "A homecare provider"
    COUNCIL = "council", "The council (Adult Social Care)"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class ComplaintTheme(models.TextChoices):
    LATE_OR_MISSED = "late_missed", "Late or missed visits"
    CARE_QUALITY = "care_quality", "Quality of care"
    STAFF_CONDUCT = "staff_conduct", "Staff attitude or conduct"
    COMMUNICATION = "communication", "Communication"
    CONTINUITY = "continuity", "Continuity of care workers"
    MEDICATION = "medication", "Medication"
    DIGNITY = "dignity", "Dignity and respect"
    CHARGES = "charges", "Charges and finance"
    ASSESSMENT = "assessment", "Assessment or support planning"
    WAITING = "waiting", "Waiting for care"
    OTHER = "other", "Other"


class Complaint(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="complaints")
    received_on = models.DateField(help_text="When the complaint was first received, at any stage")
    complainant_name = models.CharField(max_length=200)
    complainant_type = models.CharField(max_length=12, choices=ComplainantType.choices)
    complainant_address = models.TextField(
        blank=True, help_text="Postal or email address the letters go to (one line each)"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    subject = models.CharField("complaint about", max_length=10, choices=ComplaintSubject.choices)
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
        limit_choices_to={"type": "provider"},
    )
    summary = models.TextField()
    desired_outcome = models.TextField("what the complainant wants to happen", blank=True)
    # Cached from the latest status row by the services (lists filter on them); never set by hand.
    stage = models.CharField(max_length=16, choices=ComplaintStage.choices)
    status = models.CharField(max_length=16, choices=ComplaintStatus.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(subject="provider") | models.Q(provider__isnull=False),
                name="complaint_about_provider_names_it",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status"], name="complaint_council_status"),
            models.Index(fields=["provider", "status"], name="complaint_provider_status"),
        ]

    def __str__(self) -> str:
        return f"Complaint {self.reference}"

    @property
    def reference(self) -> str:
        return f"CMP{self.pk:06d}" if self.pk else "CMP (new)"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES


class ComplaintThemeTag(models.Model):
    """One theme of a complaint (several may apply); themes and trends feed provider improvement."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(max_length=16, choices=ComplaintTheme.choices)

    class Meta:
        ordering = ["theme"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "theme"], name="complaint_theme_once"),
        ]

    def __str__(self) -> str:
        return self.get_theme_display()


class ComplaintStageRecord(models.Model):
    """One stage of a complaint: when it started, when acknowledgement and the decision were due and
    when they happened, the action plan, the investigation's findings and the outcome."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="stages")
    stage = models.CharField(max_length=16, choices=ComplaintStage.choices)
    started_on = models.DateField()
    acknowledgement_due = models.DateField(null=True, blank=True)
    response_due = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_plan = models.TextField(blank=True)
    responded_on = models.DateField("decision letter sent on", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=ComplaintOutcome.choices, blank=True)
    findings = models.TextField("what the investigation found", blank=True)
    response = models.TextField("the decision and what will happen next", blank=True)
    ombudsman_reference = models.CharField(max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "stage"], name="complaint_stage_once"),
            models.CheckConstraint(
                condition=models.Q(responded_on__isnull=True) | ~models.Q(outcome=""),
                name="complaint_stage_decision_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_stage_display()}"


class ComplaintStatusChange(AppendOnly):
    """Each move of a complaint: stage and status before and after, who, when and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="status_changes")
    from_stage = models.CharField(max_length=16, choices=ComplaintStage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=ComplaintStage.choices)
    from_status = models.CharField(max_length=16, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ComplaintStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.from_status or 'new'} → {self.to_status}"
