"""Mary's whole file: a package at Acorn with visits, a check-in, a home tag, a brokerage offer, a
statement line and a correction to her name; then her care ends. Nora (another Northbridge person) is
still in care. Council administrator Ada decides disposals."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people import services as people_services
from homecare.people.tests.factories import make_package, make_person
from homecare.records.retention import add_years

MONDAY = dt.date(2026, 1, 5)


@pytest.fixture
def ada(northbridge):
    return make_user(organisation=northbridge, role=Role.ADMINISTRATOR, username="ada", first_name="Ada")


def build_file(person, *, practitioner, broker, provider, manager, care_worker, end: bool = True):
    """Records about `person` in every module, made the way the services make them."""
    from homecare.brokerage.models import BrokerageCase, Offer, OfferRound
    from homecare.finance.models import PaymentRun, Statement, StatementLine
    from homecare.providers.tests.factories import make_framework
    from homecare.visits import services as visit_services
    from homecare.visits.models import HomeTag

    person.latitude, person.longitude = Decimal("52.950000"), Decimal("-1.150000")
    person.save(update_fields=["latitude", "longitude"])
    package = make_package(person=person, actor=broker, provider=provider, status="active", start_date=MONDAY)
    visit_services.visits_generate(package=package, start=MONDAY, days=3)
    visit = package.visits.order_by("planned_start").first()
    visit_services.visit_assign(actor=manager, visit=visit, care_worker=care_worker)
    visit_services.event_record(
        actor=care_worker,
        visit=visit,
        event=visit_services.EventInput(
            client_id=uuid.uuid4(),
            kind="check_in",
            occurred_at=visit.planned_start,
            latitude=person.latitude,
            longitude=person.longitude,
            accuracy_m=10,
        ),
    )
    HomeTag.objects.create(
        person=person,
        provider=provider,
        token=uuid.uuid4().hex,
        created_by=manager,
        created_at=timezone.now(),
    )
    now = timezone.now()
    case = BrokerageCase.objects.create(package=package, council=person.council, opened_at=now)
    offer_round = OfferRound.objects.create(case=case, number=1, opened_at=now, deadline=now)
    Offer.objects.create(
        round=offer_round, provider=provider, quality_score=Decimal(50), price_score=Decimal(50)
    )
    framework = make_framework(council=person.council, actor=practitioner, admitted=[provider])
    run = PaymentRun.objects.create(
        council=person.council,
        framework=framework,
        period_start=MONDAY,
        period_end=MONDAY + dt.timedelta(days=27),
        status="approved",
        pay_basis="actual",
        rounding_minutes=5,
        minimum_minutes=0,
        created_by=practitioner,
        created_at=now,
    )
    statement = Statement.objects.create(run=run, provider=provider)
    StatementLine.objects.create(
        statement=statement,
        package=package,
        person=person,
        visit=visit,
        funding="council",
        care_type="day",
        carers=1,
        day_type="weekday",
        rate=Decimal("24.20"),
        visits=1,
        minutes=30,
        amount=Decimal("12.10"),
        council_amount=Decimal("12.10"),
        nhs_amount=Decimal("0"),
    )
    people_services.person_update(actor=practitioner, person=person, family_name="Smythe", reason="Spelling")
    if end:
        people_services.package_transition(
            actor=broker, package=package, transition="end", reason="Moved away"
        )
    return package


@pytest.fixture
def mary_file(mary, alice, bella, acorn, paul, carl):
    """Mary's file; her care ended today."""
    build_file(mary, practitioner=alice, broker=bella, provider=acorn, manager=paul, care_worker=carl)
    mary.refresh_from_db()
    return mary


@pytest.fixture
def nora(northbridge, alice, bella, acorn, zone):
    """Nora, also at Northbridge, still has an active package."""
    nora = make_person(council=northbridge, actor=alice, zone=zone, given_name="Nora", family_name="Baxter")
    make_package(person=nora, actor=bella, provider=acorn, status="active", start_date=MONDAY)
    return nora


@pytest.fixture
def past_retention():
    """A day when care that ended today is eight years and a day old."""
    return add_years(timezone.localdate(), 8) + dt.timedelta(days=1)
