"""The lead-provider model in Northbridge (ADR 0015): the first provider (the `provider` sign-in) leads the
urban homecare lot in the first urban zone, with two local subcontractors the council has approved; the
council's wage floor (the Northbridge Living Wage, a synthetic rate) and last quarter's lowest-pay
attestations, one of them below the floor so the shortfall flag has something to show.

A few dozen rows through the ORM, after the market (it needs the framework and its lots).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.providers import rules
from homecare.providers.models import (
    LeadProviderAppointment,
    LivingWageFloor,
    Lot,
    LowestPayAttestation,
    Subcontracting,
    SubcontractingStatus,
    SubcontractingStatusChange,
)

from .vocabulary import COMMISSIONER_USERNAME, PROVIDER_USERNAME

# Made-up local organisations (neither exists).
SUBCONTRACTOR_NAMES = ("Northbridge Neighbours Care CIC", "St Anne's Community Home Support")
FLOORS = (
    (dt.date(2025, 4, 1), "Northbridge Living Wage 2025/26", Decimal("12.60")),
    (dt.date(2026, 4, 1), "Northbridge Living Wage 2026/27", Decimal("13.45")),
)
# Lowest hourly pay last quarter, above the floor by this much (negative: a shortfall to flag).
MARGINS = (Decimal("0.30"), Decimal("0.15"), Decimal("-0.35"))
SUBCONTRACTOR_CARE_WORKERS = 6
FIRST_NAMES = ("Amira", "Bethan", "Chloe", "Dorota", "Efua", "Fiona", "Grace", "Hollie", "Imran", "Joel")
FAMILY_NAMES = ("Ashworth", "Brennan", "Chowdhury", "Dlamini", "Evans", "Fairclough", "Gill", "Hughes")


def build_lead_providers(writer) -> None:
    rng = random.Random(f"lead-providers-{writer.seed}")  # its own stream: the people's stays put
    council = writer.council
    commissioner = User.objects.get(username=COMMISSIONER_USERNAME)
    lead_manager = User.objects.get(username=PROVIDER_USERNAME)
    lead = writer.providers[0]
    now = timezone.now()
    zone = next(z for z in writer.zones if z.area_type == "urban")
    lot = Lot.objects.get(framework__council=council, service="homecare", area_type="urban")
    appointment = LeadProviderAppointment.objects.create(
        council=council,
        lead=lead,
        lot=lot,
        zone=zone,
        effective_from=lot.framework.start_date,
        reason="Neighbourhood lead provider under the framework",
        appointed_by=commissioner,
        appointed_at=now - dt.timedelta(days=200),
    )
    subcontractors = [
        Organisation.objects.create(name=n, type=OrganisationType.PROVIDER) for n in SUBCONTRACTOR_NAMES
    ]
    # Each subcontractor's registered manager (no demo sign-in: they attest their pay below).
    managers = {lead.pk: lead_manager}
    for i, sub in enumerate(subcontractors, start=1):
        manager = User(
            username=f"subcontractor{i}-manager",
            first_name="Registered",
            last_name="Manager",
            organisation=sub,
            role=Role.PROVIDER_MANAGER,
        )
        manager.set_unusable_password()
        manager.save()
        managers[sub.pk] = manager
        # A small local team, like every provider in the borough (no demo sign-ins).
        for n in range(1, SUBCONTRACTOR_CARE_WORKERS + 1):
            worker = User(
                username=f"subcontractor{i}-carer{n:02d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(FAMILY_NAMES),
                organisation=sub,
                role=Role.CARE_WORKER,
                job_title="Care worker",
            )
            worker.set_unusable_password()
            worker.save()
    for i, sub in enumerate(subcontractors):
        registered = now - dt.timedelta(days=120 - i * 10)
        registration = Subcontracting.objects.create(
            council=council,
            appointment=appointment,
            lead=lead,
            subcontractor=sub,
            cqc_location_id=f"1-{200000003 + i * 7919}",
            cqc_rating="good",
            cqc_rated_on=writer.today - dt.timedelta(days=300 + i * 40),
            guaranteed_hours_offered=True,
            paid_travel_time=True,
            paid_travel_costs=True,
            paid_training=True,
            statutory_sick_pay=True,
            peer_meetings=i == 0,
            leave_per_acas=True,
            living_wage_declared=True,
            review_on=writer.today + dt.timedelta(days=240 - i * 30),
            status=SubcontractingStatus.APPROVED,
            registered_by=lead_manager,
            registered_at=registered,
        )
        SubcontractingStatusChange.objects.bulk_create(
            [
                SubcontractingStatusChange(
                    subcontracting=registration,
                    from_status="",
                    to_status="proposed",
                    at=registered,
                    by=lead_manager,
                ),
                SubcontractingStatusChange(
                    subcontracting=registration,
                    from_status="proposed",
                    to_status="approved",
                    at=registered + dt.timedelta(days=6),
                    by=commissioner,
                    reason="CQC registration and declarations checked",
                ),
            ]
        )
    LivingWageFloor.objects.bulk_create(
        LivingWageFloor(
            council=council,
            name=name,
            hourly_amount=amount,
            effective_from=start,
            set_by=commissioner,
            set_at=timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=60), dt.time(10))),
        )
        for start, name, amount in FLOORS
    )
    last_quarter = rules.pay_period_start(rules.pay_period_start(writer.today) - dt.timedelta(days=1))
    floor = rules.floor_for_period([(d, i, a) for i, (d, _, a) in enumerate(FLOORS)], last_quarter)
    if floor is None:
        return
    LowestPayAttestation.objects.bulk_create(
        LowestPayAttestation(
            council=council,
            organisation=org,
            period_start=last_quarter,
            lowest_hourly_pay=floor + margin,
            declared_by=managers[org.pk],
            declared_at=now - dt.timedelta(days=5),
        )
        for org, margin in zip([lead, *subcontractors], MARGINS, strict=True)
    )
