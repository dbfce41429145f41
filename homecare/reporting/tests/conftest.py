"""Northbridge's homecare: Mary (council-funded, Acorn) and Joan (jointly funded with the NHS, Birch);
Andy the analyst, Clara the commissioner, Paul at Acorn, Pippa at Birch, Nadia at the ICB, and three
Acorn care workers. Southwold has its own person and visits nobody at Northbridge may count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package, make_person, make_zone


@pytest.fixture
def andy(northbridge):
    return make_user(organisation=northbridge, role=Role.ANALYST, username="andy", first_name="Andy")


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara", first_name="Clara")


@pytest.fixture
def workers(acorn):
    return [make_user(organisation=acorn, role=Role.CARE_WORKER, username=f"worker{i}") for i in range(5)]


@pytest.fixture
def mary_package(mary, bella, acorn):
    return make_package(
        person=mary, actor=bella, status="active", provider=acorn, start_date=dt.date(2026, 1, 1)
    )


@pytest.fixture
def joan(northbridge, alice, zone):
    return make_person(council=northbridge, actor=alice, zone=zone, given_name="Joan", family_name="Jones")


@pytest.fixture
def joan_package(joan, bella, birch):
    return make_package(
        person=joan,
        actor=bella,
        status="active",
        provider=birch,
        funding="joint",
        council_share=Decimal("50"),
        nhs_share=Decimal("50"),
        start_date=dt.date(2026, 1, 1),
    )


@pytest.fixture
def south_package(southwold, birch):
    broker = make_user(organisation=southwold, role=Role.BROKER)
    person = make_person(council=southwold, actor=broker, zone=make_zone(council=southwold))
    return make_package(person=person, actor=broker, status="active", provider=birch)
