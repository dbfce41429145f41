"""Payment pages: finance runs, holds and exports; providers see only their own approved statements."""

from __future__ import annotations

import pytest
from django.urls import reverse

from homecare.finance import services
from homecare.finance.models import LineKind
from homecare.finance.tests.conftest import MONDAY


@pytest.fixture
def run(week, fiona, framework):
    return services.run_create(actor=fiona, framework=framework, period_start=MONDAY)


def test_finance_starts_a_run_from_the_payments_page_and_bad_input_is_explained(
    client, fiona, framework, week
):
    client.force_login(fiona)
    bad = client.post(
        reverse("finance:runs"),
        {
            "framework": framework.pk,
            "period_start_day": "31",
            "period_start_month": "2",
            "period_start_year": "2026",
        },
    )
    assert bad.status_code == 400
    response = client.post(
        reverse("finance:runs"),
        {
            "framework": framework.pk,
            "period_start_day": "5",
            "period_start_month": "1",
            "period_start_year": "2026",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "£60.50" in page and "Acorn Homecare" in page


def test_a_held_visit_is_decided_from_the_held_page_and_the_run_recalculates(client, fiona, run, week):
    client.force_login(fiona)
    saturday = week[1][5]
    assert "Implausibly short" in client.get(reverse("finance:held", args=[run.pk])).content.decode()
    bad = client.post(
        reverse("finance:hold-resolve", args=[run.pk, saturday.pk]), {"decision": "pay", "reason": ""}
    )
    assert bad.status_code == 400
    client.post(
        reverse("finance:hold-resolve", args=[run.pk, saturday.pk]),
        {"decision": "pay", "minutes": "30", "reason": "Family confirmed"},
    )
    assert not run.statements.get().lines.filter(kind=LineKind.HELD).exists()


def test_exports_payment_file_recharge_and_remittance_pdf(client, fiona, run):
    client.force_login(fiona)
    csv = client.get(reverse("finance:payment-file", args=[run.pk])).content.decode().splitlines()
    assert csv[0].startswith("Supplier,") and "Acorn Homecare" in csv[1] and csv[1].endswith(",60.50")
    recharge = client.get(reverse("finance:recharge-file", args=[run.pk])).content.decode().splitlines()
    assert recharge[0].startswith("Package,NHS number") and len(recharge) == 1  # council-funded only
    pdf = client.get(reverse("finance:remittance", args=[run.statements.get().pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_providers_see_their_statement_only_once_approved_and_can_dispute_a_line(
    client, run, fred, paul, pippa
):
    statement = run.statements.get()
    client.force_login(paul)
    assert client.get(reverse("finance:statement", args=[statement.pk])).status_code == 404  # still a draft
    services.run_approve(actor=fred, run=run)
    assert "£60.50" in client.get(reverse("finance:statement", args=[statement.pk])).content.decode()
    line = statement.lines.get(kind=LineKind.VISITS)
    assert client.post(reverse("finance:line", args=[line.pk]), {"reason": ""}).status_code == 400
    client.post(reverse("finance:line", args=[line.pk]), {"reason": "Tuesday overran on request"})
    assert line.disputes.count() == 1
    client.force_login(pippa)
    assert client.get(reverse("finance:statement", args=[statement.pk])).status_code == 404
    assert client.get(reverse("finance:line", args=[line.pk])).status_code == 404


def test_approval_is_refused_to_whoever_prepared_the_run(client, fiona, fred, run):
    client.force_login(fiona)
    page = client.post(reverse("finance:run-action", args=[run.pk, "approve"]), follow=True).content.decode()
    assert "Another finance officer" in page
    client.force_login(fred)
    client.post(reverse("finance:run-action", args=[run.pk, "approve"]))
    run.refresh_from_db()
    assert run.status == "approved"
