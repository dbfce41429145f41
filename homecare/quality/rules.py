"""Safeguarding rules with edges, as pure functions over plain values or unsaved model instances.

- Making Safeguarding Personal (MSP): what must be recorded at each stage. The services call these
  and refuse the step with the messages; the data-quality report calls `concern_problems` to find
  cases that reached a stage without them (older records, imports, or anything typed in elsewhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homecare.quality.models import (
    ConcernStatus,
    EnquiryType,
    FeelsSafe,
    MspAsked,
)
from homecare.quality.timescales import working_days_between

S = ConcernStatus
DECIDED = frozenset({S.PLANNING, S.ENQUIRY, S.OUTCOME, S.CLOSED, S.MANAGED_OUTSIDE})
WITH_ENQUIRY = frozenset({S.PLANNING, S.ENQUIRY, S.OUTCOME, S.CLOSED})
ENQUIRY_STARTED = frozenset({S.ENQUIRY, S.OUTCOME, S.CLOSED})
OUTCOME_RECORDED = frozenset({S.OUTCOME, S.CLOSED})
TRIAGE_WORKING_DAYS = 2


def msp_start_problems(*, asked: str, outcomes_expressed: str, not_asked_reason: str) -> dict[str, str]:
    """Starting the enquiry: whether the person was asked about their desired outcomes, with the
    outcomes in their words, or the reason they were not asked."""
    if asked not in MspAsked.values:
        return {"msp_asked": "Say whether the person was asked about the outcomes they want"}
    if asked == MspAsked.EXPRESSED and not outcomes_expressed.strip():
        return {"msp_outcomes_expressed": "Write down the outcomes the person wants, in their words"}
    if asked == MspAsked.NOT_ASKED and not not_asked_reason.strip():
        return {"msp_not_asked_reason": "Give the reason the person was not asked"}
    return {}


def msp_outcome_problems(*, asked: str, achieved: str) -> dict[str, str]:
    """Recording the outcome: whether the outcomes the person expressed were achieved."""
    if asked == MspAsked.EXPRESSED and not achieved:
        return {"msp_achieved": "Say whether the outcomes the person wanted were achieved"}
    if asked != MspAsked.EXPRESSED and achieved:
        return {"msp_achieved": "The person expressed no outcomes, so leave 'achieved' blank"}
    return {}


def msp_close_problems(*, feels_safe: str) -> dict[str, str]:
    if feels_safe not in FeelsSafe.values:
        return {"msp_feels_safe": "Record how safe the person feels now (or that it is not known)"}
    return {}


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing", "inconsistent" or "outstanding"
    message: str


def concern_problems(
    concern, enquiry, *, abuse_types: int, escalations: int, today: dt.date
) -> list[Problem]:
    """What is missing from or inconsistent in one case, for the data-quality report.

    `concern` and `enquiry` are model instances (enquiry may be None); `abuse_types` and `escalations`
    are how many of each the case has. Reads nothing from the database.
    """
    out: list[Problem] = []

    def missing(message: str) -> None:
        out.append(Problem("missing", message))

    def inconsistent(message: str) -> None:
        out.append(Problem("inconsistent", message))

    status = concern.status
    if concern.person_id is None:
        missing(
            "Not linked to a person's record"
            + ("" if concern.adult_details else " and no details of the adult")
        )
    if status == S.NEW and working_days_between(concern.raised_at.date(), today) > TRIAGE_WORKING_DAYS:
        out.append(Problem("outstanding", f"Not triaged within {TRIAGE_WORKING_DAYS} working days"))
    if status != S.NEW:
        if not concern.urgency:
            missing("Triage urgency not recorded")
        if abuse_types == 0:
            missing("Type of abuse not recorded")
    if status in DECIDED:
        answers = (
            concern.care_and_support_needs,
            concern.experiencing_abuse_or_risk,
            concern.unable_to_protect,
        )
        if any(a is None for a in answers):
            missing("Section 42 three-part test not fully answered")
        if not concern.decision_reason.strip():
            missing("Rationale for the s42 decision not recorded")
    if status == S.MANAGED_OUTSIDE:
        if not (concern.outside_route and concern.outside_reason.strip()):
            missing("Managed outside safeguarding without a route and reason")
        if concern.s42_test_met:
            inconsistent("The s42 test is met but the concern was managed outside safeguarding")
    if status in WITH_ENQUIRY and enquiry is None:
        missing("No enquiry record although the case is at enquiry stage")
    if enquiry is None:
        return out
    if enquiry.enquiry_type == EnquiryType.S42 and not concern.s42_test_met:
        inconsistent("Recorded as an s42 enquiry but the three-part test is not met")
    if status in ENQUIRY_STARTED:
        if enquiry.enquiry_officer_id is None:
            missing("No enquiry officer")
        if not enquiry.msp_asked:
            missing("MSP: not recorded whether the person was asked about their desired outcomes")
    if enquiry.msp_asked == MspAsked.EXPRESSED and not enquiry.msp_outcomes_expressed.strip():
        missing("MSP: the person's desired outcomes are not written down")
    if enquiry.msp_asked == MspAsked.NOT_ASKED and not enquiry.msp_not_asked_reason.strip():
        missing("MSP: no reason given for not asking the person")
    if status in OUTCOME_RECORDED:
        if not (enquiry.conclusion and enquiry.risk_outcome):
            missing("Outcome incomplete: conclusion or risk outcome not recorded")
        if enquiry.msp_asked == MspAsked.EXPRESSED and not enquiry.msp_achieved:
            missing("MSP: whether the desired outcomes were achieved is not recorded")
    if enquiry.msp_achieved and enquiry.msp_asked != MspAsked.EXPRESSED:
        inconsistent("MSP: outcomes recorded as achieved, but none were expressed")
    if status == S.CLOSED:
        if not enquiry.msp_feels_safe:
            missing("MSP: how safe the person feels at closure is not recorded")
        if enquiry.closed_by_id is None or enquiry.closed_at is None:
            missing("Closure not signed off")
        if enquiry.msp_feels_safe == FeelsSafe.UNSAFE and escalations == 0:
            inconsistent("The person feels unsafe but nothing was escalated to a principal manager")
    if enquiry.closed_at is not None and enquiry.closed_at < concern.raised_at:
        inconsistent("Closed before the concern was raised")
    return out
