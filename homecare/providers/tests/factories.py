"""Frameworks, lots, admissions and rates for tests, made through the services so the rules apply."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal

from homecare.accounts.models import Organisation, User
from homecare.providers import services
from homecare.providers.models import Framework

_seq = itertools.count(1)

# The steps from draft to each status (the admissions and rates a step needs are added on the way).
PATHS = {
    "draft": [],
    "open_for_applications": ["open"],
    "evaluating": ["open", "evaluate"],
    "standstill": ["open", "evaluate", "standstill"],
    "live": ["open", "evaluate", "standstill", "go_live"],
    "expired": ["open", "evaluate", "standstill", "go_live", "expire"],
}


def make_framework(
    *,
    council: Organisation,
    actor: User,
    status: str = "live",
    admitted: Iterable[Organisation] = (),
    area_types: Iterable[str] = ("urban", "rural"),
    service: str = "homecare",
    barred_ratings: Iterable[str] = ("inadequate",),
    scores: Mapping[Organisation, tuple[str, str]] | None = None,
    start_date: dt.date = dt.date(2025, 4, 1),
    day_rate: Decimal = Decimal("24.20"),
) -> Framework:
    """A framework moved to `status`, with a lot per area type for `service`. Once evaluation starts,
    each provider in `admitted` is admitted to every lot (scores: quality, price; default 70 and 60)
    and each lot gets a day-care rate from the start date."""
    n = next(_seq)
    framework = services.framework_create(
        actor=actor,
        council=council,
        name=f"Homecare Framework {n}",
        reference=f"FW-{n:04d}",
        start_date=start_date,
        barred_ratings=barred_ratings,
    )
    lots = [
        services.lot_add(actor=actor, framework=framework, service=service, area_type=area)
        for area in area_types
    ]
    admitted = list(admitted)
    for step in PATHS[status]:
        if step == "standstill":
            for lot in lots:
                for provider in admitted:
                    quality, price = (scores or {}).get(provider, ("70", "60"))
                    services.admission_record(
                        actor=actor,
                        lot=lot,
                        provider=provider,
                        quality_score=Decimal(quality),
                        price_score=Decimal(price),
                        decision="admitted",
                    )
                services.rate_card_add(
                    actor=actor, lot=lot, care_type="day", amount=day_rate, effective_from=start_date
                )
        framework = services.framework_transition(
            actor=actor, framework=framework, transition=step, reason="test" if step == "expire" else ""
        )
    return framework


def declare_capacity(*, provider: Organisation, zone, actor: User, hours: str = "40"):
    return services.capacity_declare(actor=actor, provider=provider, zone=zone, hours_per_week=Decimal(hours))
