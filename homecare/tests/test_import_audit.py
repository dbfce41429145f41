"""Imports are sealed in the audit log: one entry per committed import, with its counts and who ran it;
a refused import leaves nothing behind, its audit entry included.

Paul manages Acorn, which delivers Mary's daily 08:00 visits; Clara is a Northbridge commissioner who
imports CQC's ratings file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package
from homecare.platform.audit_log import verify_chain
from homecare.platform.models import AuditEntry
from homecare.providers import services as provider_services
from homecare.quality import services as quality_services
from homecare.visits import imports
from homecare.visits import services as visit_services
from homecare.visits.tests.factories import MONDAY, generate_week

pytestmark = pytest.mark.django_db
ACORN_LOCATION = "1-101010101"


@pytest.fixture
def week(mary, alice, acorn):
    package = make_package(person=mary, actor=alice, provider=acorn, status="active", start_date=MONDAY)
    generate_week(package)
    return list(package.visits.order_by("planned_start"))


def visit_times_file(*visits, start: str = "08:02", end: str = "08:31") -> bytes:
    lines = ["Visit ID,Check in,Check out"]
    for visit in visits:
        day = visit.date.strftime("%d/%m/%Y")
        lines.append(f"{visit.pk},{day} {start},{day} {end}")
    return ("\n".join(lines) + "\n").encode()


def check(user, content: bytes):
    parsed = imports.parse_upload(filename="ecm.csv", content=content)
    return imports.validate(user=user, parsed=parsed, mapping=imports.suggest_mapping(parsed.headers))


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_a_stored_visit_times_import_is_sealed_once_with_its_counts(week, paul, acorn):
    imports.apply(user=paul, plan=check(paul, visit_times_file(week[0], week[1])))

    [entry] = entries("visits.import_applied")
    assert (entry.actor_id, entry.organisation_id) == (paul.pk, acorn.pk)
    assert (entry.record_type, entry.record_id) == ("accounts.organisation", str(acorn.pk))
    assert entry.payload == {"rows": 2, "visits": 2, "events": 4, "already_imported": 0}
    assert verify_chain().intact


def test_importing_the_same_file_again_is_a_second_entry_that_stored_nothing(week, paul):
    content = visit_times_file(week[0])
    imports.apply(user=paul, plan=check(paul, content))
    imports.apply(user=paul, plan=check(paul, content))

    assert [e.payload for e in entries("visits.import_applied")] == [
        {"rows": 1, "visits": 1, "events": 2, "already_imported": 0},
        {"rows": 0, "visits": 0, "events": 0, "already_imported": 1},
    ]


def test_a_visit_times_file_with_errors_is_refused_and_not_audited(week, paul):
    plan = check(paul, visit_times_file(week[0], start="09:00", end="08:00"))  # ends before it starts
    assert plan.errors
    with pytest.raises(ValidationError):
        imports.apply(user=paul, plan=plan)
    assert entries("visits.import_applied") == []


def test_an_import_refused_while_storing_rolls_its_audit_entry_back_too(week, paul):
    plan = check(paul, visit_times_file(week[0], week[1]))
    visit_services.visit_cancel(actor=paul, visit=week[1], reason_code="hospital")
    with pytest.raises(ValidationError, match="changed since the file was checked"):
        imports.apply(user=paul, plan=plan)
    assert entries("visits.import_applied") == []


# --- CQC's ratings file -------------------------------------------------------------------------

CQC_HEADER = ["Location ID", "Location Name", "Domain", "Service / Population Group", "Latest Rating"]
CQC_HEADER += ["Publication Date", "Provider ID", "Provider Name"]


def ratings_file(*rows: tuple[str, str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CQC_HEADER)
    for location, rating, published in rows:
        writer.writerow(
            [location, "Acorn Homecare", "Overall", "Overall", rating, published, "1-99", "Acorn"]
        )
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture
def clara(northbridge, acorn):
    clara = make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara")
    provider_services.provider_profile_save(actor=clara, provider=acorn, cqc_location_id=ACORN_LOCATION)
    provider_services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2024, 5, 1))
    return clara


def test_an_applied_cqc_import_is_sealed_once_with_its_counts(clara, northbridge):
    data = ratings_file(
        (ACORN_LOCATION, "Requires improvement", "14/01/2026"), ("1-303030303", "Good", "01/01/2026")
    )
    result = quality_services.cqc_ratings_import(actor=clara, data=data, filename="ratings.csv")
    assert result.status == "applied", result.errors

    [entry] = entries("quality.cqc_import_applied")
    assert (entry.actor_id, entry.organisation_id) == (clara.pk, northbridge.pk)
    assert (entry.record_type, entry.record_id) == ("quality.cqcimport", str(result.pk))
    assert entry.payload == {
        "rows_read": 2,
        "ratings_recorded": 1,
        "unchanged": 0,
        "not_ours": 1,
        "reviews_opened": 1,
        "suspensions_started": 0,
    }
    assert verify_chain().intact


def test_a_rejected_cqc_file_is_not_audited_as_an_import(clara):
    data = ratings_file((ACORN_LOCATION, "Excellent", "14/01/2026"))
    result = quality_services.cqc_ratings_import(actor=clara, data=data, filename="bad.csv")
    assert result.status == "rejected"
    assert entries("quality.cqc_import_applied") == []
