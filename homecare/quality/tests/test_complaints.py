"""Complaints: provider first, then the council's stages and the Ombudsman, with fixed due dates,
immutable status rows, and each stage handled by whoever owns it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.platform.append_only import AppendOnlyError
from homecare.platform.models import Notification
from homecare.quality import services
from homecare.quality.models import ComplaintStatusChange
from homecare.quality.selectors import complaints as selectors
from homecare.quality.tests.factories import FRIDAY, acknowledge, make_complaint, respond

pytestmark = pytest.mark.django_db


def test_a_complaint_about_a_provider_starts_with_the_provider_and_its_managers_are_told(
    alice, acorn, paul, mary
):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn)
    record = complaint.stages.get()
    assert (complaint.stage, complaint.status) == ("provider", "received")
    assert record.acknowledgement_due == dt.date(2025, 12, 24)  # 3 working days from Friday 19 Dec
    assert record.response_due == dt.date(2026, 1, 16)  # 28 days
    assert Notification.objects.filter(recipient=paul, text__contains=complaint.reference).exists()
    assert list(complaint.themes.values_list("theme", flat=True)) == ["late_missed"]


def test_a_complaint_about_the_council_starts_at_its_first_stage(alice, clara, mary):
    complaint = make_complaint(actor=alice, person=mary, subject="council")
    assert complaint.stage == "council_first"
    assert Notification.objects.filter(recipient=clara).exists()


def test_recording_refuses_a_future_date_a_missing_provider_and_another_councils_person(alice, sam, mary):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        make_complaint(actor=alice, person=mary, subject="council", received_on=tomorrow)
    assert "received_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_complaint(actor=alice, person=mary, subject="provider")
    assert "provider" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_complaint(actor=sam, person=mary, subject="council")
    assert "person" in exc.value.message_dict


def test_a_provider_records_a_complaint_about_itself_for_someone_it_cares_for(
    paul, acorn, birch, mary_at_acorn
):
    mary = mary_at_acorn.person
    complaint = make_complaint(actor=paul, person=mary, provider=acorn)
    assert complaint.council == mary.council and complaint.stage == "provider"
    with pytest.raises(ValidationError):
        make_complaint(actor=paul, person=mary, provider=birch)


def test_a_provider_cannot_record_a_complaint_about_someone_it_does_not_care_for(paul, acorn, mary):
    with pytest.raises(ValidationError) as exc:
        make_complaint(actor=paul, person=mary, provider=acorn)
    assert "person" in exc.value.message_dict


def test_the_provider_acknowledges_and_decides_its_own_stage_not_the_council(
    alice, clara, paul, pippa, acorn, mary
):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn)
    for outsider in (clara, pippa):
        with pytest.raises(PermissionDenied):
            acknowledge(complaint, outsider)
    complaint = acknowledge(complaint, paul, on=dt.date(2025, 12, 23))
    with pytest.raises(ValidationError) as exc:
        services.complaint_respond(
            actor=paul, complaint=complaint, responded_on=FRIDAY, outcome="", findings="", response=""
        )
    assert {"outcome", "findings", "response"} <= set(exc.value.message_dict)
    complaint = respond(complaint, paul, outcome="partly_upheld", on=dt.date(2026, 1, 9))
    record = complaint.stages.get()
    assert (complaint.status, record.outcome, record.acknowledged_by, record.responded_by) == (
        "responded",
        "partly_upheld",
        paul,
        paul,
    )


def test_the_decision_needs_the_acknowledgement_first(alice, paul, acorn, mary):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn)
    with pytest.raises(Exception, match="cannot send the decision"):
        respond(complaint, paul)


def test_the_complainant_can_take_it_to_the_council_and_on_to_the_ombudsman(alice, clara, paul, acorn, mary):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn)
    with pytest.raises(PermissionDenied):
        services.complaint_escalate(actor=paul, complaint=complaint, escalated_on=FRIDAY, reason="x")
    complaint = services.complaint_escalate(
        actor=clara, complaint=complaint, escalated_on=dt.date(2025, 12, 22), reason="Provider did not reply"
    )
    first = complaint.stages.get(stage="council_first")
    assert (complaint.stage, complaint.status, first.acknowledgement_due) == (
        "council_first",
        "received",
        dt.date(2025, 12, 29),  # Monday 22 Dec + 3 working days, skipping Christmas and Boxing Day
    )
    with pytest.raises(PermissionDenied):
        acknowledge(complaint, paul)  # the council's stage now
    complaint = respond(acknowledge(complaint, clara), clara, outcome="not_upheld")
    complaint = services.complaint_escalate(
        actor=clara, complaint=complaint, escalated_on=first.started_on, reason="Asks for a review"
    )
    assert complaint.stage == "council_second"
    complaint = respond(acknowledge(complaint, clara), clara, outcome="not_upheld")
    complaint = services.complaint_refer_to_ombudsman(
        actor=clara, complaint=complaint, referred_on=dt.date(2026, 1, 5), ombudsman_reference="25 012 345"
    )
    assert (complaint.stage, complaint.status) == ("ombudsman", "with_ombudsman")
    complaint = services.complaint_record_ombudsman_decision(
        actor=clara,
        complaint=complaint,
        decided_on=dt.date(2026, 2, 2),
        outcome="upheld",
        note="Fault; apology",
    )
    assert complaint.status == "closed"
    moves = list(complaint.status_changes.values_list("to_stage", "to_status"))
    assert moves[0] == ("provider", "received") and moves[-1] == ("ombudsman", "closed")
    assert len(moves) == 9


def test_a_council_stage_is_escalated_only_after_its_decision(alice, clara, mary):
    complaint = make_complaint(actor=alice, person=mary, subject="council")
    with pytest.raises(Exception, match="cannot escalate"):
        services.complaint_escalate(actor=clara, complaint=complaint, escalated_on=FRIDAY, reason="x")


def test_status_rows_are_never_changed_or_deleted(alice, acorn, mary):
    row = make_complaint(actor=alice, person=mary, provider=acorn).status_changes.get()
    row.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert ComplaintStatusChange.objects.get(pk=row.pk).note == "Complaint received"


def test_overdue_and_due_soon_lists_follow_the_current_stage(alice, clara, paul, acorn, mary):
    late = make_complaint(actor=alice, person=mary, provider=acorn)  # ack due 24 Dec 2025
    soon = make_complaint(actor=alice, person=mary, subject="council", received_on=dt.date(2026, 1, 5))
    done = acknowledge(make_complaint(actor=alice, person=mary, subject="council"), clara)
    today = dt.date(2026, 1, 7)  # soon: ack due Thu 8 Jan
    overdue = [r.complaint for r in selectors.complaint_rows(user=clara, view="overdue", today=today)]
    due_soon = [r.complaint for r in selectors.complaint_rows(user=clara, view="due_soon", today=today)]
    assert overdue == [late]
    assert due_soon == [soon]
    assert done not in overdue + due_soon
    # Paul sees the one about Acorn only.
    assert [r.complaint for r in selectors.complaint_rows(user=paul, view="all", today=today)] == [late]


def test_the_report_counts_timescales_met_outcomes_and_themes(alice, clara, acorn, paul, mary):
    on_time = make_complaint(actor=alice, person=mary, subject="council")
    respond(acknowledge(on_time, clara, on=dt.date(2025, 12, 22)), clara, on=dt.date(2026, 1, 9))
    late = make_complaint(actor=alice, person=mary, subject="council")
    respond(
        acknowledge(late, clara, on=dt.date(2025, 12, 29)),
        clara,
        outcome="not_upheld",
        on=dt.date(2026, 1, 20),
    )
    make_complaint(actor=alice, person=mary, provider=acorn, themes=["late_missed", "communication"])
    report = selectors.complaint_report(user=clara, since=dt.date(2025, 12, 1), until=dt.date(2026, 1, 31))
    first = next(k for k in report.stages if k.stage == "council_first")
    assert (first.started, first.acknowledged_on_time, first.acknowledged, first.responded_on_time) == (
        2,
        1,
        2,
        1,
    )
    assert first.acknowledged_percent == 50
    assert dict(report.outcomes) == {"Upheld": 1, "Partly upheld": 0, "Not upheld": 1}
    assert dict(report.themes)["Late or missed visits"] == 3
    assert report.providers == [("Acorn Homecare", 1, 0)]


def test_withdrawal_needs_a_reason_and_closes_the_deadlines(alice, clara, mary):
    complaint = make_complaint(actor=alice, person=mary, subject="council")
    with pytest.raises(ValidationError):
        services.complaint_withdraw(actor=clara, complaint=complaint, reason=" ")
    complaint = services.complaint_withdraw(actor=clara, complaint=complaint, reason="Resolved on the phone")
    row = selectors.row_for(complaint, dt.date(2026, 6, 1))
    assert complaint.status == "withdrawn" and not row.overdue
