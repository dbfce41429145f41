"""Provider quality forms: QA visits, findings, actions, reviews, suspensions and the CQC import."""

from __future__ import annotations

from django import forms

from homecare.govuk_forms.forms import GovukForm
from homecare.quality.forms.common import date, radios, text
from homecare.quality.models import QaArea, QaVisitKind, Rag, ReviewOutcome


class QaVisitForm(GovukForm):
    visit_date = date("Date of the visit")
    kind = radios("Kind of visit", QaVisitKind.choices, "Choose the kind of visit")
    summary = text("Summary", "Enter a summary of the visit", rows=5)


class QaFindingForm(GovukForm):
    area = forms.ChoiceField(
        label="Area",
        choices=[("", "Choose"), *QaArea.choices],
        error_messages={"required": "Choose the area"},
    )
    rag = radios("RAG", Rag.choices, "Choose red, amber or green")
    text = text("Finding", "Enter the finding", rows=3)


class QaActionForm(GovukForm):
    description = text("Action the provider must take", "Enter the action the provider must take", rows=2)
    due_on = date("Due", today=False)


class PublishForm(GovukForm):
    rag = radios("Overall RAG rating", Rag.choices, "Choose the overall RAG rating")


class ReviewOpenForm(GovukForm):
    reason = text("Why the provider is being reviewed", "Enter why the provider is being reviewed", rows=3)


class SuspendForm(GovukForm):
    reason = text("Reason for the suspension", "Enter the reason for the suspension", rows=3)
    starts_on = date("Suspended from")
    review_on = date("Review on (optional)", today=False, required=False)


class ReviewCloseForm(GovukForm):
    outcome = radios("Outcome", ReviewOutcome.choices, "Choose the outcome")
    note = text("Reasons", "Enter the reasons for the outcome", rows=4)


class CqcImportForm(GovukForm):
    file = forms.FileField(
        label="CQC ratings file (CSV)",
        help_text="CQC's 'Latest ratings' file, Locations sheet saved as CSV. Every row is checked first; "
        "if any row is wrong, nothing is recorded.",
        error_messages={"required": "Choose the CSV file to upload"},
    )
    suspend_inadequate = forms.BooleanField(
        label="Suspend new placements at once for a provider newly rated Inadequate", required=False
    )
