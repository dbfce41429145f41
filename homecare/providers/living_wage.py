"""Writes for the living-wage floor (ADR 0015): the council sets the floor; providers and subcontractors
attest their lowest hourly pay per pay period (providers.rules: calendar quarters).

Both are append-only evidence: a new floor is a new row from its date (a correction for the same date is
a later row), and a corrected attestation is a new row naming the one it corrects, with the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, User
from homecare.providers import rules
from homecare.providers.models import LivingWageFloor, LowestPayAttestation
from homecare.providers.selectors_subcontracting import councils_for_attestation

MAX_HOURLY = Decimal("1000")


def _pounds_problem(amount: Decimal | None) -> str | None:
    if amount is None or amount <= 0:
        return "Enter an hourly amount more than £0"
    if amount != amount.quantize(rules.PENNIES):
        return "Enter an amount in pounds and pence, like 13.45"
    if amount >= MAX_HOURLY:
        return f"Enter an hourly amount under £{MAX_HOURLY:,}"
    return None


@transaction.atomic
def wage_floor_set(
    *,
    actor: User,
    council: Organisation,
    name: str,
    hourly_amount: Decimal,
    effective_from: dt.date,
    reason: str = "",
) -> LivingWageFloor:
    """Set the council's wage floor from a date (future dates allowed: floors are announced ahead).
    Earlier floors stay; a second floor for the same date is a correction and needs a reason."""
    if not (permissions.decides_subcontracting(actor) and actor.organisation_id == council.pk):
        raise PermissionDenied("Only the council's commissioners set the wage floor")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = 'Enter the floor\'s name, like "Real Living Wage 2026/27"'
    problem = _pounds_problem(hourly_amount)
    if problem:
        errors["hourly_amount"] = problem
    same_day = LivingWageFloor.objects.filter(council=council, effective_from=effective_from).exists()
    if same_day and not reason.strip():
        errors["reason"] = "There is already a floor from this date: say why you are correcting it"
    if errors:
        raise ValidationError(errors)
    return LivingWageFloor.objects.create(
        council=council,
        name=name.strip(),
        hourly_amount=hourly_amount,
        effective_from=effective_from,
        reason=reason.strip(),
        set_by=actor,
        set_at=timezone.now(),
    )


@transaction.atomic
def lowest_pay_attest(
    *,
    actor: User,
    organisation: Organisation,
    council: Organisation,
    period_start: dt.date,
    lowest_hourly_pay: Decimal,
    reason: str = "",
) -> LowestPayAttestation:
    """A provider's (or subcontractor's) manager attests the lowest hourly pay of any of its care workers
    in a pay period, to a council it works for. A period already attested is corrected by a new row that
    names the last one and says why; nothing is overwritten. Periods that have not started are refused."""
    if not permissions.attests_lowest_pay(actor, organisation):
        raise PermissionDenied("Only the organisation's managers attest its pay")
    errors: dict[str, str] = {}
    if not councils_for_attestation(organisation=organisation).filter(pk=council.pk).exists():
        errors["council"] = "Choose a council you work for"
    if not rules.is_pay_period_start(period_start):
        errors["period_start"] = "Choose a pay period"
    elif period_start > timezone.localdate():
        errors["period_start"] = "You can attest a pay period once it has started"
    problem = _pounds_problem(lowest_hourly_pay)
    if problem:
        errors["lowest_hourly_pay"] = problem
    if errors:
        raise ValidationError(errors)
    # Lock the period's attestations so two managers' corrections chain one after the other.
    previous = (
        LowestPayAttestation.objects.select_for_update()
        .filter(council=council, organisation=organisation, period_start=period_start)
        .order_by("-declared_at", "-id")
        .first()
    )
    if previous is not None and not reason.strip():
        raise ValidationError(
            {"reason": "You have already attested this period: say why you are correcting it"}
        )
    return LowestPayAttestation.objects.create(
        council=council,
        organisation=organisation,
        period_start=period_start,
        lowest_hourly_pay=lowest_hourly_pay,
        corrects=previous,
        reason=reason.strip(),
        declared_by=actor,
        declared_at=timezone.now(),
    )
