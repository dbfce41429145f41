"""The scheduler: periodic jobs (late-visit scan, offer-round expiry, nightly visit planning, ...).

Each entry of settings.SCHEDULE names a job by dotted path and either `every_minutes` or `daily_at`
("HH:MM", London time). Time is cut into slots (the 5-minute slot, the London day); a slot's job is
enqueued once, however many schedulers run: the first to claim the slot in Redis (SET NX, with an
expiry) enqueues it, the others see the claim. In the embedded default (jobs in-process) the claims
live in memory and jobs run at once. Jobs themselves are idempotent, so a slot lost in a crash is made
good by the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from homecare.platform import jobs

LONDON = ZoneInfo("Europe/London")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    job: str
    every_minutes: int | None = None
    daily_at: dt.time | None = None

    def slot(self, now: dt.datetime) -> str | None:
        """The slot `now` falls in, or None when the job is not due yet today."""
        if self.every_minutes:
            return str(int(now.timestamp()) // (self.every_minutes * 60))
        local = now.astimezone(LONDON)
        return local.date().isoformat() if local.time() >= self.daily_at else None

    def claim_seconds(self) -> int:
        return (self.every_minutes or 24 * 60) * 60 * 2


def entries(raw: Iterable[dict] | None = None) -> list[Entry]:
    """settings.SCHEDULE, checked: a typo fails at start-up, not silently at 2 a.m."""
    result = []
    for item in settings.SCHEDULE if raw is None else raw:
        every, daily = item.get("every_minutes"), item.get("daily_at")
        if not item.get("job") or (every is None) == (daily is None):
            raise ImproperlyConfigured(
                f"SCHEDULE entry {item!r} needs a job and one of every_minutes or daily_at"
            )
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ImproperlyConfigured(f"SCHEDULE entry {item!r}: every_minutes must be a whole number ≥ 1")
        at = None
        if daily is not None:
            try:
                at = dt.time.fromisoformat(daily)
            except ValueError:
                raise ImproperlyConfigured(f"SCHEDULE entry {item!r}: daily_at must be HH:MM") from None
        result.append(Entry(job=item["job"], every_minutes=every, daily_at=at))
    return result


class MemoryClaims:
    """Claims for a single in-process scheduler (embedded default, tests)."""

    def __init__(self):
        self.taken: set[str] = set()

    def claim(self, key: str, seconds: int) -> bool:
        if key in self.taken:
            return False
        self.taken.add(key)
        return True


class RedisClaims:
    """Claims shared by every scheduler process on every machine."""

    def __init__(self, connection):
        self.connection = connection

    def claim(self, key: str, seconds: int) -> bool:
        return bool(self.connection.set(f"openhomecare:schedule:{key}", "1", nx=True, ex=seconds))


def tick(*, now: dt.datetime, claims, schedule: list[Entry], enqueue: Callable = jobs.enqueue) -> list[str]:
    """Enqueue every job whose current slot nobody has claimed; returns the jobs enqueued."""
    started = []
    for entry in schedule:
        slot = entry.slot(now)
        if slot is None or not claims.claim(f"{entry.job}:{slot}", entry.claim_seconds()):
            continue
        try:
            enqueue(entry.job)
        except Exception:  # one failing job must not stop the others (it is retried next slot)
            log.exception("scheduled job failed to start", extra={"job": entry.job})
            continue
        log.info("scheduled job started", extra={"job": entry.job, "slot": slot})
        started.append(entry.job)
    return started
