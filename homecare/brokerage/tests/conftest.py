"""A small live framework in Northbridge: Acorn and Birch admitted to the urban homecare lot of Riverside."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_provider, make_user
from homecare.people import services as people_services
from homecare.people.tests.factories import make_support_plan
from homecare.providers.models import Admission, CapacityDeclaration, Framework, Lot, RateCard


@pytest.fixture
def framework(northbridge, alice):
    return Framework.objects.create(
        council=northbridge,
        name="Northbridge Homecare Framework",
        reference="NHF-2025",
        status="live",
        start_date=dt.date(2025, 4, 1),
        created_by=alice,
    )


@pytest.fixture
def lot(framework, zone):
    return Lot.objects.create(
        framework=framework, service="homecare", area_type=zone.area_type, name="Urban homecare"
    )


def admit(*, lot, provider, actor, quality, price, capacity_zone=None, hours="40"):
    Admission.objects.create(
        framework=lot.framework,
        lot=lot,
        provider=provider,
        quality_score=Decimal(quality),
        price_score=Decimal(price),
        weighted_score=(Decimal(quality) * 6 + Decimal(price) * 4) / 10,
        decision="admitted",
        decided_by=actor,
        decided_at=timezone.now(),
    )
    if capacity_zone is not None:
        CapacityDeclaration.objects.create(
            provider=provider,
            zone=capacity_zone,
            hours_per_week=Decimal(hours),
            declared_by=actor,
            declared_at=timezone.now(),
        )


@pytest.fixture
def market(lot, zone, acorn, birch, alice):
    """Acorn (quality 80), Birch (70) admitted with capacity in Riverside; Cedar (90) without."""
    admit(lot=lot, provider=acorn, actor=alice, quality="80", price="60", capacity_zone=zone)
    admit(lot=lot, provider=birch, actor=alice, quality="70", price="90", capacity_zone=zone)
    cedar = make_provider("Cedar Care")
    admit(lot=lot, provider=cedar, actor=alice, quality="90", price="90")
    RateCard.objects.create(
        framework=lot.framework,
        lot=lot,
        area_type=lot.area_type,
        care_type="day",
        amount=Decimal("24.20"),
        effective_from=dt.date(2025, 4, 1),
        created_by=alice,
    )
    return {"acorn": acorn, "birch": birch, "cedar": cedar}


@pytest.fixture
def cedric(market):
    return make_user(organisation=market["cedar"], role=Role.PROVIDER_MANAGER, username="cedric")


@pytest.fixture
def draft_package(mary, alice):
    plan = make_support_plan(person=mary, actor=alice)
    package = people_services.package_create(
        actor=alice,
        person=mary,
        support_plan=plan,
        terms=people_services.PackageTerms(care_model="time_and_task", funding="council"),
        start_date=timezone.localdate() + dt.timedelta(days=3),
    )
    people_services.visit_pattern_add(
        actor=alice,
        version=package.versions.get(),
        details=people_services.VisitDetails(
            days=list(range(7)),
            preferred_start=dt.time(7, 30),
            duration_minutes=45,
            carers_required=2,
            tasks=("washing",),
        ),
    )
    return package
