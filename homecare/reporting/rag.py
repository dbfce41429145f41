"""Red, amber, green against a target, for measures where higher or lower is better.

Higher is better: at or above the target is green, at or above the amber threshold (below the target)
is amber, anything lower red. Lower is better mirrors it. No value (no data, or nothing to count) is
"no data", never green. A value exactly on the target or on the threshold takes the better colour: the
committee's targets read "at least 95%" and "no more than 2%".

Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "none": "No data"}[self.value]


def classify(value: Decimal | None, *, target: Decimal, amber: Decimal, polarity: Polarity) -> Rag:
    if value is None:
        return Rag.NONE
    if polarity == Polarity.HIGHER:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= amber else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= amber else Rag.RED


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NONE = "none"


@dataclass(frozen=True)
class Trend:
    direction: Direction
    improving: bool | None  # None when flat or unknown

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→", "none": "–"}[self.direction.value]

    @property
    def words(self) -> str:
        if self.direction == Direction.NONE:
            return "No trend yet"
        if self.direction == Direction.SAME:
            return "No change"
        verb = "Up" if self.direction == Direction.UP else "Down"
        return f"{verb}, {'improving' if self.improving else 'worsening'}"


def trend(previous: Decimal | None, latest: Decimal | None, *, polarity: Polarity) -> Trend:
    """Latest month against the one before it."""
    if previous is None or latest is None:
        return Trend(Direction.NONE, None)
    if latest == previous:
        return Trend(Direction.SAME, None)
    up = latest > previous
    return Trend(Direction.UP if up else Direction.DOWN, up == (polarity == Polarity.HIGHER))
