"""Market oversight writes: the schedule, the OPEL rules and benchmark, sitreps and their amendments, and
the reminders job. Each is keyword-only and atomic; bad input raises ValidationError keyed by field, with a
message the user can act on, and nothing is written.

Sitreps, schedules and benchmarks are append-only (a change is a new row; the old one stays). OPEL rule
cells are edited in place through `save_audited`, so django-simple-history keeps each earlier value with
who changed it and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, Role, User
from homecare.market import opel, oversight, schedule, selectors
from homecare.market.models import (
    OpelRule,
    OutbreakStatus,
    RegionalBenchmark,
    ReminderKind,
    Sitrep,
    SitrepReminder,
    SitrepSchedule,
    SitrepZoneCapacity,
)
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify

MAX_COUNT = 100_000
MAX_HOURS = Decimal("1000000")
MAX_ZONE_HOURS = Decimal("10000")


def _london_day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%A %-d %B %Y at %H:%M}"


# --- the council's settings ---------------------------------------------------------------------------


def _require_configures(actor: User, council: Organisation) -> None:
    if not permissions.configures_market(actor) or actor.organisation_id != council.pk:
        raise PermissionDenied("Only the council's commissioners may change market oversight settings")


@transaction.atomic
def sitrep_schedule_set(
    *,
    council: Organisation,
    frequency: str,
    weekdays: list[int],
    due_time: dt.time,
    reminder_hours: int,
    reason: str,
    actor: User,
    now: dt.datetime | None = None,
) -> SitrepSchedule:
    """A new schedule, in force from now (earlier slots keep the schedule they fell due under). The
    providers that report to the council are told."""
    _require_configures(actor, council)
    errors = schedule.schedule_errors(
        frequency=frequency, weekdays=weekdays, due_time=due_time, reminder_hours=reminder_hours
    )
    if not reason.strip():
        errors["reason"] = "Say why the schedule is changing (for example, winter surge)"
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    row = SitrepSchedule(
        council=council,
        frequency=frequency,
        first_weekday=weekdays[0],
        second_weekday=weekdays[1] if len(weekdays) > 1 else None,
        due_time=due_time,
        reminder_hours=reminder_hours,
        effective_from=now,
        reason=reason.strip(),
        set_by=actor,
        set_at=now,
    )
    row.save()
    managers = [
        user
        for provider in selectors.providers_reporting_to(council=council)
        for user in selectors.provider_managers(provider=provider)
    ]
    notify(
        recipients=managers,
        text=f"Sitreps to {council.name}: {row.as_schedule().describe}",
        link=reverse("market:sitreps"),
    )
    return row


@transaction.atomic
def opel_rules_update(*, council: Organisation, rules: Iterable[opel.Rule], reason: str, actor: User) -> int:
    """Change cells of the council's OPEL rules table; returns how many changed. The whole table must stay
    sound (opel.rule_errors); each changed cell's history records the actor and the reason."""
    _require_configures(actor, council)
    proposed = {(r.measure, r.level): r for r in rules}
    table = [proposed.pop((r.measure, r.level), r) for r in selectors.rules_for(council=council)]
    errors = opel.rule_errors(table)
    errors.update({f"{measure}_{level}": "Unknown rule" for measure, level in proposed})
    if not reason.strip():
        errors["reason"] = "Say why the rules are changing"
    if errors:
        raise ValidationError(errors)
    stored = {(r.measure, r.level): r for r in OpelRule.objects.select_for_update().filter(council=council)}
    current = {(r.measure, r.level): r for r in table}
    before = {(r.measure, r.level): r for r in selectors.rules_for(council=council)}
    changed = 0
    try:
        # Existing cells are locked above; two people writing a council's first change to the same cell
        # at once meet the unique constraint, and the second is asked to look again.
        with transaction.atomic():
            for key, rule in current.items():
                if (before[key].threshold, before[key].active) == (rule.threshold, rule.active):
                    continue
                row = stored.get(key) or OpelRule(council=council, measure=rule.measure, level=rule.level)
                row.threshold, row.active = rule.threshold, rule.active
                save_audited(row, actor=actor, reason=reason.strip())
                changed += 1
    except IntegrityError:
        raise ValidationError(
            "Someone else changed the rules at the same moment: look at them again"
        ) from None
    if not changed:
        raise ValidationError("Nothing has changed: change a threshold or switch a rule on or off")
    return changed


