"""The late-visit scan: `manage.py flag_late_visits [--every SECONDS]`.

In production schedule it every 5 minutes (a cron entry, a systemd timer, or the RQ scheduler calling
`tasks.flag_late_visits_job`); each run is one short transaction and running it twice changes nothing.
`--every` keeps it running in the foreground, one scan every so many seconds: a simple scheduler for
the embedded set-up or a container that has no cron.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from homecare.visits import services


class Command(BaseCommand):
    help = "Mark visits with no check-in late or missed, raise alerts and escalate unanswered ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Keep scanning, every SECONDS (production: cron or a timer every 5 minutes instead)",
        )

    def handle(self, *args, every: int | None, **options):
        if every is not None and every < 1:
            raise CommandError("--every must be at least 1 second")
        while True:
            scan = services.late_visits_flag()
            self.stdout.write(f"{scan.late} late, {scan.missed} missed, {scan.escalated} escalated")
            if every is None:
                return
            self.stdout.flush()
            # A long-running loop must not hold a connection the database has since dropped.
            close_old_connections()
            time.sleep(every)
