"""Sitrep reminders: `manage.py send_sitrep_reminders [--every SECONDS]`.

In production schedule it every 15 minutes (cron, a systemd timer, or the RQ scheduler calling
`tasks.send_sitrep_reminders_job`); each reminder is recorded once, so running it twice sends nothing new.
`--every` keeps it running in the foreground, for the embedded set-up or a container without cron.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from homecare.market import services


class Command(BaseCommand):
    help = "Remind providers of sitreps due soon or overdue, and send commissioners the overdue list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Keep running, every SECONDS (production: cron or a timer every 15 minutes instead)",
        )

    def handle(self, *args, every: int | None, **options):
        if every is not None and every < 1:
            raise CommandError("--every must be at least 1 second")
        while True:
            run = services.sitrep_reminders_send()
            self.stdout.write(
                f"{run.due_soon} due-soon reminders, {run.overdue} overdue reminders, "
                f"{run.summaries} overdue lists to commissioners"
            )
            if every is None:
                return
            self.stdout.flush()
            close_old_connections()  # a long-running loop must not hold a connection the database dropped
            time.sleep(every)
