"""Import of actual visit times from a provider's own call-monitoring system.

Many providers run their own ECM system. A provider manager uploads its export (CSV or JSON), says which
column holds which of our fields, reads a row-by-row report, and stores the times. The steps are pure
functions until the last one:

    parse_upload  →  suggest_mapping / mapping_check  →  validate (an ImportPlan)  →  apply

Guarantees:
- nothing is half-applied: `apply` stores every row of a plan with no errors, in one transaction, or
  nothing at all (it refuses a plan with any error, and re-checks each visit under a lock);
- a manager reaches only their own provider's visits: any other visit is "not found", never revealed;
- re-importing the same file changes nothing: each event's client id is a UUID5 over provider, visit,
  kind and time, and rows whose times are already recorded are reported as already imported;
- times without an offset are Europe/London wall-clock times; a time in the spring gap is an error, an
  autumn time that happens twice is the first of the two;
- call events stay append-only: new rows are inserted, existing rows are never saved again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from homecare.accounts.models import OrganisationType, Role, User
from homecare.platform.audit_log import audit_record
from homecare.visits import selectors, services
from homecare.visits.models import CallEvent, EventKind, EventSource, Verification, Visit, VisitStatus
from homecare.visits.rules import CLOCK_AHEAD_TOLERANCE, LONDON

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_NOTE_CHARS = 2_000
# An actual time this far from the planned start is almost always the wrong visit or a month/day mix-up
# (01/05 read as 5 January instead of 1 May), so it is an error rather than evidence.
MAX_DRIFT = dt.timedelta(hours=12)
MAX_VISIT_LENGTH = dt.timedelta(hours=24)
# Look-ups go in chunks so no query has more parameters than SQLite or PostgreSQL accept comfortably.
CHUNK = 500
# The namespace of import client ids; fixed forever, or re-imports would stop being idempotent.
IMPORT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openhomecare.example/visits/imports")


def may_import(user: User) -> bool:
    """Only a provider's managers import their own call-monitoring data."""
    org = user.organisation if user.is_authenticated else None
    return bool(
        org is not None and org.type == OrganisationType.PROVIDER and user.role == Role.PROVIDER_MANAGER
    )


def _require_importer(user: User) -> None:
    if not may_import(user):
        raise PermissionDenied("Only a provider's managers can import visit times")


# --- reading the file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFile:
    """The file's column headings and its rows as text, each with the number a manager will look for:
    for CSV the spreadsheet row (the headings are row 1), for JSON the record's place in the list."""

    filename: str
    format: str  # "csv" or "json"
    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    numbers: tuple[int, ...]

    @property
    def row_label(self) -> str:
        return "Record" if self.format == "json" else "Row"


def parse_upload(*, filename: str, content: bytes) -> ParsedFile:
    """Read a CSV (UTF-8, with or without Excel's byte-order mark) or JSON file (a list of objects, or
    {"visits": [...]}). Raises ValidationError, in words a manager can act on, for anything else."""
    if len(content) > MAX_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files"
        )
    name = filename.lower()
    if name.endswith((".xlsx", ".xls", ".ods")):
        raise ValidationError("This is a spreadsheet, not a CSV file: save it as “CSV UTF-8” and upload that")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "The file is not UTF-8 text: in Excel choose “Save as” and “CSV UTF-8”, then upload it again"
        ) from exc
    if not text.strip():
        raise ValidationError("The file is empty")
    if "\x00" in text:
        raise ValidationError("The file is not a text file: upload a CSV or JSON export")
    is_json = name.endswith(".json") or (not name.endswith((".csv", ".txt")) and text.lstrip()[:1] in "[{")
    parsed = _parse_json(filename, text) if is_json else _parse_csv(filename, text)
    if not parsed.rows:
        raise ValidationError("The file has no visits in it, only headings")
    return parsed


def _parse_csv(filename: str, text: str) -> ParsedFile:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        heading_cells = next(reader)
        headers = _headers(heading_cells)
        rows: list[dict[str, str]] = []
        numbers: list[int] = []
        # csv.reader (not DictReader) so a blank line still counts: the numbers match the spreadsheet.
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    f"The file has more than {MAX_ROWS:,} rows: split it into smaller files"
                )
            rows.append({h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(headers)})
            numbers.append(number)
    except csv.Error as exc:
        raise ValidationError(f"The file could not be read as CSV ({exc}): export it again as CSV") from exc
    return ParsedFile(filename, "csv", tuple(headers), tuple(rows), tuple(numbers))


