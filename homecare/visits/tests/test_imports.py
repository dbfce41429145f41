"""Importing actual visit times from a provider's own call-monitoring system: the file, the column
mapping, the row-by-row report, the all-or-nothing store, and the pages around them.

Paul manages Acorn, which delivers Mary's daily 08:00 visits; Pippa manages Birch; Carl is Acorn's care
worker; Alice is a Northbridge practitioner.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.people.tests.factories import make_package, make_person
from homecare.visits import imports, services
from homecare.visits.imports import ColumnMapping, parse_upload, parse_when, suggest_mapping
from homecare.visits.models import CallEvent, EventSource, Verification, Visit
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import MONDAY, check_in_at_home, generate_week

UTC = dt.UTC
HEADINGS = "Visit ID,Check in,Check out,Carer,Notes"


def csv_file(*lines: str, headings: str = HEADINGS) -> bytes:
    return ("\n".join([headings, *lines]) + "\n").encode()


def row(visit, start: str, end: str, carer: str = "carl", note: str = "") -> str:
    """A CSV line for one of our visits on its own day: times as HH:MM, London time."""
    day = visit.date.strftime("%d/%m/%Y")
    return f"{visit.pk},{day} {start},{day} {end},{carer},{note}"


def check(user, content: bytes, filename: str = "ecm.csv", mapping: ColumnMapping | None = None):
    parsed = parse_upload(filename=filename, content=content)
    return imports.validate(user=user, parsed=parsed, mapping=mapping or suggest_mapping(parsed.headers))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def birch_visit(northbridge, alice, zone, birch):
    """A visit Birch delivers to another Northbridge resident (not Acorn's to see)."""
    person = make_person(council=northbridge, actor=alice, zone=zone, family_name="Birchwood")
    package = make_package(person=person, actor=alice, provider=birch, status="active", start_date=MONDAY)
    generate_week(package)
    return package.visits.order_by("planned_start").first()


# --- storing a good file ---------------------------------------------------------------------------


def test_a_good_csv_stores_a_check_in_and_out_and_the_visit_is_completed_and_verified_as_imported(week, paul):
    content = csv_file(row(week[0], "08:02", "08:33", note="Had breakfast"), row(week[1], "07:58", "08:29"))

    plan = check(paul, content)
    assert plan.ok and [r.number for r in plan.rows] == [2, 3]
    result = imports.apply(user=paul, plan=plan)

    assert (result.visits, result.events, result.already_imported) == (2, 4, 0)
    monday = Visit.objects.get(pk=week[0].pk)
    assert monday.status == "completed" and monday.verification == Verification.IMPORTED
    assert (monday.actual_start, monday.actual_end) == (at(MONDAY, 8, 2), at(MONDAY, 8, 33))
    events = list(monday.events.order_by("occurred_at"))
    assert [e.kind for e in events] == ["check_in", "check_out"]
    assert {e.source for e in events} == {EventSource.IMPORT}
    assert {e.method for e in events} == {Verification.IMPORTED}
    assert {e.recorded_by_id for e in events} == {paul.pk}
    assert events[0].text == "Care worker: carl" and events[1].text == "Had breakfast"


def test_a_row_can_name_its_visit_by_package_reference_and_planned_start(week, paul, package):
    content = csv_file(
        f"{package.reference},05/01/2026 08:00,05/01/2026 08:04,05/01/2026 08:35",
        headings="Package,Scheduled,Actual start,Actual end",
    )
    plan = check(paul, content)
    assert plan.ok, plan.errors
    imports.apply(user=paul, plan=plan)
    assert Visit.objects.get(pk=week[0].pk).actual_start == at(MONDAY, 8, 4)


def test_iso_times_with_an_offset_are_taken_as_given(week, paul):
    content = csv_file(f"{week[0].pk},2026-01-05T09:04:00+01:00,2026-01-05T08:35:00Z,,")
    imports.apply(user=paul, plan=check(paul, content))
    visit = Visit.objects.get(pk=week[0].pk)
    assert visit.actual_start == dt.datetime(2026, 1, 5, 8, 4, tzinfo=UTC)
    assert visit.actual_end == dt.datetime(2026, 1, 5, 8, 35, tzinfo=UTC)


def test_json_uploads_work_as_a_list_or_an_object_with_a_visits_list(week, paul):
    records = [
        {"visit_id": week[0].pk, "check_in": "2026-01-05T08:01", "check_out": "2026-01-05T08:30"},
        {"visit_id": week[1].pk, "check_in": "2026-01-06T08:01", "check_out": None},
    ]
    parsed = parse_upload(filename="export.json", content=json.dumps({"visits": records}).encode())
    assert parsed.headers == ("visit_id", "check_in", "check_out") and parsed.row_label == "Record"
    mapping = suggest_mapping(parsed.headers)
    assert (mapping.visit_reference, mapping.actual_start, mapping.actual_end) == (
        "visit_id",
        "check_in",
        "check_out",
    )

    plan = imports.validate(user=paul, parsed=parsed, mapping=mapping)
    assert [e.message for e in plan.errors] == ["Record 2: no actual end"]

    records[1]["check_out"] = "2026-01-06T08:31"
    plan = check(paul, json.dumps(records).encode(), filename="export.json")
    assert plan.ok and imports.apply(user=paul, plan=plan).visits == 2


def test_the_mapping_is_guessed_from_the_headings_providers_use():
    guess = suggest_mapping(["Visit ID", "Scheduled", "Package", "Start", "End", "Carer", "Comments"])
    assert guess == ColumnMapping(
        visit_reference="Visit ID",
        package_reference="Package",
        planned_start="Scheduled",
        actual_start="Start",
        actual_end="End",
        care_worker="Carer",
        note="Comments",
    )
    # A better heading wins over a weaker one, and each column is used once.
    assert suggest_mapping(["Start", "Actual start", "Check-out"]).actual_start == "Actual start"
    assert suggest_mapping(["Date", "Amount"]) == ColumnMapping()


def test_the_mapping_needs_both_times_and_a_way_to_find_each_visit(week, paul):
    parsed = parse_upload(filename="ecm.csv", content=csv_file(row(week[0], "08:00", "08:30")))
    with pytest.raises(ValidationError) as caught:
        imports.validate(user=paul, parsed=parsed, mapping=ColumnMapping(package_reference="Visit ID"))
    errors = caught.value.message_dict
    assert set(errors) == {"actual_start", "actual_end", "planned_start"}
    with pytest.raises(ValidationError, match="already chosen"):
        imports.mapping_check(
            parsed=parsed,
            mapping=ColumnMapping(visit_reference="Visit ID", actual_start="Check in", actual_end="Check in"),
        )


# --- one bad row stores nothing ------------------------------------------------------------------


def _cancel(visit, paul):
    services.visit_cancel(actor=paul, visit=visit, reason_code="hospital")


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        (
            lambda week, other: row(week[1], "08:30", "08:10"),
            "Row 3: actual end 08:10 is before actual start 08:30",
        ),
        (
            lambda week, other: "999999,06/01/2026 08:00,06/01/2026 08:30,,",
            "Row 3: no visit 999999 for your organisation",
        ),
        (
            lambda week, other: row(other, "08:00", "08:30"),
            "Row 3: no visit {other} for your organisation",
        ),
        (
            lambda week, other: f"{week[1].pk},32/01/2026 08:00,06/01/2026 08:30,,",
            "Row 3: actual start “32/01/2026 08:00” is not a real date and time",
        ),
        (
            lambda week, other: f"{week[1].pk},29/03/2026 01:30,29/03/2026 02:30,,",
            "Row 3: actual start 29/03/2026 01:30 did not happen in UK time",
        ),
        (
            lambda week, other: f"{week[1].pk},06/01/2026,06/01/2026 08:30,,",
            "Row 3: actual start “06/01/2026” is not a date and time",
        ),
        (lambda week, other: row(week[0], "09:00", "09:30"), "Row 3: visit {first} is also in row 2"),
        (
            lambda week, other: f"{week[1].pk},06/02/2026 08:00,06/02/2026 08:30,,",
            "Row 3: actual start 06/02/2026 08:00 is more than 12 hours from the planned start 06/01/2026",
        ),
        (lambda week, other: f"V-{week[1].pk},06/01/2026 08:00,,,", "Row 3: no actual end"),
        (
            lambda week, other: "abc,06/01/2026 08:00,06/01/2026 08:30,,",
            "Row 3: visit reference “abc” is not",
        ),
    ],
    ids=[
        "end before start",
        "unknown visit",
        "another provider's visit",
        "bad date",
        "spring gap",
        "date without a time",
        "same visit twice",
        "a month out",
        "missing end",
        "not a reference",
    ],
)
def test_one_bad_row_stores_nothing_and_names_its_row(week, paul, birch_visit, bad_row, expected):
    content = csv_file(row(week[0], "08:02", "08:33"), bad_row(week, birch_visit))

    plan = check(paul, content)

    messages = [e.message for e in plan.errors]
    assert len(messages) == 1, messages
    assert messages[0].startswith(expected.format(other=birch_visit.pk, first=week[0].pk))
    with pytest.raises(ValidationError, match="Nothing was stored"):
        imports.apply(user=paul, plan=plan)
    assert not CallEvent.objects.exists()
    assert Visit.objects.get(pk=week[0].pk).actual_start is None


