"""The pages as each persona sees them: the committee table, a KPI's chart and comments, the records
behind a number (scoped), exports and the refresh."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.reporting import services
from homecare.reporting.models import AggregateRefresh, KpiComment
from homecare.reporting.periods import Month
from homecare.reporting.tests.factories import make_visit


@pytest.fixture
def this_month_visits(mary_package, joan_package, south_package, workers):
    today = timezone.localdate()
    make_visit(mary_package, today, status="missed")
    make_visit(mary_package, today, at=dt.time(10, 0), workers=workers[:1])
    make_visit(joan_package, today, status="missed")
    make_visit(south_package, today, status="missed")
    return today


def test_the_analyst_sees_the_committee_table_from_the_refreshed_figures(
    client, andy, northbridge, this_month_visits
):
    services.aggregates_refresh(council=northbridge)
    client.force_login(andy)
    response = client.get(reverse("reporting:kpis"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visits missed" in body and "No data source yet" in body
    # Two of Northbridge's three due visits were missed (Southwold's is not counted).
    assert "66.7%" in body
    assert "govuk-tag--red" in body


def test_computing_directly_gives_the_table_without_a_refresh(client, andy, this_month_visits):
    client.force_login(andy)
    response = client.get(reverse("reporting:kpis"), {"source": "direct"})
    assert "66.7%" in response.content.decode()


def test_a_provider_manager_sees_only_their_own_figures(client, paul, northbridge, this_month_visits):
    services.aggregates_refresh(council=northbridge)
    client.force_login(paul)
    body = client.get(reverse("reporting:kpis")).content.decode()
    assert "Acorn" in body
    assert "50.0%" in body  # Acorn: one of its two visits missed
    assert "People waiting" not in body  # the council's brokerage is not theirs


def test_a_provider_cannot_open_the_councils_figures_by_naming_them(
    client, paul, northbridge, this_month_visits
):
    client.force_login(paul)
    response = client.get(reverse("reporting:kpis"), {"population": f"{northbridge.pk}:council"})
    assert response.status_code == 404


def test_the_nhs_partner_sees_nhs_funded_care_only(client, nadia, northbridge, this_month_visits):
    client.force_login(nadia)
    body = client.get(reverse("reporting:kpis"), {"source": "direct"}).content.decode()
    assert "NHS-funded care" in body
    assert "100.0%" in body  # Joan's one visit, missed
    assert "Complaints acknowledged" not in body


def test_care_workers_and_other_councils_see_no_kpis(client, carl, sam):
    client.force_login(carl)
    assert client.get(reverse("reporting:kpis")).status_code == 403


def test_the_records_behind_a_number_are_the_users_own(client, paul, andy, northbridge, this_month_visits):
    month = Month.of(this_month_visits).key
    url = reverse("reporting:kpi-records", args=["missed-visits"])
    client.force_login(andy)
    body = client.get(url, {"month": month}).content.decode()
    assert body.count("Missed</td>") == 2
    client.force_login(paul)
    body = client.get(url, {"month": month}).content.decode()
    assert body.count("Missed</td>") == 1 and "Birch" not in body


def test_safeguarding_records_behind_msp_figures_are_for_safeguarding_leads_only(client, andy, northbridge):
    client.force_login(andy)
    assert client.get(reverse("reporting:kpi-records", args=["msp-asked"])).status_code == 403
    lead = make_user(organisation=northbridge, role=Role.SAFEGUARDING_LEAD)
    client.force_login(lead)
    assert client.get(reverse("reporting:kpi-records", args=["msp-asked"])).status_code == 200


def test_an_unknown_kpi_or_one_outside_the_users_population_is_not_found(client, andy, paul, mary_package):
    client.force_login(andy)
    assert client.get(reverse("reporting:kpi", args=["no-such-kpi"])).status_code == 404
    client.force_login(paul)
    assert client.get(reverse("reporting:kpi", args=["people-waiting"])).status_code == 404


def test_a_kpi_page_has_a_chart_with_its_target_line(client, andy, this_month_visits):
    client.force_login(andy)
    body = client.get(reverse("reporting:kpi", args=["missed-visits"])).content.decode()
    assert "<svg" in body and "ohc-chart__target" in body


def test_an_amended_comment_keeps_the_original_and_the_reason(client, andy, northbridge):
    client.force_login(andy)
    url = reverse("reporting:kpi-comment", args=["late-visits"])
    month = Month.of(timezone.localdate()).key
    assert client.post(url, {"text": "Winter pressures", "month": month}).status_code == 302
    refused = client.post(url, {"text": "Winter pressures eased", "month": month})
    assert refused.status_code == 422 and "Say why" in refused.content.decode()
    client.post(
        url, {"text": "Winter pressures eased", "month": month, "amendment_reason": "Figures revised"}
    )
    comments = list(KpiComment.objects.order_by("id"))
    assert [c.text for c in comments] == ["Winter pressures", "Winter pressures eased"]
    assert comments[1].supersedes == comments[0] and comments[1].amendment_reason == "Figures revised"
    body = client.get(reverse("reporting:kpis")).content.decode()
    assert "Winter pressures eased" in body


def test_a_provider_manager_cannot_comment(client, paul, mary_package):
    client.force_login(paul)
    month = Month.of(timezone.localdate()).key
    response = client.post(
        reverse("reporting:kpi-comment", args=["late-visits"]), {"text": "x", "month": month}
    )
    assert response.status_code == 403
    assert not KpiComment.objects.exists()


def test_a_comment_on_a_nonsense_month_is_a_form_error_not_a_500(client, andy):
    client.force_login(andy)
    response = client.post(
        reverse("reporting:kpi-comment", args=["late-visits"]), {"text": "x", "month": "2026-13"}
    )
    assert response.status_code == 422


def test_exports_csv_xlsx_and_pdf(client, andy, northbridge, this_month_visits):
    from openpyxl import load_workbook

    services.aggregates_refresh(council=northbridge)
    client.force_login(andy)
    url = reverse("reporting:kpis")
    csv_text = client.get(url, {"format": "csv"}).content.decode()
    assert csv_text.splitlines()[0].startswith("KPI,Unit,Target")
    assert "Visits missed" in csv_text
    book = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    titles = [row[0] for row in book["KPIs"].iter_rows(values_only=True)]
    assert "Visits missed" in titles
    pdf = client.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_comment_that_looks_like_a_formula_is_neutralised_in_the_exports(client, andy, northbridge):
    services.kpi_comment_add(
        council=northbridge,
        kpi_id="late-visits",
        month=Month.of(timezone.localdate()),
        text='=HYPERLINK("http://example.invalid")',
        actor=andy,
    )
    client.force_login(andy)
    csv_text = client.get(reverse("reporting:kpis"), {"format": "csv"}).content.decode()
    assert "'=HYPERLINK" in csv_text


def test_refreshing_on_request_records_who_asked(client, andy, northbridge, this_month_visits):
    client.force_login(andy)
    assert client.post(reverse("reporting:refresh")).status_code == 302
    assert AggregateRefresh.objects.get(council=northbridge).requested_by == andy
