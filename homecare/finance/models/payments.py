"""Payment runs: what each provider is paid for a period, line by line, from verified call monitoring.

A run's lines are computed, not typed: rerunning a draft run replaces its lines with identical ones;
an approved or locked run is never recomputed. Anything changed after approval is a new Adjustment row
(a dispute upheld, a hold released late), never an edit of a line.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.people.models import CareType, Funding, Package, Person
from homecare.platform.append_only import AppendOnly


class RunStatus(models.TextChoices):
    DRAFT = "draft", "Draft (preview)"
    APPROVED = "approved", "Approved"
    LOCKED = "locked", "Locked (paid)"


class PaymentRun(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_runs")
    framework = models.ForeignKey(
        "providers.Framework", on_delete=models.PROTECT, related_name="payment_runs"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    # The framework's terms as used, so a later change to the framework cannot change a past run.
    pay_basis = models.CharField(max_length=12)
    rounding_minutes = models.PositiveSmallIntegerField()
    minimum_minutes = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    calculated_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "period_start"], name="run_unique_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="run_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework} {self.period_start:%d %b %Y}–{self.period_end:%d %b %Y}"


class Statement(models.Model):
    """One provider's part of a run: totals derived from its lines, kept for remittance and disputes."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="statements")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="statements")
    payable = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    held = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    nhs_recharge = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    visits = models.PositiveIntegerField(default=0)
    held_visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["provider__name"]
        constraints = [models.UniqueConstraint(fields=["run", "provider"], name="statement_unique_provider")]

    def __str__(self) -> str:
        return f"{self.provider} – {self.run}"


class LineKind(models.TextChoices):
    VISITS = "visits", "Visits"
    HELD = "held", "Held visit"
    EXTRA_TIME = "extra_time", "Approved extra time"


class StatementLine(models.Model):
    """Visits of one package at one rate in the period (or one held visit): minutes × rate × carers.

    Traceable: `package`, `care_type`, `carers`, `rate_card` and the run's period name exactly the visits
    counted (`visits` of them, listed on the line's page); a held line names its visit.
    """

    # A run writes tens of thousands of lines in one transaction. Their package, person, visit and rate
    # card are copied from visit rows read in that same transaction (which the database itself holds to
    # those tables), and PROTECT still refuses to delete what a line names; a database constraint on each
    # would lock every parent row with FOR KEY SHARE at commit, the largest cost of a run on PostgreSQL.
    # The statement index is the composite one below.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    kind = models.CharField(max_length=12, choices=LineKind.choices, default=LineKind.VISITS)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    funding = models.CharField(max_length=20, choices=Funding.choices)
    care_type = models.CharField(max_length=20, choices=CareType.choices)
    carers = models.PositiveSmallIntegerField()
    rate_card = models.ForeignKey(
        "providers.RateCard", null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    day_type = models.CharField(max_length=12, help_text="weekday, weekend or bank holiday")
    rate = models.DecimalField(max_digits=8, decimal_places=2)
    visits = models.PositiveIntegerField()
    minutes = models.PositiveIntegerField(help_text="Payable minutes per carer, summed over the visits")
    nights = models.PositiveIntegerField(default=0, help_text="Sleep-ins: paid per night")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    council_amount = models.DecimalField(max_digits=12, decimal_places=2)
    nhs_amount = models.DecimalField(max_digits=12, decimal_places=2)
    hold_reason = models.CharField(max_length=200, blank=True)
    # The lead provider's subcontractor that delivered the line's visits (blank: the provider's own staff);
    # copied from Visit.delivered_by with the rest of the line, so no constraint (see above).
    subcontractor = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["package_id", "care_type", "day_type", "id"]
        indexes = [models.Index(fields=["statement", "kind"], name="line_statement_kind")]

    def __str__(self) -> str:
        return f"{self.package_id} {self.care_type} £{self.amount}"


class HoldDecision(models.TextChoices):
    PAY = "pay", "Pay"
    DO_NOT_PAY = "do_not_pay", "Do not pay"


class HoldResolution(AppendOnly):
    """A manager's decision on a held visit; the next calculation of a draft run follows it."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.PROTECT, related_name="hold_resolutions")
    decision = models.CharField(max_length=12, choices=HoldDecision.choices)
    minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Minutes to pay, when paying")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} visit {self.visit_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"


class Dispute(models.Model):
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    reason = models.TextField()
    amount_claimed = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"Dispute on line {self.line_id} ({self.get_status_display()})"


class Adjustment(AppendOnly):
    """Money added to (or taken from) a statement after the fact, with why: never an edit of a line."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="adjustments")
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"£{self.amount} on {self.statement}"