def test_a_cancelled_visit_cannot_get_actual_times(week, paul):
    _cancel(week[1], paul)
    plan = check(paul, csv_file(row(week[1], "08:00", "08:30")))
    assert [e.message for e in plan.errors] == ["Row 2: this visit is cancelled"]


def test_another_providers_visit_is_not_found_and_nothing_about_it_is_revealed(birch_visit, paul, week):
    content = csv_file(
        f"{birch_visit.package.reference},05/01/2026 08:00,05/01/2026 08:01,05/01/2026 08:30",
        headings="Package,Scheduled,Check in,Check out",
    )
    plan = check(paul, content)
    message = plan.errors[0].message
    assert (
        message
        == f"Row 2: no visit {birch_visit.package.reference} at 05/01/2026 08:00 for your organisation"
    )
    assert "Birchwood" not in message  # the exact sentence above: nothing about Birch's visit is said


def test_a_visit_with_times_from_the_app_is_not_overwritten_by_an_import(
    first_visit, carl, paul, monday_0805
):
    services.event_record(
        actor=carl, visit=first_visit, event=check_in_at_home(first_visit.person, monday_0805)
    )
    plan = check(paul, csv_file(row(first_visit, "08:10", "08:40")))
    assert plan.errors[0].message.startswith(
        "Row 2: this visit already has actual times (08:05) from the care worker app"
    )


