"""Lead providers and subcontractors through their services: appointment, registration, the council's
decisions, and what a subcontractor's suspension stops (and does not)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_provider, make_user
from homecare.platform.append_only import AppendOnlyError
from homecare.providers import selectors, state, subcontracting
from homecare.providers.models import Subcontracting, SubcontractingStatus
from homecare.providers.tests.subcontracting_factories import (
    appoint_lead,
    approved_subcontractor,
    register_subcontractor,
)


@pytest.fixture
def appointment(clara, acorn, framework, urban_lot, zone):
    return appoint_lead(commissioner=clara, lead=acorn, lot=urban_lot, zone=zone)


@pytest.fixture
def cedar_registration(paul, appointment):
    return register_subcontractor(manager=paul, appointment=appointment)


def test_commissioner_appoints_a_lead_for_a_lot_in_a_zone(clara, acorn, appointment, urban_lot, zone):
    assert (appointment.lead, appointment.lot, appointment.zone) == (acorn, urban_lot, zone)
    assert appointment.appointed_by == clara and appointment.is_in_force_on(timezone.localdate())
    assert appointment.history.count() == 1


def test_a_second_lead_for_the_same_area_and_dates_is_refused(clara, birch, appointment, urban_lot, zone):
    with pytest.raises(ValidationError, match="already the lead"):
        appoint_lead(commissioner=clara, lead=birch, lot=urban_lot, zone=zone, start=dt.date(2026, 1, 1))


def test_a_lead_must_be_admitted_to_the_lot_and_the_area_must_be_the_councils(
    clara, framework, urban_lot, zone, southwold
):
    outsider = make_provider("Elm Care")
    with pytest.raises(ValidationError, match="not admitted"):
        appoint_lead(commissioner=clara, lead=outsider, lot=urban_lot)
    from homecare.people.tests.factories import make_zone

    with pytest.raises(ValidationError) as excinfo:
        appoint_lead(
            commissioner=clara, lead=framework.admissions.first().provider, zone=make_zone(council=southwold)
        )
    assert "zone" in excinfo.value.message_dict


def test_only_the_councils_commissioners_appoint_leads(paul, alice, acorn, urban_lot, framework):
    for actor in (paul, alice):
        with pytest.raises(PermissionDenied):
            appoint_lead(commissioner=actor, lead=acorn, lot=urban_lot)


def test_ending_an_appointment_keeps_it_with_the_reason(clara, appointment):
    last_day = timezone.localdate()
    ended = subcontracting.lead_appointment_end(
        actor=clara, appointment=appointment, last_day=last_day, reason="Retendered"
    )
    assert ended.effective_to == last_day and ended.end_reason == "Retendered" and ended.ended_by == clara
    assert not ended.is_in_force_on(last_day + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="already been ended"):
        subcontracting.lead_appointment_end(actor=clara, appointment=ended, last_day=last_day, reason="Again")


def test_the_leads_manager_registers_a_subcontractor_as_proposed(paul, cedar_registration, northbridge):
    registration = cedar_registration
    assert registration.status == SubcontractingStatus.PROPOSED and registration.council == northbridge
    assert (
        registration.subcontractor.is_provider and registration.subcontractor.name == "Cedar Community Care"
    )
    assert registration.cqc_location_id == "1-123456789" and registration.cqc_rating == "good"
    assert registration.living_wage_declared and "Travel time paid" in registration.ethical_met
    change = registration.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("", "proposed", paul)
    assert not registration.takes_new_work


def test_registration_needs_the_living_wage_declaration_a_valid_cqc_id_and_an_annual_review(
    paul, appointment
):
    with pytest.raises(ValidationError) as excinfo:
        register_subcontractor(
            manager=paul,
            appointment=appointment,
            living_wage_declared=False,
            cqc_location_id="12345",
            review_on=timezone.localdate() + dt.timedelta(days=400),
        )
    assert {"living_wage_declared", "cqc_location_id", "review_on"} <= set(excinfo.value.message_dict)
    assert not Subcontracting.objects.exists()


def test_another_provider_cannot_register_under_acorns_appointment(pippa, appointment):
    with pytest.raises(PermissionDenied):
        register_subcontractor(manager=pippa, appointment=appointment)


def test_a_lead_cannot_subcontract_to_itself_or_twice_to_the_same_organisation(
    paul, appointment, cedar_registration
):
    with pytest.raises(ValidationError, match="itself"):
        register_subcontractor(manager=paul, appointment=appointment, name="acorn homecare")
    with pytest.raises(ValidationError, match="already registered"):
        register_subcontractor(manager=paul, appointment=appointment, name="CEDAR community care")


def test_a_registration_reuses_an_existing_provider_organisation(paul, appointment, birch):
    registration = register_subcontractor(manager=paul, appointment=appointment, name="Birch Care Services")
    assert registration.subcontractor == birch


def test_the_council_approves_suspends_reinstates_and_ends_with_a_row_each(clara, cedar_registration):
    registration = cedar_registration
    for step, reason, status in (
        ("approve", "", "approved"),
        ("suspend", "Missed visits", "suspended"),
        ("reinstate", "Action plan met", "approved"),
        ("end", "Contract ended", "ended"),
    ):
        registration = subcontracting.subcontracting_decide(
            actor=clara, subcontracting=registration, transition=step, reason=reason
        )
        assert registration.status == status
    rows = list(registration.status_changes.values_list("from_status", "to_status", "reason"))
    assert rows == [
        ("", "proposed", ""),
        ("proposed", "approved", ""),
        ("approved", "suspended", "Missed visits"),
        ("suspended", "approved", "Action plan met"),
        ("approved", "ended", "Contract ended"),
    ]
    with pytest.raises(AppendOnlyError):
        registration.status_changes.first().save()


def test_a_refusal_needs_a_reason_and_a_step_out_of_order_is_refused(clara, cedar_registration):
    with pytest.raises(ValidationError, match="reason"):
        subcontracting.subcontracting_decide(
            actor=clara, subcontracting=cedar_registration, transition="refuse"
        )
    with pytest.raises(state.SubcontractingTransitionNotAllowed):
        subcontracting.subcontracting_decide(
            actor=clara, subcontracting=cedar_registration, transition="suspend", reason="x"
        )
    refused = subcontracting.subcontracting_decide(
        actor=clara, subcontracting=cedar_registration, transition="refuse", reason="Rated inadequate"
    )
    assert refused.status == "refused"


def test_after_a_refusal_the_lead_may_propose_the_same_subcontractor_again(
    clara, paul, appointment, cedar_registration
):
    subcontracting.subcontracting_decide(
        actor=clara, subcontracting=cedar_registration, transition="refuse", reason="Incomplete"
    )
    again = register_subcontractor(manager=paul, appointment=appointment)
    assert again.pk != cedar_registration.pk and again.status == "proposed"


def test_only_the_councils_commissioners_decide(paul, southwold, cedar_registration):
    other_commissioner = make_user(organisation=southwold, role=Role.COMMISSIONER)
    for actor in (paul, other_commissioner):
        with pytest.raises(PermissionDenied):
            subcontracting.subcontracting_decide(
                actor=actor, subcontracting=cedar_registration, transition="approve"
            )


def test_suspending_a_subcontractor_does_not_suspend_the_lead(clara, paul, appointment, acorn, zone):
    registration = approved_subcontractor(manager=paul, commissioner=clara, appointment=appointment)
    subcontracting.subcontracting_decide(
        actor=clara, subcontracting=registration, transition="suspend", reason="Concerns"
    )
    today = timezone.localdate()
    eligible = selectors.eligible_providers(council=clara.organisation, zone=zone, on=today)
    assert acorn in [e.provider for e in eligible]
    assert (
        selectors.ineligibility_reason(provider=acorn, council=clara.organisation, zone=zone, on=today)
        is None
    )
    assert not acorn.suspensions.exists()
