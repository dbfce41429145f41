"""Concurrent writers queue on the chain head: no fork, no gap, no duplicate sequence number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from homecare.platform import audit_log
from homecare.platform.models import AuditEntry

WRITERS = 8
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_on_postgresql_form_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time by design; the row lock matters on PostgreSQL")
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                # Each append in its own transaction, as a request would: the head lock is held to commit.
                with transaction.atomic():
                    audit_log.append(action="test.concurrent", summary=f"writer {n} entry {i}")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * EACH + 1))
    report = audit_log.verify_chain(chunk_size=17)
    assert report.intact and report.checked == WRITERS * EACH
