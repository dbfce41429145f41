"""The code an authenticator app shows: for the demo's shared key and for tests (never for checking one)."""

from __future__ import annotations

import time

from django_otp.oath import TOTP


def authenticator_code(
    key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, drift: int = 0, at: float | None = None
) -> str:
    """The zero-padded code for this key at `at` (now by default), as RFC 6238 apps compute it."""
    totp = TOTP(key, step, t0, digits, drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{digits}d}"
