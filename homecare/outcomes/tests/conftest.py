"""Mary has a 10-hour weekly budget with Acorn from Monday 5 January 2026 (Northbridge's live framework
pays £24.20 an hour). Clara commissions, Fiona and Fred run payments, Paul manages Acorn, Carl cares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.outcomes.tests.factories import make_budget_package
from homecare.providers.tests.factories import make_framework


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara")


@pytest.fixture
def fiona(northbridge):
    return make_user(organisation=northbridge, role=Role.FINANCE_OFFICER, username="fiona")


@pytest.fixture
def framework(northbridge, clara, acorn, birch):
    return make_framework(
        council=northbridge,
        actor=clara,
        admitted=[acorn, birch],
        area_types=["urban"],
        day_rate=Decimal("24.20"),
        start_date=dt.date(2025, 4, 1),
    )


@pytest.fixture
def home(mary):
    mary.latitude, mary.longitude = Decimal("52.950000"), Decimal("-1.150000")
    mary.save(update_fields=["latitude", "longitude"])
    return mary


@pytest.fixture
def budget(home, alice, acorn, paul, framework):
    return make_budget_package(person=home, actor=alice, provider=acorn)