@transaction.atomic
def benchmark_record(
    *,
    council: Organisation,
    staff_availability_percent: Decimal,
    source: str,
    effective_from: dt.date,
    actor: User,
    now: dt.datetime | None = None,
) -> RegionalBenchmark:
    """Record the region's staff availability % from a date (the latest on or before a day applies)."""
    _require_configures(actor, council)
    errors = {}
    if not Decimal(0) <= staff_availability_percent <= Decimal(100):
        errors["staff_availability_percent"] = "Enter a percentage from 0 to 100"
    if not source.strip():
        errors["source"] = "Say where the figure comes from (for example, the regional ADASS sitrep)"
    if errors:
        raise ValidationError(errors)
    row = RegionalBenchmark(
        council=council,
        staff_availability_percent=staff_availability_percent.quantize(opel.ONE_DP),
        source=source.strip(),
        effective_from=effective_from,
        recorded_by=actor,
        recorded_at=now or timezone.now(),
    )
    row.save()
    return row


# --- sitreps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitrepFigures:
    """What the provider reports (people supported and hours delivered come pre-filled)."""

    staff_in_post: int
    absent_sickness: int
    absent_isolation: int
    absent_leave: int
    absent_other: int
    vacancies: int
    agency_staff: int
    agency_hours: Decimal
    ppe_stock_days: int
    outbreak_status: str
    bcp_reviewed_on: dt.date
    can_take_new_packages: bool
    people_supported: int
    hours_delivered: Decimal
    staff_flu_vaccinated: int | None = None
    staff_covid_vaccinated: int | None = None
    notes: str = ""
    spare_hours: Mapping[int, Decimal] = field(default_factory=dict)  # zone id → hours a week

    def as_fields(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "spare_hours"}


COUNTS = (
    "staff_in_post",
    "absent_sickness",
    "absent_isolation",
    "absent_leave",
    "absent_other",
    "vacancies",
    "agency_staff",
    "ppe_stock_days",
    "people_supported",
)


def _validate(figures: SitrepFigures, *, council: Organisation, today: dt.date) -> None:
    errors: dict[str, str] = {}
    for name in COUNTS:
        if not 0 <= getattr(figures, name) <= MAX_COUNT:
            errors[name] = f"Enter a whole number from 0 to {MAX_COUNT:,}"
    for name in ("agency_hours", "hours_delivered"):
        if not Decimal(0) <= getattr(figures, name) <= MAX_HOURS:
            errors[name] = "Enter a number of hours, 0 or more"
    absent = figures.absent_sickness + figures.absent_isolation + figures.absent_leave + figures.absent_other
    if "staff_in_post" not in errors and absent > figures.staff_in_post:
        errors["absent_other"] = (
            f"Staff absent ({absent}) cannot be more than care staff in post ({figures.staff_in_post})"
        )
    for name in ("staff_flu_vaccinated", "staff_covid_vaccinated"):
        value = getattr(figures, name)
        if value is not None and not 0 <= value <= figures.staff_in_post:
            errors[name] = f"Enter a number from 0 to the care staff in post ({figures.staff_in_post})"
    if figures.outbreak_status not in OutbreakStatus.values:
        errors["outbreak_status"] = "Choose whether there is an outbreak"
    if figures.bcp_reviewed_on > today:
        errors["bcp_reviewed_on"] = "The business continuity plan review date must be today or in the past"
    zones = {z.pk for z in selectors.council_zones(council=council)}
    for zone_id, hours in figures.spare_hours.items():
        if zone_id not in zones:
            errors[f"zone_{zone_id}"] = "Choose one of the council's zones"
        elif not Decimal(0) <= hours <= MAX_ZONE_HOURS:
            errors[f"zone_{zone_id}"] = f"Enter spare hours from 0 to {MAX_ZONE_HOURS:,}"
    if not figures.can_take_new_packages and any(h > 0 for h in figures.spare_hours.values()):
        errors["can_take_new_packages"] = (
            "You said you cannot take new packages but gave spare hours: answer yes, or clear the spare hours"
        )
    if errors:
        raise ValidationError(errors)


def _require_manager(actor: User, provider: Organisation) -> None:
    if not permissions.manages_provider(actor, provider):
        raise PermissionDenied("Only the provider's managers submit its sitreps")