def _headers(cells: Sequence[str]) -> list[str]:
    headers = [c.strip() or f"Column {i}" for i, c in enumerate(cells, start=1)]
    seen: set[str] = set()
    for h in headers:
        if h.casefold() in seen:
            raise ValidationError(f"The column heading “{h}” appears twice: rename one of them")
        seen.add(h.casefold())
    if not any(cells):
        raise ValidationError("The first row must hold the column headings, and it is blank")
    return headers


def _parse_json(filename: str, text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ValidationError(f"The file is not valid JSON{where}: export it again") from exc
    if isinstance(data, dict) and isinstance(data.get("visits"), list):
        data = data["visits"]
    if not isinstance(data, list):
        raise ValidationError('The JSON must be a list of visits, or an object with a "visits" list')
    if len(data) > MAX_ROWS:
        raise ValidationError(f"The file has more than {MAX_ROWS:,} visits: split it into smaller files")
    headers: dict[str, None] = {}  # the keys in order of first appearance
    rows: list[dict[str, str]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"Record {number} is not an object with named fields")
        row = {str(k).strip(): _json_text(v) for k, v in item.items() if str(k).strip()}
        headers.update(dict.fromkeys(row))
        rows.append(row)
    return ParsedFile(filename, "json", tuple(headers), tuple(rows), tuple(range(1, len(rows) + 1)))


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a visit number written as 123.0
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)  # a nested object: kept visible so the row error can show it


# --- which column holds which field --------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """For each of our fields, the file's column heading that holds it ("" when not in the file).

    A row names its visit by our visit reference, or by the package reference and planned start."""

    visit_reference: str = ""
    package_reference: str = ""
    planned_start: str = ""
    actual_start: str = ""
    actual_end: str = ""
    care_worker: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict) -> ColumnMapping:
        return cls(**{f.name: str(values.get(f.name) or "") for f in fields(cls)})


FIELD_LABELS: dict[str, str] = {
    "visit_reference": "Visit reference",
    "package_reference": "Package reference",
    "planned_start": "Planned start",
    "actual_start": "Actual start (check-in)",
    "actual_end": "Actual end (check-out)",
    "care_worker": "Care worker",
    "note": "Note",
}

# Common headings in providers' exports, best first; compared after lower-casing and dropping punctuation.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "visit_reference": (
        "visit reference",
        "visit ref",
        "visit id",
        "visit number",
        "visit no",
        "call id",
        "visit",
    ),
    "package_reference": (
        "package reference",
        "package ref",
        "package",
        "package id",
        "package number",
        "package of care",
        "care package",
    ),
    "planned_start": (
        "planned start",
        "scheduled start",
        "scheduled",
        "planned",
        "planned time",
        "scheduled time",
        "rostered start",
        "rota start",
        "visit time",
        "booked start",
        "planned start time",
        "scheduled start time",
    ),
    "actual_start": (
        "actual start",
        "check in",
        "checkin",
        "check in time",
        "checked in",
        "clock in",
        "clocked in",
        "login",
        "log in",
        "time in",
        "arrival",
        "arrived",
        "actual start time",
        "start",
        "start time",
    ),
    "actual_end": (
        "actual end",
        "check out",
        "checkout",
        "check out time",
        "checked out",
        "clock out",
        "clocked out",
        "logout",
        "log out",
        "time out",
        "departure",
        "departed",
        "actual end time",
        "end",
        "end time",
        "finish",
        "finish time",
    ),
    "care_worker": (
        "care worker",
        "carer",
        "worker",
        "username",
        "care worker username",
        "staff",
        "employee",
    ),
    "note": ("note", "notes", "visit note", "visit notes", "comment", "comments", "remarks"),
}


def _normalise_heading(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.casefold()).split())


def suggest_mapping(headers: Iterable[str]) -> ColumnMapping:
    """Guess each field's column from common headings ("Check in", "Visit ID", "Scheduled"…); each
    column is used once, and a field with no likely column is left for the manager to choose."""
    by_name: dict[str, str] = {}
    for h in headers:
        by_name.setdefault(_normalise_heading(h), h)
    chosen: dict[str, str] = {}
    used: set[str] = set()
    # Best synonyms of every field before weaker ones, so "Start" never beats "Actual start".
    depth = max(len(names) for names in _SYNONYMS.values())
    for rank in range(depth):
        for name, synonyms in _SYNONYMS.items():
            if name in chosen or rank >= len(synonyms):
                continue
            heading = by_name.get(synonyms[rank])
            if heading is not None and heading not in used:
                chosen[name] = heading
                used.add(heading)
    return ColumnMapping(**chosen)


def mapping_check(*, parsed: ParsedFile, mapping: ColumnMapping) -> None:
    """Raise ValidationError (keyed by our field names) unless the mapping can identify each visit and
    gives both times, using only the file's columns and each column once."""
    errors: dict[str, str] = {}
    chosen_by: dict[str, str] = {}
    for name, column in mapping.as_dict().items():
        if not column:
            continue
        if column not in parsed.headers:
            errors[name] = f"The file has no column “{column}”: choose one of its columns"
        elif column in chosen_by:
            errors[name] = f"“{column}” is already chosen for {FIELD_LABELS[chosen_by[column]].lower()}"
        else:
            chosen_by[column] = name
    if not mapping.actual_start:
        errors.setdefault("actual_start", "Choose the column with the actual start (check-in) time")
    if not mapping.actual_end:
        errors.setdefault("actual_end", "Choose the column with the actual end (check-out) time")
    if not mapping.visit_reference:
        if not mapping.package_reference and not mapping.planned_start:
            errors.setdefault(
                "visit_reference",
                "Choose the column with our visit reference, or the package reference and planned start",
            )
        elif not mapping.package_reference:
            errors.setdefault(
                "package_reference", "Choose the package reference column to go with the planned start"
            )
        elif not mapping.planned_start:
            errors.setdefault(
                "planned_start", "Choose the planned start column to go with the package reference"
            )
    if errors:
        raise ValidationError(errors)


