"""API shapes for call monitoring: what the care worker's phone downloads and sends."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema


class DeviceIn(Schema):
    name: str = Field("Phone", max_length=100, description="What the care worker calls this phone")


class DeviceOut(Schema):
    id: int
    name: str
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`. Shown once; only a hash is kept."
    )


class PersonAtVisit(Schema):
    """What the care worker needs at the door, only for their own visits today and tomorrow."""

    name: str
    address: str
    postcode: str
    access_notes: str
    latitude: Decimal | None
    longitude: Decimal | None
    outcomes: list[str]
    what_matters: str


class VisitOut(Schema):
    id: int
    date: dt.date
    planned_start: dt.datetime
    planned_minutes: int
    carers_required: int
    care_type: str
    tasks: list[str]
    status: str
    verification: str
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    package_reference: str
    person: PersonAtVisit


class EventIn(Schema):
    """One thing that happened at a visit, as the phone recorded it (possibly hours ago, offline)."""

    client_id: uuid.UUID = Field(description="The phone's UUID for this event: a retry sends the same one")
    # Bounded to the database's id range: a larger number is refused as invalid input (422), not
    # passed to the database driver (which cannot hold it).
    visit_id: int = Field(ge=1, le=2**63 - 1)
    kind: Literal["check_in", "check_out", "note", "concern"]
    occurred_at: dt.datetime = Field(description="The phone's clock, with its UTC offset")
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    accuracy_m: int | None = Field(None, ge=0, le=100_000)
    tag_token: str = Field("", max_length=64, description="The QR tag's token, when checking in by tag")
    tasks_done: list[str] = Field(default_factory=list, max_length=50)
    text: str = Field("", max_length=4000)


class EventOut(Schema):
    client_id: uuid.UUID
    event_id: int | None = None
    result: Literal["stored", "already_stored", "conflict", "rejected", "not_found"]
    visit_status: str | None = None
    verification: str | None = None
    clock_flag: str = ""
    errors: dict[str, list[str]] = Field(default_factory=dict)


class EventBatchIn(Schema):
    events: list[EventIn] = Field(max_length=500)


class EventBatchOut(Schema):
    results: list[EventOut]


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class InvalidRequest(Schema):
    """The request itself did not parse (django-ninja's validation answer)."""

    detail: list[dict]
