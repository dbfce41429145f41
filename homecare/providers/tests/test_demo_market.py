"""The demo borough's market is a working framework: brokerage finds providers, rates and a suspension."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from homecare.accounts.models import Organisation
from homecare.demo import borough
from homecare.providers import selectors
from homecare.providers.models import Framework, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    borough.build_borough(seed=borough.DEFAULT_SEED, people=0)
    framework = Framework.objects.get(name=borough.FRAMEWORK_NAME)
    return framework, framework.council


def test_northbridge_has_one_live_framework_with_urban_rural_reablement_and_night_lots(market):
    framework, _ = market
    assert framework.status == "live"
    assert {(lot.service, lot.area_type) for lot in framework.lots.all()} == {
        ("homecare", "urban"),
        ("homecare", "rural"),
        ("reablement", "urban"),
        ("night_care", "urban"),
    }
    assert [c.to_status for c in framework.status_changes.all()][-1] == "live"


def test_every_zone_has_an_eligible_provider_but_some_zones_have_few(market):
    _, council = market
    on = dt.date(2026, 11, 25)
    counts = {
        z.name: len(selectors.eligible_providers(council=council, zone=z, on=on)) for z in Zone.objects.all()
    }
    assert all(n >= 1 for n in counts.values()), counts
    assert min(counts.values()) <= 3, counts


def test_the_inadequate_provider_is_suspended_and_never_offered(market):
    _, council = market
    provider = Organisation.objects.get(name=borough.PROVIDER_NAMES[12])
    zone = Zone.objects.first()
    on = timezone.localdate()
    assert selectors.current_rating(provider=provider).rating == "inadequate"
    names = {
        e.provider.pk
        for z in Zone.objects.all()
        for e in selectors.eligible_providers(council=council, zone=z, on=on, widen=True)
    }
    assert provider.pk not in names
    reason = selectors.ineligibility_reason(provider=provider, council=council, zone=zone, on=on)
    assert reason.startswith(f"{provider.name} is suspended from new placements (review on ")


def test_rates_change_on_their_dates_with_weekend_and_bank_holiday_enhancements(market):
    framework, _ = market
    urban = framework.lots.get(service="homecare", area_type="urban")
    rural = framework.lots.get(service="homecare", area_type="rural")

    def amount(lot, care_type, on):
        return selectors.rate_for(
            framework=framework, lot=lot, area_type=lot.area_type, care_type=care_type, on=on
        ).amount

    assert amount(urban, "day", dt.date(2026, 3, 31)) == Decimal("23.10")
    assert amount(urban, "day", dt.date(2026, 6, 10)) == Decimal("24.20")
    assert amount(rural, "day", dt.date(2026, 6, 10)) == Decimal("25.90")
    assert amount(urban, "waking_night", dt.date(2026, 6, 10)) == Decimal("21.50")
    assert amount(urban, "sleep_in", dt.date(2026, 6, 10)) == Decimal("120.00")
    assert amount(urban, "day", dt.date(2026, 6, 13)) == Decimal("26.62")  # Saturday: +10%
    assert amount(urban, "day", dt.date(2026, 12, 25)) == Decimal("30.25")  # Christmas Day: +25%
    assert amount(urban, "day", dt.date(2027, 4, 6)) == Decimal("25.30")