# --- dates and times -----------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
FORMAT_HINT = "use a date and time like 05/01/2026 08:00 or 2026-01-05T08:00"
# Far outside any visit, and inside what every database and time zone conversion handles.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


class TimeProblem(ValueError):
    """Why a date and time in the file cannot be read, in words for the row error."""


def parse_when(text: str, *, spring_gap: str = "error") -> dt.datetime:
    """An aware datetime (in UTC) from ISO 8601 (with or without an offset) or "DD/MM/YYYY HH:MM".

    Times without an offset are Europe/London wall-clock times. In the autumn hour that happens twice the
    first occurrence (BST) is meant. A time in the spring gap did not happen: an error for actual times;
    with spring_gap="shift" it moves on by the hour skipped, as `rules.local_start` plans visits.
    """
    text = text.strip()
    if _ISO.match(text):
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise TimeProblem(f"“{text}” is not a real date and time: {FORMAT_HINT}") from None
    else:
        match = _UK.match(text)
        if match is None:
            raise TimeProblem(f"“{text}” is not a date and time: {FORMAT_HINT}")
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            value = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - made aware below
        except ValueError:
            raise TimeProblem(f"“{text}” is not a real date and time: {FORMAT_HINT}") from None
    try:
        if value.tzinfo is None:
            value = london_time(value, spring_gap=spring_gap, text=text)
        # In UTC: Python never finds a London time in the autumn fold equal to the same instant elsewhere
        # (PEP 495), so comparing with the database's times, or hashing, would silently go wrong.
        value = value.astimezone(dt.UTC)
    except OverflowError:  # the first or last moments of year 1 or 9999, shifted past the calendar
        raise TimeProblem(f"“{text}” is not a real date and time: {FORMAT_HINT}") from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise TimeProblem(f"“{text}” is not a likely date for a visit: check the year")
    return value


def london_time(naive: dt.datetime, *, spring_gap: str = "error", text: str = "") -> dt.datetime:
    first = naive.replace(tzinfo=LONDON, fold=0)
    # A wall-clock time in the spring gap does not survive the round trip through UTC.
    normalised = first.astimezone(dt.UTC).astimezone(LONDON)
    if normalised.replace(tzinfo=None) != naive:
        if spring_gap == "shift":
            return normalised
        raise TimeProblem(
            f"{text or naive.strftime('%d/%m/%Y %H:%M')} did not happen in UK time: the clocks went "
            "forward an hour that night; check the time in your system"
        )
    return first


