"""Direct payments: the council pays the person, who buys their own care. Not paid through payment runs,
but tracked: what was paid, what the person's audit shows was spent, the unspent balance, clawback."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.people.models import Package
from homecare.platform.append_only import AppendOnly


class DirectPaymentAccount(models.Model):
    package = models.OneToOneField(Package, on_delete=models.PROTECT, related_name="direct_payment_account")
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    weekly_amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="£ agreed per week")
    # Unspent money the person may keep as a contingency before the council recovers any (e.g. 8 weeks).
    contingency_weeks = models.PositiveSmallIntegerField(default=8)
    opened_on = models.DateField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["package__reference"]

    def __str__(self) -> str:
        return f"Direct payment {self.package.reference}"


class TransactionKind(models.TextChoices):
    PAYMENT = "payment", "Paid to the person"
    SPEND = "spend", "Spent (from the audit)"
    CLAWBACK = "clawback", "Recovered (clawback)"


class DirectPaymentTransaction(AppendOnly):
    """One movement of money, never edited: a mistake is put right by another transaction."""

    account = models.ForeignKey(DirectPaymentAccount, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    on = models.DateField()
    description = models.CharField(max_length=300, help_text="Payee and purpose, or the payment reference")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="dp_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} £{self.amount} on {self.on}"
