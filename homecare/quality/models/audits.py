"""Case audits: a monthly sample of concluded safeguarding cases, each audited by a principal manager
against the Care Act template (quality/care_act_audit.py), with findings and actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation

from .safeguarding import SafeguardingConcern

__all__ = ["AuditOverall", "AuditRating", "CaseAudit", "CaseAuditAction", "CaseAuditAnswer"]

_USER = settings.AUTH_USER_MODEL


class AuditRating(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class AuditOverall(models.TextChoices):
    GOOD = "good", "Good practice"
    IMPROVEMENT = "improvement", "Some improvement needed"
    SIGNIFICANT = "significant", "Significant concerns"


class CaseAudit(models.Model):
    """One case in the month's sample, audited by a principal manager against the Care Act template."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.PROTECT, related_name="audits")
    month = models.DateField(help_text="The first day of the month sampled")
    auditor = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    allocated_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField()
    findings = models.TextField(blank=True)
    overall = models.CharField(max_length=12, choices=AuditOverall.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "auditor_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "month"], name="audit_case_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True)
                | (~models.Q(overall="") & ~models.Q(findings="")),
                name="audit_completed_has_findings",
            ),
        ]

    def __str__(self) -> str:
        return f"Audit of {self.concern} ({self.month:%B %Y})"


class CaseAuditAnswer(models.Model):
    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=30)
    rating = models.CharField(max_length=16, choices=AuditRating.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="audit_question_once"),
        ]

    def __str__(self) -> str:
        return f"{self.audit}: {self.question}"


class CaseAuditAction(models.Model):
    audit = models.ForeignKey(CaseAudit, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    added_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]