def _show(when: dt.datetime) -> str:
    return timezone.localtime(when, LONDON).strftime("%d/%m/%Y %H:%M")


def _show_time(when: dt.datetime, beside: dt.datetime) -> str:
    local, other = timezone.localtime(when, LONDON), timezone.localtime(beside, LONDON)
    return local.strftime("%H:%M") if local.date() == other.date() else _show(when)


# --- checking the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    label: str  # "Row" (CSV) or "Record" (JSON)
    number: int
    detail: str

    @property
    def message(self) -> str:
        """The whole sentence a manager reads: "Row 7: actual end 09:10 is before actual start 09:30"."""
        return f"{self.label} {self.number}: {self.detail}"


@dataclass(frozen=True)
class PlannedRow:
    """A row that will give one visit its actual times."""

    number: int
    visit_id: int
    actual_start: dt.datetime
    actual_end: dt.datetime
    care_worker: str = ""
    note: str = ""


@dataclass
class ImportPlan:
    provider_id: int
    filename: str
    row_label: str
    rows: list[PlannedRow] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # row numbers
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({e.number for e in self.errors})


@dataclass
class _Candidate:
    number: int
    label: str
    problems: list[str] = field(default_factory=list)
    visit_id: int | None = None
    package_reference: str = ""
    planned: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    care_worker: str = ""
    note: str = ""

    def error(self, detail: str) -> RowError:
        return RowError(self.label, self.number, detail)

    @property
    def target(self) -> str:
        if self.visit_id is not None:
            return f"visit {self.visit_id}"
        assert self.planned is not None
        return f"visit {self.package_reference} at {_show(self.planned)}"


_VISIT_REF = re.compile(r"^(?:v(?:isit)?[\s#-]*|#)?0*(\d{1,18})$", re.IGNORECASE)


def _read_row(number: int, label: str, values: dict[str, str]) -> _Candidate:
    """Everything that can be said about a row before looking at our visits."""
    row = _Candidate(number=number, label=label)
    reference = values.get("visit_reference", "")
    package, planned = values.get("package_reference", ""), values.get("planned_start", "")
    if reference:
        match = _VISIT_REF.match(reference)
        if match is None:
            row.problems.append(f"visit reference “{reference}” is not one of our visit numbers")
        else:
            row.visit_id = int(match.group(1))
    if package or planned:
        if not package:
            row.problems.append("no package reference to go with the planned start")
        elif not planned:
            row.problems.append(f"no planned start to go with package {package}")
        else:
            row.package_reference = package.upper()
            try:
                row.planned = parse_when(planned, spring_gap="shift")
            except TimeProblem as exc:
                row.problems.append(f"planned start {exc}")
    elif not reference:
        row.problems.append("no visit reference, package reference or planned start")
    for name, text in (
        ("actual start", values.get("actual_start", "")),
        ("actual end", values.get("actual_end", "")),
    ):
        if not text:
            row.problems.append(f"no {name}")
            continue
        try:
            when = parse_when(text)
        except TimeProblem as exc:
            row.problems.append(f"{name} {exc}")
            continue
        if name == "actual start":
            row.start = when
        else:
            row.end = when
    if row.start is not None and row.end is not None:
        if row.end < row.start:
            end, start = _show_time(row.end, row.start), _show_time(row.start, row.end)
            row.problems.append(f"actual end {end} is before actual start {start}")
        elif row.end == row.start:
            row.problems.append("actual end is the same as actual start")
        elif row.end - row.start > MAX_VISIT_LENGTH:
            row.problems.append("actual end is more than 24 hours after actual start")
    row.care_worker = values.get("care_worker", "")[:150]
    row.note = values.get("note", "")
    if len(row.note) > MAX_NOTE_CHARS:
        row.problems.append(f"the note is longer than {MAX_NOTE_CHARS:,} characters")
    return row


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _find_visits(
    user: User, rows: list[_Candidate]
) -> tuple[dict[int, Visit], dict[tuple[str, dt.datetime], Visit]]:
    """The user's visits the rows name, in a few bulk queries (by id; by package and planned start)."""
    # Only visits the organisation delivers: a subcontracted visit is evidenced by the subcontractor.
    visible = selectors.visits_delivered_by(user=user).select_related("package").order_by()
    ids = sorted({r.visit_id for r in rows if r.visit_id is not None})
    by_id: dict[int, Visit] = {}
    for chunk in _chunks(ids):
        by_id.update((v.pk, v) for v in visible.filter(pk__in=chunk))
    wanted: dict[str, set[dt.date]] = {}
    for r in rows:
        if r.visit_id is None and r.planned is not None:
            wanted.setdefault(r.package_reference, set()).add(timezone.localtime(r.planned, LONDON).date())
    by_key: dict[tuple[str, dt.datetime], Visit] = {}
    references = sorted(wanted)
    for chunk in _chunks(references, 200):
        days = sorted(set().union(*(wanted[ref] for ref in chunk)))
        for day_chunk in _chunks(days, 300):
            for v in visible.filter(package__reference__in=chunk, date__in=day_chunk):
                by_key[(v.package.reference.upper(), v.planned_start)] = v
    return by_id, by_key


