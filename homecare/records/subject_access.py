"""Subject access: everything held about a person, across every module, as JSON and as a readable PDF.

The sources come from discovery.person_sources(), so a new module's records are included without a
change here; the export lists every kind of record searched, with how many were found. Security
credentials (the home tag's token) are withheld. An officer reads the export before it is sent: it can
hold other people's information (a carer's name, a complaint by a relative) that the law lets them remove.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from fpdf import FPDF

from homecare.people.models import Person
from homecare.records.discovery import Source, person_sources

WITHHELD = "(withheld: security credential)"
# Field names that hold secrets, not information about the person.
CREDENTIAL_FIELDS = frozenset({"token", "token_hash", "secret", "password", "key", "bin_key"})
HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
WITHHELD_KIND = "Not searched: only a role allowed to see these records can include them"


@dataclass
class Section:
    source: Source
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass
class SubjectAccessExport:
    person: Person
    generated_at: dt.datetime
    generated_by: str
    sections: list[Section]
    withheld: list[Source] = field(default_factory=list)

    @property
    def included(self) -> list[Section]:
        return [s for s in self.sections if not s.source.is_internal]


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _row(obj: dict[str, Any], columns: list[models.Field]) -> dict[str, Any]:
    out = {}
    for f in columns:
        value = obj[f.attname]
        out[f.attname] = WITHHELD if f.name in CREDENTIAL_FIELDS and value not in (None, "") else value
    return out


def may_include(source: Source, role: str | None) -> bool:
    """Whether an export made by someone in `role` includes this kind of record.

    settings.SUBJECT_ACCESS_RESTRICTED names the models (and so everything found through them) that
    only some roles may include: safeguarding records only by a safeguarding lead (ADR 0008). `None` is
    the operator at the command line, who is not limited.
    """
    if role is None:
        return True
    restricted = getattr(settings, "SUBJECT_ACCESS_RESTRICTED", {})
    return all(role in restricted[label] for label in source.passes_through if label in restricted)


def build(*, person: Person, generated_by: str = "", role: str | None = None) -> SubjectAccessExport:
    """Read every record about the person the requester may include (one query per kind, nearest
    first); the kinds left out are listed as withheld, without saying whether any exist."""
    sections, withheld = [], []
    for source in person_sources():
        if not may_include(source, role):
            if not source.is_internal:
                withheld.append(source)
            continue
        columns = _columns(source.model)
        rows = source.rows(person.pk).values(*[f.attname for f in columns])
        sections.append(Section(source, [_row(r, columns) for r in rows.iterator(chunk_size=1000)]))
    return SubjectAccessExport(
        person=person,
        generated_at=timezone.now(),
        generated_by=generated_by,
        sections=sections,
        withheld=withheld,
    )


def counts(*, person: Person, role: str | None) -> tuple[list[tuple[Source, int]], list[Source]]:
    """How many records of each kind are held (the page shows this before anyone downloads), and the
    kinds this role may not include (no counts: even "none" would say something)."""
    sources = [s for s in person_sources() if not s.is_internal]
    held = [(s, s.rows(person.pk).count()) for s in sources if may_include(s, role)]
    return held, [s for s in sources if not may_include(s, role)]


# --- JSON ------------------------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)  # phone numbers and other value objects: their text form


def as_json(export: SubjectAccessExport) -> bytes:
    document = {
        "subject_access_export": {
            "person_id": export.person.pk,
            "case_reference": export.person.case_reference,
            "council": str(export.person.council),
            "generated_at": export.generated_at,
            "generated_by": export.generated_by,
        },
        "included": [
            {
                "model": s.source.label,
                "title": s.source.title,
                "record_class": s.source.record_class,
                "history": s.source.is_history,
                "found_through": s.source.path,
                "count": s.count,
            }
            for s in export.included
        ],
        "withheld": [{"model": s.label, "title": s.title, "reason": WITHHELD_KIND} for s in export.withheld],
        "records": {s.source.label: s.rows for s in export.included},
    }
    return json.dumps(document, cls=_Encoder, indent=2, ensure_ascii=False).encode()


# --- PDF -------------------------------------------------------------------------------------------


def _latin1(text: str) -> str:
    """The PDF's core fonts are Latin-1: accents are kept where they exist there, otherwise spelled
    without (the JSON export carries the exact text)."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        plain = unicodedata.normalize("NFKD", text)
        return (
            "".join(c for c in plain if not unicodedata.combining(c))
            .encode("latin-1", "replace")
            .decode("latin-1")
        )


class _Display:
    """Field values in words: choices by label, dates as dates, people by name, keys as references."""

    def __init__(self, export: SubjectAccessExport):
        user_model = get_user_model()
        user_ids = {
            row[f.attname]
            for s in export.sections
            for f in _columns(s.source.model)
            if f.is_relation and f.related_model is user_model
            for row in s.rows
            if row[f.attname] is not None
        }
        self.users = {
            u.pk: (u.get_full_name() or u.username)
            for u in user_model._default_manager.filter(pk__in=user_ids)
        }
        self.user_model = user_model

    def value(self, f: models.Field, value: Any) -> str:
        if value is None or value == "":
            return "-"
        if f.is_relation:
            if f.related_model is self.user_model:
                return self.users.get(value, f"user {value}")
            return f"{f.related_model._meta.verbose_name} {value}"
        if f.name == "history_type":
            return HISTORY_TYPES.get(value, str(value))
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, dt.datetime):
            return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
        if isinstance(value, dt.date):
            return f"{value:%-d %b %Y}"
        if isinstance(value, Decimal):
            return f"{value}"
        if isinstance(value, list | dict):
            return json.dumps(value, cls=_Encoder, ensure_ascii=False)
        return str(value)


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, f"Subject access export - page {self.page_no()}", align="C")


def as_pdf(export: SubjectAccessExport) -> bytes:
    display = _Display(export)
    person = export.person
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"Information held about {person.full_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for text in (
        f"Case reference {person.case_reference}, {person.council}",
        f"Prepared {timezone.localtime(export.generated_at):%-d %B %Y at %H:%M}"
        + (f" by {export.generated_by}" if export.generated_by else ""),
        "Every kind of record the system holds was searched; the table shows what was found.",
    ):
        pdf.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(120, 6, "Kind of record", border="B")
    pdf.cell(40, 6, "Module", border="B")
    pdf.cell(20, 6, "Found", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for s in export.included:
        pdf.cell(120, 6, _latin1(s.source.title)[:70])
        pdf.cell(40, 6, s.source.record_class)
        pdf.cell(20, 6, str(s.count), align="R", new_x="LMARGIN", new_y="NEXT")
    if export.withheld:
        pdf.ln(2)
        pdf.multi_cell(
            0,
            5,
            _latin1(
                "Not searched in this export (only a role allowed to see them can include them): "
                + ", ".join(s.title for s in export.withheld)
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    for s in export.included:
        if not s.rows:
            continue
        columns = _columns(s.source.model)
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(f"{s.source.title} ({s.count})"), new_x="LMARGIN", new_y="NEXT")
        for n, row in enumerate(s.rows, start=1):
            parts = [
                f"{str(f.verbose_name).capitalize()}: {display.value(f, row[f.attname])}"
                for f in columns
                if row[f.attname] not in (None, "", [], {})
            ]
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(0, 5, f"{n}.", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(0, 4.5, _latin1("; ".join(parts)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
