"""Monthly case audits against the Care Act template, and the data-quality report on seeded bad records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_user
from homecare.quality import services
from homecare.quality.care_act_audit import TEMPLATE
from homecare.quality.models import CaseAudit, Enquiry, SafeguardingConcern, SafeguardingEscalation
from homecare.quality.selectors.safeguarding import data_quality_report
from homecare.quality.services.audits import month_bounds
from homecare.quality.tests.factories import make_concern, walk

pytestmark = pytest.mark.django_db
THIS_MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def priya(northbridge, sally):
    priya = make_user(
        organisation=northbridge, role=Role.SAFEGUARDING_LEAD, username="priya", first_name="Priya"
    )
    services.manager_designate(actor=sally, user=priya, level="principal_manager")
    return priya


@pytest.fixture
def concluded(bella, sally, pat, mary):
    """Five cases concluded this month: four signed off by Sally, one run throughout by Pat."""
    cases = [walk(make_concern(actor=bella, person=mary), lead=sally) for _ in range(4)]
    cases.append(walk(make_concern(actor=bella, person=mary), lead=pat))
    return cases


def test_the_sample_gives_each_principal_manager_two_cases_they_did_not_work_on(sally, pat, priya, concluded):
    audits = services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)
    assert len(audits) == 4
    assert sorted(a.auditor.username for a in audits) == ["pat", "pat", "priya", "priya"]
    pats_own = concluded[-1]
    assert all(a.concern != pats_own for a in audits if a.auditor == pat)
    assert len({a.concern_id for a in audits}) == 4


def test_the_draw_is_repeatable_for_the_same_council_and_month(sally, pat, priya, concluded):
    first = sorted(
        (a.auditor_id, a.concern_id)
        for a in services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)
    )
    CaseAudit.objects.all().delete()
    again = sorted(
        (a.auditor_id, a.concern_id)
        for a in services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)
    )
    assert first == again


def test_a_month_is_sampled_once_and_only_by_a_safeguarding_lead(sally, alice, pat, concluded):
    with pytest.raises(PermissionDenied):
        services.audits_sample_month(actor=alice, council=alice.organisation, month=THIS_MONTH)
    services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)
    with pytest.raises(ValidationError, match="already been sampled"):
        services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)


def test_a_month_with_nothing_concluded_says_so(sally, pat):
    with pytest.raises(ValidationError, match="No cases were concluded"):
        services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)


def test_month_bounds_are_london_midnights_across_the_clock_change():
    start, end = month_bounds(dt.date(2026, 3, 15))
    assert (start.isoformat(), end.isoformat()) == ("2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+01:00")


def test_the_auditor_answers_every_question_with_comments_where_a_duty_was_not_met(sally, pat, concluded):
    audit = next(
        a
        for a in services.audits_sample_month(actor=sally, council=sally.organisation, month=THIS_MONTH)
        if a.auditor == pat
    )
    answers = {q.code: ("met", "") for q in TEMPLATE}
    answers["advocacy"] = ("not_met", "")
    with pytest.raises(PermissionDenied):
        services.audit_complete(actor=sally, audit=audit, answers=answers, findings="f", overall="good")
    with pytest.raises(ValidationError) as exc:
        services.audit_complete(actor=pat, audit=audit, answers=answers, findings="", overall="")
    assert {"q_advocacy_comment", "findings", "overall"} <= set(exc.value.message_dict)
    answers["advocacy"] = ("not_met", "No advocate considered although no family")
    audit = services.audit_complete(
        actor=pat, audit=audit, answers=answers, findings="Good, one gap", overall="improvement"
    )
    assert audit.answers.count() == len(TEMPLATE) and audit.completed_at
    action = services.audit_action_add(
        actor=sally, audit=audit, description="Advocacy refresher for the team", due_on=THIS_MONTH, owner=pat
    )
    done = services.audit_action_complete(actor=pat, action=action, note="Session held")
    assert done.completed_by == pat


# --- the data-quality report on seeded bad records -----------------------------------------------


def _bad(council, actor, person=None, days_ago=20, **fields):
    """A case written straight to the database, as an old system or import might have left it."""
    raised = timezone.now() - dt.timedelta(days=days_ago)
    return SafeguardingConcern.objects.create(
        council=council,
        person=person,
        source="council_staff",
        raised_at=raised,
        recorded_by=actor,
        recorded_at=raised,
        description="Seeded",
        **fields,
    )


def _problems(rows, concern) -> list[str]:
    return [p.message for r in rows if r.concern == concern for p in r.problems]


def test_the_data_quality_report_lists_missing_and_inconsistent_fields(sally, bella, alice, mary):
    council = mary.council
    untriaged = _bad(council, bella, person=mary, days_ago=10)
    nobody = _bad(council, bella, status="triaged", urgency="high")
    outside = _bad(
        council,
        bella,
        person=mary,
        status="managed_outside",
        urgency="routine",
        care_and_support_needs=True,
        experiencing_abuse_or_risk=True,
        unable_to_protect=True,
        decision_reason="x",
    )
    no_enquiry = _bad(
        council,
        bella,
        person=mary,
        status="planning",
        urgency="high",
        care_and_support_needs=True,
        experiencing_abuse_or_risk=True,
        unable_to_protect=True,
        decision_reason="x",
    )
    closed = _bad(
        council,
        bella,
        person=mary,
        status="closed",
        urgency="high",
        care_and_support_needs=True,
        experiencing_abuse_or_risk=True,
        unable_to_protect=False,
        decision_reason="",
    )
    Enquiry.objects.create(
        concern=closed,
        enquiry_type="s42",
        opened_at=closed.raised_at,
        msp_asked="none_expressed",
        msp_achieved="fully",
        conclusion="substantiated",
        risk_outcome="remains",
        msp_feels_safe="unsafe",
        closed_at=closed.raised_at - dt.timedelta(days=1),
        closed_by=sally,
    )
    clean = walk(make_concern(actor=bella, person=mary), lead=sally)
    rows = data_quality_report(user=sally, today=timezone.localdate())
    listed = [r.concern for r in rows]
    assert clean not in listed
    assert "Not triaged within 2 working days" in _problems(rows, untriaged)
    assert {
        "Not linked to a person's record and no details of the adult",
        "Type of abuse not recorded",
    } <= set(_problems(rows, nobody))
    assert {
        "Managed outside safeguarding without a route and reason",
        "The s42 test is met but the concern was managed outside safeguarding",
    } <= set(_problems(rows, outside))
    assert "No enquiry record although the case is at enquiry stage" in _problems(rows, no_enquiry)
    assert {
        "Rationale for the s42 decision not recorded",
        "Recorded as an s42 enquiry but the three-part test is not met",
        "No enquiry officer",
        "MSP: outcomes recorded as achieved, but none were expressed",
        "The person feels unsafe but nothing was escalated to a principal manager",
        "Closed before the concern was raised",
    } <= set(_problems(rows, closed))
    assert listed[0] == closed  # the most inconsistent first


def test_an_unsafe_case_with_its_escalation_is_not_inconsistent(sally, bella, mary):
    concern = walk(make_concern(actor=bella, person=mary), lead=sally, feels_safe="unsafe")
    assert SafeguardingEscalation.objects.filter(concern=concern).exists()
    assert concern not in [r.concern for r in data_quality_report(user=sally)]


def test_only_safeguarding_leads_get_the_report(sally, bella, alice, adam, mary):
    _bad(mary.council, bella, person=mary, days_ago=10)
    assert data_quality_report(user=sally)
    for user in (alice, bella, adam):
        assert data_quality_report(user=user) == []
