"""Forms for outcome-based homecare: validation only (services decide)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukTimeField
from homecare.outcomes.models import (
    QUESTIONS,
    Achieved,
    AnsweredBy,
    CarryOverMode,
    Channel,
    Disability,
    Ethnicity,
    Scale,
    Sex,
)
from homecare.people.models import PersonalCareTask

HOURS = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0.25"), "max_value": Decimal(168)}


class CarryOverRuleForm(GovukForm):
    effective_from = GovukDateField(label="From", help_text="A Monday, the first day of a budget week")
    mode = forms.ChoiceField(label="Unused hours", choices=CarryOverMode.choices, widget=forms.RadioSelect)
    max_hours = forms.DecimalField(
        label="Most hours that can roll over into a week", required=False, max_digits=5, decimal_places=2
    )
    max_weeks = forms.IntegerField(
        label="Weeks an unused hour can be carried", required=False, min_value=1, max_value=12, initial=1
    )
    reason = forms.CharField(label="Why the rule is changing", widget=forms.Textarea(attrs={"rows": 2}))


class ExcessForm(GovukForm):
    week_start = GovukDateField(label="Week beginning (Monday)")
    hours = forms.DecimalField(label="Extra hours approved", **HOURS)
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))


class AcknowledgeForm(GovukForm):
    alert = forms.IntegerField(widget=forms.HiddenInput)
    action_taken = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 2}))


class FlexibleVisitForm(GovukForm):
    day = GovukDateField(label="Day")
    start = GovukTimeField(label="Start time")
    minutes = forms.IntegerField(
        label="Length in minutes", min_value=1, max_value=1440, help_text="15 minutes, then 5-minute steps"
    )
    carers_required = forms.TypedChoiceField(
        label="Carers", choices=[(1, "One carer"), (2, "Two carers (double-handed)")], coerce=int, initial=1
    )
    tasks = forms.MultipleChoiceField(
        label="Tasks", choices=PersonalCareTask.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class OutcomeReviewForm(GovukForm):
    """One pair of fields (achieved?, what changed) per outcome in the support plan."""

    reviewed_on = GovukDateField(label="Date of the review")
    person_view = forms.CharField(
        label="What the person (and their family) said", widget=forms.Textarea(attrs={"rows": 3})
    )
    new_budget_hours = forms.DecimalField(
        label="New weekly budget (hours)",
        required=False,
        help_text="Leave blank to keep the budget as it is",
        **HOURS,
    )
    budget_from = GovukDateField(label="New budget from", required=False)

    def __init__(self, *args, outcomes=(), budget: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = list(outcomes)
        for outcome in self.outcomes:
            self.fields[f"achieved_{outcome.pk}"] = forms.ChoiceField(
                label=f"“{outcome.in_own_words}”",
                choices=Achieved.choices,
                # Added after the mixin styled the fields, so they carry the design system's classes here.
                widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
            )
            self.fields[f"changed_{outcome.pk}"] = forms.CharField(
                label="What changed", widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea"})
            )
        if not budget:
            del self.fields["new_budget_hours"]
            del self.fields["budget_from"]
        self.order_fields(["reviewed_on", "person_view"])

    def outcome_fields(self):
        return [(o, self[f"achieved_{o.pk}"], self[f"changed_{o.pk}"]) for o in self.outcomes]


def _scale_field(question: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=question, choices=Scale.choices, coerce=int, widget=forms.RadioSelect)


class FeedbackForm(GovukForm):
    """The short survey: five questions on one scale, then anything else in the person's words."""

    continuity = _scale_field(QUESTIONS["continuity"])
    punctuality = _scale_field(QUESTIONS["punctuality"])
    dignity = _scale_field(QUESTIONS["dignity"])
    outcomes = _scale_field(QUESTIONS["outcomes"])
    listened = _scale_field(QUESTIONS["listened"])
    comments = forms.CharField(
        label="Is there anything else you would like to tell us?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answered_by = forms.ChoiceField(
        label="Who is answering?", choices=AnsweredBy.choices, widget=forms.RadioSelect
    )


class StaffFeedbackForm(FeedbackForm):
    channel = forms.ChoiceField(
        label="How were the answers given?",
        choices=[(c, label) for c, label in Channel.choices if c != Channel.WEB_LINK],
        widget=forms.RadioSelect,
    )


class EqualityForm(GovukForm):
    sex = forms.ChoiceField(label="Sex", choices=[("", "Not asked")] + Sex.choices, required=False)
    ethnicity = forms.ChoiceField(
        label="Ethnic group", choices=[("", "Not asked")] + Ethnicity.choices, required=False
    )
    disability = forms.ChoiceField(
        label="Does the person consider themselves disabled?",
        choices=[("", "Not asked")] + Disability.choices,
        required=False,
    )


class WeekForm(GovukForm):
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
