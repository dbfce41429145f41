"""`manage.py reset_authenticator USERNAME --reason "..."`: a lost or replaced phone.

The person's authenticator is removed and their sessions end; at their next sign-in they set up a new one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from homecare.accounts import services
from homecare.accounts.models import User


class Command(BaseCommand):
    help = "Remove a person's authenticator (lost phone) so they set up a new one at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why, for the security log")

    def handle(self, *args, username: str, reason: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account called {username!r}")
        if not reason.strip():
            raise CommandError("Say why the authenticator is being reset")
        removed = services.totp_reset(user=user, reason=reason)
        self.stdout.write(f"Removed {removed} authenticator(s) from {username}; their sessions have ended")
