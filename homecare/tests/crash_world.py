"""The crash-safety scenario: a borough's four weeks of homecare, the jobs run over it, and the state
compared after them (test_crash_safety.py).

Northbridge pays Acorn and Birch weekly. Ten people each have a daily 08:00 half-hour visit for the last
28 days, each with their own care worker. The first three weeks were delivered as they happened (some
visits short, some never checked out, some missed) and the first week has a draft payment run. The last
six days are still in the care workers' phones: their queues arrive as jobs.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.finance import services as finance_services
from homecare.people.tests.factories import make_package, make_person
from homecare.providers.models import Framework
from homecare.providers.tests.factories import make_framework
from homecare.visits import services as visit_services
from homecare.visits.models import Visit
from homecare.visits.rules import LONDON
from homecare.visits.tasks import event_input

PEOPLE_PER_PROVIDER = 5
DAYS = 28
HOME = (Decimal("52.950000"), Decimal("-1.150000"))
DOORSTEP = HOME[0] + Decimal("0.000180")  # about 20 m away


@dataclass
class World:
    finance_officer_id: int
    framework_id: int
    weeks: list[dt.date]  # the first day of each paid week, oldest first
    first_run_id: int
    phone_queues: list[tuple[int, list[dict]]] = field(default_factory=list)  # the last six days
    late_check_outs: list[tuple[int, list[dict]]] = field(default_factory=list)  # for week one


def phone_event(visit: Visit, kind: str, at: dt.datetime, **extra) -> dict:
    fields = {
        "visit_id": visit.pk,
        "client_id": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": at.isoformat(),
    }
    if kind == "check_in":
        fields |= {"latitude": str(DOORSTEP), "longitude": str(HOME[1]), "accuracy_m": 12}
    if kind == "check_out":
        fields["tasks_done"] = ["washing"]
    return fields | extra


def _delivery(visit: Visit, n: int) -> list[dict]:
    """What the care worker's phone sends for the n-th visit: varied so that payment has every case."""
    if n % 9 == 4:
        return []  # never visited: missed
    start = visit.planned_start.astimezone(LONDON) + dt.timedelta(minutes=2)
    events = [phone_event(visit, "check_in", start)]
    if n % 7 == 3:
        return events  # never checked out: held
    minutes = 12 if n % 5 == 2 else 28 + n % 5  # short visits are held
    events.append(phone_event(visit, "check_out", start + dt.timedelta(minutes=minutes)))
    if n % 4 == 1:
        events.append(phone_event(visit, "note", start + dt.timedelta(minutes=5), text=f"Note {n}"))
    return events


def build(*, council, providers, practitioner, rng: random.Random) -> World:
    """`providers`: (provider, its manager) pairs. Everything is written through the services."""
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=DAYS)
    commissioner = make_user(organisation=council, role=Role.COMMISSIONER)
    fiona = make_user(organisation=council, role=Role.FINANCE_OFFICER)
    framework = make_framework(
        council=council, actor=commissioner, admitted=[p for p, _ in providers], area_types=["urban"]
    )
    Framework.objects.filter(pk=framework.pk).update(payment_period_days=7)
    framework.refresh_from_db()
    world = World(
        finance_officer_id=fiona.pk,
        framework_id=framework.pk,
        weeks=[first_day + dt.timedelta(days=7 * w) for w in range(3)],
        first_run_id=0,
    )
    for provider, manager in providers:
        for _ in range(PEOPLE_PER_PROVIDER):
            _one_person(council, provider, manager, practitioner, first_day, today, world, rng)
    world.first_run_id = finance_services.run_create(
        actor=fiona, framework=framework, period_start=world.weeks[0]
    ).pk
    return world


