"""Walk the audit chain and report the first broken entry; exit non-zero if there is one.

Schedule it daily and keep its last line (sequence number and hash) somewhere the database's
administrators can't write: passing it back as --checkpoint also proves the chain was not cut short.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from homecare.platform import audit_log


def _checkpoint(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise CommandError("--checkpoint must be SEQUENCE:HASH, as printed by a previous run")
    return int(seq), digest.strip().lower()


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident audit log: report the first entry edited, deleted, reordered or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument(
            "--checkpoint", help="SEQUENCE:HASH from an earlier run, kept outside the database"
        )

    def handle(self, *args, **options):
        checkpoint = _checkpoint(options["checkpoint"]) if options["checkpoint"] else None
        report = audit_log.verify_chain(
            using=options["database"], chunk_size=options["chunk_size"], checkpoint=checkpoint
        )
        if not report.intact:
            raise CommandError(
                f"Audit chain broken. {report.broken} "
                f"({report.checked} entries before it verified; the last good one is "
                f"{report.last_seq}:{report.last_hash or '-'})"
            )
        self.stdout.write(
            f"Audit chain intact: {report.checked} entries verified. "
            f"Checkpoint {report.last_seq}:{report.last_hash or '-'}"
        )
