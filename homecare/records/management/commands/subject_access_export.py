"""Export everything held about a person (a subject access request) as JSON or PDF. Audited."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from homecare.people.models import Person
from homecare.records import services


class Command(BaseCommand):
    help = "Export everything held about a person, from every module, as JSON or a readable PDF."

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="The person's id")
        parser.add_argument("--format", choices=sorted(services.FORMATS), default="json")
        parser.add_argument("--out", required=True, help="File to write")
        parser.add_argument(
            "--requested-by", help="Username of the officer handling the request (recorded in the audit log)"
        )

    def handle(self, *args, **options):
        person = Person.objects.select_related("council").filter(pk=options["person"]).first()
        if person is None:
            raise CommandError(f"There is no person with id {options['person']}")
        actor = None
        if options["requested_by"]:
            actor = get_user_model().objects.filter(username=options["requested_by"]).first()
            if actor is None:
                raise CommandError(f"There is no user called {options['requested_by']!r}")
        content, _, _ = services.subject_access_export(
            actor=actor, person=person, export_format=options["format"]
        )
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        self.stdout.write(f"Wrote {len(content):,} bytes to {out}")
