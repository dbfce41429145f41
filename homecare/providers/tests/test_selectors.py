"""What brokerage asks the framework: who may be offered a package, why not, and at what rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.accounts.tests.factories import make_provider, make_user
from homecare.people.tests.factories import make_zone
from homecare.providers import selectors, services
from homecare.providers.models import RateCard
from homecare.providers.tests.factories import declare_capacity, make_framework

ON = dt.date(2026, 6, 10)  # a Wednesday


def names(eligible) -> list[str]:
    return [e.provider.name for e in eligible]


def eligible(council, zone, **kwargs):
    return selectors.eligible_providers(council=council, zone=zone, on=kwargs.pop("on", ON), **kwargs)


# --- eligibility --------------------------------------------------------------------------------


def test_admitted_providers_with_capacity_are_eligible_best_score_first(northbridge, clara, zone):
    ash, bay, cob = make_provider("Ash Care"), make_provider("Bay Care"), make_provider("Cob Care")
    make_framework(
        council=northbridge,
        actor=clara,
        admitted=[ash, bay, cob],
        scores={ash: ("60", "60"), bay: ("90", "80"), cob: ("60", "60")},
    )
    for provider in (ash, bay, cob):
        declare_capacity(provider=provider, zone=zone, actor=clara, hours="35")
    result = eligible(northbridge, zone)
    assert names(result) == ["Bay Care", "Ash Care", "Cob Care"]
    assert result[0].weighted_score == Decimal("86.00")  # 90 × 60% + 80 × 40%
    assert result[0].capacity_hours == Decimal("35.00")
    assert result[0].lot.area_type == "urban"


def test_a_suspended_provider_is_excluded_and_included_again_once_the_suspension_ends(
    northbridge, clara, framework, zone, acorn
):
    suspension = services.suspension_start(
        actor=clara, provider=acorn, council=northbridge, reason="Safeguarding", starts_on=ON
    )
    assert "Acorn Homecare" not in names(eligible(northbridge, zone))
    assert "Acorn Homecare" in names(eligible(northbridge, zone, on=ON - dt.timedelta(days=1)))
    services.suspension_end(
        actor=clara, suspension=suspension, ended_on=ON + dt.timedelta(days=7), end_reason="Fixed"
    )
    assert "Acorn Homecare" not in names(eligible(northbridge, zone, on=ON + dt.timedelta(days=6)))
    assert "Acorn Homecare" in names(eligible(northbridge, zone, on=ON + dt.timedelta(days=7)))


def test_another_councils_suspension_does_not_exclude_the_provider(
    northbridge, southwold, clara, framework, zone, acorn
):
    southwold_commissioner = make_user(organisation=southwold, role="commissioner")
    services.suspension_start(
        actor=southwold_commissioner, provider=acorn, council=southwold, reason="Late visits", starts_on=ON
    )
    assert "Acorn Homecare" in names(eligible(northbridge, zone))


def test_a_barred_rating_excludes_the_provider_only_when_the_framework_bars_it(
    northbridge, clara, framework, zone, acorn
):
    services.rating_record(actor=clara, provider=acorn, rating="requires_improvement", rated_on=ON)
    assert "Acorn Homecare" in names(eligible(northbridge, zone))  # bars only Inadequate
    services.framework_set_barred_ratings(
        actor=clara,
        framework=framework,
        barred_ratings=["requires_improvement", "inadequate"],
        reason="Policy",
    )
    assert "Acorn Homecare" not in names(eligible(northbridge, zone))


def test_only_the_current_rating_counts(northbridge, clara, framework, zone, acorn):
    services.rating_record(actor=clara, provider=acorn, rating="inadequate", rated_on=dt.date(2024, 1, 5))
    services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2025, 9, 1))
    result = {e.provider.name: e for e in eligible(northbridge, zone)}
    assert result["Acorn Homecare"].cqc_rating == "good"


def test_no_capacity_in_the_zone_excludes_the_provider_unless_widened(
    northbridge, clara, framework, zone, acorn
):
    declare_capacity(provider=acorn, zone=zone, actor=clara, hours="0")
    assert "Acorn Homecare" not in names(eligible(northbridge, zone))
    widened = {e.provider.name: e for e in eligible(northbridge, zone, widen=True)}
    assert widened["Acorn Homecare"].capacity_hours == Decimal("0")


def test_a_provider_that_never_declared_capacity_is_found_only_when_widened(northbridge, clara, framework):
    elsewhere = make_zone(council=northbridge, name="Eastfield")
    assert eligible(northbridge, elsewhere) == []
    assert set(names(eligible(northbridge, elsewhere, widen=True))) == {
        "Acorn Homecare",
        "Birch Care Services",
    }


def test_a_framework_that_is_not_live_offers_nobody(northbridge, clara, zone):
    for status in ("evaluating", "standstill", "expired"):
        provider = make_provider(f"Provider {status}")
        make_framework(council=northbridge, actor=clara, status=status, admitted=[provider])
        declare_capacity(provider=provider, zone=zone, actor=clara)
    assert eligible(northbridge, zone) == []


def test_another_councils_framework_offers_nobody_here(northbridge, southwold, clara, zone, acorn):
    southwold_commissioner = make_user(organisation=southwold, role="commissioner")
    make_framework(council=southwold, actor=southwold_commissioner, admitted=[acorn])
    declare_capacity(provider=acorn, zone=zone, actor=clara)
    assert eligible(northbridge, zone) == []


def test_rural_zones_are_served_by_rural_lots_and_urban_by_urban(northbridge, clara, zone, rural_zone):
    town, country = make_provider("Town Care"), make_provider("Country Care")
    make_framework(council=northbridge, actor=clara, admitted=[town], area_types=["urban"])
    make_framework(council=northbridge, actor=clara, admitted=[country], area_types=["rural"])
    for provider in (town, country):
        for z in (zone, rural_zone):
            declare_capacity(provider=provider, zone=z, actor=clara)
    assert names(eligible(northbridge, zone)) == ["Town Care"]
    assert names(eligible(northbridge, rural_zone)) == ["Country Care"]


def test_a_provider_not_admitted_or_not_admitted_for_the_service_is_excluded(
    northbridge, clara, zone, framework
):
    outsider, night_only = make_provider("Outsider Care"), make_provider("Night Owls")
    make_framework(
        council=northbridge, actor=clara, admitted=[night_only], service="night_care", area_types=["urban"]
    )
    for provider in (outsider, night_only):
        declare_capacity(provider=provider, zone=zone, actor=clara)
    assert set(names(eligible(northbridge, zone))) == {"Acorn Homecare", "Birch Care Services"}
    assert names(eligible(northbridge, zone, service="night_care")) == ["Night Owls"]


def test_eligibility_costs_the_same_few_queries_for_many_providers(
    northbridge, clara, zone, django_assert_max_num_queries
):
    providers = [make_provider(f"Provider {i:02d}") for i in range(25)]
    make_framework(council=northbridge, actor=clara, admitted=providers, area_types=["urban"])
    for provider in providers:
        declare_capacity(provider=provider, zone=zone, actor=clara)
        services.rating_record(actor=clara, provider=provider, rating="good", rated_on=ON)
    with django_assert_max_num_queries(2):
        result = eligible(northbridge, zone)
        [(e.provider.name, e.framework.name, e.lot.name) for e in result]
    assert len(result) == 25


# --- why not ------------------------------------------------------------------------------------


def test_the_reason_is_none_for_an_eligible_provider(northbridge, framework, zone, acorn):
    assert selectors.ineligibility_reason(provider=acorn, council=northbridge, zone=zone, on=ON) is None


def test_the_reason_names_a_suspension_and_its_review_date(northbridge, clara, framework, zone, acorn):
    services.suspension_start(
        actor=clara,
        provider=acorn,
        council=northbridge,
        reason="Missed visits",
        starts_on=ON,
        review_on=dt.date(2027, 3, 3),
    )
    assert (
        selectors.ineligibility_reason(provider=acorn, council=northbridge, zone=zone, on=ON)
        == "Acorn Homecare is suspended from new placements (review on 3 March 2027)"
    )


def test_the_reason_names_a_barred_rating(northbridge, clara, framework, zone, acorn):
    services.rating_record(actor=clara, provider=acorn, rating="inadequate", rated_on=ON)
    assert (
        selectors.ineligibility_reason(provider=acorn, council=northbridge, zone=zone, on=ON)
        == "Acorn Homecare is rated Inadequate, which this framework bars"
    )


def test_the_reason_says_the_provider_is_not_admitted_for_the_zones_area_type(northbridge, clara, rural_zone):
    town = make_provider("Town Care")
    make_framework(council=northbridge, actor=clara, admitted=[town], area_types=["urban"])
    assert (
        selectors.ineligibility_reason(provider=town, council=northbridge, zone=rural_zone, on=ON)
        == "Town Care is not admitted to a live homecare lot for rural zones"
    )


# --- lots and ratings ---------------------------------------------------------------------------


def test_the_live_lot_matches_the_zones_area_type(northbridge, framework, zone, rural_zone, southwold):
    assert selectors.live_lot_for(council=northbridge, zone=zone, on=ON).area_type == "urban"
    assert selectors.live_lot_for(council=northbridge, zone=rural_zone, on=ON).area_type == "rural"
    assert selectors.live_lot_for(council=northbridge, zone=zone, on=ON, service="reablement") is None
    assert selectors.live_lot_for(council=southwold, zone=make_zone(council=southwold), on=ON) is None


def test_the_current_rating_is_the_one_with_the_latest_date_whatever_order_it_was_recorded(clara, acorn):
    assert selectors.current_rating(provider=acorn) is None
    services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2025, 5, 1))
    services.rating_record(actor=clara, provider=acorn, rating="inadequate", rated_on=dt.date(2023, 5, 1))
    assert selectors.current_rating(provider=acorn).rating == "good"
    assert acorn.cqc_ratings.count() == 2


# --- rates --------------------------------------------------------------------------------------


def _quote(framework, lot, on, care_type="day"):
    return selectors.rate_for(
        framework=framework, lot=lot, area_type=lot.area_type, care_type=care_type, on=on
    )


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(effective_dates=st.sets(dates, min_size=1, max_size=6), query=dates)
def test_the_rate_on_a_date_is_the_card_with_the_latest_effective_date_on_or_before_it(
    clara, northbridge, acorn, effective_dates, query
):
    with transaction.atomic():
        framework = make_framework(
            council=northbridge, actor=clara, status="evaluating", area_types=["rural"]
        )
        lot = framework.lots.get()
        for i, day in enumerate(sorted(effective_dates)):
            services.rate_card_add(
                actor=clara,
                lot=lot,
                care_type="waking_night",
                amount=Decimal("20.00") + i,
                effective_from=day,
            )
        quote = _quote(framework, lot, query, care_type="waking_night")
        in_force = [d for d in effective_dates if d <= query]
        if not in_force:
            assert quote is None
        else:
            assert quote.rate_card.effective_from == max(in_force)
            assert quote.per == "hour"
            day_before = _quote(
                framework, lot, max(in_force) - dt.timedelta(days=1), care_type="waking_night"
            )
            earlier = [d for d in effective_dates if d < max(in_force)]
            assert (day_before.rate_card.effective_from if day_before else None) == (
                max(earlier) if earlier else None
            )
        transaction.set_rollback(True)


def test_the_day_before_a_new_rate_still_gets_the_old_one(clara, framework, urban_lot):
    services.rate_card_add(
        actor=clara,
        lot=urban_lot,
        care_type="day",
        amount=Decimal("25.10"),
        effective_from=dt.date(2026, 4, 6),
    )
    assert _quote(framework, urban_lot, dt.date(2026, 4, 5)).base_amount == Decimal("24.20")
    assert _quote(framework, urban_lot, dt.date(2026, 4, 6)).base_amount == Decimal("25.10")
    assert _quote(framework, urban_lot, dt.date(2025, 3, 31)) is None


def test_weekends_and_bank_holidays_are_enhanced_but_never_both(clara, framework, urban_lot):
    services.rate_card_add(
        actor=clara,
        lot=urban_lot,
        care_type="sleep_in",
        amount=Decimal("120.00"),
        effective_from=dt.date(2025, 4, 1),
        weekend_enhancement_percent=Decimal("10"),
        bank_holiday_enhancement_percent=Decimal("25"),
    )

    def amount(day):
        quote = _quote(framework, urban_lot, day, care_type="sleep_in")
        assert quote.per == "night"
        return quote.enhancement_percent, quote.amount

    assert amount(dt.date(2026, 6, 10)) == (Decimal("0"), Decimal("120.00"))  # Wednesday
    assert amount(dt.date(2026, 6, 13)) == (Decimal("10"), Decimal("132.00"))  # Saturday
    assert amount(dt.date(2026, 5, 25)) == (Decimal("25"), Decimal("150.00"))  # Spring bank holiday
    assert amount(dt.date(2027, 12, 25)) == (Decimal("25"), Decimal("150.00"))  # Christmas on a Saturday


def test_amounts_are_rounded_half_up_to_the_penny(clara, framework, rural_zone):
    lot = framework.lots.get(area_type="rural")
    services.rate_card_add(
        actor=clara,
        lot=lot,
        care_type="waking_night",
        amount=Decimal("21.55"),
        effective_from=dt.date(2025, 4, 1),
        weekend_enhancement_percent=Decimal("10"),
    )
    quote = _quote(framework, lot, dt.date(2026, 6, 13), care_type="waking_night")
    assert quote.amount == Decimal("23.71")  # 23.705 rounds up
    assert RateCard.objects.filter(lot=lot).count() == 2


@pytest.mark.parametrize("care_type", ["day", "waking_night", "sleep_in"])
def test_there_is_no_rate_for_a_care_type_never_priced(clara, northbridge, care_type):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    assert _quote(framework, framework.lots.get(), ON, care_type=care_type) is None
