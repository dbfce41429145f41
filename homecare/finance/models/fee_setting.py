"""Fee setting: the annual uplift model, the cost-of-care model and the reference data they use.

Reference data (wage floors, published reference prices) is append-only: a correction is a new row for
the same date or year, and the latest entry wins. A scenario is edited only while it is a draft; once
agreed it never changes, and the rate cards it added are listed in AgreedRate. The sums live in
finance/fee_setting.py (Decimal, rounded half up to the penny at the end of each published figure).

Facts quoted in help text come from the project's reference sheet (shared/reference/standards.md):
National Living Wage / National Minimum Wage rates (gov.uk/national-minimum-wage-rates), employer
National Insurance from 6 April 2025, auto-enrolment pension minimums and the Homecare Association's
minimum price per contact hour.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly
from homecare.providers.models import AreaType


class WageFloor(AppendOnly):
    """A statutory (or voluntary) hourly wage floor from a date, e.g. "National Living Wage 21+" £12.71
    from 1 April 2026. Never edited: a new rate is a new row, and so is a correction (the latest entry for
    a date wins)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="wage_floors")
    name = models.CharField(
        max_length=80,
        help_text='The wage band, written the same way each year, like "National Living Wage 21+"',
    )
    hourly_amount = models.DecimalField(max_digits=6, decimal_places=2)
    effective_from = models.DateField()
    source_url = models.URLField(
        "source", max_length=300, blank=True, help_text="Where the rate is published, like gov.uk"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank when seeded from the published rates",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "finance"
        ordering = ["name", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hourly_amount__gt=0), name="wage_floor_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["council", "name", "effective_from"], name="wage_floor_lookup")]

    def __str__(self) -> str:
        return f"{self.name} £{self.hourly_amount} from {self.effective_from:%-d %b %Y}"


class UpliftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"


class UpliftScenario(models.Model):
    """An annual uplift of a framework's rates, modelled on wage floors weighted by the workforce mix.

    The pay share of each rate rises by the weighted wage-floor increase plus the employer pension on that
    increase; the rest of the rate rises by the non-pay inflation figure. Edited only as a draft; agreeing
    it (finance.fee_setting.scenario_agree) may add the new rates as rate cards, old rates untouched.
    """

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="uplift_scenarios")
    framework = models.ForeignKey(
        "providers.Framework", on_delete=models.PROTECT, related_name="uplift_scenarios"
    )
    name = models.CharField(max_length=120)
    effective_from = models.DateField(
        "new rates from",
        help_text="The date the new rates take effect, usually 1 April when the National Living Wage rises",
    )
    pay_share_percent = models.DecimalField(
        "pay share of the rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        help_text="The part of each hourly rate that is care workers' pay, for example 60",
    )
    non_pay_inflation_percent = models.DecimalField(
        "non-pay inflation (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Applied to the rest of the rate (running costs, mileage), usually CPI",
    )
    pension_percent = models.DecimalField(
        "employer pension (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        help_text="Added on top of the pay increase. The auto-enrolment employer minimum is 3%",
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=UpliftStatus.choices, default=UpliftStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "finance"
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_share_percent__gte=0, pay_share_percent__lte=100),
                name="uplift_pay_share_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pension_percent__gte=0, pension_percent__lte=100),
                name="uplift_pension_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(non_pay_inflation_percent__gte=-100, non_pay_inflation_percent__lte=100),
                name="uplift_inflation_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", agreed_at__isnull=True)
                | models.Q(status="agreed", agreed_at__isnull=False),
                name="uplift_agreed_has_a_date",
            ),
        ]
        indexes = [models.Index(fields=["council", "status"], name="uplift_council_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == UpliftStatus.DRAFT


class UpliftBand(models.Model):
    """One wage band of the workforce mix: the share of care workers paid at that floor, and the floor
    before and from the scenario's date (copied from WageFloor when the scenario is saved, so an agreed
    scenario always shows the figures it was agreed on)."""

    scenario = models.ForeignKey(UpliftScenario, on_delete=models.CASCADE, related_name="bands")
    position = models.PositiveSmallIntegerField(default=1)
    wage_floor_name = models.CharField(max_length=80)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    old_hourly = models.DecimalField(max_digits=6, decimal_places=2)
    new_hourly = models.DecimalField(max_digits=6, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        app_label = "finance"
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "wage_floor_name"], name="uplift_band_unique_floor"),
            models.CheckConstraint(
                condition=models.Q(share_percent__gt=0, share_percent__lte=100), name="uplift_band_share"
            ),
            models.CheckConstraint(
                condition=models.Q(old_hourly__gt=0, new_hourly__gt=0), name="uplift_band_amounts_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wage_floor_name} {self.share_percent}%"


class AgreedRate(AppendOnly):
    """A rate card an agreed uplift added, with the one it replaces from that date (evidence for audit)."""

    scenario = models.ForeignKey(UpliftScenario, on_delete=models.PROTECT, related_name="agreed_rates")
    rate_card = models.OneToOneField("providers.RateCard", on_delete=models.PROTECT, related_name="+")
    previous_rate_card = models.ForeignKey("providers.RateCard", on_delete=models.PROTECT, related_name="+")

    class Meta:
        app_label = "finance"
        ordering = ["scenario", "id"]

    def __str__(self) -> str:
        return f"{self.scenario}: {self.rate_card}"


class CostOfCareModel(models.Model):
    """What an hour of homecare costs to deliver, built up from its drivers (the Fair Cost of Care Annex A
    cost drivers: carer basic pay, travel per contact hour, mileage, direct care hours a year)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cost_of_care_models")
    area_type = models.CharField(max_length=10, choices=AreaType.choices)
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True)
    care_worker_hourly_pay = models.DecimalField(
        "care worker hourly pay (£)",
        max_digits=6,
        decimal_places=2,
        default=Decimal("12.71"),
        help_text="National Living Wage 21+ is £12.21 from 1 April 2025 and £12.71 from 1 April 2026",
    )
    average_visit_minutes = models.PositiveSmallIntegerField(
        "average visit (minutes)",
        default=45,
        help_text="Shorter visits cost more per hour: travel is spread over less contact time",
    )
    travel_minutes_per_visit = models.DecimalField(
        "travel time per visit (minutes)", max_digits=5, decimal_places=1, default=Decimal("10")
    )
    miles_per_contact_hour = models.DecimalField(
        "miles per contact hour", max_digits=5, decimal_places=2, default=Decimal("5")
    )
    pence_per_mile = models.DecimalField(
        "mileage (pence a mile)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("45"),
        help_text="What providers pay care workers a mile, for example HMRC's approved 45p",
    )
    contact_hours_per_worker_week = models.DecimalField(
        "contact hours a care worker works a week",
        max_digits=5,
        decimal_places=2,
        default=Decimal("25"),
        help_text="Used to spread training, supervision and the NI and pension thresholds per hour",
    )
    training_hours_per_worker_year = models.DecimalField(
        "paid training hours a care worker a year", max_digits=6, decimal_places=2, default=Decimal("20")
    )
    supervision_hours_per_worker_year = models.DecimalField(
        "paid supervision and meeting hours a care worker a year",
        max_digits=6,
        decimal_places=2,
        default=Decimal("12"),
    )
    holiday_pay_percent = models.DecimalField(
        "holiday pay (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("12.07"),
        help_text="5.6 weeks' statutory leave is 12.07% of the hours worked (5.6 ÷ 46.4 weeks)",
    )
    employer_ni_percent = models.DecimalField(
        "employer National Insurance (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        help_text="15% from 6 April 2025 (it was 13.8%)",
    )
    ni_threshold_annual = models.DecimalField(
        "employer National Insurance threshold (£ a year)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("5000"),
        help_text="The secondary threshold is £5,000 a year from 6 April 2025 (it was £9,100)",
    )
    pension_percent = models.DecimalField(
        "employer pension (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        help_text="The auto-enrolment employer minimum is 3% of qualifying earnings",
    )
    pension_lower_limit_annual = models.DecimalField(
        "pension qualifying earnings lower limit (£ a year)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("6240"),
        help_text="Qualifying earnings are £6,240 to £50,270 a year (2025/26)",
    )
    back_office_percent = models.DecimalField(
        "back office and running costs (% of direct care costs)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        help_text="Managers and office staff, recruitment, systems, insurance, CQC fees, premises",
    )
    surplus_percent = models.DecimalField(
        "surplus (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        help_text="On direct care and running costs together",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "finance"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(care_worker_hourly_pay__gt=0), name="cost_model_pay_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(average_visit_minutes__gte=15), name="cost_model_visit_at_least_15"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_hours_per_worker_week__gt=0), name="cost_model_contact_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReferencePrice(AppendOnly):
    """A published price per contact hour to compare with, e.g. the Homecare Association Minimum Price
    for 2025-26 (£32.14). Never edited: a correction is a new row for the same source, year and area (the
    latest entry wins)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reference_prices")
    source = models.CharField(max_length=120, help_text='Like "Homecare Association Minimum Price"')
    year = models.CharField(max_length=7, help_text="The financial year, like 2025-26")
    amount = models.DecimalField(
        "£ per contact hour", max_digits=6, decimal_places=2, help_text="Per contact hour, like 32.14"
    )
    area_note = models.CharField(
        "area", max_length=120, blank=True, help_text='Like "England" or "Outer London"'
    )
    url = models.URLField("published at", max_length=300)
    note = models.TextField(blank=True, help_text="What the price assumes or how sure the figure is")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank when seeded from the published figures",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "finance"
        ordering = ["source", "-year", "area_note", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="reference_price_positive"),
        ]

    def __str__(self) -> str:
        area = f" ({self.area_note})" if self.area_note else ""
        return f"{self.source} {self.year}{area}: £{self.amount}"
