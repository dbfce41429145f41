"""`manage.py demo_code`: the demo sign-ins' current authenticator code (and the key to add to an app)."""

from __future__ import annotations

import base64
import time

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from homecare.demo.borough import DEMO_TOTP_KEY_HEX


def demo_key_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")


def demo_code_now() -> str:
    totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return f"{totp.token():06d}"


class Command(BaseCommand):
    help = "Print the demo accounts' current 6-digit authenticator code (each code works once)."

    def handle(self, *args, **options):
        self.stdout.write(f"{demo_code_now()}  (demo authenticator key: {demo_key_base32()})")
