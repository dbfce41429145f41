"""The two lifecycles, as explicit state machines: a complaint and a safeguarding concern.

Complaint (within each stage): received → acknowledged → decision sent; then escalated to the next
stage (which starts "received" again), referred to the Ombudsman, or closed; withdrawn at any open point.
Provider-stage complaints may be escalated to the council before the provider decides (the complainant
may go to the council at any time; the council then takes it on).

Concern: new → triaged → (s42 decision) planning → enquiry → outcome → closed, or triaged → managed
outside safeguarding. A principal manager's decision on an "unsafe" escalation may reopen a closed
enquiry (closed → enquiry). Every transition writes an immutable status row (services).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from homecare.quality.models import ComplaintStage as St
from homecare.quality.models import ComplaintStatus as C
from homecare.quality.models import ConcernStatus as S


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: frozenset[str]
    target: str
    stages: frozenset[str] = frozenset(St.values)


class TransitionNotAllowed(ValidationError):
    """A step the record's current status does not allow: a ValidationError, so forms show it."""

    def __init__(self, label: str, status_label: str):
        super().__init__(f"You cannot {label.lower()} while it is {status_label.lower()}")


COUNCIL_STAGES = frozenset({St.COUNCIL_FIRST, St.COUNCIL_SECOND})
NEXT_STAGE = {St.PROVIDER: St.COUNCIL_FIRST, St.COUNCIL_FIRST: St.COUNCIL_SECOND}

COMPLAINT_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("acknowledge", "Acknowledge", frozenset({C.RECEIVED}), C.ACKNOWLEDGED),
        Transition("respond", "Send the decision", frozenset({C.ACKNOWLEDGED}), C.RESPONDED),
        Transition(
            "escalate",
            "Escalate to the next stage",
            # The provider stage may be escalated at any open point; council stages once decided.
            frozenset({C.RECEIVED, C.ACKNOWLEDGED, C.RESPONDED}),
            C.RECEIVED,
            stages=frozenset({St.PROVIDER, St.COUNCIL_FIRST}),
        ),
        Transition(
            "refer",
            "Refer to the Ombudsman",
            frozenset({C.RESPONDED}),
            C.WITH_OMBUDSMAN,
            stages=COUNCIL_STAGES,
        ),
        Transition(
            "ombudsman_decision",
            "Record the Ombudsman's decision",
            frozenset({C.WITH_OMBUDSMAN}),
            C.CLOSED,
            stages=frozenset({St.OMBUDSMAN}),
        ),
        Transition("close", "Close", frozenset({C.RESPONDED}), C.CLOSED),
        Transition(
            "withdraw",
            "Record that it was withdrawn",
            frozenset({C.RECEIVED, C.ACKNOWLEDGED, C.RESPONDED, C.WITH_OMBUDSMAN}),
            C.WITHDRAWN,
        ),
    )
}


def complaint_transition_for(name: str, *, stage: str, status: str) -> Transition:
    step = COMPLAINT_TRANSITIONS.get(name)
    if step is None:
        raise TransitionNotAllowed(name, C(status).label)
    allowed = status in step.source and stage in step.stages
    # A council stage is escalated only once its decision has been sent.
    if allowed and name == "escalate" and stage == St.COUNCIL_FIRST and status != C.RESPONDED:
        allowed = False
    if not allowed:
        raise TransitionNotAllowed(f"{step.label} the complaint", f"{St(stage).label}: {C(status).label}")
    return step


def complaint_available(*, stage: str, status: str) -> list[str]:
    names = []
    for name in COMPLAINT_TRANSITIONS:
        try:
            complaint_transition_for(name, stage=stage, status=status)
        except TransitionNotAllowed:
            continue
        names.append(name)
    return names


CONCERN_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("triage", "Triage the concern", frozenset({S.NEW}), S.TRIAGED),
        Transition("decide_enquiry", "Decide to make an enquiry", frozenset({S.TRIAGED}), S.PLANNING),
        Transition(
            "manage_outside", "Manage outside safeguarding", frozenset({S.TRIAGED}), S.MANAGED_OUTSIDE
        ),
        Transition("start_enquiry", "Start the enquiry", frozenset({S.PLANNING}), S.ENQUIRY),
        Transition("record_outcome", "Record the outcome", frozenset({S.ENQUIRY}), S.OUTCOME),
        Transition("close", "Close the enquiry", frozenset({S.OUTCOME}), S.CLOSED),
        Transition("reopen", "Reopen the enquiry", frozenset({S.CLOSED}), S.ENQUIRY),
    )
}


def concern_transition_for(name: str, status: str) -> Transition:
    step = CONCERN_TRANSITIONS.get(name)
    if step is None or status not in step.source:
        label = step.label if step else name
        raise TransitionNotAllowed(label, S(status).label)
    return step


def concern_available(status: str) -> list[str]:
    return [t.name for t in CONCERN_TRANSITIONS.values() if status in t.source]