def test_a_visit_changed_after_the_check_stops_the_whole_import(week, paul):
    plan = check(paul, csv_file(row(week[0], "08:00", "08:30"), row(week[1], "08:00", "08:30")))
    assert plan.ok
    _cancel(week[1], paul)  # meanwhile, someone cancels Tuesday's visit

    with pytest.raises(ValidationError, match="Row 3: this visit is cancelled"):
        imports.apply(user=paul, plan=plan)
    assert not CallEvent.objects.filter(source=EventSource.IMPORT).exists()
    assert Visit.objects.get(pk=week[0].pk).status == "planned"


# --- importing again ---------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(week, paul):
    content = csv_file(row(week[0], "08:02", "08:33"), row(week[1], "08:00", "08:30"))
    imports.apply(user=paul, plan=check(paul, content))
    events = list(CallEvent.objects.order_by("pk").values_list("pk", "client_id", "occurred_at"))

    again = check(paul, content)
    assert again.ok and again.rows == [] and again.already_imported == [2, 3]
    result = imports.apply(user=paul, plan=again)

    assert (result.visits, result.events, result.already_imported) == (0, 0, 2)
    assert list(CallEvent.objects.order_by("pk").values_list("pk", "client_id", "occurred_at")) == events


def test_an_import_client_id_is_the_same_for_the_same_provider_visit_kind_and_instant(week, paul):
    imports.apply(user=paul, plan=check(paul, csv_file(row(week[0], "08:02", "08:33"))))
    check_in = CallEvent.objects.get(kind="check_in")
    assert check_in.client_id == imports.event_client_id(
        provider_id=paul.organisation_id, visit_id=week[0].pk, kind="check_in", when=at(MONDAY, 8, 2)
    )
    assert len(check_in.payload_hash) == 64


