"""Two brokers pressing "Award" on the same round at the same moment produce exactly one award."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from homecare.brokerage import services
from homecare.brokerage.models import Award


@pytest.mark.django_db(transaction=True)
def test_concurrent_awards_of_one_round_produce_exactly_one_award(
    draft_package, alice, bella, market, paul, pippa
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; CI runs this test on PostgreSQL")
    case = services.package_send_to_brokerage(actor=alice, package=draft_package)
    offer_round = case.rounds.get()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    offers = [
        services.offer_accept(
            actor=paul, offer=offer_round.offers.get(provider=market["acorn"]), earliest_start=tomorrow
        ),
        services.offer_accept(
            actor=pippa, offer=offer_round.offers.get(provider=market["birch"]), earliest_start=tomorrow
        ),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def award(offer):
        try:
            barrier.wait()
            services.round_award(
                actor=bella, offer_round=offer_round, offer=offer, override_reason="test race"
            )
            outcomes.append("awarded")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award, args=(offer,)) for offer in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["This round has already been awarded", "awarded"]
    assert Award.objects.filter(round=offer_round).count() == 1
