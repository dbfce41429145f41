"""List each council's people whose records are past retention, for a named administrator to decide.

Only proposes: nothing is destroyed until the proposal is approved on the Records pages. Schedule it
monthly (cron, a systemd timer or the RQ scheduler calling homecare.records.tasks.propose_disposals).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from homecare.records import services


class Command(BaseCommand):
    help = "Propose disposals of records past retention (proposals only; nothing is destroyed)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="YYYY-MM-DD: judge retention as on this day (default: today)")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date as YYYY-MM-DD") from None
        proposals = services.disposals_propose_all(today=today)
        for proposal in proposals:
            self.stdout.write(
                f"{proposal.reference} for {proposal.council}: {proposal.items.count()} past retention"
            )
        self.stdout.write(f"{len(proposals)} proposal{'s' if len(proposals) != 1 else ''} made")
