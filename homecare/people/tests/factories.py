"""People, plans and packages for tests, made through the services so history and rules apply."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from homecare.accounts.models import Organisation, User
from homecare.people import services
from homecare.people.models import Package, Person, SupportPlan
from homecare.providers.models import Zone

_seq = itertools.count(1)


def next_nhs_number() -> str:
    """A valid synthetic NHS number (the 999 range is never issued to real people)."""
    import nhs_number

    while True:
        base = f"999{next(_seq):06d}"
        check = nhs_number.calculate_checksum(base)
        if check != 10:
            return f"{base}{check}"


def make_zone(*, council: Organisation, name: str | None = None, area_type: str = "urban") -> Zone:
    n = next(_seq)
    return Zone.objects.create(council=council, code=f"Z{n}", name=name or f"Zone {n}", area_type=area_type)


def make_person(*, council: Organisation, actor: User, zone: Zone | None = None, **fields) -> Person:
    n = next(_seq)
    defaults = {
        "case_reference": f"ASC{n:06d}",
        "nhs_number": next_nhs_number(),
        "given_name": "Mary",
        "family_name": f"Testperson{n}",
        "date_of_birth": dt.date(1940, 3, 27),
        "address_line_1": f"{n} High Street",
        "town": "Northbridge",
        "postcode": "NG1 1AA",
        "zone": zone or make_zone(council=council),
    }
    defaults.update(fields)
    return services.person_create(actor=actor, council=council, **defaults)


def make_support_plan(*, person: Person, actor: User, complete: bool = True) -> SupportPlan:
    plan = services.support_plan_create(
        actor=actor,
        person=person,
        outcomes=["I want to get up and dressed by nine", "I want to stay in my own home"],
        tasks=["washing", "dressing", "medication"],
        review_date=timezone.localdate() + dt.timedelta(days=180),
    )
    return services.support_plan_complete(actor=actor, plan=plan) if complete else plan


def make_package(
    *,
    person: Person,
    actor: User,
    funding: str = "council",
    provider: Organisation | None = None,
    status: str = "draft",
    start_date: dt.date | None = None,
    council_share: Decimal = Decimal("100"),
    nhs_share: Decimal = Decimal("0"),
) -> Package:
    """A time-and-task package with one 30-minute daily visit, moved to the requested status."""
    plan = person.support_plans.filter(status="completed").first() or make_support_plan(
        person=person, actor=actor
    )
    package = services.package_create(
        actor=actor,
        person=person,
        support_plan=plan,
        terms=services.PackageTerms(
            care_model="time_and_task",
            funding=funding,
            council_share_percent=council_share,
            nhs_share_percent=nhs_share,
        ),
        start_date=start_date or timezone.localdate(),
    )
    services.visit_pattern_add(
        actor=actor,
        version=package.versions.get(number=1),
        details=services.VisitDetails(
            days=list(range(7)), preferred_start=dt.time(8, 0), duration_minutes=30
        ),
    )
    path = {
        "draft": [],
        "awaiting_provider": ["submit"],
        "active": ["submit", "start"],
        "on_hold": ["submit", "start", "hold"],
        "ended": ["submit", "start", "end"],
    }[status]
    for step in path:
        package = services.package_transition(
            actor=actor,
            package=package,
            transition=step,
            provider=provider,
            reason="test" if step in ("hold", "end") else "",
        )
    return package
