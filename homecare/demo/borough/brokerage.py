"""The demo's waiting list: every package awaiting a provider gets its brokerage case and an open round,
with some providers already having answered (accepted, declined or queried), deterministically."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from homecare.accounts.models import Organisation, Role, User
from homecare.brokerage import services as brokerage_services
from homecare.brokerage.models import (
    BrokerageCase,
    DeclineReason,
    Offer,
    OfferRound,
    OfferStatus,
    Priority,
    QueryMessage,
)
from homecare.people.models import Package, PackageStatus

BROKERAGE_TABLES = (BrokerageCase, OfferRound, Offer, QueryMessage)
QUERIES = (
    "The morning call needs 60 minutes: hoist transfer with two carers.",
    "Can the lunch call move to 13:00? We have a carer free then.",
    "Is there a key safe? The pattern starts before family can let us in.",
)


@transaction.atomic
def open_waiting_cases(*, council: Organisation, seed: int) -> int:
    rng = random.Random(seed)
    waiting = (
        Package.objects.filter(person__council=council, status=PackageStatus.AWAITING_PROVIDER)
        .filter(brokerage_case__isnull=True)
        .select_related("person__zone")
        .order_by("id")
    )
    # Who answered for each provider: its manager where the demo has one, else one of its staff.
    managers: dict[int, User] = {}
    for user in User.objects.filter(organisation__type="provider").order_by("id"):
        if user.role == Role.PROVIDER_MANAGER or user.organisation_id not in managers:
            managers[user.organisation_id] = user
    today = timezone.localdate()
    count = 0
    for package in waiting:
        case = BrokerageCase.objects.create(
            package=package,
            council=council,
            priority=Priority.URGENT
            if package.hospital_discharge
            else rng.choice([Priority.NORMAL, Priority.HIGH]),
            interim_arrangement=rng.choice(
                ["", "", "Family covering mornings", "Reablement team visiting daily"]
            ),
            opened_at=package.submitted_at or timezone.now(),
        )
        offer_round = brokerage_services.round_open(case=case, announce=False)
        for offer in offer_round.offers.all():
            answer = rng.random()
            responder = managers.get(offer.provider_id)
            if responder is None or answer < 0.45:
                continue  # not answered yet
            offer.responded_at = timezone.now() - dt.timedelta(minutes=rng.randint(5, 600))
            offer.responded_by = responder
            if answer < 0.7:
                offer.status = OfferStatus.ACCEPTED
                offer.earliest_start = today + dt.timedelta(days=rng.randint(1, 9))
            elif answer < 0.9:
                offer.status = OfferStatus.DECLINED
                offer.decline_reason = rng.choice(
                    [
                        DeclineReason.NO_CAPACITY,
                        DeclineReason.NO_STAFF_IN_AREA,
                        DeclineReason.CANNOT_MEET_TIMES,
                    ]
                )
            else:
                offer.status = OfferStatus.QUERIED
                QueryMessage.objects.create(
                    offer=offer, author=responder, text=rng.choice(QUERIES), at=offer.responded_at
                )
            offer.save()
        count += 1
    return count
