"""Waiting, complaints, safeguarding, reviews and ASCOF 3D against hand-counted examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.models import SupportPlan
from homecare.people.tests.factories import make_package, make_person
from homecare.reporting.kpis import KPIS, Context
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import council_population, nhs_population, provider_population
from homecare.reporting.tests.factories import award, open_case

MARCH = Month(2026, 3)
AFTER_MARCH = dt.datetime(2026, 4, 30, 12, 0, tzinfo=LONDON)


def figure(kpi_id, population, month=MARCH, now=AFTER_MARCH):
    kpi = KPIS[kpi_id]
    m = kpi.measure(population, month, Context(now=now))
    return m.numerator, m.denominator, kpi.value(m)


def london(y, mo, d, h=10, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=LONDON)


def _waiting_package(council, actor, zone, plan_completed, funding="council", **person):
    person = make_person(council=council, actor=actor, zone=zone, **person)
    package = make_package(
        person=person,
        actor=actor,
        funding=funding,
        **({"council_share": Decimal(50), "nhs_share": Decimal(50)} if funding == "joint" else {}),
    )
    SupportPlan.objects.filter(pk=package.support_plan_id).update(completed_at=plan_completed)
    return package


@pytest.fixture
def waiting(northbridge, alice, bella, zone, acorn):
    a = _waiting_package(northbridge, alice, zone, london(2026, 3, 1))
    b = _waiting_package(northbridge, alice, zone, london(2026, 3, 20), funding="joint")
    c = _waiting_package(northbridge, alice, zone, london(2026, 3, 29, 0, 30))
    d = _waiting_package(northbridge, alice, zone, london(2026, 3, 9, 9))
    open_case(a, opened_at=london(2026, 3, 2), hard_to_place_at=london(2026, 3, 8))
    open_case(b, opened_at=london(2026, 3, 20, 12))
    open_case(c, opened_at=london(2026, 3, 29, 1))
    placed = open_case(d, opened_at=london(2026, 3, 9, 10))
    award(placed, provider=acorn, at=london(2026, 3, 10, 10), actor=bella)
    # Awarded 49 hours after the plan: outside 2 days, and in April.
    e = _waiting_package(northbridge, alice, zone, london(2026, 4, 1, 9))
    award(
        open_case(e, opened_at=london(2026, 4, 1, 9, 30)),
        provider=acorn,
        at=london(2026, 4, 3, 10),
        actor=bella,
    )


def test_people_waiting_at_the_end_of_the_month_and_their_days(northbridge, waiting):
    council = council_population(northbridge)
    assert figure("people-waiting", council)[2] == 3
    # 31, 12 and 3 London days to the end of March.
    assert figure("average-days-waiting", council) == (46, 3, Decimal("15.3"))
    assert figure("p90-days-waiting", council)[2] == 31
    assert figure("hard-to-place", council)[2] == 1


def test_the_nhs_partner_counts_only_nhs_funded_packages_waiting(northbridge, waiting):
    assert figure("people-waiting", nhs_population(northbridge))[2] == 1


def test_homecare_within_two_days_counts_awards_in_the_month(northbridge, waiting):
    assert figure("homecare-within-2-days", council_population(northbridge)) == (1, 1, Decimal("100.0"))
    assert figure("homecare-within-2-days", council_population(northbridge), Month(2026, 4))[:2] == (0, 1)


def test_no_one_waiting_has_no_percentile(northbridge, db):
    assert figure("p90-days-waiting", council_population(northbridge))[2] is None
    assert figure("people-waiting", council_population(northbridge))[2] == 0


def test_complaint_acknowledgements_on_time_by_provider(
    northbridge, acorn, birch, paul, pippa, mary_package, joan_package
):
    from homecare.quality.tests.factories import FRIDAY, acknowledge, make_complaint

    on_time = make_complaint(actor=paul, provider=acorn, person=mary_package.person)
    acknowledge(on_time, paul)
    late = make_complaint(actor=pippa, provider=birch, person=joan_package.person)
    acknowledge(late, pippa, on=FRIDAY + dt.timedelta(days=10))
    december, now = Month(2025, 12), london(2026, 2, 1)
    assert figure("complaints-acknowledged-3-days", council_population(northbridge), december, now)[:2] == (
        1,
        2,
    )
    assert figure("complaints-acknowledged-3-days", provider_population(northbridge, acorn), december, now)[
        :2
    ] == (
        1,
        1,
    )
    assert figure("complaints-acknowledged-3-days", provider_population(northbridge, birch), december, now)[
        :2
    ] == (
        0,
        1,
    )


def test_making_safeguarding_personal_counts_closed_enquiries(northbridge, mary, alice):
    from homecare.quality.tests.factories import make_concern, walk

    lead = make_user(organisation=northbridge, role=Role.SAFEGUARDING_LEAD)
    walk(make_concern(actor=alice, person=mary), lead=lead, officer=alice, feels_safe="fairly_safe")
    now = timezone.now() + dt.timedelta(minutes=1)
    month = Month.containing(now)
    council = council_population(northbridge)
    assert figure("msp-asked", council, month, now)[:2] == (1, 1)
    assert figure("msp-expressed", council, month, now)[:2] == (1, 1)
    assert figure("msp-feels-safe", council, month, now)[:2] == (1, 1)


def test_reviews_and_direct_payments_among_people_with_homecare_in_service(
    northbridge, mary_package, joan_package, alice, bella, zone, acorn
):
    third = make_person(council=northbridge, actor=alice, zone=zone)
    make_package(person=third, actor=bella, status="active", provider=acorn, funding="direct_payment")
    now = timezone.now() + dt.timedelta(minutes=1)
    month = Month.containing(now)
    council = council_population(northbridge)
    assert figure("reviewed-12-months", council, month, now)[:2] == (3, 3)
    assert figure("ascof-3d", council, month, now) == (1, 3, Decimal("33.3"))
    # Before anything started, nobody was in service.
    assert figure("reviewed-12-months", council, Month(2025, 1), now)[:2] == (0, 0)


def test_measures_without_a_data_source_say_why():
    for kpi_id in ("ascof-2d", "ascof-2e"):
        assert KPIS[kpi_id].measure is None and KPIS[kpi_id].no_data_reason