def test_a_file_with_other_times_for_an_imported_visit_is_refused_not_mixed_in(week, paul):
    imports.apply(user=paul, plan=check(paul, csv_file(row(week[0], "08:02", "08:33"))))
    plan = check(paul, csv_file(row(week[0], "08:05", "08:33")))
    assert [e.message for e in plan.errors] == [
        "Row 2: this visit already has actual times (08:02 to 08:33) from an earlier import with other "
        "times: correct it on the visit page instead"
    ]


def test_importing_again_after_a_managers_correction_changes_nothing(week, paul):
    content = csv_file(row(week[0], "08:02", "08:33"))
    imports.apply(user=paul, plan=check(paul, content))
    services.visit_correct(
        actor=paul, visit=week[0], reason_code="other", note="Carer stayed on", end=at(MONDAY, 8, 45)
    )

    again = check(paul, content)

    assert again.ok and again.already_imported == [2]
    assert Visit.objects.get(pk=week[0].pk).actual_end == at(MONDAY, 8, 45)


# --- who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["carl", "alice", "bella"])
def test_only_provider_managers_may_check_or_store_an_import(request, week, paul, persona):
    user = request.getfixturevalue(persona)
    plan = check(paul, csv_file(row(week[0], "08:00", "08:30")))
    parsed = parse_upload(filename="ecm.csv", content=csv_file(row(week[0], "08:00", "08:30")))
    with pytest.raises(PermissionDenied):
        imports.validate(user=user, parsed=parsed, mapping=suggest_mapping(parsed.headers))
    with pytest.raises(PermissionDenied):
        imports.apply(user=user, plan=plan)


def test_another_providers_manager_cannot_store_a_plan_made_for_acorn(week, paul, pippa):
    plan = check(paul, csv_file(row(week[0], "08:00", "08:30")))
    with pytest.raises(PermissionDenied):
        imports.apply(user=pippa, plan=plan)
    plan.provider_id = pippa.organisation_id  # a forged plan still reaches only Birch's visits
    with pytest.raises(ValidationError, match=f"no visit {week[0].pk} for your organisation"):
        imports.apply(user=pippa, plan=plan)
    assert not CallEvent.objects.exists()


# --- reading files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("ecm.csv", b"", "The file is empty"),
        ("ecm.csv", b"  \n\n", "The file is empty"),
        ("ecm.csv", "Visit ID,Check in\n1,05/01/2026 08:00\n".encode("utf-16"), "not UTF-8"),
        ("ecm.csv", b"Visit ID,Check in\xff\n", "not UTF-8"),
        ("ecm.json", b'[{"visit": 1,}]', "not valid JSON (line 1, column 14)"),
        ("ecm.json", b'{"rows": []}', 'a "visits" list'),
        ("ecm.json", b"[1, 2]", "Record 1 is not an object"),
        ("ecm.json", b"[]", "no visits"),
        ("ecm.csv", b"Visit ID,Check in,Check out\n", "no visits in it, only headings"),
        ("ecm.csv", b"Time,Time\n1,2\n", "appears twice"),
        ("ecm.xlsx", b"PK\x03\x04", "save it as"),
        ("ecm.csv", b"a,b\n" + b"1,2\n" * (imports.MAX_ROWS + 1), "more than 20,000 rows"),
        ("ecm.csv", b"a\n" + b"x" * imports.MAX_BYTES, "larger than 5 MB"),
        ("ecm.json", b"[" * 100_000, "not valid JSON"),
    ],
)
def test_a_file_we_cannot_read_gets_a_clear_message(filename, content, message):
    with pytest.raises(ValidationError) as caught:
        parse_upload(filename=filename, content=content)
    assert message in caught.value.messages[0]


