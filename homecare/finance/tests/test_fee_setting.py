"""Fee setting: the uplift and cost-of-care sums (property-tested), the services and the pages.

Personas on top of the suite's (homecare/conftest.py): Cora is Northbridge's commissioner and Fern its
finance officer, both set fees; Alice (a Northbridge practitioner) may not; Sid is Southwold's
commissioner and never sees Northbridge's records. Northbridge's live framework pays £24.20 an hour for
day care in urban and rural zones from 1 April 2025, plus waking night and sleep-in rates in urban zones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.finance import fee_setting
from homecare.finance import selectors_fee_setting as selectors
from homecare.finance.fee_setting import BandChoice, CostDrivers, UpliftTerms, WageBand
from homecare.finance.models import AgreedRate, UpliftStatus
from homecare.people.tests.factories import make_package, make_person, make_zone
from homecare.providers import selectors as provider_selectors
from homecare.providers import services as provider_services
from homecare.providers.tests.factories import make_framework

APRIL_2026 = dt.date(2026, 4, 1)
MIX = [
    BandChoice("National Minimum Wage 18-20", Decimal("12.8")),
    BandChoice("National Living Wage 21+", Decimal("87.2")),
]

# --- the sums, property-tested --------------------------------------------------------------------

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500.00"), places=2)
floors = st.decimals(min_value=Decimal("5.00"), max_value=Decimal("40.00"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@st.composite
def workforce(draw, *, rising: bool = True, unchanged: bool = False):
    """1 to 4 bands whose shares total exactly 100% (in hundredths of a percent)."""
    count = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    bands = []
    for i in range(count):
        old = draw(floors)
        rise = Decimal("0") if unchanged else draw(st.decimals(min_value=0, max_value=Decimal("5"), places=2))
        bands.append(
            WageBand(
                f"Band {i}", Decimal(bounds[i + 1] - bounds[i]) / 100, old, old + rise if rising else old
            )
        )
    return tuple(bands)


@given(money, workforce(), percent, st.decimals(min_value=0, max_value=Decimal("20"), places=2), percent)
def test_a_proposal_never_lowers_a_rate_when_wage_floors_rise_and_inflation_is_not_negative(
    rate, bands, pay_share, inflation, pension
):
    terms = UpliftTerms(bands, pay_share, inflation, pension)
    assert fee_setting.uplifted_rate(rate, terms) >= rate


@given(money, workforce(unchanged=True), percent, percent)
def test_no_change_in_wage_floors_and_no_inflation_leaves_every_rate_as_it_is(
    rate, bands, pay_share, pension
):
    terms = UpliftTerms(bands, pay_share, Decimal("0"), pension)
    assert fee_setting.uplifted_rate(rate, terms) == rate
    assert fee_setting.percent_change(rate, fee_setting.uplifted_rate(rate, terms)) == 0


@given(money, workforce(), percent, percent)
def test_a_proposed_rate_is_in_pounds_and_pence(rate, bands, pay_share, inflation):
    proposed = fee_setting.uplifted_rate(rate, UpliftTerms(bands, pay_share, inflation, Decimal("3")))
    assert proposed == proposed.quantize(Decimal("0.01"))


drivers = st.builds(
    CostDrivers,
    care_worker_hourly_pay=st.decimals(min_value=1, max_value=100, places=2),
    average_visit_minutes=st.integers(15, 720),
    travel_minutes_per_visit=st.decimals(min_value=0, max_value=240, places=1),
    miles_per_contact_hour=st.decimals(min_value=0, max_value=200, places=2),
    pence_per_mile=st.decimals(min_value=0, max_value=200, places=2),
    contact_hours_per_worker_week=st.decimals(min_value=1, max_value=80, places=2),
    training_hours_per_worker_year=st.decimals(min_value=0, max_value=1000, places=2),
    supervision_hours_per_worker_year=st.decimals(min_value=0, max_value=1000, places=2),
    holiday_pay_percent=st.decimals(min_value=0, max_value=50, places=2),
    employer_ni_percent=st.decimals(min_value=0, max_value=50, places=2),
    ni_threshold_annual=st.decimals(min_value=0, max_value=100000, places=2),
    pension_percent=st.decimals(min_value=0, max_value=50, places=2),
    pension_lower_limit_annual=st.decimals(min_value=0, max_value=100000, places=2),
    back_office_percent=st.decimals(min_value=0, max_value=200, places=2),
    surplus_percent=st.decimals(min_value=0, max_value=50, places=2),
)


@given(drivers)
def test_the_cost_of_care_components_sum_to_the_total_to_the_penny(model):
    breakdown = fee_setting.cost_of_care_breakdown(model)
    assert all(
        line.amount == line.amount.quantize(Decimal("0.01")) and line.amount >= 0 for line in breakdown.lines
    )
    assert breakdown.total == sum(amount for _, amount in breakdown.as_pairs())
    assert (
        breakdown.direct_total + sum(line.amount for line in breakdown.lines if not line.direct)
        == breakdown.total
    )


@given(st.lists(st.decimals(min_value=Decimal("0.01"), max_value=100, places=2), min_size=1, max_size=4))
def test_a_workforce_mix_is_refused_unless_it_totals_100_percent(shares):
    if sum(shares) == 100:
        fee_setting.validate_workforce_mix(shares)
    else:
        with pytest.raises(ValidationError, match="must total 100%"):
            fee_setting.validate_workforce_mix(shares)


def test_an_empty_or_zero_share_workforce_mix_is_refused():
    for shares in ([], [Decimal("0"), Decimal("100")]):
        with pytest.raises(ValidationError):
            fee_setting.validate_workforce_mix(shares)


def test_the_councils_published_mix_gives_the_expected_uplift():
    """NMW 18-20 £10.00 → £10.85 (12.8% of workers), NLW £12.21 → £12.71 (87.2%), 3% pension, 60% pay
    share, 3% inflation: w = 0.128 × 0.085 + 0.872 × 0.5 / 12.21 = 4.6588%; with pension 4.7986%;
    factor = 0.6 × 1.047986 + 0.4 × 1.03 = 1.040792, so £24.20 → £25.19 (half up)."""
    terms = UpliftTerms(
        (
            WageBand("NMW", Decimal("12.8"), Decimal("10.00"), Decimal("10.85")),
            WageBand("NLW", Decimal("87.2"), Decimal("12.21"), Decimal("12.71")),
        ),
        Decimal("60"),
        Decimal("3"),
        Decimal("3"),
    )
    assert fee_setting.to_penny(terms.weighted_wage_increase * 100) == Decimal("4.66")
    assert terms.overall_percent == Decimal("4.08")
    assert fee_setting.uplifted_rate(Decimal("24.20"), terms) == Decimal("25.19")
    assert fee_setting.uplifted_rate(Decimal("120.00"), terms) == Decimal("124.89")


def test_rounding_is_half_up_to_the_penny():
    assert fee_setting.to_penny(Decimal("25.185")) == Decimal("25.19")
    assert fee_setting.to_penny(Decimal("25.1849")) == Decimal("25.18")


def test_the_default_cost_model_breaks_down_as_stated():
    model = CostDrivers(
        care_worker_hourly_pay=Decimal("12.71"),
        average_visit_minutes=45,
        travel_minutes_per_visit=Decimal("10"),
        miles_per_contact_hour=Decimal("5"),
        pence_per_mile=Decimal("45"),
        contact_hours_per_worker_week=Decimal("25"),
        training_hours_per_worker_year=Decimal("20"),
        supervision_hours_per_worker_year=Decimal("12"),
    )
    lines = {line.key: line.amount for line in fee_setting.cost_of_care_breakdown(model).lines}
    # 12.71 × 10/45 = 2.8244; 12.71 × 32 / (25 × 46.54) = 0.3496; holiday 12.07% of 15.8840 = 1.9172
    assert lines["contact"] == Decimal("12.71")
    assert lines["travel"] == Decimal("2.82")
    assert lines["training"] == Decimal("0.35")
    assert lines["holiday"] == Decimal("1.92")
    # gross 17.8012; NI 15% × (17.8012 − 5000 / 1163.5) = 2.0256;
    # pension 3% × (17.8012 − 6240 / 1163.5) = 0.3731
    assert lines["ni"] == Decimal("2.03")
    assert lines["pension"] == Decimal("0.37")
    assert lines["mileage"] == Decimal("2.25")
    # direct 22.4499; back office 30% = 6.7350; surplus 3% of 29.1849 = 0.8755
    assert lines["back_office"] == Decimal("6.73")
    assert lines["surplus"] == Decimal("0.88")
    assert fee_setting.cost_of_care_breakdown(model).total == Decimal("30.06")


def test_the_ni_and_pension_thresholds_never_make_a_negative_cost():
    model = CostDrivers(
        care_worker_hourly_pay=Decimal("1"),
        average_visit_minutes=60,
        travel_minutes_per_visit=Decimal("0"),
        miles_per_contact_hour=Decimal("0"),
        pence_per_mile=Decimal("0"),
        contact_hours_per_worker_week=Decimal("1"),
        training_hours_per_worker_year=Decimal("0"),
        supervision_hours_per_worker_year=Decimal("0"),
    )
    lines = {line.key: line.amount for line in fee_setting.cost_of_care_breakdown(model).lines}
    assert lines["ni"] == 0 and lines["pension"] == 0


def test_the_comparison_shows_each_price_against_the_cost_of_care():
    rows = fee_setting.compare(
        cost=Decimal("30.00"),
        council_rates=[("Council day rate", Decimal("24.00"))],
        reference_prices=[("HCA 2025-26", Decimal("32.14"))],
    )
    assert [(r.kind, r.amount, r.difference, r.difference_percent) for r in rows] == [
        ("model", Decimal("30.00"), Decimal("0.00"), Decimal("0.00")),
        ("council", Decimal("24.00"), Decimal("-6.00"), Decimal("-20.00")),
        ("reference", Decimal("32.14"), Decimal("2.14"), Decimal("7.13")),
    ]


# --- services -------------------------------------------------------------------------------------


@pytest.fixture
def cora(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="cora", first_name="Cora")


@pytest.fixture
def fern(northbridge):
    return make_user(organisation=northbridge, role=Role.FINANCE_OFFICER, username="fern", first_name="Fern")


@pytest.fixture
def sid(southwold):
    return make_user(organisation=southwold, role=Role.COMMISSIONER, username="sid", first_name="Sid")


@pytest.fixture
def framework(northbridge, cora, acorn):
    framework = make_framework(council=northbridge, actor=cora, admitted=[acorn])
    urban = framework.lots.get(area_type="urban")
    for care_type, amount in (("waking_night", "21.50"), ("sleep_in", "120.00")):
        provider_services.rate_card_add(
            actor=cora,
            lot=urban,
            care_type=care_type,
            amount=Decimal(amount),
            effective_from=dt.date(2025, 4, 1),
            weekend_enhancement_percent=Decimal("10"),
        )
    return framework


@pytest.fixture
def reference_data(northbridge):
    fee_setting.seed_reference_data(council=northbridge)


@pytest.fixture
def scenario(framework, reference_data, cora, northbridge):
    return fee_setting.scenario_create(
        actor=cora,
        council=northbridge,
        framework=framework,
        name="2026-27 uplift",
        effective_from=APRIL_2026,
        bands=MIX,
        pay_share_percent=Decimal("60"),
        non_pay_inflation_percent=Decimal("3"),
        pension_percent=Decimal("3"),
    )


def test_seeding_reference_data_twice_adds_nothing_the_second_time(northbridge):
    first = fee_setting.seed_reference_data(council=northbridge)
    assert first == len(fee_setting.SEED_WAGE_FLOORS) + len(fee_setting.SEED_REFERENCE_PRICES)
    assert fee_setting.seed_reference_data(council=northbridge) == 0
    nlw = selectors.wage_floor_on(council=northbridge, name="National Living Wage 21+", on=APRIL_2026)
    assert nlw.hourly_amount == Decimal("12.71")


def test_a_drafted_scenario_copies_the_wage_floors_either_side_of_its_date(scenario):
    bands = {b.wage_floor_name: (b.share_percent, b.old_hourly, b.new_hourly) for b in scenario.bands.all()}
    assert bands == {
        "National Minimum Wage 18-20": (Decimal("12.80"), Decimal("10.00"), Decimal("10.85")),
        "National Living Wage 21+": (Decimal("87.20"), Decimal("12.21"), Decimal("12.71")),
    }
    assert scenario.status == UpliftStatus.DRAFT


def test_a_correction_to_a_wage_floor_is_a_new_entry_and_the_latest_wins(northbridge, cora, reference_data):
    fee_setting.wage_floor_add(
        actor=cora,
        council=northbridge,
        name="National Living Wage 21+",
        hourly_amount=Decimal("12.72"),
        effective_from=APRIL_2026,
    )
    nlw = selectors.wage_floor_on(council=northbridge, name="National Living Wage 21+", on=APRIL_2026)
    assert nlw.hourly_amount == Decimal("12.72")
    assert selectors.wage_floors(council=northbridge).filter(effective_from=APRIL_2026).count() == 5


def test_a_scenario_whose_workforce_mix_does_not_total_100_percent_is_refused(
    framework, reference_data, cora, northbridge
):
    with pytest.raises(ValidationError, match="must total 100%"):
        fee_setting.scenario_create(
            actor=cora,
            council=northbridge,
            framework=framework,
            name="Bad mix",
            effective_from=APRIL_2026,
            bands=[BandChoice("National Living Wage 21+", Decimal("90"))],
        )


def test_a_scenario_needs_a_wage_floor_in_force_before_its_date(framework, reference_data, cora, northbridge):
    with pytest.raises(
        ValidationError, match="no National Minimum Wage 18-20 rate in force on 31 March 2024"
    ):
        fee_setting.scenario_create(
            actor=cora,
            council=northbridge,
            framework=framework,
            name="Too early",
            effective_from=dt.date(2024, 4, 1),
            bands=MIX,
        )


def test_a_scenario_cannot_use_another_councils_framework(framework, southwold, sid, reference_data):
    fee_setting.seed_reference_data(council=southwold)
    with pytest.raises(ValidationError) as error:
        fee_setting.scenario_create(
            actor=sid, council=southwold, framework=framework, name="x", effective_from=APRIL_2026, bands=MIX
        )
    assert "framework" in error.value.error_dict


def test_the_proposal_uplifts_every_rate_in_force_the_day_before(scenario):
    rows = {
        (r.area_type, r.care_type): (r.current, r.proposed, r.change_percent)
        for r in fee_setting.uplift_proposal(scenario)
    }
    assert rows == {
        ("urban", "day"): (Decimal("24.20"), Decimal("25.19"), Decimal("4.09")),
        ("urban", "waking_night"): (Decimal("21.50"), Decimal("22.38"), Decimal("4.09")),
        ("urban", "sleep_in"): (Decimal("120.00"), Decimal("124.89"), Decimal("4.08")),
        ("rural", "day"): (Decimal("24.20"), Decimal("25.19"), Decimal("4.09")),
    }


def test_the_annual_cost_counts_the_live_package_book_by_payer(
    scenario, northbridge, bella, acorn, mary, alice
):
    # Mary: council-funded, 30 minutes a day = 3.5 hours a week in an urban zone.
    make_package(person=mary, actor=bella, status="active", provider=acorn)
    # Joan: joint-funded 60/40, also 3.5 hours a week, urban.
    joan = make_person(council=northbridge, actor=alice, zone=mary.zone, given_name="Joan")
    make_package(
        person=joan,
        actor=bella,
        status="active",
        provider=acorn,
        funding="joint",
        council_share=Decimal("60"),
        nhs_share=Decimal("40"),
    )
    # A draft package and a self-funder are not paid by the council through the framework.
    make_package(person=make_person(council=northbridge, actor=alice, zone=mary.zone), actor=bella)
    make_package(
        person=make_person(council=northbridge, actor=alice, zone=mary.zone, self_funder=True),
        actor=bella,
        status="active",
        provider=acorn,
        funding="self_funder",
    )
    cost = fee_setting.uplift_annual_cost(scenario)
    assert cost.packages == 2
    (row,) = cost.rows
    assert (row.area_type, row.care_type, row.weekly_units) == ("urban", "day", Decimal("7.00"))
    # Council: (3.5 + 2.1) × 52.14 × £0.99 = £289.06; NHS: 1.4 × 52.14 × £0.99 = £72.27.
    assert row.council_increase == Decimal("289.06")
    assert row.nhs_increase == Decimal("72.27")
    assert cost.annual_increase == Decimal("361.33")
    assert row.annual_cost_now == Decimal("8832.52")  # 7 × 52.14 × £24.20


def test_care_with_no_rate_on_the_framework_is_listed_as_unpriced(scenario, northbridge, alice, bella, acorn):
    hills = make_zone(council=northbridge, name="Hills", area_type="rural")
    framework = make_framework(
        council=northbridge, actor=scenario.created_by, area_types=["urban"], admitted=[acorn]
    )
    scenario = fee_setting.scenario_update(
        actor=scenario.created_by,
        scenario=scenario,
        framework=framework,
        name=scenario.name,
        effective_from=APRIL_2026,
        bands=MIX,
        pay_share_percent=Decimal("60"),
        non_pay_inflation_percent=Decimal("3"),
        pension_percent=Decimal("3"),
    )
    make_package(
        person=make_person(council=northbridge, actor=alice, zone=hills),
        actor=bella,
        status="active",
        provider=acorn,
    )
    cost = fee_setting.uplift_annual_cost(scenario)
    assert cost.rows == [] and cost.unpriced == [("rural", "day", Decimal("3.5"))]


def test_agreeing_adds_new_rate_cards_and_leaves_the_old_ones_in_force_until_then(scenario, fern, framework):
    cards_before = framework.rate_cards.count()
    cards = fee_setting.scenario_agree(actor=fern, scenario=scenario)
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.AGREED and scenario.agreed_by == fern
    assert len(cards) == 4 and framework.rate_cards.count() == cards_before + 4
    assert all(
        c.reason == "Annual uplift 2026 (2026-27 uplift)" and c.effective_from == APRIL_2026 for c in cards
    )
    urban = framework.lots.get(area_type="urban")
    before = provider_selectors.rate_card_on(
        framework=framework,
        lot=urban,
        area_type="urban",
        care_type="day",
        on=APRIL_2026 - dt.timedelta(days=1),
    )
    after = provider_selectors.rate_card_on(
        framework=framework, lot=urban, area_type="urban", care_type="day", on=APRIL_2026
    )
    assert (before.amount, after.amount) == (Decimal("24.20"), Decimal("25.19"))
    night = next(c for c in cards if c.care_type == "waking_night")
    assert night.weekend_enhancement_percent == Decimal("10")  # enhancements carried over
    assert AgreedRate.objects.filter(scenario=scenario).count() == 4


def test_a_scenario_is_agreed_once_and_never_changed_after(scenario, fern):
    fee_setting.scenario_agree(actor=fern, scenario=scenario)
    with pytest.raises(ValidationError, match="already been agreed"):
        fee_setting.scenario_agree(actor=fern, scenario=scenario)
    with pytest.raises(ValidationError, match="never changed"):
        fee_setting.scenario_update(
            actor=fern,
            scenario=scenario,
            framework=scenario.framework,
            name="x",
            effective_from=APRIL_2026,
            bands=MIX,
            pay_share_percent=Decimal("50"),
            non_pay_inflation_percent=Decimal("0"),
            pension_percent=Decimal("3"),
        )


def test_agreeing_is_all_or_nothing_when_a_rate_already_starts_that_day(scenario, fern, cora, framework):
    rural = framework.lots.get(area_type="rural")
    provider_services.rate_card_add(
        actor=cora, lot=rural, care_type="day", amount=Decimal("26.00"), effective_from=APRIL_2026
    )
    assert [r.already_priced for r in fee_setting.uplift_proposal(scenario)].count(True) == 1
    count = framework.rate_cards.count()
    with pytest.raises(ValidationError):
        fee_setting.scenario_agree(actor=fern, scenario=scenario)
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.DRAFT and framework.rate_cards.count() == count
    assert not AgreedRate.objects.exists()


def test_agreeing_without_adding_rates_leaves_the_framework_alone(scenario, fern, framework):
    count = framework.rate_cards.count()
    assert fee_setting.scenario_agree(actor=fern, scenario=scenario, add_rate_cards=False) == []
    assert framework.rate_cards.count() == count


def _cost_fields(**changes) -> dict:
    fields = {
        "name": "Urban 2026-27",
        "area_type": "urban",
        "care_worker_hourly_pay": Decimal("12.71"),
        "average_visit_minutes": 45,
        "travel_minutes_per_visit": Decimal("10"),
        "miles_per_contact_hour": Decimal("5"),
        "pence_per_mile": Decimal("45"),
        "contact_hours_per_worker_week": Decimal("25"),
        "training_hours_per_worker_year": Decimal("20"),
        "supervision_hours_per_worker_year": Decimal("12"),
        "holiday_pay_percent": Decimal("12.07"),
        "employer_ni_percent": Decimal("15"),
        "ni_threshold_annual": Decimal("5000"),
        "pension_percent": Decimal("3"),
        "pension_lower_limit_annual": Decimal("6240"),
        "back_office_percent": Decimal("30"),
        "surplus_percent": Decimal("3"),
    }
    return fields | changes


def test_a_cost_model_is_compared_with_the_councils_rate_and_the_latest_reference_prices(
    framework, reference_data, cora, northbridge
):
    model = fee_setting.cost_model_create(actor=cora, council=northbridge, **_cost_fields())
    rows = fee_setting.cost_model_comparison(model, on=dt.date(2026, 1, 10))
    assert rows[0].amount == Decimal("30.06")
    council = [r for r in rows if r.kind == "council"]
    assert [(r.amount, r.difference) for r in council] == [(Decimal("24.20"), Decimal("-5.86"))]
    hca = [r for r in rows if r.label.startswith("Homecare Association Minimum Price")]
    assert [(r.label, r.amount) for r in hca] == [
        ("Homecare Association Minimum Price 2026-27 (England)", Decimal("34.42"))
    ]


def test_a_cost_model_takes_the_published_rates_for_drivers_not_given(cora, northbridge):
    model = fee_setting.cost_model_create(actor=cora, council=northbridge, name="Quick", area_type="rural")
    assert (model.care_worker_hourly_pay, model.employer_ni_percent, model.pension_percent) == (
        Decimal("12.71"),
        Decimal("15"),
        Decimal("3"),
    )
    with pytest.raises(TypeError):
        fee_setting.cost_model_create(actor=cora, council=northbridge, name="x", area_type="rural", wages=1)


def test_a_cost_model_with_a_driver_out_of_bounds_is_refused(cora, northbridge):
    with pytest.raises(ValidationError) as error:
        fee_setting.cost_model_create(
            actor=cora, council=northbridge, **_cost_fields(average_visit_minutes=5, name=" ")
        )
    assert set(error.value.error_dict) == {"average_visit_minutes", "name"}


def test_a_reference_price_needs_a_financial_year(cora, northbridge):
    with pytest.raises(ValidationError, match="like 2025-26"):
        fee_setting.reference_price_add(
            actor=cora,
            council=northbridge,
            source="HCA",
            year="2025",
            amount=Decimal("32.14"),
            url="https://x.org",
        )
    with pytest.raises(ValidationError, match="must follow"):
        fee_setting.reference_price_add(
            actor=cora,
            council=northbridge,
            source="HCA",
            year="2025-27",
            amount=Decimal("32.14"),
            url="https://x.org",
        )


# --- pages ----------------------------------------------------------------------------------------


def _scenario_post(fw, **changes) -> dict:
    data = {
        "name": "2026-27 uplift",
        "framework": str(fw.pk),
        "effective_from_day": "1",
        "effective_from_month": "4",
        "effective_from_year": "2026",
        "band_1_floor": "National Minimum Wage 18-20",
        "band_1_share": "12.8",
        "band_2_floor": "National Living Wage 21+",
        "band_2_share": "87.2",
        "pay_share_percent": "60",
        "pension_percent": "3",
        "non_pay_inflation_percent": "3",
        "notes": "",
    }
    return data | changes


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client, scenario):
    for url in (reverse("finance:fee-setting"), reverse("finance:uplift", args=[scenario.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:sign-in") in response["Location"]


def test_a_practitioner_may_not_set_fees(client, alice, scenario):
    client.force_login(alice)
    for url in (
        reverse("finance:fee-setting"),
        reverse("finance:uplift-create"),
        reverse("finance:uplift", args=[scenario.pk]),
        reverse("finance:uplift-agree", args=[scenario.pk]),
        reverse("finance:wage-floors"),
        reverse("finance:reference-prices"),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("finance:uplift-agree", args=[scenario.pk]), {"confirm": "on"}).status_code == 403
    )


def test_another_councils_commissioner_cannot_find_northbridges_records(
    client, sid, scenario, cora, northbridge
):
    model = fee_setting.cost_model_create(actor=cora, council=northbridge, **_cost_fields())
    client.force_login(sid)
    for name, pk in (
        ("finance:uplift", scenario.pk),
        ("finance:uplift-edit", scenario.pk),
        ("finance:uplift-agree", scenario.pk),
        ("finance:cost-of-care", model.pk),
        ("finance:cost-of-care-edit", model.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
        assert client.post(reverse(name, args=[pk]), {"confirm": "on"}).status_code == 404, name
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.DRAFT
    response = client.get(reverse("finance:fee-setting"))
    assert response.status_code == 200 and b"2026-27 uplift" not in response.content


def test_a_commissioner_drafts_a_scenario_and_sees_the_proposal_and_its_cost(
    client, cora, framework, reference_data
):
    client.force_login(cora)
    assert client.get(reverse("finance:uplift-create")).status_code == 200
    response = client.post(reverse("finance:uplift-create"), _scenario_post(framework))
    assert response.status_code == 302
    scenario = selectors.scenarios_for_user(user=cora).get()
    page = client.get(response["Location"]).content.decode()
    assert "£25.19" in page and "£124.89" in page and "4.08%" in page
    assert "What it costs in a year" in page
    assert "2026-27 uplift" in client.get(reverse("finance:fee-setting")).content.decode()
    edit = client.post(
        reverse("finance:uplift-edit", args=[scenario.pk]), _scenario_post(framework, name="Renamed")
    )
    assert edit.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == "Renamed" and scenario.history.count() == 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"band_2_share": "80"}, "must total 100%"),
        ({"band_2_share": ""}, "Enter the share of care workers on National Living Wage 21+"),
        ({"band_1_floor": "Made-up wage"}, "Choose a wage floor from the list"),
        ({"band_1_share": "lots"}, "must be a number"),
        ({"pay_share_percent": "1e400"}, "must be 100 or less"),
        ({"pay_share_percent": "120"}, "must be 100 or less"),
        ({"effective_from_month": "13"}, "Enter a real date"),
        ({"framework": "999999"}, "Choose one of your frameworks"),
        ({"name": ""}, "This field is required"),
        ({"effective_from_year": "2020"}, "no National Minimum Wage 18-20 rate in force"),
        ({"effective_from_year": "0001", "effective_from_month": "1"}, "Enter a date from 2000 to 2099"),
    ],
)
def test_a_rejected_scenario_is_a_400_with_the_reason(
    client, cora, framework, reference_data, changes, message
):
    client.force_login(cora)
    response = client.post(reverse("finance:uplift-create"), _scenario_post(framework, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()


NASTY = ["", " ", "abc", "NaN", "Infinity", "-1", "1e400", "9" * 40, "0.001", "<script>", "12,5"]


def test_no_value_in_any_scenario_field_gives_a_server_error(client, cora, framework, reference_data):
    client.force_login(cora)
    for field in _scenario_post(framework):
        for value in NASTY:
            response = client.post(
                reverse("finance:uplift-create"), _scenario_post(framework, **{field: value})
            )
            assert response.status_code in (302, 400), (field, value, response.status_code)


def test_no_value_in_any_cost_model_field_gives_a_server_error(client, cora):
    client.force_login(cora)
    for field in _cost_post():
        for value in NASTY:
            response = client.post(reverse("finance:cost-of-care-create"), _cost_post(**{field: value}))
            assert response.status_code in (302, 400), (field, value, response.status_code)


def test_agreeing_needs_a_confirmation_then_adds_the_rates(client, fern, scenario, framework):
    client.force_login(fern)
    url = reverse("finance:uplift-agree", args=[scenario.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"add_rate_cards": "on"})
    assert response.status_code == 400 and "Confirm the council has agreed" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.DRAFT
    response = client.post(url, {"confirm": "on", "add_rate_cards": "on"})
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.AGREED
    page = client.get(reverse("finance:uplift", args=[scenario.pk])).content.decode()
    assert "Rates added when agreed" in page
    # An agreed scenario is never edited or agreed again: the pages send you back to it.
    assert client.get(reverse("finance:uplift-edit", args=[scenario.pk])).status_code == 302
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert AgreedRate.objects.count() == 4


def test_an_agreement_the_framework_refuses_is_a_400_and_changes_nothing(
    client, fern, cora, scenario, framework
):
    provider_services.rate_card_add(
        actor=cora,
        lot=framework.lots.get(area_type="rural"),
        care_type="day",
        amount=Decimal("26.00"),
        effective_from=APRIL_2026,
    )
    client.force_login(fern)
    response = client.post(
        reverse("finance:uplift-agree", args=[scenario.pk]), {"confirm": "on", "add_rate_cards": "on"}
    )
    assert response.status_code == 400 and "Rates are never changed" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.status == UpliftStatus.DRAFT


def _cost_post(**changes) -> dict:
    return {k: str(v) for k, v in _cost_fields().items()} | {"notes": ""} | changes


def test_a_cost_model_page_shows_the_breakdown_and_an_accessible_chart(
    client, cora, framework, reference_data
):
    client.force_login(cora)
    assert client.get(reverse("finance:cost-of-care-create")).status_code == 200
    response = client.post(reverse("finance:cost-of-care-create"), _cost_post())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "£30.06" in page and "Employer National Insurance" in page
    assert "<svg" in page and 'role="img"' in page and '<title id="chart-title">' in page
    assert "Homecare Association Minimum Price 2026-27 (England): £34.42 an hour" in page
    model = selectors.cost_models_for_user(user=cora).get()
    edit = client.post(
        reverse("finance:cost-of-care-edit", args=[model.pk]), _cost_post(care_worker_hourly_pay="13.00")
    )
    assert edit.status_code == 302
    model.refresh_from_db()
    assert model.care_worker_hourly_pay == Decimal("13.00")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"average_visit_minutes": "5"}, "must be 15 or more"),
        ({"contact_hours_per_worker_week": "0"}, "must be 1 or more"),
        ({"care_worker_hourly_pay": "abc"}, "must be a number"),
        ({"care_worker_hourly_pay": "99999999"}, "or less"),
        ({"area_type": "coastal"}, "Select a valid choice"),
    ],
)
def test_a_rejected_cost_model_is_a_400(client, cora, changes, message):
    client.force_login(cora)
    response = client.post(reverse("finance:cost-of-care-create"), _cost_post(**changes))
    assert response.status_code == 400 and message in response.content.decode()


def test_wage_floors_and_reference_prices_are_listed_and_added(client, fern, reference_data):
    client.force_login(fern)
    page = client.get(reverse("finance:wage-floors")).content.decode()
    assert "National Living Wage 21+" in page and "£12.71" in page
    response = client.post(
        reverse("finance:wage-floor-add"),
        {
            "name": "Real Living Wage",
            "hourly_amount": "13.45",
            "effective_from_day": "1",
            "effective_from_month": "5",
            "effective_from_year": "2026",
            "source_url": "",
        },
    )
    assert response.status_code == 302
    assert "Real Living Wage" in client.get(reverse("finance:wage-floors")).content.decode()
    bad = client.post(reverse("finance:wage-floor-add"), {"name": "X", "hourly_amount": "-1"})
    assert bad.status_code == 400
    page = client.get(reverse("finance:reference-prices")).content.decode()
    assert "£32.14" in page and "Homecare Association Minimum Price" in page
    bad = client.post(
        reverse("finance:reference-price-add"),
        {"source": "HCA", "year": "2026", "amount": "35", "url": "https://example.org"},
    )
    assert bad.status_code == 400 and "like 2025-26" in bad.content.decode()
    good = client.post(
        reverse("finance:reference-price-add"),
        {
            "source": "Local survey median",
            "year": "2025-26",
            "amount": "27.50",
            "url": "https://example.org/fcoc",
        },
    )
    assert good.status_code == 302
