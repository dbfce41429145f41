"""Reads for the lead-provider model and the living-wage floor (ADR 0015).

Scoped reads (`*_visible_to`, `*_for_user`): council staff see their council's appointments and
registrations; a provider's managers see those where their organisation is the lead or the
subcontractor; care workers and the NHS partner see none.

Calculations the pages and the reporting app use take the council explicitly (the caller scopes):
- `delivery_monitoring(council=, lead=, start=, end=, subcontractor=None)`: punctuality, missed visits,
  complaints and safeguarding concerns, separately for the lead's own delivery and each subcontractor's;
- `continuity_by_deliverer(council=, start=, end=, lead=None)`: continuity under the lead model;
- `wage_checks(council=, today=, organisations=None, periods=4)`: lowest pay against the wage floor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, Role, User
from homecare.platform.schedule import LONDON
from homecare.providers import rules
from homecare.providers.models import (
    Admission,
    AdmissionDecision,
    FrameworkStatus,
    LeadProviderAppointment,
    LivingWageFloor,
    LowestPayAttestation,
    Subcontracting,
    SubcontractingStatus,
)

# Subcontractors the council holds to its wage floor: those working, or suspended from new work.
WORKING = (SubcontractingStatus.APPROVED, SubcontractingStatus.SUSPENDED)
# The regular carers a person's continuity is measured against.
REGULAR_CARERS = 3


def _organisation(user: User) -> Organisation | None:
    if not user.is_authenticated or user.role == Role.CARE_WORKER:
        return None
    return user.organisation


def _council_staff(user: User) -> Organisation | None:
    org = _organisation(user)
    return org if org is not None and org.is_council and permissions.sees_subcontracting(user) else None


def _provider_manager(user: User) -> Organisation | None:
    org = _organisation(user)
    return org if org is not None and org.is_provider and permissions.sees_subcontracting(user) else None


# --- scoped reads -------------------------------------------------------------------------------


def appointments_visible_to(*, user: User) -> QuerySet[LeadProviderAppointment]:
    council, provider = _council_staff(user), _provider_manager(user)
    if council is not None:
        return LeadProviderAppointment.objects.filter(council=council)
    if provider is not None:
        return LeadProviderAppointment.objects.filter(lead=provider)
    return LeadProviderAppointment.objects.none()


def appointments_list(*, user: User) -> QuerySet[LeadProviderAppointment]:
    return appointments_visible_to(user=user).select_related(
        "lead", "lot", "zone", "council", "appointed_by", "ended_by"
    )


def appointments_to_register_under(*, user: User, on: dt.date) -> list[LeadProviderAppointment]:
    """The user's organisation's lead appointments in force on a day (what a registration hangs on)."""
    provider = _provider_manager(user)
    if provider is None or not permissions.registers_subcontractors(user, provider):
        return []
    return [
        a
        for a in appointments_visible_to(user=user).select_related("council", "lot", "zone")
        if a.is_in_force_on(on)
    ]


def subcontractings_visible_to(*, user: User) -> QuerySet[Subcontracting]:
    council, provider = _council_staff(user), _provider_manager(user)
    if council is not None:
        return Subcontracting.objects.filter(council=council)
    if provider is not None:
        return Subcontracting.objects.filter(Q(lead=provider) | Q(subcontractor=provider))
    return Subcontracting.objects.none()


def subcontractings_list(*, user: User) -> QuerySet[Subcontracting]:
    return subcontractings_visible_to(user=user).select_related(
        "council", "lead", "subcontractor", "appointment__lot", "appointment__zone"
    )


def subcontracting_for_user(*, user: User, pk: int) -> Subcontracting:
    """The registration, or 404 when the user may not see it (never confirm a foreign record exists)."""
    return get_object_or_404(subcontractings_list(user=user).select_related("registered_by"), pk=pk)


def subcontracting_status_changes(*, subcontracting: Subcontracting):
    return subcontracting.status_changes.select_related("by").order_by("at", "id")


def lead_for_user(*, user: User, pk: int) -> Organisation:
    """A lead provider the user may see monitoring for: council staff, any lead their council appointed;
    a provider's managers, their own organisation when it is a lead. Else 404."""
    leads = appointments_visible_to(user=user).values("lead_id")
    return get_object_or_404(Organisation.objects.filter(pk__in=leads), pk=pk)


# --- the visit rules' questions -------------------------------------------------------------------


def working_subcontracting(*, council_id: int, lead_id: int, subcontractor_id: int) -> Subcontracting | None:
    """The live registration of a subcontractor with a lead and council (approved or suspended)."""
    return (
        Subcontracting.objects.filter(
            council_id=council_id, lead_id=lead_id, subcontractor_id=subcontractor_id, status__in=WORKING
        )
        .select_related("appointment")
        .first()
    )


