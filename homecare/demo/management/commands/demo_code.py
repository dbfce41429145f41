"""`manage.py demo_code`: the demo sign-ins' current authenticator code (and the key to add to an app)."""

from __future__ import annotations

import base64

from django.core.management.base import BaseCommand

from homecare.accounts.authenticator import authenticator_code
from homecare.demo.borough import DEMO_TOTP_KEY_HEX


def demo_key_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")


def demo_code_now() -> str:
    return authenticator_code(bytes.fromhex(DEMO_TOTP_KEY_HEX))


class Command(BaseCommand):
    help = "Print the demo accounts' current 6-digit authenticator code (each code works once)."

    def handle(self, *args, **options):
        self.stdout.write(f"{demo_code_now()}  (demo authenticator key: {demo_key_base32()})")
