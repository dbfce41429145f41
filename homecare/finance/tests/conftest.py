"""A live framework paying Acorn £24.20 an hour (10% more at weekends); Mary's daily 08:00 30-minute visit
for the four weeks from Monday 5 January 2026; two finance officers (one prepares, the other approves)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package
from homecare.providers import services as provider_services
from homecare.providers.tests.factories import make_framework
from homecare.visits import services as visit_services
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import check_in_at_home, check_out

MONDAY = dt.date(2026, 1, 5)


@pytest.fixture
def fiona(northbridge):
    return make_user(organisation=northbridge, role=Role.FINANCE_OFFICER, username="fiona")


@pytest.fixture
def fred(northbridge):
    return make_user(organisation=northbridge, role=Role.FINANCE_OFFICER, username="fred")


@pytest.fixture
def framework(northbridge, alice, acorn):
    commissioner = make_user(organisation=northbridge, role=Role.COMMISSIONER)
    framework = make_framework(
        council=northbridge,
        actor=commissioner,
        admitted=[acorn],
        area_types=["urban"],
        day_rate=Decimal("24.20"),
    )
    lot = framework.lots.get()
    provider_services.rate_card_add(
        actor=commissioner,
        lot=lot,
        care_type="day",
        amount=Decimal("24.20"),
        effective_from=dt.date(2025, 12, 1),
        weekend_enhancement_percent=Decimal("10"),
        reason="Weekend enhancement from December",
    )
    return framework


def make_visits(*, person, alice, acorn, paul, carl, funding="council", days=28, **package_fields):
    """An active package from Monday with its visits planned and Carl on all of them."""
    package = make_package(
        person=person,
        actor=alice,
        provider=acorn,
        status="active",
        start_date=MONDAY,
        funding=funding,
        **package_fields,
    )
    visit_services.visits_generate(package=package, start=MONDAY, days=days)
    visits = list(package.visits.order_by("planned_start"))
    for visit in visits:
        visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    return package, visits


def deliver(visit, carl, minutes: int, **check_in):
    """Carl checks in two minutes after the planned start and out `minutes` later."""
    start = visit.planned_start.astimezone(LONDON) + dt.timedelta(minutes=2)
    end = start + dt.timedelta(minutes=minutes)
    # Sent as they happened (a phone with signal), so no clock is doubted.
    check_in_event = check_in_at_home(visit.person, start, **check_in)
    visit_services.event_record(actor=carl, visit=visit, event=check_in_event, now=start)
    visit_services.event_record(actor=carl, visit=visit, event=check_out(end), now=end)
    visit.refresh_from_db()
    return visit


@pytest.fixture
def home(mary):
    mary.latitude, mary.longitude = Decimal("52.950000"), Decimal("-1.150000")
    mary.save(update_fields=["latitude", "longitude"])
    return mary


@pytest.fixture
def week(home, alice, acorn, paul, carl, framework):
    """Monday to Friday delivered (30, 32, 28, 30, 30 minutes), Saturday 10 minutes, Sunday missed."""
    package, visits = make_visits(person=home, alice=alice, acorn=acorn, paul=paul, carl=carl, days=7)
    for visit, minutes in zip(visits[:6], (30, 32, 28, 30, 30, 10), strict=True):
        deliver(visit, carl, minutes)
    return package, visits
