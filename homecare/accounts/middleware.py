"""Session limits and the second factor, enforced for every request before any view runs."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

security_log = logging.getLogger("homecare.security")

# Paths open to a signed-in person who has not yet given their second factor: signing in and out, setting
# up the authenticator, and assets with no personal data.
_OPEN_PREFIXES = ("/static/", "/healthz", "/sign-in", "/sign-out", "/two-factor", "/password-reset")
_OPEN_EXACT = ("/visits/app/manifest.webmanifest", "/visits/app/sw.js")
# Last-seen is written at most this often, so a busy page does not save the session on every request.
_TOUCH_SECONDS = 60


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class SessionLimitsMiddleware:
    """30 minutes idle and 12 hours from sign-in at most, then signed out (NHS DSPT, ASVS V3.3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("signed_in_at", now)
            seen = session.get("seen_at", now)
            why = None
            if now - seen > settings.SESSION_IDLE_SECONDS:
                why = f"after {settings.SESSION_IDLE_SECONDS // 60} minutes without activity"
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                why = f"after {settings.SESSION_ABSOLUTE_SECONDS // 3600} hours"
            if why:
                security_log.info("session expired", extra={"user_id": user.pk, "why": why})
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": f"Signed out {why}: sign in again"}, status=401)
                messages.info(request, f"You were signed out {why}. Sign in again to carry on.")
                return redirect(f"{reverse('accounts:sign-in')}?next={request.path}")
            if now - seen >= _TOUCH_SECONDS or "seen_at" not in session:
                session["seen_at"] = now
        return self.get_response(request)


def second_factor_required(user) -> bool:
    """Every staff account (council, NHS, provider, care worker) gives a second factor: they all reach
    special-category personal data."""
    return bool(user.is_authenticated and user.organisation_id is not None) or bool(
        user.is_authenticated and user.is_staff
    )


class SecondFactorRequiredMiddleware:
    """A password alone opens nothing but the authenticator pages.

    The JSON API's device tokens are issued to a session that has given its second factor, so a bearer
    token (no session) passes through to the API's own authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and second_factor_required(user)
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
            and request.path not in _OPEN_EXACT
        ):
            security_log.info("second factor needed", extra={"user_id": user.pk, "path": request.path})
            if _is_api(request):
                return JsonResponse(
                    {"detail": "Give your second factor (authenticator code) first"}, status=401
                )
            return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
        return self.get_response(request)
