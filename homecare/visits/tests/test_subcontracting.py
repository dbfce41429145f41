"""Visits under the lead-provider model (ADR 0015).

Acorn leads Riverside's urban lot and Birch the rural one; Cedar Community Care is a subcontractor to
both. Acorn gives Mary's visits to Cedar; Birch gives Nora's to Cedar. Cedar's manager Cora and care
worker Colin deliver them. A lead sees its subcontractors' delivery for its own packages only; a
subcontractor sees only the visits it delivers; a foreign visit is a 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.people.tests.factories import make_package, make_person, make_zone
from homecare.providers import subcontracting as provider_subcontracting
from homecare.providers.tests.factories import make_framework
from homecare.providers.tests.subcontracting_factories import appoint_lead, approved_subcontractor
from homecare.visits import selectors, services, subcontracting
from homecare.visits.models import DeliveryAllocation, Visit
from homecare.visits.rules import LONDON
from homecare.visits.tests.factories import check_in_at_home


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def clara(northbridge):
    return make_user(organisation=northbridge, role=Role.COMMISSIONER, username="clara")


@pytest.fixture
def lead_world(northbridge, clara, acorn, birch, paul, pippa, zone):
    framework = make_framework(council=northbridge, actor=clara, admitted=[acorn, birch])
    acorn_lead = appoint_lead(
        commissioner=clara, lead=acorn, lot=framework.lots.get(area_type="urban"), zone=zone
    )
    birch_lead = appoint_lead(commissioner=clara, lead=birch, lot=framework.lots.get(area_type="rural"))
    for_acorn = approved_subcontractor(manager=paul, commissioner=clara, appointment=acorn_lead)
    for_birch = approved_subcontractor(manager=pippa, commissioner=clara, appointment=birch_lead)
    assert for_acorn.subcontractor == for_birch.subcontractor
    return for_acorn, for_birch


@pytest.fixture
def cedar(lead_world):
    return lead_world[0].subcontractor


@pytest.fixture
def cora(cedar):
    return make_user(organisation=cedar, role=Role.PROVIDER_MANAGER, username="cora")


@pytest.fixture
def colin(cedar):
    return make_user(organisation=cedar, role=Role.CARE_WORKER, username="colin")


@pytest.fixture
def marys(home, alice, acorn, lead_world):
    package = make_package(person=home, actor=alice, provider=acorn, status="active", start_date=_tomorrow())
    services.visits_generate(package=package, start=_tomorrow(), days=7)
    return package


@pytest.fixture
def noras(northbridge, alice, birch, pippa, lead_world, cedar):
    nora = make_person(
        council=northbridge,
        actor=alice,
        zone=make_zone(council=northbridge, area_type="rural"),
        given_name="Nora",
    )
    package = make_package(person=nora, actor=alice, provider=birch, status="active", start_date=_tomorrow())
    services.visits_generate(package=package, start=_tomorrow(), days=7)
    subcontracting.package_allocate(actor=pippa, package=package, subcontractor=cedar, from_date=_tomorrow())
    return package


def test_the_lead_gives_a_packages_visits_to_its_subcontractor(paul, carl, marys, cedar):
    first = marys.visits.order_by("planned_start").first()
    services.visit_assign(actor=paul, visit=first, care_worker=carl)
    allocation = subcontracting.package_allocate(
        actor=paul, package=marys, subcontractor=cedar, from_date=_tomorrow(), reason="Local team"
    )
    assert allocation.visits_moved == 7 and allocation.allocated_by == paul
    assert set(marys.visits.values_list("delivered_by", flat=True)) == {cedar.pk}
    assert set(marys.visits.values_list("provider", flat=True)) == {marys.provider_id}  # still the lead's
    assert not first.assignments.exists()  # Acorn's carer came off: only Cedar's may be on it


def test_visits_planned_later_follow_the_allocation_and_can_be_taken_back(paul, marys, cedar):
    subcontracting.package_allocate(actor=paul, package=marys, subcontractor=cedar, from_date=_tomorrow())
    services.visits_generate(package=marys, start=_tomorrow(), days=10)
    assert marys.visits.count() == 10
    assert set(marys.visits.values_list("delivered_by", flat=True)) == {cedar.pk}
    back = subcontracting.package_allocate(
        actor=paul, package=marys, subcontractor=None, from_date=_tomorrow() + dt.timedelta(days=5)
    )
    assert back.visits_moved == 5
    by_day = dict(marys.visits.values_list("date", "delivered_by"))
    assert all((by_day[d] is None) == (d >= _tomorrow() + dt.timedelta(days=5)) for d in by_day)
    services.visits_generate(package=marys, start=_tomorrow(), days=12)
    assert marys.visits.get(date=_tomorrow() + dt.timedelta(days=11)).delivered_by_id is None


def test_only_an_approved_subcontractor_of_this_lead_may_be_given_visits(
    paul, pippa, marys, birch, lead_world
):
    with pytest.raises(ValidationError, match="not an approved subcontractor"):
        subcontracting.package_allocate(actor=paul, package=marys, subcontractor=birch, from_date=_tomorrow())
    with pytest.raises(PermissionDenied):
        subcontracting.package_allocate(
            actor=pippa, package=marys, subcontractor=lead_world[0].subcontractor, from_date=_tomorrow()
        )
    with pytest.raises(ValidationError, match="today or a later"):
        subcontracting.package_allocate(
            actor=paul,
            package=marys,
            subcontractor=None,
            from_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert not DeliveryAllocation.objects.filter(package=marys).exists()


def test_a_subcontractor_sees_only_the_visits_it_delivers(client, paul, cora, marys, noras, cedar):
    visit = marys.visits.order_by("planned_start").first()
    subcontracting.visit_allocate(actor=paul, visit=visit, subcontractor=cedar)
    visible = set(selectors.visits_visible_to(user=cora))
    assert visible == {visit, *noras.visits.all()}
    client.force_login(cora)
    assert client.get(reverse("visits:visit", args=[visit.pk])).status_code == 200
    own_of_acorn = marys.visits.exclude(pk=visit.pk).first()
    assert client.get(reverse("visits:visit", args=[own_of_acorn.pk])).status_code == 404
    board = client.get(
        reverse("visits:board")
        + f"?day_day={visit.date.day}&day_month={visit.date.month}&day_year={visit.date.year}"
    )
    assert board.status_code == 200 and "Mary" in board.content.decode()


def test_a_lead_sees_its_subcontractors_delivery_for_its_own_packages_only(client, paul, marys, noras, cedar):
    subcontracting.package_allocate(actor=paul, package=marys, subcontractor=cedar, from_date=_tomorrow())
    visible = selectors.visits_visible_to(user=paul)
    assert set(visible) == set(marys.visits.all())  # Cedar's delivery for Acorn, none of Birch's
    client.force_login(paul)
    assert client.get(reverse("visits:visit", args=[marys.visits.first().pk])).status_code == 200
    assert client.get(reverse("visits:visit", args=[noras.visits.first().pk])).status_code == 404


def test_the_subcontractor_puts_its_own_care_workers_on_and_they_record(
    paul, carl, cora, colin, marys, cedar
):
    subcontracting.package_allocate(actor=paul, package=marys, subcontractor=cedar, from_date=_tomorrow())
    visit = marys.visits.order_by("planned_start").first()
    with pytest.raises(PermissionDenied):
        services.visit_assign(actor=paul, visit=visit, care_worker=carl)  # the lead no longer staffs it
    with pytest.raises(ValidationError):
        services.visit_assign(actor=cora, visit=visit, care_worker=carl)  # not Cedar's worker
    services.visit_assign(actor=cora, visit=visit, care_worker=colin)
    assert list(selectors.worker_visits(user=colin, today=visit.date)) == [visit]
    at = visit.planned_start.astimezone(LONDON) + dt.timedelta(minutes=3)
    event, created = services.event_record(
        actor=colin, visit=visit, event=check_in_at_home(visit.person, at), now=at
    )
    assert created and Visit.objects.get(pk=visit.pk).status == "in_progress"
    with pytest.raises(PermissionDenied):
        services.event_record(actor=paul, visit=visit, event=check_in_at_home(visit.person, at), now=at)
    second = marys.visits.order_by("planned_start")[1]
    services.visit_assign(actor=cora, visit=second, care_worker=colin)
    at2 = second.planned_start.astimezone(LONDON)
    outcomes = services.events_record_batch(
        actor=colin, items=[(second.pk, check_in_at_home(second.person, at2))], now=at2
    )
    assert [o.result for o in outcomes] == ["stored"]
    lead_batch = services.events_record_batch(
        actor=paul, items=[(second.pk, check_in_at_home(second.person, at2))], now=at2
    )
    assert [o.result for o in lead_batch] == ["not_found"]


def test_suspension_stops_new_work_for_the_subcontractor_but_not_the_lead(
    clara, paul, carl, cora, colin, marys, lead_world, cedar
):
    subcontracting.package_allocate(actor=paul, package=marys, subcontractor=cedar, from_date=_tomorrow())
    first, second = marys.visits.order_by("planned_start")[:2]
    services.visit_assign(actor=cora, visit=first, care_worker=colin)
    provider_subcontracting.subcontracting_decide(
        actor=clara, subcontracting=lead_world[0], transition="suspend", reason="Missed visits"
    )
    with pytest.raises(ValidationError, match="suspended"):
        services.visit_assign(actor=cora, visit=second, care_worker=colin)
    with pytest.raises(ValidationError, match="not an approved subcontractor"):
        subcontracting.visit_allocate(actor=paul, visit=second, subcontractor=cedar)
    # Work already under way carries on: Colin still records the visit he is on.
    at = first.planned_start.astimezone(LONDON)
    _, created = services.event_record(
        actor=colin, visit=first, event=check_in_at_home(first.person, at), now=at
    )
    assert created
    # The lead is not suspended: it takes a visit back and staffs it itself.
    subcontracting.visit_allocate(actor=paul, visit=second, subcontractor=None, reason="Cedar suspended")
    services.visit_assign(actor=paul, visit=Visit.objects.get(pk=second.pk), care_worker=carl)
    # Visits planned from now on stay with the lead.
    services.visits_generate(package=marys, start=_tomorrow(), days=9)
    assert marys.visits.get(date=_tomorrow() + dt.timedelta(days=8)).delivered_by_id is None


def test_the_lead_chooses_who_delivers_on_the_package_page(client, paul, cora, pippa, marys, cedar):
    url = reverse("visits:package-delivery", args=[marys.pk])
    client.force_login(paul)
    page = client.get(url)
    assert page.status_code == 200 and "Cedar Community Care" in page.content.decode()
    d = _tomorrow()
    response = client.post(
        url,
        {
            "subcontractor": cedar.pk,
            "from_date_day": d.day,
            "from_date_month": d.month,
            "from_date_year": d.year,
            "reason": "Local",
        },
    )
    assert response.status_code == 302 and marys.visits.filter(delivered_by=cedar).count() == 7
    bad = client.post(
        url, {"subcontractor": "", "from_date_day": "", "from_date_month": "", "from_date_year": ""}
    )
    assert bad.status_code == 400
    for outsider in (cora, pippa):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_the_lead_gives_one_visit_from_the_visit_page(client, paul, cora, marys, cedar):
    visit = marys.visits.order_by("planned_start").first()
    client.force_login(paul)
    assert "Who delivers this visit" in client.get(reverse("visits:visit", args=[visit.pk])).content.decode()
    response = client.post(reverse("visits:visit-deliverer", args=[visit.pk]), {"subcontractor": cedar.pk})
    assert response.status_code == 302 and Visit.objects.get(pk=visit.pk).delivered_by == cedar
    assert DeliveryAllocation.objects.get(visit=visit).from_date == visit.date
    client.force_login(cora)
    assert (
        client.post(reverse("visits:visit-deliverer", args=[visit.pk]), {"subcontractor": ""}).status_code
        == 403
    )
