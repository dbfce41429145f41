"""Writes for what the planner knows about people: care workers' profiles and availability, absences,
and a person's rota preferences. Each is for the actor's own provider only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Role, User
from homecare.people.models import Person
from homecare.rostering.adapters import delivered_by
from homecare.rostering.models import (
    Absence,
    AbsenceReason,
    Availability,
    CareWorkerProfile,
    Gender,
    PersonRotaPreferences,
    Skill,
    TravelMode,
)
from homecare.visits.models import Visit

MAX_REGULAR_CARERS = 3


def require_planner(actor: User, provider_id: int | None) -> None:
    if not (
        permissions.plans_rotas(actor) and provider_id is not None and actor.organisation_id == provider_id
    ):
        raise PermissionDenied("Only the provider's managers plan its rotas")


def own_care_worker(actor: User, care_worker: User) -> User:
    require_planner(actor, actor.organisation_id)
    if care_worker.role != Role.CARE_WORKER or care_worker.organisation_id != actor.organisation_id:
        raise ValidationError({"care_worker": "Choose one of your own care workers"})
    return care_worker


@dataclass(frozen=True)
class ProfileDetails:
    skills: tuple[str, ...] = ()
    gender: str = ""
    languages: tuple[str, ...] = ("English",)
    travel_mode: str = TravelMode.CAR
    home_latitude: Decimal | None = None
    home_longitude: Decimal | None = None
    home_area_type: str = "urban"
    contracted_hours: Decimal = Decimal("0")
    max_minutes_per_day: int = 600
    # (weekday Monday = 0, starts, ends); a split shift is two windows on one day
    availability: tuple[tuple[int, dt.time, dt.time], ...] = ()


def _check_profile(details: ProfileDetails) -> None:
    errors: dict[str, str] = {}
    unknown = set(details.skills) - set(Skill.values)
    if unknown:
        errors["skills"] = f"Unknown skill: {', '.join(sorted(unknown))}"
    if details.gender and details.gender not in Gender.values:
        errors["gender"] = "Choose female, male or leave it blank"
    if details.travel_mode not in TravelMode.values:
        errors["travel_mode"] = "Choose car or on foot"
    if (details.home_latitude is None) != (details.home_longitude is None):
        errors["home_latitude"] = "Enter both the latitude and the longitude of the home, or neither"
    if details.home_latitude is not None and not -90 <= details.home_latitude <= 90:
        errors["home_latitude"] = "Latitude must be between -90 and 90"
    if details.home_longitude is not None and not -180 <= details.home_longitude <= 180:
        errors["home_longitude"] = "Longitude must be between -180 and 180"
    if not Decimal("0") <= details.contracted_hours <= Decimal("60"):
        errors["contracted_hours"] = "Contracted hours must be between 0 and 60 a week"
    if not 30 <= details.max_minutes_per_day <= 960:
        errors["max_minutes_per_day"] = "The most a day must be between 30 minutes and 16 hours"
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, starts, ends in details.availability:
        if not 0 <= weekday <= 6:
            errors["availability"] = "A shift's day must be Monday to Sunday"
        elif ends <= starts:
            errors["availability"] = f"A shift must end after it starts ({starts:%H:%M}–{ends:%H:%M})"
        by_day.setdefault(weekday, []).append((starts, ends))
    for windows in by_day.values():
        windows.sort()
        for (_, end_a), (start_b, _) in zip(windows, windows[1:], strict=False):
            if start_b < end_a:
                errors["availability"] = "Two shifts on one day overlap"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def profile_save(*, actor: User, care_worker: User, details: ProfileDetails) -> CareWorkerProfile:
    """Create or change a care worker's profile and replace their weekly availability. The previous
    version of both is kept in their history."""
    own_care_worker(actor, care_worker)
    _check_profile(details)
    profile = CareWorkerProfile.objects.select_for_update().filter(care_worker=care_worker).first()
    if profile is None:
        profile = CareWorkerProfile(care_worker=care_worker, provider_id=care_worker.organisation_id)
    profile.skills = sorted(set(details.skills))
    profile.gender = details.gender
    profile.languages = [lang.strip() for lang in details.languages if lang.strip()]
    profile.travel_mode = details.travel_mode
    profile.home_latitude, profile.home_longitude = details.home_latitude, details.home_longitude
    profile.home_area_type = details.home_area_type
    profile.contracted_hours = details.contracted_hours
    profile.max_minutes_per_day = details.max_minutes_per_day
    profile.updated_at, profile.updated_by = timezone.now(), actor
    profile.save()
    wanted = sorted(set(details.availability))
    have = sorted((a.weekday, a.starts_at, a.ends_at) for a in profile.availability.all())
    if wanted != have:
        for row in profile.availability.all():
            row.delete()  # one by one, so the history records each
        for weekday, starts, ends in wanted:
            Availability.objects.create(profile=profile, weekday=weekday, starts_at=starts, ends_at=ends)
    return profile


@transaction.atomic
def absence_record(
    *,
    actor: User,
    care_worker: User,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str = AbsenceReason.SICKNESS,
    note: str = "",
) -> Absence:
    own_care_worker(actor, care_worker)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day off must be on or after the first"})
    if reason not in AbsenceReason.values:
        raise ValidationError({"reason": "Choose sickness, leave or other"})
    return Absence.objects.create(
        care_worker=care_worker,
        provider_id=care_worker.organisation_id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        note=note[:300],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )


@transaction.atomic
def preferences_save(
    *,
    actor: User,
    person: Person,
    required_skills: tuple[str, ...] = (),
    preferred_gender: str = "",
    preferred_language: str = "",
    regular_carers: tuple[User, ...] = (),
) -> PersonRotaPreferences:
    """What the provider plans a person's visits by. Only for someone the provider visits; regular
    carers are at most three of its own care workers."""
    require_planner(actor, actor.organisation_id)
    provider_id = actor.organisation_id
    if not Visit.objects.filter(delivered_by(provider_id), person=person).exists():
        raise PermissionDenied("You do not visit this person")
    errors: dict[str, str] = {}
    unknown = set(required_skills) - set(Skill.values)
    if unknown:
        errors["required_skills"] = f"Unknown skill: {', '.join(sorted(unknown))}"
    if preferred_gender and preferred_gender not in Gender.values:
        errors["preferred_gender"] = "Choose female, male or no preference"
    carers = list(dict.fromkeys(regular_carers))
    if len(carers) > MAX_REGULAR_CARERS:
        errors["regular_carers"] = f"Choose at most {MAX_REGULAR_CARERS} regular carers"
    if any(c.role != Role.CARE_WORKER or c.organisation_id != provider_id for c in carers):
        errors["regular_carers"] = "Choose your own care workers"
    if errors:
        raise ValidationError(errors)
    prefs = (
        PersonRotaPreferences.objects.select_for_update()
        .filter(provider_id=provider_id, person=person)
        .first()
    )
    if prefs is None:
        prefs = PersonRotaPreferences(provider_id=provider_id, person=person)
    prefs.required_skills = sorted(set(required_skills))
    prefs.preferred_gender = preferred_gender
    prefs.preferred_language = preferred_language.strip()[:60]
    prefs.updated_at, prefs.updated_by = timezone.now(), actor
    prefs.save()
    prefs.regular_carers.set(carers)
    return prefs
