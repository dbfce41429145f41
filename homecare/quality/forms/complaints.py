"""Complaint forms."""

from __future__ import annotations

from django import forms

from homecare.govuk_forms.forms import GovukForm
from homecare.quality.forms.common import PersonLookupMixin, checkboxes, date, radios, text
from homecare.quality.models import (
    ComplainantType,
    ComplaintOutcome,
    ComplaintStage,
    ComplaintSubject,
    ComplaintTheme,
)

NEW_STAGES = [
    (ComplaintStage.PROVIDER, "Provider first: the provider investigates and responds"),
    (
        ComplaintStage.COUNCIL_FIRST,
        "Council first stage: the council investigates (for example, the provider "
        "has already responded, or the complaint is about the council)",
    ),
]


class ComplaintForm(PersonLookupMixin, GovukForm):
    received_on = date("Date received")
    complainant_name = forms.CharField(
        label="Name of the person complaining",
        max_length=200,
        error_messages={"required": "Enter the name of the person complaining"},
    )
    complainant_type = radios("Who is complaining", ComplainantType.choices, "Choose who is complaining")
    complainant_address = text(
        "Address for letters (optional)", rows=3, help_text="Postal address or email address, one line each"
    )
    person_reference = forms.CharField(
        label="Case reference of the person receiving care",
        required=False,
        max_length=20,
        help_text="Leave blank if the complaint is not about one person's care",
    )
    subject = radios(
        "What the complaint is about", ComplaintSubject.choices, "Choose what the complaint is about"
    )
    provider = forms.ModelChoiceField(
        label="Provider (if about a provider)", queryset=None, required=False, empty_label="Choose a provider"
    )
    stage = radios("Who investigates first", NEW_STAGES, None, initial=ComplaintStage.PROVIDER)
    summary = text("What the complaint is about", "Enter what the complaint is about", rows=5)
    desired_outcome = text("What the complainant wants to happen (optional)", rows=3)
    themes = checkboxes("Themes", ComplaintTheme.choices)

    def __init__(self, *args, providers=None, people=None, provider_only=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["provider"].queryset = providers
        if provider_only is not None:
            # A provider records complaints about itself, at its own stage, for a person it cares for.
            self.person_required_message = "Enter the case reference of the person the complaint is about"
            self.fields["person_reference"].required = True
            for name in ("subject", "provider", "stage"):
                del self.fields[name]


class AcknowledgeForm(GovukForm):
    acknowledged_on = date("Date the acknowledgement was sent")
    action_plan = text(
        "Action plan",
        "Enter the action plan: how the complaint will be looked into",
        rows=5,
        help_text="Who will investigate, what they will look at, and when the complainant will hear back",
    )


class RespondForm(GovukForm):
    responded_on = date("Date the decision letter was sent")
    outcome = radios("Outcome", ComplaintOutcome.choices, "Choose the outcome")
    findings = text("What the investigation found", "Enter what the investigation found", rows=5)
    response = text(
        "The decision and what will happen next",
        "Enter the decision and what will happen next",
        rows=5,
        help_text="Apology, remedy and improvements, in words the complainant will understand",
    )
    themes = checkboxes("Themes (confirm or correct)", ComplaintTheme.choices)


class EscalateForm(GovukForm):
    escalated_on = date("Date the complainant asked")
    reason = text("Why the complainant is not satisfied", "Enter why the complaint is being escalated")


class ReferForm(GovukForm):
    referred_on = date("Date the Ombudsman told us")
    ombudsman_reference = forms.CharField(
        label="Ombudsman's reference (optional)", required=False, max_length=40
    )


class OmbudsmanDecisionForm(GovukForm):
    decided_on = date("Date of the Ombudsman's decision")
    outcome = radios("Ombudsman's finding", ComplaintOutcome.choices, "Choose the Ombudsman's finding")
    note = text("Summary of the decision and any remedy", "Summarise the Ombudsman's decision and any remedy")


class CloseForm(GovukForm):
    note = text("Note (optional)", rows=2, help_text="For example: complainant satisfied with the response")


class WithdrawForm(GovukForm):
    reason = text("What the complainant said", "Enter what the complainant said", rows=3)


class ReportPeriodForm(GovukForm):
    since = date("From", today=False)
    until = date("To")
