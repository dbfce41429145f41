"""OPEL rules: each score comes with the reasons that produced it, and worse figures never score better."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from homecare.market import opel
from homecare.market.opel import DEFAULT_RULES, ProviderSituation, Rule

STEADY = ProviderSituation(
    staff_in_post=40,
    staff_absent=2,
    vacancies=2,
    ppe_stock_days=30,
    outbreak="none",
    can_take_new_packages=True,
    visits_due=400,
    visits_missed=0,
    bcp_age_days=100,
)


def situation(**changes) -> ProviderSituation:
    return dataclasses.replace(STEADY, **changes)


def test_a_provider_with_nothing_wrong_is_opel_1_with_no_reasons():
    score = opel.provider_score(STEADY, DEFAULT_RULES)
    assert (score.level, score.reasons, score.unknown) == (1, (), ())
    assert score.description.startswith("OPEL 1")


def test_staff_availability_below_a_threshold_raises_the_level_and_says_why():
    score = opel.provider_score(situation(staff_absent=9), DEFAULT_RULES)  # 31 of 40 = 77.5%
    assert score.level == 3
    assert [r.text for r in score.reasons] == ["Staff availability: 77.5%, below 80% (OPEL 3)"]


def test_the_highest_level_reached_wins_and_every_measure_that_fired_is_a_reason():
    score = opel.provider_score(
        situation(ppe_stock_days=2, outbreak="suspected", can_take_new_packages=False), DEFAULT_RULES
    )
    assert score.level == 4
    assert [(r.measure, r.level) for r in score.reasons] == [
        ("ppe_days", 4),
        ("outbreak", 2),
        ("not_taking_packages", 2),
    ]
    assert score.reasons[0].text == "PPE stock: 2 days, below 3 days (OPEL 4)"
    assert score.reasons[1].text == "A suspected outbreak (OPEL 2 from suspected outbreak)"
    assert score.reasons[2].text == "Not able to take new packages (OPEL 2)"


def test_missed_visits_vacancies_and_an_old_continuity_plan_count_too():
    score = opel.provider_score(
        situation(visits_missed=14, vacancies=10, bcp_age_days=400), DEFAULT_RULES
    )  # 3.5% missed, 10/50 = 20% vacancies
    assert score.level == 3
    texts = [r.text for r in score.reasons]
    assert "Missed visits: 3.5%, at or above 3% (OPEL 3)" in texts
    assert "Vacancy rate: 20%, at or above 20% (OPEL 3)" in texts
    assert "Business continuity plan last reviewed 400 days ago, 365 days or more (OPEL 2)" in texts


def test_a_figure_that_cannot_be_worked_out_is_listed_as_not_known_not_guessed():
    score = opel.provider_score(situation(staff_in_post=0, staff_absent=0, visits_due=0), DEFAULT_RULES)
    assert "Staff availability: not known" in score.unknown
    assert "Missed visits: not known" in score.unknown


def test_a_rule_switched_off_is_ignored():
    rules = [
        dataclasses.replace(r, active=False) if r.measure == "staff_availability" else r
        for r in DEFAULT_RULES
    ]
    assert opel.provider_score(situation(staff_absent=30), rules).level == 1


def test_values_are_rounded_half_up_to_one_place_before_comparing():
    assert opel.percent(1, 3) == Decimal("33.3")
    assert opel.percent(2, 3) == Decimal("66.7")
    assert opel.percent(1, 8) == Decimal("12.5")
    assert opel.percent(3, 0) is None
    # 899 of 1000 available = 89.9%, below 90; 8995/10000 rounds to 90.0, not below.
    assert opel.provider_score(situation(staff_in_post=1000, staff_absent=101), DEFAULT_RULES).level == 2
    assert opel.provider_score(situation(staff_in_post=10000, staff_absent=1005), DEFAULT_RULES).level == 1


def test_the_market_is_scored_from_its_providers():
    steady, pressed = STEADY, situation(staff_absent=16, can_take_new_packages=False)  # 60%: OPEL 4
    score = opel.market_score([steady, steady, steady, pressed], DEFAULT_RULES)
    values = opel.market_values([steady, steady, steady, pressed], [1, 1, 1, 4])
    assert values == {
        "market_staff_availability": Decimal("86.3"),  # 138 of 160
        "providers_opel_3_plus": Decimal("25.0"),
        "providers_not_taking_packages": Decimal("25.0"),
    }
    assert score.level == 3
    assert [r.text for r in score.reasons] == [
        "Providers at OPEL 3 or 4: 25%, at or above 25% (OPEL 3)",
        "Market staff availability: 86.3%, below 90% (OPEL 2)",
        "Providers not taking new packages: 25%, at or above 25% (OPEL 2)",
    ]


def test_a_market_with_no_reports_is_opel_1_with_every_measure_not_known():
    score = opel.market_score([], DEFAULT_RULES)
    assert score.level == 1 and len(score.unknown) == 3


def test_availability_against_the_benchmark_is_in_percentage_points():
    assert opel.availability_against(Decimal("87.5"), Decimal("90.0")) == Decimal("-2.5")
    assert opel.availability_against(None, Decimal("90")) is None


def test_the_default_rules_are_a_sound_table_with_every_measure_at_every_level():
    assert opel.rule_errors(DEFAULT_RULES) == {}
    assert {(r.measure, r.level) for r in DEFAULT_RULES} == {
        (m.key, level) for m in opel.MEASURES for level in opel.LEVELS
    }


def test_rule_thresholds_must_be_in_range_and_stricter_as_the_level_rises():
    def table(**changes):
        return [
            Rule(r.measure, r.level, Decimal(changes.get(r.key, r.threshold)), r.active)
            for r in DEFAULT_RULES
        ]

    assert set(opel.rule_errors(table(staff_availability_3="95"))) == {"staff_availability_3"}
    assert set(opel.rule_errors(table(missed_visits_4="2"))) == {"missed_visits_4"}
    assert set(opel.rule_errors(table(ppe_days_2="1.5"))) == {"ppe_days_2"}
    assert set(opel.rule_errors(table(vacancy_rate_2="120"))) == {"vacancy_rate_2"}
    assert set(opel.rule_errors(table(outbreak_2="3"))) == {"outbreak_2"}
    assert set(opel.rule_errors(table(not_taking_packages_2="0"))) == {"not_taking_packages_2"}
    # A switched-off rule does not constrain the others.
    off = [
        dataclasses.replace(r, active=False) if r.key == "staff_availability_3" else r for r in DEFAULT_RULES
    ]
    off = [
        dataclasses.replace(r, threshold=Decimal("95")) if r.key == "staff_availability_3" else r for r in off
    ]
    assert opel.rule_errors(off) == {}


# --- properties: worse figures never give a better OPEL -------------------------------------------------

KINDS = {m.key: m.kind for m in opel.MEASURES}


@st.composite
def rule_tables(draw):
    """Any rules table at all: thresholds need not even be sound (monotonicity must not depend on it)."""
    rules = []
    for measure in opel.MEASURES:
        for level in opel.LEVELS:
            if measure.kind == "percent":
                threshold = Decimal(draw(st.integers(0, 1000))) / 10
            elif measure.kind == "days":
                threshold = Decimal(draw(st.integers(0, 800)))
            elif measure.kind == "outbreak":
                threshold = Decimal(draw(st.integers(1, 2)))
            else:
                threshold = Decimal(1)
            rules.append(Rule(measure.key, level, threshold, draw(st.booleans())))
    return rules


@st.composite
def situations(draw):
    in_post = draw(st.integers(0, 300))
    due = draw(st.integers(0, 2000))
    return ProviderSituation(
        staff_in_post=in_post,
        staff_absent=draw(st.integers(0, in_post)),
        vacancies=draw(st.integers(0, 100)),
        ppe_stock_days=draw(st.integers(0, 120)),
        outbreak=draw(st.sampled_from(["none", "suspected", "confirmed"])),
        can_take_new_packages=draw(st.booleans()),
        visits_due=due,
        visits_missed=draw(st.integers(0, due)),
        bcp_age_days=draw(st.one_of(st.none(), st.integers(0, 1500))),
    )


ORDER = ["none", "suspected", "confirmed"]


@st.composite
def worsened(draw, s: ProviderSituation) -> ProviderSituation:
    """The same provider with any of its figures made worse (or left as they were)."""
    bcp = s.bcp_age_days
    return dataclasses.replace(
        s,
        staff_absent=draw(st.integers(s.staff_absent, s.staff_in_post)),
        vacancies=s.vacancies + draw(st.integers(0, 50)),
        ppe_stock_days=draw(st.integers(0, s.ppe_stock_days)),
        outbreak=draw(st.sampled_from(ORDER[ORDER.index(s.outbreak) :])),
        can_take_new_packages=s.can_take_new_packages and draw(st.booleans()),
        visits_missed=draw(st.integers(s.visits_missed, s.visits_due)),
        bcp_age_days=None if bcp is None else bcp + draw(st.integers(0, 400)),
    )


@settings(max_examples=400, deadline=None)
@given(data=st.data(), rules=rule_tables(), before=situations())
def test_a_provider_with_worse_figures_never_gets_a_better_opel(data, rules, before):
    after = data.draw(worsened(before))
    assert opel.provider_score(after, rules).level >= opel.provider_score(before, rules).level


@settings(max_examples=200, deadline=None)
@given(data=st.data(), rules=rule_tables(), market=st.lists(situations(), min_size=1, max_size=8))
def test_a_market_where_any_provider_gets_worse_never_gets_a_better_opel(data, rules, market):
    which = data.draw(st.integers(0, len(market) - 1))
    worse = list(market)
    worse[which] = data.draw(worsened(market[which]))
    assert opel.market_score(worse, rules).level >= opel.market_score(market, rules).level


@settings(max_examples=200, deadline=None)
@given(rules=rule_tables(), s=situations())
def test_the_level_is_always_1_to_4_and_above_1_only_with_a_reason_at_that_level(rules, s):
    score = opel.provider_score(s, rules)
    assert 1 <= score.level <= 4
    assert score.level == max([1, *(r.level for r in score.reasons)])
    assert all(r.text for r in score.reasons)
