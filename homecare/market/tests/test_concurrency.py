"""Two managers sending the same sitrep, or amending the same version, at the same moment: one wins, the
other is told why, and nothing is half-written."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.market import schedule, services
from homecare.market.models import Sitrep, SitrepZoneCapacity
from homecare.market.tests.factories import figures


def race(action, arguments) -> list[str]:
    barrier = threading.Barrier(len(arguments))
    outcomes: list[str] = []

    def run(argument):
        try:
            barrier.wait()
            action(argument)
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; CI runs this test on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_two_managers_sending_the_same_sitrep_at_once_leave_one(
    postgresql_only, framework, northbridge, acorn, paul, zone
):
    rosa = make_user(organisation=acorn, role=Role.PROVIDER_MANAGER, username="rosa")
    now = timezone.now()
    slot = schedule.previous_due([], now)  # what both their forms show
    outcomes = race(
        lambda actor: services.sitrep_submit(
            council=northbridge,
            provider=acorn,
            figures=figures(spare_hours={zone.pk: 10}),
            for_slot=slot,
            actor=actor,
            now=now,
        ),
        [paul, rosa],
    )
    assert outcomes.count("done") == 1
    assert "amend" in next(o for o in outcomes if o != "done")
    assert Sitrep.objects.count() == 1 and SitrepZoneCapacity.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_amendments_of_the_same_version_at_once_leave_one(
    postgresql_only, framework, northbridge, acorn, paul
):
    original = services.sitrep_submit(council=northbridge, provider=acorn, figures=figures(), actor=paul)
    outcomes = race(
        lambda days: services.sitrep_amend(
            sitrep=original, figures=figures(ppe_stock_days=days), reason="Recount", actor=paul
        ),
        [5, 6],
    )
    assert sorted(outcomes) == ["This version has already been amended: amend the latest version", "done"]
    assert Sitrep.objects.filter(amends=original).count() == 1
