"""Display-ready values for the market pages: OPEL tags, reasons, availability against the region,
sitrep summaries, what an amendment changed, and the trend charts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from homecare.market import charts, opel
from homecare.market.models import Sitrep
from homecare.market.oversight import MarketPicture, ProviderPicture, Standing

OPEL_TAGS = {1: "govuk-tag--green", 2: "govuk-tag--yellow", 3: "govuk-tag--orange", 4: "govuk-tag--red"}


def percent_text(value: Decimal | None) -> str:
    return "Not known" if value is None else f"{opel.number(value)}%"


def against_text(points: Decimal | None) -> str:
    """ "2.5 points below the region", "level with the region"."""
    if points is None:
        return ""
    if points == 0:
        return "level with the region"
    return f"{opel.number(abs(points))} points {'above' if points > 0 else 'below'} the region"


def when(moment) -> str:
    return f"{timezone.localtime(moment):%a %-d %b %Y, %H:%M}"


@dataclass(frozen=True)
class StandingRow:
    provider_id: int
    provider: str
    level: int | None
    tag: str
    reasons: list[str]
    unknown: list[str]
    availability: str
    against: str
    below_region: bool
    taking: str
    spare_hours: Decimal
    sitrep_id: int | None
    due: str
    overdue: bool
    late: bool
    amended: bool


def standing_row(standing: Standing) -> StandingRow:
    sitrep, score = standing.sitrep, standing.score
    return StandingRow(
        provider_id=standing.provider.pk,
        provider=standing.provider.name,
        level=score.level if score else None,
        tag=OPEL_TAGS[score.level] if score else "govuk-tag--grey",
        reasons=[r.text for r in score.reasons] if score else [],
        unknown=list(score.unknown) if score else [],
        availability=percent_text(standing.staff_availability),
        against=against_text(standing.against_benchmark),
        below_region=standing.against_benchmark is not None and standing.against_benchmark < 0,
        taking="–" if sitrep is None else "Yes" if sitrep.can_take_new_packages else "No",
        spare_hours=standing.spare_hours,
        sitrep_id=sitrep.pk if sitrep else None,
        due=f"{timezone.localtime(sitrep.due_at):%-d %b %Y}" if sitrep else "None yet",
        overdue=standing.overdue,
        late=bool(sitrep and not sitrep.on_time),
        amended=bool(sitrep and sitrep.amends_id),
    )


def _opel_chart(title: str, labels, levels) -> str:
    return charts.line_chart(
        title=title,
        labels=labels,
        series=[charts.Series("OPEL level", levels)],
        y_ticks=[1, 2, 3, 4],
        y_format=lambda v: f"OPEL {int(v)}",
        step=True,
        height=200,
    )


def _availability_chart(title: str, labels, values, benchmark: Decimal) -> str:
    return charts.line_chart(
        title=title,
        labels=labels,
        series=[charts.Series("Staff availability", values)],
        target=benchmark,
        target_label="Region",
        y_max=100,
        y_format=lambda v: f"{charts.plain(v)}%",
    )


def market_charts(picture: MarketPicture) -> dict[str, str]:
    trend = picture.trend
    return {
        "opel": _opel_chart("Market OPEL level by sitrep", trend.labels, trend.levels),
        "availability": _availability_chart(
            "Market staff availability against the region",
            trend.labels,
            trend.availability,
            picture.benchmark.staff_availability_percent,
        ),
    }


def provider_charts(picture: ProviderPicture) -> dict[str, str]:
    trend, name = picture.trend, picture.standing.provider.name
    return {
        "opel": _opel_chart(f"{name}: OPEL level by sitrep", trend.labels, trend.levels),
        "availability": _availability_chart(
            f"{name}: staff availability against the region",
            trend.labels,
            trend.availability,
            picture.benchmark.staff_availability_percent,
        ),
    }


def trend_table(labels, **columns) -> list[list[str]]:
    """Rows of (label, value, value…) for the table under a chart."""
    rows = []
    for i, label in enumerate(labels):
        row = [label]
        for values in columns.values():
            value = values[i]
            row.append("–" if value is None else str(value))
        rows.append(row)
    return rows


# --- one sitrep ---------------------------------------------------------------------------------------

SUMMARY_FIELDS = (
    "people_supported",
    "hours_delivered",
    "staff_in_post",
    "absent_sickness",
    "absent_isolation",
    "absent_leave",
    "absent_other",
    "vacancies",
    "agency_staff",
    "agency_hours",
    "staff_flu_vaccinated",
    "staff_covid_vaccinated",
    "ppe_stock_days",
    "outbreak_status",
    "bcp_reviewed_on",
    "can_take_new_packages",
    "notes",
)


def _value(sitrep: Sitrep, name: str) -> str:
    value = getattr(sitrep, name)
    if name == "outbreak_status":
        return sitrep.get_outbreak_status_display()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "":
        return "Not given"
    if hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    return str(value)


def _label(name: str) -> str:
    label = str(Sitrep._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def sitrep_rows(sitrep: Sitrep) -> list[tuple[str, str]]:
    rows = [(_label(name), _value(sitrep, name)) for name in SUMMARY_FIELDS]
    rows.insert(2, ("Platform's figures", _platform(sitrep)))
    spare = [f"{z.zone.name}: {z.spare_hours}" for z in sitrep.zone_capacity.all()]
    rows.append(("Spare hours a week by zone", ", ".join(spare) or "None"))
    return rows


def _platform(sitrep: Sitrep) -> str:
    missed = opel.percent(sitrep.visits_missed, sitrep.visits_due)
    return (
        f"{sitrep.platform_people_supported} people with active packages; "
        f"{sitrep.platform_hours_delivered} hours delivered {sitrep.period_start:%-d %b} to "
        f"{sitrep.period_end:%-d %b}; {sitrep.visits_missed} of {sitrep.visits_due} visits due were missed"
        + (f" ({missed}%)" if missed is not None else "")
    )


def amendment_changes(before: Sitrep, after: Sitrep) -> list[tuple[str, str, str]]:
    """(what, was, now) for each figure an amendment changed."""
    changes = [
        (_label(name), _value(before, name), _value(after, name))
        for name in SUMMARY_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    old = {z.zone.name: z.spare_hours for z in before.zone_capacity.all()}
    new = {z.zone.name: z.spare_hours for z in after.zone_capacity.all()}
    for zone in sorted(set(old) | set(new)):
        if old.get(zone) != new.get(zone):
            changes.append((f"Spare hours: {zone}", str(old.get(zone, "None")), str(new.get(zone, "None"))))
    return changes


def platform_hint(figures, start, end) -> dict[str, str]:
    """Hints under the pre-filled fields, saying where the figure came from."""
    return {
        "people_supported": (
            f"Pre-filled: {figures.people_supported} people have an active package with you. "
            "Correct it if it is wrong."
        ),
        "hours_delivered": (
            f"Pre-filled from call monitoring: {figures.hours_delivered} hours delivered "
            f"{start:%-d %b} to {end:%-d %b}. Correct it if it is wrong."
        ),
    }