def test_csv_rows_are_numbered_as_in_a_spreadsheet_with_blank_lines_and_excels_byte_order_mark():
    content = "\ufeffVisit ID;Check in;Check out\n1;a;b\n\n2;c;d\n;;\n3;e;f".encode()
    parsed = parse_upload(filename="ecm.csv", content=content)
    assert parsed.headers == ("Visit ID", "Check in", "Check out")
    assert parsed.numbers == (2, 4, 6)
    assert parsed.rows[2] == {"Visit ID": "3", "Check in": "e", "Check out": "f"}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["ecm.csv", "ecm.json", "export", "ecm.txt"]))
def test_any_bytes_are_read_or_refused_with_a_validation_error(content, filename):
    try:
        parsed = parse_upload(filename=filename, content=content)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert len(parsed.rows) == len(parsed.numbers) > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.text(max_size=25), st.text(max_size=25), st.text(max_size=25)), min_size=1, max_size=5
    )
)
def test_any_cell_text_gives_row_errors_never_a_crash(week, paul, cells):
    rows = [{"Visit ID": a, "Check in": b, "Check out": c} for a, b, c in cells]
    parsed = parse_upload(filename="ecm.json", content=json.dumps(rows).encode())
    mapping = ColumnMapping(visit_reference="Visit ID", actual_start="Check in", actual_end="Check out")

    plan = imports.validate(user=paul, parsed=parsed, mapping=mapping)

    assert {e.number for e in plan.errors} | {r.number for r in plan.rows} | set(
        plan.already_imported
    ) <= set(parsed.numbers)


# --- dates and times -----------------------------------------------------------------------------


def test_uk_times_follow_the_clock_changes():
    assert parse_when("05/01/2026 08:00") == dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert parse_when("01/06/2026 08:00") == dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    # Autumn: 01:30 happens twice; the first (BST) is meant.
    assert parse_when("25/10/2026 01:30") == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_when("2026-10-25T01:30") == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # Spring: 01:30 never happened. A planned time there moves on as our visits do.
    with pytest.raises(imports.TimeProblem, match="did not happen in UK time"):
        parse_when("29/03/2026 01:30")
    assert parse_when("29/03/2026 01:30", spring_gap="shift") == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    for text in ("31/02/2026 08:00", "2026-13-01T08:00", "5 Jan 2026 8am", "08:00", "0001-01-01T00:00Z"):
        with pytest.raises(imports.TimeProblem):
            parse_when(text)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=dt.datetime(2199, 12, 31),  # noqa: DTZ001
        timezones=st.timezones(),
    )
)
def test_any_aware_time_written_in_iso_8601_reads_back_as_the_same_instant(when):
    # Compared in UTC: Python never calls a time in a fold or gap equal to one in another zone.
    assert parse_when(when.isoformat()).astimezone(UTC) == when.astimezone(UTC)
    whole_seconds = when.replace(microsecond=0)
    assert parse_when(whole_seconds.isoformat(sep=" ")).astimezone(UTC) == whole_seconds.astimezone(UTC)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(2000, 11, 1), max_value=dt.date(2099, 12, 31)).filter(
        lambda d: d.month in (11, 12, 1, 2)
    ),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_a_uk_winter_time_is_utc(day, at_time):
    text = f"{day:%d/%m/%Y} {at_time:%H:%M}"
    assert parse_when(text) == dt.datetime.combine(day, at_time, tzinfo=UTC)


