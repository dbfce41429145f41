"""Validation only: shape and types at the edge. Business rules live in people.services and rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukModelForm, GovukTimeField
from homecare.people import rules
from homecare.people.models import CareModel, CareType, EquipmentType, Funding, Person, PersonalCareTask
from homecare.people.services import PERSON_FIELDS

DAY_CHOICES = [(str(i), name) for i, name in enumerate(rules.DAY_NAMES)]


class PersonForm(GovukModelForm):
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 1941")
    # Wider than the stored 10 digits: people type it with spaces, as it is printed ("943 476 5919").
    nhs_number = forms.CharField(
        label="NHS number", required=False, max_length=20, help_text="10 digits, for example 943 476 5919"
    )
    input_widths = {
        "case_reference": "govuk-input--width-10",
        "nhs_number": "govuk-input--width-10",
        "postcode": "govuk-input--width-10",
        "latitude": "govuk-input--width-10",
        "longitude": "govuk-input--width-10",
        "emergency_contact_phone": "govuk-input--width-20",
    }

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        labels = {
            "case_reference": "Council case reference",
            "nhs_number": "NHS number",
            "access_notes": "Access notes",
            "emergency_contact_phone": "Emergency contact phone number",
            "self_funder": "Pays for their own care (self-funder)",
            "interpreter_needed": "Needs an interpreter",
        }
        help_texts = {
            "access_notes": (
                "How care workers get in, for example where the key safe is (not its code in plain sight)"
            ),
            "latitude": "Used to check care workers are at the home when they check in",
        }
        widgets = {
            "access_notes": forms.Textarea(attrs={"rows": 3}),
            "communication_needs": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        if zones is not None:
            self.fields["zone"].queryset = zones
        self.fields["zone"].empty_label = "Choose a zone"
        self.fields["nhs_number"].widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})

    def clean_nhs_number(self):
        raw = self.cleaned_data.get("nhs_number") or ""
        if not raw.strip():
            return None
        problem = rules.nhs_number_problem(raw)
        if problem:
            raise ValidationError(problem)
        return rules.normalise_nhs_number(raw)

    def clean_postcode(self):
        try:
            return rules.normalise_postcode(self.cleaned_data.get("postcode", ""))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def _post_clean(self):
        """Skip the model's own validation: people.services checks the record as a whole (uniqueness
        included, and races) and explains problems in words people use. The form checks shape only."""


class SupportPlanForm(GovukForm):
    outcomes = forms.CharField(
        label="Outcomes in the person's own words",
        help_text=(
            "One outcome on each line, for example: I want to get up and dressed in time for the day centre"
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    what_matters = forms.CharField(
        label="What matters to the person", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    strengths = forms.CharField(
        label="Strengths and support already in place",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tasks = forms.MultipleChoiceField(
        label="Tasks",
        choices=PersonalCareTask.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one task"},
    )
    review_date = GovukDateField(label="Review date", help_text="Usually within 12 months")

    def outcome_lines(self) -> list[str]:
        return self.cleaned_data["outcomes"].splitlines()


class PackageForm(GovukForm):
    start_date = GovukDateField(label="Start date")
    end_date = GovukDateField(label="End date (optional)", required=False)
    care_model = forms.ChoiceField(
        label="How care is commissioned",
        choices=CareModel.choices,
        widget=forms.RadioSelect,
        initial=CareModel.TIME_AND_TASK,
    )
    weekly_budget_hours = forms.DecimalField(
        label="Weekly budget of hours",
        required=False,
        min_value=Decimal("0.25"),
        max_digits=6,
        decimal_places=2,
        help_text="Budget of hours packages only",
    )
    funding = forms.ChoiceField(
        label="Funding", choices=Funding.choices, widget=forms.RadioSelect, initial=Funding.COUNCIL
    )
    council_share_percent = forms.DecimalField(
        label="Council share (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="Joint funding only: the council and NHS shares must total 100%",
    )
    nhs_share_percent = forms.DecimalField(
        label="NHS share (%)", required=False, min_value=0, max_value=100, decimal_places=2
    )
    hospital_discharge = forms.BooleanField(label="Needed for a hospital discharge", required=False)
    input_widths = {
        "weekly_budget_hours": "govuk-input--width-5",
        "council_share_percent": "govuk-input--width-5",
        "nhs_share_percent": "govuk-input--width-5",
    }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "End date must be the same as or after the start date")
        if data.get("funding") == Funding.JOINT:
            council = data.get("council_share_percent")
            nhs = data.get("nhs_share_percent")
            if council is None or nhs is None:
                self.add_error(
                    "council_share_percent", "Enter the council and NHS shares for a joint package"
                )
            else:
                problem = rules.funding_split_problem(Funding.JOINT, council, nhs)
                if problem:
                    self.add_error("council_share_percent", problem)
        if data.get("care_model") == CareModel.BUDGET_OF_HOURS and not data.get("weekly_budget_hours"):
            self.add_error("weekly_budget_hours", "Enter the weekly budget of hours agreed with the person")
        return data


class VersionTermsForm(PackageForm):
    """The terms of a prepared change: everything but the package's dates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start_date", "end_date", "hospital_discharge"):
            del self.fields[name]


class VisitForm(GovukForm):
    days = forms.MultipleChoiceField(
        label="Days",
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day"},
    )
    preferred_start = GovukTimeField(
        label="Preferred start time", help_text="24-hour clock, for example 07:30"
    )
    duration_minutes = forms.IntegerField(
        label="Visit length (minutes)",
        help_text="At least 15 minutes, then in 5-minute steps (15, 20, 25, 30 …)",
        error_messages={
            "required": "Enter the visit length in minutes",
            "invalid": "Enter the visit length as a whole number of minutes",
        },
    )
    tolerance_minutes = forms.IntegerField(
        label="Tolerance either side of the preferred time (minutes)", initial=30, min_value=0, max_value=120
    )
    carers_required = forms.TypedChoiceField(
        label="Carers needed",
        choices=[("1", "One carer"), ("2", "Two carers (double-handed)")],
        coerce=int,
        widget=forms.RadioSelect,
        initial="1",
    )
    care_type = forms.ChoiceField(
        label="Type of care", choices=CareType.choices, widget=forms.RadioSelect, initial=CareType.DAY
    )
    tasks = forms.MultipleChoiceField(
        label="Tasks on this visit",
        choices=PersonalCareTask.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label="Notes for the care worker", required=False, max_length=300)
    input_widths = {"duration_minutes": "govuk-input--width-4", "tolerance_minutes": "govuk-input--width-4"}

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        problem = rules.time_band_problem(minutes)
        if problem:
            raise ValidationError(problem)
        return minutes


class TransitionForm(GovukForm):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StartForm(GovukForm):
    provider = forms.ModelChoiceField(
        label="Provider",
        queryset=None,
        empty_label="Choose the provider",
        error_messages={"required": "Choose the provider that has started the package"},
    )

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class ChangeForm(GovukForm):
    effective_from = GovukDateField(label="Change takes effect from")
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the change"},
    )


class EquipmentForm(GovukForm):
    """Telecare or other equipment in a support plan."""

    equipment_type = forms.ChoiceField(
        label="Type of equipment", choices=EquipmentType.choices, widget=forms.RadioSelect
    )
    supplier = forms.CharField(label="Supplier", required=False, max_length=200)
    installed_on = GovukDateField(label="Installed on", required=False, help_text="For example, 27 3 2026")
    review_on = GovukDateField(
        label="Review date", required=False, help_text="When to check it still meets the need"
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
