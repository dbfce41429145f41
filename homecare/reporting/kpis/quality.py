"""KPIs over complaints and safeguarding (the quality app's records).

- **Complaints acknowledged in 3 working days** / **answered in 28 days**: stage records (provider and
  council stages; the Ombudsman sets its own timescales) whose due date fell in the month and has
  passed, or that were dealt with early: the share done by the due date. The due dates are the ones
  fixed when the stage started (quality.timescales), so a later bank-holiday change rewrites nothing.
  A provider's managers see the complaints about their own organisation.
- **Making Safeguarding Personal** (section 42 enquiries closed in the month): asked about desired
  outcomes; of those asked, outcomes expressed; of those expressed (with an answer), fully or partly
  achieved; of those who answered, feeling safe or fairly safe at closure. The records behind these
  numbers are safeguarding records: only safeguarding leads open them (ADR 0008).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from homecare.quality.models import ComplaintStageRecord, Enquiry
from homecare.reporting.kpis.registry import PERCENT, Context, Drill, Kpi, Measure, register
from homecare.reporting.periods import LONDON, Month
from homecare.reporting.populations import COUNCIL, PROVIDER, Population
from homecare.reporting.rag import Polarity


def _stage_records(population: Population, month: Month, context: Context, due: str, done: str):
    """Stage records whose `due` date fell in the month and has passed (or that were done already)."""
    today = context.as_at(month).astimezone(LONDON).date()
    records = ComplaintStageRecord.objects.filter(
        complaint__council=population.council,
        **{f"{due}__gte": month.first_day, f"{due}__lte": month.last_day},
    ).filter(Q(**{f"{due}__lt": today}) | Q(**{f"{done}__isnull": False, f"{done}__lte": today}))
    if population.provider is not None:
        records = records.filter(complaint__provider=population.provider)
    return records


def _on_time(due: str, done: str):
    def measure(population: Population, month: Month, context: Context) -> Measure:
        figures = _stage_records(population, month, context, due, done).aggregate(
            total=Count("id"), met=Count("id", filter=Q(**{f"{done}__lte": F(due)}))
        )
        return Measure(Decimal(figures["met"]), Decimal(figures["total"]))

    def drill(population: Population, month: Month, context: Context) -> Drill:
        rows = (
            _stage_records(population, month, context, due, done)
            .select_related("complaint", "complaint__provider")
            .order_by(due, "id")
        )
        return Drill(
            headers=("Complaint", "Stage", "About", "Due", "Done", "On time"),
            rows=rows,
            cells=lambda r: (
                r.complaint.reference,
                r.get_stage_display(),
                r.complaint.provider.name if r.complaint.provider else "The council",
                f"{getattr(r, due):%d %b %Y}",
                f"{getattr(r, done):%d %b %Y}" if getattr(r, done) else "Not yet",
                "Yes" if getattr(r, done) and getattr(r, done) <= getattr(r, due) else "No",
            ),
            note="Complaint stages whose due date fell in the month.",
        )

    return measure, drill


GROUP = "Complaints and safeguarding"
_ack, _ack_drill = _on_time("acknowledgement_due", "acknowledged_on")
register(
    Kpi(
        id="complaints-acknowledged-3-days",
        title="Complaints acknowledged within 3 working days",
        description="Complaint stages (provider and council) whose acknowledgement was due in the month: the "
        "share acknowledged, with an action plan, by the due date (3 working days after the stage began).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("95"),
        amber=Decimal("85"),
        source="quality",
        group=GROUP,
        populations=frozenset({COUNCIL, PROVIDER}),
        measure=_ack,
        drill=_ack_drill,
        numerator_text="Acknowledged by the due date",
        denominator_text="Acknowledgements due in the month (passed, or done early)",
    )
)
_answered, _answered_drill = _on_time("response_due", "responded_on")
register(
    Kpi(
        id="complaints-answered-28-days",
        title="Complaints answered within 28 days",
        description="Complaint stages whose decision letter was due in the month: the share sent by the due "
        "date (28 calendar days, moved to the next working day).",
        unit=PERCENT,
        polarity=Polarity.HIGHER,
        target=Decimal("90"),
        amber=Decimal("80"),
        source="quality",
        group=GROUP,
        populations=frozenset({COUNCIL, PROVIDER}),
        measure=_answered,
        drill=_answered_drill,
        numerator_text="Decision letters sent by the due date",
        denominator_text="Decision letters due in the month (passed, or sent early)",
    )
)


def closed_enquiries(population: Population, month: Month, context: Context) -> QuerySet[Enquiry]:
    return Enquiry.objects.filter(
        concern__council=population.council, closed_at__gte=month.start, closed_at__lt=context.as_at(month)
    )


ASKED = ("expressed", "none_expressed")
MSP = {
    "msp-asked": (Q(msp_asked__in=ASKED), Q()),
    "msp-expressed": (Q(msp_asked="expressed"), Q(msp_asked__in=ASKED)),
    "msp-achieved": (
        Q(msp_achieved__in=("fully", "partially")),
        Q(msp_asked="expressed") & ~Q(msp_achieved=""),
    ),
    "msp-feels-safe": (
        Q(msp_feels_safe__in=("safe", "fairly_safe")),
        ~Q(msp_feels_safe__in=("", "not_known")),
    ),
}


def _msp(kpi_id: str):
    numerator, denominator = MSP[kpi_id]

    def measure(population: Population, month: Month, context: Context) -> Measure:
        figures = (
            closed_enquiries(population, month, context)
            .filter(denominator)
            .aggregate(total=Count("id"), yes=Count("id", filter=numerator))
        )
        return Measure(Decimal(figures["yes"]), Decimal(figures["total"]))

    def drill(population: Population, month: Month, context: Context) -> Drill:
        rows = (
            closed_enquiries(population, month, context)
            .filter(denominator)
            .select_related("concern")
            .order_by("closed_at", "id")
        )
        return Drill(
            headers=("Concern", "Closed", "Asked", "Achieved", "Feels safe"),
            rows=rows,
            cells=lambda e: (
                e.concern.reference,
                f"{e.closed_at.astimezone(LONDON):%d %b %Y}",
                e.get_msp_asked_display(),
                e.get_msp_achieved_display(),
                e.get_msp_feels_safe_display(),
            ),
            note="Section 42 enquiries closed in the month.",
        )

    return measure, drill


def _leads_safeguarding(user) -> bool:
    from homecare.accounts.permissions import leads_safeguarding

    return leads_safeguarding(user)


for kpi_id, title, description, target, amber, numerator_text, denominator_text in (
    (
        "msp-asked",
        "Making Safeguarding Personal: asked about outcomes",
        "Section 42 enquiries closed in the month where the person (or their representative) was asked what "
        "outcomes they wanted.",
        "90",
        "80",
        "Asked",
        "Enquiries closed in the month",
    ),
    (
        "msp-expressed",
        "Making Safeguarding Personal: outcomes expressed",
        "Of the people asked, the share who expressed desired outcomes.",
        "75",
        "60",
        "Outcomes expressed",
        "Asked",
    ),
    (
        "msp-achieved",
        "Making Safeguarding Personal: outcomes achieved",
        "Of the people who expressed desired outcomes (and whose outcome is recorded), the share whose "
        "outcomes were fully or partly achieved.",
        "90",
        "80",
        "Fully or partly achieved",
        "Outcomes expressed, achievement recorded",
    ),
    (
        "msp-feels-safe",
        "Making Safeguarding Personal: feeling safe",
        "Of the people who answered at closure, the share who feel safe or fairly safe.",
        "90",
        "80",
        "Safe or fairly safe",
        "Answered at closure",
    ),
):
    _measure, _drill = _msp(kpi_id)
    register(
        Kpi(
            id=kpi_id,
            title=title,
            description=description,
            unit=PERCENT,
            polarity=Polarity.HIGHER,
            target=Decimal(target),
            amber=Decimal(amber),
            source="quality",
            group=GROUP,
            populations=frozenset({COUNCIL}),
            measure=_measure,
            drill=_drill,
            drill_allowed=_leads_safeguarding,
            numerator_text=numerator_text,
            denominator_text=denominator_text,
        )
    )
