"""Display-ready values for the role dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role, User
from homecare.accounts.permissions import (
    can_record_people,
    can_respond_to_offers,
    can_write_support_plans,
    sees_people,
)
from homecare.brokerage import selectors as brokerage_selectors
from homecare.people import selectors as people_selectors


@dataclass
class Tile:
    label: str
    count: int
    href: str = ""


@dataclass
class WaitingRow:
    person: str
    href: str
    zone: str
    days_waiting: int
    hospital_discharge: bool


@dataclass
class Dashboard:
    heading: str
    intro: str
    tiles: list[Tile] = field(default_factory=list)
    waiting: list[WaitingRow] = field(default_factory=list)
    drafts: list[tuple[str, str]] = field(default_factory=list)
    can_search: bool = False
    can_add_person: bool = False


_INTROS = {
    Role.PRACTITIONER: "Record people, their support plans and packages of care.",
    Role.BROKER: "Find a provider for every package. Hospital discharges are listed first.",
    Role.COMMISSIONER: "The state of the packages your council commissions.",
    Role.FINANCE_OFFICER: "Packages your council pays for.",
    Role.SAFEGUARDING_LEAD: "Find a person's record and their care arrangements.",
    Role.ANALYST: "Current package counts for your council.",
    Role.NHS_PARTNER_OFFICER: "Continuing Healthcare and jointly funded packages only.",
    Role.PROVIDER_MANAGER: "The packages of care your organisation has been awarded.",
    Role.CARE_WORKER: "Your visits appear here once your provider publishes your rota.",
    Role.ADMINISTRATOR: "Your organisation's records.",
}


def dashboard_for(user: User) -> Dashboard:
    board = Dashboard(
        heading=f"{user.get_role_display()} home" if user.role else "Home",
        intro=_INTROS.get(user.role, ""),
        can_search=sees_people(user),
        can_add_person=can_record_people(user),
    )
    if not sees_people(user):
        return board
    counts = people_selectors.package_counts(user=user)
    board.tiles = [
        Tile(
            "Waiting for a provider",
            counts.awaiting_provider,
            reverse("brokerage:waiting-list") if user.organisation and user.organisation.is_council else "",
        ),
        Tile("Active packages", counts.active),
        Tile("On hold", counts.on_hold),
    ]
    if user.organisation and user.organisation.is_council:
        board.tiles.append(Tile("Draft packages", counts.draft))
        today = timezone.localdate()
        for package in people_selectors.packages_awaiting_provider(user=user)[:15]:
            waited_from = timezone.localtime(package.submitted_at).date() if package.submitted_at else today
            board.waiting.append(
                WaitingRow(
                    person=package.person.full_name,
                    href=reverse("brokerage:case", args=[package.pk]),
                    zone=package.person.zone.name,
                    days_waiting=(today - waited_from).days,
                    hospital_discharge=package.hospital_discharge,
                )
            )
    if can_respond_to_offers(user):
        open_offers = brokerage_selectors.provider_offers(user=user, open_only=True).count()
        board.tiles.insert(0, Tile("Open offers", open_offers, reverse("brokerage:offers")))
    if can_write_support_plans(user):
        board.drafts = [
            (plan.person.full_name, reverse("people:support-plan", args=[plan.pk]))
            for plan in people_selectors.draft_support_plans(user=user, author=user)[:10]
        ]
    return board
