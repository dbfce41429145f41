"""Direct-payment accounts: what the council paid, what the person spent, what is unspent or recovered."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path

from homecare.accounts import permissions
from homecare.finance import direct_payments, forms
from homecare.govuk_forms.forms import add_service_errors


@login_required
def accounts(request):
    if not permissions.sees_payments(request.user):
        raise PermissionDenied
    form = forms.DirectPaymentAccountForm(
        request.POST or None, packages=direct_payments.packages_without_account(user=request.user)
    )
    if request.method == "POST":
        if not permissions.runs_payments(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                account = direct_payments.account_open(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Direct-payment account opened")
                return redirect("finance:direct-payment", account_pk=account.pk)
    rows = [(a, direct_payments.balance(a)) for a in direct_payments.accounts_visible_to(user=request.user)]
    return render(
        request,
        "finance/direct_payments.html",
        {"rows": rows, "form": form, "can_record": permissions.runs_payments(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
def account(request, account_pk: int):
    dp = direct_payments.account_for_user(user=request.user, pk=account_pk)
    form = forms.DirectPaymentTransactionForm(request.POST or None)
    if request.method == "POST":
        if not permissions.runs_payments(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                direct_payments.transaction_record(actor=request.user, account=dp, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Recorded")
                return redirect("finance:direct-payment", account_pk=dp.pk)
    return render(
        request,
        "finance/direct_payment.html",
        {
            "account": dp,
            "balance": direct_payments.balance(dp),
            "transactions": dp.transactions.select_related("recorded_by"),
            "form": form,
            "can_record": permissions.runs_payments(request.user),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("direct-payments/", accounts, name="direct-payments"),
    path("direct-payments/<int:account_pk>/", account, name="direct-payment"),
]
