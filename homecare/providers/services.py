"""Writes for the provider framework. Each is keyword-only, atomic, validated and audited.

Services raise django.core.exceptions.ValidationError keyed by field with messages a commissioner can
act on; views show them in the GOV.UK error summary. Evidence (ratings, declarations, capacity, rate
cards, status changes) is append-only: a correction is a new row, and the old one stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from homecare.accounts.models import Organisation, User
from homecare.platform.audit import save_audited
from homecare.providers import rules, state
from homecare.providers.models import (
    BARRABLE_RATINGS,
    ETHICAL_STANDARDS,
    Admission,
    AdmissionDecision,
    CapacityDeclaration,
    CqcRating,
    EthicalEmploymentDeclaration,
    Framework,
    FrameworkStatus,
    FrameworkStatusChange,
    Lot,
    ProviderProfile,
    RateCard,
    Rating,
    Service,
    Suspension,
    Zone,
)

# Admissions are decided while tenders are evaluated, or on a live framework that re-opens a lot.
ADMITTING_STATUSES = (FrameworkStatus.EVALUATING, FrameworkStatus.LIVE)
MAX_WEEKLY_CAPACITY = Decimal("10000")


def _care_types() -> set[str]:
    from homecare.people.models import CareType

    return set(CareType.values)


def _require_provider(provider: Organisation, field: str = "provider") -> None:
    if not provider.is_provider:
        raise ValidationError({field: "Choose a provider"})


def _require_council(council: Organisation) -> None:
    if not council.is_council:
        raise ValidationError({"council": "Only a council runs a framework or suspends a provider"})


# --- frameworks ---------------------------------------------------------------------------------


def _clean_barred(barred_ratings: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(barred_ratings))
    if any(r not in BARRABLE_RATINGS for r in chosen):
        raise ValidationError({"barred_ratings": "Only Requires Improvement and Inadequate can be barred"})
    return [r for r in BARRABLE_RATINGS if r in chosen]  # a stable order for display and comparison


@transaction.atomic
def framework_create(
    *,
    actor: User,
    council: Organisation,
    name: str,
    reference: str,
    start_date: dt.date,
    term_years: int = 4,
    extension_years: int = 1,
    quality_weight_percent: Decimal = Decimal("60"),
    price_weight_percent: Decimal = Decimal("40"),
    barred_ratings: Iterable[str] = (),
    offer_response_hours: int = 24,
    hard_to_place_after_rounds: int = 3,
    hard_to_place_after_days: int = 5,
) -> Framework:
    """A draft framework with its first status row. Guarantees weights total 100% and a unique reference."""
    _require_council(council)
    errors: dict[str, str] = {}
    problem = rules.weights_problem(quality_weight_percent, price_weight_percent)
    if problem:
        errors["quality_weight_percent"] = problem
    if term_years < 1:
        errors["term_years"] = "A framework runs for at least a year"
    if not name.strip():
        errors["name"] = "Enter the framework's name"
    reference = reference.strip().upper()
    if not reference:
        errors["reference"] = "Enter the framework's reference"
    elif Framework.objects.filter(council=council, reference=reference).exists():
        errors["reference"] = "Another framework already has this reference"
    for field, value in (
        ("offer_response_hours", offer_response_hours),
        ("hard_to_place_after_rounds", hard_to_place_after_rounds),
        ("hard_to_place_after_days", hard_to_place_after_days),
    ):
        if value < 1:
            errors[field] = "Enter a number of 1 or more"
    if errors:
        raise ValidationError(errors)
    framework = Framework(
        council=council,
        name=name.strip(),
        reference=reference,
        start_date=start_date,
        term_years=term_years,
        extension_years=extension_years,
        quality_weight_percent=quality_weight_percent,
        price_weight_percent=price_weight_percent,
        barred_ratings=_clean_barred(barred_ratings),
        offer_response_hours=offer_response_hours,
        hard_to_place_after_rounds=hard_to_place_after_rounds,
        hard_to_place_after_days=hard_to_place_after_days,
        created_by=actor,
    )
    save_audited(framework, actor=actor, reason="Framework drafted")
    FrameworkStatusChange.objects.create(
        framework=framework, from_status="", to_status=FrameworkStatus.DRAFT, at=timezone.now(), by=actor
    )
    return framework


@transaction.atomic
def framework_set_barred_ratings(
    *, actor: User, framework: Framework, barred_ratings: Iterable[str], reason: str
) -> Framework:
    """Change which CQC ratings bar new placements. Takes effect for the next offer round."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for the change"})
    framework.barred_ratings = _clean_barred(barred_ratings)
    save_audited(framework, actor=actor, reason=reason.strip())
    return framework


