"""Schemathesis drives every API operation from the OpenAPI schema: no input may cause a server error,
and answers must match the documented shapes. Run as a care worker's phone (bearer token) and as a
provider manager signed in (session cookie)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from homecare.config.wsgi import application
from homecare.people.tests.factories import make_package
from homecare.visits import services as visit_services

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI app directly fires request_finished, which closes the database connection (and
    with it the test's transaction on PostgreSQL); Django's test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(mary, alice, acorn, paul, carl):
    """A care worker on today's visit to Mary, with a phone; Paul, Acorn's manager, signed in."""
    package = make_package(person=mary, actor=alice, provider=acorn, status="active")
    visit_services.visits_generate(package=package, days=2)
    for visit in package.visits.all():
        visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    _, token = visit_services.device_register(user=carl, name="Phone")
    browser = Client()
    browser.force_login(paul)
    return {
        "phone": {"Authorization": f"Bearer {token}"},
        "manager": {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("who", ["phone", "manager"])
def test_no_input_makes_the_api_fail(case, who, credentials):
    case.call_and_validate(
        headers=credentials[who], checks=[not_a_server_error, response_schema_conformance]
    )
