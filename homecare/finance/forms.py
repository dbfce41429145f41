"""Validation for the payment pages (the rules live in services)."""

from __future__ import annotations

from django import forms

from homecare.finance.models import HoldDecision
from homecare.govuk_forms.forms import GovukDateField, GovukForm


class RunForm(GovukForm):
    framework = forms.ModelChoiceField(
        label="Framework", queryset=None, error_messages={"required": "Choose the framework to pay"}
    )
    period_start = GovukDateField(label="First day of the period")

    def __init__(self, *args, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks


class HoldForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=HoldDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to pay the visit"},
    )
    minutes = forms.IntegerField(
        label="Minutes to pay (when paying)", required=False, min_value=1, max_value=1440
    )
    reason = forms.CharField(label="Reason", max_length=500, error_messages={"required": "Say why"})


class DisputeForm(GovukForm):
    reason = forms.CharField(
        label="What is wrong with this line?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what is wrong with this line"},
    )
    amount_claimed = forms.DecimalField(
        label="Amount you think is due (optional, £)", required=False, max_digits=12, decimal_places=2
    )


class DisputeDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("uphold", "Uphold: adjust the statement"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to uphold or reject"},
    )
    adjustment = forms.DecimalField(
        label="Adjustment (£, negative to reduce)", required=False, max_digits=12, decimal_places=2
    )
    resolution = forms.CharField(
        label="Explanation for the provider",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Explain the decision to the provider"},
    )


class DirectPaymentAccountForm(GovukForm):
    package = forms.ModelChoiceField(
        label="Package", queryset=None, error_messages={"required": "Choose the direct-payment package"}
    )
    weekly_amount = forms.DecimalField(label="Weekly amount (£)", max_digits=10, decimal_places=2)
    contingency_weeks = forms.IntegerField(
        label="Contingency the person may keep (weeks)", initial=8, min_value=0, max_value=52
    )

    def __init__(self, *args, packages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = packages
        self.fields["package"].label_from_instance = lambda p: f"{p.reference} – {p.person.full_name}"


class DirectPaymentTransactionForm(GovukForm):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of transaction this is"},
    )
    amount = forms.DecimalField(label="Amount (£)", max_digits=10, decimal_places=2)
    on = GovukDateField(label="Date")
    description = forms.CharField(label="Payee and purpose, or payment reference", max_length=300)

    def __init__(self, *args, **kwargs):
        from homecare.finance.models import TransactionKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TransactionKind.choices
