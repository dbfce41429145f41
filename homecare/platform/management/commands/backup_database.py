"""`make backup`: a consistent copy of the whole database, with a manifest of what it holds."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from homecare.platform import backups


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump -Fc) into BACKUP_DIR with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--dir", help="Where to write it (default: settings.BACKUP_DIR, var/backups)")

    def handle(self, *args, **options):
        directory = Path(options["dir"] or settings.BACKUP_DIR)
        try:
            path = backups.backup(using=options["database"], directory=directory)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backups.read_manifest(path)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows:,} rows, audit chain at "
            f"{manifest['audit']['seq']}) to {path}"
        )
