"""Northbridge's market: a live framework with Acorn and Birch on it, Southwold's with Birch only; a
commissioner (Clara) and an analyst (Andy) at Northbridge, and Southwold's commissioner (Steve)."""

from __future__ import annotations

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.providers.tests.factories import make_framework


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara", first_name="Clara")


@pytest.fixture
def andy(northbridge):
    return make_user(organisation=northbridge, role=Role.ANALYST, username="andy", first_name="Andy")


@pytest.fixture
def steve(southwold):
    return make_user(organisation=southwold, role=Role.COMMISSIONER, username="steve", first_name="Steve")


@pytest.fixture
def framework(northbridge, clara, acorn, birch):
    return make_framework(council=northbridge, actor=clara, admitted=[acorn, birch])


@pytest.fixture
def south_framework(southwold, steve, birch):
    return make_framework(council=southwold, actor=steve, admitted=[birch], area_types=["urban"])
