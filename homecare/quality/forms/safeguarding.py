"""Safeguarding forms."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from homecare.govuk_forms.forms import GovukForm
from homecare.quality.care_act_audit import TEMPLATE
from homecare.quality.forms.common import (
    PersonLookupMixin,
    checkboxes,
    date,
    radios,
    text,
    user_choice,
    yes_no,
)
from homecare.quality.models import (
    AbuseType,
    AuditOverall,
    AuditRating,
    ConcernSource,
    Conclusion,
    EscalationDecision,
    FeelsSafe,
    ManagerLevel,
    MspAchieved,
    MspAsked,
    OutsideRoute,
    RiskOutcome,
    Urgency,
)

COUNCIL_SOURCES = [
    (ConcernSource.COUNCIL_STAFF, "Me, or another council officer"),
    (ConcernSource.PUBLIC, "A member of the public"),
]


class ConcernForm(PersonLookupMixin, GovukForm):
    person_reference = forms.CharField(
        label="Case reference of the adult at risk",
        required=False,
        max_length=20,
        help_text="Leave blank if they are not known to the council, and describe them below",
    )
    adult_details = text(
        "Details of the adult (if not known to the council)",
        rows=3,
        help_text="Name, address, age and anything that helps us find them",
    )
    source = radios("Who raised the concern", COUNCIL_SOURCES, None, initial=ConcernSource.COUNCIL_STAFF)
    raiser_name = forms.CharField(label="Their name (members of the public)", required=False, max_length=200)
    raiser_contact = forms.CharField(label="How to contact them (optional)", required=False, max_length=200)
    provider = forms.ModelChoiceField(
        label="Provider involved (optional)",
        queryset=None,
        required=False,
        empty_label="None",
        help_text="Where it happened, or who is alleged to have caused harm",
    )
    description = text(
        "What happened", "Describe the concern: what happened, when, and who is involved", rows=6
    )
    immediate_action = text("What has already been done to keep the person safe (optional)", rows=3)
    abuse_types = checkboxes("Type of abuse or neglect, if known", AbuseType.choices)

    def __init__(self, *args, people=None, providers=None, provider_user=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["provider"].queryset = providers
        if provider_user:
            self.person_required_message = "Enter the case reference of the person the concern is about"
            self.fields["person_reference"].required = True
            for name in ("adult_details", "source", "raiser_name", "raiser_contact", "provider"):
                del self.fields[name]


class TriageForm(GovukForm):
    urgency = radios("Urgency", Urgency.choices, "Choose how urgent this is")
    abuse_types = checkboxes("Type of abuse or neglect", AbuseType.choices)
    note = text("Triage notes", "Enter the triage notes: the risk now and what has been done", rows=5)
    team_manager = user_choice("Team manager")
    allocated_worker = user_choice("Allocate to a practitioner")

    def __init__(self, *args, leads=None, practitioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_manager"].queryset = leads
        self.fields["allocated_worker"].queryset = practitioners


DECISIONS = [("enquiry", "Make an enquiry"), ("outside", "Manage outside safeguarding")]


class DecisionForm(GovukForm):
    care_and_support_needs = yes_no(
        "Does the adult have needs for care and support?", "Answer each part of the s42 test"
    )
    experiencing_abuse_or_risk = yes_no(
        "Are they experiencing, or at risk of, abuse or neglect?", "Answer each part of the s42 test"
    )
    unable_to_protect = yes_no(
        "As a result of those needs, are they unable to protect themselves?",
        "Answer each part of the s42 test",
    )
    reason = text("Rationale for the decision", "Enter the rationale for the decision")
    decision = radios(
        "Decision",
        DECISIONS,
        "Choose the decision",
        help_text="If all three are yes, the s42 duty applies and the council must make an enquiry",
    )
    outside_route = forms.ChoiceField(
        label="If managed outside safeguarding: how",
        choices=[("", "Choose"), *OutsideRoute.choices],
        required=False,
    )
    outside_reason = text("If managed outside safeguarding: why", rows=3)


class StartEnquiryForm(GovukForm):
    enquiry_officer = user_choice("Enquiry officer", required=True, empty="Choose")
    plan = text("Enquiry plan", "Enter the enquiry plan", rows=5)
    msp_asked = radios(
        "Was the person (or their representative) asked about the outcomes they want?",
        MspAsked.choices,
        "Say whether the person was asked about the outcomes they want",
    )
    msp_outcomes_expressed = text("Their desired outcomes, in their words", rows=3)
    msp_not_asked_reason = text("If not asked: why not", rows=2)

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enquiry_officer"].queryset = officers


class OutcomeForm(GovukForm):
    findings = text("What the enquiry found", "Enter what the enquiry found", rows=5)
    conclusion = radios("Conclusion", Conclusion.choices, "Choose the conclusion")
    risk_outcome = radios("Risk", RiskOutcome.choices, "Choose what happened to the risk")
    msp_achieved = radios(
        "Were the person's desired outcomes achieved?",
        MspAchieved.choices,
        None,
        help_text="Only when the person expressed outcomes",
    )


class CloseConcernForm(GovukForm):
    msp_feels_safe = radios(
        "How safe does the person feel now?",
        FeelsSafe.choices,
        "Record how safe the person feels now (or that it is not known)",
        help_text="'Unsafe' is escalated to a principal manager, who must record a decision",
    )
    closure_summary = text("Closure summary", "Enter the closure summary", rows=5)


class ShareForm(GovukForm):
    summary = text(
        "What the provider needs to know and do",
        "Enter what the provider needs to know and do",
        rows=5,
        help_text="Shown to the provider's managers. Do not include the council's case notes.",
    )


class EscalationDecisionForm(GovukForm):
    decision = radios("Decision", EscalationDecision.choices, "Choose the decision")
    note = text("Rationale", "Enter the rationale for the decision", rows=5)


def _recent_months(count: int = 12) -> list[tuple[str, str]]:
    first = timezone.localdate().replace(day=1)
    months = []
    for _ in range(count):
        months.append((first.isoformat(), f"{first:%B %Y}"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


class AuditSampleForm(GovukForm):
    month = forms.ChoiceField(label="Month", choices=())
    per_manager = forms.IntegerField(
        label="Cases per principal manager", min_value=1, max_value=10, initial=2
    )
    input_widths = {"per_manager": "govuk-input--width-2"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = _recent_months()
        self.fields["month"].choices = months
        self.fields["month"].initial = months[1][0]

    def clean_month(self):
        return dt.date.fromisoformat(self.cleaned_data["month"])


class _AuditAnswers(GovukForm):
    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            q.code: (
                self.cleaned_data.get(f"q_{q.code}", ""),
                self.cleaned_data.get(f"q_{q.code}_comment", ""),
            )
            for q in TEMPLATE
        }


def _audit_fields() -> dict:
    fields: dict = {}
    for q in TEMPLATE:
        fields[f"q_{q.code}"] = radios(q.text, AuditRating.choices, f"Answer: {q.text}", help_text=q.guidance)
        fields[f"q_{q.code}_comment"] = text("Comment (needed when not fully met)", rows=2)
    fields["findings"] = text("Findings", "Enter the findings", rows=5)
    fields["overall"] = radios("Overall", AuditOverall.choices, "Choose the overall judgement")
    return fields


# One rating and comment per question of the Care Act template (in its order), then findings and judgement.
AuditForm = type("AuditForm", (_AuditAnswers,), {"__module__": __name__, **_audit_fields()})


class AuditActionForm(GovukForm):
    description = text("Action", "Enter the action", rows=2)
    due_on = date("Due", today=False)
    owner = user_choice("Owner", empty="Nobody in particular")

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class ActionDoneForm(GovukForm):
    action = forms.IntegerField(widget=forms.HiddenInput)
    note = text("What was done", "Say what was done", rows=2)


class DesignateForm(GovukForm):
    user = forms.ModelChoiceField(
        label="Safeguarding lead",
        queryset=None,
        empty_label="Choose",
        error_messages={"required": "Choose a safeguarding lead"},
    )
    level = radios("Designate as", ManagerLevel.choices, "Choose team manager or principal manager")

    def __init__(self, *args, leads=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = leads
