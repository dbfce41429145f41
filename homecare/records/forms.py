from __future__ import annotations

from django import forms

from homecare.govuk_forms.forms import GovukForm


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve: destroy these records"),
            ("reject", "Reject: keep these records"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or reject the disposal"},
    )
    note = forms.CharField(
        label="Reason (needed to reject)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="I have checked that these records are past retention and no hold applies to them",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "approve" and not cleaned.get("confirm"):
            self.add_error(
                "confirm", "Confirm you have checked the records before approving their destruction"
            )
        if cleaned.get("decision") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Enter why these records are being kept")
        return cleaned
