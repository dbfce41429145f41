"""Market pages for every role: commissioners, analysts and brokers see every provider on their council's
frameworks; providers only their own; the NHS partner the market summary; care workers nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.market import schedule
from homecare.market.models import OpelRule, RegionalBenchmark, Sitrep, SitrepSchedule
from homecare.market.tests.factories import form_data, submit
from homecare.providers.models import Admission

pytestmark = pytest.mark.django_db


def last_due():
    return schedule.previous_due([], timezone.now())


@pytest.fixture
def reports(framework, south_framework, northbridge, southwold, acorn, birch, paul, pippa):
    """Acorn is under pressure (OPEL 3) and Birch steady, both to Northbridge for the slot last due; Birch
    also reports to Southwold."""
    now = timezone.now()
    acorn_report = submit(
        council=northbridge, provider=acorn, actor=paul, now=now, absent_sickness=8, absent_leave=2
    )  # 30 of 40 available: 75%
    birch_report = submit(council=northbridge, provider=birch, actor=pippa, now=now)
    south_report = submit(council=southwold, provider=birch, actor=pippa, now=now, notes="Southwold only")
    return {"acorn": acorn_report, "birch": birch_report, "south": south_report}


def get(client, user, name, *args, **query):
    client.force_login(user)
    url = reverse(name, args=args)
    return client.get(url, query) if query else client.get(url)


# --- the market overview ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clara", "andy", "bella"])
def test_commissioners_analysts_and_brokers_see_every_provider_with_its_opel_and_reasons(
    client, request, reports, persona
):
    body = get(client, request.getfixturevalue(persona), "market:overview").content.decode()
    assert "Acorn Homecare" in body and "Birch Care Services" in body
    assert "OPEL 3" in body and "Staff availability: 75%, below 80% (OPEL 3)" in body
    assert "15 points below the region" in body  # against the default benchmark of 90%
    assert "<svg" in body and "Market OPEL level by sitrep" in body


def test_the_nhs_partner_sees_the_market_summary_but_no_provider(client, nadia, reports):
    response = get(client, nadia, "market:overview")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Northbridge Borough Council" in body and "Providers by OPEL level" in body
    assert "Acorn Homecare" not in body and "Birch Care Services" not in body
    assert get(client, nadia, "market:provider", reports["acorn"].provider_id).status_code == 404
    assert get(client, nadia, "market:sitrep", reports["acorn"].pk).status_code == 404
    assert get(client, nadia, "market:overdue").status_code == 403


@pytest.mark.parametrize("persona", ["alice", "carl", "sam"])
def test_practitioners_care_workers_and_other_councils_officers_see_no_market(
    client, request, reports, persona
):
    user = request.getfixturevalue(persona)
    for name in ("market:overview", "market:overdue", "market:returns", "market:schedule", "market:rules"):
        assert get(client, user, name).status_code == 403, name
    assert get(client, user, "market:sitrep", reports["acorn"].pk).status_code == 404


def test_another_councils_commissioner_sees_only_their_own_council(client, steve, reports):
    body = get(client, steve, "market:overview").content.decode()
    assert "Birch Care Services" in body and "Acorn Homecare" not in body
    assert get(client, steve, "market:sitrep", reports["birch"].pk).status_code == 404
    assert get(client, steve, "market:sitrep", reports["south"].pk).status_code == 200
    assert get(client, steve, "market:provider", reports["acorn"].provider_id).status_code == 404


# --- a provider's own sitreps ---------------------------------------------------------------------------


def test_a_provider_sees_its_own_sitreps_to_every_council_and_nobody_elses(client, pippa, paul, reports):
    assert get(client, pippa, "market:overview").status_code == 302  # to its sitreps
    body = get(client, pippa, "market:sitreps").content.decode()
    assert "Northbridge Borough Council" in body and "Southwold District Council" in body
    assert get(client, pippa, "market:sitrep", reports["south"].pk).status_code == 200
    assert get(client, pippa, "market:sitrep", reports["acorn"].pk).status_code == 404
    assert get(client, pippa, "market:provider", reports["acorn"].provider_id).status_code == 404
    page = get(client, pippa, "market:provider", reports["birch"].provider_id).content.decode()
    assert "To Northbridge Borough Council" in page and "To Southwold District Council" in page
    assert get(client, paul, "market:sitrep", reports["birch"].pk).status_code == 404


def test_a_commissioner_sees_only_their_councils_sitrep_from_a_provider_on_two_frameworks(
    client, clara, reports
):
    page = get(client, clara, "market:provider", reports["birch"].provider_id).content.decode()
    assert "Southwold" not in page
    assert get(client, clara, "market:sitrep", reports["south"].pk).status_code == 404


def test_the_sitrep_form_is_pre_filled_and_sends_the_sitrep(
    client, paul, framework, northbridge, acorn, zone
):
    from homecare.providers.tests.factories import declare_capacity

    declare_capacity(provider=acorn, zone=zone, actor=paul, hours="25")
    response = get(client, paul, "market:sitrep-new", council=northbridge.pk)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pre-filled: 0 people have an active package with you" in body
    assert f'name="zone_{zone.pk}" value="25.00"' in body
    data = form_data(spare_hours={zone.pk: Decimal("20")})
    response = client.post(f"{reverse('market:sitrep-new')}?council={northbridge.pk}", data)
    sitrep = Sitrep.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("market:sitrep", args=[sitrep.pk])
    assert sitrep.staff_in_post == 40 and sitrep.zone_capacity.get().spare_hours == Decimal("20.00")
    # The next sitrep carries the steady figures over, and asks again about absences.
    body = get(client, paul, "market:sitrep-new", council=northbridge.pk).content.decode()
    assert 'name="staff_in_post" value="40"' in body and 'name="absent_sickness" value=' not in body


def test_pressing_send_twice_does_not_file_next_weeks_sitrep(client, paul, framework, northbridge):
    form = get(client, paul, "market:sitrep-new", council=northbridge.pk).context["form"]
    data = form_data() | {"slot": form.initial["slot"]}
    url = f"{reverse('market:sitrep-new')}?council={northbridge.pk}"
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200 and "has already been sent or is no longer due" in again.content.decode()
    assert Sitrep.objects.count() == 1


def test_errors_in_the_sitrep_form_are_shown_against_the_field_and_nothing_is_sent(
    client, paul, framework, northbridge
):
    client.force_login(paul)
    data = form_data(absent_sickness=50) | {"ppe_stock_days": "lots"}
    response = client.post(f"{reverse('market:sitrep-new')}?council={northbridge.pk}", data)
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "Enter a whole number, like 12" in body
    assert not Sitrep.objects.exists()
    response = client.post(
        f"{reverse('market:sitrep-new')}?council={northbridge.pk}", form_data(absent_sickness=50)
    )
    assert "Staff absent (51) cannot be more than care staff in post (40)" in response.content.decode()


def test_a_provider_cannot_send_a_sitrep_to_a_council_it_is_not_on_or_with_a_bad_council(
    client, paul, framework, south_framework, southwold
):
    assert get(client, paul, "market:sitrep-new", council=southwold.pk).status_code == 404
    assert get(client, paul, "market:sitrep-new", council="x").status_code == 404


def test_commissioners_and_care_workers_cannot_open_the_sitrep_form(client, clara, carl, framework):
    assert get(client, clara, "market:sitrep-new").status_code == 403
    assert get(client, carl, "market:sitrep-new").status_code == 403


def test_a_provider_amends_its_sitrep_and_everyone_sees_both_versions(
    client, paul, clara, reports, northbridge
):
    original = reports["acorn"]
    client.force_login(paul)
    data = form_data(absent_sickness=4, absent_leave=2) | {"reason": "Two back from sick leave"}
    response = client.post(reverse("market:sitrep-amend", args=[original.pk]), data)
    amended = Sitrep.objects.get(amends=original)
    assert response["Location"] == reverse("market:sitrep", args=[amended.pk])
    body = get(client, clara, "market:sitrep", amended.pk).content.decode()
    assert "Two back from sick leave" in body and "Absent: sickness" in body
    old = get(client, clara, "market:sitrep", original.pk).content.decode()
    assert "This version has been amended" in old
    assert get(client, clara, "market:sitrep-amend", original.pk).status_code == 403


def test_an_amendment_without_a_reason_is_refused_on_the_form(client, paul, reports):
    client.force_login(paul)
    response = client.post(
        reverse("market:sitrep-amend", args=[reports["acorn"].pk]), form_data(absent_sickness=1)
    )
    assert "Say why you are amending the sitrep" in response.content.decode()
    assert Sitrep.objects.count() == 3


# --- the overdue list, settings and the monthly return --------------------------------------------------


def test_the_overdue_list_shows_providers_with_nothing_for_the_slot_last_due(
    client, clara, framework, northbridge, acorn, paul
):
    # Admitted a month ago, so both owed the sitrep last due; only Acorn has sent it.
    Admission.objects.update(decided_at=timezone.now() - dt.timedelta(days=30))
    submit(council=northbridge, provider=acorn, actor=paul)
    listing = get(client, clara, "market:overdue").context["listing"]
    assert listing.due_at == last_due()
    assert [(r.provider.name, r.last_sitrep) for r in listing.rows] == [("Birch Care Services", None)]
    assert listing.rows[0].missed_recent == listing.rows[0].owed_recent >= 4


def test_a_commissioner_changes_the_schedule_and_the_rules_and_an_analyst_may_only_read_them(
    client, clara, andy, framework
):
    client.force_login(andy)
    assert client.get(reverse("market:schedule")).status_code == 200
    assert client.post(reverse("market:schedule"), {}).status_code == 403
    assert client.post(reverse("market:rules"), {}).status_code == 403
    assert client.post(reverse("market:benchmark"), {}).status_code == 403
    client.force_login(clara)
    response = client.post(
        reverse("market:schedule"),
        {
            "frequency": "twice_weekly",
            "first_weekday": "0",
            "second_weekday": "3",
            "due_time": "10:00",
            "reminder_hours": "12",
            "reason": "Winter surge",
        },
    )
    assert response.status_code == 302 and SitrepSchedule.objects.get().frequency == "twice_weekly"
    rules_page = client.get(reverse("market:rules"))
    data = {
        name: (field.value() if field.value() is not None else "")
        for name, field in ((f.name, f) for f in rules_page.context["form"])
    }
    data = {k: v for k, v in data.items() if v not in (False, None)}
    data |= {"ppe_days_2": "21", "reason": "Winter stock"}
    response = client.post(reverse("market:rules"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert OpelRule.objects.get(measure="ppe_days", level=2).threshold == Decimal("21")
    response = client.post(
        reverse("market:benchmark"),
        {
            "staff_availability_percent": "88.5",
            "source": "Regional sitrep",
            "effective_from_day": "1",
            "effective_from_month": "1",
            "effective_from_year": "2026",
        },
    )
    assert (
        response.status_code == 302
        and RegionalBenchmark.objects.get().staff_availability_percent == Decimal("88.5")
    )


def test_a_bad_rules_table_is_shown_back_with_the_cell_to_fix(client, clara, framework):
    client.force_login(clara)
    page = client.get(reverse("market:rules"))
    data = {f.name: f.value() for f in page.context["form"] if f.value() not in (False, None)}
    data |= {"staff_availability_4": "95", "reason": "Typo"}
    response = client.post(reverse("market:rules"), data)
    assert response.status_code == 200
    assert "the OPEL 4 threshold must not be higher than OPEL 3" in response.content.decode()
    assert not OpelRule.objects.exists()


def test_the_monthly_return_downloads_as_csv_for_the_council_and_for_the_provider(
    client, clara, pippa, reports
):
    month = schedule.london_date(reports["acorn"].due_at).replace(day=1)
    client.force_login(clara)
    response = client.get(reverse("market:returns"), {"month": f"{month:%Y-%m}", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Council,Provider,CQC location ID,Month")
    assert [line.split(",")[1] for line in lines[1:]] == ["Acorn Homecare", "Birch Care Services"]
    client.force_login(pippa)
    lines = client.get(reverse("market:returns"), {"month": f"{month:%Y-%m}", "format": "csv"}).content
    rows = lines.decode().splitlines()[1:]
    assert len(rows) == 2 and all(",Birch Care Services," in row for row in rows)
    assert client.get(reverse("market:returns"), {"month": "1999-01"}).status_code == 200


def test_the_navigation_offers_the_market_to_those_who_see_it(
    client, clara, nadia, paul, alice, carl, framework
):
    for user, label in ((clara, "Market"), (nadia, "Market"), (paul, "Sitreps")):
        client.force_login(user)
        items = [i["label"] for i in client.get(reverse("accounts:dashboard")).context["nav_items"]]
        assert label in items, user
    for user in (alice, carl):
        client.force_login(user)
        items = [i["label"] for i in client.get(reverse("accounts:dashboard")).context["nav_items"]]
        assert "Market" not in items and "Sitreps" not in items


def test_an_icb_administrator_sees_the_summary_and_a_council_administrator_the_detail(
    client, icb, northbridge, reports
):
    icb_admin = make_user(organisation=icb, role=Role.ADMINISTRATOR)
    body = get(client, icb_admin, "market:overview").content.decode()
    assert "Acorn Homecare" not in body
    council_admin = make_user(organisation=northbridge, role=Role.ADMINISTRATOR)
    assert "Acorn Homecare" in get(client, council_admin, "market:overview").content.decode()
