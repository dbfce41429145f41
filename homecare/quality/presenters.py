"""Display-ready values for the quality templates: tags, deadlines in words, what each side may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homecare.providers.models import Rating
from homecare.quality import scoring, state
from homecare.quality.models import (
    Complaint,
    ComplaintStatus,
    ConcernStatus,
    Enquiry,
    SafeguardingConcern,
)
from homecare.quality.timescales import Deadline


@dataclass(frozen=True)
class Tag:
    label: str
    colour: str  # a GOV.UK tag modifier: blue, green, grey, orange, red, yellow, purple, turquoise

    @property
    def css(self) -> str:
        return f"govuk-tag govuk-tag--{self.colour}"


RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green"}
COMPLAINT_COLOURS = {
    ComplaintStatus.RECEIVED: "blue",
    ComplaintStatus.ACKNOWLEDGED: "turquoise",
    ComplaintStatus.RESPONDED: "purple",
    ComplaintStatus.WITH_OMBUDSMAN: "orange",
    ComplaintStatus.CLOSED: "grey",
    ComplaintStatus.WITHDRAWN: "grey",
}
CONCERN_COLOURS = {
    ConcernStatus.NEW: "red",
    ConcernStatus.TRIAGED: "orange",
    ConcernStatus.PLANNING: "blue",
    ConcernStatus.ENQUIRY: "blue",
    ConcernStatus.OUTCOME: "purple",
    ConcernStatus.CLOSED: "grey",
    ConcernStatus.MANAGED_OUTSIDE: "grey",
}


def rag_tag(rag: str) -> Tag | None:
    if not rag:
        return None
    return Tag(rag.title(), RAG_COLOURS.get(rag, "grey"))


def complaint_tag(complaint: Complaint) -> Tag:
    return Tag(complaint.get_status_display(), COMPLAINT_COLOURS.get(complaint.status, "grey"))


def concern_tag(concern: SafeguardingConcern) -> Tag:
    return Tag(concern.get_status_display(), CONCERN_COLOURS.get(concern.status, "grey"))


def deadline_text(deadline: Deadline) -> tuple[str, Tag | None]:
    """'Due 12 Mar', 'Overdue by 2 working days', 'Done 11 Mar (on time)' and a tag for the state."""
    if deadline.due is None:
        if deadline.done_on:
            return f"Done {deadline.done_on:%-d %b %Y}", None
        return "", None
    due = f"{deadline.due:%-d %b %Y}"
    match deadline.state:
        case "met":
            return f"Done {deadline.done_on:%-d %b %Y} (due {due})", Tag("On time", "green")
        case "late":
            return f"Done {deadline.done_on:%-d %b %Y} (due {due})", Tag("Late", "orange")
        case "overdue":
            days = deadline.days_overdue
            return f"Was due {due}: {days} working day{'s' if days != 1 else ''} overdue", Tag(
                "Overdue", "red"
            )
        case "due_soon":
            return f"Due {due}", Tag("Due soon", "yellow")
    return f"Due {due}", None


COMPLAINT_ACTIONS = {
    "acknowledge": ("quality:complaint-acknowledge", "Acknowledge"),
    "respond": ("quality:complaint-respond", "Record the decision"),
    "escalate": ("quality:complaint-escalate", "Escalate"),
    "refer": ("quality:complaint-refer", "Referred to the Ombudsman"),
    "ombudsman_decision": ("quality:complaint-ombudsman-decision", "Record the Ombudsman's decision"),
    "close": ("quality:complaint-close", "Close"),
    "withdraw": ("quality:complaint-withdraw", "Withdrawn"),
}


def complaint_actions(
    complaint: Complaint, *, stage_handler: bool, council_handler: bool
) -> list[tuple[str, str]]:
    """(url name, label) of the steps this user may take now (the services check again)."""
    actions = []
    for name in state.complaint_available(stage=complaint.stage, status=complaint.status):
        if name in ("escalate", "refer", "ombudsman_decision"):
            allowed = council_handler
        elif name in ("close", "withdraw"):
            allowed = stage_handler or council_handler
        else:
            allowed = stage_handler
        if allowed:
            actions.append(COMPLAINT_ACTIONS[name])
    return actions


CONCERN_ACTIONS = {
    "triage": ("quality:concern-triage", "Triage"),
    "decide_enquiry": ("quality:concern-decide", "Record the s42 decision"),
    "start_enquiry": ("quality:concern-plan", "Start the enquiry"),
    "record_outcome": ("quality:concern-outcome", "Record the outcome"),
    "close": ("quality:concern-close", "Close the enquiry"),
}
LEAD_ONLY = {"triage", "decide_enquiry", "close"}


def concern_actions(concern: SafeguardingConcern, *, lead: bool, enquirer: bool) -> list[tuple[str, str]]:
    actions = []
    for name in state.concern_available(concern.status):
        if name not in CONCERN_ACTIONS:
            continue
        if lead or (enquirer and name not in LEAD_ONLY):
            actions.append(CONCERN_ACTIONS[name])
    return actions


def yes_no(value: bool | None) -> str:
    return "Not answered" if value is None else ("Yes" if value else "No")


@dataclass(frozen=True)
class ProviderConcernView:
    """What a provider sees of a concern: what was raised (by its staff) or the summary the council
    shared, and whether the council's work is still open. Never the triage, decision or enquiry."""

    reference: str
    person: str
    raised_at: dt.datetime
    raised_by: str
    description: str | None  # only for concerns the provider's own staff raised
    shared_summary: str | None
    shared_at: dt.datetime | None
    open: bool


