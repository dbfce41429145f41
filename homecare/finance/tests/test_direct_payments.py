"""Direct payments: tracked, never paid through runs; balances derived; clawback only of unspent money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from homecare.finance import direct_payments as dp
from homecare.people.tests.factories import make_package

D = Decimal
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def dp_package(mary, alice):
    return make_package(person=mary, actor=alice, funding="direct_payment", status="awaiting_provider")


@pytest.fixture
def account(dp_package, fiona):
    return dp.account_open(actor=fiona, package=dp_package, weekly_amount=D("150.00"), contingency_weeks=2)


def test_an_account_opens_only_for_a_direct_payment_package_and_only_once(
    mary, alice, fiona, dp_package, account
):
    with pytest.raises(ValidationError, match="already has"):
        dp.account_open(actor=fiona, package=dp_package, weekly_amount=D("150.00"))
    council_package = make_package(person=mary, actor=alice, funding="council")
    council_package.versions.update(status="confirmed")
    with pytest.raises(ValidationError, match="funded by direct payment"):
        dp.account_open(actor=fiona, package=council_package, weekly_amount=D("150.00"))
    with pytest.raises(PermissionDenied):
        dp.account_open(actor=alice, package=dp_package, weekly_amount=D("1.00"))


def test_the_balance_is_paid_less_spent_less_recovered_and_beyond_the_contingency_is_to_recover(
    fiona, account
):
    for _ in range(4):
        dp.transaction_record(
            actor=fiona,
            account=account,
            kind="payment",
            amount=D("150.00"),
            on=DAY,
            description="Four-weekly payment",
        )
    dp.transaction_record(
        actor=fiona,
        account=account,
        kind="spend",
        amount=D("120.00"),
        on=DAY,
        description="Personal assistant wages, March",
    )
    balance = dp.balance(account)
    assert (balance.paid, balance.spent, balance.unspent) == (D("600.00"), D("120.00"), D("480.00"))
    assert balance.contingency == D("300.00") and balance.to_recover == D("180.00")
    dp.transaction_record(
        actor=fiona,
        account=account,
        kind="clawback",
        amount=D("180.00"),
        on=DAY,
        description="Recovered after audit",
    )
    assert dp.balance(account).to_recover == D("0.00")
    with pytest.raises(ValidationError, match="Only £300.00 is unspent"):
        dp.transaction_record(
            actor=fiona, account=account, kind="clawback", amount=D("300.01"), on=DAY, description="Too much"
        )


def test_the_pages_show_balances_and_explain_bad_input(client, fiona, account, alice):
    client.force_login(fiona)
    assert "Mary Smith" in client.get(reverse("finance:direct-payments")).content.decode()
    url = reverse("finance:direct-payment", args=[account.pk])
    bad = client.post(
        url,
        {
            "kind": "spend",
            "amount": "-5",
            "on_day": "1",
            "on_month": "3",
            "on_year": "2026",
            "description": "",
        },
    )
    assert bad.status_code == 400
    client.post(
        url,
        {
            "kind": "payment",
            "amount": "150.00",
            "on_day": "2",
            "on_month": "3",
            "on_year": "2026",
            "description": "BACS 0001",
        },
    )
    assert "£150.00" in client.get(url).content.decode()
    client.force_login(alice)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
class TestBalances(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["payment", "spend", "clawback"]),
                st.decimals(min_value=D("0.01"), max_value=D("500"), places=2),
            ),
            max_size=12,
        )
    )
    def test_unspent_is_never_negative_whatever_is_recorded(self, moves):
        from homecare.accounts.models import Role
        from homecare.accounts.tests.factories import make_council, make_user
        from homecare.people.tests.factories import make_person, make_zone

        council = make_council()
        officer = make_user(organisation=council, role=Role.FINANCE_OFFICER)
        practitioner = make_user(organisation=council, role=Role.PRACTITIONER)
        person = make_person(council=council, actor=practitioner, zone=make_zone(council=council))
        package = make_package(
            person=person, actor=practitioner, funding="direct_payment", status="awaiting_provider"
        )
        account = dp.account_open(actor=officer, package=package, weekly_amount=D("100"))
        for kind, amount in moves:
            try:
                dp.transaction_record(
                    actor=officer, account=account, kind=kind, amount=amount, on=DAY, description="x"
                )
            except ValidationError:
                pass
        balance = dp.balance(account)
        assert balance.unspent >= 0 and balance.paid - balance.spent - balance.recovered == balance.unspent
