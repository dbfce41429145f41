"""The writer that builds one borough: organisations, zones and users, then people in chunks."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import connections, router
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.people import rules
from homecare.people.models import (
    CareType,
    Funding,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    Person,
    SupportPlan,
    SupportPlanOutcome,
    SupportPlanStatus,
    VisitPattern,
)
from homecare.providers.models import Zone

from .generators import (
    case_references,
    drama_phone,
    name_pools,
    random_package_plan,
    random_postcode,
    synthetic_nhs_numbers,
    weighted,
)
from .loader import Table, bulk_create_with_ids
from .packages import PackagePaths
from .vocabulary import (
    ACCESS_NOTES,
    BROKER_USERNAME,
    CENTRE_LATITUDE,
    CENTRE_LONGITUDE,
    CHUNK_PEOPLE,
    COMMUNICATION_NEEDS,
    COUNCIL_NAME,
    DEMO_PASSWORD,
    DEMO_SIGN_INS,
    DEMO_TOTP_KEY_HEX,
    DEMO_USERNAMES,
    FEMALE_RELATIONSHIPS,
    ICB_NAME,
    LANGUAGES,
    MALE_RELATIONSHIPS,
    NICKNAMES,
    OUTCOMES,
    PRACTITIONER_USERNAME,
    PROVIDER_NAMES,
    RELATIONSHIPS,
    SHOWCASE,
    STRENGTHS,
    TASK_VALUES,
    VISIT_PATTERNS,
    WHAT_MATTERS,
    ZONES,
)


@dataclass
class BoroughSummary:
    seed: int
    people: int
    organisations: int = 0
    providers: int = 0
    zones: int = 0
    users: int = 0
    support_plans: int = 0
    outcomes: int = 0
    packages: int = 0
    versions: int = 0
    visit_patterns: int = 0  # the rows of the versions' visit patterns
    status_changes: int = 0
    # Call monitoring (visits.py): planned visits from a week ago to a week ahead and what happened.
    care_workers: int = 0
    visits: int = 0
    visit_assignments: int = 0
    call_events: int = 0
    home_tags: int = 0
    visit_alerts: int = 0
    seconds: float = 0.0
    # The moment the borough is "as of": dates are relative to it and visits' states derived at it.
    as_of: dt.datetime | None = None
    demo_usernames: tuple[str, ...] = DEMO_USERNAMES
    packages_by_status: dict[str, int] = field(default_factory=dict)
    visits_by_status: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"Northbridge demo borough (seed {self.seed}): {self.people:,} people, "
            f"{self.providers} providers, {self.zones} zones, {self.users} users, "
            f"{self.support_plans:,} support plans, "
            f"{self.packages:,} packages ({self.versions:,} versions, {self.visit_patterns:,} pattern rows), "
            f"{self.visits:,} visits ({self.call_events:,} call events, {self.visit_alerts:,} alerts) "
            f"in {self.seconds:.1f}s"
        )


class Writer:
    """Builds one borough. Holds the random streams so the order of draws (and so the data) is fixed."""

    def __init__(self, *, seed: int, people: int, stdout: TextIO | None):
        self.seed = seed
        self.people = people
        self.stdout = stdout
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.summary = BoroughSummary(seed=seed, people=people, as_of=self.now)

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    # organisations, zones, users

    def organisations(self) -> None:
        self.council = Organisation.objects.create(name=COUNCIL_NAME, type=OrganisationType.COUNCIL)
        self.icb = Organisation.objects.create(
            name=ICB_NAME, type=OrganisationType.NHS_PARTNER, ods_code="QNB", partner_council=self.council
        )
        self.providers = bulk_create_with_ids(
            Organisation,
            [
                # CQC location ids look like 1-123456789.
                Organisation(name=name, type=OrganisationType.PROVIDER, ods_code=f"1-{100000001 + i * 7919}")
                for i, name in enumerate(PROVIDER_NAMES)
            ],
        )
        self.zones = bulk_create_with_ids(
            Zone,
            [Zone(council=self.council, code=z.code, name=z.name, area_type=z.area_type) for z in ZONES],
        )
        # Each provider covers some zones; the first covers them all (so its demo sign-in is busy).
        self.zone_providers: list[list[int]] = [[0] for _ in ZONES]
        for p in range(1, len(PROVIDER_NAMES)):
            for z in self.rng.sample(range(len(ZONES)), self.rng.randint(2, 4)):
                self.zone_providers[z].append(p)
        self.summary.organisations = 2 + len(self.providers)
        self.summary.providers = len(self.providers)
        self.summary.zones = len(self.zones)

    def users(self) -> None:
        orgs = {
            "council": self.council,
            "icb": self.icb,
            "provider": self.providers[0],
            "provider2": self.providers[1],
        }
        created = 0
        for s in DEMO_SIGN_INS:
            User.objects.create_user(
                s.username,
                email=f"{s.username}@northbridge.example",
                password=None,
                first_name=s.first_name,
                last_name=s.last_name,
                organisation=orgs[s.organisation],
                role=s.role,
                job_title=s.job_title,
            )
            created += 1
        # One hash for all the demo sign-ins: hashing is deliberately slow.
        User.objects.filter(username__in=DEMO_USERNAMES).update(password=make_password(DEMO_PASSWORD))
        # Every account gives a second factor (ADR 0011): the demo sign-ins share one published
        # authenticator key, and `manage.py demo_code` prints the current code.
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True)
            for user in User.objects.filter(username__in=DEMO_USERNAMES)
        )
        practitioners = [User.objects.get(username=PRACTITIONER_USERNAME)]
        for i in range(5):
            practitioners.append(
                self._staff(f"practitioner{i + 2}", self.council, Role.PRACTITIONER, "Social worker")
            )
            created += 1
        self.practitioner_ids = [u.pk for u in practitioners]
        self.broker_id = User.objects.get(username=BROKER_USERNAME).pk
        for p, provider in enumerate(self.providers):
            for i in range(self.rng.randint(5, 15)):
                self._staff(f"carer{p + 1:02d}-{i + 1:02d}", provider, Role.CARE_WORKER, "Care worker")
                created += 1
        self.summary.users = created

    def _staff(self, username: str, org: Organisation, role: str, title: str) -> User:
        female = self.rng.random() < (0.8 if role == Role.CARE_WORKER else 0.6)
        first = self.fake.first_name_female() if female else self.fake.first_name_male()
        return User.objects.create_user(
            username,
            password=None,
            first_name=first,
            last_name=self.fake.last_name(),
            organisation=org,
            role=role,
            job_title=title,
        )

    # people and everything that hangs off them

    def everyone(self) -> None:
        n = self.people
        connection = connections[router.db_for_write(Person)]
        self.tables = {
            model: Table(model, connection)
            for model in (
                Person,
                SupportPlan,
                SupportPlanOutcome,
                Package,
                PackageVersion,
                VisitPattern,
                PackageStatusChange,
            )
        }
        self.paths = PackagePaths(
            rng=self.rng,
            now=self.now,
            today=self.today,
            tz=self.tz,
            tables=self.tables,
            broker_id=self.broker_id,
        )
        self.pools = name_pools(self.fake, n)
        nhs_numbers = synthetic_nhs_numbers(self.rng, n)
        refs = case_references(self.rng, n)
        self.zone_weights = [(i, z.weight) for i, z in enumerate(ZONES)]
        self.visit_times = {
            start: dt.time(*(int(x) for x in start.split(":")))
            for rows in VISIT_PATTERNS.values()
            for _, start, *_ in rows
        }
        for start in range(0, n, CHUNK_PEOPLE):
            stop = min(n, start + CHUNK_PEOPLE)
            self._chunk(range(start, stop), nhs_numbers, refs)
            if n > CHUNK_PEOPLE and (stop % 10_000 == 0 or stop == n):
                self.log(f"  {stop:,} of {n:,} people")
        for table in self.tables.values():
            table.reset_sequence()
        s = self.summary
        s.support_plans = self.tables[SupportPlan].count
        s.outcomes = self.tables[SupportPlanOutcome].count
        s.packages = self.tables[Package].count
        s.versions = self.tables[PackageVersion].count
        s.visit_patterns = self.tables[VisitPattern].count
        s.status_changes = self.tables[PackageStatusChange].count

    def _person(self, nhs: str, ref: str, self_funder: bool) -> dict:
        rng, pools = self.rng, self.pools
        z = weighted(rng, self.zone_weights)
        spec = ZONES[z]
        female = rng.random() < 0.62
        given = rng.choice(pools.female if female else pools.male)
        family = rng.choice(pools.family)
        older = rng.random() < 0.85
        age_days = rng.randint(65 * 365, 101 * 365) if older else rng.randint(19 * 365, 64 * 365)
        postcode = random_postcode(rng, spec, pools)
        lat = CENTRE_LATITUDE + spec.offset[0] + rng.uniform(-spec.jitter, spec.jitter)
        lon = CENTRE_LONGITUDE + spec.offset[1] + rng.uniform(-spec.jitter, spec.jitter)
        if rng.random() < 0.9:
            language, interpreter = "English", False
        else:
            language = weighted(rng, LANGUAGES)
            interpreter = rng.random() < 0.7
        needs = rng.choice(COMMUNICATION_NEEDS) if rng.random() < 0.2 else ""
        if language == "British Sign Language":
            needs = "Deaf: uses BSL; book a BSL interpreter for reviews"
        relationship = rng.choice(RELATIONSHIPS)
        relative = relationship not in ("Neighbour", "Friend")
        contact_family = family if relative else rng.choice(pools.family)
        if relationship in FEMALE_RELATIONSHIPS:
            contact_given = rng.choice(pools.female)
        elif relationship in MALE_RELATIONSHIPS:
            contact_given = rng.choice(pools.male)
        else:
            contact_given = rng.choice(pools.female if rng.random() < 0.5 else pools.male)
        has_contact = rng.random() < 0.9
        if rng.random() < 0.15:
            address_1, address_2 = (
                f"Flat {rng.randint(1, 40)}",
                f"{rng.choice(pools.streets).split()[0]} Court",
            )
        else:
            address_1, address_2 = f"{rng.randint(1, 240)} {rng.choice(pools.streets)}", ""
        return {
            "id": self.tables[Person].allocate(),
            "council_id": self.council.pk,
            "case_reference": ref,
            "nhs_number": nhs,
            "given_name": given,
            "family_name": family,
            "preferred_name": NICKNAMES.get(given, "") if rng.random() < 0.5 else "",
            "date_of_birth": self.today - dt.timedelta(days=age_days),
            "address_line_1": address_1,
            "address_line_2": address_2,
            "town": rng.choice(spec.towns),
            "postcode": postcode,
            "zone_id": self.zones[z].pk,
            "zone_index": z,
            "latitude": Decimal(f"{lat:.6f}"),
            "longitude": Decimal(f"{lon:.6f}"),
            "access_notes": rng.choice(ACCESS_NOTES),
            "emergency_contact_name": f"{contact_given} {contact_family}" if has_contact else "",
            "emergency_contact_relationship": relationship if has_contact else "",
            "emergency_contact_phone": drama_phone(rng) if has_contact else "",
            "communication_needs": needs,
            "preferred_language": language,
            "interpreter_needed": interpreter,
            "self_funder": self_funder,
            # What people.services keeps in step on every save.
            "search_family_name": rules.search_key(family),
            "search_given_name": rules.search_key(given),
            "search_postcode": rules.postcode_search_key(postcode),
            "created_at": self.now - dt.timedelta(days=200 + rng.randint(0, 900)),
        }

    def _chunk(self, indexes: range, nhs_numbers: list[str], refs: list[str]) -> None:
        rng = self.rng
        people: list[dict] = []
        plans: list[dict] = []
        outcomes: list[dict] = []
        packages: list[dict] = []
        versions: list[dict] = []
        visits: list[dict] = []
        changes: list[dict] = []
        for i in indexes:
            if i < len(SHOWCASE):
                wanted = SHOWCASE[i]
                self_funder = wanted.funding == Funding.SELF_FUNDER
            else:
                self_funder = rng.random() < 0.08
                wanted = random_package_plan(rng, self_funder=self_funder)
            person = self._person(nhs_numbers[i], refs[i], self_funder)
            people.append(person)
            if wanted.plan_status is None:
                continue

            # The support plan (and when it was completed), with outcomes in the person's own words.
            completed_at = self.paths.completed_at(wanted) if wanted.plan_status == "completed" else None
            author = rng.choice(self.practitioner_ids)
            pattern = VISIT_PATTERNS[wanted.pattern]
            tasks = sorted({t for row in pattern for t in row[5]} | set(rng.sample(TASK_VALUES, 2)))
            plan_created = (completed_at or self.now - dt.timedelta(days=rng.randint(0, 20))) - dt.timedelta(
                days=rng.randint(1, 10), minutes=rng.randint(0, 600)
            )
            review_from = (completed_at or self.now).astimezone(self.tz).date()
            plan = {
                "id": self.tables[SupportPlan].allocate(),
                "person_id": person["id"],
                "status": SupportPlanStatus.COMPLETED if completed_at else SupportPlanStatus.DRAFT,
                "what_matters": rng.choice(WHAT_MATTERS),
                "strengths": rng.choice(STRENGTHS),
                "tasks": tasks,
                "review_date": review_from + dt.timedelta(days=rng.choice((84, 182, 365))),
                "author_id": author,
                "created_at": plan_created,
                "completed_at": completed_at,
                "completed_by_id": author if completed_at else None,
            }
            plans.append(plan)
            for position, text in enumerate(rng.sample(OUTCOMES, rng.randint(2, 4)), start=1):
                outcomes.append(
                    {
                        "id": self.tables[SupportPlanOutcome].allocate(),
                        "support_plan_id": plan["id"],
                        "position": position,
                        "in_own_words": text,
                    }
                )
            if wanted.package_status is None:
                continue

            # The package, its versions and visit pattern, and the path it took to its status.
            timeline = self.paths.timeline(wanted, completed_at, plan_created)
            provider_id = None
            if wanted.package_status in (PackageStatus.ACTIVE, PackageStatus.ON_HOLD, PackageStatus.ENDED):
                index = wanted.provider_index
                if index is None:
                    choices = self.zone_providers[person["zone_index"]]
                    index = 0 if rng.random() < 0.1 else rng.choice(choices)
                provider_id = self.providers[index].pk
            package_id = self.tables[Package].allocate()
            package = {
                "id": package_id,
                "person_id": person["id"],
                "reference": f"PKG{package_id:06d}",
                "support_plan_id": plan["id"],
                "status": wanted.package_status,
                "provider_id": provider_id,
                "hospital_discharge": wanted.hospital_discharge,
                "start_date": timeline["start_date"],
                "end_date": timeline.get("end_date"),
                "submitted_at": timeline.get("submitted"),
                "created_at": timeline["drafted"],
                "created_by_id": author,
            }
            packages.append(package)
            for version, rows in self.paths.versions(package, wanted, timeline):
                versions.append(version)
                for days, start, minutes, carers, care_type, row_tasks in rows:
                    visits.append(
                        {
                            "id": self.tables[VisitPattern].allocate(),
                            "version_id": version["id"],
                            "days": days,
                            "preferred_start": self.visit_times[start],
                            "tolerance_minutes": 60
                            if care_type != CareType.DAY
                            else rng.choice((15, 30, 30, 45)),
                            "duration_minutes": minutes,
                            "carers_required": carers,
                            "care_type": care_type,
                            "tasks": sorted(set(row_tasks)),
                            "notes": "Two carers: hoist transfer" if carers == 2 else "",
                        }
                    )
            changes.extend(self.paths.status_changes(package, timeline))
            by_status = self.summary.packages_by_status
            by_status[package["status"]] = by_status.get(package["status"], 0) + 1

        # Parents before children, so the foreign keys hold at every statement (PostgreSQL checks them
        # at commit, SQLite as it goes when foreign keys are on).
        self.tables[Person].insert(people)
        self.tables[SupportPlan].insert(plans)
        self.tables[SupportPlanOutcome].insert(outcomes)
        self.tables[Package].insert(packages)
        self.tables[PackageVersion].insert(versions)
        self.tables[VisitPattern].insert(visits)
        self.tables[PackageStatusChange].insert(changes)