# --- fast enough for a big export --------------------------------------------------------------


def test_a_thousand_rows_check_and_store_with_queries_in_bulk_not_per_row(week, paul):
    template = week[0]
    first = at(dt.date(2025, 1, 1), 6, 15)  # quarter past, so no visit lands on the week's 08:00 ones
    visits = Visit.objects.bulk_create(
        Visit(
            package=template.package,
            version=template.version,
            person=template.person,
            council=template.council,
            provider=template.provider,
            date=(first + dt.timedelta(hours=2 * i)).astimezone(LONDON).date(),
            planned_start=first + dt.timedelta(hours=2 * i),
            planned_minutes=30,
            late_at=first + dt.timedelta(hours=2 * i, minutes=30),
        )
        for i in range(1000)
    )
    ids = dict(Visit.objects.filter(planned_start__gte=first).values_list("planned_start", "pk"))
    lines = [
        f"{ids[v.planned_start]},{v.planned_start.isoformat()},{v.late_at.isoformat()},,"  # 30 minutes
        for v in visits
    ]
    content = csv_file(*lines)

    with CaptureQueriesContext(connection) as checking:
        plan = check(paul, content)
    with CaptureQueriesContext(connection) as storing:
        result = imports.apply(user=paul, plan=plan)

    assert plan.ok and result.visits == 1000 and result.events == 2000
    assert len(checking.captured_queries) < 50  # bulk look-ups, not one query per row
    # Locks, event inserts and status updates in batches: nothing per row.
    assert len(storing.captured_queries) < 200  # one per row would be over 1,000


# --- the pages -------------------------------------------------------------------------------------


def _upload(client, content: bytes, filename: str = "ecm.csv"):
    return client.post(reverse("visits:import"), {"file": SimpleUploadedFile(filename, content)})


def test_the_whole_journey_upload_choose_columns_check_and_store(client, week, paul):
    client.force_login(paul)
    assert client.get(reverse("visits:import")).status_code == 200

    response = _upload(client, csv_file(row(week[0], "08:02", "08:33"), row(week[1], "08:01", "08:31")))
    assert response.status_code == 302 and response["Location"] == reverse("visits:import-mapping")

    page = client.get(reverse("visits:import-mapping"))
    assert page.status_code == 200
    assert '<option value="Check in" selected>Check in</option>' in page.content.decode()
    response = client.post(
        reverse("visits:import-mapping"),
        {
            "visit_reference": "Visit ID",
            "actual_start": "Check in",
            "actual_end": "Check out",
            "note": "Notes",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("visits:import-check")

    page = client.get(reverse("visits:import-check"))
    body = page.content.decode()
    assert page.status_code == 200 and "Store these visit times" in body
    assert "2 visits will get actual times" in body

    response = client.post(reverse("visits:import-check"), follow=True)
    assert b"Actual times stored for 2 visits" in response.content
    assert Visit.objects.get(pk=week[1].pk).status == "completed"
    assert CallEvent.objects.filter(source=EventSource.IMPORT).count() == 4

    # The same file again: nothing new, and said so.
    _upload(client, csv_file(row(week[0], "08:02", "08:33"), row(week[1], "08:01", "08:31")))
    body = client.get(reverse("visits:import-check")).content.decode()
    assert "nothing new to store" in body and "Store these visit times" not in body
    assert CallEvent.objects.count() == 4


def test_a_bad_row_shows_the_error_report_and_the_store_button_does_nothing(client, week, paul):
    client.force_login(paul)
    _upload(client, csv_file(row(week[0], "08:02", "08:33"), row(week[1], "08:30", "08:10")))
    page = client.get(reverse("visits:import-check"))
    body = page.content.decode()
    assert "There is a problem" in body and "Row 3: actual end 08:10 is before actual start 08:30" in body
    assert "Store these visit times" not in body

    response = client.post(reverse("visits:import-check"))
    assert response.status_code == 200 and not CallEvent.objects.exists()


def test_choosing_the_same_column_twice_is_shown_on_the_mapping_page(client, week, paul):
    client.force_login(paul)
    _upload(client, csv_file(row(week[0], "08:02", "08:33")))
    response = client.post(
        reverse("visits:import-mapping"),
        {"visit_reference": "Visit ID", "actual_start": "Check in", "actual_end": "Check in"},
    )
    assert response.status_code == 200
    assert "“Check in” is already chosen for actual start (check-in)" in response.content.decode()


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("ecm.csv", b"", "The file is empty"),
        ("ecm.csv", b"\x00\x01\x02\xff", "not UTF-8"),
        ("ecm.json", b"{not json", "not valid JSON"),
        ("ecm.csv", b"a\n" + b"x" * (imports.MAX_BYTES + 10), "larger than 5 MB"),
    ],
)
def test_a_bad_upload_gets_a_message_never_an_error_page(client, paul, filename, content, message):
    client.force_login(paul)
    response = _upload(client, content, filename)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_large_upload_is_held_in_memory_never_written_to_a_temporary_file(client, week, paul, monkeypatch):
    from django.core.files import uploadedfile

    def refuse(*args, **kwargs):
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    client.force_login(paul)
    padding = "x" * 3000  # about 3 MB in all: past Django's 2.5 MB in-memory limit
    lines = [row(week[0], "08:02", "08:33", note=padding)] + [f",,,,{padding}"] * 1000
    response = _upload(client, csv_file(*lines))
    assert response.status_code == 302 and response["Location"] == reverse("visits:import-mapping")


