"""Journeys through the real pages in a real browser: what a practitioner and a provider actually see."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from homecare.people import services
from homecare.people.models import Person, VisitPattern
from homecare.people.tests.factories import make_package, make_support_plan, next_nhs_number


@pytest.fixture
def marys_draft_package(mary, alice):
    """Mary Smith has a completed support plan and a draft time-and-task package with no visits yet."""
    plan = make_support_plan(person=mary, actor=alice)
    return services.package_create(
        actor=alice,
        person=mary,
        support_plan=plan,
        terms=services.PackageTerms(care_model="time_and_task", funding="council"),
        start_date=timezone.localdate(),
    )


@pytest.mark.browser
def test_practitioner_finds_a_person_and_cannot_save_a_17_minute_visit_until_corrected(
    page, sign_in, alice, mary, marys_draft_package
):
    package = marys_draft_package
    version = package.versions.get(number=1)

    sign_in("alice")
    expect(page.get_by_text("Signed in as Alice")).to_be_visible()

    # Find Mary through the people search.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="Find a person")).to_be_visible()
    page.get_by_label("Name, NHS number, postcode or case reference").fill("Smith")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 person found")).to_be_visible()
    page.get_by_role("link", name="SMITH, Mary").click()

    # Her record, then the package.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mary Smith")
    page.get_by_role("link", name=package.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Package {package.reference}")
    expect(page.get_by_text("No visits yet.")).to_be_visible()

    # A 17-minute visit is not a time band.
    page.get_by_role("link", name="Add a visit").click()
    expect(page.get_by_role("heading", name="Add a visit")).to_be_visible()
    for day in ("Monday", "Wednesday", "Friday"):
        page.get_by_label(day, exact=True).check(force=True)
    page.get_by_label("Preferred start time", exact=True).fill("07:30")
    page.get_by_label("Visit length (minutes)", exact=True).fill("17")
    page.get_by_role("button", name="Save visit").click()

    expect(page).to_have_title(re.compile(r"^Error: Add a visit"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary_link = summary.get_by_role("link", name=re.compile("5-minute steps"))
    expect(summary_link).to_have_attribute("href", "#id_duration_minutes")
    expect(summary_link).to_contain_text("for example 15 or 20 minutes")
    visit_length = page.get_by_label("Visit length (minutes)", exact=True)
    expect(visit_length).to_have_class(re.compile(r"govuk-input--error"))
    field_error = page.locator(".govuk-form-group--error", has=visit_length).locator(".govuk-error-message")
    expect(field_error).to_have_text(re.compile(r"Error:\s*Visit length must be in 5-minute steps"))
    assert not VisitPattern.objects.filter(version=version).exists(), "an invalid visit must not be saved"

    # What she entered is kept; the summary link takes her to the field.
    for day in ("Monday", "Wednesday", "Friday"):
        expect(page.get_by_label(day, exact=True)).to_be_checked()
    expect(page.get_by_label("Tuesday", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Preferred start time", exact=True)).to_have_value("07:30")
    summary_link.click()
    expect(page.get_by_label("Visit length (minutes)", exact=True)).to_be_focused()

    # She corrects it to 20 minutes.
    page.get_by_label("Visit length (minutes)", exact=True).fill("20")
    page.get_by_role("button", name="Save visit").click()

    expect(page).to_have_url(re.compile(rf"/people/packages/{package.pk}$"))
    expect(page.get_by_text("Visit added")).to_be_visible()
    table = page.get_by_role("table").filter(has=page.locator("caption"))
    expect(table.locator("caption")).to_contain_text("3 visits a week")
    expect(table.locator("caption")).to_contain_text("1.00 carer hours a week")
    row = table.get_by_role("row").filter(has_text="07:30")
    expect(row).to_contain_text("Monday, Wednesday, Friday")
    expect(row.get_by_role("cell", name="20", exact=True)).to_be_visible()

    rows = list(VisitPattern.objects.filter(version=version))
    assert len(rows) == 1
    assert rows[0].duration_minutes == 20
    assert rows[0].preferred_start.strftime("%H:%M") == "07:30"


@pytest.mark.browser
def test_provider_manager_gets_not_found_for_another_providers_person(
    page, sign_in, alice, mary, acorn, pippa
):
    package = make_package(person=mary, actor=alice, provider=acorn, status="active")
    assert package.provider == acorn

    sign_in("pippa")
    response = page.goto(f"/people/{mary.pk}")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Mary Smith")).to_have_count(0)

    # Nor can she reach the package directly, or find Mary by searching.
    assert page.goto(f"/people/packages/{package.pk}").status == 404
    page.goto("/people/?q=Smith")
    expect(page.get_by_role("heading", name="No people found")).to_be_visible()


@pytest.mark.browser
def test_practitioner_cannot_add_a_person_with_an_invalid_nhs_number_until_corrected(
    page, sign_in, alice, zone
):
    sign_in("alice")
    page.goto("/people/")
    page.get_by_role("link", name="Add a person").click()

    page.get_by_label("Council case reference", exact=True).fill("ASC900001")
    page.get_by_label("NHS number", exact=True).fill("4857773456")  # wrong check digit (7 is right)
    page.get_by_label("Given name", exact=True).fill("Edith")
    page.get_by_label("Family name", exact=True).fill("Okafor")
    date_of_birth = page.get_by_role("group", name="Date of birth")
    date_of_birth.get_by_label("Day").fill("27")
    date_of_birth.get_by_label("Month").fill("3")
    date_of_birth.get_by_label("Year").fill("1941")
    page.get_by_label("Address line 1", exact=True).fill("4 Mill Lane")
    page.get_by_label("Town", exact=True).fill("Northbridge")
    page.get_by_label("Postcode", exact=True).fill("ng1 1aa")
    page.get_by_label("Zone", exact=True).select_option(label=str(zone))
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary_link = summary.get_by_role("link", name=re.compile("valid NHS number"))
    expect(summary_link).to_have_attribute("href", "#id_nhs_number")
    nhs_number = page.get_by_label("NHS number", exact=True)
    field_error = page.locator(".govuk-form-group--error", has=nhs_number).locator(".govuk-error-message")
    expect(field_error).to_contain_text("check digit")
    assert not Person.objects.filter(family_name="Okafor").exists()

    valid = next_nhs_number()
    page.get_by_label("NHS number", exact=True).fill(valid)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Edith Okafor has been added")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edith Okafor")
    person = Person.objects.get(family_name="Okafor")
    assert person.nhs_number == valid
    assert person.postcode == "NG1 1AA"
    assert person.council == alice.organisation


# --- Accessibility and input details ---------------------------------------------------------------


@pytest.mark.browser
def test_nhs_number_can_be_typed_with_spaces_as_the_hint_shows(page, sign_in, alice):
    sign_in("alice")
    page.goto("/people/new")
    nhs_number = page.get_by_label("NHS number", exact=True)
    nhs_number.fill("943 476 5919")
    expect(nhs_number).to_have_value("943 476 5919", timeout=1_000)


@pytest.mark.browser
def test_screen_readers_hear_the_hint_and_error_of_a_text_input(page, sign_in, alice, marys_draft_package):
    sign_in("alice")
    version = marys_draft_package.versions.get(number=1)
    page.goto(f"/people/versions/{version.pk}/visits/new")
    length = page.get_by_label("Visit length (minutes)", exact=True)
    expect(length).to_have_accessible_description(re.compile("5-minute steps"), timeout=1_000)
