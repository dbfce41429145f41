"""The synthetic demo borough: Northbridge, its NHS partner, its homecare market and its people.

Plain functions, so `seed_demo`, the tests and the benchmarks all build the same borough. Everything
that identifies a person (names, NHS numbers, case references, postcodes) comes from one seeded
`random.Random` and one seeded Faker, so the same seed and size give the same borough. Dates are
relative to today, so the waiting list and "completed in the last week" always have something in them.

Everything here is made up: NHS numbers are in the 999 range that is never issued, telephone numbers
are in Ofcom's drama ranges (0116 496 0xxx, 020 7946 0xxx), and the organisations do not exist.

Speed (100,000 people in under a minute on SQLite or PostgreSQL): organisations, zones and users go
through the ORM, but people and everything hanging off them are written in chunks by `loader.Table`
(executemany on SQLite, COPY on PostgreSQL) with ids allocated up front, and the denormalised search
keys filled in here (what people.services does one row at a time). Like bulk_create, this skips
django-simple-history, so seeded records start without an audit trail; edits made in the demo are
audited as usual. Load into a database nobody else is writing to: ids are taken from MAX(id) + 1.
Once loaded, the planner's statistics are refreshed (ANALYZE), so searches and dashboards use the
right indexes from the first request.

The package, by topic:
- `vocabulary`: names, places, outcomes, reasons, zones, visit-pattern templates and constants;
- `generators`: pure functions (NHS numbers, case references, phones, name pools, package plans);
- `loader`: the fast table writer and the planner statistics;
- `packages`: each package's timeline, versions and status history;
- `writer`: the `Writer` that builds one borough, and its `BoroughSummary`;
- `visits`: call monitoring: care workers, visits from a week ago to a week ahead and who is on them;
  `calls`: what happened at them (call events, home tags, alerts); then one run of the late-visit scan.
Import from here (`from homecare.demo import borough`); the modules are free to move things about.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.providers.models import Zone

from .brokerage import BROKERAGE_TABLES, open_waiting_cases
from .generators import (
    DRAMA_PHONE_PREFIXES,
    NamePools,
    case_references,
    drama_phone,
    name_pools,
    nhs_check_digit,
    random_package_plan,
    synthetic_nhs_numbers,
)
from .lead_providers import build_lead_providers
from .loader import refresh_statistics
from .market import FRAMEWORK_NAME, build_market
from .outcomes import build_outcomes
from .quality import build_quality
from .rostering import build_rota_profiles
from .sitreps import build_sitreps
from .visits import CALL_MONITORING_TABLES, build_call_monitoring
from .vocabulary import (
    ACCESS_NOTES,
    ADMIN_USERNAME,
    ANALYST_USERNAME,
    BATCH_SIZE,
    BROKER_USERNAME,
    CARER_USERNAME,
    CENTRE_LATITUDE,
    CENTRE_LONGITUDE,
    CHANGE_REASONS,
    CHUNK_PEOPLE,
    COMMISSIONER_USERNAME,
    COMMUNICATION_NEEDS,
    COUNCIL_NAME,
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SIGN_INS,
    DEMO_TOTP_KEY_HEX,
    DEMO_USERNAMES,
    END_REASONS,
    EVERY_DAY,
    FEMALE_RELATIONSHIPS,
    FINANCE_USERNAME,
    HOLD_REASONS,
    ICB_NAME,
    JOINT_SPLITS,
    LANGUAGES,
    MALE_RELATIONSHIPS,
    MAX_PEOPLE,
    MON_WED_FRI,
    NHS_USERNAME,
    NICKNAMES,
    OUTCOMES,
    PATTERN_WEIGHTS,
    PRACTITIONER_USERNAME,
    PROVIDER2_USERNAME,
    PROVIDER_NAMES,
    PROVIDER_USERNAME,
    RELATIONSHIPS,
    SAFEGUARDING_USERNAME,
    SHOWCASE,
    STRENGTHS,
    TASK_VALUES,
    VISIT_PATTERNS,
    WEEKDAYS,
    WEEKLY_BUDGETS,
    WHAT_MATTERS,
    ZONES,
    DemoSignIn,
    PackagePlan,
    ZoneSpec,
)
from .writer import BoroughSummary, Writer

__all__ = [
    "ACCESS_NOTES",
    "ADMIN_USERNAME",
    "ANALYST_USERNAME",
    "BATCH_SIZE",
    "BROKER_USERNAME",
    "CARER_USERNAME",
    "CENTRE_LATITUDE",
    "CENTRE_LONGITUDE",
    "CHANGE_REASONS",
    "CHUNK_PEOPLE",
    "COMMISSIONER_USERNAME",
    "COMMUNICATION_NEEDS",
    "COUNCIL_NAME",
    "DEFAULT_PEOPLE",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_TOTP_KEY_HEX",
    "DEMO_SIGN_INS",
    "DEMO_USERNAMES",
    "DRAMA_PHONE_PREFIXES",
    "END_REASONS",
    "EVERY_DAY",
    "FRAMEWORK_NAME",
    "FEMALE_RELATIONSHIPS",
    "FINANCE_USERNAME",
    "HOLD_REASONS",
    "ICB_NAME",
    "JOINT_SPLITS",
    "LANGUAGES",
    "MALE_RELATIONSHIPS",
    "MAX_PEOPLE",
    "MON_WED_FRI",
    "NHS_USERNAME",
    "NICKNAMES",
    "OUTCOMES",
    "PATTERN_WEIGHTS",
    "PRACTITIONER_USERNAME",
    "PROVIDER2_USERNAME",
    "PROVIDER_NAMES",
    "PROVIDER_USERNAME",
    "RELATIONSHIPS",
    "SAFEGUARDING_USERNAME",
    "SHOWCASE",
    "STRENGTHS",
    "TASK_VALUES",
    "VISIT_PATTERNS",
    "WEEKDAYS",
    "WEEKLY_BUDGETS",
    "WHAT_MATTERS",
    "ZONES",
    "BoroughSummary",
    "DemoSignIn",
    "NamePools",
    "PackagePlan",
    "SignInRow",
    "ZoneSpec",
    "borough_exists",
    "build_borough",
    "build_call_monitoring",
    "build_market",
    "case_references",
    "demo_sign_in_rows",
    "drama_phone",
    "name_pools",
    "nhs_check_digit",
    "random_package_plan",
    "refresh_statistics",
    "synthetic_nhs_numbers",
]


@dataclass(frozen=True)
class SignInRow:
    username: str
    role: str
    organisation: str
    password: str


def borough_exists() -> bool:
    return Organisation.objects.exists()


def build_borough(
    *,
    seed: int = DEFAULT_SEED,
    people: int = DEFAULT_PEOPLE,
    stdout: TextIO | None = None,
    call_monitoring: bool = True,
) -> BoroughSummary:
    """Create the whole demo borough in one transaction. Refuses to load a second Northbridge.

    Call monitoring comes last (visits need the packages, the late-visit scan everything else). It is
    most of the rows, about 20 visits and as many call events a person: a benchmark that does not
    look at visits can leave it out with `call_monitoring=False`.

    Then refresh the planner's statistics for the tables it loaded (ANALYZE), so the service plans its
    searches and dashboards from the real data straight away.
    """
    if not 0 <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 0 and {MAX_PEOPLE:,}")
    started = time.perf_counter()
    writer = Writer(seed=seed, people=people, stdout=stdout)
    with transaction.atomic():
        if Organisation.objects.filter(name=COUNCIL_NAME, type=OrganisationType.COUNCIL).exists():
            raise RuntimeError(f"{COUNCIL_NAME} is already loaded")
        writer.organisations()
        writer.users()
        build_market(writer)
        build_lead_providers(writer)
        writer.everyone()
        council = Organisation.objects.get(name=COUNCIL_NAME, type=OrganisationType.COUNCIL)
        open_waiting_cases(council=council, seed=seed)
        if call_monitoring:
            if people > CHUNK_PEOPLE:
                writer.log("  call monitoring: care workers, visits and a week of calls")
            build_call_monitoring(writer)
            build_rota_profiles(writer)  # rota planner: the care workers call monitoring created
        build_sitreps(writer)
        build_quality(writer)
        build_outcomes(writer)
    refresh_statistics([Organisation, Zone, User, *writer.tables, *BROKERAGE_TABLES, *CALL_MONITORING_TABLES])
    writer.summary.seconds = time.perf_counter() - started
    return writer.summary


def demo_sign_in_rows() -> list[SignInRow]:
    """The demo sign-ins that exist in this database, in the order of DEMO_SIGN_INS."""
    users = {
        u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related("organisation")
    }
    return [
        SignInRow(
            username=s.username,
            role=Role(users[s.username].role).label,
            organisation=users[s.username].organisation.name if users[s.username].organisation else "",
            password=DEMO_PASSWORD,
        )
        for s in DEMO_SIGN_INS
        if s.username in users
    ]
