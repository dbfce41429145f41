"""Northbridge's homecare market: its live framework, lots, admissions, CQC ratings, declarations,
capacity by zone, one suspension and the rate cards (an old, a current and an agreed future rate).

Deterministic: draws come from its own `random.Random`, seeded from the borough's seed, so adding the
market does not move the people generator's random stream. A few dozen rows, written with bulk_create.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from homecare.accounts.models import User
from homecare.providers import rules
from homecare.providers.models import (
    ETHICAL_STANDARDS,
    Admission,
    CapacityDeclaration,
    CqcRating,
    EthicalEmploymentDeclaration,
    Framework,
    FrameworkStatusChange,
    Lot,
    ProviderProfile,
    RateCard,
    Suspension,
)

from .generators import drama_phone
from .vocabulary import COMMISSIONER_USERNAME, PROVIDER_NAMES

FRAMEWORK_NAME = "Northbridge Homecare Framework 2025–2029"
FRAMEWORK_REFERENCE = "NBC-HC-2025"
FRAMEWORK_START = dt.date(2025, 4, 1)
WEEKEND_PERCENT = Decimal("10")
BANK_HOLIDAY_PERCENT = Decimal("25")
# (service, area type, care types priced)
LOTS = (
    ("homecare", "urban", ("day", "waking_night", "sleep_in")),
    ("homecare", "rural", ("day", "waking_night", "sleep_in")),
    ("reablement", "urban", ("day",)),
    ("night_care", "urban", ("waking_night", "sleep_in")),
)
# (effective from, reason, {(area type, care type): amount}); the middle one is in force in 2026–27.
RATES = (
    (
        dt.date(2025, 4, 1),
        "Tendered rates",
        {
            ("urban", "day"): "23.10",
            ("rural", "day"): "24.70",
            ("urban", "waking_night"): "20.50",
            ("rural", "waking_night"): "21.40",
            ("urban", "sleep_in"): "115.00",
            ("rural", "sleep_in"): "115.00",
        },
    ),
    (
        dt.date(2026, 4, 1),
        "Annual uplift 2026 to 2027 (National Living Wage and pension minimum)",
        {
            ("urban", "day"): "24.20",
            ("rural", "day"): "25.90",
            ("urban", "waking_night"): "21.50",
            ("rural", "waking_night"): "22.40",
            ("urban", "sleep_in"): "120.00",
            ("rural", "sleep_in"): "120.00",
        },
    ),
    (
        dt.date(2027, 4, 6),
        "Annual uplift 2027 to 2028, agreed in advance",
        {
            ("urban", "day"): "25.30",
            ("rural", "day"): "27.05",
            ("urban", "waking_night"): "22.45",
            ("rural", "waking_night"): "23.40",
            ("urban", "sleep_in"): "125.00",
            ("rural", "sleep_in"): "125.00",
        },
    ),
)
# CQC ratings by provider index; everyone else is Good. The Inadequate provider is also suspended.
OUTSTANDING = (1, 4, 10)
REQUIRES_IMPROVEMENT = 8
INADEQUATE = 12
# This provider has not declared capacity anywhere yet (it appears only when brokers widen a search).
NO_CAPACITY = 11
MANAGERS = (
    "Joan Pemberton",
    "Ravi Chandran",
    "Helen Oduya",
    "Mark Kettering",
    "Sian Howells",
    "Tom Ashworth",
    "Beverley Nkemelu",
    "Lucy Marsh",
    "Imran Qureshi",
    "Denise Fairclough",
    "Grace Whitlock",
    "Owen Pryce",
    "Patricia Lomax",
    "Hannah Sato",
)


def build_market(writer) -> None:
    """Add the market to a borough whose organisations, zones and users the writer has made."""
    rng = random.Random(f"market-{writer.seed}")
    today, now = writer.today, writer.now
    commissioner = User.objects.get(username=COMMISSIONER_USERNAME)
    providers, zones = writer.providers, writer.zones

    def at(day: dt.date, hour: int = 10) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    framework = Framework.objects.create(
        council=writer.council,
        name=FRAMEWORK_NAME,
        reference=FRAMEWORK_REFERENCE,
        status="live",
        start_date=FRAMEWORK_START,
        barred_ratings=["inadequate"],
        created_by=commissioner,
    )
    steps = [
        ("", "draft", dt.date(2024, 9, 2)),
        ("draft", "open_for_applications", dt.date(2024, 10, 1)),
        ("open_for_applications", "evaluating", dt.date(2024, 12, 2)),
        ("evaluating", "standstill", dt.date(2025, 2, 17)),
        ("standstill", "live", dt.date(2025, 3, 3)),
    ]
    FrameworkStatusChange.objects.bulk_create(
        FrameworkStatusChange(framework=framework, from_status=f, to_status=t, at=at(d), by=commissioner)
        for f, t, d in steps
    )
    lots = Lot.objects.bulk_create(
        Lot(
            framework=framework,
            service=service,
            area_type=area,
            name=f"{dict(LOT_SERVICE_NAMES)[service]} – {area} zones",
        )
        for service, area, _ in LOTS
    )

    # Tender scores: every provider on the homecare lots, a few on reablement and night care.
    admissions = []
    for p, provider in enumerate(providers):
        quality = Decimal(rng.randint(110, 190)) / 2
        price = Decimal(rng.randint(100, 180)) / 2
        weighted = rules.weighted_score(
            quality_score=quality,
            price_score=price,
            quality_weight=framework.quality_weight_percent,
            price_weight=framework.price_weight_percent,
        )
        for lot in lots:
            if lot.service == "reablement" and p not in (0, 2, 4, 7):
                continue
            if lot.service == "night_care" and p not in (0, 3, 9):
                continue
            admissions.append(
                Admission(
                    framework=framework,
                    lot=lot,
                    provider=provider,
                    quality_score=quality,
                    price_score=price,
                    weighted_score=weighted,
                    decision="admitted",
                    decided_by=commissioner,
                    decided_at=at(dt.date(2025, 2, 14)),
                )
            )
    Admission.objects.bulk_create(admissions)

    RateCard.objects.bulk_create(
        RateCard(
            framework=framework,
            lot=lot,
            area_type=lot.area_type,
            care_type=care_type,
            amount=Decimal(amounts[(lot.area_type, care_type)]),
            effective_from=effective_from,
            weekend_enhancement_percent=WEEKEND_PERCENT,
            bank_holiday_enhancement_percent=BANK_HOLIDAY_PERCENT,
            reason=reason,
            created_by=commissioner,
        )
        for lot, (_, _, care_types) in zip(lots, LOTS, strict=True)
        for effective_from, reason, amounts in RATES
        for care_type in care_types
    )

    profiles, ratings, declarations, capacity = [], [], [], []
    for p, provider in enumerate(providers):
        profiles.append(
            ProviderProfile(
                provider=provider,
                cqc_location_id=provider.ods_code,
                registered_on=dt.date(2008 + p % 12, 1 + p % 12, 1 + p),
                registered_manager=MANAGERS[p % len(MANAGERS)],
                phone=drama_phone(rng),
                email=f"office{p + 1:02d}@provider.example",
            )
        )
        rating = (
            "outstanding"
            if p in OUTSTANDING
            else "requires_improvement"
            if p == REQUIRES_IMPROVEMENT
            else "inadequate"
            if p == INADEQUATE
            else "good"
        )
        rated_on = today - dt.timedelta(days=rng.randint(60, 700))
        if rating in ("requires_improvement", "inadequate"):
            # Their earlier rating was Good: the history shows the decline.
            ratings.append(
                CqcRating(
                    provider=provider,
                    rating="good",
                    rated_on=rated_on - dt.timedelta(days=900),
                    recorded_by=commissioner,
                    recorded_at=now - dt.timedelta(days=800),
                )
            )
        ratings.append(
            CqcRating(
                provider=provider,
                rating=rating,
                rated_on=rated_on,
                recorded_by=commissioner,
                recorded_at=now - dt.timedelta(days=rng.randint(1, 50)),
            )
        )
        met = {name: rng.random() < (0.97 if p % 4 else 0.7) for name, _ in ETHICAL_STANDARDS}
        declarations.append(
            EthicalEmploymentDeclaration(
                provider=provider,
                framework=framework,
                declared_by=commissioner,
                declared_at=at(dt.date(2025, 3, 20)),
                **met,
            )
        )
        if p == NO_CAPACITY:
            continue
        for z, zone in enumerate(zones):
            if p in writer.zone_providers[z]:
                hours = Decimal(rng.choice((0, 10, 20, 30, 40, 60, 80, 120)) if p else 150)
                capacity.append(
                    CapacityDeclaration(
                        provider=provider,
                        zone=zone,
                        hours_per_week=hours,
                        declared_by=commissioner,
                        declared_at=now - dt.timedelta(days=rng.randint(1, 30)),
                    )
                )
    ProviderProfile.objects.bulk_create(profiles)
    CqcRating.objects.bulk_create(ratings)
    EthicalEmploymentDeclaration.objects.bulk_create(declarations)
    CapacityDeclaration.objects.bulk_create(capacity)
    Suspension.objects.create(
        provider=providers[INADEQUATE],
        council=writer.council,
        reason=f"Rated Inadequate by CQC; contract review of missed visits ({PROVIDER_NAMES[INADEQUATE]})",
        starts_on=today - dt.timedelta(days=20),
        review_on=today + dt.timedelta(days=40),
        created_by=commissioner,
    )


LOT_SERVICE_NAMES = (
    ("homecare", "Homecare"),
    ("reablement", "Reablement"),
    ("night_care", "Night care"),
)
