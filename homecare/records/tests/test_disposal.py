"""Retention: a job proposes, a named administrator decides, and only then are records destroyed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from homecare.people import services as people_services
from homecare.people.models import Person
from homecare.people.tests.factories import make_package
from homecare.platform.audit_log import verify_chain
from homecare.platform.models import AuditEntry
from homecare.records import services
from homecare.records.discovery import person_sources
from homecare.records.models import DisposalProposal, ItemOutcome, ProposalStatus
from homecare.records.retention import add_years


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("homecare.") and m._meta.app_label not in ("platform", "records")
    }


def _held_about(person_id: int) -> dict[str, int]:
    held = {s.label: s.rows(person_id).count() for s in person_sources()}
    return {label: n for label, n in held.items() if n}


# --- proposing ----------------------------------------------------------------------------------------


def test_only_people_past_retention_are_proposed_and_nothing_changes(
    mary_file, nora, northbridge, past_retention
):
    before = _counts()
    too_soon = services.disposals_propose(council=northbridge, today=past_retention - dt.timedelta(days=2))
    assert too_soon is None
    proposal = services.disposals_propose(council=northbridge, today=past_retention)
    assert proposal.status == ProposalStatus.PROPOSED
    (item,) = proposal.items.all()
    assert (item.person_ref, item.case_reference) == (mary_file.pk, mary_file.case_reference)
    assert item.retain_until == add_years(item.care_ended_on, 8)
    assert item.holdings["visits.Visit"] == 3 and item.holdings["people.Person"] == 1
    assert _counts() == before  # a proposal destroys nothing
    entry = AuditEntry.objects.order_by("seq").last()
    assert entry.action == "records.disposal_proposed" and entry.payload["people"] == [mary_file.pk]


def test_someone_already_proposed_is_not_proposed_twice(mary_file, northbridge, past_retention):
    assert services.disposals_propose(council=northbridge, today=past_retention) is not None
    assert services.disposals_propose(council=northbridge, today=past_retention) is None


def test_the_longest_period_of_the_records_held_decides(mary_file, northbridge, past_retention):
    with override_settings(RECORDS_RETENTION_YEARS={"default": 8, "visits": 10}):
        assert services.disposals_propose(council=northbridge, today=past_retention) is None
        later = add_years(past_retention, 2)
        proposal = services.disposals_propose(council=northbridge, today=later)
    assert proposal.items.get().retain_until == add_years(proposal.items.get().care_ended_on, 10)


def test_someone_assessed_but_never_given_care_counts_from_their_last_involvement(
    mary, northbridge, past_retention
):
    proposal = services.disposals_propose(council=northbridge, today=past_retention)
    assert proposal.items.get().person_ref == mary.pk


def test_the_job_proposes_for_every_council(mary_file, sam, southwold, past_retention, zone):
    from homecare.people.tests.factories import make_person, make_zone

    make_person(council=southwold, actor=sam, zone=make_zone(council=southwold))
    out = io.StringIO()
    call_command("propose_disposals", today=past_retention.isoformat(), stdout=out)
    assert "2 proposals made" in out.getvalue()
    assert set(DisposalProposal.objects.values_list("council__name", flat=True)) == {
        "Northbridge Borough Council",
        "Southwold District Council",
    }


# --- deciding -----------------------------------------------------------------------------------------


@pytest.fixture
def proposal(mary_file, northbridge, past_retention):
    return services.disposals_propose(council=northbridge, today=past_retention)


def test_approval_is_named_and_audited_and_then_the_records_are_destroyed(
    proposal, ada, mary_file, nora, past_retention, django_capture_on_commit_callbacks
):
    nora_before = _held_about(nora.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.disposal_approve(proposal=proposal, actor=ada, note="Checked against the retention schedule")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.APPROVED, ada)
    approval = AuditEntry.objects.get(action="records.disposal_approved")
    assert (approval.actor_id, approval.actor_name) == (ada.pk, "Ada")
    assert approval.reason == "Checked against the retention schedule"
    assert _held_about(mary_file.pk)  # nothing destroyed until the job runs …
    assert len(callbacks) == 1

    services.disposal_carry_out(proposal=proposal, today=past_retention)  # … which the approval started
    assert _held_about(mary_file.pk) == {}
    assert not Person.objects.filter(pk=mary_file.pk).exists()
    assert _held_about(nora.pk) == nora_before
    proposal.refresh_from_db()
    item = proposal.items.get()
    assert proposal.status == ProposalStatus.DISPOSED and item.outcome == ItemOutcome.DISPOSED
    assert item.destroyed["visits.CallEvent"] == 1 and item.destroyed["people.HistoricalPerson"] >= 3
    disposed = AuditEntry.objects.get(action="records.disposed")
    assert disposed.actor_id == ada.pk and disposed.payload["person_id"] == mary_file.pk
    assert "Smith" not in str(disposed.payload) + disposed.summary
    assert verify_chain().intact


def test_a_person_whose_care_restarted_is_kept_with_the_reason(
    proposal, ada, mary_file, bella, acorn, past_retention
):
    services.disposal_approve(proposal=proposal, actor=ada)
    make_package(person=mary_file, actor=bella, provider=acorn, status="active")
    services.disposal_carry_out(proposal=proposal, today=past_retention)
    item = proposal.items.get()
    assert item.outcome == ItemOutcome.KEPT and "No longer past retention" in item.outcome_note
    assert Person.objects.filter(pk=mary_file.pk).exists()


def test_carrying_out_twice_destroys_nothing_more(proposal, ada, past_retention):
    services.disposal_approve(proposal=proposal, actor=ada)
    services.disposal_carry_out(proposal=proposal, today=past_retention)
    with pytest.raises(ValidationError, match="Only an approved proposal"):
        services.disposal_carry_out(proposal=proposal, today=past_retention)


def test_nothing_is_destroyed_without_approval(proposal, past_retention):
    with pytest.raises(ValidationError, match="Only an approved proposal"):
        services.disposal_carry_out(proposal=proposal, today=past_retention)


def test_a_rejection_needs_a_reason_and_keeps_everything(proposal, ada, mary_file):
    with pytest.raises(ValidationError):
        services.disposal_reject(proposal=proposal, actor=ada, note=" ")
    services.disposal_reject(proposal=proposal, actor=ada, note="Legal hold: ombudsman complaint")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert AuditEntry.objects.filter(action="records.disposal_rejected", actor_id=ada.pk).exists()
    assert Person.objects.filter(pk=mary_file.pk).exists()
    with pytest.raises(ValidationError, match="already been decided"):
        services.disposal_approve(proposal=proposal, actor=ada)


def test_another_councils_administrator_cannot_decide(proposal, southwold):
    from homecare.accounts.models import Role
    from homecare.accounts.tests.factories import make_user

    other = make_user(organisation=southwold, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError, match="own administrators"):
        services.disposal_approve(proposal=proposal, actor=other)


def test_rectification_keeps_the_original_and_the_reason(mary, alice):
    people_services.person_update(actor=alice, person=mary, family_name="Jones", reason="Married")
    first, second = mary.history.order_by("history_id")
    assert (first.family_name, second.family_name) == ("Smith", "Jones")
    assert second.history_change_reason == "Married" and second.history_user == alice


# --- the pages ----------------------------------------------------------------------------------------


def test_an_administrator_proposes_and_approves_on_the_records_pages(
    client, ada, mary_file, past_retention, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    assert client.get(reverse("records:index")).status_code == 200
    proposal = services.disposals_propose(council=ada.organisation, today=past_retention)
    url = reverse("records:disposal", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200 and mary_file.case_reference.encode() in page.content
    # Approving without confirming the check is refused, with the reason shown.
    refused = client.post(url, {"decision": "approve"})
    assert refused.status_code == 200 and b"Confirm you have checked" in refused.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "approve", "confirm": "on", "note": "Schedule checked"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    # The job ran on commit (in-process here), judging retention on the real date: Mary's care ended
    # today, so she is kept, and says why.
    assert proposal.status == ProposalStatus.DISPOSED
    assert proposal.items.get().outcome == ItemOutcome.KEPT
    assert b"Ada" in client.get(url).content


def test_the_proposals_list_and_the_propose_button(client, ada, mary_file):
    client.force_login(ada)
    assert client.get(reverse("records:disposals")).status_code == 200
    response = client.post(reverse("records:disposals-propose"))
    assert response.status_code == 302  # nobody is past retention today
    assert not DisposalProposal.objects.exists()


def test_other_council_roles_may_not_decide(client, alice, proposal):
    client.force_login(alice)
    assert client.get(reverse("records:disposals")).status_code == 403
    url = reverse("records:disposal", args=[proposal.pk])
    assert client.post(url, {"decision": "approve", "confirm": "on"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
