"""The demo borough has something on every quality screen (homecare/demo/borough/quality.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from homecare.accounts.models import User
from homecare.demo import borough
from homecare.quality.models import (
    CaseAudit,
    Complaint,
    PatternAlert,
    ProviderReview,
    QaVisit,
    SafeguardingConcern,
    SafeguardingEscalation,
)
from homecare.quality.selectors.safeguarding import data_quality_report

pytestmark = pytest.mark.django_db


def test_the_demo_borough_fills_the_quality_screens(client):
    summary = borough.build_borough(seed=borough.DEFAULT_SEED, people=120)
    assert set(Complaint.objects.values_list("stage", flat=True)) == {
        "provider",
        "council_first",
        "ombudsman",
    }
    assert SafeguardingConcern.objects.filter(source="care_worker", call_event__isnull=False).count() == 1
    statuses = set(SafeguardingConcern.objects.values_list("status", flat=True))
    assert {"new", "triaged", "enquiry", "closed", "managed_outside"} <= statuses
    assert SafeguardingEscalation.objects.filter(decided_at__isnull=True).count() == 1
    assert PatternAlert.objects.filter(abuse_type="financial").exists()
    assert CaseAudit.objects.count() == 2
    assert QaVisit.objects.filter(status="published").count() >= 3 and ProviderReview.objects.exists()
    lead = User.objects.get(username=borough.SAFEGUARDING_USERNAME)
    assert data_quality_report(user=lead)
    assert summary.call_events > 0
    client.force_login(lead)
    for name in (
        "quality:home",
        "quality:concerns",
        "quality:escalations",
        "quality:audits",
        "quality:data-quality",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    client.force_login(User.objects.get(username=borough.COMMISSIONER_USERNAME))
    for name in ("quality:complaints", "quality:complaints-report", "quality:providers"):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_same_seed_makes_the_same_quality_records():
    from django.db import transaction

    def fingerprint():
        with transaction.atomic():
            borough.build_borough(seed=7, people=60, call_monitoring=False)
            rows = (
                list(
                    Complaint.objects.order_by("id").values_list("person__case_reference", "stage", "status")
                ),
                list(
                    SafeguardingConcern.objects.order_by("id").values_list("person__case_reference", "status")
                ),
            )
            transaction.set_rollback(True)
        return rows

    assert fingerprint() == fingerprint()
