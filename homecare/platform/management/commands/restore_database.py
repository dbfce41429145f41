"""`make restore`: load a backup, migrate, verify the audit chain and compare every table's rows.

Into the configured database by default (stop the web and worker processes first; a safety backup of
what is there is taken before it is replaced), or into another one with --target-url (a fresh database
to rehearse a recovery in).
"""

from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from homecare.platform import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `make backup`, then migrate, verify the audit chain and compare row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", help="The backup file (default: the newest in BACKUP_DIR)")
        parser.add_argument("--target-url", help="Restore into this database instead (a DATABASE_URL)")
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="Do not back up the configured database before replacing it",
        )

    def handle(self, *args, **options):
        try:
            source = (
                Path(options["backup"]) if options["backup"] else backups.latest_backup(settings.BACKUP_DIR)
            )
            if not source.exists():
                raise backups.BackupError(f"{source} does not exist")
            if options["target_url"]:
                target = dj_database_url.parse(options["target_url"])
            else:
                target = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
                if not options["no_safety_backup"]:
                    saved = backups.backup(directory=Path(settings.BACKUP_DIR), prefix="pre-restore")
                    self.stdout.write(f"The database as it was is saved in {saved}")
            self.stdout.write(f"Restoring {source} into {target['NAME']} …")
            report = backups.restore(source=source, settings_dict=target)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            raise CommandError("Restore does not match its backup:\n  " + "\n  ".join(report.problems))
        self.stdout.write(
            f"Restored and verified: {report.tables} tables and {report.rows:,} rows as the manifest says, "
            f"migrations applied, audit chain intact ({report.audit_entries} entries)."
        )