@dataclass(frozen=True)
class _Evidence:
    client_id: uuid.UUID
    source: str


def _evidence(visit_ids: Sequence[int]) -> dict[int, list[_Evidence]]:
    """Each visit's check-ins, check-outs and corrections: what an import must not contradict."""
    found: dict[int, list[_Evidence]] = {}
    ids = sorted(set(visit_ids))
    for chunk in _chunks(ids):
        rows = CallEvent.objects.filter(
            visit_id__in=chunk, kind__in=(EventKind.CHECK_IN, EventKind.CHECK_OUT, EventKind.CORRECTION)
        ).values_list("visit_id", "client_id", "source")
        for visit_id, client_id, source in rows:
            found.setdefault(visit_id, []).append(_Evidence(client_id, source))
    return found


def _fingerprint(provider_id: int, visit_id: int, kind: str, when: dt.datetime) -> str:
    return f"{provider_id}:{visit_id}:{kind}:{when.astimezone(dt.UTC).isoformat()}"


def event_client_id(*, provider_id: int, visit_id: int, kind: str, when: dt.datetime) -> uuid.UUID:
    """The same provider, visit, kind and instant always give the same id, so a re-import is a no-op."""
    return uuid.uuid5(IMPORT_NAMESPACE, _fingerprint(provider_id, visit_id, kind, when))


_SOURCE_WORDS = {
    EventSource.APP: "the care worker app",
    EventSource.MANAGER: "a manager's correction",
    EventSource.IMPORT: "an earlier import with other times",
}
_ALREADY = "already"
_STORE = "store"


def _against_visit(
    *, provider_id: int, visit: Visit, start: dt.datetime, end: dt.datetime, evidence: list[_Evidence], now
) -> str:
    """_STORE, _ALREADY, or the reason the row cannot give this visit these times."""
    wanted = {
        event_client_id(provider_id=provider_id, visit_id=visit.pk, kind=kind, when=when)
        for kind, when in ((EventKind.CHECK_IN, start), (EventKind.CHECK_OUT, end))
    }
    existing = {e.client_id for e in evidence}
    if wanted <= existing or (visit.actual_start == start and visit.actual_end == end):
        return _ALREADY
    if visit.status == VisitStatus.CANCELLED:
        return "this visit is cancelled"
    others = [e for e in evidence if e.client_id not in wanted]
    if others:
        source = _SOURCE_WORDS.get(others[0].source, "another source")
        if visit.actual_start is not None:
            recorded = f"{_show_time(visit.actual_start, visit.planned_start)}"
            if visit.actual_end is not None:
                recorded += f" to {_show_time(visit.actual_end, visit.actual_start)}"
            times = f"actual times ({recorded})"
        else:
            times = "call-monitoring events"
        return f"this visit already has {times} from {source}: correct it on the visit page instead"
    planned = visit.planned_start
    if abs(start - planned) > MAX_DRIFT:
        return (
            f"actual start {_show(start)} is more than 12 hours from the planned start {_show(planned)}: "
            "check the visit and that dates are day/month/year"
        )
    if end > now + CLOCK_AHEAD_TOLERANCE:
        return f"actual end {_show(end)} is in the future"
    return _STORE


