"""A rota plan's lifecycle as an explicit state machine (each move writes an immutable status row).

draft → solving → ready → published; solving → failed; ready or failed → solving (plan again);
published → superseded (a newer plan for the same days, e.g. a re-plan after sickness, was published).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from homecare.rostering.models import PlanStatus as S

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "solve": (frozenset({S.DRAFT, S.READY, S.FAILED}), S.SOLVING),
    "finish": (frozenset({S.SOLVING}), S.READY),
    "fail": (frozenset({S.SOLVING}), S.FAILED),
    "publish": (frozenset({S.READY}), S.PUBLISHED),
    "supersede": (frozenset({S.PUBLISHED}), S.SUPERSEDED),
}
LABELS = {
    "solve": "plan this rota",
    "finish": "finish planning",
    "fail": "record a failed plan",
    "publish": "publish this rota",
    "supersede": "replace this rota",
}


def target(transition: str, current: str) -> str:
    """The status a transition leads to, or a ValidationError naming what is wrong."""
    sources, to = TRANSITIONS[transition]
    if current not in sources:
        raise ValidationError(f"You cannot {LABELS[transition]} while it is {S(current).label.lower()}")
    return to
