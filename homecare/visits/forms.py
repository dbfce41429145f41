"""Validation for the provider's visit pages (the rules themselves live in services)."""

from __future__ import annotations

from django import forms

from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukTimeField
from homecare.visits.models import CancelReason, CorrectionReason, VisitStatus

BOARD_SHOWS = [
    ("", "All visits"),
    ("attention", "Needing attention (late, missed, unverified)"),
    (VisitStatus.LATE, "Late"),
    (VisitStatus.MISSED, "Missed"),
    (VisitStatus.IN_PROGRESS, "In progress"),
    (VisitStatus.COMPLETED, "Completed"),
    (VisitStatus.PLANNED, "Planned"),
    (VisitStatus.CANCELLED, "Cancelled"),
]


class BoardForm(GovukForm):
    day = GovukDateField(label="Day", required=False)
    show = forms.ChoiceField(label="Show", choices=BOARD_SHOWS, required=False)


class AssignForm(GovukForm):
    care_worker = forms.ModelChoiceField(
        label="Care worker", queryset=None, error_messages={"required": "Choose a care worker"}
    )

    def __init__(self, *args, care_workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_worker"].queryset = care_workers
        self.fields["care_worker"].label_from_instance = lambda u: u.get_full_name() or u.username


class CorrectionForm(GovukForm):
    reason_code = forms.ChoiceField(
        label="Reason for the correction",
        choices=CorrectionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for the correction"},
    )
    start = GovukTimeField(label="Check-in time (optional)", required=False)
    end = GovukTimeField(
        label="Check-out time (optional)",
        required=False,
        help_text="On the visit's day; a time earlier than the check-in is taken as the next morning",
    )
    note = forms.CharField(label="Note (needed for Other)", required=False, max_length=500)


class CancelForm(GovukForm):
    reason_code = forms.ChoiceField(
        label="Why is the visit cancelled?",
        choices=CancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the visit is cancelled"},
    )
    note = forms.CharField(label="Note (needed for Other)", required=False, max_length=500)


class AcknowledgeForm(GovukForm):
    action_taken = forms.CharField(
        label="What did you do?",
        max_length=500,
        help_text="For example: phoned the care worker, told the family about the delay",
        error_messages={"required": "Say what you did, for example who you phoned"},
    )


class DeliveryForm(GovukForm):
    """Who delivers a package's visits from a date (or one visit): the lead's own care workers or one of
    its approved subcontractors (ADR 0015)."""

    subcontractor = forms.ModelChoiceField(
        label="Delivered by",
        queryset=None,
        required=False,
        empty_label="Our own care workers",
    )
    from_date = GovukDateField(label="From")
    reason = forms.CharField(
        label="Reason (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, subcontractors=None, with_date: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subcontractor"].queryset = subcontractors
        if not with_date:
            del self.fields["from_date"]