def validate(
    *, user: User, parsed: ParsedFile, mapping: ColumnMapping, now: dt.datetime | None = None
) -> ImportPlan:
    """Check every row against the user's own visits, without writing anything.

    Raises ValidationError when the mapping itself is unusable; row problems go in `plan.errors`, one
    sentence each, in file order. A visit of another provider reads exactly like a visit that does not
    exist. Rows whose times are already recorded go in `plan.already_imported`, not in the errors.
    """
    _require_importer(user)
    mapping_check(parsed=parsed, mapping=mapping)
    now = now or timezone.now()
    assert user.organisation_id is not None
    plan = ImportPlan(provider_id=user.organisation_id, filename=parsed.filename, row_label=parsed.row_label)
    columns = {name: column for name, column in mapping.as_dict().items() if column}
    rows: list[_Candidate] = []
    for number, cells in zip(parsed.numbers, parsed.rows, strict=True):
        values = {name: (cells.get(column) or "").strip() for name, column in columns.items()}
        if any(values.values()):
            rows.append(_read_row(number, parsed.row_label, values))
    by_id, by_key = _find_visits(user, rows)
    found: dict[int, Visit] = {}
    for r in rows:
        visit = _visit_for(r, by_id, by_key)
        if visit is not None:
            found[r.number] = visit
    evidence = _evidence([v.pk for v in found.values()])
    first_row_of: dict[int, int] = {}
    for r in rows:
        problems = list(r.problems)
        visit = found.get(r.number)
        identified = r.visit_id is not None or r.planned is not None
        if visit is None and identified:
            problems.insert(0, f"no {r.target} for your organisation")
        elif visit is not None:
            problems[:0] = _identity_problems(r, visit)
            if visit.pk in first_row_of:
                problems.insert(0, f"visit {visit.pk} is also in {r.label.lower()} {first_row_of[visit.pk]}")
            else:
                first_row_of[visit.pk] = r.number
        if problems:
            plan.errors.extend(r.error(p) for p in problems)
            continue
        assert visit is not None and r.start is not None and r.end is not None
        outcome = _against_visit(
            provider_id=plan.provider_id,
            visit=visit,
            start=r.start,
            end=r.end,
            evidence=evidence.get(visit.pk, []),
            now=now,
        )
        if outcome == _ALREADY:
            plan.already_imported.append(r.number)
        elif outcome == _STORE:
            plan.rows.append(PlannedRow(r.number, visit.pk, r.start, r.end, r.care_worker, r.note))
        else:
            plan.errors.append(r.error(outcome))
    plan.warnings = _worker_warnings(user, plan.rows)
    return plan


def _visit_for(
    r: _Candidate, by_id: dict[int, Visit], by_key: dict[tuple[str, dt.datetime], Visit]
) -> Visit | None:
    if r.visit_id is not None:
        return by_id.get(r.visit_id)
    if r.planned is not None:
        return by_key.get((r.package_reference, r.planned))
    return None


def _identity_problems(r: _Candidate, visit: Visit) -> list[str]:
    """A row that gives our visit reference and the package and planned start too must agree with itself."""
    if r.visit_id is None or r.planned is None:
        return []
    if visit.package.reference.upper() == r.package_reference and visit.planned_start == r.planned:
        return []
    return [
        f"visit {visit.pk} is {visit.package.reference} at {_show(visit.planned_start)}, "
        f"not {r.package_reference} at {_show(r.planned)}"
    ]


def _worker_warnings(user: User, rows: list[PlannedRow]) -> list[str]:
    """The care worker column is for information; names we do not know are stored as written."""
    names = sorted({r.care_worker for r in rows if r.care_worker})
    if not names:
        return []
    known: set[str] = set()
    for chunk in _chunks(names):
        known.update(
            User.objects.filter(
                organisation_id=user.organisation_id, role=Role.CARE_WORKER, username__in=chunk
            ).values_list("username", flat=True)
        )
    unknown = [n for n in names if n not in known]
    if not unknown:
        return []
    shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
    return [
        f"These care workers are not usernames of your care workers here; they are kept as written: {shown}"
    ]


# --- storing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    visits: int
    events: int
    already_imported: int


