"""The provider quality score: the council's current view of a provider, out of 100, for brokerage.

    score = 40% × CQC points + 40% × QA points + 20% × outcomes points                (no feedback yet)
    score = 35% × CQC points + 35% × QA points + 15% × outcomes points + 15% × feedback points

- **CQC points** from the current CQC rating: Outstanding 100, Good 80, Requires Improvement 40,
  Inadequate 0; not yet rated 50.
- **QA points** from the RAG of the council's latest *published* QA visit or contract-monitoring
  review in the last 12 months: Green 100, Amber 60, Red 20; none in that time 50.
- **Outcomes points**, from complaints and safeguarding about the provider decided in the last 12
  months: 100 − 20 per upheld complaint − 10 per partly upheld − 25 per substantiated s42/other enquiry −
  10 per partly substantiated, never below 0.
- **Feedback points**, from people's and families' feedback surveys about the provider in the last 12
  months (outcomes app): the mean answer on the 1–5 scale as points out of 100. Counted only from
  `settings.OUTCOMES_FEEDBACK_MIN_RESPONSES` responses (default 5): fewer are noise, and a provider
  with none keeps the three-part score exactly (the weights are renormalised, not padded with 50).
- Unknowns score 50 (neither rewarded nor punished): a new provider is not ranked above a Good one
  it has never been compared with, nor below one rated Requires Improvement.

The result is a Decimal rounded half-up to one decimal place. Brokerage uses it after continuity and
earliest start, before the tender's quality score (settings.BROKERAGE_RANKING), so a provider whose
current quality has fallen is not ranked first because of how it scored at tender years ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CQC_POINTS = {
    "outstanding": Decimal(100),
    "good": Decimal(80),
    "requires_improvement": Decimal(40),
    "inadequate": Decimal(0),
}
QA_POINTS = {"green": Decimal(100), "amber": Decimal(60), "red": Decimal(20)}
UNKNOWN_POINTS = Decimal(50)
WEIGHTS = {"cqc": Decimal(40), "qa": Decimal(40), "outcomes": Decimal(20)}
WEIGHTS_WITH_FEEDBACK = {
    "cqc": Decimal(35),
    "qa": Decimal(35),
    "outcomes": Decimal(15),
    "feedback": Decimal(15),
}
PENALTIES = {
    "upheld": Decimal(20),
    "partly_upheld": Decimal(10),
    "substantiated": Decimal(25),
    "partly_substantiated": Decimal(10),
}
LOOKBACK_DAYS = 365
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class QualityFacts:
    """What the score is computed from (plain values, so the rule has no database)."""

    cqc_rating: str | None = None
    qa_rag: str | None = None
    upheld: int = 0
    partly_upheld: int = 0
    substantiated: int = 0
    partly_substantiated: int = 0
    # From feedback surveys (outcomes app): how many responses, and their points out of 100.
    feedback_responses: int = 0
    feedback_points: Decimal | None = None
    feedback_minimum: int = 5


@dataclass(frozen=True)
class QualityScore:
    facts: QualityFacts
    cqc_points: Decimal
    qa_points: Decimal
    outcomes_points: Decimal
    score: Decimal
    feedback_points: Decimal | None = None

    @property
    def weights(self) -> dict[str, Decimal]:
        return WEIGHTS if self.feedback_points is None else WEIGHTS_WITH_FEEDBACK


def outcomes_points(facts: QualityFacts) -> Decimal:
    penalty = (
        PENALTIES["upheld"] * facts.upheld
        + PENALTIES["partly_upheld"] * facts.partly_upheld
        + PENALTIES["substantiated"] * facts.substantiated
        + PENALTIES["partly_substantiated"] * facts.partly_substantiated
    )
    return max(Decimal(0), Decimal(100) - penalty)


def score(facts: QualityFacts) -> QualityScore:
    cqc = CQC_POINTS.get(facts.cqc_rating or "", UNKNOWN_POINTS)
    qa = QA_POINTS.get(facts.qa_rag or "", UNKNOWN_POINTS)
    outcomes = outcomes_points(facts)
    feedback = (
        facts.feedback_points
        if facts.feedback_points is not None and facts.feedback_responses >= max(1, facts.feedback_minimum)
        else None
    )
    w = WEIGHTS if feedback is None else WEIGHTS_WITH_FEEDBACK
    total = cqc * w["cqc"] + qa * w["qa"] + outcomes * w["outcomes"]
    if feedback is not None:
        total += feedback * w["feedback"]
    return QualityScore(
        facts=facts,
        cqc_points=cqc,
        qa_points=qa,
        outcomes_points=outcomes,
        score=(total / Decimal(100)).quantize(_TENTH, rounding=ROUND_HALF_UP),
        feedback_points=feedback,
    )


NEUTRAL = score(QualityFacts())