def provider_concern_view(concern: SafeguardingConcern, *, provider_id: int) -> ProviderConcernView:
    raised_here = concern.raised_by_organisation_id == provider_id
    shared = concern.shared_with_provider and concern.provider_id == provider_id
    return ProviderConcernView(
        reference=concern.reference,
        person=concern.adult_label,
        raised_at=concern.raised_at,
        raised_by=concern.raiser_name if raised_here else "The council",
        description=concern.description if raised_here else None,
        shared_summary=concern.provider_summary if shared else None,
        shared_at=concern.shared_at if shared else None,
        open=concern.is_open,
    )


@dataclass(frozen=True)
class Msp:
    asked: str
    outcomes: str
    achieved: str
    feels_safe: str


def msp(enquiry: Enquiry | None) -> Msp | None:
    if enquiry is None:
        return None
    return Msp(
        asked=enquiry.get_msp_asked_display() or "Not recorded",
        outcomes=enquiry.msp_outcomes_expressed or enquiry.msp_not_asked_reason or "",
        achieved=enquiry.get_msp_achieved_display() or "Not recorded",
        feels_safe=enquiry.get_msp_feels_safe_display() or "Not recorded",
    )


@dataclass(frozen=True)
class ScoreLine:
    label: str
    detail: str
    points: str
    weight: str


def rating_label(quality: scoring.QualityScore) -> str:
    rating = quality.facts.cqc_rating
    return Rating(rating).label if rating in Rating.values else "Not yet rated"


def score_lines(quality: scoring.QualityScore, *, with_counts: bool) -> list[ScoreLine]:
    """The score's parts as the formula states them; providers see the outcomes part without counts
    (those include safeguarding enquiries not shared with them)."""
    facts = quality.facts
    cqc = rating_label(quality)
    qa = facts.qa_rag.title() if facts.qa_rag else "No published QA visit in the last 12 months"
    outcomes = (
        f"{facts.upheld} upheld and {facts.partly_upheld} partly upheld complaints; "
        f"{facts.substantiated} substantiated and {facts.partly_substantiated} partly substantiated enquiries"
        if with_counts
        else "Complaints upheld and safeguarding enquiries substantiated in the last 12 months"
    )
    w = quality.weights
    lines = [
        ScoreLine("CQC rating", cqc, f"{quality.cqc_points}", f"{w['cqc']}%"),
        ScoreLine("Council QA", qa, f"{quality.qa_points}", f"{w['qa']}%"),
        ScoreLine("Complaints and safeguarding", outcomes, f"{quality.outcomes_points}", f"{w['outcomes']}%"),
    ]
    if quality.feedback_points is not None:
        lines.append(
            ScoreLine(
                "Feedback from people and families",
                f"{facts.feedback_responses} responses in the last 12 months",
                f"{quality.feedback_points}",
                f"{w['feedback']}%",
            )
        )
    return lines
