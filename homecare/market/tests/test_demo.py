"""Sitreps in the demo borough: enough weeks for trends, a surge, an overdue provider, an amendment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from homecare.accounts.models import Organisation, OrganisationType, User
from homecare.demo import borough
from homecare.demo.borough import sitreps as story
from homecare.demo.borough.market import INADEQUATE
from homecare.market import oversight, schedule, selectors
from homecare.market.models import Sitrep, SitrepSchedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary():
    return borough.build_borough(seed=borough.DEFAULT_SEED, people=120)


@pytest.fixture
def council(summary):
    return Organisation.objects.get(name=borough.COUNCIL_NAME, type=OrganisationType.COUNCIL)


def test_the_demo_has_ten_weeks_of_sitreps_with_a_fortnights_surge(summary, council):
    assert [s.frequency for s in SitrepSchedule.objects.order_by("effective_from")] == [
        "weekly",
        "twice_weekly",
        "weekly",
    ]
    slots = sorted(set(Sitrep.objects.values_list("due_at", flat=True)))
    assert len(slots) >= 12
    providers = selectors.providers_reporting_to(council=council).count()
    assert providers >= 12
    assert Sitrep.objects.filter(amends__isnull=True).count() >= len(slots) * (providers - 1) - 2


def test_the_market_picture_has_a_trend_at_every_slot_and_the_stories_show(summary, council):
    picture = oversight.market_picture(council=council, now=summary.as_of)
    assert all(level is not None for level in picture.trend.levels)
    assert max(picture.trend.levels) > min(picture.trend.levels)  # the surge shows in the trend
    by_name = {s.provider.name: s for s in picture.standings}
    names = borough.PROVIDER_NAMES
    assert by_name[names[INADEQUATE]].score.level >= 3
    assert by_name[names[story.OVERDUE]].overdue
    assert not by_name[names[story.AMENDED]].overdue and by_name[names[story.AMENDED]].sitrep.amends_id
    overdue = oversight.overdue_list(council=council, now=summary.as_of)
    assert names[story.OVERDUE] in [r.provider.name for r in overdue.rows]
    assert Sitrep.objects.filter(outbreak_status="confirmed", provider__name=names[story.OUTBREAK]).exists()


def test_the_demo_providers_next_sitrep_is_pre_filled_from_the_last_weeks_call_monitoring(summary, council):
    user = User.objects.get(username="provider")
    start, end = schedule.reporting_period(schedule.london_date(summary.as_of))
    figures = selectors.platform_figures(council=council, provider=user.organisation, start=start, end=end)
    assert figures.hours_delivered > 0 and figures.people_supported > 0
    client = Client()
    client.force_login(user)
    form = client.get(reverse("market:sitrep-new"), {"council": council.pk}).context["form"]
    assert form.initial["hours_delivered"] == figures.hours_delivered
    assert form.initial["people_supported"] == figures.people_supported
    # Carried over from its latest sitrep (the amended one).
    latest = selectors.latest_sitrep(council=council, provider=user.organisation)
    assert latest.amends_id and form.initial["staff_in_post"] == latest.staff_in_post
    assert 0 < sum(1 for name in form.initial if name.startswith("zone_"))


def test_the_demo_commissioner_and_provider_open_their_market_pages(summary):
    client = Client()
    for username, page in (
        ("commissioner", "market:overview"),
        ("provider", "market:sitreps"),
        ("nhs", "market:overview"),
    ):
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse(page)).status_code == 200, username
