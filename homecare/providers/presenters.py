"""Display-ready values for framework and provider pages (status tags, rate tables, capacity)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homecare.providers import rules, state
from homecare.providers.models import Framework, Lot, RateCard

STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "open_for_applications": "govuk-tag--blue",
    "evaluating": "govuk-tag--yellow",
    "standstill": "govuk-tag--orange",
    "live": "govuk-tag--green",
    "expired": "govuk-tag--grey",
}
RATING_TAGS = {
    "outstanding": "govuk-tag--green",
    "good": "govuk-tag--turquoise",
    "requires_improvement": "govuk-tag--orange",
    "inadequate": "govuk-tag--red",
}


def status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "")


def rating_tag(rating: str | None) -> str:
    return RATING_TAGS.get(rating or "", "govuk-tag--grey")


@dataclass
class RateRow:
    card: RateCard
    state: str  # "In force" | "From <date>" (future) | "Superseded"
    tag: str


@dataclass
class RateTable:
    care_type: str
    current: RateCard | None
    future: list[RateCard]
    rows: list[RateRow]  # the full history, newest first


def rate_tables(lot: Lot, *, today: dt.date) -> list[RateTable]:
    """Per care type: the rate in force today, those agreed for later, and every rate ever set.
    Reads the lot's prefetched rate cards (oldest first)."""
    from homecare.people.models import CareType

    tables = []
    for care_type in CareType:
        cards = [c for c in lot.rate_cards.all() if c.care_type == care_type]
        if not cards:
            continue
        past = [c for c in cards if c.effective_from <= today]
        current = past[-1] if past else None
        future = [c for c in cards if c.effective_from > today]
        rows = []
        for card in reversed(cards):
            if card in future:
                rows.append(RateRow(card, "Agreed for later", "govuk-tag--blue"))
            elif card is current:
                rows.append(RateRow(card, "In force", "govuk-tag--green"))
            else:
                rows.append(RateRow(card, "Superseded", "govuk-tag--grey"))
        tables.append(RateTable(care_type=care_type.label, current=current, future=future, rows=rows))
    return tables


@dataclass
class LotView:
    lot: Lot
    admitted: list
    not_admitted: list
    rates: list[RateTable]


def lot_views(lots: list[Lot], *, today: dt.date) -> list[LotView]:
    views = []
    for lot in lots:
        admissions = list(lot.admissions.all())
        views.append(
            LotView(
                lot=lot,
                admitted=[a for a in admissions if a.decision == "admitted"],
                not_admitted=[a for a in admissions if a.decision != "admitted"],
                rates=rate_tables(lot, today=today),
            )
        )
    return views


def framework_transitions(framework: Framework) -> list[state.Transition]:
    return state.available_transitions(framework.status)


@dataclass
class ProviderRowView:
    provider: object
    rating_label: str
    rating_tag: str
    rated_on: dt.date | None
    suspended: bool
    zones: list
    frameworks: list[str]


def provider_row_views(rows) -> list[ProviderRowView]:
    from homecare.providers.models import Rating

    return [
        ProviderRowView(
            provider=r.provider,
            rating_label=Rating(r.rating).label if r.rating else "",
            rating_tag=rating_tag(r.rating),
            rated_on=r.rated_on,
            suspended=r.suspended,
            zones=r.zones,
            frameworks=r.frameworks,
        )
        for r in rows
    ]


# --- lead providers, subcontractors and the living-wage floor (ADR 0015) --------------------------

SUBCONTRACTING_TAGS = {
    "proposed": "govuk-tag--blue",
    "approved": "govuk-tag--green",
    "refused": "govuk-tag--grey",
    "suspended": "govuk-tag--red",
    "ended": "govuk-tag--grey",
}
PAY_PERIOD_TAGS = {
    "met": ("Met", "govuk-tag--green"),
    "shortfall": ("Below the floor", "govuk-tag--red"),
    "missing": ("Not attested", "govuk-tag--orange"),
    "due": ("Due", "govuk-tag--grey"),
    "no_floor": ("No floor set", "govuk-tag--grey"),
}


def subcontracting_tag(status: str) -> str:
    return SUBCONTRACTING_TAGS.get(status, "")


@dataclass
class PeriodCell:
    label: str
    tag_text: str
    tag: str
    floor: object
    lowest: object
    shortfall: object


@dataclass
class WageRowView:
    organisation: object
    relation: str
    cells: list[PeriodCell]
    flags: int


def wage_row_views(rows) -> list[WageRowView]:
    """Each organisation's pay periods as table cells, flagged ones (shortfall, missing) tagged."""
    views = []
    for row in rows:
        cells = []
        for p in row.periods:
            text, tag = PAY_PERIOD_TAGS[p.status]
            cells.append(
                PeriodCell(
                    label=rules.pay_period_label(p.period_start),
                    tag_text=text,
                    tag=tag,
                    floor=p.floor,
                    lowest=p.attestation.lowest_hourly_pay if p.attestation else None,
                    shortfall=p.shortfall,
                )
            )
        views.append(WageRowView(row.organisation, row.relation, cells, len(row.flags)))
    return views
