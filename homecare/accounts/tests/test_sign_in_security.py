"""Second factor, lockout, session limits and disabled accounts, through the real sign-in pages."""

from __future__ import annotations

import logging
import time

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from homecare.accounts import services
from homecare.accounts.models import Role
from homecare.accounts.tests.factories import PASSWORD, authenticator_code, make_user

SIGN_IN = reverse("accounts:sign-in")
TWO_FACTOR = reverse("accounts:two-factor")


def _password(client: Client, username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def alices_authenticator(alice):
    return TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)


def _sign_in_fully(client: Client, device, username: str = "alice", *, steps_from_now: int = 0):
    _password(client, username)
    return client.post(TWO_FACTOR, {"code": authenticator_code(device, steps_from_now=steps_from_now)})


def test_a_password_alone_opens_no_page_with_personal_data(client, alice, alices_authenticator):
    _password(client, "alice")
    response = client.get(reverse("people:search"))
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR)


def test_a_password_alone_opens_no_api_endpoint(client, alice, alices_authenticator):
    _password(client, "alice")
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert "second factor" in response.json()["detail"]


def test_the_first_sign_in_sets_up_an_authenticator_from_a_qr_code(client, alice):
    _password(client, "alice")
    page = client.get(TWO_FACTOR).content.decode()
    assert "Set up your authenticator app" in page and "<svg" in page
    pending = TOTPDevice.objects.get(user=alice, confirmed=False)
    response = client.post(
        TWO_FACTOR, {"code": authenticator_code(pending), "next": reverse("people:search")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("people:search")
    assert client.get(reverse("people:search")).status_code == 200
    assert TOTPDevice.objects.get(user=alice).confirmed


def test_reloading_the_set_up_page_keeps_the_same_secret(client, alice):
    _password(client, "alice")
    client.get(TWO_FACTOR)
    client.get(TWO_FACTOR)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_code_works_once_only(client, alice, alices_authenticator):
    assert _sign_in_fully(client, alices_authenticator).status_code == 302
    code = authenticator_code(alices_authenticator)
    client.post(reverse("accounts:sign-out"))
    other = Client()
    _password(other, "alice")
    response = other.post(TWO_FACTOR, {"code": code})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert other.get(reverse("people:search")).status_code == 302


def test_a_wrong_code_is_refused_with_an_explanation(client, alice, alices_authenticator):
    _password(client, "alice")
    wrong = authenticator_code(alices_authenticator, steps_from_now=40)
    response = client.post(TWO_FACTOR, {"code": wrong})
    assert "That code is wrong" in response.content.decode()
    response = client.post(TWO_FACTOR, {"code": "12ab"})
    assert "The code must be 6 digits" in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.BROKER, Role.NHS_PARTNER_OFFICER, Role.PROVIDER_MANAGER, Role.CARE_WORKER]
)
def test_every_staff_role_needs_the_second_factor(client, role, northbridge, icb, acorn):
    organisation = {Role.NHS_PARTNER_OFFICER: icb, Role.PROVIDER_MANAGER: acorn, Role.CARE_WORKER: acorn}.get(
        role, northbridge
    )
    make_user(organisation=organisation, role=role, username="someone")
    _password(client, "someone")
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)


def test_five_wrong_passwords_lock_the_username_even_from_other_addresses(client, alice):
    for attempt in range(5):
        _password(client, "alice", "wrong-password", address=f"10.0.1.{attempt}")
    response = _password(client, "alice", address="10.0.2.1")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_from_one_address_lock_that_address_for_other_usernames(client, alice, bella):
    for attempt in range(5):
        _password(client, f"guess-{attempt}", "wrong-password", address="10.9.9.9")
    assert _password(client, "bella", address="10.9.9.9").status_code == 429
    assert _password(Client(), "bella", address="10.9.9.10").status_code == 302


def test_sign_ins_and_failures_are_recorded_with_who_and_where(client, alice):
    _password(client, "alice", "wrong-password", address="10.0.0.7")
    _password(client, "alice", address="10.0.0.7")
    assert AccessLog.objects.filter(username="alice", ip_address="10.0.0.7").exists()
    # A success resets the failure count, but the failure was recorded before that.
    assert not AccessAttempt.objects.filter(username="alice").exists()


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_thirty_minutes_idle_signs_you_out(client, alice):
    client.force_login(alice)
    assert client.get(reverse("people:search")).status_code == 200
    _age_session(client, seen_at=31 * 60)
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    assert client.get(reverse("people:search")).status_code == 302


def test_activity_keeps_the_session_but_twelve_hours_ends_it(client, alice):
    client.force_login(alice)
    client.get(reverse("people:search"))
    _age_session(client, seen_at=29 * 60)
    assert client.get(reverse("people:search")).status_code == 200
    _age_session(client, signed_in_at=12 * 3600 + 5)
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def test_disabling_an_account_ends_all_its_sessions_at_once(northbridge, alice):
    admin = make_user(organisation=northbridge, role=Role.ADMINISTRATOR, username="ada")
    phone, laptop = Client(), Client()
    phone.force_login(alice)
    laptop.force_login(alice)
    services.user_disable(actor=admin, user=alice, reason="Left the council")
    for device in (phone, laptop):
        assert device.get(reverse("people:search")).status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(alice.pk)]


def test_only_an_administrator_of_the_same_organisation_can_disable_an_account(alice, bella, sam):
    with pytest.raises(ValidationError):
        services.user_disable(actor=bella, user=alice, reason="No")
    with pytest.raises(ValidationError):
        services.user_disable(actor=sam, user=alice, reason="No")
    alice.refresh_from_db()
    assert alice.is_active


def test_a_denied_request_is_logged_with_who_and_what(client, carl, caplog):
    client.force_login(carl)
    with caplog.at_level(logging.WARNING, logger="homecare.security"):
        response = client.get(reverse("people:search"))
    assert response.status_code in (403, 404)
    denied = [r for r in caplog.records if r.getMessage() == "request denied"]
    assert denied and denied[0].user_id == carl.pk and denied[0].path == reverse("people:search")


def test_pages_carry_security_headers_and_a_request_id(client, alice):
    client.force_login(alice)
    response = client.get(reverse("people:search"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert response["Cache-Control"] == "no-store"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_a_lost_phone_is_reset_and_the_person_enrols_again(client, alice, alices_authenticator):
    from django.core.management import call_command

    client.force_login(alice)
    call_command("reset_authenticator", "alice", reason="Phone lost on a bus")
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert client.get(reverse("people:search")).status_code == 302
    _password(client, "alice")
    assert "Set up your authenticator app" in client.get(TWO_FACTOR).content.decode()
