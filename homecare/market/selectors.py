"""Scoped reads for market oversight, and what the platform already knows for a sitrep.

Who sees what: a council's commissioners, analysts, brokers (and administrators) see the sitreps of every
provider on its live frameworks; a provider's managers see their own, to every council; the NHS partner
sees market summaries for its council (oversight.py) but no provider's sitrep; everyone else none. A
record outside the user's scope is a 404.

A provider owes a council sitreps while it is admitted to a lot of one of that council's live
frameworks; each sitrep is to one council, on that council's schedule, about its work for that council.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.market import opel, schedule
from homecare.market.models import OpelRule, RegionalBenchmark, Sitrep, SitrepSchedule
from homecare.people.models import Package, PackageStatus
from homecare.providers.models import Admission, AdmissionDecision, CapacityDeclaration, FrameworkStatus, Zone
from homecare.visits.models import Visit, VisitStatus

# Council roles that oversee the market (brokers use "able to take new packages").
MARKET_ROLES = frozenset({Role.COMMISSIONER, Role.ANALYST, Role.BROKER, Role.ADMINISTRATOR})
PROVIDER_ROLES = frozenset({Role.PROVIDER_MANAGER, Role.ADMINISTRATOR})
# Visits that were due to happen (planned ahead and cancelled ones are not), as the council board counts.
DUE_STATUSES = (VisitStatus.COMPLETED, VisitStatus.MISSED, VisitStatus.IN_PROGRESS, VisitStatus.LATE)
DEFAULT_BENCHMARK = Decimal("90.0")
HOURS = Decimal("0.01")


def _organisation(user: User) -> Organisation | None:
    if not user.is_authenticated or user.organisation_id is None or user.role == Role.CARE_WORKER:
        return None
    return user.organisation


def market_council(*, user: User) -> Organisation | None:
    """The council whose market the user looks at: their own, or the NHS partner's council."""
    org = _organisation(user)
    if org is None:
        return None
    if org.is_council:
        return org
    if org.is_nhs_partner:
        return org.partner_council
    return None


def _live_admissions(council_ref) -> QuerySet[Admission]:
    return Admission.objects.filter(
        decision=AdmissionDecision.ADMITTED,
        framework__council=council_ref,
        framework__status=FrameworkStatus.LIVE,
    )


def providers_reporting_to(*, council: Organisation) -> QuerySet[Organisation]:
    """Providers that owe the council sitreps: admitted to a lot of one of its live frameworks."""
    admitted = _live_admissions(council).filter(provider=OuterRef("pk"))
    return (
        Organisation.objects.filter(type=OrganisationType.PROVIDER).filter(Exists(admitted)).order_by("name")
    )


def reporting_since(*, council: Organisation) -> dict[int, dt.datetime]:
    """When each reporting provider was first admitted (it owes no sitrep that fell due before)."""
    return dict(
        _live_admissions(council)
        .values("provider_id")
        .annotate(first=Min("decided_at"))
        .values_list("provider_id", "first")
    )


def councils_for_provider(*, provider: Organisation) -> QuerySet[Organisation]:
    """Councils the provider owes sitreps to."""
    admitted = _live_admissions(OuterRef("pk")).filter(provider=provider)
    return (
        Organisation.objects.filter(type=OrganisationType.COUNCIL).filter(Exists(admitted)).order_by("name")
    )


def councils_with_live_frameworks() -> QuerySet[Organisation]:
    admitted = _live_admissions(OuterRef("pk"))
    return (
        Organisation.objects.filter(type=OrganisationType.COUNCIL).filter(Exists(admitted)).order_by("name")
    )


def market_providers_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Council staff: the providers on their council's live frameworks (the role decides what they may
    open); a provider's managers: their own organisation; everyone else: none."""
    org = _organisation(user)
    if org is None:
        return Organisation.objects.none()
    if org.is_council:
        return providers_reporting_to(council=org)
    if org.is_provider and user.role in PROVIDER_ROLES:
        return Organisation.objects.filter(pk=org.pk)
    return Organisation.objects.none()


