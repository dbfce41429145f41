"""Plan visits from packages: `manage.py generate_visits [--days N] [--start YYYY-MM-DD]`.

Run nightly (cron, a systemd timer or the RQ scheduler calling `tasks.generate_visits_job`): it rolls the
horizon forward a day and brings planned visits in step with package changes. Safe to run again.
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from homecare.visits import services


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"give a date like 2026-03-29, not {value!r}") from exc


class Command(BaseCommand):
    help = "Plan every active or held package's visits from a day (default today) for a number of days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"How many days to plan (default VISITS_HORIZON_DAYS, {settings.VISITS_HORIZON_DAYS})",
        )
        parser.add_argument("--start", type=_date, default=None, help="First day, YYYY-MM-DD (default today)")

    def handle(self, *args, days: int | None, start: dt.date | None, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        result = services.visits_generate_all(start=start, days=days)
        self.stdout.write(
            f"{result.packages} package(s): {result.created} visit(s) created, {result.updated} updated, "
            f"{result.removed} removed, {result.kept_with_evidence} kept because they have call evidence"
        )
