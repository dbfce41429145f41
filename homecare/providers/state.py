"""The framework lifecycle, as one explicit state machine.

draft → open for applications → evaluating tenders → standstill → live → expired.
A challenge during standstill sends the framework back to evaluation. Every step is written as an
immutable FrameworkStatusChange row by providers.services.framework_transition, which also checks what
a step needs (going live needs admitted providers and rates).
"""

from __future__ import annotations

from dataclasses import dataclass

from homecare.providers.models import FrameworkStatus as S
from homecare.providers.models import SubcontractingStatus as Sub


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: frozenset[str]
    target: str
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("open", "Open for applications", frozenset({S.DRAFT}), S.OPEN_FOR_APPLICATIONS),
        Transition(
            "evaluate", "Close applications and evaluate", frozenset({S.OPEN_FOR_APPLICATIONS}), S.EVALUATING
        ),
        Transition("standstill", "Announce decisions (standstill)", frozenset({S.EVALUATING}), S.STANDSTILL),
        Transition(
            "reevaluate", "Return to evaluation", frozenset({S.STANDSTILL}), S.EVALUATING, needs_reason=True
        ),
        Transition("go_live", "Go live", frozenset({S.STANDSTILL}), S.LIVE),
        Transition("expire", "Expire the framework", frozenset({S.LIVE}), S.EXPIRED, needs_reason=True),
    )
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str):
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label.lower() if transition in TRANSITIONS else transition
        super().__init__(f"You cannot {label} while the framework is {S(status).label.lower()}")


def transition_for(name: str, current: str) -> Transition:
    transition = TRANSITIONS.get(name)
    if transition is None or current not in transition.source:
        raise TransitionNotAllowed(name, current)
    return transition


def available_transitions(current: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if current in t.source]


# --- subcontracting ------------------------------------------------------------------------------
# proposed → approved | refused; approved → suspended → approved (reinstated); any live → ended.
# Written as immutable SubcontractingStatusChange rows by providers.subcontracting.subcontracting_decide.

SUBCONTRACTING_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("approve", "Approve the subcontractor", frozenset({Sub.PROPOSED}), Sub.APPROVED),
        Transition(
            "refuse", "Refuse the subcontractor", frozenset({Sub.PROPOSED}), Sub.REFUSED, needs_reason=True
        ),
        Transition(
            "suspend",
            "Suspend the subcontractor from new work",
            frozenset({Sub.APPROVED}),
            Sub.SUSPENDED,
            needs_reason=True,
        ),
        Transition(
            "reinstate", "Lift the suspension", frozenset({Sub.SUSPENDED}), Sub.APPROVED, needs_reason=True
        ),
        Transition(
            "end",
            "End the subcontracting",
            frozenset({Sub.PROPOSED, Sub.APPROVED, Sub.SUSPENDED}),
            Sub.ENDED,
            needs_reason=True,
        ),
    )
}


class SubcontractingTransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str):
        self.transition, self.status = transition, status
        step = SUBCONTRACTING_TRANSITIONS.get(transition)
        label = step.label.lower() if step else transition
        super().__init__(f"You cannot {label} while it is {Sub(status).label.lower()}")


def subcontracting_transition_for(name: str, current: str) -> Transition:
    transition = SUBCONTRACTING_TRANSITIONS.get(name)
    if transition is None or current not in transition.source:
        raise SubcontractingTransitionNotAllowed(name, current)
    return transition


def subcontracting_transitions(current: str) -> list[Transition]:
    return [t for t in SUBCONTRACTING_TRANSITIONS.values() if current in t.source]
