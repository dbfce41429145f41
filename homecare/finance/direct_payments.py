"""Direct payments: open an account for a direct-payment package, record payments, the person's spend
(from the audit) and clawback; the balance and whether money should be recovered are derived."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import User
from homecare.finance.models import DirectPaymentAccount, DirectPaymentTransaction, TransactionKind
from homecare.people.models import Funding, Package

ZERO = Decimal("0.00")


def _require_finance(actor: User) -> None:
    if not permissions.runs_payments(actor):
        raise PermissionDenied("Only the council's finance officers record direct payments")


@transaction.atomic
def account_open(*, actor: User, package: Package, weekly_amount: Decimal, contingency_weeks: int = 8):
    """An account for a package funded by direct payment (one per package)."""
    _require_finance(actor)
    if package.person.council_id != actor.organisation_id:
        raise PermissionDenied
    version = package.versions.filter(status="confirmed").order_by("-number").first()
    if version is None or version.funding != Funding.DIRECT_PAYMENT:
        raise ValidationError("Only a package funded by direct payment has a direct-payment account")
    if hasattr(package, "direct_payment_account"):
        raise ValidationError("This package already has a direct-payment account")
    if weekly_amount <= 0:
        raise ValidationError({"weekly_amount": "Enter the weekly amount agreed, more than £0"})
    return DirectPaymentAccount.objects.create(
        package=package,
        council_id=actor.organisation_id,
        weekly_amount=weekly_amount,
        contingency_weeks=contingency_weeks,
        opened_on=timezone.localdate(),
        opened_by=actor,
    )


@transaction.atomic
def transaction_record(
    *, actor: User, account: DirectPaymentAccount, kind: str, amount: Decimal, on: dt.date, description: str
) -> DirectPaymentTransaction:
    """Record money paid, spent or recovered. Spend and clawback can never exceed what is held."""
    _require_finance(actor)
    account = DirectPaymentAccount.objects.select_for_update().get(pk=account.pk)
    errors = {}
    if kind not in TransactionKind.values:
        errors["kind"] = "Choose what kind of transaction this is"
    if amount is None or amount <= 0:
        errors["amount"] = "Enter an amount more than £0"
    if on > timezone.localdate():
        errors["on"] = "The date cannot be in the future"
    if not description.strip():
        errors["description"] = "Enter the payee and purpose, or the payment reference"
    if not errors and kind in (TransactionKind.SPEND, TransactionKind.CLAWBACK):
        held = balance(account).unspent
        if amount > held:
            errors["amount"] = f"Only £{held:,.2f} is unspent"
    if errors:
        raise ValidationError(errors)
    return DirectPaymentTransaction.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        on=on,
        description=description.strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )


@dataclass(frozen=True)
class Balance:
    paid: Decimal
    spent: Decimal
    recovered: Decimal
    unspent: Decimal
    contingency: Decimal
    to_recover: Decimal  # unspent beyond the contingency: what the council may claw back


def balance(account: DirectPaymentAccount) -> Balance:
    sums = dict(
        account.transactions.values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
        .order_by()
    )
    paid = sums.get(TransactionKind.PAYMENT, ZERO)
    spent = sums.get(TransactionKind.SPEND, ZERO)
    recovered = sums.get(TransactionKind.CLAWBACK, ZERO)
    unspent = paid - spent - recovered
    contingency = account.weekly_amount * account.contingency_weeks
    return Balance(paid, spent, recovered, unspent, contingency, max(ZERO, unspent - contingency))


def accounts_visible_to(*, user: User) -> QuerySet[DirectPaymentAccount]:
    if not permissions.sees_payments(user):
        return DirectPaymentAccount.objects.none()
    return DirectPaymentAccount.objects.filter(council_id=user.organisation_id).select_related(
        "package__person"
    )


def account_for_user(*, user: User, pk: int) -> DirectPaymentAccount:
    return get_object_or_404(accounts_visible_to(user=user), pk=pk)


def packages_without_account(*, user: User) -> QuerySet[Package]:
    """The council's direct-payment packages with no account yet."""
    if not permissions.runs_payments(user):
        return Package.objects.none()
    return (
        Package.objects.filter(
            person__council_id=user.organisation_id,
            versions__funding=Funding.DIRECT_PAYMENT,
            direct_payment_account__isnull=True,
        )
        .exclude(status__in=("draft", "ended"))
        .select_related("person")
        .distinct()
        .order_by("reference")
    )
