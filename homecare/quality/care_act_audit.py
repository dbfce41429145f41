"""The safeguarding case-audit template: the Care Act 2014 duties a principal manager checks a case
against (after the council's committee report, seeds/002 §4.2: "audit template to audit against Care Act
duties", two audits a month per principal manager, overseen by a safeguarding lead)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditQuestion:
    code: str
    text: str
    guidance: str


TEMPLATE: tuple[AuditQuestion, ...] = (
    AuditQuestion(
        "timely_response",
        "The concern was triaged and decided on promptly",
        "Triage within 2 working days; immediate risks acted on the same day.",
    ),
    AuditQuestion(
        "s42_test",
        "The s42(1) three-part test is recorded with a clear rationale",
        "Care and support needs; abuse or neglect, or the risk of it; unable to protect themselves.",
    ),
    AuditQuestion(
        "person_views",
        "The person's views, wishes and desired outcomes were sought (Making Safeguarding Personal)",
        "Asked early, in their own words, and revisited at the end of the enquiry.",
    ),
    AuditQuestion(
        "capacity",
        "Mental capacity was considered where there was reason to doubt it",
        "Mental Capacity Act 2005: decision-specific assessment and best-interests decisions recorded.",
    ),
    AuditQuestion(
        "advocacy",
        "Independent advocacy was considered (Care Act s68)",
        "Where the person has substantial difficulty being involved and nobody appropriate can support.",
    ),
    AuditQuestion(
        "risk_plan",
        "Risks were assessed and a safeguarding (protection) plan put in place",
        "Proportionate, least restrictive, agreed with the person where possible.",
    ),
    AuditQuestion(
        "multi_agency",
        "Information was shared with the right partners, lawfully",
        "Provider, police, NHS, CQC as appropriate; decisions to share or not are recorded.",
    ),
    AuditQuestion(
        "outcome",
        "The outcome, the effect on risk and whether the person feels safe are recorded",
        "Including escalation to a principal manager if the person still feels unsafe.",
    ),
    AuditQuestion(
        "management_oversight",
        "Management oversight and sign-off are evident",
        "Decisions countersigned; supervision discussion recorded where the case was complex.",
    ),
    AuditQuestion(
        "recording",
        "The record is complete, accurate and written so the person could read it",
        "Mandatory fields complete; no jargon; facts distinguished from opinion.",
    ),
)

QUESTION_CODES = tuple(q.code for q in TEMPLATE)
