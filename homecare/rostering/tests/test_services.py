"""Planning, moving, publishing and re-planning a day at Acorn (Paul plans; Carl's round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.platform.models import Notification
from homecare.rostering import services
from homecare.rostering.models import PlanMove, PlanStatus, RotaPlanStatusChange
from homecare.rostering.tests.factories import DAY, make_carer, make_visit, solved_plan
from homecare.visits.models import VisitAssignment


@pytest.fixture
def day(northbridge, alice, zone, acorn, paul):
    """Three of Acorn's visits: Mary-like people at 08:00 (medication), 09:00, 10:00 (double-handed hoist)."""

    def visit(**kw):
        return make_visit(council=northbridge, practitioner=alice, zone=zone, provider=acorn, **kw)

    return {
        "meds": visit(at=(8, 0), tasks=["medication"]),
        "plain": visit(at=(9, 0), lat="52.960000"),
        "hoist": visit(at=(10, 0), carers=2, tasks=["moving_handling"], lat="52.945000"),
    }


@pytest.fixture
def carers(acorn, paul):
    return {
        "ann": make_carer(provider=acorn, manager=paul, skills=["medication", "hoist"], first_name="Ann"),
        "bea": make_carer(provider=acorn, manager=paul, skills=["hoist"], first_name="Bea"),
    }


def test_a_day_is_planned_with_every_rule_kept_and_a_status_row_per_step(day, carers, paul):
    plan = solved_plan(manager=paul)
    assert plan.status == PlanStatus.READY
    total = plan.metrics["total"]
    assert (total["slots"], total["planned"], total["unplanned"], total["violations"]) == (4, 4, 0, [])
    meds = plan.assignments.get(visit=day["meds"])
    assert meds.care_worker == carers["ann"]  # only Ann is medication trained
    hoist = plan.assignments.filter(visit=day["hoist"])
    assert {a.care_worker for a in hoist} == {carers["ann"], carers["bea"]}
    assert len({a.start for a in hoist}) == 1  # both carers start together
    steps = list(RotaPlanStatusChange.objects.filter(plan=plan).values_list("to_status", flat=True))
    assert steps == ["draft", "solving", "ready"]


def test_a_visit_no_carer_is_qualified_for_is_reported_with_the_reason(day, acorn, paul):
    make_carer(provider=acorn, manager=paul, skills=["hoist"], first_name="Bea")
    make_carer(provider=acorn, manager=paul, skills=["hoist"], first_name="Cat")
    plan = solved_plan(manager=paul)
    unplanned = plan.unplanned.get()
    assert unplanned.visit == day["meds"]
    assert "medication" in unplanned.reason
    assert plan.metrics["total"]["unplanned"] == 1


def test_a_double_handed_visit_with_one_qualified_carer_is_reported_not_dropped(day, acorn, paul):
    make_carer(provider=acorn, manager=paul, skills=["medication", "hoist"], first_name="Ann")
    make_carer(provider=acorn, manager=paul, skills=["medication"], first_name="Dot")
    plan = solved_plan(manager=paul)
    reasons = {u.slot: u.reason for u in plan.unplanned.filter(visit=day["hoist"])}
    assert set(reasons) == {1, 2}
    assert all("two different" in r for r in reasons.values())


def test_a_home_without_a_map_location_is_reported(northbridge, alice, zone, acorn, paul, carers):
    lost = make_visit(council=northbridge, practitioner=alice, zone=zone, provider=acorn, located=False)
    plan = solved_plan(manager=paul)
    assert "no map location" in plan.unplanned.get(visit=lost).reason


