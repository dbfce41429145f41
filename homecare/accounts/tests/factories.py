"""Organisations and users for tests. Personas: see homecare/conftest.py."""

from __future__ import annotations

import itertools

from homecare.accounts.models import Organisation, OrganisationType, Role, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_organisation(*, type: str, name: str | None = None, partner_council=None) -> Organisation:
    return Organisation.objects.create(
        type=type, name=name or f"{type.title()} {next(_seq)}", partner_council=partner_council
    )


def make_council(name: str | None = None) -> Organisation:
    return make_organisation(type=OrganisationType.COUNCIL, name=name)


def make_provider(name: str | None = None) -> Organisation:
    return make_organisation(type=OrganisationType.PROVIDER, name=name)


def make_icb(*, council: Organisation, name: str | None = None) -> Organisation:
    return make_organisation(type=OrganisationType.NHS_PARTNER, name=name, partner_council=council)


def make_user(
    *, organisation: Organisation, role: str = Role.PRACTITIONER, username: str | None = None, **extra
) -> User:
    username = username or f"{role}-{next(_seq)}"
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        organisation=organisation,
        role=role,
        first_name=extra.pop("first_name", username.split("-")[0].title()),
        **extra,
    )


def authenticator_code(device, *, steps_from_now: int = 0) -> str:
    """The code an authenticator app shows for this device now (or a number of 30-second steps away)."""
    import time

    from homecare.accounts.authenticator import authenticator_code as code_for

    return code_for(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift,
        at=time.time() + steps_from_now * device.step,
    )
