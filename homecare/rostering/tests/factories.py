"""Building a provider's day for the rota planner's tests: care workers with profiles, people with homes
and their visits (packages generate them; times, carers and tasks are then set per test)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package, make_person
from homecare.rostering import services
from homecare.rostering.adapters import LONDON
from homecare.visits import services as visit_services

# A fixed Tuesday in winter (GMT).
DAY = dt.date(2026, 1, 6)
_seq = count(1)


def make_carer(
    *, provider, manager, skills=(), gender="", shifts=((7, 0, 22, 0),), weekdays=range(7), **fields
):
    n = next(_seq)
    user = make_user(
        organisation=provider,
        role=Role.CARE_WORKER,
        username=f"carer{n}",
        first_name=fields.pop("first_name", f"Carer{n}"),
        last_name="Test",
    )
    availability = tuple(
        (d, dt.time(h1, m1), dt.time(h2, m2)) for d in weekdays for (h1, m1, h2, m2) in shifts
    )
    services.profile_save(
        actor=manager,
        care_worker=user,
        details=services.ProfileDetails(
            skills=tuple(skills),
            gender=gender,
            home_latitude=fields.pop("lat", Decimal("52.950000")),
            home_longitude=fields.pop("lon", Decimal("-1.150000")),
            availability=availability,
            **fields,
        ),
    )
    return user


def make_visit(
    *,
    council,
    practitioner,
    zone,
    provider,
    at=(8, 0),
    minutes=30,
    carers=1,
    tasks=(),
    day=DAY,
    lat="52.955000",
    lon="-1.145000",
    located=True,
    person=None,
):
    """One visit on `day` at `at` for a new person (or `person`), delivered by `provider`."""
    if person is None:
        person = make_person(council=council, actor=practitioner, zone=zone)
        if located:
            person.latitude, person.longitude = Decimal(lat), Decimal(lon)
            person.save(update_fields=["latitude", "longitude"])
    package = make_package(
        person=person, actor=practitioner, provider=provider, status="active", start_date=day
    )
    visit_services.visits_generate(package=package, start=day, days=1)
    visit = package.visits.get()
    start = dt.datetime.combine(day, dt.time(*at), tzinfo=LONDON)
    visit.planned_start, visit.planned_minutes = start, minutes
    visit.late_at = start + dt.timedelta(minutes=30)
    visit.carers_required, visit.tasks = carers, list(tasks)
    visit.save(update_fields=["planned_start", "planned_minutes", "late_at", "carers_required", "tasks"])
    return visit


def solved_plan(*, manager, day=DAY, time_limit=1, **settings):
    plan = services.plan_create(
        actor=manager, start_date=day, chosen=services.PlanSettings(time_limit_seconds=time_limit, **settings)
    )
    services.plan_start(actor=manager, plan=plan)
    services.plan_solve(plan_id=plan.pk, actor_id=manager.pk)
    plan.refresh_from_db()
    return plan
