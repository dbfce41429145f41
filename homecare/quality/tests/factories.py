"""Complaints, concerns and QA visits for tests, made through the services so the rules apply."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from homecare.quality import services
from homecare.quality.models import SafeguardingConcern

# A Friday before Christmas 2025: acknowledgement (3 working days) is due Wednesday 24 December, and
# the decision (28 days) on Friday 16 January 2026.
FRIDAY = dt.date(2025, 12, 19)


def make_complaint(*, actor, person=None, provider=None, received_on=FRIDAY, **fields):
    defaults = {
        "complainant_name": "Jean Smith",
        "complainant_type": "family",
        "complainant_address": "1 High Street\nNorthbridge\nNB1 1AA",
        "subject": "provider" if provider else "council",
        "summary": "Carers arrive late most mornings and leave early.",
        "themes": ["late_missed"],
    }
    defaults.update(fields)
    return services.complaint_record(
        actor=actor, person=person, provider=provider, received_on=received_on, **defaults
    )


def acknowledge(complaint, actor, on=None):
    return services.complaint_acknowledge(
        actor=actor,
        complaint=complaint,
        acknowledged_on=on or complaint.stages.get(stage=complaint.stage).started_on,
        action_plan="The registered manager will review the rota and call monitoring records.",
    )


def respond(complaint, actor, outcome="upheld", on=None):
    record = complaint.stages.get(stage=complaint.stage)
    return services.complaint_respond(
        actor=actor,
        complaint=complaint,
        responded_on=on or record.acknowledged_on or record.started_on,
        outcome=outcome,
        findings="Call monitoring shows 9 of 14 morning visits more than 30 minutes late.",
        response="We apologise; the rota has been changed so the same two carers cover mornings.",
    )


def make_concern(*, actor, person=None, abuse_types=("neglect",), raised_at=None, **fields):
    defaults = {"description": "Bruising on both arms; says a carer grabbed her."}
    defaults.update(fields)
    return services.concern_raise(
        actor=actor, person=person, abuse_types=abuse_types, raised_at=raised_at, **defaults
    )


def walk(
    concern: SafeguardingConcern,
    *,
    lead,
    to: str = "closed",
    officer=None,
    feels_safe: str = "safe",
    msp_asked: str = "expressed",
) -> SafeguardingConcern:
    """Move a concern through the enquiry to `to` (triaged, planning, enquiry, outcome or closed)."""
    steps = ["triaged", "planning", "enquiry", "outcome", "closed"]
    for step in steps[
        steps.index(concern.status) + 1 if concern.status in steps else 0 : steps.index(to) + 1
    ]:
        if step == "triaged":
            concern = services.concern_triage(
                actor=lead,
                concern=concern,
                urgency="high",
                abuse_types=list(concern.abuse_types.values_list("abuse_type", flat=True)) or ["neglect"],
                note="Spoke to the provider; the carer is off rota pending enquiry.",
            )
        elif step == "planning":
            concern = services.concern_decide(
                actor=lead,
                concern=concern,
                care_and_support_needs=True,
                experiencing_abuse_or_risk=True,
                unable_to_protect=True,
                reason="All three parts met",
                make_enquiry=True,
            )
        elif step == "enquiry":
            concern = services.concern_start_enquiry(
                actor=lead,
                concern=concern,
                enquiry_officer=officer or lead,
                plan="Visit, speak to staff",
                msp_asked=msp_asked,
                msp_outcomes_expressed="I want the same carers and to feel safe at home"
                if msp_asked == "expressed"
                else "",
                msp_not_asked_reason="Lacks capacity; no representative" if msp_asked == "not_asked" else "",
            )
        elif step == "outcome":
            concern = services.concern_record_outcome(
                actor=lead,
                concern=concern,
                findings="Carer's account inconsistent with call monitoring",
                conclusion="substantiated",
                risk_outcome="reduced",
                msp_achieved="partially" if msp_asked == "expressed" else "",
            )
        elif step == "closed":
            concern = services.concern_close(
                actor=lead, concern=concern, msp_feels_safe=feels_safe, closure_summary="Carer dismissed."
            )
    concern.refresh_from_db()
    return concern


def make_qa_visit(*, actor, provider, rag="green", publish=True, visit_date=None):
    visit = services.qa_visit_record(
        actor=actor,
        provider=provider,
        visit_date=visit_date or timezone.localdate() - dt.timedelta(days=10),
        kind="unannounced",
        summary="Reviewed files, spoke to three people and two carers.",
    )
    services.qa_finding_add(
        actor=actor, qa_visit=visit, area="safe", rag=rag, text="Medication records complete"
    )
    if publish:
        visit = services.qa_visit_publish(actor=actor, qa_visit=visit, rag=rag)
    return visit
