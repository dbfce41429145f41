"""The award ranking: transparent and configurable (settings.BROKERAGE_RANKING), pure Python.

Default order: continuity with a provider already caring for the person, then earliest start, then the
council's current provider quality score (quality/scoring.py: CQC rating, QA visits, upheld complaints and
substantiated safeguarding enquiries), then the tender's quality score, then its price score (a higher
price score means a lower price).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_RANKING = ("continuity", "earliest_start", "provider_quality", "quality", "price")
CRITERIA_LABELS = {
    "continuity": "already provides care to the person",
    "earliest_start": "earliest start",
    "provider_quality": "the council's quality score",
    "quality": "quality score",
    "price": "price score",
}


@dataclass(frozen=True)
class Candidate:
    offer_id: int
    provider: str
    continuity: bool
    earliest_start: dt.date
    quality: Decimal
    price: Decimal
    # The council's current quality score, 0-100 (quality.scoring); by default the score of a provider
    # about whom nothing is known yet (quality.scoring.NEUTRAL).
    provider_quality: Decimal = Decimal("60.0")


def _key(candidate: Candidate, criteria: tuple[str, ...]):
    parts = []
    for criterion in criteria:
        if criterion == "continuity":
            parts.append(0 if candidate.continuity else 1)
        elif criterion == "earliest_start":
            parts.append(candidate.earliest_start.toordinal())
        elif criterion == "provider_quality":
            parts.append(-candidate.provider_quality)
        elif criterion == "quality":
            parts.append(-candidate.quality)
        elif criterion == "price":
            parts.append(-candidate.price)
        else:
            raise ValueError(f"Unknown ranking criterion: {criterion}")
    parts.append(candidate.provider)  # a stable, explainable tie-break
    return tuple(parts)


def rank(candidates: list[Candidate], criteria: tuple[str, ...] = DEFAULT_RANKING) -> list[Candidate]:
    return sorted(candidates, key=lambda c: _key(c, criteria))


def describe(criteria: tuple[str, ...] = DEFAULT_RANKING) -> str:
    return ", then ".join(CRITERIA_LABELS[c] for c in criteria)