def apply(*, user: User, plan: ImportPlan, now: dt.datetime | None = None) -> ImportResult:
    """Store a check-in and a check-out for every row of the plan, then refresh each visit's status.

    One transaction: every row is stored or none is. Refuses a plan with any error. Each visit is locked
    and checked again (it may have been cancelled, or checked in by a phone, since the plan was made);
    any problem then raises ValidationError and nothing is kept. Rows already stored meanwhile are
    skipped, and a concurrent import of the same rows is caught by the unique client ids.
    """
    _require_importer(user)
    if plan.provider_id != user.organisation_id:
        raise PermissionDenied("This import was checked for another organisation")
    if plan.errors:
        raise ValidationError(
            [f"Nothing was stored: correct the {len(plan.errors)} problem(s) in the file and upload it again"]
            + [e.message for e in plan.errors[:20]]
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _store(user=user, plan=plan, now=now)
    except IntegrityError as exc:
        raise ValidationError(
            "Some of these visit times were stored by another import at the same moment: check the file again"
        ) from exc


def _store(*, user: User, plan: ImportPlan, now: dt.datetime) -> ImportResult:
    ids = sorted({r.visit_id for r in plan.rows})
    visible = selectors.visits_delivered_by(user=user).order_by("pk")
    visits: dict[int, Visit] = {}
    for chunk in _chunks(ids):
        # Locked in id order (one order for every import, so two can never deadlock); a phone's event
        # for one of these visits waits for us and then sees our events in its recompute.
        visits.update((v.pk, v) for v in visible.select_for_update().filter(pk__in=chunk))
    evidence = _evidence(ids)
    errors: list[str] = []
    events: list[CallEvent] = []
    already = 0
    seen: set[int] = set()
    for row in plan.rows:
        visit = visits.get(row.visit_id)
        if visit is None:
            errors.append(f"{plan.row_label} {row.number}: no visit {row.visit_id} for your organisation")
            continue
        if visit.pk in seen:
            errors.append(f"{plan.row_label} {row.number}: visit {visit.pk} is in this import twice")
            continue
        seen.add(visit.pk)
        existing = evidence.get(visit.pk, [])
        outcome = _against_visit(
            provider_id=plan.provider_id,
            visit=visit,
            start=row.actual_start,
            end=row.actual_end,
            evidence=existing,
            now=now,
        )
        if outcome == _ALREADY:
            already += 1
        elif outcome != _STORE:
            errors.append(f"{plan.row_label} {row.number}: {outcome}")
        else:
            stored = {e.client_id for e in existing}
            events.extend(
                e for e in _events_for(user, plan.provider_id, row, now) if e.client_id not in stored
            )
    if errors:
        raise ValidationError(
            ["Nothing was stored: these visits changed since the file was checked"] + errors[:20]
        )
    CallEvent.objects.bulk_create(events, batch_size=500)
    refreshed = [visits[pk] for pk in sorted({e.visit_id for e in events})]
    for chunk in _chunks(refreshed):
        services.visits_refresh(visits=chunk, now=now)
    result = ImportResult(
        visits=len(refreshed), events=len(events), already_imported=len(plan.already_imported) + already
    )
    # One sealed entry per committed import (counts only: the file's name and notes may hold personal
    # data); a refused import raised above and left nothing, this entry included.
    audit_record(
        actor=user,
        action="visits.import_applied",
        record=user.organisation,
        summary=f"Visit times imported: {result.visits} visit(s), {result.events} event(s)",
        payload={
            "rows": len(plan.rows),
            "visits": result.visits,
            "events": result.events,
            "already_imported": result.already_imported,
        },
    )
    return result


def _events_for(user: User, provider_id: int, row: PlannedRow, now: dt.datetime) -> list[CallEvent]:
    events = []
    for kind, when, text in (
        (EventKind.CHECK_IN, row.actual_start, f"Care worker: {row.care_worker}" if row.care_worker else ""),
        (EventKind.CHECK_OUT, row.actual_end, row.note),
    ):
        fingerprint = _fingerprint(provider_id, row.visit_id, kind, when)
        events.append(
            CallEvent(
                client_id=uuid.uuid5(IMPORT_NAMESPACE, fingerprint),
                payload_hash=hashlib.sha256(fingerprint.encode()).hexdigest(),
                visit_id=row.visit_id,
                kind=kind,
                source=EventSource.IMPORT,
                method=Verification.IMPORTED,
                recorded_by=user,
                occurred_at=when,
                received_at=now,
                text=text,
            )
        )
    return events
