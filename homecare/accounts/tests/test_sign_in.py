"""Signing in and out, password reset by e-mail, role dashboards."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from homecare.accounts.models import Organisation, Role, User
from homecare.accounts.tests.factories import PASSWORD, authenticator_code


def test_alice_signs_in_and_lands_on_her_practitioner_home(client, alice):
    response = client.post(
        reverse("accounts:sign-in"), {"username": "alice", "password": PASSWORD}, follow=True
    )
    assert "Set up your authenticator app" in response.content.decode()
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(
        reverse("accounts:two-factor"), {"code": authenticator_code(device), "next": "/"}, follow=True
    )
    body = response.content.decode()
    assert "Social care practitioner home" in body
    assert "Signed in as Alice" in body


def test_a_wrong_password_is_explained_without_saying_which_part_was_wrong(client, alice):
    response = client.post(reverse("accounts:sign-in"), {"username": "alice", "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "Enter a correct username and password" in body


def test_signing_out_ends_the_session(client, alice):
    client.force_login(alice)
    client.post(reverse("accounts:sign-out"))
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and reverse("accounts:sign-in") in response["Location"]


def test_a_password_reset_link_is_emailed_and_sets_a_new_password(client, alice):
    client.post(reverse("accounts:password-reset"), {"email": alice.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password-reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    new_password = "a-much-longer-passphrase-2026"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new_password)


def test_a_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, alice):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("role", [r for r in Role.values])
def test_every_role_has_a_home_page(client, role, northbridge, icb, acorn):
    organisation = {Role.NHS_PARTNER_OFFICER: icb, Role.PROVIDER_MANAGER: acorn, Role.CARE_WORKER: acorn}.get(
        role, northbridge
    )
    user = User.objects.create_user(
        username=f"u-{role}", password=PASSWORD, organisation=organisation, role=role
    )
    client.force_login(user)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert Role(role).label in response.content.decode()


def test_staff_without_an_organisation_cannot_be_stored(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="floating", password=PASSWORD)
    assert not Organisation.objects.exists()