def test_publishing_gives_visits_their_carers_and_care_workers_are_told(day, carers, paul):
    plan = solved_plan(manager=paul)
    services.plan_publish(actor=paul, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    held = {(a.visit_id, a.slot): a.care_worker_id for a in VisitAssignment.objects.all()}
    wanted = {(a.visit_id, a.slot): a.care_worker_id for a in plan.assignments.all()}
    assert held == wanted
    assert Notification.objects.filter(recipient=carers["ann"], text__contains="rota").exists()
    with pytest.raises(ValidationError):
        services.plan_publish(actor=paul, plan=plan)  # published once only


def test_moving_a_medication_visit_to_an_untrained_carer_is_refused_with_the_rule(day, carers, paul):
    plan = solved_plan(manager=paul)
    with pytest.raises(ValidationError) as refused:
        services.plan_move_visit(
            actor=paul, plan=plan, visit=day["meds"], slot=1, care_worker=carers["bea"], reason="Ann is busy"
        )
    assert any("lacks medication" in m for m in refused.value.messages)
    assert plan.assignments.get(visit=day["meds"]).care_worker == carers["ann"]
    assert not PlanMove.objects.exists()


def test_moving_a_visit_within_the_rules_re_times_the_day_and_keeps_who_had_it(day, carers, paul):
    plan = solved_plan(manager=paul)
    before = plan.assignments.get(visit=day["plain"]).care_worker
    other = carers["bea"] if before == carers["ann"] else carers["ann"]
    services.plan_move_visit(
        actor=paul, plan=plan, visit=day["plain"], slot=1, care_worker=other, reason="Continuity"
    )
    assert plan.assignments.get(visit=day["plain"]).care_worker == other
    move = PlanMove.objects.get()
    assert (move.from_carer, move.to_carer, move.reason) == (before, other, "Continuity")
    plan.refresh_from_db()
    assert plan.metrics["total"]["violations"] == []


def test_both_carers_of_a_double_handed_visit_cannot_be_the_same(day, carers, paul):
    plan = solved_plan(manager=paul)
    slot2 = plan.assignments.get(visit=day["hoist"], slot=2).care_worker
    with pytest.raises(ValidationError, match="already the other carer"):
        services.plan_move_visit(
            actor=paul, plan=plan, visit=day["hoist"], slot=1, care_worker=slot2, reason="x"
        )


def test_re_planning_after_sickness_moves_only_the_sick_carers_visits(
    northbridge, alice, zone, acorn, paul, monkeypatch
):
    ann = make_carer(provider=acorn, manager=paul, first_name="Ann")
    bea = make_carer(provider=acorn, manager=paul, first_name="Bea")
    visits = [
        make_visit(council=northbridge, practitioner=alice, zone=zone, provider=acorn, at=(8 + i, 0))
        for i in range(4)
    ]
    plan = solved_plan(manager=paul)
    services.plan_publish(actor=paul, plan=plan)
    before = {a.visit_id: a.care_worker_id for a in VisitAssignment.objects.all()}
    sick = ann if ann.pk in before.values() else bea
    # The day is still to come: nothing is frozen.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: DAY - dt.timedelta(days=1))
    monkeypatch.setattr(
        "homecare.rostering.services.plans.timezone.now",
        lambda: dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC),
    )
    replan = services.plan_replan_after_sickness(
        actor=paul, plan=plan, care_worker=sick, starts_on=DAY, ends_on=DAY, note="Flu"
    )
    services.plan_solve(plan_id=replan.pk, actor_id=paul.pk)
    replan.refresh_from_db()
    assert replan.status == PlanStatus.READY
    after = {a.visit_id: a.care_worker_id for a in replan.assignments.all()}
    assert sick.pk not in after.values()
    kept = [v.pk for v in visits if before[v.pk] != sick.pk]
    assert all(after[v] == before[v] for v in kept)  # minimal change
    assert replan.metrics["total"]["changes"] == 0  # no visit of a carer who is at work was moved
    services.plan_publish(actor=paul, plan=replan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    assert not VisitAssignment.objects.filter(care_worker=sick).exists()


def test_a_planner_failure_is_recorded_on_the_plan_never_left_planning(day, carers, paul, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("homecare.rostering.services.plans.solve", broken)
    plan = solved_plan(manager=paul)
    assert plan.status == PlanStatus.FAILED
    assert "RuntimeError" in plan.progress_note


def test_another_provider_cannot_touch_acorns_plan(day, carers, paul, pippa):
    plan = solved_plan(manager=paul)
    with pytest.raises(PermissionDenied):
        services.plan_publish(actor=pippa, plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_start(actor=pippa, plan=plan)
    assert not VisitAssignment.objects.exists()


def test_a_care_worker_of_another_provider_cannot_be_profiled_or_planned(birch, paul, pippa):
    bob = make_user(organisation=birch, role=Role.CARE_WORKER, username="bob")
    with pytest.raises(ValidationError):
        services.profile_save(actor=paul, care_worker=bob, details=services.ProfileDetails())


def test_bad_settings_and_bad_profiles_are_refused_clearly(paul, carl):
    with pytest.raises(ValidationError) as bad:
        services.plan_create(actor=paul, start_date=DAY, days=9)
    assert "days" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        services.profile_save(
            actor=paul,
            care_worker=carl,
            details=services.ProfileDetails(
                skills=("juggling",), availability=((0, dt.time(9), dt.time(8)),)
            ),
        )
    assert set(bad.value.message_dict) == {"skills", "availability"}
