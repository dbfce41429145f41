"""Print the demo sign-ins (all share one password) and where to open the service."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from homecare.demo import borough
from homecare.demo.management.commands.demo_code import demo_key_base32

OPEN_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "List the demo borough's sign-ins: username, role, organisation and password."

    def handle(self, *args, **options):
        rows = borough.demo_sign_in_rows()
        if not rows:
            self.stdout.write("No demo sign-ins in this database yet: run `manage.py seed_demo` first.")
            return
        headings = ("Username", "Role", "Organisation", "Password")
        table = [headings, *((r.username, r.role, r.organisation, r.password) for r in rows)]
        widths = [max(len(row[i]) for row in table) for i in range(len(headings))]
        self.stdout.write("Demo sign-ins:")
        for n, row in enumerate(table):
            self.stdout.write(
                "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write(
            "\nEvery sign-in also asks for an authenticator code. Add the demo key "
            f"{demo_key_base32()} to an authenticator app, or run "
            "`.venv/bin/python manage.py demo_code` for the current code."
        )
        self.stdout.write(f"\nOpen {OPEN_URL}")
