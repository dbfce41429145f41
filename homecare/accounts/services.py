"""Account security writes: the second factor (TOTP) and disabling an account.

Codes are single-use: django-otp's TOTP device remembers the last time step it accepted and refuses that
step and any earlier one, and throttles repeated wrong codes.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from homecare.accounts.models import Role, User

security_log = logging.getLogger("homecare.security")

DEVICE_NAME = "Authenticator app"


def totp_device_for(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device holding a fresh secret, shown once as a QR code; reused until confirmed so
    reloading the page does not invalidate the code the person has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _clean_code(code: str) -> str:
    digits = "".join(ch for ch in (code or "") if not ch.isspace())
    if not digits:
        raise ValidationError({"code": "Enter the 6-digit code from your authenticator app"})
    if not digits.isdigit() or len(digits) != 6:
        raise ValidationError({"code": "The code must be 6 digits, like 123456"})
    return digits


def _verify(device: TOTPDevice, code: str, request) -> None:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        security_log.warning("second factor throttled", extra={"user_id": device.user_id})
        raise ValidationError({"code": "Too many wrong codes. Wait a minute, then try the newest code"})
    if not device.verify_token(code):
        security_log.warning("second factor refused", extra={"user_id": device.user_id})
        raise ValidationError({"code": "That code is wrong or has already been used. Enter the newest code"})
    otp_login(request, device)
    request.session["second_factor_at"] = int(timezone.now().timestamp())
    security_log.info("second factor accepted", extra={"user_id": device.user_id})


@transaction.atomic
def totp_enrolment_confirm(*, request, user: User, code: str) -> TOTPDevice:
    """Confirm the new authenticator with its first code; older authenticators are removed."""
    code = _clean_code(code)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationError({"code": "Start again: the set-up code has expired"})
    _verify(device, code, request)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def totp_sign_in(*, request, user: User, code: str) -> TOTPDevice:
    """Second step of signing in: a code from the confirmed authenticator, once only."""
    code = _clean_code(code)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError({"code": "Set up an authenticator app first"})
    _verify(device, code, request)
    return device


def user_sessions_end(*, user: User) -> int:
    """End every session the user holds (on any device). Returns how many were ended.

    Sessions are stored encoded, so they are read back to find the user's; expired ones are skipped."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_disable(*, actor: User, user: User, reason: str) -> User:
    """Disable an account: it can no longer sign in and every session it holds ends now."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the account is being disabled"})
    if actor.organisation_id != user.organisation_id or actor.role != Role.ADMINISTRATOR:
        raise ValidationError("Only an administrator of the same organisation can disable this account")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user=user)
    security_log.info("account disabled", extra={"user_id": user.pk, "actor_id": actor.pk, "sessions": ended})
    return user


@transaction.atomic
def totp_reset(*, user: User, reason: str) -> int:
    """A lost or replaced phone: remove the authenticator(s) and end the sessions they opened."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    security_log.warning("authenticator reset", extra={"user_id": user.pk, "reason": reason})
    return removed
