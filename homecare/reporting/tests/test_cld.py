"""The Client Level Data return: exact headers, Windows-1252, allowed values, the formula guard and the
validation report with DHSC's data-quality codes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.reporting import cld
from homecare.reporting.periods import Quarter


@pytest.fixture
def quarter():
    from django.utils import timezone

    return Quarter.of(timezone.localdate())


def test_the_file_has_the_specifications_headers_in_windows_1252(northbridge, mary_package, quarter):
    northbridge.ods_code = "E09000099"
    northbridge.save()
    extract = cld.build(council=northbridge, quarter=quarter)
    data = cld.encode(extract.rows)
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("cp1252").split("\r\n")
    assert lines[0].split(",") == list(cld.HEADERS)
    assert "Adult_1_Linked_Person_ID" in lines[0] and "Service_Component" in lines[0]
    services = [r for r in extract.rows if r["Event_Type"] == "Service"]
    assert services and services[0]["Service_Component"] == "Home support or domiciliary care"
    assert services[0]["Delivery_Mechanism"] == "CASSR commissioned support"
    assert services[0]["LA_Person_Unique_Identifier"] == mary_package.person.case_reference
    assert {r["Event_Type"] for r in extract.rows} >= {"Request", "Assessment", "Service"}


def test_a_council_without_an_la_code_fails_validation_with_blank_but_mandatory(
    northbridge, mary_package, quarter
):
    extract = cld.build(council=northbridge, quarter=quarter)
    report = cld.validate(extract.rows)
    assert {(f.field, f.code) for f in report.failures} == {("LA_Code", cld.BLANK_MANDATORY)}
    # Failing rows are left out of the file: only the headers remain.
    assert cld.encode(extract.rows).decode("cp1252").count("\r\n") == 1


def _row(**values) -> dict:
    base = dict.fromkeys(cld.HEADERS, "") | {
        "LA_Code": "E09000099",
        "Reporting_Period_Start_Date": "2026-04-01",
        "Reporting_Period_End_Date": "2026-06-30",
        "LA_Person_Unique_Identifier": "ASC000001",
        "Date_of_Birth": "1940-03-27",
        "Client_Type": "Service user",
        "Event_Type": "Service",
        "Event_Reference": "PKG1-V1",
        "Event_Start_Date": "2026-04-02",
        "Service_Type": "Long term support: Community",
        "Service_Component": "Home support or domiciliary care",
    }
    return base | values


def codes(row) -> dict:
    return {f.field: f.code for f in cld.validate([row]).failures}


def test_a_complete_service_row_passes():
    assert (
        codes(_row(Unit_Cost="24.10", Cost_Frequency_Unit_Type="Hourly", Planned_units_per_week="7.00")) == {}
    )


def test_each_kind_of_problem_gets_its_dq_code():
    assert codes(_row(Service_Component="Home care")) == {"Service_Component": cld.INVALID_VALUE}
    assert codes(_row(Service_Type="Carer Support: Direct to Carer")) == {"Service_Type": cld.RELEASE_1_VALUE}
    assert codes(_row(Event_Start_Date="02/04/2026")) == {"Event_Start_Date": cld.INVALID_DATE}
    assert codes(_row(Event_End_Date="2026-04-01")) == {"Event_End_Date": cld.INVALID_DATE}
    assert codes(_row(Unit_Cost="about 20")) == {"Unit_Cost": cld.INVALID_NUMBER}
    assert codes(_row(Postcode="=cmd|' /C calc'!A0")) == {"Postcode": cld.INVALID_FORMULA}
    assert codes(_row(Postcode="NG1 1AA ✓")) == {"Postcode": cld.INVALID_ENCODING}
    assert codes(_row(NHS_Number="1234567890")) == {"NHS_Number": cld.INVALID_VALUE}
    assert codes(_row(Service_Type="")) == {"Service_Type": cld.BLANK_MANDATORY}


def test_a_minus_sign_before_a_number_is_allowed_but_not_before_text():
    assert codes(_row(Unit_Cost="-12.50")) == {}
    assert codes(_row(Postcode="-NG1")) == {"Postcode": cld.INVALID_FORMULA}


def test_fields_of_other_event_types_are_not_applicable():
    assert cld.field_status("Service_Component", "Review") == 0
    assert cld.field_status("Service_Component", "Service") == 2
    assert cld.field_status("Gender", "Service") == 1


@given(st.text(min_size=1, max_size=30))
def test_no_value_that_passes_validation_starts_like_a_formula_or_breaks_the_encoding(text):
    code = cld.check("Postcode", text, "Service")
    if code >= 0:
        assert not text.startswith(("=", "+", "@"))
        assert not text.startswith("-") or re.fullmatch(r"-[0-9]+(\.[0-9]+)?", text)
        text.encode("cp1252")


def test_only_plain_decimals_are_numbers():
    for text in ("-INFINITY", "NaN", "1e5", "12,50", "1.", ""):
        assert cld.check("Unit_Cost", text, "Service") in (cld.INVALID_NUMBER, cld.INVALID_FORMULA, cld.BLANK)


def test_the_report_page_lists_failures_and_the_file_downloads(client, northbridge, mary_package, quarter):
    analyst = make_user(organisation=northbridge, role=Role.ANALYST)
    client.force_login(analyst)
    page = client.get(reverse("reporting:cld"), {"quarter": quarter.key})
    assert page.status_code == 200 and "LA_Code" in page.content.decode() and "-1" in page.content.decode()
    download = client.get(reverse("reporting:cld"), {"quarter": quarter.key, "format": "csv"})
    assert download["Content-Type"] == "text/csv; charset=windows-1252"
    assert download.content.startswith(b"LA_Code,Reporting_Period_Start_Date")


def test_only_analysts_produce_the_return(client, northbridge, paul):
    commissioner = make_user(organisation=northbridge, role=Role.COMMISSIONER)
    for user in (commissioner, paul):
        client.force_login(user)
        assert client.get(reverse("reporting:cld")).status_code == 403


def test_an_unknown_quarter_falls_back_to_this_quarter(client, northbridge):
    client.force_login(make_user(organisation=northbridge, role=Role.ANALYST))
    response = client.get(reverse("reporting:cld"), {"quarter": "2026-Q9"})
    assert response.status_code == 200


def test_quarters_parse_strictly():
    with pytest.raises(ValueError):
        Quarter.parse("2026-Q5")
    assert Quarter.parse("2026-Q2").first_day == dt.date(2026, 7, 1)
