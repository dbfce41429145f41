"""Helpers for building visits and call events in tests."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from homecare.visits import services

# A fixed Monday in winter (GMT) so visit times read the same in UTC and London.
MONDAY = dt.date(2026, 1, 5)


def generate_week(package, start: dt.date = MONDAY):
    return services.visits_generate(package=package, start=start, days=7)


def check_in_at_home(person, at: dt.datetime, **overrides) -> services.EventInput:
    """A check-in from the doorstep (about 20 m from the home) with a good fix."""
    fields = {
        "client_id": uuid.uuid4(),
        "kind": "check_in",
        "occurred_at": at,
        "latitude": person.latitude + Decimal("0.000180"),
        "longitude": person.longitude,
        "accuracy_m": 12,
    }
    fields.update(overrides)
    return services.EventInput(**fields)


def check_out(at: dt.datetime, **overrides) -> services.EventInput:
    fields = {"client_id": uuid.uuid4(), "kind": "check_out", "occurred_at": at, "tasks_done": ("washing",)}
    fields.update(overrides)
    return services.EventInput(**fields)
