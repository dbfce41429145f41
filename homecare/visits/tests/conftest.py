"""Mary's active package with Acorn (one 30-minute visit a day at 08:00), its visits for a week, and
Acorn's care workers Carl and Cath; Birch's worker Bob for isolation tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package
from homecare.visits.tests.factories import MONDAY, generate_week


@pytest.fixture
def home(mary):
    """Mary's home has a location on record (a street in Northbridge)."""
    mary.latitude, mary.longitude = Decimal("52.950000"), Decimal("-1.150000")
    mary.save(update_fields=["latitude", "longitude"])
    return mary


@pytest.fixture
def package(home, alice, acorn):
    return make_package(person=home, actor=alice, provider=acorn, status="active", start_date=MONDAY)


@pytest.fixture
def week(package):
    """The package's seven visits from Monday."""
    generate_week(package)
    return list(package.visits.order_by("planned_start"))


@pytest.fixture
def cath(acorn):
    return make_user(organisation=acorn, role=Role.CARE_WORKER, username="cath", first_name="Cath")


@pytest.fixture
def bob(birch):
    return make_user(organisation=birch, role=Role.CARE_WORKER, username="bob", first_name="Bob")


@pytest.fixture
def first_visit(week, carl, paul):
    """Monday's visit with Carl assigned."""
    from homecare.visits import services

    visit = week[0]
    services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    return visit


@pytest.fixture
def monday_0805():
    from homecare.visits.rules import LONDON

    return dt.datetime.combine(MONDAY, dt.time(8, 5), tzinfo=LONDON)
