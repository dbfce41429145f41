"""Jobs: thin wrappers around visit services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal

from homecare.accounts.models import User
from homecare.people.models import Package
from homecare.visits import services
from homecare.visits.models import EventSource


def generate_visits_job(days: int | None = None) -> dict:
    """Nightly: roll every active package's visits forward over the horizon."""
    return services.visits_generate_all(days=days).__dict__


def flag_late_visits_job() -> dict:
    """Every few minutes: late and missed visits, alerts and escalations."""
    return services.late_visits_flag().__dict__


def regenerate_package_job(package_id: int, start: str | None = None) -> dict:
    """After a package changes (started, held, resumed, ended, a new version): re-plan its visits."""
    package = Package.objects.filter(pk=package_id).first()
    if package is None:
        return {}
    day = dt.date.fromisoformat(start) if start else None
    return services.visits_generate(package=package, start=day).__dict__


def event_input(item: dict) -> tuple[int, services.EventInput]:
    """One event in the call-monitoring API's JSON shape (EventIn) as the service's input."""

    def decimal(name: str) -> Decimal | None:
        return None if item.get(name) is None else Decimal(str(item[name]))

    return item["visit_id"], services.EventInput(
        client_id=uuid.UUID(str(item["client_id"])),
        kind=item["kind"],
        occurred_at=dt.datetime.fromisoformat(item["occurred_at"]),
        latitude=decimal("latitude"),
        longitude=decimal("longitude"),
        accuracy_m=item.get("accuracy_m"),
        tag_token=item.get("tag_token", ""),
        tasks_done=tuple(item.get("tasks_done", ())),
        text=item.get("text", ""),
    )


def record_events_job(actor_id: int, events: list[dict], source: str = EventSource.APP) -> dict:
    """A queue of call events with nobody waiting on the answer (ADR 0004), recorded as the batch API
    records a phone's queue: each event once by its client id. Safe to run again after a crash: the
    batch commits in one transaction, and a re-run finds every event already stored."""
    actor = User.objects.get(pk=actor_id)
    items = [event_input(e) for e in events]
    outcomes = services.events_record_batch(actor=actor, items=items, source=source)
    return dict(Counter(o.result for o in outcomes))