def test_the_upload_still_needs_its_csrf_token(week, paul):
    from django.test import Client

    from homecare.visits.views.imports import SESSION_KEY

    client = Client(enforce_csrf_checks=True)
    client.force_login(paul)
    response = _upload(client, csv_file(row(week[0], "08:02", "08:33")))
    assert response.status_code == 403 and SESSION_KEY not in client.session


def test_the_uploaded_file_leaves_the_session_once_stored(client, week, paul):
    from homecare.visits.views.imports import SESSION_KEY

    client.force_login(paul)
    _upload(client, csv_file(row(week[0], "08:02", "08:33")))
    assert SESSION_KEY in client.session
    client.get(reverse("visits:import-mapping"))
    client.post(reverse("visits:import-check"))
    assert SESSION_KEY not in client.session and CallEvent.objects.count() == 2


def test_the_later_steps_send_you_back_to_the_upload_without_a_file(client, paul):
    client.force_login(paul)
    for name in ("visits:import-mapping", "visits:import-check"):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 302 and response["Location"] == reverse("visits:import")


@pytest.mark.parametrize("persona", ["carl", "alice", "nadia"])
def test_care_workers_and_council_or_nhs_staff_cannot_open_the_import_pages(client, request, week, persona):
    client.force_login(request.getfixturevalue(persona))
    for name in ("visits:import", "visits:import-mapping", "visits:import-check"):
        assert client.get(reverse(name)).status_code == 403
    response = _upload(client, csv_file(row(week[0], "08:00", "08:30")))
    assert response.status_code == 403 and not CallEvent.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("visits:import"))
    assert response.status_code == 302 and reverse("accounts:sign-in") in response["Location"]


def test_another_provider_cannot_import_into_acorns_visits_through_the_pages(client, week, pippa):
    client.force_login(pippa)
    _upload(client, csv_file(row(week[0], "08:02", "08:33")))
    body = client.get(reverse("visits:import-check")).content.decode()
    assert f"Row 2: no visit {week[0].pk} for your organisation" in body
    client.post(reverse("visits:import-check"))
    assert not CallEvent.objects.exists()