def _check_ready_for_standstill(framework: Framework) -> None:
    if not framework.admissions.filter(decision=AdmissionDecision.ADMITTED).exists():
        raise ValidationError("Admit at least one provider before announcing decisions")


def _check_ready_to_go_live(framework: Framework) -> None:
    lots = list(framework.lots.all())
    admitted_lots = set(
        framework.admissions.filter(decision=AdmissionDecision.ADMITTED).values_list("lot_id", flat=True)
    )
    if not admitted_lots:
        raise ValidationError("A framework needs at least one lot with an admitted provider to go live")
    priced_lots = set(framework.rate_cards.values_list("lot_id", flat=True))
    unpriced = [lot.name for lot in lots if lot.pk not in priced_lots]
    if unpriced:
        raise ValidationError(
            f"Add a rate card for every lot before going live (missing: {', '.join(unpriced)})"
        )


@transaction.atomic
def framework_transition(
    *, actor: User, framework: Framework, transition: str, reason: str = ""
) -> Framework:
    """Move the framework through its lifecycle and write an immutable status row. The row is locked, so
    two commissioners pressing the same button make one transition, not two."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    step = state.transition_for(transition, framework.status)
    if step.needs_reason and not reason.strip():
        raise ValidationError({"reason": "Enter the reason"})
    if step.name == "standstill":
        _check_ready_for_standstill(framework)
    if step.name == "go_live":
        _check_ready_to_go_live(framework)
    previous = framework.status
    framework.status = step.target
    save_audited(framework, actor=actor, reason=reason.strip() or step.label)
    FrameworkStatusChange.objects.create(
        framework=framework,
        from_status=previous,
        to_status=step.target,
        at=timezone.now(),
        by=actor,
        reason=reason.strip(),
    )
    return framework


@transaction.atomic
def lot_add(*, actor: User, framework: Framework, service: str, area_type: str, name: str = "") -> Lot:
    """Add a lot (one service in urban or rural zones). One lot per service and area type."""
    if framework.status == FrameworkStatus.EXPIRED:
        raise ValidationError("An expired framework cannot have new lots")
    if service not in Service.values:
        raise ValidationError({"service": "Choose a service"})
    from homecare.providers.models import AreaType

    if area_type not in AreaType.values:
        raise ValidationError({"area_type": "Choose urban or rural"})
    if Lot.objects.filter(framework=framework, service=service, area_type=area_type).exists():
        raise ValidationError({"service": "This framework already has a lot for that service and area type"})
    lot = Lot(
        framework=framework,
        service=service,
        area_type=area_type,
        name=name.strip() or f"{Service(service).label} – {AreaType(area_type).label.lower()} zones",
    )
    save_audited(lot, actor=actor, reason="Lot added")
    return lot


# --- admissions ---------------------------------------------------------------------------------


@transaction.atomic
def admission_record(
    *,
    actor: User,
    lot: Lot,
    provider: Organisation,
    quality_score: Decimal,
    price_score: Decimal,
    decision: str,
    reason: str = "",
) -> Admission:
    """Record (or revise) the tender evaluation of a provider for a lot. The weighted score is worked out
    with the framework's weights and stored with the decision. Only while evaluating, or on a live
    framework; a revision is kept in the admission's history."""
    framework = Framework.objects.select_for_update().get(pk=lot.framework_id)
    if framework.status not in ADMITTING_STATUSES:
        raise ValidationError(
            f"Admissions are recorded while tenders are evaluated or the framework is live "
            f"(it is {framework.get_status_display().lower()})"
        )
    _require_provider(provider)
    errors: dict[str, str] = {}
    for field, score in (("quality_score", quality_score), ("price_score", price_score)):
        problem = rules.score_problem(score)
        if problem:
            errors[field] = problem
    if decision not in AdmissionDecision.values:
        errors["decision"] = "Choose admitted or not admitted"
    if decision == AdmissionDecision.NOT_ADMITTED and not reason.strip():
        errors["reason"] = "Enter the reason the provider was not admitted"
    if errors:
        raise ValidationError(errors)
    admission = Admission.objects.filter(lot=lot, provider=provider).first() or Admission(
        framework=framework, lot=lot, provider=provider
    )
    revising = admission.pk is not None
    admission.quality_score = quality_score
    admission.price_score = price_score
    admission.weighted_score = rules.weighted_score(
        quality_score=quality_score,
        price_score=price_score,
        quality_weight=framework.quality_weight_percent,
        price_weight=framework.price_weight_percent,
    )
    admission.decision = decision
    admission.reason = reason.strip()
    admission.decided_by = actor
    admission.decided_at = timezone.now()
    save_audited(admission, actor=actor, reason="Admission revised" if revising else "Admission decided")
    return admission


