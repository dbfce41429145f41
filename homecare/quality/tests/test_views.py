"""The quality pages, as each kind of user uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from homecare.quality import services
from homecare.quality.care_act_audit import TEMPLATE
from homecare.quality.models import CaseAudit, Complaint, PatternAlert, QaVisit, SafeguardingConcern
from homecare.quality.tests.factories import acknowledge, make_complaint, make_concern, respond, walk
from homecare.quality.tests.test_cqc_import import ACORN_LOCATION, csv_bytes, row

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_the_navigation_offers_quality_to_those_who_see_it(client, alice, paul, carl, nadia):
    for user, shown in ((alice, True), (paul, True), (carl, False), (nadia, False)):
        client.force_login(user)
        body = client.get(reverse("accounts:dashboard")).content.decode()
        assert (reverse("quality:home") in body) == shown, user
    client.force_login(carl)
    assert client.get(reverse("quality:home")).status_code == 403
    assert client.get(reverse("quality:complaints")).status_code == 403


def test_a_practitioner_records_a_complaint_and_the_provider_acknowledges_it_with_a_letter(
    client, alice, paul, mary, acorn
):
    client.force_login(alice)
    response = client.post(
        reverse("quality:complaint-new"),
        {
            **_date("received_on", timezone.localdate()),
            "complainant_name": "Jean Smith",
            "complainant_type": "family",
            "complainant_address": "1 High Street\nNorthbridge",
            "person_reference": mary.case_reference.lower(),
            "subject": "provider",
            "provider": acorn.pk,
            "stage": "provider",
            "summary": "Late every morning",
            "themes": ["late_missed"],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "quality:complaint", args=[complaint.pk]
    )
    client.force_login(paul)
    page = client.get(reverse("quality:complaint", args=[complaint.pk])).content.decode()
    assert reverse("quality:complaint-acknowledge", args=[complaint.pk]) in page
    assert reverse("quality:complaint-escalate", args=[complaint.pk]) not in page  # the council escalates
    response = client.post(
        reverse("quality:complaint-acknowledge", args=[complaint.pk]),
        {
            **_date("acknowledged_on", timezone.localdate()),
            "action_plan": "Manager to review the rota by Friday",
        },
    )
    assert response.status_code == 302
    letter = client.get(
        reverse("quality:complaint-letter", args=[complaint.pk, "acknowledgement"])
    ).content.decode()
    assert (
        "Manager to review the rota by Friday" in letter and "Dear Jean Smith" in letter and "Acorn" in letter
    )
    pdf = client.get(reverse("quality:complaint-letter-pdf", args=[complaint.pk, "acknowledgement"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("quality:complaint-letter", args=[complaint.pk, "decision"])).status_code == 404


def test_an_invalid_complaint_is_explained_not_saved(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("quality:complaint-new"), {"subject": "provider", "person_reference": "NOPE"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "No person you can see has the case reference NOPE" in body
    assert not Complaint.objects.exists()


def test_the_decision_letter_tells_the_complainant_the_next_step(client, alice, clara, mary):
    complaint = respond(
        acknowledge(make_complaint(actor=alice, person=mary, subject="council"), clara), clara
    )
    client.force_login(clara)
    body = client.get(reverse("quality:complaint-letter", args=[complaint.pk, "decision"])).content.decode()
    assert "we have upheld your complaint" in body and "second stage" in body


def test_other_providers_and_councils_get_404_for_a_complaint(client, alice, pippa, sam, fiona, mary, acorn):
    complaint = make_complaint(actor=alice, person=mary, provider=acorn)
    for user in (pippa, sam, fiona):
        client.force_login(user)
        assert client.get(reverse("quality:complaint", args=[complaint.pk])).status_code == 404


def test_the_overdue_list_and_report_render(client, alice, clara, mary):
    make_complaint(actor=alice, person=mary, subject="council", received_on=dt.date(2025, 12, 19))
    client.force_login(clara)
    body = client.get(reverse("quality:complaints") + "?view=overdue").content.decode()
    assert "Overdue" in body and "working days overdue" in body
    assert (
        client.get(
            reverse("quality:complaints-report") + "?since_day=1&since_month=12&since_year=2025"
        ).status_code
        == 200
    )


def test_a_broker_raises_a_concern_and_is_given_its_reference_but_not_the_case(client, bella, mary):
    client.force_login(bella)
    response = client.post(
        reverse("quality:concern-new"),
        {
            "person_reference": mary.case_reference,
            "source": "council_staff",
            "description": "Unexplained bruises",
        },
        follow=True,
    )
    concern = SafeguardingConcern.objects.get()
    assert concern.reference in response.content.decode()
    assert client.get(reverse("quality:concern", args=[concern.pk])).status_code == 404


def test_a_provider_sees_the_shared_summary_and_never_the_case_notes(client, bella, sally, paul, acorn, mary):
    concern = walk(make_concern(actor=bella, person=mary, provider=acorn), lead=sally, to="planning")
    client.force_login(paul)
    assert client.get(reverse("quality:concern", args=[concern.pk])).status_code == 404  # not shared yet
    services.concern_share_with_provider(actor=sally, concern=concern, summary="Carer X is off rota")
    body = client.get(reverse("quality:concern", args=[concern.pk])).content.decode()
    assert "Carer X is off rota" in body
    assert "Spoke to the provider" not in body and "All three parts met" not in body
    assert client.get(reverse("quality:concern-triage", args=[concern.pk])).status_code == 403


def test_the_lead_walks_a_concern_through_the_pages(client, bella, sally, alice, mary):
    concern = make_concern(actor=bella, person=mary)
    client.force_login(sally)
    url = reverse("quality:concern-triage", args=[concern.pk])
    assert (
        client.post(
            url,
            {
                "urgency": "high",
                "abuse_types": ["neglect"],
                "note": "Seen today",
                "allocated_worker": alice.pk,
            },
        ).status_code
        == 302
    )
    url = reverse("quality:concern-decide", args=[concern.pk])
    body = client.post(
        url,
        {
            "care_and_support_needs": "yes",
            "experiencing_abuse_or_risk": "yes",
            "unable_to_protect": "yes",
            "reason": "Met",
            "decision": "outside",
            "outside_route": "care_review",
            "outside_reason": "x",
        },
    ).content.decode()
    assert "the council must make an enquiry" in body
    assert (
        client.post(
            url,
            {
                "care_and_support_needs": "yes",
                "experiencing_abuse_or_risk": "yes",
                "unable_to_protect": "yes",
                "reason": "Met",
                "decision": "enquiry",
            },
        ).status_code
        == 302
    )
    client.force_login(alice)  # the allocated practitioner starts the enquiry
    response = client.post(
        reverse("quality:concern-plan", args=[concern.pk]),
        {"enquiry_officer": alice.pk, "plan": "Visit", "msp_asked": "not_asked"},
    )
    assert "Give the reason the person was not asked" in response.content.decode()
    assert (
        client.post(
            reverse("quality:concern-plan", args=[concern.pk]),
            {
                "enquiry_officer": alice.pk,
                "plan": "Visit",
                "msp_asked": "not_asked",
                "msp_not_asked_reason": "In hospital, unconscious",
            },
        ).status_code
        == 302
    )
    concern.refresh_from_db()
    assert concern.status == "enquiry"
    assert (
        "Making Safeguarding Personal"
        in client.get(reverse("quality:concern", args=[concern.pk])).content.decode()
    )


def test_the_principal_manager_decides_an_escalation_on_its_page(client, bella, sally, pat, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    escalation = concern.escalations.get()
    url = reverse("quality:escalation", args=[escalation.pk])
    client.force_login(sally)
    assert "Record the decision" not in client.get(url).content.decode()
    assert client.post(url, {"decision": "refer", "note": "x"}).status_code == 403
    client.force_login(pat)
    assert "Awaiting a decision (1)" in client.get(reverse("quality:escalations")).content.decode()
    assert client.post(url, {"decision": "refer", "note": "Police informed"}).status_code == 302
    escalation.refresh_from_db()
    assert escalation.decision == "refer"


def test_the_lead_draws_the_sample_and_the_auditor_completes_an_audit(client, bella, sally, pat, mary):
    walk(make_concern(actor=bella, person=mary), lead=sally)
    client.force_login(sally)
    month = timezone.localdate().replace(day=1).isoformat()
    assert client.post(reverse("quality:audits"), {"month": month, "per_manager": 2}).status_code == 302
    audit = CaseAudit.objects.get()
    client.force_login(pat)
    data = {f"q_{q.code}": "met" for q in TEMPLATE} | {"findings": "Sound", "overall": "good"}
    assert client.post(reverse("quality:audit", args=[audit.pk]), data).status_code == 302
    client.force_login(sally)
    response = client.post(
        reverse("quality:audit-action", args=[audit.pk]),
        {"description": "Share as good practice", **_date("due_on", timezone.localdate())},
    )
    assert response.status_code == 302 and audit.actions.count() == 1


def test_the_data_quality_report_and_pattern_alerts_render_for_leads_only(client, bella, sally, alice, mary):
    make_concern(actor=bella, person=mary, raised_at=timezone.now() - dt.timedelta(days=14))
    make_concern(actor=bella, person=mary)
    client.force_login(sally)
    assert "Not triaged within 2 working days" in client.get(reverse("quality:data-quality")).content.decode()
    assert "2 concerns" in client.get(reverse("quality:pattern-alerts")).content.decode()
    client.force_login(alice)
    assert client.get(reverse("quality:data-quality")).status_code == 403


def test_a_commissioner_records_and_publishes_a_qa_visit_and_the_provider_reads_it(
    client, clara, paul, acorn
):
    client.force_login(clara)
    response = client.post(
        reverse("quality:qa-visit-new", args=[acorn.pk]),
        {**_date("visit_date", timezone.localdate()), "kind": "unannounced", "summary": "Visited"},
    )
    visit = QaVisit.objects.get()
    assert response["Location"] == reverse("quality:qa-visit", args=[visit.pk])
    client.post(
        reverse("quality:qa-finding-add", args=[visit.pk]),
        {"area": "safe", "rag": "amber", "text": "MAR gaps"},
    )
    client.post(reverse("quality:qa-visit-publish", args=[visit.pk]), {"rag": "amber"})
    visit.refresh_from_db()
    assert visit.status == "published"
    page = client.get(reverse("quality:provider", args=[acorn.pk])).content.decode()
    assert "Quality score: 64.0" in page  # 40% × 50 (not rated) + 40% × 60 (amber) + 20% × 100
    client.force_login(paul)
    assert "MAR gaps" in client.get(reverse("quality:qa-visit", args=[visit.pk])).content.decode()
    assert (
        client.post(reverse("quality:qa-visit-publish", args=[visit.pk]), {"rag": "red"}).status_code == 403
    )


def test_the_cqc_upload_shows_what_changed_or_why_nothing_did(client, clara, acorn):
    from homecare.providers import services as provider_services

    provider_services.provider_profile_save(actor=clara, provider=acorn, cqc_location_id=ACORN_LOCATION)
    client.force_login(clara)
    upload = SimpleUploadedFile("ratings.csv", csv_bytes([row(ACORN_LOCATION, "Inadequate")]), "text/csv")
    response = client.post(reverse("quality:cqc-import"), {"file": upload}, follow=True)
    assert "CQC ratings imported" in response.content.decode() and "Inadequate" in response.content.decode()
    bad = SimpleUploadedFile("bad.csv", csv_bytes([row("nope", "Good")]), "text/csv")
    body = client.post(reverse("quality:cqc-import"), {"file": bad}, follow=True).content.decode()
    assert "Nothing was imported" in body and "is not a CQC location ID" in body


LISTS = [
    "quality:home",
    "quality:complaints",
    "quality:complaint-new",
    "quality:complaints-report",
    "quality:concerns",
    "quality:concern-new",
    "quality:escalations",
    "quality:pattern-alerts",
    "quality:audits",
    "quality:data-quality",
    "quality:safeguarding-managers",
    "quality:providers",
    "quality:cqc-import",
]
# Who opens each page (200); everyone else is refused (403).
OPENS = {
    "alice": {
        "quality:home",
        "quality:complaints",
        "quality:complaint-new",
        "quality:complaints-report",
        "quality:concerns",
        "quality:concern-new",
        "quality:providers",
    },
    "clara": {
        "quality:home",
        "quality:complaints",
        "quality:complaint-new",
        "quality:complaints-report",
        "quality:concern-new",
        "quality:providers",
        "quality:cqc-import",
    },
    "fiona": {"quality:home", "quality:concern-new", "quality:providers"},
    "sally": set(LISTS) - {"quality:cqc-import"},
    "adam": {
        "quality:home",
        "quality:complaints",
        "quality:complaint-new",
        "quality:complaints-report",
        "quality:concern-new",
        "quality:safeguarding-managers",
        "quality:providers",
        "quality:cqc-import",
    },
    "paul": {
        "quality:home",
        "quality:complaints",
        "quality:complaint-new",
        "quality:concerns",
        "quality:concern-new",
    },
    "carl": set(),
    "nadia": set(),
}


@pytest.mark.parametrize("who", sorted(OPENS))
def test_every_list_and_form_opens_for_the_roles_it_is_for_and_no_other(client, who, request, mary, acorn):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for name in LISTS:
        status = client.get(reverse(name)).status_code
        assert status == (200 if name in OPENS[who] else 403), f"{who} {name} → {status}"


def test_acknowledging_a_pattern_needs_a_note(client, bella, sally, mary):
    make_concern(actor=bella, person=mary)
    make_concern(actor=bella, person=mary)
    alert = PatternAlert.objects.get()
    client.force_login(sally)
    url = reverse("quality:pattern-acknowledge", args=[alert.pk])
    body = client.post(url, {"note": " "}).content.decode()
    assert "There is a problem" in body and "Enter what is being done" in body
    assert client.post(url, {"note": "QA visit booked"}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == sally