def subcontractors_taking_work(*, council_id: int, lead_id: int, on: dt.date) -> list[Subcontracting]:
    """The lead's approved subcontractors with this council, under an appointment in force on the day:
    those it may give new visits to."""
    return [
        s
        for s in Subcontracting.objects.filter(
            council_id=council_id, lead_id=lead_id, status=SubcontractingStatus.APPROVED
        )
        .select_related("subcontractor", "appointment")
        .order_by("subcontractor__name")
        if s.appointment.is_in_force_on(on)
    ]


def is_subcontractor(*, organisation_id: int) -> bool:
    """Whether the organisation has ever been registered as a subcontractor (so its managers may see
    visits it delivers for a lead)."""
    return Subcontracting.objects.filter(subcontractor_id=organisation_id).exists()


# --- monitoring -------------------------------------------------------------------------------------


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From midnight starting `start` to midnight ending `end`, in London (so a BST day is 23 or 25 hours
    long at the clock changes, as it should be)."""
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=LONDON),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=LONDON),
    )


@dataclass(frozen=True)
class ContinuityFigure:
    """Continuity under the lead model for one deliverer (a lead's own staff, or one subcontractor).

    people: people with at least one completed, staffed visit by this deliverer in the period;
    carer_visits: completed visits × carers on them; regular_visits: those by each person's (up to) three
    most frequent carers with this deliverer; percent: regular_visits / carer_visits × 100 (1 place)."""

    council_id: int
    lead: Organisation
    delivered_by: Organisation  # the lead itself for its own staff
    people: int
    carer_visits: int
    regular_visits: int

    @property
    def is_lead_own(self) -> bool:
        return self.lead.pk == self.delivered_by.pk

    @property
    def percent(self) -> float | None:
        return round(100 * self.regular_visits / self.carer_visits, 1) if self.carer_visits else None


def continuity_by_deliverer(
    *, council: Organisation, start: dt.date, end: dt.date, lead: Organisation | None = None
) -> list[ContinuityFigure]:
    """Continuity of care under the lead model, per lead provider and per subcontractor: the share of
    each person's visits made by their regular (at most three most frequent) carers, summed over people.

    Counts completed visits of the council dated `start`..`end` (inclusive) whose provider is a lead the
    council has appointed (or just `lead`), split by who delivered them (`Visit.delivered_by`, blank =
    the lead's own care workers). One grouped query; the top three are picked in Python. Ordered by lead
    name, the lead's own figure first, then subcontractors by name. The caller scopes `council`.
    """
    from homecare.visits.models import VisitAssignment, VisitStatus

    leads = LeadProviderAppointment.objects.filter(council=council).values("lead_id")
    if lead is not None:
        leads = leads.filter(lead=lead)
    counts = (
        VisitAssignment.objects.filter(
            visit__council=council,
            visit__date__gte=start,
            visit__date__lte=end,
            visit__status=VisitStatus.COMPLETED,
            visit__provider_id__in=leads,
        )
        .values_list("visit__provider_id", "visit__delivered_by_id", "visit__person_id", "care_worker_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_person: dict[tuple[int, int], dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for lead_id, delivered_by_id, person_id, worker_id, n in counts:
        per_person[(lead_id, delivered_by_id or lead_id)][person_id][worker_id] += n
    organisations = Organisation.objects.in_bulk({pk for key in per_person for pk in key})
    figures = []
    for (lead_id, deliverer_id), people in per_person.items():
        total = sum(sum(c.values()) for c in people.values())
        regular = sum(sum(n for _, n in c.most_common(REGULAR_CARERS)) for c in people.values())
        figures.append(
            ContinuityFigure(
                council_id=council.pk,
                lead=organisations[lead_id],
                delivered_by=organisations[deliverer_id],
                people=len(people),
                carer_visits=total,
                regular_visits=regular,
            )
        )
    return sorted(figures, key=lambda f: (f.lead.name, not f.is_lead_own, f.delivered_by.name))


@dataclass(frozen=True)
class DeliveryFigures:
    """One deliverer's delivery for a lead in a period: the council's monitoring line."""

    delivered_by: Organisation
    is_lead_own: bool
    subcontracting: Subcontracting | None
    visits: object  # visits.selectors.DayFigures over the period
    complaints: int
    concerns: int
    continuity: ContinuityFigure | None

    @property
    def continuity_percent(self) -> float | None:
        return self.continuity.percent if self.continuity else None


def delivery_monitoring(
    *,
    council: Organisation,
    lead: Organisation,
    start: dt.date,
    end: dt.date,
    subcontractor: Organisation | None = None,
    include_lead_own: bool = True,
) -> list[DeliveryFigures]:
    """The council's monitoring of a lead and each of its subcontractors, separately: punctuality
    (on-time % of completed visits), missed visits, complaints received and safeguarding concerns raised
    in the period. A subcontractor's visits are the lead's packages' visits it delivered; its complaints
    name it; its concerns name it or arose at a visit it delivered. The lead's own line counts the rest.
    `subcontractor` narrows the lines to that one (and the lead's own, unless include_lead_own=False)."""
    from homecare.quality.models import Complaint, SafeguardingConcern
    from homecare.visits.models import Visit
    from homecare.visits.selectors import day_figures

    registrations = (
        Subcontracting.objects.filter(council=council, lead=lead)
        .exclude(status=SubcontractingStatus.REFUSED)
        .select_related("subcontractor")
        .order_by("subcontractor__name", "-registered_at")
    )
    if subcontractor is not None:
        registrations = registrations.filter(subcontractor=subcontractor)
    latest: dict[int, Subcontracting] = {}
    for s in registrations:
        latest.setdefault(s.subcontractor_id, s)
    visits = Visit.objects.filter(council=council, provider=lead, date__gte=start, date__lte=end)
    since, until = _day_bounds(start, end)
    complaints = Complaint.objects.filter(council=council, received_on__gte=start, received_on__lte=end)
    concerns = SafeguardingConcern.objects.filter(council=council, raised_at__gte=since, raised_at__lt=until)
    continuity = {
        f.delivered_by.pk: f
        for f in continuity_by_deliverer(council=council, start=start, end=end, lead=lead)
    }
    lines = []
    if include_lead_own:
        lines.append(
            DeliveryFigures(
                delivered_by=lead,
                is_lead_own=True,
                subcontracting=None,
                visits=day_figures(visits.filter(delivered_by__isnull=True)),
                complaints=complaints.filter(provider=lead).count(),
                concerns=concerns.filter(provider=lead)
                .filter(Q(visit__isnull=True) | Q(visit__delivered_by__isnull=True))
                .count(),
                continuity=continuity.get(lead.pk),
            )
        )
    for sub_id, registration in latest.items():
        lines.append(
            DeliveryFigures(
                delivered_by=registration.subcontractor,
                is_lead_own=False,
                subcontracting=registration,
                visits=day_figures(visits.filter(delivered_by_id=sub_id)),
                complaints=complaints.filter(provider_id=sub_id).count(),
                concerns=concerns.filter(
                    Q(provider_id=sub_id) | Q(visit__delivered_by_id=sub_id, visit__provider=lead)
                ).count(),
                continuity=continuity.get(sub_id),
            )
        )
    return lines


def monitoring_for_user(
    *, user: User, subcontracting: Subcontracting, start: dt.date, end: dt.date
) -> list[DeliveryFigures]:
    """The monitoring lines a user may see on a registration's page: the council and the lead see the
    subcontractor's line beside the lead's own; the subcontractor sees only its own."""
    own_line = _provider_manager(user) is None or user.organisation_id != subcontracting.subcontractor_id
    return delivery_monitoring(
        council=subcontracting.council,
        lead=subcontracting.lead,
        start=start,
        end=end,
        subcontractor=subcontracting.subcontractor,
        include_lead_own=own_line,
    )


def lead_monitoring_for_user(
    *, user: User, lead: Organisation, start: dt.date, end: dt.date
) -> list[tuple[Organisation, list[DeliveryFigures]]]:
    """A lead's own delivery and each subcontractor's, per council: the council's staff see theirs; the
    lead's managers every council that appointed it. Call with a lead from `lead_for_user`."""
    councils = Organisation.objects.filter(
        pk__in=appointments_visible_to(user=user).filter(lead=lead).values("council_id")
    ).order_by("name")
    return [
        (council, delivery_monitoring(council=council, lead=lead, start=start, end=end))
        for council in councils
    ]


# --- the living-wage floor ----------------------------------------------------------------------


def floors_for_council(*, council: Organisation) -> QuerySet[LivingWageFloor]:
    return LivingWageFloor.objects.filter(council=council).select_related("set_by")


def floor_rows(*, council: Organisation) -> list[tuple[dt.date, int, Decimal]]:
    return list(
        LivingWageFloor.objects.filter(council=council)
        .order_by("effective_from", "set_at", "id")
        .values_list("effective_from", "id", "hourly_amount")
    )


def current_floor(*, council: Organisation, on: dt.date) -> LivingWageFloor | None:
    return (
        LivingWageFloor.objects.filter(council=council, effective_from__lte=on)
        .order_by("-effective_from", "-set_at", "-id")
        .first()
    )


def organisations_held_to_floor(*, council: Organisation) -> dict[int, str]:
    """Providers admitted to the council's (unexpired) frameworks, and working subcontractors of its
    leads: {organisation id: how it works for the council}."""
    held: dict[int, str] = {}
    for provider_id in (
        Admission.objects.filter(framework__council=council, decision=AdmissionDecision.ADMITTED)
        .exclude(framework__status=FrameworkStatus.EXPIRED)
        .values_list("provider_id", flat=True)
        .distinct()
    ):
        held[provider_id] = "Framework provider"
    for sub_id, lead_name in Subcontracting.objects.filter(council=council, status__in=WORKING).values_list(
        "subcontractor_id", "lead__name"
    ):
        held.setdefault(sub_id, f"Subcontractor to {lead_name}")
    return held


def councils_for_attestation(*, organisation: Organisation) -> QuerySet[Organisation]:
    """The councils whose floor the organisation is held to (the ones it attests its pay to)."""
    admitted = (
        Admission.objects.filter(provider=organisation, decision=AdmissionDecision.ADMITTED)
        .exclude(framework__status=FrameworkStatus.EXPIRED)
        .values("framework__council_id")
    )
    subcontracted = Subcontracting.objects.filter(subcontractor=organisation, status__in=WORKING).values(
        "council_id"
    )
    return Organisation.objects.filter(Q(pk__in=admitted) | Q(pk__in=subcontracted)).order_by("name")


@dataclass(frozen=True)
class PeriodCheck:
    period_start: dt.date
    period_end: dt.date
    floor: Decimal | None
    attestation: LowestPayAttestation | None
    status: str  # met | shortfall | missing | due (period not over) | no_floor
    shortfall: Decimal | None = None

    @property
    def flagged(self) -> bool:
        return self.status in ("shortfall", "missing")


@dataclass(frozen=True)
class WageRow:
    organisation: Organisation
    relation: str
    periods: list[PeriodCheck] = field(default_factory=list)

    @property
    def flags(self) -> list[PeriodCheck]:
        return [p for p in self.periods if p.flagged]


def check_period(
    *, period_start: dt.date, floor: Decimal | None, lowest: Decimal | None, today: dt.date
) -> tuple[str, Decimal | None]:
    """One pay period's verdict: a shortfall below the floor in force on its first day, an attestation
    missing once the period is over, met, or not yet due; no floor set, no flag."""
    if floor is None:
        return "no_floor", None
    if lowest is None:
        return ("missing" if rules.pay_period_end(period_start) < today else "due"), None
    gap = rules.pay_shortfall(lowest, floor)
    return ("shortfall", gap) if gap is not None else ("met", None)


def wage_checks(
    *,
    council: Organisation,
    today: dt.date,
    organisations: list[Organisation] | None = None,
    periods: int = 4,
) -> list[WageRow]:
    """Each organisation held to the council's floor, over the current pay period and the `periods`
    before it: the latest attestation of each period against the floor in force on its first day.
    A shortfall or a missing attestation (for a period that is over) is flagged."""
    held = organisations_held_to_floor(council=council)
    if organisations is not None:
        held = {o.pk: held.get(o.pk, "Provider") for o in organisations}
    current = rules.pay_period_start(today)
    starts = [current]
    for _ in range(periods):
        starts.insert(0, rules.pay_period_start(starts[0] - dt.timedelta(days=1)))
    floors = floor_rows(council=council)
    latest: dict[tuple[int, dt.date], LowestPayAttestation] = {}
    for a in LowestPayAttestation.objects.filter(
        council=council, organisation_id__in=list(held), period_start__gte=starts[0]
    ).order_by("declared_at", "id"):
        latest[(a.organisation_id, a.period_start)] = a
    names = Organisation.objects.in_bulk(list(held))
    rows = []
    for org_id, relation in held.items():
        checks = []
        for start in starts:
            attestation = latest.get((org_id, start))
            floor = rules.floor_for_period(floors, start)
            status, gap = check_period(
                period_start=start,
                floor=floor,
                lowest=attestation.lowest_hourly_pay if attestation else None,
                today=today,
            )
            checks.append(PeriodCheck(start, rules.pay_period_end(start), floor, attestation, status, gap))
        rows.append(WageRow(names[org_id], relation, checks))
    return sorted(rows, key=lambda r: r.organisation.name)


def attestations_of(*, organisation: Organisation, councils) -> QuerySet[LowestPayAttestation]:
    return (
        LowestPayAttestation.objects.filter(organisation=organisation, council__in=councils)
        .select_related("council", "declared_by")
        .order_by("-period_start", "-declared_at", "-id")
    )
