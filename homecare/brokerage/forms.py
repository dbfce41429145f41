from __future__ import annotations

from django import forms

from homecare.brokerage.models import DeclineReason, EscalationAction, Priority
from homecare.govuk_forms.forms import GovukDateField, GovukForm


class SendForm(GovukForm):
    priority = forms.ChoiceField(
        label="Priority", choices=Priority.choices, widget=forms.RadioSelect, initial=Priority.NORMAL
    )
    interim_arrangement = forms.CharField(
        label="Interim arrangement (optional)",
        required=False,
        max_length=300,
        help_text="What is in place while the person waits, for example family or reablement",
    )


class AcceptForm(GovukForm):
    earliest_start = GovukDateField(label="Earliest start date")


class QueryForm(GovukForm):
    text = forms.CharField(
        label="Your query about the time or tasks",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter your query about the time or tasks"},
    )


class DeclineForm(GovukForm):
    reason = forms.ChoiceField(
        label="Reason",
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason for declining"},
    )
    note = forms.CharField(label="More detail (needed for Other)", required=False, max_length=300)


class ReplyForm(GovukForm):
    text = forms.CharField(
        label="Reply to the provider",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter your reply"},
    )
    refer_to_practitioner = forms.BooleanField(
        label="Also ask the practitioner to review the package (they get the query and this reply)",
        required=False,
    )


class AwardForm(GovukForm):
    offer = forms.TypedChoiceField(
        label="Award to",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the provider to award to"},
    )
    override_reason = forms.CharField(
        label="Reason for not choosing the top-ranked provider",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = choices


class EscalateForm(GovukForm):
    action = forms.ChoiceField(
        label="What is being done",
        choices=EscalationAction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is being done"},
    )
    note = forms.CharField(
        label="Details",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe the arrangement or the review"},
    )
    interim_arrangement = forms.CharField(
        label="Interim arrangement (optional)", required=False, max_length=300
    )


class WaitingListFilterForm(GovukForm):
    zone = forms.ModelChoiceField(label="Zone", queryset=None, required=False, empty_label="All zones")
    hospital_discharge = forms.BooleanField(label="Hospital discharges only", required=False)
    hard_to_place = forms.BooleanField(label="Hard to place only", required=False)

    def __init__(self, *args, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones
