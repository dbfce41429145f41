"""Reads of the provider framework.

Two kinds: the framework's rules that brokerage calls (`eligible_providers`, `ineligibility_reason`,
`rate_for`, `live_lot_for`, `current_rating`), and reads for pages scoped to the user's organisation.
Council staff see their council's frameworks and every provider's profile and ratings (CQC ratings
are public), but only their own council's suspensions, capacity in their zones and admissions; the NHS
partner sees its partner council's frameworks, read-only; a provider sees only its own organisation
and the frameworks it is admitted to; care workers see none of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.platform.calendar import is_bank_holiday, is_weekend
from homecare.providers import rules
from homecare.providers.models import (
    Admission,
    AdmissionDecision,
    AreaType,
    CapacityDeclaration,
    CqcRating,
    EthicalEmploymentDeclaration,
    Framework,
    FrameworkStatus,
    Lot,
    ProviderProfile,
    RateCard,
    Rating,
    Service,
    Suspension,
    Zone,
)


def zones_for_council(*, council: Organisation) -> QuerySet[Zone]:
    return Zone.objects.filter(council=council).order_by("name")


# --- what brokerage asks ------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibleProvider:
    provider: Organisation
    framework: Framework
    lot: Lot
    quality_score: Decimal  # from the Admission
    price_score: Decimal
    weighted_score: Decimal
    capacity_hours: Decimal  # current declared hours a week in the zone (0 when none)
    cqc_rating: str | None  # current rating value


def _current_rating_value(provider_ref) -> Subquery:
    return Subquery(
        CqcRating.objects.filter(provider=provider_ref)
        .order_by("-rated_on", "-recorded_at", "-id")
        .values("rating")[:1]
    )


def _suspended_on(*, council: Organisation, on: dt.date, provider_ref) -> Exists:
    return Exists(
        Suspension.objects.filter(provider=provider_ref, council=council, starts_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on)
        )
    )


def _live_admissions(*, council: Organisation, area_type: str, service: str) -> QuerySet[Admission]:
    return Admission.objects.filter(
        decision=AdmissionDecision.ADMITTED,
        framework__council=council,
        framework__status=FrameworkStatus.LIVE,
        lot__service=service,
        lot__area_type=area_type,
    )


def eligible_providers(
    *, council: Organisation, zone: Zone, on: dt.date, service: str = "homecare", widen: bool = False
) -> list[EligibleProvider]:
    """Providers a package in `zone` may be offered to on `on`, best tender score first (then by name).

    Admitted to a lot of one of the council's live frameworks for this service and the zone's area type;
    not suspended by the council on that date; current CQC rating not barred by that framework; and,
    unless `widen`, a current capacity declaration for the zone of more than 0 hours. A provider
    admitted to two live frameworks appears once, for its best score.

    One query whatever the number of providers: rating, capacity and suspension are subqueries.
    """
    admissions = (
        _live_admissions(council=council, area_type=zone.area_type, service=service)
        .annotate(
            current_rating=_current_rating_value(OuterRef("provider")),
            suspended=_suspended_on(council=council, on=on, provider_ref=OuterRef("provider")),
            capacity=Subquery(
                CapacityDeclaration.objects.filter(provider=OuterRef("provider"), zone=zone)
                .order_by("-declared_at", "-id")
                .values("hours_per_week")[:1]
            ),
        )
        .filter(suspended=False)
        .select_related("provider", "lot", "framework")
        .order_by("-weighted_score", "provider__name", "provider_id", "-framework__start_date")
    )
    if not widen:
        admissions = admissions.filter(capacity__gt=0)
    eligible: list[EligibleProvider] = []
    seen: set[int] = set()
    for a in admissions:
        if a.provider_id in seen or a.framework.bars(a.current_rating):
            continue
        seen.add(a.provider_id)
        eligible.append(
            EligibleProvider(
                provider=a.provider,
                framework=a.framework,
                lot=a.lot,
                quality_score=a.quality_score,
                price_score=a.price_score,
                weighted_score=a.weighted_score,
                capacity_hours=a.capacity if a.capacity is not None else Decimal("0"),
                cqc_rating=a.current_rating,
            )
        )
    return eligible


def ineligibility_reason(
    *, provider: Organisation, council: Organisation, zone: Zone, on: dt.date, service: str = "homecare"
) -> str | None:
    """None when the provider may be offered a package in the zone (capacity aside), else why not, in a
    sentence a broker understands."""
    name = provider.name
    suspension = (
        Suspension.objects.filter(provider=provider, council=council, starts_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .order_by("-starts_on")
        .first()
    )
    if suspension is not None:
        review = f" (review on {rules.long_date(suspension.review_on)})" if suspension.review_on else ""
        return f"{name} is suspended from new placements{review}"
    admissions = list(
        _live_admissions(council=council, area_type=zone.area_type, service=service)
        .filter(provider=provider)
        .select_related("framework")
    )
    if not admissions:
        service_label = Service(service).label.lower() if service in Service.values else service
        area = AreaType(zone.area_type).label.lower()
        return f"{name} is not admitted to a live {service_label} lot for {area} zones"
    rating = current_rating(provider=provider)
    value = rating.rating if rating else None
    if all(a.framework.bars(value) for a in admissions):
        return f"{name} is rated {Rating(value).label}, which this framework bars"
    return None


@dataclass(frozen=True)
class RateQuote:
    rate_card: RateCard
    base_amount: Decimal
    enhancement_percent: Decimal
    amount: Decimal  # base × (1 + enhancement/100), quantized to 0.01 with ROUND_HALF_UP
    per: str  # "hour" or "night"


def rate_card_on(
    *, framework: Framework, lot: Lot, area_type: str, care_type: str, on: dt.date
) -> RateCard | None:
    """The rate card in force on a date: the latest effective_from on or before it."""
    return (
        RateCard.objects.filter(
            framework=framework, lot=lot, area_type=area_type, care_type=care_type, effective_from__lte=on
        )
        .order_by("-effective_from")
        .first()
    )


def quote(card: RateCard, on: dt.date) -> RateQuote:
    """The price of a rate card on a day: a bank holiday's enhancement wins over the weekend's."""
    enhancement = rules.enhancement_for(
        is_bank_holiday=is_bank_holiday(on),
        is_weekend=is_weekend(on),
        weekend_percent=card.weekend_enhancement_percent,
        bank_holiday_percent=card.bank_holiday_enhancement_percent,
    )
    return RateQuote(
        rate_card=card,
        base_amount=card.amount,
        enhancement_percent=enhancement,
        amount=rules.enhanced_amount(card.amount, enhancement),
        per=card.per,
    )


def rate_for(
    *, framework: Framework, lot: Lot, area_type: str, care_type: str, on: dt.date
) -> RateQuote | None:
    """What the council pays per hour (per night for a sleep-in) on a date, enhancement included; None
    before the first rate."""
    card = rate_card_on(framework=framework, lot=lot, area_type=area_type, care_type=care_type, on=on)
    return quote(card, on) if card else None


def live_lot_for(*, council: Organisation, zone: Zone, on: dt.date, service: str = "homecare") -> Lot | None:
    """The lot of the council's live framework for this service and the zone's area type. Should two be
    live while one hands over to the next, the latest to have started by `on` wins."""
    lots = list(
        Lot.objects.filter(
            framework__council=council,
            framework__status=FrameworkStatus.LIVE,
            service=service,
            area_type=zone.area_type,
        )
        .select_related("framework")
        .order_by("-framework__start_date", "-id")
    )
    started = [lot for lot in lots if lot.framework.start_date <= on]
    return (started or lots or [None])[0]


def current_rating(*, provider: Organisation) -> CqcRating | None:
    return CqcRating.objects.filter(provider=provider).order_by("-rated_on", "-recorded_at", "-id").first()


# --- scoped reads for pages ---------------------------------------------------------------------


def _organisation(user: User) -> Organisation | None:
    if not user.is_authenticated or user.organisation_id is None or user.role == Role.CARE_WORKER:
        return None
    return user.organisation


def frameworks_visible_to(*, user: User) -> QuerySet[Framework]:
    org = _organisation(user)
    if org is None:
        return Framework.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return Framework.objects.filter(council=org)
    if org.type == OrganisationType.NHS_PARTNER:
        return Framework.objects.filter(council_id=org.partner_council_id)
    if org.type == OrganisationType.PROVIDER:
        admitted = Admission.objects.filter(
            framework=OuterRef("pk"), provider=org, decision=AdmissionDecision.ADMITTED
        )
        return Framework.objects.filter(Exists(admitted))
    return Framework.objects.none()


def providers_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Council staff see every provider; a provider sees only itself; others none."""
    org = _organisation(user)
    if org is None:
        return Organisation.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return Organisation.objects.filter(type=OrganisationType.PROVIDER)
    if org.type == OrganisationType.PROVIDER:
        return Organisation.objects.filter(pk=org.pk)
    return Organisation.objects.none()


def _council_of(user: User) -> Organisation | None:
    org = _organisation(user)
    return org if org is not None and org.is_council else None


def suspensions_visible_to(*, user: User) -> QuerySet[Suspension]:
    org = _organisation(user)
    if org is None:
        return Suspension.objects.none()
    if org.is_council:
        return Suspension.objects.filter(council=org)
    if org.is_provider:
        return Suspension.objects.filter(provider=org)
    return Suspension.objects.none()


def framework_for_user(*, user: User, pk: int) -> Framework:
    """The framework, or 404 when the user may not see it (never confirm a foreign record exists)."""
    return get_object_or_404(frameworks_visible_to(user=user).select_related("council", "created_by"), pk=pk)


def lot_for_user(*, user: User, pk: int) -> Lot:
    return get_object_or_404(
        Lot.objects.filter(framework__in=frameworks_visible_to(user=user)).select_related("framework"), pk=pk
    )


def provider_for_user(*, user: User, pk: int) -> Organisation:
    return get_object_or_404(providers_visible_to(user=user), pk=pk)


def suspension_for_user(*, user: User, pk: int) -> Suspension:
    return get_object_or_404(suspensions_visible_to(user=user).select_related("provider"), pk=pk)


def frameworks_list(*, user: User) -> QuerySet[Framework]:
    return frameworks_visible_to(user=user).select_related("council").order_by("-start_date", "name")


