"""A phone that resends its queue on two connections at once: each event is stored exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from homecare.visits import services
from homecare.visits.models import CallEvent
from homecare.visits.tests.factories import check_in_at_home


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_of_one_event_store_one_row_and_all_get_its_id(first_visit, carl, monday_0805):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; CI runs this test on PostgreSQL")
    event = check_in_at_home(first_visit.person, monday_0805)
    copies = 6
    barrier = threading.Barrier(copies)
    results: list[tuple[int, bool]] = []
    errors: list[Exception] = []

    def send():
        try:
            barrier.wait()
            row, created = services.event_record(actor=carl, visit=first_visit, event=event)
            results.append((row.pk, created))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert CallEvent.objects.filter(client_id=event.client_id).count() == 1
    assert len({pk for pk, _ in results}) == 1 and sum(created for _, created in results) == 1
    first_visit.refresh_from_db()
    assert first_visit.status == "in_progress"


@pytest.mark.django_db(transaction=True)
def test_a_queue_sent_twice_at_once_stores_each_event_once(first_visit, carl, monday_0805):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; CI runs this test on PostgreSQL")
    import datetime as dt

    from homecare.visits.tests.factories import check_out

    queue = [
        (first_visit.pk, check_in_at_home(first_visit.person, monday_0805)),
        (first_visit.pk, check_out(monday_0805 + dt.timedelta(minutes=30))),
    ]
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[Exception] = []

    def send():
        try:
            barrier.wait()
            results.append([o.result for o in services.events_record_batch(actor=carl, items=queue)])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and CallEvent.objects.filter(visit=first_visit).count() == 2
    assert sorted(results) == [["already_stored", "already_stored"], ["stored", "stored"]]
    first_visit.refresh_from_db()
    assert first_visit.status == "completed"