def market_provider_for_user(*, user: User, pk: int) -> Organisation:
    return get_object_or_404(market_providers_visible_to(user=user), pk=pk)


def sitreps_visible_to(*, user: User) -> QuerySet[Sitrep]:
    """Every version of every sitrep the user may read."""
    org = _organisation(user)
    if org is None:
        return Sitrep.objects.none()
    if org.is_council and user.role in MARKET_ROLES:
        return Sitrep.objects.filter(council=org)
    if org.is_provider and user.role in PROVIDER_ROLES:
        return Sitrep.objects.filter(provider=org)
    return Sitrep.objects.none()


def sitrep_for_user(*, user: User, pk: int) -> Sitrep:
    return get_object_or_404(
        sitreps_visible_to(user=user).select_related("council", "provider", "submitted_by", "amends"), pk=pk
    )


def council_for_submission(*, user: User, council_pk: int) -> Organisation:
    """A council the user's provider owes sitreps to, or 404."""
    org = _organisation(user)
    if org is None or not org.is_provider or user.role not in PROVIDER_ROLES:
        return get_object_or_404(Organisation.objects.none(), pk=council_pk)
    return get_object_or_404(councils_for_provider(provider=org), pk=council_pk)


def current_versions(sitreps: QuerySet[Sitrep]) -> QuerySet[Sitrep]:
    """Only the latest version of each slot's sitrep (the rows nobody has amended)."""
    return sitreps.filter(amendment__isnull=True)


def sitrep_versions(*, sitrep: Sitrep) -> list[Sitrep]:
    """Every version of this sitrep's slot, the original first."""
    return list(
        Sitrep.objects.filter(council=sitrep.council, provider=sitrep.provider, due_at=sitrep.due_at)
        .select_related("submitted_by")
        .prefetch_related("zone_capacity__zone")
        .order_by("submitted_at", "id")
    )


def latest_sitrep(*, council: Organisation, provider: Organisation) -> Sitrep | None:
    return (
        current_versions(Sitrep.objects.filter(council=council, provider=provider))
        .prefetch_related("zone_capacity")
        .order_by("-due_at")
        .first()
    )


def submitted_slots(*, council: Organisation, provider: Organisation, since: dt.datetime) -> set[dt.datetime]:
    return set(
        Sitrep.objects.filter(council=council, provider=provider, due_at__gte=since).values_list(
            "due_at", flat=True
        )
    )


def providers_submitted_for(*, council: Organisation, due_at: dt.datetime) -> set[int]:
    return set(Sitrep.objects.filter(council=council, due_at=due_at).values_list("provider_id", flat=True))


# --- the council's settings -------------------------------------------------------------------------


def schedules_for(*, council: Organisation) -> list[schedule.Schedule]:
    rows = SitrepSchedule.objects.filter(council=council).order_by("effective_from", "id")
    return [row.as_schedule() for row in rows]


def schedule_history(*, council: Organisation) -> QuerySet[SitrepSchedule]:
    return (
        SitrepSchedule.objects.filter(council=council)
        .select_related("set_by")
        .order_by("-effective_from", "-id")
    )


def rules_for(*, council: Organisation) -> list[opel.Rule]:
    """The council's rules table: its own rows where it has set them, the defaults elsewhere."""
    own = {(r.measure, r.level): r.as_rule() for r in OpelRule.objects.filter(council=council)}
    return [own.get((d.measure, d.level), d) for d in opel.DEFAULT_RULES]


def rule_history(*, council: Organisation):
    return (
        OpelRule.history.filter(council_id=council.pk)
        .select_related("history_user")
        .order_by("-history_date")[:50]
    )


@dataclass(frozen=True)
class Benchmark:
    staff_availability_percent: Decimal
    source: str
    effective_from: dt.date | None
    is_default: bool


def benchmark_for(*, council: Organisation, on: dt.date) -> Benchmark:
    row = (
        RegionalBenchmark.objects.filter(council=council, effective_from__lte=on)
        .order_by("-effective_from", "-recorded_at", "-id")
        .first()
    )
    if row is None:
        return Benchmark(DEFAULT_BENCHMARK, "Default until the regional figure is recorded", None, True)
    return Benchmark(row.staff_availability_percent, row.source, row.effective_from, False)


