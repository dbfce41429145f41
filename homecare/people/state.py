"""The package of care lifecycle, as one explicit state machine.

draft → awaiting provider → active ⇄ on hold (e.g. in hospital) → ended.
A draft or waiting package can also be ended (withdrawn). Every transition is written as an
immutable PackageStatusChange row by people.services.package_transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from homecare.people.models import PackageStatus as S


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
        Transition("submit", "Send to brokerage", frozenset({S.DRAFT}), S.AWAITING_PROVIDER),
        Transition("start", "Record provider start", frozenset({S.AWAITING_PROVIDER}), S.ACTIVE),
        Transition("hold", "Put on hold", frozenset({S.ACTIVE}), S.ON_HOLD, needs_reason=True),
        Transition("resume", "Resume", frozenset({S.ON_HOLD}), S.ACTIVE),
        Transition(
            "end",
            "End package",
            frozenset({S.DRAFT, S.AWAITING_PROVIDER, S.ACTIVE, S.ON_HOLD}),
            S.ENDED,
            needs_reason=True,
        ),
    )
}


# Steps people take by hand on the package page. Sending to brokerage and the provider start belong to
# brokerage (they open the waiting-list case and come from the award), so they are not offered here.
MANUAL_TRANSITIONS = frozenset({"hold", "resume", "end"})


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str):
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label.lower() if transition in TRANSITIONS else transition
        super().__init__(f"You cannot {label} while the package is {S(status).label.lower()}")


def transition_for(name: str, current: str) -> Transition:
    transition = TRANSITIONS.get(name)
    if transition is None or current not in transition.source:
        raise TransitionNotAllowed(name, current)
    return transition


def available_transitions(current: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if current in t.source]
