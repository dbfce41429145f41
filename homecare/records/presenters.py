"""Display-ready values for the records pages."""

from __future__ import annotations

from dataclasses import dataclass

from homecare.records.discovery import Source
from homecare.records.models import ItemOutcome, ProposalStatus

STATUS_TAGS = {
    ProposalStatus.PROPOSED: "govuk-tag--yellow",
    ProposalStatus.APPROVED: "govuk-tag--blue",
    ProposalStatus.REJECTED: "govuk-tag--grey",
    ProposalStatus.DISPOSED: "govuk-tag--green",
}
OUTCOME_TAGS = {
    ItemOutcome.PENDING: "govuk-tag--yellow",
    ItemOutcome.DISPOSED: "govuk-tag--green",
    ItemOutcome.KEPT: "govuk-tag--grey",
}


@dataclass(frozen=True)
class HoldingRow:
    title: str
    module: str
    count: int
    history: bool


def holding_rows(counts: list[tuple[Source, int]]) -> list[HoldingRow]:
    return [HoldingRow(s.title, s.record_class, n, s.is_history) for s, n in counts]


def holdings_summary(holdings: dict[str, int]) -> str:
    """ "people: 3, visits: 140" – rows held per module, for a proposal's table."""
    per_module: dict[str, int] = {}
    for label, count in holdings.items():
        module = label.split(".")[0]
        per_module[module] = per_module.get(module, 0) + count
    return ", ".join(f"{m}: {n}" for m, n in sorted(per_module.items()))
