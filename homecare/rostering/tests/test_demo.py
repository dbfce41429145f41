"""The demo borough's providers have profiled care workers, so a demo manager can plan a rota at once."""

from __future__ import annotations

import pytest

from homecare.accounts.models import Role, User
from homecare.demo import borough
from homecare.rostering.models import Availability, CareWorkerProfile

pytestmark = pytest.mark.django_db


def test_every_demo_care_worker_has_a_profile_with_shifts_and_a_home():
    borough.build_borough(seed=borough.DEFAULT_SEED, people=120)
    workers = User.objects.filter(role=Role.CARE_WORKER)
    profiles = CareWorkerProfile.objects.filter(care_worker__in=workers)
    assert workers.exists() and profiles.count() == workers.count()
    assert all(p.provider_id == p.care_worker.organisation_id for p in profiles.select_related("care_worker"))
    assert not profiles.filter(home_latitude__isnull=True).exists()
    # Five working days a week each, and some carers trained for hoists and medication.
    rows = list(profiles.prefetch_related("availability"))
    assert all(len({a.weekday for a in p.availability.all()}) == 5 for p in rows)
    assert Availability.objects.count() >= 5 * len(rows)
    assert any("hoist" in p.skills for p in rows) and any("medication" in p.skills for p in rows)