# --- the provider's record ----------------------------------------------------------------------


@transaction.atomic
def provider_profile_save(
    *,
    actor: User,
    provider: Organisation,
    cqc_location_id: str,
    registered_on: dt.date | None = None,
    registered_manager: str = "",
    phone: str = "",
    email: str = "",
) -> ProviderProfile:
    _require_provider(provider)
    cqc_location_id = (cqc_location_id or "").strip()
    problem = rules.cqc_location_id_problem(cqc_location_id)
    if problem:
        raise ValidationError({"cqc_location_id": problem})
    if registered_on is not None and registered_on > timezone.localdate():
        raise ValidationError({"registered_on": "Registration date must be today or in the past"})
    number = to_python(phone) if phone else None
    if number is not None and not number.is_valid():
        raise ValidationError({"phone": "Enter a UK phone number, like 0116 496 0123"})
    profile = ProviderProfile.objects.filter(provider=provider).first() or ProviderProfile(provider=provider)
    creating = profile.pk is None
    profile.cqc_location_id = cqc_location_id
    profile.registered_on = registered_on
    profile.registered_manager = registered_manager.strip()
    profile.phone = number or ""
    profile.email = (email or "").strip()
    save_audited(profile, actor=actor, reason="Profile recorded" if creating else "Profile updated")
    return profile


@transaction.atomic
def rating_record(*, actor: User, provider: Organisation, rating: str, rated_on: dt.date) -> CqcRating:
    """Record a CQC rating as published. Earlier ratings stay; the one with the latest date is current."""
    _require_provider(provider)
    if rating not in Rating.values:
        raise ValidationError({"rating": "Choose the CQC rating"})
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": "The rating date must be today or in the past"})
    return CqcRating.objects.create(
        provider=provider, rating=rating, rated_on=rated_on, recorded_by=actor, recorded_at=timezone.now()
    )


@transaction.atomic
def ethical_declaration_record(
    *, actor: User, provider: Organisation, framework: Framework, **standards: bool
) -> EthicalEmploymentDeclaration:
    """A provider declares which Ethical Employment Standards it meets. Supersedes the last declaration."""
    _require_provider(provider)
    known = {name for name, _ in ETHICAL_STANDARDS}
    unknown = set(standards) - known
    if unknown:
        raise ValueError(f"Unknown ethical employment standards: {sorted(unknown)}")
    if not Admission.objects.filter(
        framework=framework, provider=provider, decision=AdmissionDecision.ADMITTED
    ).exists():
        raise ValidationError({"framework": "Choose a framework the provider is admitted to"})
    return EthicalEmploymentDeclaration.objects.create(
        provider=provider,
        framework=framework,
        declared_by=actor,
        declared_at=timezone.now(),
        **{name: bool(standards.get(name, False)) for name in known},
    )


def _current_capacity(provider: Organisation, zone: Zone) -> Decimal | None:
    latest = (
        CapacityDeclaration.objects.filter(provider=provider, zone=zone)
        .order_by("-declared_at", "-id")
        .first()
    )
    return latest.hours_per_week if latest else None


@transaction.atomic
def capacity_declare(
    *, actor: User, provider: Organisation, zone: Zone, hours_per_week: Decimal
) -> CapacityDeclaration:
    """Declare the hours a week a provider can take on in a zone (0: none). The latest is current."""
    _require_provider(provider)
    if hours_per_week < 0:
        raise ValidationError({"hours_per_week": "Hours a week cannot be negative"})
    if hours_per_week > MAX_WEEKLY_CAPACITY:
        raise ValidationError({"hours_per_week": f"Enter {MAX_WEEKLY_CAPACITY:,} hours a week or fewer"})
    return CapacityDeclaration.objects.create(
        provider=provider,
        zone=zone,
        hours_per_week=Decimal(hours_per_week).quantize(Decimal("0.01")),
        declared_by=actor,
        declared_at=timezone.now(),
    )


@transaction.atomic
def capacity_declare_many(
    *, actor: User, provider: Organisation, hours_by_zone: Mapping[Zone, Decimal | None]
) -> list[CapacityDeclaration]:
    """Declare capacity for several zones at once; only zones whose hours changed get a new row."""
    errors = {
        f"zone_{zone.pk}": "Hours a week cannot be negative"
        for zone, hours in hours_by_zone.items()
        if hours is not None and hours < 0
    }
    if errors:
        raise ValidationError(errors)
    made = []
    for zone, hours in hours_by_zone.items():
        if hours is None or _current_capacity(provider, zone) == hours:
            continue
        made.append(capacity_declare(actor=actor, provider=provider, zone=zone, hours_per_week=hours))
    return made