def _store(sitrep: Sitrep, figures: SitrepFigures) -> Sitrep:
    sitrep.save()
    SitrepZoneCapacity.objects.bulk_create(
        SitrepZoneCapacity(sitrep=sitrep, zone_id=zone_id, spare_hours=hours)
        for zone_id, hours in sorted(figures.spare_hours.items())
        if hours is not None
    )
    return sitrep


def _tell_brokers_if_capacity_changed(sitrep: Sitrep, before: Sitrep | None) -> None:
    """Brokers act on "able to take new packages": tell them when a provider's answer changes."""
    if before is None or before.can_take_new_packages == sitrep.can_take_new_packages:
        return
    text = (
        f"{sitrep.provider.name} can take new packages again"
        if sitrep.can_take_new_packages
        else f"{sitrep.provider.name} cannot take new packages"
    )
    notify(
        recipients=selectors.council_staff(council=sitrep.council, roles=[Role.BROKER]),
        text=f"{text} (sitrep due {_london_day(sitrep.due_at)})",
        link=reverse("market:provider", args=[sitrep.provider_id]),
    )


@transaction.atomic
def sitrep_submit(
    *,
    council: Organisation,
    provider: Organisation,
    figures: SitrepFigures,
    actor: User,
    for_slot: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Sitrep:
    """Submit the provider's sitrep to the council for the slot it owes (schedule.slot_for_submission).

    `for_slot` is the slot the form was showing: a second press of "Send" (or a colleague's copy of the
    same form) is then refused instead of quietly becoming next week's sitrep.

    Guarantees: one original per slot (a second is refused: amend instead; two racing submissions leave
    one and a clear error); the platform's figures for the 7 days before today are stored beside what the
    provider reports; nothing is written when any figure is refused.
    """
    _require_manager(actor, provider)
    if not selectors.providers_reporting_to(council=council).filter(pk=provider.pk).exists():
        raise ValidationError(
            f"{provider.name} is not on a live framework of {council.name}, so owes it no sitreps"
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    owed = oversight.owed(council=council, provider=provider, now=now)
    if owed.submitted is not None:
        raise ValidationError(
            f"You have already submitted the sitrep due {_london_day(owed.slot.due_at)}: amend it instead"
        )
    if for_slot is not None and for_slot != owed.slot.due_at:
        raise ValidationError(
            f"The sitrep due {_london_day(for_slot)} has already been sent or is no longer due: "
            "look at your sitreps, and amend the one sent if it needs correcting"
        )
    _validate(figures, council=council, today=today)
    start, end = schedule.reporting_period(today)
    platform = selectors.platform_figures(council=council, provider=provider, start=start, end=end)
    before = selectors.latest_sitrep(council=council, provider=provider)
    sitrep = Sitrep(
        council=council,
        provider=provider,
        due_at=owed.slot.due_at,
        period_start=start,
        period_end=end,
        submitted_at=now,
        submitted_by=actor,
        platform_people_supported=platform.people_supported,
        platform_hours_delivered=platform.hours_delivered,
        visits_due=platform.visits_due,
        visits_missed=platform.visits_missed,
        **figures.as_fields(),
    )
    try:
        with transaction.atomic():
            _store(sitrep, figures)
    except IntegrityError:
        raise ValidationError(
            f"A sitrep due {_london_day(owed.slot.due_at)} has just been submitted: amend it instead"
        ) from None
    _tell_brokers_if_capacity_changed(sitrep, before)
    return sitrep


def _same(sitrep: Sitrep, figures: SitrepFigures) -> bool:
    spare = {z.zone_id: z.spare_hours for z in sitrep.zone_capacity.all()}
    wanted = {k: v for k, v in figures.spare_hours.items() if v is not None}
    return spare == wanted and all(getattr(sitrep, k) == v for k, v in figures.as_fields().items())


@transaction.atomic
def sitrep_amend(
    *, sitrep: Sitrep, figures: SitrepFigures, reason: str, actor: User, now: dt.datetime | None = None
) -> Sitrep:
    """Replace the figures of a submitted sitrep with a new version that points at it, with the reason.

    Guarantees: the original is never changed; only the latest version can be amended (two racing
    amendments leave one and a clear error); the slot, the period and the platform's figures stay those
    of the original submission.
    """
    _require_manager(actor, sitrep.provider)
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why you are amending the sitrep"
    locked = Sitrep.objects.select_for_update().get(pk=sitrep.pk)
    if Sitrep.objects.filter(amends=locked).exists():
        raise ValidationError("This version has already been amended: amend the latest version")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    _validate(figures, council=locked.council, today=timezone.localdate(now))
    if _same(locked, figures):
        raise ValidationError("Nothing has changed: change a figure to amend the sitrep")
    amendment = Sitrep(
        council=locked.council,
        provider=locked.provider,
        due_at=locked.due_at,
        period_start=locked.period_start,
        period_end=locked.period_end,
        submitted_at=now,
        submitted_by=actor,
        amends=locked,
        amendment_reason=reason.strip(),
        platform_people_supported=locked.platform_people_supported,
        platform_hours_delivered=locked.platform_hours_delivered,
        visits_due=locked.visits_due,
        visits_missed=locked.visits_missed,
        **figures.as_fields(),
    )
    try:
        with transaction.atomic():
            _store(amendment, figures)
    except IntegrityError:
        raise ValidationError("This version has already been amended: amend the latest version") from None
    _tell_brokers_if_capacity_changed(amendment, locked)
    return amendment


# --- reminders ----------------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    due_soon: int = 0
    overdue: int = 0
    summaries: int = 0


def _once(
    *, council: Organisation, provider: Organisation | None, due_at: dt.datetime, kind: str, now
) -> bool:
    """Record that a reminder goes out; False when it already has (the unique constraints decide)."""
    try:
        with transaction.atomic():
            SitrepReminder.objects.create(
                council=council, provider=provider, due_at=due_at, kind=kind, sent_at=now
            )
    except IntegrityError:
        return False
    return True


def sitrep_reminders_send(*, now: dt.datetime | None = None) -> ReminderRun:
    """The reminders job (every 15 minutes or so): each provider that has not submitted gets one
    reminder when a slot is within the schedule's reminder period, and one when it becomes overdue; each
    council's commissioners get one overdue list per slot. Running it twice sends nothing new."""
    now = now or timezone.now()
    run = ReminderRun()
    for council in selectors.councils_with_live_frameworks():
        _remind(council, now, run)
    return run


@transaction.atomic
def _remind(council: Organisation, now: dt.datetime, run: ReminderRun) -> None:
    schedules = selectors.schedules_for(council=council)
    in_force = schedule.schedule_at(schedules, now)
    providers = list(selectors.providers_reporting_to(council=council))
    since = selectors.reporting_since(council=council)
    link = f"{reverse('market:sitrep-new')}?council={council.pk}"
    upcoming = schedule.next_due(schedules, now)
    if upcoming is not None and schedule.reminder_window_open(upcoming, now, in_force.reminder_hours):
        submitted = selectors.providers_submitted_for(council=council, due_at=upcoming)
        for provider in providers:
            if provider.pk in submitted:
                continue
            if _once(
                council=council, provider=provider, due_at=upcoming, kind=ReminderKind.DUE_SOON, now=now
            ):
                notify(
                    recipients=selectors.provider_managers(provider=provider),
                    text=f"Your sitrep to {council.name} is due {_london_day(upcoming)}",
                    link=link,
                )
                run.due_soon += 1
    previous = schedule.previous_due(schedules, now)
    if previous is None or previous >= now:
        return
    submitted = selectors.providers_submitted_for(council=council, due_at=previous)
    late = [p for p in providers if since.get(p.pk, previous) <= previous and p.pk not in submitted]
    for provider in late:
        if _once(council=council, provider=provider, due_at=previous, kind=ReminderKind.OVERDUE, now=now):
            notify(
                recipients=selectors.provider_managers(provider=provider),
                text=f"Your sitrep to {council.name} was due {_london_day(previous)} and is overdue",
                link=link,
            )
            run.overdue += 1
    if late and _once(
        council=council, provider=None, due_at=previous, kind=ReminderKind.OVERDUE_SUMMARY, now=now
    ):
        notify(
            recipients=selectors.council_staff(council=council, roles=[Role.COMMISSIONER]),
            text=(
                f"{len(late)} of {len(providers)} providers have not sent the sitrep "
                f"due {_london_day(previous)}"
            ),
            link=reverse("market:overdue"),
        )
        run.summaries += 1
