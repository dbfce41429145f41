"""Visits a lead provider's subcontractor delivered are paid through the lead's statement, on lines of
their own that name the subcontractor: on the page, in the CSV and in the remittance (ADR 0015)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_provider, make_user
from homecare.finance import exports, selectors, services
from homecare.finance.models import LineKind, RunStatus
from homecare.finance.tests.conftest import MONDAY
from homecare.visits.models import Visit


@pytest.fixture
def cedar(db):
    return make_provider("Cedar Community Care")


@pytest.fixture
def run_with_subcontracted_visits(week, fiona, framework, cedar):
    run = services.run_create(actor=fiona, framework=framework, period_start=MONDAY)
    _, visits = week
    # Tuesday's and Wednesday's visits were given to Acorn's subcontractor before the period (the allocation
    # service only moves visits still to come, and a run pays a period that has ended).
    Visit.objects.filter(pk__in=[visits[1].pk, visits[2].pk]).update(delivered_by=cedar)
    return services.run_calculate(actor=fiona, run=run), visits


def test_subcontracted_visits_are_lines_of_their_own_on_the_leads_statement_and_totals_do_not_change(
    week, fiona, framework, acorn, cedar, run_with_subcontracted_visits
):
    run, visits = run_with_subcontracted_visits
    statement = run.statements.get()
    assert statement.provider == acorn  # paid through the lead
    paid = {line.subcontractor_id: line for line in statement.lines.filter(kind=LineKind.VISITS)}
    # Tuesday 32 and Wednesday 28 minutes round to 30 each; Monday, Thursday and Friday are Acorn's own.
    assert (paid[cedar.pk].visits, paid[cedar.pk].minutes, paid[cedar.pk].amount) == (2, 60, Decimal("24.20"))
    assert (paid[None].visits, paid[None].minutes, paid[None].amount) == (3, 90, Decimal("36.30"))
    assert statement.payable == Decimal("60.50")  # the same as when Acorn delivered them all
    assert statement.lines.get(kind=LineKind.HELD).subcontractor is None  # Saturday's short visit
    assert set(selectors.line_visits(line=paid[cedar.pk])) == {visits[1], visits[2]}
    assert visits[1] not in set(selectors.line_visits(line=paid[None]))


def test_the_statement_page_csv_and_remittance_show_who_delivered_each_line(
    client, fiona, fred, paul, run_with_subcontracted_visits
):
    run, _ = run_with_subcontracted_visits
    statement = run.statements.get()
    services.run_approve(actor=fred, run=run)
    assert run.__class__.objects.get(pk=run.pk).status == RunStatus.APPROVED
    for user in (fiona, paul):  # the council's finance team and the lead's manager
        client.force_login(user)
        page = client.get(reverse("finance:statement", args=[statement.pk])).content.decode()
        assert "Delivered by" in page and "Cedar Community Care" in page
        rows = list(
            csv.DictReader(
                io.StringIO(
                    client.get(reverse("finance:statement-csv", args=[statement.pk])).content.decode()
                )
            )
        )
        delivered = {(r["Delivered by"], r["Subcontractor"], r["Amount"]) for r in rows if not r["Held"]}
        assert delivered == {("Cedar Community Care", "yes", "24.20"), ("Acorn Homecare", "no", "36.30")}
        pdf = client.get(reverse("finance:remittance", args=[statement.pk]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    line = statement.lines.exclude(subcontractor=None).get()
    client.force_login(paul)
    assert (
        "subcontractor to Acorn Homecare"
        in client.get(reverse("finance:line", args=[line.pk])).content.decode()
    )


def test_another_provider_cannot_download_the_statement_csv(
    client, fred, run_with_subcontracted_visits, birch
):
    run, _ = run_with_subcontracted_visits
    services.run_approve(actor=fred, run=run)
    client.force_login(make_user(organisation=birch, role=Role.PROVIDER_MANAGER))
    assert client.get(reverse("finance:statement-csv", args=[run.statements.get().pk])).status_code == 404


def test_the_statement_lines_file_names_the_subcontractor(run_with_subcontracted_visits):
    run, _ = run_with_subcontracted_visits
    text = exports.statement_lines_file(run.statements.get())
    assert text.splitlines()[0].startswith("Case ref,Package,Delivered by,Subcontractor")
    assert sum(1 for row in text.splitlines() if "Cedar Community Care" in row) == 1