# --- suspensions --------------------------------------------------------------------------------


@transaction.atomic
def suspension_start(
    *,
    actor: User,
    provider: Organisation,
    council: Organisation,
    reason: str,
    starts_on: dt.date,
    review_on: dt.date | None = None,
) -> Suspension:
    """Suspend a provider from the council's new placements. Existing packages are not affected."""
    _require_provider(provider)
    _require_council(council)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Enter the reason for the suspension"
    if review_on is not None and review_on < starts_on:
        errors["review_on"] = "The review date must be on or after the start date"
    if errors:
        raise ValidationError(errors)
    # Lock the provider's suspensions for this council so two commissioners cannot open two at once.
    open_ones = Suspension.objects.select_for_update().filter(
        provider=provider, council=council, ended_on__isnull=True
    )
    if open_ones.exists():
        raise ValidationError("This provider is already suspended; end that suspension first")
    suspension = Suspension(
        provider=provider,
        council=council,
        reason=reason.strip(),
        starts_on=starts_on,
        review_on=review_on,
        created_by=actor,
    )
    save_audited(suspension, actor=actor, reason="Suspended from new placements")
    return suspension


@transaction.atomic
def suspension_end(*, actor: User, suspension: Suspension, ended_on: dt.date, end_reason: str) -> Suspension:
    """End a suspension: from `ended_on` the provider may take new placements again."""
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.ended_on is not None:
        raise ValidationError("This suspension has already ended")
    errors: dict[str, str] = {}
    if ended_on < suspension.starts_on:
        errors["ended_on"] = f"The end date must be on or after {rules.long_date(suspension.starts_on)}"
    if not end_reason.strip():
        errors["end_reason"] = "Enter the reason the suspension is ending"
    if errors:
        raise ValidationError(errors)
    suspension.ended_on = ended_on
    suspension.ended_by = actor
    suspension.end_reason = end_reason.strip()
    save_audited(suspension, actor=actor, reason=end_reason.strip())
    return suspension


# --- rate cards ---------------------------------------------------------------------------------


@transaction.atomic
def rate_card_add(
    *,
    actor: User,
    lot: Lot,
    care_type: str,
    amount: Decimal,
    effective_from: dt.date,
    weekend_enhancement_percent: Decimal = Decimal("0"),
    bank_holiday_enhancement_percent: Decimal = Decimal("0"),
    reason: str = "",
    area_type: str | None = None,
) -> RateCard:
    """Add a rate from a date (future dates allowed: uplifts are agreed ahead). Rates are never edited:
    a second rate for the same lot, care type and date is refused, so the rate on any date is
    unambiguous."""
    framework = lot.framework
    area_type = area_type or lot.area_type
    errors: dict[str, str] = {}
    if framework.status == FrameworkStatus.EXPIRED:
        raise ValidationError("An expired framework cannot have new rates")
    if area_type != lot.area_type:
        errors["area_type"] = f"This lot is for {lot.get_area_type_display().lower()} zones"
    if care_type not in _care_types():
        errors["care_type"] = "Choose day care, waking night or sleep-in"
    if amount is None or amount <= 0:
        errors["amount"] = "Enter an amount more than £0"
    elif amount != amount.quantize(rules.PENNIES):
        errors["amount"] = "Enter an amount in pounds and pence, like 24.20"
    for field, value in (
        ("weekend_enhancement_percent", weekend_enhancement_percent),
        ("bank_holiday_enhancement_percent", bank_holiday_enhancement_percent),
    ):
        if value < 0 or value > 200:
            errors[field] = "Enter an enhancement from 0% to 200%"
    if errors:
        raise ValidationError(errors)
    duplicate = RateCard.objects.filter(
        framework=framework, lot=lot, area_type=area_type, care_type=care_type, effective_from=effective_from
    ).first()
    if duplicate is not None:
        raise ValidationError({"effective_from": _duplicate_message(duplicate)})
    card = RateCard(
        framework=framework,
        lot=lot,
        area_type=area_type,
        care_type=care_type,
        amount=amount,
        effective_from=effective_from,
        weekend_enhancement_percent=weekend_enhancement_percent,
        bank_holiday_enhancement_percent=bank_holiday_enhancement_percent,
        reason=reason.strip(),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError as exc:
        # Two commissioners adding the same date at once: the constraint has the last word.
        raise ValidationError({"effective_from": _duplicate_message(card)}) from exc
    return card


def _duplicate_message(card: RateCard) -> str:
    from homecare.people.models import CareType

    return (
        f"There is already a {CareType(card.care_type).label.lower()} rate for {card.lot.name} from "
        f"{rules.long_date(card.effective_from)}. Rates are never changed: add the new rate from "
        f"another date"
    )