def framework_lots(*, framework: Framework) -> list[Lot]:
    """Lots with their admissions (best first) and rate cards (oldest first), in three queries."""
    return list(
        framework.lots.prefetch_related(
            Prefetch(
                "admissions",
                queryset=Admission.objects.select_related("provider", "decided_by").order_by(
                    "decision", "-weighted_score", "provider__name"
                ),
            ),
            Prefetch(
                "rate_cards",
                queryset=RateCard.objects.select_related("created_by").order_by(
                    "care_type", "effective_from"
                ),
            ),
        ).order_by("service", "area_type")
    )


def framework_status_changes(*, framework: Framework):
    return framework.status_changes.select_related("by").order_by("at", "id")


def admitted_frameworks(*, provider: Organisation, user: User) -> QuerySet[Framework]:
    """Frameworks (that the user may see) the provider is admitted to."""
    admitted = Admission.objects.filter(
        framework=OuterRef("pk"), provider=provider, decision=AdmissionDecision.ADMITTED
    )
    return frameworks_visible_to(user=user).filter(Exists(admitted)).order_by("-start_date")


@dataclass(frozen=True)
class ProviderRecord:
    """Everything a page shows about one provider, already scoped to the viewer."""

    provider: Organisation
    profile: ProviderProfile | None
    ratings: list[CqcRating]
    admissions: list[Admission]
    declarations: list[EthicalEmploymentDeclaration]
    capacity: list[tuple[Zone, CapacityDeclaration | None]]
    suspensions: list[Suspension]

    @property
    def current_rating(self) -> CqcRating | None:
        return self.ratings[0] if self.ratings else None

    @property
    def current_declaration(self) -> EthicalEmploymentDeclaration | None:
        return self.declarations[0] if self.declarations else None


def _capacity_zones(*, user: User, provider: Organisation) -> QuerySet[Zone]:
    """A council sees capacity in its own zones; a provider in every zone it has declared for, and in
    the zones of the councils whose frameworks it is admitted to."""
    org = _organisation(user)
    if org is None:
        return Zone.objects.none()
    if org.is_council:
        return Zone.objects.filter(council=org)
    councils = frameworks_visible_to(user=user).values("council_id")
    declared = CapacityDeclaration.objects.filter(provider=provider).values("zone_id")
    return Zone.objects.filter(Q(council_id__in=councils) | Q(pk__in=declared))


