"""Personas shared by the whole suite.

Northbridge council: Alice (practitioner), Bella (broker). NHS Northbridge ICB: Nadia.
Provider Acorn: Paul (manager), Carl (care worker). Provider Birch: Pippa (manager).
Another council, Southwold: Sam (practitioner). Each persona sees only what their organisation may.
"""

from __future__ import annotations

import pytest
from django.test import Client

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_council, make_icb, make_provider, make_user
from homecare.people.tests.factories import make_person, make_zone


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """`client.force_login` skips the password; here it skips the authenticator code too, as if the
    person had given both. The sign-in journey itself (password, code, single use, lockout) is tested
    through the real pages in accounts/tests/test_sign_in_security.py."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Test authenticator", confirmed=True
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def northbridge(db):
    return make_council("Northbridge Borough Council")


@pytest.fixture
def southwold(db):
    return make_council("Southwold District Council")


@pytest.fixture
def icb(northbridge):
    return make_icb(council=northbridge, name="NHS Northbridge ICB")


@pytest.fixture
def acorn(db):
    return make_provider("Acorn Homecare")


@pytest.fixture
def birch(db):
    return make_provider("Birch Care Services")


@pytest.fixture
def alice(northbridge):
    return make_user(organisation=northbridge, role=Role.PRACTITIONER, username="alice", first_name="Alice")


@pytest.fixture
def bella(northbridge):
    return make_user(organisation=northbridge, role=Role.BROKER, username="bella", first_name="Bella")


@pytest.fixture
def nadia(icb):
    return make_user(organisation=icb, role=Role.NHS_PARTNER_OFFICER, username="nadia", first_name="Nadia")


@pytest.fixture
def paul(acorn):
    return make_user(organisation=acorn, role=Role.PROVIDER_MANAGER, username="paul", first_name="Paul")


@pytest.fixture
def carl(acorn):
    return make_user(organisation=acorn, role=Role.CARE_WORKER, username="carl", first_name="Carl")


@pytest.fixture
def pippa(birch):
    return make_user(organisation=birch, role=Role.PROVIDER_MANAGER, username="pippa", first_name="Pippa")


@pytest.fixture
def sam(southwold):
    return make_user(organisation=southwold, role=Role.PRACTITIONER, username="sam", first_name="Sam")


@pytest.fixture
def zone(northbridge):
    return make_zone(council=northbridge, name="Riverside")


@pytest.fixture
def mary(northbridge, alice, zone):
    """Mary Smith, a Northbridge resident."""
    return make_person(council=northbridge, actor=alice, zone=zone, given_name="Mary", family_name="Smith")
