"""Safeguarding: raise → triage → s42 decision → enquiry → outcome → closure, or managed outside; Making
Safeguarding Personal answers at the right stage; "unsafe" escalations; pattern alerts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.platform.models import Notification
from homecare.quality import services
from homecare.quality.models import PatternAlert, SafeguardingConcern, SafeguardingEscalation
from homecare.quality.tests.factories import make_concern, walk

pytestmark = pytest.mark.django_db


def test_a_council_officer_raises_a_concern_and_the_safeguarding_leads_are_told(bella, sally, mary):
    concern = make_concern(actor=bella, person=mary)
    assert (concern.status, concern.source, concern.raised_by) == ("new", "council_staff", bella)
    assert Notification.objects.filter(recipient=sally, text__contains=concern.reference).exists()
    assert concern.status_changes.get().to_status == "new"


def test_a_public_concern_is_recorded_by_an_officer_with_the_callers_name(bella, mary):
    with pytest.raises(ValidationError) as exc:
        make_concern(actor=bella, person=mary, source="public")
    assert "raiser_name" in exc.value.message_dict
    concern = make_concern(actor=bella, person=mary, source="public", raiser_name="A neighbour")
    assert concern.raised_by is None and concern.raiser_name == "A neighbour"


def test_a_concern_needs_the_person_or_their_details(bella):
    with pytest.raises(ValidationError) as exc:
        make_concern(actor=bella)
    assert "person" in exc.value.message_dict
    concern = make_concern(actor=bella, adult_details="Older man at 4 Mill Lane, not known to us")
    assert concern.person is None


def test_a_provider_raises_a_concern_about_someone_it_cares_for_only(
    paul, acorn, mary_at_acorn, southwold, sam
):
    concern = make_concern(actor=paul, person=mary_at_acorn.person)
    assert (concern.source, concern.provider, concern.raised_by_organisation) == ("provider", acorn, acorn)
    stranger = make_concern(actor=sam, adult_details="x").person  # None: nobody Paul cares for
    with pytest.raises(ValidationError):
        make_concern(actor=paul, person=stranger)


def test_nhs_partner_and_care_workers_cannot_raise_here(nadia, carl, mary):
    for user in (nadia, carl):
        with pytest.raises(PermissionDenied):
            make_concern(actor=user, person=mary)


def test_a_care_workers_concern_from_the_visit_becomes_one_concern_for_the_council(
    mary, alice, acorn, paul, carl, sally
):
    from homecare.people.tests.factories import make_package
    from homecare.visits import services as visit_services

    package = make_package(person=mary, actor=alice, provider=acorn, status="active")
    visit_services.visits_generate(package=package, days=1)
    visit = package.visits.first()
    visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    event = visit_services.EventInput(
        client_id=uuid.uuid4(), kind="concern", occurred_at=timezone.now(), text="Mary has a bad bruise"
    )
    row, created = visit_services.event_record(actor=carl, visit=visit, event=event)
    # The phone resends it when the signal comes back: still one event, one concern.
    again, created_again = visit_services.event_record(actor=carl, visit=visit, event=event)
    concern = SafeguardingConcern.objects.get()
    assert created and not created_again and again.pk == row.pk
    assert (concern.call_event, concern.person, concern.provider, concern.council) == (
        row,
        mary,
        acorn,
        mary.council,
    )
    assert (concern.source, concern.raised_by, concern.visit) == ("care_worker", carl, visit)
    assert concern.description == "Mary has a bad bruise"
    assert Notification.objects.filter(recipient=sally, text__contains=concern.reference).exists()
    assert services.concern_raise_from_call_event(event=row) == concern


def test_only_safeguarding_leads_triage_and_triage_needs_urgency_types_and_notes(bella, alice, sally, mary):
    concern = make_concern(actor=bella, person=mary, abuse_types=())
    with pytest.raises(PermissionDenied):
        services.concern_triage(
            actor=alice, concern=concern, urgency="high", abuse_types=["neglect"], note="x"
        )
    with pytest.raises(ValidationError) as exc:
        services.concern_triage(actor=sally, concern=concern, urgency="", abuse_types=[], note="")
    assert {"urgency", "abuse_types", "note"} <= set(exc.value.message_dict)
    concern = services.concern_triage(
        actor=sally,
        concern=concern,
        urgency="immediate",
        abuse_types=["physical"],
        note="Police called",
        allocated_worker=alice,
    )
    assert (concern.status, concern.allocated_worker) == ("triaged", alice)
    assert Notification.objects.filter(recipient=alice, text__contains="allocated").exists()


def test_when_the_s42_test_is_met_the_concern_cannot_be_managed_outside(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="triaged")
    with pytest.raises(ValidationError) as exc:
        services.concern_decide(
            actor=sally,
            concern=concern,
            care_and_support_needs=True,
            experiencing_abuse_or_risk=True,
            unable_to_protect=True,
            reason="r",
            make_enquiry=False,
            outside_route="care_review",
            outside_reason="x",
        )
    assert "make_enquiry" in exc.value.message_dict


def test_managed_outside_safeguarding_needs_a_route_and_reason(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="triaged")
    kwargs = dict(
        actor=sally,
        concern=concern,
        care_and_support_needs=True,
        experiencing_abuse_or_risk=False,
        unable_to_protect=False,
        reason="No abuse indicated",
        make_enquiry=False,
    )
    with pytest.raises(ValidationError) as exc:
        services.concern_decide(**kwargs)
    assert {"outside_route", "outside_reason"} <= set(exc.value.message_dict)
    concern = services.concern_decide(
        **kwargs, outside_route="care_review", outside_reason="Review the package"
    )
    assert concern.status == "managed_outside" and not hasattr(concern, "enquiry_cache")


def test_not_meeting_the_test_can_still_lead_to_a_non_statutory_enquiry(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="triaged")
    concern = services.concern_decide(
        actor=sally,
        concern=concern,
        care_and_support_needs=True,
        experiencing_abuse_or_risk=True,
        unable_to_protect=False,
        reason="Has capacity, wants help",
        make_enquiry=True,
    )
    assert concern.status == "planning" and concern.enquiry.enquiry_type == "other"


@pytest.mark.parametrize(
    "asked, outcomes, reason, field",
    [
        ("", "", "", "msp_asked"),
        ("expressed", " ", "", "msp_outcomes_expressed"),
        ("not_asked", "", "", "msp_not_asked_reason"),
    ],
)
def test_the_enquiry_starts_only_with_the_msp_question_answered(
    bella, sally, alice, mary, asked, outcomes, reason, field
):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="planning")
    with pytest.raises(ValidationError) as exc:
        services.concern_start_enquiry(
            actor=sally,
            concern=concern,
            enquiry_officer=alice,
            plan="Plan",
            msp_asked=asked,
            msp_outcomes_expressed=outcomes,
            msp_not_asked_reason=reason,
        )
    assert field in exc.value.message_dict
    concern.refresh_from_db()
    assert concern.status == "planning"


def test_the_outcome_records_whether_expressed_outcomes_were_achieved(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="enquiry")
    with pytest.raises(ValidationError) as exc:
        services.concern_record_outcome(
            actor=sally, concern=concern, findings="f", conclusion="substantiated", risk_outcome="reduced"
        )
    assert "msp_achieved" in exc.value.message_dict
    other = walk(make_concern(actor=bella, person=mary), lead=sally, to="enquiry", msp_asked="none_expressed")
    with pytest.raises(ValidationError):
        services.concern_record_outcome(
            actor=sally,
            concern=other,
            findings="f",
            conclusion="partly",
            risk_outcome="remains",
            msp_achieved="fully",
        )


def test_the_enquiry_officer_may_run_the_enquiry_but_not_close_it(bella, sally, alice, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="enquiry", officer=alice)
    concern = services.concern_record_outcome(
        actor=alice,
        concern=concern,
        findings="f",
        conclusion="not_substantiated",
        risk_outcome="removed",
        msp_achieved="fully",
    )
    with pytest.raises(PermissionDenied):
        services.concern_close(actor=alice, concern=concern, msp_feels_safe="safe", closure_summary="done")


def test_closing_needs_how_safe_the_person_feels(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, to="outcome")
    with pytest.raises(ValidationError) as exc:
        services.concern_close(actor=sally, concern=concern, msp_feels_safe="", closure_summary="")
    assert {"msp_feels_safe", "closure_summary"} <= set(exc.value.message_dict)


def test_feeling_unsafe_at_closure_escalates_to_the_principal_manager(bella, sally, pat, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    escalation = SafeguardingEscalation.objects.get(concern=concern)
    assert concern.status == "closed" and escalation.is_open and escalation.assigned_to == pat
    assert Notification.objects.filter(recipient=pat, text__contains="feels unsafe").exists()
    assert not Notification.objects.filter(recipient=sally, text__contains="feels unsafe").exists()


def test_feeling_safe_escalates_nothing(bella, sally, pat, mary):
    walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="fairly_safe")
    assert not SafeguardingEscalation.objects.exists()


def test_an_escalation_closes_only_with_a_principal_managers_decision_and_rationale(bella, sally, pat, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    escalation = concern.escalations.get()
    with pytest.raises(PermissionDenied):  # Sally is a lead but not the principal manager
        services.escalation_decide(
            actor=sally, escalation=escalation, decision="no_further_action", note="ok"
        )
    with pytest.raises(ValidationError) as exc:
        services.escalation_decide(actor=pat, escalation=escalation, decision="", note="")
    assert {"decision", "note"} <= set(exc.value.message_dict)
    # Nor can it be closed behind the service's back: the database refuses a decision without a rationale.
    with pytest.raises(IntegrityError), transaction.atomic():
        SafeguardingEscalation.objects.filter(pk=escalation.pk).update(
            decision="no_further_action", decided_by=pat, decided_at=timezone.now()
        )
    escalation = services.escalation_decide(
        actor=pat, escalation=escalation, decision="protection_plan", note="Weekly welfare calls for 3 months"
    )
    assert not escalation.is_open and escalation.decided_by == pat
    with pytest.raises(ValidationError):
        services.escalation_decide(actor=pat, escalation=escalation, decision="reopen", note="again")


def test_a_principal_manager_can_reopen_the_enquiry(bella, sally, pat, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    services.escalation_decide(
        actor=pat, escalation=concern.escalations.get(), decision="reopen", note="More to do"
    )
    concern.refresh_from_db()
    assert concern.status == "enquiry"
    assert concern.status_changes.last().note.startswith("Reopened")


def test_without_designated_principal_managers_any_safeguarding_lead_decides(bella, sally, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    escalation = services.escalation_decide(
        actor=sally, escalation=concern.escalations.get(), decision="refer", note="Police referral made"
    )
    assert escalation.decision == "refer"


def test_a_second_similar_concern_about_the_same_person_is_flagged_to_the_team_manager(
    bella, sally, alice, mary
):
    tm = make_user(organisation=mary.council, role=Role.SAFEGUARDING_LEAD, username="tm")
    services.manager_designate(actor=sally, user=tm, level="team_manager")
    first = make_concern(actor=bella, person=mary, abuse_types=["financial"])
    assert not PatternAlert.objects.exists()
    make_concern(actor=alice, person=mary, abuse_types=["physical"])  # different type: no pattern
    assert not PatternAlert.objects.exists()
    second = make_concern(actor=alice, person=mary, abuse_types=["financial"])
    alert = PatternAlert.objects.get()
    assert (alert.subject, alert.person, alert.abuse_type) == ("person", mary, "financial")
    assert set(alert.concerns.all()) == {first, second}
    assert Notification.objects.filter(recipient=tm, text__startswith="Pattern").count() == 1
    assert not Notification.objects.filter(recipient=sally, text__startswith="Pattern").exists()
    third = make_concern(actor=alice, person=mary, abuse_types=["financial"])
    assert PatternAlert.objects.count() == 1 and third in alert.concerns.all()  # joins the open alert


def test_concerns_outside_the_window_are_not_a_pattern(bella, mary, settings):
    settings.SAFEGUARDING_PATTERN_WINDOW_DAYS = 30
    make_concern(
        actor=bella, person=mary, abuse_types=["neglect"], raised_at=timezone.now() - dt.timedelta(days=31)
    )
    make_concern(actor=bella, person=mary, abuse_types=["neglect"])
    assert not PatternAlert.objects.exists()


def test_similar_concerns_about_one_provider_are_a_pattern_across_people(
    bella, sally, acorn, mary, northbridge, zone
):
    from homecare.people.tests.factories import make_person

    other = make_person(council=northbridge, actor=bella, zone=zone)
    make_concern(actor=bella, person=mary, provider=acorn, abuse_types=["neglect"])
    concern = make_concern(actor=bella, person=other, provider=acorn, abuse_types=["neglect"])
    alert = PatternAlert.objects.get(subject="provider")
    assert alert.provider == acorn and concern in alert.concerns.all()
    services.pattern_acknowledge(actor=sally, alert=alert, note="QA visit booked")
    alert.refresh_from_db()
    assert alert.acknowledged_by == sally


def test_the_provider_sees_only_the_summary_shared_with_it(bella, sally, acorn, paul, mary):
    concern = make_concern(actor=bella, person=mary, provider=acorn)
    with pytest.raises(ValidationError):
        services.concern_share_with_provider(actor=sally, concern=concern, summary=" ")
    concern = services.concern_share_with_provider(
        actor=sally, concern=concern, summary="Please suspend carer X"
    )
    assert concern.shared_with_provider and concern.shared_by == sally
    assert Notification.objects.filter(recipient=paul, text__contains=concern.reference).exists()


def test_a_concern_in_a_phones_queued_batch_becomes_a_concern_too(mary, alice, acorn, paul, carl):
    from homecare.people.tests.factories import make_package
    from homecare.visits import services as visit_services

    package = make_package(person=mary, actor=alice, provider=acorn, status="active")
    visit_services.visits_generate(package=package, days=1)
    visit = package.visits.first()
    visit_services.visit_assign(actor=paul, visit=visit, care_worker=carl)
    note = visit_services.EventInput(
        client_id=uuid.uuid4(), kind="note", occurred_at=timezone.now(), text="Fine"
    )
    concern = visit_services.EventInput(
        client_id=uuid.uuid4(), kind="concern", occurred_at=timezone.now(), text="Door left open overnight"
    )
    outcomes = visit_services.events_record_batch(actor=carl, items=[(visit.pk, note), (visit.pk, concern)])
    assert [o.result for o in outcomes] == ["stored", "stored"]
    raised = SafeguardingConcern.objects.get()
    assert raised.call_event == outcomes[1].event and raised.description == "Door left open overnight"
