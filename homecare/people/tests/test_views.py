"""Pages at the edge: bad input gets a GOV.UK error summary (never a 500) and nothing is half-saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.people.models import Package, Person, VisitPattern
from homecare.people.tests.factories import make_package, make_support_plan, next_nhs_number


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def _person_form(zone, **overrides):
    data = {
        "case_reference": "ASC777001",
        "nhs_number": next_nhs_number(),
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth_day": "10",
        "date_of_birth_month": "12",
        "date_of_birth_year": "1938",
        "address_line_1": "1 Mill Lane",
        "town": "Northbridge",
        "postcode": "NG1 1AA",
        "zone": str(zone.pk),
        "preferred_language": "English",
    }
    data.update(overrides)
    return data


def _errors(response) -> str:
    body = response.content.decode()
    assert "There is a problem" in body, "expected the GOV.UK error summary"
    return body


def test_a_practitioner_adds_a_person_and_sees_their_record(alice_client, zone):
    response = alice_client.post(reverse("people:create"), _person_form(zone), follow=True)
    assert response.status_code == 200
    person = Person.objects.get(case_reference="ASC777001")
    assert response.redirect_chain[-1][0] == reverse("people:person", args=[person.pk])
    assert "Ada Lovelace has been added" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nhs_number": "1234567890"}, "Enter a valid NHS number"),
        ({"postcode": "NOWHERE"}, "Enter a real UK postcode"),
        ({"date_of_birth_day": "31", "date_of_birth_month": "2"}, "Enter a real date"),
        ({"date_of_birth_year": "2999"}, "Date of birth must be in the past"),
        ({"given_name": ""}, "This field is required"),
    ],
)
def test_bad_person_details_are_shown_in_the_error_summary_and_nothing_is_saved(
    alice_client, zone, overrides, message
):
    response = alice_client.post(reverse("people:create"), _person_form(zone, **overrides))
    assert response.status_code == 200
    assert message in _errors(response)
    assert not Person.objects.exists()


def test_a_duplicate_nhs_number_is_explained(alice_client, zone, mary):
    response = alice_client.post(reverse("people:create"), _person_form(zone, nhs_number=mary.nhs_number))
    assert "Someone with this NHS number is already recorded" in _errors(response)
    assert Person.objects.count() == 1


def _draft_package(mary, alice):
    make_support_plan(person=mary, actor=alice)
    return make_package(person=mary, actor=alice, status="draft")


@pytest.mark.parametrize(
    ("minutes", "message"),
    [("17", "5-minute steps"), ("10", "at least 15 minutes"), ("abc", "whole number of minutes")],
)
def test_a_visit_length_outside_the_time_bands_is_refused_on_the_page(
    alice_client, alice, mary, minutes, message
):
    package = _draft_package(mary, alice)
    version = package.versions.get()
    response = alice_client.post(
        reverse("people:visit-add", args=[version.pk]),
        {
            "days": ["0", "2"],
            "preferred_start": "07:30",
            "duration_minutes": minutes,
            "tolerance_minutes": "30",
            "carers_required": "1",
            "care_type": "day",
        },
    )
    assert message in _errors(response)
    assert version.visit_pattern.count() == 1  # only the factory's visit


def test_a_valid_visit_is_added_and_the_weekly_hours_follow(alice_client, alice, mary):
    package = _draft_package(mary, alice)
    version = package.versions.get()
    response = alice_client.post(
        reverse("people:visit-add", args=[version.pk]),
        {
            "days": ["0", "1", "2", "3", "4", "5", "6"],
            "preferred_start": "07:30",
            "duration_minutes": "45",
            "tolerance_minutes": "30",
            "carers_required": "2",
            "care_type": "day",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert VisitPattern.objects.filter(version=version, duration_minutes=45, carers_required=2).exists()
    # 30 min × 7 + 45 min × 2 carers × 7 = 14 visits, 14.00 carer hours a week.
    assert "14.00 carer hours a week" in response.content.decode()


def test_a_joint_split_that_does_not_total_100_is_explained(alice_client, alice, mary):
    make_support_plan(person=mary, actor=alice)
    today = timezone.localdate()
    response = alice_client.post(
        reverse("people:package-create", args=[mary.pk]),
        {
            "start_date_day": str(today.day),
            "start_date_month": str(today.month),
            "start_date_year": str(today.year),
            "care_model": "time_and_task",
            "funding": "joint",
            "council_share_percent": "50",
            "nhs_share_percent": "30",
        },
    )
    assert "must total 100%" in _errors(response)
    assert not Package.objects.exists()


def test_an_end_date_before_the_start_date_is_explained(alice_client, alice, mary):
    make_support_plan(person=mary, actor=alice)
    response = alice_client.post(
        reverse("people:package-create", args=[mary.pk]),
        {
            "start_date_day": "10",
            "start_date_month": "1",
            "start_date_year": "2027",
            "end_date_day": "9",
            "end_date_month": "1",
            "end_date_year": "2027",
            "care_model": "time_and_task",
            "funding": "council",
        },
    )
    assert "End date must be the same as or after the start date" in _errors(response)
    assert not Package.objects.exists()


def test_a_transition_that_is_not_allowed_is_explained_not_crashed(client, bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn)
    client.force_login(bella)
    response = client.post(reverse("people:package-transition", args=[package.pk, "resume"]))
    assert response.status_code == 200
    assert "You cannot resume while the package is active" in _errors(response)


def test_an_unknown_transition_is_refused(client, bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn)
    client.force_login(bella)
    assert client.post(reverse("people:package-transition", args=[package.pk, "explode"])).status_code == 403


def test_the_person_page_shows_history_of_changes(alice_client, alice, mary):
    from homecare.people import services

    services.person_update(actor=alice, person=mary, reason="Moved house", postcode="NG7 2RD")
    body = alice_client.get(reverse("people:person-history", args=[mary.pk])).content.decode()
    assert "NG1 1AA → NG7 2RD" in body and "Moved house" in body


def test_search_finds_people_by_name_nhs_number_postcode_and_case_reference(alice_client, mary):
    spaced = f"{mary.nhs_number[:3]} {mary.nhs_number[3:6]} {mary.nhs_number[6:]}"
    for query in ("smi", "Mary Smith", "Smith, Mary", spaced, "ng11aa", mary.case_reference.lower(), "NG1"):
        body = alice_client.get(reverse("people:search"), {"q": query}).content.decode()
        assert mary.case_reference in body, query
    body = alice_client.get(reverse("people:search"), {"q": "Jones"}).content.decode()
    assert "No people found" in body
