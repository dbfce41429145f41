"""Display-ready values for the outcome-based homecare pages, and the allocations box plot (SVG)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from homecare.market.charts import GRID_COLOUR, PALETTE, TEXT_COLOUR, nice_ticks, plain
from homecare.outcomes import rules
from homecare.outcomes.budgets import PackageWeek
from homecare.outcomes.models import QUESTIONS, BudgetAlert, CarryOverMode, Scale
from homecare.outcomes.selectors import DIMENSIONS, FeedbackScore, GroupSpread


def hours(minutes: int) -> str:
    return f"{rules.minutes_to_hours(minutes):.2f}"


@dataclass(frozen=True)
class WeekRow:
    week: str
    week_start: dt.date
    rule: str
    budget: str
    carried_in: str
    excess: str
    planned: str
    delivered: str
    payable: str
    over: str
    carried_out: str
    lapsed: str
    utilisation: str
    tag: str


def utilisation_tag(percent: Decimal | None) -> str:
    if percent is None:
        return "govuk-tag--grey"
    if percent < 80:
        return "govuk-tag--yellow"
    if percent > 110:
        return "govuk-tag--red"
    return "govuk-tag--green"


def rule_text(rule: rules.CarryOver) -> str:
    if rule.mode != rules.ROLL_OVER or rule.max_minutes <= 0:
        return "Lapse"
    weeks = "1 week" if rule.max_weeks == 1 else f"{rule.max_weeks} weeks"
    return f"Roll over up to {hours(rule.max_minutes)} h for {weeks}"


def week_rows(weeks: Sequence[PackageWeek]) -> list[WeekRow]:
    """Newest first, as people read a ledger on screen."""
    rows = []
    for w in reversed(weeks):
        r = w.result
        u = r.utilisation_percent
        rows.append(
            WeekRow(
                week=f"{r.week_start:%-d %b %Y}",
                week_start=r.week_start,
                rule=rule_text(w.rule),
                budget=hours(r.budget),
                carried_in=hours(r.carried_in),
                excess=hours(r.excess),
                planned=hours(w.planned),
                delivered=hours(r.delivered),
                payable=hours(r.within),
                over=hours(r.over),
                carried_out=hours(r.carried_out),
                lapsed=hours(r.lapsed),
                utilisation=f"{u}%" if u is not None else "No budget",
                tag=utilisation_tag(u),
            )
        )
    return rows


def alert_tag(alert: BudgetAlert) -> str:
    return "govuk-tag--yellow" if alert.kind == "under" else "govuk-tag--red"


def carry_over_label(mode: str) -> str:
    return CarryOverMode(mode).label


@dataclass(frozen=True)
class ScoreRow:
    label: str
    responses: int
    points: str
    means: list[str]


def score_row(label: str, score: FeedbackScore) -> ScoreRow:
    return ScoreRow(
        label=label,
        responses=score.responses,
        points=f"{score.points}" if score.points is not None else "No responses",
        means=[f"{score.means[q]}" if q in score.means else "–" for q in QUESTIONS],
    )


def answer_lines(response) -> list[tuple[str, str]]:
    return [(text, Scale(getattr(response, name)).label) for name, text in QUESTIONS.items()]


# --- equality of allocations: a box plot per dimension ---------------------------------------------


@dataclass(frozen=True)
class FairnessBlock:
    dimension: str
    label: str
    groups: list[GroupSpread]
    chart: SafeString


def fairness_blocks(spreads: Sequence[GroupSpread]) -> list[FairnessBlock]:
    blocks = []
    for key, label in DIMENSIONS.items():
        groups = [g for g in spreads if g.dimension == key]
        if groups:
            blocks.append(
                FairnessBlock(
                    key, label, groups, box_chart(title=f"Weekly hours by {label.lower()}", groups=groups)
                )
            )
    return blocks


def box_chart(*, title: str, groups: Sequence[GroupSpread], width: int = 640) -> SafeString:
    """A horizontal box plot, one row per group: whiskers min–max, box the quartiles, a bar at the
    median, a dot at the mean. Pure SVG with a title and description for screen readers (the page gives
    the same figures as a table)."""
    row_h, left, right, top, bottom = 34, 190, 24, 36, 34
    height = top + bottom + row_h * len(groups)
    high = max((float(g.spread.maximum) for g in groups), default=1.0)
    ticks = nice_ticks(0.0, max(high, 1.0))
    top_value = max(ticks)
    plot_w = width - left - right

    def x(value: Decimal | float) -> float:
        return left + float(value) * plot_w / top_value

    ident = "box-" + hashlib.sha256(f"{title}|{len(groups)}".encode()).hexdigest()[:10]
    summary = "; ".join(
        f"{g.group}: median {plain(g.spread.median)} hours, quartiles {plain(g.spread.lower_quartile)} to "
        f"{plain(g.spread.upper_quartile)}, {g.spread.n} people"
        for g in groups
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="ohc-chart" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="Arial, sans-serif" '
        'font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
        _text(left, 18, title, weight="bold"),
    ]
    axis_y = height - bottom
    for tick in ticks:
        parts.append(_line(x(tick), top - 6, x(tick), axis_y, GRID_COLOUR, 0.5))
        parts.append(_text(x(tick), axis_y + 16, plain(tick), anchor="middle"))
    parts.append(_text(left + plot_w / 2, height - 4, "Hours per person per week", anchor="middle"))
    for i, g in enumerate(groups):
        s = g.spread
        cy = top + i * row_h + row_h / 2
        colour = PALETTE[i % len(PALETTE)]
        low, q1, q3 = x(s.minimum), x(s.lower_quartile), x(s.upper_quartile)
        parts += [
            _text(left - 8, cy + 4, f"{g.group} (n={s.n})", anchor="end"),
            _line(low, cy, x(s.maximum), cy, colour),
            _line(low, cy - 6, low, cy + 6, colour),
            _line(x(s.maximum), cy - 6, x(s.maximum), cy + 6, colour),
            f'<rect x="{q1:.1f}" y="{cy - 10:.1f}" width="{max(1.0, q3 - q1):.1f}" height="20" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>',
            _line(x(s.median), cy - 10, x(s.median), cy + 10, TEXT_COLOUR, 3),
            f'<circle cx="{x(s.mean):.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 # nosec B308 B703 - every text above is escaped


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{width}"/>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="{TEXT_COLOUR}">{escape(text)}</text>'
    )
