"""Brokerage writes: send to brokerage, open rounds, respond, query, award, expire, escalate.

Every write is atomic. Rounds and cases are locked (select_for_update) where two people could act at
once; the database's unique constraints are the last word (one open round per case, one award per
round), so a race produces a clear refusal, never two awards.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from homecare.accounts.models import Organisation, Role, User
from homecare.brokerage import ranking
from homecare.brokerage.models import (
    Award,
    BrokerageCase,
    DeclineReason,
    EscalationAction,
    Offer,
    OfferRound,
    OfferStatus,
    Priority,
    QueryMessage,
    RoundStatus,
)
from homecare.people import services as people_services
from homecare.people.models import Package, PackageStatus
from homecare.platform.notifications import notify
from homecare.providers import selectors as provider_selectors
from homecare.quality.selectors import provider_quality as quality_selectors

RESPONDABLE = (OfferStatus.PENDING, OfferStatus.QUERIED, OfferStatus.ACCEPTED)


def _criteria() -> tuple[str, ...]:
    return tuple(getattr(settings, "BROKERAGE_RANKING", ranking.DEFAULT_RANKING))


def _provider_managers(provider: Organisation):
    return User.objects.filter(organisation=provider, role=Role.PROVIDER_MANAGER, is_active=True)


def _brokers(council: Organisation):
    return User.objects.filter(organisation=council, role=Role.BROKER, is_active=True)


def _framework_rules(case: BrokerageCase):
    lot = provider_selectors.live_lot_for(
        council=case.council, zone=case.package.person.zone, on=timezone.localdate()
    )
    return lot.framework if lot else None


# --- opening ------------------------------------------------------------------------------------


@transaction.atomic
def package_send_to_brokerage(
    *, actor: User, package: Package, priority: str = Priority.NORMAL, interim_arrangement: str = ""
) -> BrokerageCase:
    """Send a draft package to brokerage: confirm it, put the person on the waiting list, open round 1."""
    package = people_services.package_transition(actor=actor, package=package, transition="submit")
    case = BrokerageCase.objects.create(
        package=package,
        council=package.person.council,
        priority=priority,
        interim_arrangement=interim_arrangement,
        opened_at=package.submitted_at or timezone.now(),
    )
    round_open(case=case, actor=actor)
    return case


def _response_hours(case: BrokerageCase) -> int:
    framework = _framework_rules(case)
    return getattr(framework, "offer_response_hours", None) or settings.BROKERAGE_RESPONSE_HOURS


@transaction.atomic
def round_open(
    *, case: BrokerageCase, actor: User | None = None, widen: bool = False, announce: bool = True
) -> OfferRound:
    """Offer the package to every eligible provider, with a response deadline.

    Eligible: admitted to a live lot for the person's zone type, not suspended, not barred by rating and
    (unless widened) declaring capacity in the zone. A round with nobody to offer to closes at once.
    """
    case = BrokerageCase.objects.select_for_update().select_related("package__person__zone").get(pk=case.pk)
    if case.closed_at is not None:
        raise ValidationError("This package has already been placed")
    if case.rounds.filter(status=RoundStatus.OPEN).exists():
        raise ValidationError("An offer round is already open for this package")
    now = timezone.now()
    person = case.package.person
    eligible = provider_selectors.eligible_providers(
        council=case.council, zone=person.zone, on=timezone.localdate(), widen=widen
    )
    number = (case.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    offer_round = OfferRound.objects.create(
        case=case,
        number=number,
        widened=widen,
        opened_at=now,
        deadline=now + dt.timedelta(hours=_response_hours(case)),
    )
    Offer.objects.bulk_create(
        [
            Offer(
                round=offer_round,
                provider=e.provider,
                lot=e.lot,
                quality_score=e.quality_score,
                price_score=e.price_score,
            )
            for e in eligible
        ]
    )
    if not eligible:
        offer_round.status = RoundStatus.EXPIRED
        offer_round.closed_at = now
        offer_round.save(update_fields=["status", "closed_at"])
        _check_hard_to_place(case, now=now)
        return offer_round
    if not announce:  # loading historical or demo data: nobody needs telling
        return offer_round
    reply_by = timezone.localtime(offer_round.deadline)
    managers = User.objects.filter(
        organisation__in=[e.provider for e in eligible], role=Role.PROVIDER_MANAGER, is_active=True
    )
    notify(
        recipients=managers,
        text=f"New offer in {person.zone.name}: reply by {reply_by:%-d %b %H:%M}",
        link=reverse("brokerage:offers"),
    )
    return offer_round


# --- provider responses -------------------------------------------------------------------------


def _respondable_offer(*, offer: Offer, actor: User) -> Offer:
    offer = Offer.objects.select_for_update().select_related("round", "round__case").get(pk=offer.pk)
    if actor.organisation_id != offer.provider_id:
        raise ValidationError("Only the provider the offer was made to can respond")
    if offer.round.status != RoundStatus.OPEN:
        raise ValidationError("This offer round has closed")
    if timezone.now() > offer.round.deadline:
        raise ValidationError(
            f"The deadline for responses was {timezone.localtime(offer.round.deadline):%-d %B %Y at %H:%M}"
        )
    if offer.status not in RESPONDABLE:
        raise ValidationError(f"This offer can no longer be answered ({offer.get_status_display().lower()})")
    return offer


def _record_response(offer: Offer, actor: User, status: str) -> None:
    offer.status = status
    offer.responded_at = timezone.now()
    offer.responded_by = actor
    offer.save()


@transaction.atomic
def offer_accept(*, actor: User, offer: Offer, earliest_start: dt.date) -> Offer:
    offer = _respondable_offer(offer=offer, actor=actor)
    if earliest_start < timezone.localdate():
        raise ValidationError({"earliest_start": "The earliest start date cannot be in the past"})
    offer.earliest_start = earliest_start
    offer.decline_reason = ""
    _record_response(offer, actor, OfferStatus.ACCEPTED)
    notify(
        recipients=_brokers(offer.round.case.council),
        text=f"{offer.provider} accepted {offer.round.case.package} from {earliest_start:%-d %b}",
        link=reverse("brokerage:case", args=[offer.round.case.package_id]),
    )
    return offer


@transaction.atomic
def offer_decline(*, actor: User, offer: Offer, reason: str, note: str = "") -> Offer:
    offer = _respondable_offer(offer=offer, actor=actor)
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": "Choose a reason for declining"})
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": "Say why you are declining"})
    offer.decline_reason = reason
    offer.decline_note = note.strip()
    offer.earliest_start = None
    _record_response(offer, actor, OfferStatus.DECLINED)
    return offer


@transaction.atomic
def offer_query(*, actor: User, offer: Offer, text: str) -> QueryMessage:
    """A provider queries the time or tasks: the broker sees it on the case and can reply or amend."""
    offer = _respondable_offer(offer=offer, actor=actor)
    if not text.strip():
        raise ValidationError({"text": "Enter your query about the time or tasks"})
    _record_response(offer, actor, OfferStatus.QUERIED)
    message = QueryMessage.objects.create(offer=offer, author=actor, text=text.strip(), at=timezone.now())
    notify(
        recipients=_brokers(offer.round.case.council),
        text=f"{offer.provider} queried {offer.round.case.package}",
        link=reverse("brokerage:case", args=[offer.round.case.package_id]),
    )
    return message


@transaction.atomic
def query_reply(*, actor: User, offer: Offer, text: str, refer_to_practitioner: bool = False) -> QueryMessage:
    """The broker answers a query. Referring it passes the thread to the practitioner who wrote the
    support plan (they can amend the package, which the provider then sees on the offer)."""
    if not text.strip():
        raise ValidationError({"text": "Enter your reply"})
    message = QueryMessage.objects.create(offer=offer, author=actor, text=text.strip(), at=timezone.now())
    notify(
        recipients=_provider_managers(offer.provider),
        text="The council replied to your query",
        link=reverse("brokerage:offer", args=[offer.pk]),
    )
    if refer_to_practitioner:
        package = offer.round.case.package
        practitioner = package.support_plan.author
        queries = " / ".join(m.text for m in offer.messages.order_by("at", "id") if m.author_id != actor.pk)
        notify(
            recipients=[practitioner] if practitioner.is_active else _brokers(offer.round.case.council),
            text=f"Provider query on {package.reference} needs your review: {queries}"[:300],
            link=reverse("people:package", args=[package.pk]),
        )
    return message


# --- award --------------------------------------------------------------------------------------


def candidates(offer_round: OfferRound) -> list[ranking.Candidate]:
    """Accepted offers, ranked by the configured criteria (with the council's quality score of today)."""
    package = offer_round.case.package
    accepted = list(offer_round.offers.filter(status=OfferStatus.ACCEPTED).select_related("provider"))
    continuing = set(
        Package.objects.filter(
            person_id=package.person_id,
            provider_id__in=[o.provider_id for o in accepted],
            status__in=[PackageStatus.ACTIVE, PackageStatus.ON_HOLD],
        )
        .exclude(pk=package.pk)
        .values_list("provider_id", flat=True)
    )
    quality = quality_selectors.provider_quality_scores(
        council=offer_round.case.council, provider_ids=[o.provider_id for o in accepted]
    )
    return ranking.rank(
        [
            ranking.Candidate(
                offer_id=o.pk,
                provider=o.provider.name,
                continuity=o.provider_id in continuing,
                earliest_start=o.earliest_start,
                quality=o.quality_score,
                price=o.price_score,
                provider_quality=quality[o.provider_id].score,
            )
            for o in accepted
        ],
        _criteria(),
    )


@transaction.atomic
def round_award(*, actor: User, offer_round: OfferRound, offer: Offer, override_reason: str = "") -> Award:
    """Award the package. Exactly one award per round, to an accepted offer of a still-eligible provider;
    choosing other than the top of the ranking needs a reason. Activates the package with that provider."""
    offer_round = (
        OfferRound.objects.select_for_update()
        .select_related("case__package__person__zone")
        .get(pk=offer_round.pk)
    )
    if offer_round.status == RoundStatus.AWARDED or hasattr(offer_round, "award"):
        raise ValidationError("This round has already been awarded")
    if offer_round.status != RoundStatus.OPEN:
        raise ValidationError("This round is closed")
    offer = Offer.objects.select_related("provider", "lot__framework").get(pk=offer.pk)
    if offer.round_id != offer_round.pk:
        raise ValidationError("That offer belongs to another round")
    if offer.status != OfferStatus.ACCEPTED:
        raise ValidationError(f"{offer.provider} has not accepted this offer")
    case = offer_round.case
    person = case.package.person
    problem = provider_selectors.ineligibility_reason(
        provider=offer.provider, council=case.council, zone=person.zone, on=timezone.localdate()
    )
    if problem:
        raise ValidationError(problem)
    ranked = candidates(offer_round)
    if ranked and ranked[0].offer_id != offer.pk and not override_reason.strip():
        raise ValidationError({"override_reason": f"Say why you are not awarding to {ranked[0].provider}"})
    now = timezone.now()
    rate = None
    if offer.lot_id:
        quote = provider_selectors.rate_for(
            framework=offer.lot.framework,
            lot=offer.lot,
            area_type=person.zone.area_type,
            care_type="day",
            on=offer.earliest_start,
        )
        rate = quote.rate_card if quote else None
    try:
        with transaction.atomic():
            award = Award.objects.create(
                round=offer_round,
                offer=offer,
                provider=offer.provider,
                start_date=offer.earliest_start,
                awarded_by=actor,
                awarded_at=now,
                ranking=[
                    {
                        "rank": i,
                        "provider": c.provider,
                        "offer": c.offer_id,
                        "continuity": c.continuity,
                        "earliest_start": c.earliest_start.isoformat(),
                        "provider_quality": str(c.provider_quality),
                        "quality": str(c.quality),
                        "price": str(c.price),
                    }
                    for i, c in enumerate(ranked, start=1)
                ],
                override_reason=override_reason.strip(),
                rate_card=rate,
            )
    except IntegrityError as exc:
        raise ValidationError("This round has already been awarded") from exc
    offer_round.offers.filter(pk=offer.pk).update(status=OfferStatus.AWARDED)
    offer_round.offers.exclude(pk=offer.pk).filter(status__in=RESPONDABLE).update(
        status=OfferStatus.NOT_AWARDED
    )
    offer_round.status = RoundStatus.AWARDED
    offer_round.closed_at = now
    offer_round.save(update_fields=["status", "closed_at"])
    case.closed_at = now
    case.save(update_fields=["closed_at"])
    people_services.package_transition(
        actor=actor,
        package=case.package,
        transition="start",
        provider=offer.provider,
        reason=f"Awarded in round {offer_round.number}",
    )
    notify(
        recipients=_provider_managers(offer.provider),
        text=f"You have been awarded {case.package}",
        link=reverse("people:package", args=[case.package_id]),
    )
    others = offer_round.offers.exclude(pk=offer.pk).values_list("provider_id", flat=True)
    notify(
        recipients=User.objects.filter(organisation_id__in=others, role=Role.PROVIDER_MANAGER),
        text=f"Offer round closed: {person.zone.name} package placed with another provider",
        link=reverse("brokerage:offers"),
    )
    return award


# --- expiry and hard to place ------------------------------------------------------------------


def _check_hard_to_place(case: BrokerageCase, *, now) -> bool:
    if case.hard_to_place_at is not None:
        return True
    framework = _framework_rules(case)
    max_rounds = (
        getattr(framework, "hard_to_place_after_rounds", None) or settings.BROKERAGE_HARD_TO_PLACE_ROUNDS
    )
    max_days = getattr(framework, "hard_to_place_after_days", None) or settings.BROKERAGE_HARD_TO_PLACE_DAYS
    unfilled = case.rounds.filter(status=RoundStatus.EXPIRED).count()
    if unfilled >= max_rounds or (now - case.opened_at) >= dt.timedelta(days=max_days):
        case.hard_to_place_at = now
        case.save(update_fields=["hard_to_place_at"])
        notify(
            recipients=_brokers(case.council),
            text=f"{case.package} is hard to place",
            link=reverse("brokerage:case", args=[case.package_id]),
        )
        return True
    return False


@transaction.atomic
def round_expire(*, offer_round: OfferRound, now=None) -> OfferRound:
    """Close a round past its deadline with no acceptance, and re-run it with widened eligibility."""
    now = now or timezone.now()
    offer_round = OfferRound.objects.select_for_update().select_related("case").get(pk=offer_round.pk)
    if offer_round.status != RoundStatus.OPEN or offer_round.deadline > now:
        return offer_round
    if offer_round.offers.filter(status=OfferStatus.ACCEPTED).exists():
        return offer_round  # acceptances wait for the broker's award
    offer_round.offers.filter(status__in=[OfferStatus.PENDING, OfferStatus.QUERIED]).update(
        status=OfferStatus.EXPIRED
    )
    offer_round.status = RoundStatus.EXPIRED
    offer_round.closed_at = now
    offer_round.save(update_fields=["status", "closed_at"])
    _check_hard_to_place(offer_round.case, now=now)
    round_open(case=offer_round.case, widen=True)
    return offer_round


def rounds_expire_due(*, now=None) -> int:
    """The job behind `manage.py expire_offer_rounds` (run every few minutes by cron or the worker)."""
    now = now or timezone.now()
    due = (
        OfferRound.objects.filter(status=RoundStatus.OPEN, deadline__lt=now)
        .filter(~Q(offers__status=OfferStatus.ACCEPTED))
        .distinct()
    )
    count = 0
    for offer_round in due:
        round_expire(offer_round=offer_round, now=now)
        count += 1
    return count


@transaction.atomic
def case_escalate(
    *, actor: User, case: BrokerageCase, action: str, note: str, interim_arrangement: str = ""
) -> BrokerageCase:
    """Record what the council is doing for a hard-to-place person (reablement, alternative, review)."""
    case = BrokerageCase.objects.select_for_update().get(pk=case.pk)
    if action not in EscalationAction.values:
        raise ValidationError({"action": "Choose what is being done"})
    if not note.strip():
        raise ValidationError({"note": "Describe the arrangement or the review"})
    case.escalation_action = action
    case.escalation_note = note.strip()
    case.escalated_by = actor
    if interim_arrangement.strip():
        case.interim_arrangement = interim_arrangement.strip()
    case.save()
    return case


@transaction.atomic
def case_update(
    *, actor: User, case: BrokerageCase, priority: str, interim_arrangement: str
) -> BrokerageCase:
    if priority not in Priority.values:
        raise ValidationError({"priority": "Choose a priority"})
    case = BrokerageCase.objects.select_for_update().get(pk=case.pk)
    case.priority = priority
    case.interim_arrangement = interim_arrangement.strip()
    case.save(update_fields=["priority", "interim_arrangement"])
    return case