def _one_person(council, provider, manager, practitioner, first_day, today, world, rng) -> None:
    person = make_person(council=council, actor=practitioner, latitude=HOME[0], longitude=HOME[1])
    package = make_package(
        person=person, actor=practitioner, provider=provider, status="active", start_date=first_day
    )
    visit_services.visits_generate(package=package, start=first_day, days=DAYS)
    package.visits.filter(date__gte=today).delete()  # the package's start planned ahead: not needed here
    worker = make_user(organisation=provider, role=Role.CARE_WORKER)
    visits = list(package.visits.order_by("planned_start"))
    for visit in visits:
        visit_services.visit_assign(actor=manager, visit=visit, care_worker=worker)
    recent, late = [], []
    for week in range(4):
        days = visits[week * 7 : week * 7 + 7]
        sent = [e for n, v in enumerate(days, start=week * 7) for e in _delivery(v, n)]
        if week == 3:
            recent = [
                e for e in sent if dt.date.fromisoformat(e["occurred_at"][:10]) > today - dt.timedelta(7)
            ]
            continue
        # Delivered as it happened: the week's queue reached us on its last evening (no clock doubts).
        arrived = dt.datetime.combine(days[-1].date, dt.time(20), tzinfo=LONDON)
        items = [event_input(e) for e in sent]
        visit_services.events_record_batch(actor=worker, items=items, now=arrived)
        if week == 0:
            checked_in = {e["visit_id"] for e in sent if e["kind"] == "check_in"}
            checked_out = {e["visit_id"] for e in sent if e["kind"] == "check_out"}
            late = [
                phone_event(v, "check_out", v.planned_start + dt.timedelta(minutes=33))
                for v in days
                if v.pk in checked_in - checked_out
            ]
    if recent and rng.random() < 0.5:
        recent.append(phone_event(visits[-1], "concern", visits[-1].planned_start, text="Bruise on left arm"))
    world.phone_queues.append((worker.pk, recent))
    if late:
        world.late_check_outs.append((worker.pk, late))


def flushes(
    queue: list[dict], rng: random.Random, *, duplicates: float = 0.2, parts: int = 2
) -> list[list[dict]]:
    """A phone's queue as it reaches the server over a bad connection: in `parts` flushes, in any order,
    with a share of events sent again (the phone never heard the answer)."""
    sent = queue + rng.sample(queue, round(len(queue) * duplicates))
    rng.shuffle(sent)
    size = -(-len(sent) // parts)
    return [sent[i : i + size] for i in range(0, len(sent), size)]


# --- the state compared (run in a fresh process against each database) ---------------------------------


def _text(rows) -> list[list[str]]:
    return sorted([str(value) for value in row] for row in rows)


def state() -> dict:
    """What the jobs produced, without database ids that depend on the order work was done in."""
    from django.apps import apps

    from homecare.finance.models import PaymentRun, Statement, StatementLine
    from homecare.platform.audit_log import verify_chain
    from homecare.platform.models import Notification
    from homecare.visits.models import CallEvent, VisitAlert

    lines = StatementLine.objects.values_list(
        "statement__run__period_start",
        "statement__provider_id",
        "kind",
        "package_id",
        "visit_id",
        "care_type",
        "carers",
        "day_type",
        "rate",
        "visits",
        "minutes",
        "amount",
        "hold_reason",
    )
    return {
        "rows": {
            m._meta.label: m._base_manager.count()
            for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy
        },
        "events": _text(
            CallEvent.objects.values_list(
                "client_id", "visit_id", "kind", "occurred_at", "method", "clock_flag", "text", "source"
            )
        ),
        "distinct_client_ids": CallEvent.objects.values("client_id").distinct().count(),
        "visits": _text(
            Visit.objects.values_list(
                "pk",
                "status",
                "verification",
                "actual_start",
                "actual_end",
                "actual_minutes",
                "clock_flagged",
            )
        ),
        "alerts": _text((a.visit_id, a.kind, a.escalated_at is None) for a in VisitAlert.objects.all()),
        "notifications": _text(Notification.objects.values_list("recipient_id", "text", "link")),
        "runs": _text(
            (r.framework_id, r.period_start, r.period_end, r.status, r.calculated_at is not None)
            for r in PaymentRun.objects.all()
        ),
        "statements": _text(
            Statement.objects.values_list(
                "run__period_start", "provider_id", "payable", "held", "nhs_recharge", "visits", "held_visits"
            )
        ),
        "lines": _text(lines),
        "audit_chain_intact": verify_chain().intact,
    }
