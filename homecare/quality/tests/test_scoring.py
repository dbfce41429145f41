"""The provider quality score's formula (quality/scoring.py), at its edges."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from homecare.quality import scoring
from homecare.quality.scoring import QualityFacts

ratings = st.sampled_from([None, "outstanding", "good", "requires_improvement", "inadequate"])
rags = st.sampled_from([None, "green", "amber", "red"])
counts = st.integers(0, 8)
facts = st.builds(QualityFacts, ratings, rags, counts, counts, counts, counts)
RATING_ORDER = ["inadequate", "requires_improvement", "good", "outstanding"]


def test_a_provider_nothing_is_known_about_scores_the_neutral_sixty():
    assert scoring.score(QualityFacts()).score == Decimal("60.0")


def test_the_score_is_forty_forty_twenty_of_its_parts():
    result = scoring.score(QualityFacts(cqc_rating="good", qa_rag="amber", upheld=1, partly_substantiated=1))
    # 40% × 80 + 40% × 60 + 20% × (100 − 20 − 10) = 32 + 24 + 14
    assert result.score == Decimal("70.0")


def test_an_outstanding_green_provider_with_a_clean_year_scores_100_and_inadequate_red_can_reach_0():
    assert scoring.score(QualityFacts("outstanding", "green")).score == Decimal("100.0")
    worst = QualityFacts("inadequate", "red", upheld=5)
    assert scoring.score(worst).score == Decimal("8.0")  # QA red keeps 20 points: 40% of 20


@given(facts)
def test_the_score_is_between_0_and_100_to_one_decimal_place(f):
    result = scoring.score(f)
    assert Decimal(0) <= result.score <= Decimal(100)
    assert result.score == result.score.quantize(Decimal("0.1"))
    assert result.outcomes_points >= 0


@given(facts, st.sampled_from(["upheld", "partly_upheld", "substantiated", "partly_substantiated"]))
def test_one_more_upheld_complaint_or_substantiated_enquiry_never_raises_the_score(f, field):
    worse = QualityFacts(**{**f.__dict__, field: getattr(f, field) + 1})
    assert scoring.score(worse).score <= scoring.score(f).score


@given(facts, st.sampled_from(RATING_ORDER), st.sampled_from(RATING_ORDER))
def test_a_better_cqc_rating_never_lowers_the_score(f, a, b):
    low, high = sorted([a, b], key=RATING_ORDER.index)
    assert (
        scoring.score(QualityFacts(**{**f.__dict__, "cqc_rating": low})).score
        <= scoring.score(QualityFacts(**{**f.__dict__, "cqc_rating": high})).score
    )


def test_feedback_counts_fifteen_percent_once_there_are_enough_responses():
    few = QualityFacts("good", "amber", feedback_responses=4, feedback_points=Decimal("100"))
    # 40% × 80 + 40% × 60 + 20% × 100: four responses are too few to count
    assert scoring.score(few).score == scoring.score(QualityFacts("good", "amber")).score == Decimal("76.0")
    assert scoring.score(few).feedback_points is None
    enough = QualityFacts("good", "amber", feedback_responses=5, feedback_points=Decimal("90"))
    # 35% × 80 + 35% × 60 + 15% × 100 + 15% × 90 = 28 + 21 + 15 + 13.5
    assert scoring.score(enough).score == Decimal("77.5")
    assert scoring.score(enough).weights == scoring.WEIGHTS_WITH_FEEDBACK


@given(facts, st.integers(5, 50), st.decimals(0, 100, places=1), st.decimals(0, 100, places=1))
def test_better_feedback_never_lowers_the_score(f, n, a, b):
    low, high = sorted([a, b])
    with_low = QualityFacts(**{**f.__dict__, "feedback_responses": n, "feedback_points": low})
    with_high = QualityFacts(**{**f.__dict__, "feedback_responses": n, "feedback_points": high})
    assert Decimal(0) <= scoring.score(with_low).score <= scoring.score(with_high).score <= Decimal(100)
