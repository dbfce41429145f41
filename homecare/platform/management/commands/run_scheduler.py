"""`manage.py run_scheduler`: the scheduler process (production runs one or more; see the README)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from homecare.platform import schedule


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of settings.SCHEDULE (each slot once, however many schedulers run)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one tick, then exit (cron, tests)")
        parser.add_argument("--interval", type=int, default=30, help="seconds between ticks")

    def handle(self, *args, once: bool, interval: int, **options):
        entries = schedule.entries()
        if settings.JOBS_EAGER:
            claims = schedule.MemoryClaims()
        else:
            import django_rq

            claims = schedule.RedisClaims(django_rq.get_connection("default"))
        while True:
            started = schedule.tick(now=timezone.now(), claims=claims, schedule=entries)
            for job in started:
                self.stdout.write(f"started {job}")
            if once:
                return
            time.sleep(max(1, interval))