def provider_record(*, user: User, provider: Organisation) -> ProviderRecord:
    """The provider's record as the user may see it. Call with a provider from `provider_for_user`."""
    zones = list(
        _capacity_zones(user=user, provider=provider).select_related("council").order_by("council", "name")
    )
    latest: dict[int, CapacityDeclaration] = {}
    for row in CapacityDeclaration.objects.filter(provider=provider, zone__in=zones).order_by(
        "declared_at", "id"
    ):
        latest[row.zone_id] = row
    frameworks = frameworks_visible_to(user=user)
    return ProviderRecord(
        provider=provider,
        profile=ProviderProfile.objects.filter(provider=provider).first(),
        ratings=list(
            provider.cqc_ratings.select_related("recorded_by").order_by("-rated_on", "-recorded_at", "-id")
        ),
        admissions=list(
            Admission.objects.filter(provider=provider, framework__in=frameworks)
            .select_related("framework", "lot")
            .order_by("-framework__start_date", "lot__service", "lot__area_type")
        ),
        declarations=list(
            EthicalEmploymentDeclaration.objects.filter(provider=provider, framework__in=frameworks)
            .select_related("framework", "declared_by")
            .order_by("-declared_at", "-id")
        ),
        capacity=[(zone, latest.get(zone.pk)) for zone in zones],
        suspensions=list(
            suspensions_visible_to(user=user)
            .filter(provider=provider)
            .select_related("created_by", "ended_by", "council")
        ),
    )


@dataclass(frozen=True)
class ProviderRow:
    provider: Organisation
    rating: str | None
    rated_on: dt.date | None
    suspended: bool
    zones: list[tuple[str, Decimal]]  # zone name, hours a week (> 0)
    frameworks: list[str]


def provider_rows(*, user: User, on: dt.date) -> list[ProviderRow]:
    """The providers list: one row per visible provider, in a fixed number of queries."""
    council = _council_of(user)
    providers = (
        providers_visible_to(user=user)
        .annotate(
            current_rating=_current_rating_value(OuterRef("pk")),
            current_rated_on=Subquery(
                CqcRating.objects.filter(provider=OuterRef("pk"))
                .order_by("-rated_on", "-recorded_at", "-id")
                .values("rated_on")[:1]
            ),
        )
        .order_by("name")
    )
    if council is not None:
        providers = providers.annotate(
            suspended=_suspended_on(council=council, on=on, provider_ref=OuterRef("pk"))
        )
    providers = list(providers)
    ids = [p.pk for p in providers]
    zone_scope = Zone.objects.filter(council=council) if council else Zone.objects.all()
    capacity: dict[int, dict[str, Decimal]] = {}
    for row in (
        CapacityDeclaration.objects.filter(provider_id__in=ids, zone__in=zone_scope)
        .select_related("zone")
        .order_by("declared_at", "id")
    ):
        capacity.setdefault(row.provider_id, {})[row.zone.name] = row.hours_per_week
    frameworks: dict[int, list[str]] = {}
    for provider_id, name in (
        Admission.objects.filter(
            provider_id__in=ids,
            decision=AdmissionDecision.ADMITTED,
            framework__in=frameworks_visible_to(user=user),
        )
        .values_list("provider_id", "framework__name")
        .distinct()
        .order_by("framework__name")
    ):
        frameworks.setdefault(provider_id, []).append(name)
    suspended_suspension = {
        s.provider_id
        for s in suspensions_visible_to(user=user).filter(provider_id__in=ids)
        if s.is_active_on(on)
    }
    return [
        ProviderRow(
            provider=p,
            rating=p.current_rating,
            rated_on=p.current_rated_on,
            suspended=getattr(p, "suspended", p.pk in suspended_suspension),
            zones=sorted((z, h) for z, h in capacity.get(p.pk, {}).items() if h > 0),
            frameworks=list(dict.fromkeys(frameworks.get(p.pk, []))),
        )
        for p in providers
    ]


def frameworks_for_declaration(*, provider: Organisation) -> QuerySet[Framework]:
    """Frameworks the provider is admitted to (the ones its ethical employment declaration is for)."""
    admitted = Admission.objects.filter(
        framework=OuterRef("pk"), provider=provider, decision=AdmissionDecision.ADMITTED
    )
    return (
        Framework.objects.filter(Exists(admitted))
        .exclude(status=FrameworkStatus.EXPIRED)
        .order_by("-start_date")
    )


def providers_for_admission(*, user: User) -> QuerySet[Organisation]:
    return providers_visible_to(user=user).order_by("name")


def zones_for_capacity(*, user: User, provider: Organisation) -> QuerySet[Zone]:
    """Zones a capacity form offers: the council's own, or for a provider those of councils whose
    frameworks it is admitted to."""
    return (
        _capacity_zones(user=user, provider=provider)
        .select_related("council")
        .order_by("council__name", "name")
    )


def current_capacity(*, provider: Organisation, zones) -> dict[int, Decimal]:
    latest: dict[int, Decimal] = {}
    for row in CapacityDeclaration.objects.filter(provider=provider, zone__in=zones).order_by(
        "declared_at", "id"
    ):
        latest[row.zone_id] = row.hours_per_week
    return latest
