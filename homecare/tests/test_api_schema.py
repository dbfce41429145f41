"""Schemathesis drives every API operation from the OpenAPI schema: no input may cause a server error,
every answer must be documented (status code and content type) and match its schema. Run as every role
that can reach the API: a care worker's phone (bearer token), a provider manager, each council role and
an NHS partner officer (session cookie and CSRF token, as the pages' scripts send them), each seeing
only its own organisation's records. The refusals Django and ninja make before an operation runs (400,
401, 403, 404, 422) are documented on every operation by config/api.py."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.config.wsgi import application
from homecare.people.tests.factories import make_package
from homecare.visits import services as visit_services

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Each test signs in as one role; generated credentials would replace it and test nobody in particular.
schema.config.generation.update(with_security_parameters=False)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
COUNCIL_ROLES = [
    Role.PRACTITIONER,
    Role.BROKER,
    Role.COMMISSIONER,
    Role.FINANCE_OFFICER,
    Role.SAFEGUARDING_LEAD,
    Role.ANALYST,
    Role.ADMINISTRATOR,
]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI app directly fires request_finished, which closes the database connection (and
    with it the test's transaction on PostgreSQL); Django's test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def session_for(user) -> dict[str, str]:
    """Signed in, with a CSRF token (the same secret in the cookie and the header), so a POST reaches
    the operation as this user rather than stopping at the CSRF check."""
    browser = Client()
    browser.force_login(user)
    csrf = get_random_string(32)
    return {
        "Cookie": f"sessionid={browser.cookies['sessionid'].value}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
    }


@pytest.fixture
def visits(mary, alice, acorn, paul, carl):
    """Today's and tomorrow's visits to Mary by Acorn, with Carl on them."""
    package = make_package(person=mary, actor=alice, provider=acorn, status="active")
    visit_services.visits_generate(package=package, days=2)
    for visit in package.visits.all():
        visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)


@pytest.fixture
def credentials(visits, paul, carl):
    """Carl's phone; Paul, Acorn's manager, signed in."""
    _, token = visit_services.device_register(user=carl, name="Phone")
    return {"phone": {"Authorization": f"Bearer {token}"}, "manager": session_for(paul)}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("who", ["phone", "manager"])
def test_no_input_makes_the_api_fail(case, who, credentials):
    case.call_and_validate(headers=credentials[who], checks=CHECKS)


@pytest.fixture
def council_and_nhs_sessions(visits, northbridge, nadia):
    """A Northbridge officer of each council role, and Nadia of the ICB, signed in."""
    sessions = {role: session_for(make_user(organisation=northbridge, role=role)) for role in COUNCIL_ROLES}
    return sessions | {Role.NHS_PARTNER_OFFICER: session_for(nadia)}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("role", [*COUNCIL_ROLES, Role.NHS_PARTNER_OFFICER])
def test_no_input_makes_the_api_fail_for_council_and_nhs_staff(case, role, council_and_nhs_sessions):
    case.call_and_validate(headers=council_and_nhs_sessions[role], checks=CHECKS)
