"""Display-ready values for the KPI pages and exports: numbers with their unit, GOV.UK tags for RAG,
trend words and SVG charts (market.charts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from homecare.market.charts import Series, line_chart
from homecare.reporting.kpis import PERCENT, Kpi
from homecare.reporting.rag import Rag
from homecare.reporting.selectors import CommitteeTable, KpiRow

RAG_TAGS = {
    Rag.GREEN: "govuk-tag--green",
    Rag.AMBER: "govuk-tag--yellow",
    Rag.RED: "govuk-tag--red",
    Rag.NONE: "govuk-tag--grey",
}
NO_DATA_SOURCE = "No data source yet"


def number(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}"
    if text.endswith(".0") and unit != PERCENT:
        text = text[:-2]
    return f"{text}%" if unit == PERCENT else text


def target_text(kpi: Kpi) -> str:
    if kpi.target is None:
        return "None set"
    word = "at least" if kpi.polarity == "higher" else "no more than"
    return f"{word} {number(kpi.target, kpi.unit)} {'' if kpi.unit == PERCENT else kpi.unit}".strip()


def amber_text(kpi: Kpi) -> str:
    if kpi.amber is None:
        return ""
    return f"amber from {number(kpi.amber, kpi.unit)}"


@dataclass(frozen=True)
class RowView:
    kpi: Kpi
    target: str
    amber: str
    cells: list[str]
    latest: str
    rag_label: str
    rag_class: str
    trend_arrow: str
    trend_words: str
    comment: str
    comment_by: str
    no_data: str


def row_view(row: KpiRow) -> RowView:
    kpi = row.kpi
    rag = row.rag
    trend = row.trend
    return RowView(
        kpi=kpi,
        target=target_text(kpi),
        amber=amber_text(kpi),
        cells=[number(v, kpi.unit) for v in row.values],
        latest=number(row.latest, kpi.unit),
        rag_label=rag.label,
        rag_class=RAG_TAGS[rag],
        trend_arrow=trend.arrow,
        trend_words=trend.words,
        comment=row.comment.text if row.comment else "",
        comment_by=(f"{row.comment.written_by} on {row.comment.written_at:%d %b %Y}" if row.comment else ""),
        no_data="" if kpi.has_data else f"{NO_DATA_SOURCE}: {kpi.no_data_reason}",
    )


def grouped_rows(table: CommitteeTable) -> list[tuple[str, list[RowView]]]:
    groups: dict[str, list[RowView]] = {}
    for row in table.rows:
        groups.setdefault(row.kpi.group, []).append(row_view(row))
    return list(groups.items())


def kpi_chart(row: KpiRow):
    kpi = row.kpi
    return line_chart(
        title=f"{kpi.title} ({kpi.unit})",
        labels=[m.label for m in row.months],
        series=[Series(kpi.title, row.values)],
        target=kpi.target,
        y_min=0 if kpi.unit == PERCENT else None,
        y_max=100 if kpi.unit == PERCENT and all(v is None or v <= 100 for v in row.values) else None,
        y_format=lambda v: number(Decimal(str(v)), kpi.unit),
    )


def export_rows(table: CommitteeTable) -> tuple[list[str], list[list]]:
    """The committee table as plain rows (CSV, XLSX, PDF): KPI, target, months, RAG, trend, comment."""
    headers = [
        "KPI",
        "Unit",
        "Target",
        "Amber threshold",
        *[m.label for m in table.months],
        "RAG",
        "Trend",
        "Comment",
    ]
    rows = []
    for row in table.rows:
        kpi = row.kpi
        if not kpi.has_data:
            rows.append(
                [
                    kpi.title,
                    kpi.unit,
                    "",
                    "",
                    *[""] * len(table.months),
                    NO_DATA_SOURCE,
                    "",
                    kpi.no_data_reason,
                ]
            )
            continue
        rows.append(
            [
                kpi.title,
                kpi.unit,
                kpi.target,
                kpi.amber,
                *row.values,
                row.rag.label,
                row.trend.words,
                row.comment.text if row.comment else "",
            ]
        )
    return headers, rows
