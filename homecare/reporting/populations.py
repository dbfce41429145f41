"""Whose figures a user sees: a council's, its NHS partner's share, or one provider's.

- Council staff: the whole council (every KPI).
- NHS partner officers (and the ICB's administrators): their partner council's NHS-funded care only
  (NHS Continuing Healthcare and joint packages), for the KPIs that can be split that way.
- A provider's managers (and administrators): their own visits and the complaints about them, at each
  council they deliver for, never another provider's nor the council's brokerage figures.

Every KPI says which kinds of population it can be computed for (`Kpi.populations`).
"""

from __future__ import annotations

from dataclasses import dataclass

from homecare.accounts.models import Organisation, OrganisationType, Role, User

COUNCIL, NHS, PROVIDER = "council", "nhs", "provider"


@dataclass(frozen=True)
class Population:
    council: Organisation
    kind: str = COUNCIL
    provider: Organisation | None = None

    @property
    def key(self) -> str:
        return f"{PROVIDER}-{self.provider.pk}" if self.kind == PROVIDER and self.provider else self.kind

    @property
    def nhs_only(self) -> bool:
        return self.kind == NHS

    @property
    def provider_id(self) -> int | None:
        return self.provider.pk if self.provider is not None else None

    @property
    def label(self) -> str:
        if self.kind == NHS:
            return f"{self.council.name}: NHS-funded care"
        if self.kind == PROVIDER and self.provider is not None:
            return f"{self.provider.name} at {self.council.name}"
        return self.council.name


def council_population(council: Organisation) -> Population:
    return Population(council=council)


def provider_population(council: Organisation, provider: Organisation) -> Population:
    return Population(council=council, kind=PROVIDER, provider=provider)


def nhs_population(council: Organisation) -> Population:
    return Population(council=council, kind=NHS)


COUNCIL_PERFORMANCE_ROLES = frozenset(
    {
        Role.ANALYST,
        Role.COMMISSIONER,
        Role.ADMINISTRATOR,
        Role.BROKER,
        Role.SAFEGUARDING_LEAD,
        Role.PRACTITIONER,
        Role.FINANCE_OFFICER,
    }
)


def populations_for(*, user: User, councils_for_provider=None) -> list[Population]:
    """Every population this user may see (a provider's managers get one per council they serve)."""
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return []
    if org.type == OrganisationType.COUNCIL and user.role in COUNCIL_PERFORMANCE_ROLES:
        return [council_population(org)]
    if org.type == OrganisationType.NHS_PARTNER and user.role in (
        Role.NHS_PARTNER_OFFICER,
        Role.ADMINISTRATOR,
    ):
        return [nhs_population(org.partner_council)] if org.partner_council_id else []
    if org.type == OrganisationType.PROVIDER and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR):
        councils = councils_for_provider(org) if councils_for_provider else []
        return [provider_population(council, org) for council in councils]
    return []
