"""Pure generators for the demo borough: NHS numbers, case references, telephone numbers, name pools,
postcodes and the package plan each person gets. No database; each takes the random stream it draws from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from homecare.people import rules
from homecare.people.models import CareModel, Funding, PackageStatus

from .vocabulary import PATTERN_WEIGHTS, PackagePlan, ZoneSpec


def nhs_check_digit(nine_digits: str) -> int | None:
    """Modulus 11 check digit for the first nine digits, or None when the number cannot be valid (10)."""
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def synthetic_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Unique valid NHS numbers in the 999 range that is never issued to real patients."""
    if count > 900_000:
        raise ValueError("At most 900,000 synthetic NHS numbers can be made")
    numbers: list[str] = []
    seen: set[int] = set()
    while len(numbers) < count:
        body = rng.randrange(1_000_000)
        if body in seen:
            continue
        seen.add(body)
        nine = f"999{body:06d}"
        check = nhs_check_digit(nine)
        if check is not None:
            numbers.append(f"{nine}{check}")
    return numbers


def case_references(rng: random.Random, count: int) -> list[str]:
    return [f"ASC{n}" for n in rng.sample(range(100_000, 1_000_000), count)]


# Ofcom's drama ranges are never allocated. libphonenumber (and so PhoneNumberField's form validation)
# rejects the mobile one (07700 900xxx) and Nottingham's (0115 496 0xxx), so the demo uses Leicester's
# 0116 496 0xxx and London's 020 7946 0xxx, which it accepts: a seeded record must survive its edit form.
DRAMA_PHONE_PREFIXES = ("+441164960", "+441164960", "+441164960", "+442079460")


def drama_phone(rng: random.Random) -> str:
    """A telephone number in one of Ofcom's drama ranges, in E.164."""
    return f"{rng.choice(DRAMA_PHONE_PREFIXES)}{rng.randrange(1000):03d}"


@dataclass(frozen=True)
class NamePools:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    streets: tuple[str, ...]
    inward_codes: tuple[str, ...]


def name_pools(fake: Faker, people: int) -> NamePools:
    """Faker is slow per call; a few thousand draws give the same variety at any size."""
    size = 2000 if people > 5000 else max(200, people)
    inward: list[str] = []
    while len(inward) < min(5000, max(500, people)):
        inward.append(fake.postcode().split()[-1])
    return NamePools(
        female=tuple(fake.first_name_female() for _ in range(size)),
        male=tuple(fake.first_name_male() for _ in range(size)),
        family=tuple(fake.last_name() for _ in range(size)),
        streets=tuple(fake.street_name() for _ in range(max(200, size // 2))),
        inward_codes=tuple(inward),
    )


def random_postcode(rng: random.Random, zone: ZoneSpec, pools: NamePools) -> str:
    for _ in range(20):
        try:
            return rules.normalise_postcode(f"{rng.choice(zone.districts)} {rng.choice(pools.inward_codes)}")
        except ValueError:
            continue
    raise RuntimeError("Could not make a valid postcode")  # pragma: no cover - faker's are always valid


def weighted(rng: random.Random, pairs) -> Any:
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def random_package_plan(rng: random.Random, *, self_funder: bool) -> PackagePlan:
    r = rng.random()
    if r < 0.04:
        return PackagePlan(None, None)
    if r < 0.12:
        return PackagePlan(
            "draft",
            PackageStatus.DRAFT if rng.random() < 0.3 else None,
            pattern=weighted(rng, PATTERN_WEIGHTS),
        )
    status = weighted(
        rng,
        (
            (PackageStatus.ACTIVE, 66),
            (PackageStatus.AWAITING_PROVIDER, 8),
            (PackageStatus.ON_HOLD, 5),
            (PackageStatus.ENDED, 10),
            (PackageStatus.DRAFT, 4),
            (None, 7),
        ),
    )
    if self_funder:
        funding = Funding.SELF_FUNDER
    else:
        funding = weighted(
            rng,
            ((Funding.COUNCIL, 68), (Funding.NHS_CHC, 8), (Funding.JOINT, 10), (Funding.DIRECT_PAYMENT, 14)),
        )
    care_model = CareModel.BUDGET_OF_HOURS if rng.random() < 0.15 else CareModel.TIME_AND_TASK
    return PackagePlan(
        "completed",
        status,
        funding,
        care_model,
        pattern=weighted(rng, PATTERN_WEIGHTS),
        hospital_discharge=status == PackageStatus.AWAITING_PROVIDER and rng.random() < 0.35,
        second_version=status == PackageStatus.ACTIVE and rng.random() < 0.15,
    )
