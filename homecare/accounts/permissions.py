"""Permission predicates: what a signed-in user may do. Reads are scoped separately, by selectors."""

from __future__ import annotations

from homecare.accounts.models import OrganisationType, Role, User


def _council_role(user: User, *roles: str) -> bool:
    org = user.organisation
    return bool(
        user.is_authenticated
        and org is not None
        and org.type == OrganisationType.COUNCIL
        and user.role in roles
    )


def can_record_people(user: User) -> bool:
    """Add a person or correct their details."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER, Role.ADMINISTRATOR)


def can_write_support_plans(user: User) -> bool:
    return _council_role(user, Role.PRACTITIONER)


def can_change_packages(user: User) -> bool:
    """Create packages and prepare new versions (brokers amend after a provider's query)."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER)


# Who may move a package through each transition of people.state.
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "submit": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "start": frozenset({Role.BROKER}),
    "hold": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "resume": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "end": frozenset({Role.PRACTITIONER, Role.BROKER}),
}


def can_transition_package(user: User, transition: str) -> bool:
    return _council_role(user, *TRANSITION_ROLES.get(transition, frozenset()))


def sees_people(user: User) -> bool:
    """Care workers see people only through their own visits (call monitoring), not the people pages."""
    return user.is_authenticated and user.organisation_id is not None and user.role != Role.CARE_WORKER
