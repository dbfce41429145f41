"""The scheduled commands (and their jobs): planning visits nightly and the late-visit scan."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from homecare.visits import tasks
from homecare.visits.management.commands import flag_late_visits
from homecare.visits.models import Visit, VisitAlert, VisitStatus
from homecare.visits.tests.factories import MONDAY


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- generate_visits ------------------------------------------------------------------------------


def test_generate_visits_plans_the_days_asked_and_prints_the_counts(package):
    assert "1 package(s): 7 visit(s) created, 0 updated, 0 removed" in run(
        "generate_visits", "--start", MONDAY.isoformat(), "--days", "7"
    )
    assert [v.date for v in package.visits.order_by("date")] == [
        MONDAY + dt.timedelta(days=i) for i in range(7)
    ]


def test_generate_visits_again_changes_nothing(package):
    run("generate_visits", "--start", MONDAY.isoformat(), "--days", "7")
    assert "0 visit(s) created, 0 updated, 0 removed" in run(
        "generate_visits", "--start", MONDAY.isoformat(), "--days", "7"
    )
    assert package.visits.count() == 7


def test_generate_visits_starts_today_for_the_horizon_by_default(package, settings):
    settings.VISITS_HORIZON_DAYS = 3
    assert "3 visit(s) created" in run("generate_visits")
    today = timezone.localdate()
    assert [v.date for v in package.visits.order_by("date")] == [
        today + dt.timedelta(days=i) for i in range(3)
    ]


@pytest.mark.parametrize("args", [("--start", "29/03/2026"), ("--days", "0")])
def test_generate_visits_refuses_a_start_that_is_not_a_date_and_no_days(db, args):
    with pytest.raises(CommandError):
        run("generate_visits", *args)


# --- flag_late_visits -----------------------------------------------------------------------------


def test_flag_late_visits_flags_overdue_visits_and_prints_the_counts(week):
    # Last January's visits were never checked in: each went late, then missed.
    assert run("flag_late_visits").strip() == "7 late, 7 missed, 0 escalated"
    assert set(Visit.objects.values_list("status", flat=True)) == {VisitStatus.MISSED}
    assert VisitAlert.objects.count() == 14


def test_flag_late_visits_twice_changes_nothing_the_second_time(week):
    run("flag_late_visits")
    alerts = list(VisitAlert.objects.order_by("id").values_list("id", "kind", "raised_at"))
    assert run("flag_late_visits").strip() == "0 late, 0 missed, 0 escalated"
    assert list(VisitAlert.objects.order_by("id").values_list("id", "kind", "raised_at")) == alerts


class StopScanning(Exception):
    pass


def test_flag_late_visits_every_scans_again_after_each_pause(week, monkeypatch):
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise StopScanning

    monkeypatch.setattr(flag_late_visits.time, "sleep", sleep)
    # Between scans the command lets go of a stale connection; here it holds the test's transaction.
    monkeypatch.setattr(flag_late_visits, "close_old_connections", lambda: None)
    out = StringIO()
    with pytest.raises(StopScanning):
        call_command("flag_late_visits", "--every", "300", stdout=out)
    assert out.getvalue().splitlines() == ["7 late, 7 missed, 0 escalated", "0 late, 0 missed, 0 escalated"]
    assert pauses == [300, 300]


def test_flag_late_visits_refuses_a_pause_under_a_second(db):
    with pytest.raises(CommandError):
        run("flag_late_visits", "--every", "0")


# --- the jobs -------------------------------------------------------------------------------------


def test_the_planning_job_plans_from_today(package):
    planned = tasks.generate_visits_job(days=2)
    assert (planned["packages"], planned["created"]) == (1, 2)
    assert package.visits.earliest("date").date == timezone.localdate()


def test_the_scan_job_flags_overdue_visits(week):
    assert tasks.flag_late_visits_job() == {"late": 7, "missed": 7, "escalated": 0}