def benchmark_history(*, council: Organisation) -> QuerySet[RegionalBenchmark]:
    return RegionalBenchmark.objects.filter(council=council).select_related("recorded_by")


# --- what the platform knows --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformFigures:
    people_supported: int  # people with an active package awarded to the provider, now
    hours_delivered: Decimal  # completed visits' real minutes over the period, in hours (2 dp, half up)
    visits_due: int
    visits_missed: int


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def people_supported_by_provider(
    *, council: Organisation, providers: list[int] | None = None
) -> dict[int, int]:
    """People with an active package awarded to each provider, for the council's people, now."""
    packages = Package.objects.filter(
        status=PackageStatus.ACTIVE, person__council=council, provider__isnull=False
    )
    if providers is not None:
        packages = packages.filter(provider_id__in=providers)
    return dict(
        packages.order_by()
        .values("provider_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("provider_id", "n")
    )


def platform_figures_by_provider(
    *, council: Organisation, start: dt.date, end: dt.date, providers: list[int] | None = None
) -> dict[int, PlatformFigures]:
    """People supported now and call-monitoring figures for the London days start..end (inclusive), per
    provider, in two grouped queries."""
    visits = Visit.objects.filter(council=council, date__gte=start, date__lte=end, provider__isnull=False)
    if providers is not None:
        visits = visits.filter(provider_id__in=providers)
    people = people_supported_by_provider(council=council, providers=providers)
    delivery = {
        row["provider_id"]: row
        for row in visits.order_by()
        .values("provider_id")
        .annotate(
            minutes=Sum("actual_minutes", filter=Q(status=VisitStatus.COMPLETED)),
            due=Count("id", filter=Q(status__in=DUE_STATUSES)),
            missed=Count("id", filter=Q(status=VisitStatus.MISSED)),
        )
    }
    figures = {}
    for provider_id in set(people) | set(delivery) | set(providers or ()):
        row = delivery.get(provider_id, {})
        figures[provider_id] = PlatformFigures(
            people_supported=people.get(provider_id, 0),
            hours_delivered=_hours(row.get("minutes")),
            visits_due=row.get("due", 0),
            visits_missed=row.get("missed", 0),
        )
    return figures


def platform_figures(
    *, council: Organisation, provider: Organisation, start: dt.date, end: dt.date
) -> PlatformFigures:
    return platform_figures_by_provider(council=council, start=start, end=end, providers=[provider.pk])[
        provider.pk
    ]


def month_delivery(*, council: Organisation, start: dt.date, end: dt.date) -> dict[int, tuple[int, Decimal]]:
    """People who had a completed visit and hours delivered, per provider, over start..end inclusive."""
    rows = (
        Visit.objects.filter(
            council=council,
            date__gte=start,
            date__lte=end,
            status=VisitStatus.COMPLETED,
            provider__isnull=False,
        )
        .order_by()
        .values("provider_id")
        .annotate(people=Count("person_id", distinct=True), minutes=Sum("actual_minutes"))
    )
    return {r["provider_id"]: (r["people"], _hours(r["minutes"])) for r in rows}


def current_capacity(*, council: Organisation, provider: Organisation) -> dict[int, Decimal]:
    """The provider's latest capacity declaration in each of the council's zones (hours a week)."""
    latest: dict[int, Decimal] = {}
    for zone_id, hours in (
        CapacityDeclaration.objects.filter(provider=provider, zone__council=council)
        .order_by("declared_at", "id")
        .values_list("zone_id", "hours_per_week")
    ):
        latest[zone_id] = hours
    return latest


def council_zones(*, council: Organisation) -> list[Zone]:
    return list(Zone.objects.filter(council=council).order_by("name"))


def provider_managers(*, provider: Organisation) -> QuerySet[User]:
    return User.objects.filter(organisation=provider, role=Role.PROVIDER_MANAGER, is_active=True)


def council_staff(*, council: Organisation, roles) -> QuerySet[User]:
    return User.objects.filter(organisation=council, role__in=roles, is_active=True)
