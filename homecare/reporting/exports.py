"""The committee table as CSV, XLSX and a printable PDF. Text cells that a spreadsheet would run as a
formula (= + - @) are neutralised with a leading apostrophe (an officer's comment could start with one)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from fpdf import FPDF

from homecare.reporting.presenters import export_rows, number
from homecare.reporting.selectors import CommitteeTable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str | Decimal | None:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: CommitteeTable) -> str:
    headers, rows = export_rows(table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return out.getvalue()


def table_xlsx(table: CommitteeTable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, rows = export_rows(table)
    book = Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append([f"Performance: {table.population.label}"])
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        # Numbers stay numbers (Decimal → float for the sheet); text is guarded against formulas.
        sheet.append([float(v) if isinstance(v, Decimal) else safe_text(v) for v in row])
    sheet.column_dimensions["A"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _latin1(text: str) -> str:
    # fpdf2's core fonts are Latin-1: arrows and dashes are spelt out.
    return text.replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")


def table_pdf(table: CommitteeTable, *, generated: str) -> bytes:
    """A landscape A4 report: the table (the last six months shown, as committees read them), then each
    KPI's definition and comment."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _latin1(f"Performance report: {table.population.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(
        0,
        5,
        _latin1(f"Twelve months to {table.months[-1].label}. {generated}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    shown = table.months[-6:]
    widths = [88, 30] + [18] * len(shown) + [18, 36]
    headers = ["KPI", "Target", *[m.label for m in shown], "RAG", "Trend"]
    pdf.set_font("Helvetica", "B", 8)
    for w, h in zip(widths, headers, strict=True):
        pdf.cell(w, 6, _latin1(h), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=8)
    from homecare.reporting.presenters import target_text

    for row in table.rows:
        kpi = row.kpi
        values = row.values[-len(shown) :]
        cells = [
            kpi.title[:58],
            target_text(kpi)[:22],
            *[number(v, kpi.unit) if kpi.has_data else "" for v in values],
            row.rag.label if kpi.has_data else "No source",
            row.trend.words if kpi.has_data else "",
        ]
        for w, v in zip(widths, cells, strict=True):
            pdf.cell(w, 5, _latin1(v))
        pdf.ln()
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Definitions and comments", new_x="LMARGIN", new_y="NEXT")
    for row in table.rows:
        kpi = row.kpi
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5, _latin1(kpi.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        text = kpi.description if kpi.has_data else f"No data source yet: {kpi.no_data_reason}"
        pdf.multi_cell(0, 4, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        if row.comment:
            pdf.multi_cell(
                0,
                4,
                _latin1(f"Comment ({row.comment.written_by}): {row.comment.text}"),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(1)
    return bytes(pdf.output())


def csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else safe_text(str(v)) for v in values])
    return out.getvalue()
