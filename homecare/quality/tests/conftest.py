"""Quality personas at Northbridge, beside the suite's (homecare/conftest.py): Sally and Pat, safeguarding
leads (Pat the designated principal manager); Clara the commissioner; Adam the administrator; Fiona in
finance; Ana the analyst. Mary's package is with Acorn, so Acorn's managers may record about her."""

from __future__ import annotations

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package
from homecare.quality import services


@pytest.fixture
def sally(northbridge):
    return make_user(
        organisation=northbridge, role=Role.SAFEGUARDING_LEAD, username="sally", first_name="Sally"
    )


@pytest.fixture
def pat(northbridge, sally):
    pat = make_user(organisation=northbridge, role=Role.SAFEGUARDING_LEAD, username="pat", first_name="Pat")
    services.manager_designate(actor=sally, user=pat, level="principal_manager")
    return pat


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara", first_name="Clara")


@pytest.fixture
def adam(northbridge):
    return make_user(organisation=northbridge, role=Role.ADMINISTRATOR, username="adam", first_name="Adam")


@pytest.fixture
def fiona(northbridge):
    return make_user(
        organisation=northbridge, role=Role.FINANCE_OFFICER, username="fiona", first_name="Fiona"
    )


@pytest.fixture
def ana(northbridge):
    return make_user(organisation=northbridge, role=Role.ANALYST, username="ana", first_name="Ana")


@pytest.fixture
def mary_at_acorn(mary, alice, acorn):
    return make_package(person=mary, actor=alice, provider=acorn, status="active")
