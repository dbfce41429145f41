"""Two principal managers deciding the same escalation at the same moment: one decision is kept, the
other is told it is already decided (the escalation row is locked while it is decided)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.quality import services
from homecare.quality.models import SafeguardingEscalation
from homecare.quality.tests.factories import make_concern, walk


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_on_one_escalation_keep_exactly_one(bella, sally, pat, mary):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; CI runs this test on PostgreSQL")
    quinn = make_user(organisation=mary.council, role=Role.SAFEGUARDING_LEAD, username="quinn")
    services.manager_designate(actor=sally, user=quinn, level="principal_manager")
    escalation = walk(
        make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe"
    ).escalations.get()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(manager, decision):
        try:
            barrier.wait()
            services.escalation_decide(
                actor=manager, escalation=escalation, decision=decision, note="Decided"
            )
            outcomes.append("decided")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(pat, "protection_plan")),
        threading.Thread(target=decide, args=(quinn, "refer")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["A decision has already been recorded", "decided"]
    escalation = SafeguardingEscalation.objects.get(pk=escalation.pk)
    assert escalation.decided_by in (pat, quinn) and escalation.decision in ("protection_plan", "refer")
