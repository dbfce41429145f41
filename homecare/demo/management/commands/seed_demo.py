"""Load the synthetic Northbridge demo borough: `manage.py seed_demo [--seed N] [--people N] [--if-empty]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from homecare.demo import borough


class Command(BaseCommand):
    help = "Create the synthetic demo borough (council, NHS partner, providers, zones, people, packages)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=borough.DEFAULT_SEED, help="Random seed (default 2026)"
        )
        parser.add_argument(
            "--people", type=int, default=borough.DEFAULT_PEOPLE, help="How many people (default 300)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any organisation is already recorded"
        )

    def handle(self, *args, seed: int, people: int, if_empty: bool, **options):
        if borough.borough_exists():
            if if_empty:
                self.stdout.write("Demo borough already loaded")
                return
            raise CommandError(
                "This database already has organisations: seed_demo only loads an empty database "
                "(use --if-empty to skip quietly)"
            )
        try:
            summary = borough.build_borough(seed=seed, people=people, stdout=self.stdout)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary.describe()))
