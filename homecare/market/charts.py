"""Line charts drawn on the server as SVG: no JavaScript, the same picture in every browser, and a title
and description for screen readers (pages also give the figures as a table). Market trends use it; the
reporting app's KPI charts reuse it (a target line, gaps where a period has no value, step lines for
levels such as OPEL).

Pure: numbers in, markup out. Text is escaped; the result is safe to put straight into a template.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Design System colours: blue, orange, green, purple, black, pink.
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#912b88", "#0b0c0c", "#d53880")
TARGET_COLOUR = "#d4351c"
GRID_COLOUR = "#b1b4b6"
TEXT_COLOUR = "#0b0c0c"
MAX_X_LABELS = 8

Number = float | int | Decimal


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]


def plain(value: Number) -> str:
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering low..high (steps of 1, 2, 2.5 or 5 × a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    target: Number | None = None,
    target_label: str = "Target",
    y_min: Number | None = None,
    y_max: Number | None = None,
    y_ticks: Sequence[Number] | None = None,
    y_format: Callable[[Number], str] = plain,
    step: bool = False,
    description: str = "",
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """An SVG line chart of one or more series over the same labels (periods), oldest first.

    `None` values leave a gap. `target` draws a dashed horizontal line (a benchmark or KPI target).
    `step` draws each series as steps (for levels). The y axis covers every value and the target unless
    `y_min`/`y_max` or `y_ticks` fix it.
    """
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"Series {s.name!r} has {len(s.values)} values for {len(labels)} labels")
    present = [float(v) for s in series for v in s.values if v is not None]
    if target is not None:
        present.append(float(target))
    if y_ticks:
        ticks = [float(t) for t in y_ticks]
    else:
        low = float(y_min) if y_min is not None else min(present, default=0.0)
        high = float(y_max) if y_max is not None else max(present, default=1.0)
        ticks = nice_ticks(low, high)
        if y_min is not None:
            ticks = [t for t in ticks if t >= float(y_min)] or [float(y_min)]
        if y_max is not None:
            ticks = [t for t in ticks if t <= float(y_max)] or [float(y_max)]
    bottom_value, top_value = min(ticks), max(ticks)
    if top_value == bottom_value:
        top_value = bottom_value + 1

    left, right, top, bottom = 56, 20, 40, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if len(labels) == 1 else i * plot_w / (len(labels) - 1))

    def y_at(value: float) -> float:
        clamped = min(max(value, bottom_value), top_value)
        return top + plot_h - (clamped - bottom_value) * plot_h / (top_value - bottom_value)

    ident = "chart-" + hashlib.sha256(f"{title}|{'|'.join(labels)}".encode()).hexdigest()[:10]
    summary = description or _describe(labels, series, y_format)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="ohc-chart" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="Arial, sans-serif" '
        f'font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
    ]
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID_COLOUR}" '
            f'stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{escape(y_format(tick))}</text>"
        )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x_at(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
            )
    if target is not None:
        y = y_at(float(target))
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{TARGET_COLOUR}" '
            f'stroke-width="2" stroke-dasharray="6 4" class="ohc-chart__target"/>'
            f'<text x="{width - right}" y="{y - 5:.1f}" text-anchor="end" fill="{TARGET_COLOUR}">'
            f"{escape(target_label)} {escape(y_format(target))}</text>"
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        for path in _paths(s.values, x_at, y_at, step):
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="3" '
                f'stroke-linejoin="round" class="ohc-chart__line"/>'
            )
        for i, value in enumerate(s.values):
            if value is not None:
                parts.append(
                    f'<circle cx="{x_at(i):.1f}" cy="{y_at(float(value)):.1f}" r="3.5" fill="{colour}">'
                    f"<title>{escape(s.name)}, {escape(labels[i])}: {escape(y_format(value))}</title>"
                    f"</circle>"
                )
        legend_x = left + n * 180
        parts.append(
            f'<rect x="{legend_x}" y="10" width="14" height="4" fill="{colour}"/>'
            f'<text x="{legend_x + 20}" y="16" fill="{TEXT_COLOUR}">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 # nosec B308 B703 - all text above is escaped


def _paths(values, x_at, y_at, step: bool) -> list[str]:
    """One path per run of consecutive values (a None breaks the line)."""
    paths: list[str] = []
    current: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                paths.append(" ".join(current))
            current = []
            continue
        x, y = x_at(i), y_at(float(value))
        if not current:
            current.append(f"M{x:.1f} {y:.1f}")
        elif step:
            current.append(f"H{x:.1f} V{y:.1f}")
        else:
            current.append(f"L{x:.1f} {y:.1f}")
    if current:
        paths.append(" ".join(current))
    return paths


def _describe(labels: Sequence[str], series: Sequence[Series], y_format) -> str:
    if not labels:
        return "No figures yet."
    sentences = []
    for s in series:
        known = [(labels[i], v) for i, v in enumerate(s.values) if v is not None]
        if not known:
            sentences.append(f"{s.name}: no figures.")
            continue
        first, last = known[0], known[-1]
        sentences.append(f"{s.name}: {y_format(first[1])} ({first[0]}) to {y_format(last[1])} ({last[0]}).")
    return f"From {labels[0]} to {labels[-1]}. " + " ".join(sentences)
