"""Rota planner profiles for the demo borough's care workers: skills, gender, languages, travel mode,
a home near the borough's centre, contracted hours and a five-day weekly pattern of shifts.

Written in bulk (like the rest of the borough, without history rows); seeded from the borough's seed,
so the same seed gives the same profiles. Runs after call monitoring, which creates the care workers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from homecare.accounts.models import OrganisationType, Role, User
from homecare.rostering.models import Availability, CareWorkerProfile

from .vocabulary import BATCH_SIZE, CENTRE_LATITUDE, CENTRE_LONGITUDE

SKILL_SHARES = {"medication": 0.8, "hoist": 0.5, "dementia": 0.35, "catheter": 0.15, "peg_feeding": 0.05}
SECOND_LANGUAGES = ["Polish", "Punjabi", "Urdu", "Romanian", "Gujarati", "Somali"]
# (shifts of a working day), as wall-clock hours and minutes
PATTERNS = [
    ((7, 0, 14, 0), (16, 0, 22, 0)),  # split shift
    ((7, 0, 15, 0),),  # early
    ((12, 0, 22, 0),),  # late
]
URBAN_KM, BOROUGH_KM = 3.5, 7.0


def build_rota_profiles(writer) -> int:
    """A profile and weekly shifts for every care worker of the borough's providers (the framework's and
    the lead providers' subcontractors) that has none."""
    rng = random.Random(f"rota-{writer.seed}")
    female_names = set(writer.pools.female)
    managers = dict(
        User.objects.filter(role=Role.PROVIDER_MANAGER, organisation__type=OrganisationType.PROVIDER)
        .order_by("-id")
        .values_list("organisation_id", "pk")
    )
    have = set(CareWorkerProfile.objects.values_list("care_worker_id", flat=True))
    workers = (
        User.objects.filter(role=Role.CARE_WORKER, organisation__type=OrganisationType.PROVIDER)
        .exclude(pk__in=have)
        .order_by("pk")
        .values_list("pk", "organisation_id", "first_name")
    )
    profiles, shifts = [], []
    for pk, org, first_name in workers:
        if org not in managers:
            continue
        r = BOROUGH_KM * math.sqrt(rng.random())
        angle = rng.uniform(0, 2 * math.pi)
        lat = CENTRE_LATITUDE + r * math.cos(angle) / 111.2
        lon = CENTRE_LONGITUDE + r * math.sin(angle) / (111.2 * math.cos(math.radians(CENTRE_LATITUDE)))
        urban = r <= URBAN_KM
        languages = ["English"] + ([rng.choice(SECOND_LANGUAGES)] if rng.random() < 0.2 else [])
        profiles.append(
            CareWorkerProfile(
                care_worker_id=pk,
                provider_id=org,
                skills=sorted(s for s, share in SKILL_SHARES.items() if rng.random() < share),
                gender="female" if first_name in female_names else "male",
                languages=languages,
                travel_mode="foot" if urban and rng.random() < 0.15 else "car",
                home_latitude=Decimal(f"{lat:.6f}"),
                home_longitude=Decimal(f"{lon:.6f}"),
                home_area_type="urban" if urban else "rural",
                contracted_hours=Decimal(rng.choice(["16", "24", "30", "37.5"])),
                max_minutes_per_day=600,
                updated_at=writer.now,
                updated_by_id=managers[org],
            )
        )
        pattern = rng.choice(PATTERNS)
        off = rng.randrange(7)  # two days off in a row
        for weekday in range(7):
            if weekday in (off, (off + 1) % 7):
                continue
            shifts += [(len(profiles) - 1, weekday, p) for p in pattern]
    created = CareWorkerProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE)
    Availability.objects.bulk_create(
        [
            Availability(
                profile=created[i], weekday=weekday, starts_at=dt.time(h1, m1), ends_at=dt.time(h2, m2)
            )
            for i, weekday, (h1, m1, h2, m2) in shifts
        ],
        batch_size=BATCH_SIZE,
    )
    return len(created)
