"""Disposal proposals: people whose records are past retention, waiting for a named person's decision.

A proposal is only a list until a council administrator approves it; every step is an immutable status
row (who, when, why). Items name the person by id and case reference, not by a key: the person is
destroyed on disposal and the item stays as the record of what was destroyed, when and on whose say.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for a decision"
    APPROVED = "approved", "Approved: disposal running"
    REJECTED = "rejected", "Rejected: records kept"
    DISPOSED = "disposed", "Disposed of"


class DisposalProposal(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="disposal_proposals")
    status = models.CharField(max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    proposed_at = models.DateTimeField()
    # Who asked for it (None: the scheduled job) and the retention periods it applied.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retention_years = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="proposed")
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="disposal_decision_is_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal proposal {self.pk}"

    @property
    def reference(self) -> str:
        return f"DP{self.pk:05d}"


class DisposalStatusChange(AppendOnly):
    proposal = models.ForeignKey(DisposalProposal, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ProposalStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.from_status or 'new'} → {self.to_status}"


class ItemOutcome(models.TextChoices):
    PENDING = "pending", "Waiting"
    DISPOSED = "disposed", "Destroyed"
    KEPT = "kept", "Kept"


class DisposalItem(models.Model):
    """One person's records in a proposal: what is held (counts per kind) and why it is past retention."""

    proposal = models.ForeignKey(DisposalProposal, on_delete=models.PROTECT, related_name="items")
    person_ref = models.BigIntegerField("person id")
    case_reference = models.CharField(max_length=20)
    care_ended_on = models.DateField()
    retain_until = models.DateField()
    holdings = models.JSONField(default=dict, help_text="Rows held per model label when proposed")
    outcome = models.CharField(max_length=10, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    outcome_note = models.TextField(blank=True)
    destroyed = models.JSONField(default=dict, help_text="Rows destroyed per model label")
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["retain_until", "case_reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person_ref"], name="disposal_item_once_per_proposal"
            ),
        ]
        indexes = [models.Index(fields=["person_ref", "outcome"], name="disposal_item_person")]

    def __str__(self) -> str:
        return f"{self.case_reference} in {self.proposal}"
