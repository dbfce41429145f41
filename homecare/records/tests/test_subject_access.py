"""Subject access: everything about the person from every module, nothing about anyone else, audited."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from homecare.people.models import Person
from homecare.platform.audit_log import verify_chain
from homecare.platform.models import AuditEntry
from homecare.records import services, subject_access
from homecare.records.discovery import person_sources

EXPECTED_KINDS = {
    "people.Person",
    "people.HistoricalPerson",
    "people.SupportPlan",
    "people.Package",
    "people.PackageVersion",
    "people.VisitPattern",
    "brokerage.BrokerageCase",
    "brokerage.Offer",
    "visits.Visit",
    "visits.CallEvent",
    "visits.VisitAssignment",
    "visits.HomeTag",
    "finance.StatementLine",
}


def _export(person, actor=None) -> dict:
    content, content_type, filename = services.subject_access_export(
        actor=actor, person=person, export_format="json"
    )
    assert content_type == "application/json" and filename.endswith(".json")
    return json.loads(content)


def test_discovery_finds_every_module_that_points_at_a_person_and_each_path_works(mary_file):
    sources = {s.label: s for s in person_sources()}
    assert EXPECTED_KINDS <= set(sources)
    assert not {label for label in sources if label.split(".")[0] in ("platform", "records", "accounts")}
    for source in sources.values():
        source.rows(mary_file.pk).count()  # every path is a valid query


def test_the_export_holds_the_persons_records_from_every_module(mary_file, nora):
    document = _export(mary_file)
    records = document["records"]
    found = {entry["model"]: entry["count"] for entry in document["included"]}
    for kind in EXPECTED_KINDS:
        assert found[kind] >= 1, kind
        assert len(records[kind]) == found[kind]
    assert records["people.Person"][0]["id"] == mary_file.pk
    assert records["visits.Visit"] and {v["person_id"] for v in records["visits.Visit"]} == {mary_file.pk}
    assert {row["visit_id"] for row in records["visits.CallEvent"]} <= {
        v["id"] for v in records["visits.Visit"]
    }
    # Nothing about Nora, who shares the council, the zone and the provider.
    assert "Baxter" not in json.dumps(records)
    assert nora.case_reference not in json.dumps(records)


def test_the_export_lists_every_kind_of_record_searched_even_when_none_is_found(mary_file):
    document = _export(mary_file)
    searched = {entry["model"] for entry in document["included"]}
    visible = {s.label for s in person_sources() if not s.is_internal}
    assert searched == visible
    assert any(entry["count"] == 0 for entry in document["included"])


def test_rectified_details_keep_the_original_in_the_export(mary_file):
    history = _export(mary_file)["records"]["people.HistoricalPerson"]
    names = [(row["history_type"], row["family_name"], row["history_change_reason"]) for row in history]
    assert ("+", "Smith", "Person recorded") in names
    assert ("~", "Smythe", "Spelling") in names


def test_security_credentials_are_withheld(mary_file):
    tags = _export(mary_file)["records"]["visits.HomeTag"]
    assert tags and all(tag["token"] == subject_access.WITHHELD for tag in tags)


def test_every_export_is_audited_with_who_and_how_many(mary_file, alice):
    services.subject_access_export(actor=alice, person=mary_file, export_format="pdf")
    entry = AuditEntry.objects.order_by("seq").last()
    assert entry.action == "records.subject_access_exported"
    assert (entry.actor_id, entry.record_type, entry.record_id) == (
        alice.pk,
        "people.person",
        str(mary_file.pk),
    )
    assert entry.payload["format"] == "pdf" and entry.payload["counts"]["visits.Visit"] == 3
    assert verify_chain().intact


def test_the_pdf_is_a_readable_document(mary_file, alice):
    mary_file.given_name = "Zoë Łucja"  # outside Latin-1: the PDF spells it plainly, the JSON exactly
    export = subject_access.build(person=mary_file, generated_by="Alice")
    pdf = subject_access.as_pdf(export)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_an_unknown_format_is_refused(mary_file):
    with pytest.raises(Exception, match="Choose JSON or PDF"):
        services.subject_access_export(actor=None, person=mary_file, export_format="xlsx")


# --- the command ---------------------------------------------------------------------------------------


def test_the_command_writes_the_export_and_audits_who_asked(mary_file, alice, tmp_path):
    out = tmp_path / "sar" / "mary.json"
    call_command(
        "subject_access_export",
        person=mary_file.pk,
        format="json",
        out=str(out),
        requested_by="alice",
        stdout=None,
    )
    assert json.loads(out.read_text())["subject_access_export"]["person_id"] == mary_file.pk
    assert AuditEntry.objects.order_by("seq").last().actor_id == alice.pk
    pdf = tmp_path / "mary.pdf"
    call_command("subject_access_export", person=mary_file.pk, format="pdf", out=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_command_explains_an_unknown_person_or_officer(mary_file, tmp_path):
    missing = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    with pytest.raises(CommandError, match="no person"):
        call_command("subject_access_export", person=missing, out=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="no user"):
        call_command(
            "subject_access_export", person=mary_file.pk, out=str(tmp_path / "x.json"), requested_by="nobody"
        )


# --- the page ------------------------------------------------------------------------------------------


def test_a_practitioner_sees_what_is_held_and_downloads_it(client, alice, mary_file):
    client.force_login(alice)
    url = reverse("records:subject-access", args=[mary_file.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Call events" in page.content and b"Download PDF" in page.content
    response = client.get(url, {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.order_by("seq").last().action == "records.subject_access_exported"
    response = client.get(url, {"format": "json"})
    assert json.loads(response.content)["subject_access_export"]["case_reference"] == mary_file.case_reference


def test_the_records_page_finds_people_for_subject_access(client, alice, mary_file):
    client.force_login(alice)
    response = client.get(reverse("records:index"), {"q": mary_file.case_reference})
    assert reverse("records:subject-access", args=[mary_file.pk]).encode() in response.content


def test_a_broker_may_not_export_and_another_council_does_not_see_the_person(client, bella, sam, mary_file):
    url = reverse("records:subject-access", args=[mary_file.pk])
    client.force_login(bella)
    assert client.get(url, {"format": "json"}).status_code == 403
    client.force_login(sam)
    assert client.get(url, {"format": "json"}).status_code == 404
    assert not AuditEntry.objects.filter(action="records.subject_access_exported").exists()


# --- records only some roles may include ------------------------------------------------------------------


def test_safeguarding_records_are_left_out_of_a_practitioners_export_and_listed_as_not_searched(
    mary_file, alice
):
    document = _export(mary_file, actor=alice)
    withheld = {entry["model"] for entry in document["withheld"]}
    assert {
        "quality.SafeguardingConcern",
        "quality.Enquiry",
        "quality.HistoricalSafeguardingConcern",
    } <= withheld
    assert not withheld & set(document["records"])
    assert "quality.Complaint" in document["records"]  # complaints are not restricted


def test_a_restricted_kind_and_everything_found_through_it_is_included_only_for_the_named_role(
    mary_file, alice, northbridge, settings
):
    from homecare.accounts.models import Role
    from homecare.accounts.tests.factories import make_user

    settings.SUBJECT_ACCESS_RESTRICTED = {"visits.Visit": ["safeguarding_lead"]}
    practitioner = _export(mary_file, actor=alice)
    through_visits = {"visits.Visit", "visits.CallEvent", "visits.VisitAssignment", "visits.VisitAlert"}
    assert through_visits <= {entry["model"] for entry in practitioner["withheld"]}
    assert not through_visits & set(practitioner["records"])
    assert AuditEntry.objects.order_by("seq").last().payload["withheld"]
    lead = make_user(organisation=northbridge, role=Role.SAFEGUARDING_LEAD)
    complete = _export(mary_file, actor=lead)
    assert len(complete["records"]["visits.CallEvent"]) == 1 and not complete["withheld"]


def test_the_page_says_what_was_not_searched(client, alice, mary_file):
    client.force_login(alice)
    page = client.get(reverse("records:subject-access", args=[mary_file.pk]))
    assert b"Not searched in your export" in page.content and b"safeguarding lead" in page.content
