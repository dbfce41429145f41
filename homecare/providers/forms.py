"""Validation only: shape and types at the edge. Business rules live in providers.services and rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from homecare.govuk_forms.forms import GovukDateField, GovukForm
from homecare.providers import rules
from homecare.providers.models import (
    BARRABLE_RATINGS,
    ETHICAL_STANDARDS,
    AdmissionDecision,
    AreaType,
    Rating,
    Service,
)


def _care_type_choices():
    from homecare.people.models import CareType

    return CareType.choices


def _percent(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_value=100, decimal_places=2, **kwargs)


class FrameworkForm(GovukForm):
    name = forms.CharField(
        label="Name", max_length=200, help_text="For example, Northbridge Homecare Framework 2025–2029"
    )
    reference = forms.CharField(
        label="Reference", max_length=40, help_text="The tender reference, for example NBC-HC-2025"
    )
    start_date = GovukDateField(label="Start date")
    term_years = forms.IntegerField(label="Term (years)", initial=4, min_value=1, max_value=10)
    extension_years = forms.IntegerField(
        label="Optional extension (years)", initial=1, min_value=0, max_value=5
    )
    quality_weight_percent = _percent("Quality weight (%)", initial=Decimal("60"))
    price_weight_percent = _percent(
        "Price weight (%)", initial=Decimal("40"), help_text="Quality and price weights must total 100%"
    )
    barred_ratings = forms.MultipleChoiceField(
        label="CQC ratings barred from new placements",
        choices=[(r.value, r.label) for r in BARRABLE_RATINGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[Rating.INADEQUATE],
    )
    offer_response_hours = forms.IntegerField(
        label="Hours a provider has to answer an offer", initial=24, min_value=1
    )
    hard_to_place_after_rounds = forms.IntegerField(
        label="Hard to place after this many offer rounds", initial=3, min_value=1
    )
    hard_to_place_after_days = forms.IntegerField(
        label="…or after this many days waiting", initial=5, min_value=1
    )
    input_widths = {
        "reference": "govuk-input--width-10",
        "term_years": "govuk-input--width-2",
        "extension_years": "govuk-input--width-2",
        "quality_weight_percent": "govuk-input--width-4",
        "price_weight_percent": "govuk-input--width-4",
        "offer_response_hours": "govuk-input--width-3",
        "hard_to_place_after_rounds": "govuk-input--width-3",
        "hard_to_place_after_days": "govuk-input--width-3",
    }

    def clean(self):
        data = super().clean()
        quality, price = data.get("quality_weight_percent"), data.get("price_weight_percent")
        if quality is not None and price is not None:
            problem = rules.weights_problem(quality, price)
            if problem:
                self.add_error("quality_weight_percent", problem)
        return data


class TransitionForm(GovukForm):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LotForm(GovukForm):
    service = forms.ChoiceField(
        label="Service", choices=Service.choices, widget=forms.RadioSelect, initial=Service.HOMECARE
    )
    area_type = forms.ChoiceField(label="Zones", choices=AreaType.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        label="Name (optional)",
        required=False,
        max_length=200,
        help_text="We name it for you if you leave this blank",
    )


class AdmissionForm(GovukForm):
    provider = forms.ModelChoiceField(
        label="Provider",
        queryset=None,
        empty_label="Choose the provider",
        error_messages={"required": "Choose the provider"},
    )
    quality_score = _percent("Quality score (0 to 100)")
    price_score = _percent("Price score (0 to 100)")
    decision = forms.ChoiceField(
        label="Decision", choices=AdmissionDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the provider is not admitted",
    )
    input_widths = {"quality_score": "govuk-input--width-4", "price_score": "govuk-input--width-4"}

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class RateCardForm(GovukForm):
    care_type = forms.ChoiceField(label="Type of care", choices=_care_type_choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label="Amount (£)",
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        help_text="Per hour; per night for a sleep-in",
    )
    effective_from = GovukDateField(label="Takes effect from", help_text="For example, 6 4 2027")
    weekend_enhancement_percent = _percent("Weekend enhancement (%)", initial=Decimal("0"))
    bank_holiday_enhancement_percent = _percent(
        "Bank holiday enhancement (%)",
        initial=Decimal("0"),
        help_text="Paid instead of the weekend enhancement on a bank holiday, never as well",
    )
    reason = forms.CharField(
        label="Reason", required=False, help_text="For example, the annual uplift for 2027 to 2028"
    )
    input_widths = {
        "amount": "govuk-input--width-5",
        "weekend_enhancement_percent": "govuk-input--width-4",
        "bank_holiday_enhancement_percent": "govuk-input--width-4",
    }


class RatingForm(GovukForm):
    rating = forms.ChoiceField(label="CQC rating", choices=Rating.choices, widget=forms.RadioSelect)
    rated_on = GovukDateField(label="Date of the rating", help_text="As published by CQC")


class SuspensionForm(GovukForm):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the suspension"},
    )
    starts_on = GovukDateField(label="Suspended from")
    review_on = GovukDateField(label="Review date (optional)", required=False)


class SuspensionEndForm(GovukForm):
    ended_on = GovukDateField(label="New placements allowed again from")
    end_reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason the suspension is ending"},
    )


class CapacityForm(GovukForm):
    """One 'hours a week' box per zone, named zone_<id>; blank leaves the zone as it is."""

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zones = list(zones)
        for zone in self.zones:
            self.fields[f"zone_{zone.pk}"] = forms.DecimalField(
                label=f"{zone.name} ({zone.get_area_type_display().lower()})",
                required=False,
                min_value=0,
                max_digits=7,
                decimal_places=2,
                help_text="Hours a week you can take on; 0 if none",
            )
            self.fields[f"zone_{zone.pk}"].widget.attrs["class"] = "govuk-input govuk-input--width-5"

    def hours_by_zone(self) -> dict:
        return {zone: self.cleaned_data.get(f"zone_{zone.pk}") for zone in self.zones}


class EthicalDeclarationForm(GovukForm):
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the framework"},
    )

    def __init__(self, *args, frameworks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks
        for name, label in ETHICAL_STANDARDS:
            self.fields[name] = forms.BooleanField(label=label, required=False)
        self.order_fields(["framework", *(name for name, _ in ETHICAL_STANDARDS)])

    def standards(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] for name, _ in ETHICAL_STANDARDS}


class ProfileForm(GovukForm):
    cqc_location_id = forms.CharField(
        label="CQC location ID", max_length=14, help_text="For example, 1-123456789"
    )
    registered_on = GovukDateField(label="Registered with CQC on (optional)", required=False)
    registered_manager = forms.CharField(label="Registered manager", required=False, max_length=200)
    phone = forms.CharField(label="Phone number", required=False, max_length=30)
    email = forms.EmailField(label="Email address", required=False)
    input_widths = {"cqc_location_id": "govuk-input--width-10", "phone": "govuk-input--width-20"}

    def clean_cqc_location_id(self):
        value = self.cleaned_data["cqc_location_id"].strip()
        problem = rules.cqc_location_id_problem(value)
        if problem:
            raise ValidationError(problem)
        return value
