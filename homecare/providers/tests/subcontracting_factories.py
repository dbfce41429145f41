"""Lead providers and subcontractors for tests, made through the services so the rules apply.

The usual world: Northbridge appoints Acorn lead for its urban homecare lot in Riverside; Acorn's
manager registers Cedar Community Care (and, where a test needs two, Damson Home Support); Clara the
commissioner approves them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from homecare.accounts.models import Organisation, User
from homecare.providers import subcontracting
from homecare.providers.models import LeadProviderAppointment, Subcontracting

CQC_ID = "1-123456789"


def appoint_lead(
    *, commissioner: User, lead: Organisation, lot=None, zone=None, start: dt.date | None = None
) -> LeadProviderAppointment:
    return subcontracting.lead_appoint(
        actor=commissioner,
        council=commissioner.organisation,
        lead=lead,
        lot=lot,
        zone=zone,
        effective_from=start or dt.date(2025, 4, 1),
    )


def register_subcontractor(
    *, manager: User, appointment: LeadProviderAppointment, name: str = "Cedar Community Care", **fields
) -> Subcontracting:
    values = {
        "subcontractor_name": name,
        "cqc_location_id": CQC_ID,
        "cqc_rating": "good",
        "cqc_rated_on": dt.date(2025, 6, 1),
        "review_on": timezone.localdate() + dt.timedelta(days=180),
        "living_wage_declared": True,
        "guaranteed_hours_offered": True,
        "paid_travel_time": True,
    }
    values.update(fields)
    return subcontracting.subcontractor_register(actor=manager, appointment=appointment, **values)


def approved_subcontractor(
    *,
    manager: User,
    commissioner: User,
    appointment: LeadProviderAppointment,
    name: str = "Cedar Community Care",
) -> Subcontracting:
    registration = register_subcontractor(manager=manager, appointment=appointment, name=name)
    return subcontracting.subcontracting_decide(
        actor=commissioner, subcontracting=registration, transition="approve"
    )
