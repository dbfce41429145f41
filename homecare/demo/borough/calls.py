"""What happened at the demo borough's visits: the call events, home tags and alerts of visits that are
over or under way, and each visit's state derived from its events (see `visits.py` for the whole story).

A visit that is over went as a real week does: about 92% on time, 3% late, 2% missed, 1% cancelled, 1%
short and 1% checked in out of range; two phones had a wrong clock and a manager corrected one visit.
Today's calls under way are checked in, checked out or not yet. Each visit's story comes from a random
stream seeded from the visit (its package and planned start), so the time of day the borough is built
changes no other visit's story.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import random
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from homecare.people.models import CareType
from homecare.visits import rules, services
from homecare.visits.models import (
    AlertKind,
    CallEvent,
    CancelReason,
    CorrectionReason,
    EventKind,
    EventSource,
    HomeTag,
    Verification,
    VisitAlert,
)

# Client ids are UUID 5s in this namespace of "<visit id>:<kind>", so the same borough has the same ids.
NAMESPACE = uuid.UUID("0c6f2a5e-3d1b-4a8e-9f47-6b0d2e7c1a93")
TAG_HOMES = 0.04  # homes with a QR tag (and no location sent from them)
# A visit this long after its planned end is over: its whole story can be told.
OVER = dt.timedelta(minutes=90)
# How visits that are over went; whatever is left (about 92%) was on time.
OUTCOMES = (("missed", 0.02), ("cancelled", 0.01), ("late", 0.03), ("short", 0.01), ("out_of_range", 0.01))
NOTE_SHARE = 0.06
OFFLINE_SHARE = 0.04  # phones that sent their events later, from a signal
ONE_DAY = dt.timedelta(days=1)
METRES_PER_DEGREE = 111_320

NOTES = (
    "In good spirits today; ate a full breakfast.",
    "Tired this morning and stayed in the chair. Fluids encouraged.",
    "Daughter visited; asked about moving the lunch call to 13:00.",
    "Running low on incontinence pads: told the office.",
    "Chatty and bright. Watered the tomatoes together.",
    "Blister pack for next week not delivered yet: rang the pharmacy.",
    "Fridge nearly empty; son is doing the shopping tomorrow.",
)
CANCELLATIONS = (
    (CancelReason.PERSON_DECLINED, "", 3),
    (CancelReason.FAMILY_COVERING, "", 3),
    (CancelReason.PERSON_IN_HOSPITAL, "", 2),
    (CancelReason.OTHER, "At the day centre's outing; back after the call time.", 1),
)
LATE_ACTIONS = (
    "Phoned the care worker: held up at the previous call, arriving in 20 minutes.",
    "Care worker stuck in traffic on the ring road; phoned the person to let them know.",
    "Rang the care worker: car would not start, colleague sent instead.",
)
MISSED_ACTIONS = (
    "Care worker off sick and the call was not covered. Phoned the family and apologised.",
    "Rota error: the call was not on anyone's run. Fixed the rota; family informed.",
    "Person was out at a hospital appointment; confirmed with the family.",
)


class Calls:
    """The events, tags and alerts of visits that are over or under way, and each visit's derived state."""

    def __init__(
        self,
        rng: random.Random,
        *,
        seed: int,
        now: dt.datetime,
        managers: dict[int, int],
        first_provider: int,
        escalate_after: Callable[[dict], int],
        tables: dict,
    ):
        self.managers, self.tables, self.escalate_after = managers, tables, escalate_after
        # Tags and the special visits come from the build's stream; each visit's story from a stream of
        # its own (seeded from the visit), so how far today has gone changes no other visit's story.
        self.main, self.rng, self.seed = rng, random.Random(), seed
        self.now, self.today = now, timezone.localdate(now)
        self.first_provider = first_provider
        self.homes: dict[int, dict] = {}  # package id → the package, with its person's location
        self.radius = settings.VISITS_CHECK_IN_RADIUS_M
        self.tags: dict[int, str] = {}  # person → token
        self.events: list[dict] = []
        self.alerts: list[dict] = []
        self.new_tags: list[dict] = []

    def flush_events(self) -> list[dict]:
        rows, self.events = self.events, []
        return rows

    def flush_alerts(self) -> list[dict]:
        rows, self.alerts = self.alerts, []
        return rows

    def flush_tags(self) -> list[dict]:
        rows, self.new_tags = self.new_tags, []
        return rows

    def tell(self, packages: list[dict], visits: list[dict], crew: dict, *, special: bool) -> None:
        """Tell the story of each of these visits that has begun (events, alerts) and set its state;
        give some of the packages' homes a QR tag. The `special` chunk also gets the odd ones out."""
        now, homes = self.now, self.homes
        homes.clear()
        for package in packages:
            homes[package["id"]] = package
            # The first home always has one, so even a small borough has check-ins by QR tag.
            if self.main.random() < TAG_HOMES or not self.tags:
                self._issue_tag(package)
        stories = self._special(visits) if special else {}
        for visit in visits:
            if visit["planned_start"] > now:
                continue  # still to come: planned
            home, workers = homes[visit["package_id"]], crew[visit["id"]]
            self.rng.seed(
                self.seed << 64 | visit["package_id"] << 34 | int(visit["planned_start"].timestamp())
            )
            before = len(self.events)
            if visit["planned_start"] + dt.timedelta(minutes=visit["planned_minutes"]) + OVER <= now:
                story = stories.get(visit["id"]) or self._draw()
                told = self._over(visit, home, workers, story)
            else:
                told = self._under_way(visit, home, workers)
            if told:
                self._derive(visit, self.events[before:])

    def _draw(self) -> str:
        pick = self.rng.random()
        for story, share in OUTCOMES:
            if pick < share:
                return story
            pick -= share
        return "on_time"

    def _special(self, visits: list[dict]) -> dict[int, str]:
        """Two phones with a wrong clock and one correction, on day calls at least two days ago."""
        cutoff = self.today - dt.timedelta(days=2)
        candidates = [v for v in visits if v["date"] <= cutoff and v["care_type"] == CareType.DAY]
        if len(candidates) < 3:
            return {}
        own = [v for v in candidates if v["provider_id"] == self.first_provider] or candidates
        correction = self.main.choice(own)
        others = [v for v in candidates if v is not correction]
        ahead, reset = self.main.sample(others, 2)
        return {correction["id"]: "correction", ahead["id"]: "clock_ahead", reset["id"]: "clock_reset"}

    # the stories

    def _over(self, visit: dict, home: dict, workers: list[int], story: str) -> bool:
        rng, ps = self.rng, visit["planned_start"]
        worker = workers[0]
        if story == "missed":
            if visit["date"] < self.today:
                self._missed_alerts(visit)
                return True
            return False  # today's: the scan at the end of the build finds it
        if story == "cancelled":
            reason, text = self._cancel_reason()
            at = ps - dt.timedelta(hours=rng.randint(2, 30))
            manager = self.managers[visit["provider_id"]]
            self._event(visit, EventKind.CANCEL, by=manager, at=at, reason=reason, text=text)
            return True
        arrive = dt.timedelta(seconds=rng.randint(-600, 1200))
        if story == "late":
            arrive = dt.timedelta(seconds=rng.randint(35 * 60, 75 * 60))
            self._late_alert(visit)
        stay = self._stay(visit, short=story == "short")
        check_in = ps + arrive
        check_out = check_in + stay
        skew = dt.timedelta()
        if story == "clock_ahead":
            skew = dt.timedelta(hours=3)  # the phone's clock, not the visit, was three hours ahead
        elif story == "clock_reset":
            skew = -dt.timedelta(days=365)  # a phone reset to last year's date
        self._check_in(visit, home, worker, check_in, far=story == "out_of_range", skew=skew)
        if story == "correction":
            self._correction(visit, home, worker, check_in, check_out)
            return True
        if not skew and rng.random() < NOTE_SHARE:
            note_at = check_out - dt.timedelta(minutes=1)
            self._event(visit, EventKind.NOTE, by=worker, at=note_at, text=rng.choice(NOTES))
        self._check_out(visit, home, worker, check_out, skew=skew)
        return True

    def _under_way(self, visit: dict, home: dict, workers: list[int]) -> bool:
        """Today's calls that started lately: checked in (perhaps out), or not yet (late once due)."""
        rng, now, ps = self.rng, self.now, visit["planned_start"]
        if rng.random() < (0.25 if now < visit["late_at"] else 0.12):
            return False
        check_in = min(
            ps + dt.timedelta(seconds=rng.randint(-600, 1200)),
            now - dt.timedelta(seconds=rng.randint(30, 300)),
        )
        self._check_in(visit, home, workers[0], check_in)
        check_out = check_in + self._stay(visit)
        if check_out <= now - dt.timedelta(minutes=1) and rng.random() < 0.9:
            self._check_out(visit, home, workers[0], check_out)
        return True

    def _stay(self, visit: dict, *, short: bool = False) -> dt.timedelta:
        if short:
            return dt.timedelta(minutes=self.rng.randint(5, 13), seconds=self.rng.randint(0, 59))
        minutes = max(15, visit["planned_minutes"] + self.rng.randint(-3, 6))
        return dt.timedelta(minutes=minutes, seconds=self.rng.randint(0, 59))

    def _cancel_reason(self) -> tuple[str, str]:
        reason, text, _ = self.rng.choices(CANCELLATIONS, weights=[w for *_, w in CANCELLATIONS])[0]
        return reason, text

    def _correction(self, visit, home, worker, check_in, check_out) -> None:
        """The care worker forgot to check out and did so hours later; the manager corrects the time the
        next morning, and the late check-out stays on the record beside the correction."""
        remembered = check_out + dt.timedelta(minutes=self.rng.randint(150, 240))
        original = self._check_out(visit, home, worker, remembered)
        next_morning = rules.local_start(visit["date"] + ONE_DAY, dt.time(9, 10))
        self._event(
            visit,
            EventKind.CORRECTION,
            by=self.managers[visit["provider_id"]],
            at=min(next_morning, self.now),
            reason=CorrectionReason.FORGOT_CHECK_OUT,
            text="Care worker forgot to check out and did it from the car after the next call; the family "
            f"confirmed the visit ended at {timezone.localtime(check_out):%H:%M}.",
            corrects=original["id"],
            corrected_end=check_out,
        )

    # events

    def _check_in(self, visit, home, worker, at, *, far: bool = False, skew=dt.timedelta()) -> None:
        token = self.tags.get(home["person_id"])
        kwargs = {"tag": token} if token and not far else {"place": self._fix(home, far=far)}
        self._event(visit, EventKind.CHECK_IN, by=worker, at=at + skew, received=at, home=home, **kwargs)

    def _check_out(self, visit, home, worker, at, *, skew=dt.timedelta()) -> dict:
        tasks = [t for t in visit["tasks"] if self.rng.random() < 0.95]
        place = None if home["person_id"] in self.tags else self._fix(home)
        return self._event(
            visit,
            EventKind.CHECK_OUT,
            by=worker,
            at=at + skew,
            received=at,
            home=home,
            place=place,
            tasks=tasks,
        )

    def _fix(self, home: dict, *, far: bool = False) -> tuple[Decimal, Decimal, int]:
        """A phone's position near the home (or, out of range, streets away) and its accuracy."""
        rng = self.rng
        lat, lon = float(home["person__latitude"]), float(home["person__longitude"])
        metres = rng.uniform(300, 1800) if far else rng.uniform(3, 60)
        bearing = rng.uniform(0, 2 * math.pi)
        lat2 = lat + metres * math.cos(bearing) / METRES_PER_DEGREE
        lon2 = lon + metres * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        return Decimal(f"{lat2:.6f}"), Decimal(f"{lon2:.6f}"), rng.randint(5, 40)

    def _event(
        self,
        visit: dict,
        kind: str,
        *,
        by: int,
        at: dt.datetime,
        received: dt.datetime | None = None,
        home: dict | None = None,
        place: tuple[Decimal, Decimal, int] | None = None,
        tag: str = "",
        tasks: list[str] | tuple[str, ...] = (),
        text: str = "",
        reason: str = "",
        corrects: int | None = None,
        corrected_end: dt.datetime | None = None,
    ) -> dict:
        """One event row as `services.event_record` (from a phone) or the manager's services store it."""
        client_id = uuid.uuid5(NAMESPACE, f"{visit['id']}:{kind}")
        by_manager = kind in (EventKind.CANCEL, EventKind.CORRECTION)
        latitude, longitude, accuracy = place or (None, None, None)
        row = {
            "id": self.tables[CallEvent].allocate(),
            "client_id": client_id,
            "visit_id": visit["id"],
            "kind": kind,
            "source": EventSource.MANAGER if by_manager else EventSource.APP,
            "recorded_by_id": by,
            "occurred_at": at,
            "received_at": at,
            "clock_flag": "",
            "method": Verification.MANUAL if kind == EventKind.CORRECTION else "",
            "latitude": latitude,
            "longitude": longitude,
            "accuracy_m": accuracy,
            "tasks_done": list(tasks),
            "text": text,
            "reason_code": reason,
            "corrects_id": corrects,
            "corrected_end": corrected_end,
        }
        self.events.append(row)
        if by_manager:
            row["payload_hash"] = hashlib.sha256(f"{kind}:{client_id}".encode()).hexdigest()
            return row
        # A phone: heard from within seconds, or later from somewhere with a signal.
        if self.rng.random() < OFFLINE_SHARE:
            delay = dt.timedelta(minutes=self.rng.randint(10, 150))
        else:
            delay = dt.timedelta(seconds=self.rng.randint(1, 40))
        row["received_at"] = min((received or at) + delay, self.now)
        row["clock_flag"] = rules.clock_problem(
            occurred_at=at, received_at=row["received_at"], planned_start=visit["planned_start"]
        )
        row["payload_hash"] = services.EventInput(
            client_id=client_id,
            kind=kind,
            occurred_at=at,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy,
            tag_token=tag,
            tasks_done=tuple(tasks),
            text=text,
        ).fingerprint(visit["id"])
        if place is not None and home is not None:
            row["distance_m"] = rules.distance_m(
                latitude, longitude, home["person__latitude"], home["person__longitude"]
            )
        if kind == EventKind.CHECK_IN:
            if tag:
                row["method"] = Verification.TAG
            elif "distance_m" in row and rules.within_radius(row["distance_m"], accuracy, self.radius):
                row["method"] = Verification.GEOLOCATION
            else:
                row["method"] = Verification.OUT_OF_RANGE
        return row

    # tags, alerts and the derived state

    def _issue_tag(self, package: dict) -> None:
        """A QR tag in the home, printed by the provider's manager some weeks ago."""
        if package["person_id"] in self.tags:
            return
        token = base64.urlsafe_b64encode(self.main.getrandbits(144).to_bytes(18, "big")).decode()
        self.tags[package["person_id"]] = token
        self.new_tags.append(
            {
                "id": self.tables[HomeTag].allocate(),
                "person_id": package["person_id"],
                "provider_id": package["provider_id"],
                "token": token,
                "created_by_id": self.managers[package["provider_id"]],
                "created_at": self.now - dt.timedelta(days=self.main.randint(10, 200)),
            }
        )

    def _late_alert(self, visit: dict) -> None:
        """Raised by the scan a few minutes after the late time; the office rang round and acknowledged
        it before the framework's escalation time."""
        raised = visit["late_at"] + dt.timedelta(seconds=self.rng.randint(0, 240))
        self._alert(visit, AlertKind.LATE, raised, self.rng.randint(3, 25), self.rng.choice(LATE_ACTIONS))

    def _missed_alerts(self, visit: dict) -> None:
        """A missed visit went late, then missed; yesterday's are sometimes still open (and escalated)."""
        rng = self.rng
        still_open = visit["date"] >= self.today - ONE_DAY and rng.random() < 0.5
        delay = None if still_open else rng.randint(5, 45)
        action = rng.choice(MISSED_ACTIONS)
        late = visit["late_at"] + dt.timedelta(seconds=rng.randint(0, 240))
        missed = visit["late_at"] + dt.timedelta(
            minutes=visit["planned_minutes"], seconds=rng.randint(0, 240)
        )
        self._alert(visit, AlertKind.LATE, late, delay, action)
        self._alert(visit, AlertKind.MISSED, missed, delay, action)

    def _alert(self, visit: dict, kind: str, raised: dt.datetime, delay: int | None, action: str) -> None:
        escalate = self.escalate_after(self.homes[visit["package_id"]])
        acknowledged = raised + dt.timedelta(minutes=delay) if delay is not None else None
        if acknowledged is not None and acknowledged > self.now:
            acknowledged = None
        due = raised + dt.timedelta(minutes=escalate)
        escalated = due if due <= self.now and (acknowledged is None or acknowledged > due) else None
        self.alerts.append(
            {
                "id": self.tables[VisitAlert].allocate(),
                "visit_id": visit["id"],
                "kind": kind,
                "raised_at": raised,
                "escalated_at": escalated,
                "acknowledged_at": acknowledged,
                "acknowledged_by_id": self.managers[visit["provider_id"]] if acknowledged else None,
                "action_taken": action if acknowledged else "",
            }
        )

    def _derive(self, visit: dict, events: list[dict]) -> None:
        """The visit's cached state from its events, exactly as `services.visit_refresh` works it out."""
        cancel = next((e for e in events if e["kind"] == EventKind.CANCEL), None)
        delivery = rules.derive_delivery(
            [
                rules.EventFact(
                    id=e["id"],
                    kind=e["kind"],
                    occurred_at=e["occurred_at"],
                    method=e["method"],
                    corrects_id=e["corrects_id"],
                    corrected_end=e["corrected_end"],
                )
                for e in events
            ],
            planned_start=visit["planned_start"],
            planned_minutes=visit["planned_minutes"],
            late_at=visit["late_at"],
            now=self.now,
            cancel_reason=CancelReason(cancel["reason_code"]).label if cancel else "",
        )
        visit["status"] = delivery.status
        visit["verification"] = delivery.verification
        start, end = delivery.actual_start, delivery.actual_end
        visit["actual_start"], visit["actual_end"] = start, end
        if start is not None and end is not None:  # as Visit.delivered_minutes: real minutes, in UTC
            elapsed = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
            visit["actual_minutes"] = max(0, int(elapsed.total_seconds() // 60))
        visit["cancel_reason"] = delivery.cancel_reason
        visit["clock_flagged"] = any(e.get("clock_flag") for e in events)
