from django.core.management.base import BaseCommand

from homecare.brokerage import services


class Command(BaseCommand):
    help = (
        "Close unanswered offer rounds past their deadline and re-run them widened (run every few minutes)."
    )

    def handle(self, *args, **options):
        count = services.rounds_expire_due()
        self.stdout.write(f"{count} offer round{'s' if count != 1 else ''} expired and re-run")
