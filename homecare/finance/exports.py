"""Files finance sends on: the payment file, the NHS recharge file and each provider's remittance (PDF).

Built from a run's stored statements, so a file made twice from a locked run is the same file.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from fpdf import FPDF

from homecare.finance.models import LineKind, PaymentRun, Statement, StatementLine

# Cost centres by funding stream (a council maps these in its ledger).
COST_CENTRES = {"council": "ASC-HOMECARE", "joint": "ASC-JOINT", "nhs_chc": "NHS-CHC"}


def payment_file(run: PaymentRun) -> str:
    """One row per provider and cost centre: supplier, reference, period, net amount to pay."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Supplier", "Supplier ODS code", "Run", "Period start", "Period end", "Cost centre", "Amount"]
    )
    rows = (
        StatementLine.objects.filter(statement__run=run)
        .exclude(kind=LineKind.HELD)
        .values("statement__provider__name", "statement__provider__ods_code", "funding")
        .annotate(council=Sum("council_amount"), nhs=Sum("nhs_amount"))
        .order_by("statement__provider__name", "funding")
    )
    for r in rows:
        # The council pays the whole line and recharges the NHS share; the cost centre follows funding.
        amount = (r["council"] or Decimal(0)) + (r["nhs"] or Decimal(0))
        writer.writerow(
            [
                r["statement__provider__name"],
                r["statement__provider__ods_code"] or "",
                f"PR{run.pk:05d}",
                run.period_start.isoformat(),
                run.period_end.isoformat(),
                COST_CENTRES.get(r["funding"], "ASC-HOMECARE"),
                f"{amount:.2f}",
            ]
        )
    for statement in run.statements.select_related("provider").order_by("provider__name"):
        adjustments = statement.adjustments.aggregate(total=Sum("amount"))["total"]
        if adjustments:
            writer.writerow(
                [
                    statement.provider.name,
                    statement.provider.ods_code or "",
                    f"PR{run.pk:05d}",
                    run.period_start.isoformat(),
                    run.period_end.isoformat(),
                    "ASC-ADJUSTMENTS",
                    f"{adjustments:.2f}",
                ]
            )
    return out.getvalue()


def nhs_recharge_file(run: PaymentRun) -> str:
    """The NHS partner's share, per package: what the council recharges for CHC and joint packages."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Package", "NHS number", "Funding", "Provider", "Visits", "Line total", "NHS share", "Delivered by"]
    )
    totals: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for line in (
        StatementLine.objects.filter(statement__run=run, nhs_amount__gt=0)
        .select_related("package", "person", "statement__provider", "subcontractor")
        .order_by("package__reference", "id")
    ):
        key = (
            line.package.reference,
            line.person.nhs_number or "",
            line.get_funding_display(),
            line.statement.provider.name,
            _delivered_by(line),
        )
        totals[key][0] += line.visits
        totals[key][1] += line.amount
        totals[key][2] += line.nhs_amount
    for (*key, delivered_by), (visits, amount, nhs) in totals.items():
        writer.writerow([*key, visits, f"{amount:.2f}", f"{nhs:.2f}", delivered_by])
    return out.getvalue()


def _delivered_by(line: StatementLine) -> str:
    """Who delivered a line's visits: the statement's provider, or its subcontractor (ADR 0015)."""
    return line.subcontractor.name if line.subcontractor_id else line.statement.provider.name


def statement_lines_file(statement: Statement) -> str:
    """A statement's lines as CSV (people by case reference): what was paid, at what rate, delivered by
    whom: the provider itself or, under the lead-provider model, its subcontractor."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Case ref", "Package", "Delivered by", "Subcontractor", "Care", "Carers", "Day", "Visits",
            "Minutes", "Nights", "Rate", "Amount", "Held",
        ]
    )
    lines = statement.lines.select_related("person", "package", "subcontractor", "statement__provider")
    for line in lines.order_by("kind", "package_id", "id"):
        writer.writerow(
            [
                line.person.case_reference,
                line.package.reference,
                _delivered_by(line),
                "yes" if line.subcontractor_id else "no",
                line.get_care_type_display(),
                line.carers,
                line.day_type,
                line.visits,
                line.minutes,
                line.nights,
                f"{line.rate:.2f}",
                f"{line.amount:.2f}",
                line.hold_reason if line.kind == LineKind.HELD else "",
            ]
        )
    return out.getvalue()


def remittance_pdf(statement: Statement) -> bytes:
    """A remittance advice for one provider: totals and lines (people by case reference, not name)."""
    run = statement.run
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Remittance advice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    adjustments = statement.adjustments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    for text in (
        f"To: {statement.provider.name}",
        f"From: {run.council.name}",
        f"Payment run PR{run.pk:05d}, {run.period_start:%d %B %Y} to {run.period_end:%d %B %Y} "
        f"({run.get_status_display()})",
        f"Visits paid: {statement.visits}    Held for evidence: {statement.held_visits}",
        f"Lines: GBP {statement.payable:,.2f}    Adjustments: GBP {adjustments:,.2f}    "
        f"Total: GBP {statement.payable + adjustments:,.2f}",
    ):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (24, 22, 36, 18, 12, 14, 16, 18, 22)
    headers = ("Case ref", "Package", "Delivered by", "Care", "Carers", "Visits", "Minutes", "Rate", "Amount")
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, headers, strict=True):
        pdf.cell(w, 6, h, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    lines = statement.lines.select_related("person", "package", "subcontractor", "statement__provider")
    for line in lines.order_by("kind", "package_id", "id"):
        held = line.kind == LineKind.HELD
        values = (
            line.person.case_reference,
            line.package.reference,
            _delivered_by(line)[:22],
            line.get_care_type_display()[:10],
            str(line.carers),
            str(line.visits),
            str(line.minutes),
            f"{line.rate:.2f}",
            "held" if held else f"{line.amount:,.2f}",
        )
        for w, v in zip(widths, values, strict=True):
            pdf.cell(w, 5, v)
        pdf.ln()
    return bytes(pdf.output())
