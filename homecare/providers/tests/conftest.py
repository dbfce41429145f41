"""Provider-framework fixtures on top of the suite's personas (homecare/conftest.py).

Clara is Northbridge's commissioner. Northbridge's live framework admits Acorn and Birch to its urban
and rural homecare lots; both have capacity in Riverside (urban).
"""

from __future__ import annotations

import pytest

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_zone
from homecare.providers.tests.factories import declare_capacity, make_framework


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara", first_name="Clara")


@pytest.fixture
def rural_zone(northbridge):
    return make_zone(council=northbridge, name="Upper Dale", area_type="rural")


@pytest.fixture
def framework(northbridge, clara, acorn, birch, zone):
    framework = make_framework(council=northbridge, actor=clara, admitted=[acorn, birch])
    declare_capacity(provider=acorn, zone=zone, actor=clara)
    declare_capacity(provider=birch, zone=zone, actor=clara)
    return framework


@pytest.fixture
def urban_lot(framework):
    return framework.lots.get(area_type="urban", service="homecare")
