"""The living-wage floor: the council sets the hourly wage floor its providers and their subcontractors
must pay at least (for example a city's living wage), and each of them attests, per pay period, the
lowest hourly pay of any of its care workers. Both are evidence, so both are append-only: a new floor
is a new row from its date, and a corrected attestation is a new row that names the one it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly


class LivingWageFloor(AppendOnly):
    """The hourly floor a council sets from a date, e.g. "Real Living Wage 2026/27" £13.45 from 1 April.

    (Not finance.WageFloor: that holds the statutory bands the uplift model weighs; this is the
    contractual floor a council holds its providers to.) The floor on a date is the row with the latest
    `effective_from` on or before it; a correction for the same date is a later row, and the latest
    entered wins.
    """

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="living_wage_floors")
    name = models.CharField(max_length=80, help_text='For example, "Real Living Wage 2026/27"')
    hourly_amount = models.DecimalField(max_digits=6, decimal_places=2)
    effective_from = models.DateField()
    reason = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        app_label = "providers"
        ordering = ["-effective_from", "-set_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hourly_amount__gt=0), name="living_wage_floor_positive"
            ),
        ]
        indexes = [models.Index(fields=["council", "effective_from"], name="living_wage_floor_on")]

    def __str__(self) -> str:
        return f"{self.name} £{self.hourly_amount} from {self.effective_from:%-d %b %Y}"


class LowestPayAttestation(AppendOnly):
    """A provider's (or subcontractor's) statement of the lowest hourly pay of any of its care workers in
    one pay period (providers.rules: calendar quarters), to one council. The current attestation for a
    period is the latest; a correction names the one it corrects and says why."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="lowest_pay_attestations",
        limit_choices_to={"type": "provider"},
    )
    period_start = models.DateField(help_text="The first day of the pay period")
    lowest_hourly_pay = models.DecimalField(max_digits=6, decimal_places=2)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.TextField(blank=True, help_text="Why a correction was made")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField()

    class Meta:
        app_label = "providers"
        ordering = ["-period_start", "-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(lowest_hourly_pay__gt=0), name="lowest_pay_positive"),
        ]
        indexes = [
            models.Index(fields=["council", "organisation", "period_start"], name="lowest_pay_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: lowest pay £{self.lowest_hourly_pay} from {self.period_start}"
