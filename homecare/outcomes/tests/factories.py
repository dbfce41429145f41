"""Budget-of-hours packages and their visits for tests, made through the services where they can be."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from homecare.outcomes import services
from homecare.outcomes.models import CarryOverMode
from homecare.people import services as people_services
from homecare.people.models import Package
from homecare.people.tests.factories import make_support_plan
from homecare.visits import services as visit_services
from homecare.visits.models import Visit
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import check_in_at_home, check_out

# A Monday in winter (GMT), well in the past, so weeks are complete and London time is UTC.
MONDAY = dt.date(2026, 1, 5)


def make_budget_package(
    *,
    person,
    actor,
    provider=None,
    hours: Decimal = Decimal("10"),
    start_date: dt.date = MONDAY,
    status: str = "active",
    funding: str = "council",
) -> Package:
    plan = person.support_plans.filter(status="completed").first() or make_support_plan(
        person=person, actor=actor
    )
    package = people_services.package_create(
        actor=actor,
        person=person,
        support_plan=plan,
        terms=people_services.PackageTerms(
            care_model="budget_of_hours", funding=funding, weekly_budget_hours=hours
        ),
        start_date=start_date,
    )
    for step in {"draft": [], "active": ["submit", "start"]}[status]:
        package = people_services.package_transition(
            actor=actor, package=package, transition=step, provider=provider
        )
    return package


def plan_visit(
    package: Package, day: dt.date, at: dt.time = dt.time(9, 0), minutes: int = 60, carers: int = 1
):
    """A flexibly planned visit on any day, past ones included (visit_plan_flexible refuses the past, as a
    manager may not plan yesterday; tests need history), with the service's own construction."""
    version = package.versions.filter(status="confirmed").order_by("-number").first()
    planned = dt.datetime.combine(day, at).replace(tzinfo=LONDON).astimezone(dt.UTC)
    visit = visit_services._flexible_visit(package, version, planned, minutes, carers, ["washing"], 30)
    visit.save()
    return visit


def deliver(visit: Visit, carer, minutes: int) -> Visit:
    """The carer checks in at the planned start and out `minutes` later, as it happened."""
    visit_services.visit_assign(actor=_manager(visit), visit=visit, care_worker=carer)
    start = visit.planned_start.astimezone(LONDON)
    end = start + dt.timedelta(minutes=minutes)
    visit_services.event_record(
        actor=carer, visit=visit, event=check_in_at_home(visit.person, start), now=start
    )
    visit_services.event_record(actor=carer, visit=visit, event=check_out(end), now=end)
    visit.refresh_from_db()
    return visit


def _manager(visit):
    from homecare.accounts.models import Role, User

    return User.objects.filter(organisation_id=visit.provider_id, role=Role.PROVIDER_MANAGER).first()


def roll_over(*, actor, council, max_hours=Decimal("3"), max_weeks=1, effective_from=dt.date(2025, 12, 29)):
    return services.carry_over_rule_record(
        actor=actor,
        council=council,
        effective_from=effective_from,
        mode=CarryOverMode.ROLL_OVER,
        max_hours=max_hours,
        max_weeks=max_weeks,
        reason="Up to three hours roll over for a week",
    )
