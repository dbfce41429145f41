"""Validation only, for lead providers, subcontractors and the living-wage floor (ADR 0015). The rules
live in providers.subcontracting, providers.living_wage and providers.rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from homecare.govuk_forms.forms import GovukDateField, GovukForm
from homecare.providers import rules
from homecare.providers.models import ETHICAL_STANDARDS, Rating


def _pounds(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0.01"), max_digits=6, decimal_places=2, **kwargs
    )


class LeadAppointmentForm(GovukForm):
    lead = forms.ModelChoiceField(
        label="Lead provider",
        queryset=None,
        empty_label="Choose the provider",
        error_messages={"required": "Choose the lead provider"},
    )
    lot = forms.ModelChoiceField(label="Lot (optional)", queryset=None, required=False, empty_label="Any lot")
    zone = forms.ModelChoiceField(
        label="Zone (optional)",
        queryset=None,
        required=False,
        empty_label="Every zone of the lot",
        help_text="The neighbourhood the provider leads. Choose a lot, a zone or both.",
    )
    effective_from = GovukDateField(label="Lead from")
    effective_to = GovukDateField(label="Last day as lead (optional)", required=False)
    reason = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, providers=None, lots=None, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = providers
        self.fields["lot"].queryset = lots
        self.fields["zone"].queryset = zones


class SubcontractorForm(GovukForm):
    appointment = forms.ModelChoiceField(
        label="Area you lead",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the area the subcontractor will work in"},
    )
    subcontractor_name = forms.CharField(
        label="Subcontractor's name", max_length=200, help_text="As registered with CQC"
    )
    cqc_location_id = forms.CharField(
        label="CQC location ID", max_length=14, help_text="For example, 1-123456789"
    )
    cqc_rating = forms.ChoiceField(
        label="Current CQC rating",
        choices=[("", "Not yet rated"), *Rating.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    cqc_rated_on = GovukDateField(label="Date of the rating (if rated)", required=False)
    living_wage_declared = forms.BooleanField(
        label="The subcontractor pays every care worker at least the council's wage floor",
        required=False,
    )
    review_on = GovukDateField(
        label="Review date", help_text="The council reviews subcontracting at least once a year"
    )
    input_widths = {"cqc_location_id": "govuk-input--width-10"}

    def __init__(self, *args, appointments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = appointments
        for name, label in ETHICAL_STANDARDS:
            self.fields[name] = forms.BooleanField(label=label, required=False)
        self.order_fields(
            [
                "appointment",
                "subcontractor_name",
                "cqc_location_id",
                "cqc_rating",
                "cqc_rated_on",
                *(name for name, _ in ETHICAL_STANDARDS),
                "living_wage_declared",
                "review_on",
            ]
        )

    def clean_cqc_location_id(self):
        value = self.cleaned_data["cqc_location_id"].strip()
        problem = rules.cqc_location_id_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def standards(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] for name, _ in ETHICAL_STANDARDS}


class DecisionForm(GovukForm):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class WageFloorForm(GovukForm):
    name = forms.CharField(label="Name", max_length=80, help_text='For example, "Real Living Wage 2026/27"')
    hourly_amount = _pounds("Hourly amount (£)")
    effective_from = GovukDateField(label="Applies from", help_text="For example, 1 4 2026")
    reason = forms.CharField(
        label="Reason (needed when correcting a floor from the same date)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    input_widths = {"hourly_amount": "govuk-input--width-5"}


class AttestationForm(GovukForm):
    council = forms.ModelChoiceField(
        label="Council", queryset=None, empty_label=None, error_messages={"required": "Choose the council"}
    )
    period_start = forms.TypedChoiceField(
        label="Pay period", coerce=dt.date.fromisoformat, error_messages={"required": "Choose a pay period"}
    )
    lowest_hourly_pay = _pounds(
        "Lowest hourly pay (£)",
        help_text="The lowest hourly rate any of your care workers was paid in the period",
    )
    reason = forms.CharField(
        label="Reason (needed when correcting an attestation)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    input_widths = {"lowest_hourly_pay": "govuk-input--width-5"}

    def __init__(self, *args, councils=None, today: dt.date, periods: int = 4, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        starts = [rules.pay_period_start(today)]
        for _ in range(periods):
            starts.append(rules.pay_period_start(starts[-1] - dt.timedelta(days=1)))
        self.fields["period_start"].choices = [(s.isoformat(), rules.pay_period_label(s)) for s in starts]


class MonitoringPeriodForm(GovukForm):
    days = forms.TypedChoiceField(
        label="Period",
        coerce=int,
        choices=[(28, "Last 4 weeks"), (91, "Last 13 weeks"), (365, "Last 12 months")],
        initial=28,
        required=False,
    )

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        days = (self.cleaned_data.get("days") if self.is_valid() else None) or 28
        return today - dt.timedelta(days=days - 1), today
