"""Sitreps in the demo borough: ten weeks of them from every provider on Northbridge's framework, so the
market pages have trends to show.

The story, as of the writer's clock: weekly sitreps (Wednesdays at noon) until a winter surge five weeks
ago, when the commissioner switched to twice weekly (Mondays and Thursdays at 10:00) for a fortnight,
then back. During the surge sickness absence rises everywhere; one provider has a suspected and then a
confirmed outbreak and stops taking new packages; another runs low on PPE. The Inadequate provider
(market.INADEQUATE) is short of staff and misses visits throughout; the one without capacity says it
cannot take packages; one provider's business continuity plan is more than a year old; one always
reports late; one has not sent the sitrep last due (the overdue list) and one amended its latest.
Regional benchmarks were recorded twice.

People supported come from the packages; hours delivered and missed visits from call monitoring where
the week is in the demo's fortnight of visits, otherwise drawn to match. Deterministic: its own
`random.Random` seeded from the borough's seed, as of the writer's clock. A few hundred rows, written
with bulk_create.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password

from homecare.accounts.models import Role, User
from homecare.market import schedule, selectors
from homecare.market.models import RegionalBenchmark, Sitrep, SitrepSchedule, SitrepZoneCapacity

from .market import INADEQUATE, MANAGERS, NO_CAPACITY
from .vocabulary import COMMISSIONER_USERNAME

SITREP_TABLES = (SitrepSchedule, RegionalBenchmark, Sitrep, SitrepZoneCapacity)
WEEKS = 10
SURGE_STARTED_WEEKS_AGO = 5
SURGE_ENDED_WEEKS_AGO = 3
OUTBREAK = 3  # provider index: suspected, then confirmed, during the surge
LOW_PPE = 5
OLD_CONTINUITY_PLAN = 7
OVERDUE = 6  # has not sent the sitrep last due
ALWAYS_LATE = 9
AMENDED = 0  # amended its latest sitrep (the demo provider sign-in's organisation)
MISSED_SLOTS = {INADEQUATE: (2, 5)}  # slots (counted back from the latest) this provider never sent


def build_sitreps(writer) -> None:
    """Add schedules, benchmarks and sitreps to a borough whose market (and call monitoring) exist."""
    rng = random.Random(f"sitreps-{writer.seed}")
    council, now, today = writer.council, writer.now, writer.today
    commissioner = User.objects.get(username=COMMISSIONER_USERNAME)
    surge_start = now - dt.timedelta(weeks=SURGE_STARTED_WEEKS_AGO)
    surge_end = now - dt.timedelta(weeks=SURGE_ENDED_WEEKS_AGO)
    rows = [
        (now - dt.timedelta(weeks=12), "weekly", 2, None, dt.time(12), "Weekly sitreps for the framework"),
        (surge_start, "twice_weekly", 0, 3, dt.time(10), "Winter surge: flu and an outbreak in the north"),
        (surge_end, "weekly", 2, None, dt.time(12), "Surge over: back to weekly"),
    ]
    SitrepSchedule.objects.bulk_create(
        SitrepSchedule(
            council=council,
            frequency=frequency,
            first_weekday=first,
            second_weekday=second,
            due_time=due_time,
            reminder_hours=24,
            effective_from=when,
            reason=reason,
            set_by=commissioner,
            set_at=when,
        )
        for when, frequency, first, second, due_time, reason in rows
    )
    RegionalBenchmark.objects.bulk_create(
        RegionalBenchmark(
            council=council,
            staff_availability_percent=Decimal(value),
            source="Regional ADASS market sitrep (synthetic)",
            effective_from=today - dt.timedelta(days=days_ago),
            recorded_by=commissioner,
            recorded_at=now - dt.timedelta(days=days_ago),
        )
        for value, days_ago in (("90.5", 84), ("88.0", 30))
    )
    schedules = selectors.schedules_for(council=council)
    slots = schedule.due_moments(schedules, now - dt.timedelta(weeks=WEEKS), now)
    _sitreps(writer, rng, slots, surge=(surge_start, surge_end))


def _managers(writer) -> dict[int, User]:
    """Each provider's manager: the first on record, else one made from its registered manager's name."""
    managers: dict[int, User] = {}
    for user in User.objects.filter(role=Role.PROVIDER_MANAGER, organisation__in=writer.providers).order_by(
        "id"
    ):
        managers.setdefault(user.organisation_id, user)
    for p, provider in enumerate(writer.providers):
        if provider.pk not in managers:
            first, last = MANAGERS[p % len(MANAGERS)].split(" ", 1)
            managers[provider.pk] = User.objects.create(
                username=f"manager{p + 1:02d}",
                password=make_password(None),
                first_name=first,
                last_name=last,
                organisation=provider,
                role=Role.PROVIDER_MANAGER,
                job_title="Registered manager",
            )
            writer.summary.users += 1
    return managers


def _hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _sitreps(writer, rng: random.Random, slots: list[dt.datetime], surge) -> None:
    council, now, providers = writer.council, writer.now, writer.providers
    managers = _managers(writer)
    people = selectors.people_supported_by_provider(council=council)
    first_visit_day = writer.today - dt.timedelta(days=7)
    staff = {p.pk: rng.randint(18, 30) + people.get(p.pk, 0) // 2 for p in providers}
    zones = {
        p.pk: [zone for z, zone in enumerate(writer.zones) if i in writer.zone_providers[z]]
        for i, p in enumerate(providers)
    }
    sitreps: list[Sitrep] = []
    spare: list[list[tuple[object, Decimal]]] = []
    for back, due in enumerate(reversed(slots)):
        story = _Slot(due=due, back=back, in_surge=surge[0] <= due < surge[1], surge_start=surge[0])
        late_by = dt.timedelta(hours=rng.randint(3, 20))
        platform: dict[tuple[dt.date, dt.date], dict] = {}
        for i, provider in enumerate(providers):
            if (i == OVERDUE and back == 0) or back in MISSED_SLOTS.get(i, ()):
                continue
            sent = due + late_by if i == ALWAYS_LATE else due - dt.timedelta(hours=rng.randint(1, 30))
            sent = min(sent, now - dt.timedelta(minutes=5))
            period = schedule.reporting_period(schedule.london_date(sent))
            if period[0] >= first_visit_day and period not in platform:
                # The week is in the demo's fortnight of visits: the figures call monitoring gives.
                platform[period] = selectors.platform_figures_by_provider(
                    council=council, start=period[0], end=period[1]
                )
            sitrep = _sitrep(
                rng,
                story,
                index=i,
                provider=provider,
                sent=sent,
                period=period,
                by=managers[provider.pk],
                in_post=staff[provider.pk] + rng.randint(-1, 1),
                supported=people.get(provider.pk, 0),
                delivery=platform.get(period, {}).get(provider.pk),
                today=writer.today,
                council=council,
            )
            sitreps.append(sitrep)
            spare.append(
                [
                    (
                        zone,
                        Decimal(rng.choice((0, 10, 20, 30, 40)))
                        if sitrep.can_take_new_packages
                        else Decimal(0),
                    )
                    for zone in zones[provider.pk]
                ]
            )
    created = Sitrep.objects.bulk_create(sitreps)
    SitrepZoneCapacity.objects.bulk_create(
        SitrepZoneCapacity(sitrep=sitrep, zone=zone, spare_hours=hours)
        for sitrep, pairs in zip(created, spare, strict=True)
        for zone, hours in pairs
    )
    _amend_latest(created, providers[AMENDED], slots[-1] if slots else None, now)


@dataclass(frozen=True)
class _Slot:
    due: dt.datetime
    back: int  # 0 for the slot last due, 1 for the one before…
    in_surge: bool
    surge_start: dt.datetime


def _sitrep(
    rng, story: _Slot, *, index, provider, sent, period, by, in_post, supported, delivery, today, council
):
    """One provider's sitrep for one slot, following the demo's story."""
    i = index
    absence = rng.uniform(0.03, 0.09) + (rng.uniform(0.06, 0.12) if story.in_surge else 0)
    if i == INADEQUATE:
        absence += 0.17
    outbreak = "none"
    if i == OUTBREAK and story.in_surge:
        outbreak = "suspected" if story.due < story.surge_start + dt.timedelta(days=4) else "confirmed"
    absent = min(in_post, round(in_post * absence))
    sickness = round(absent * 0.6)
    isolation = min(absent - sickness, round(absent * 0.2) if outbreak == "confirmed" else 0)
    leave = round((absent - sickness - isolation) * 0.7)
    taking = not (i in (NO_CAPACITY, INADEQUATE) or outbreak == "confirmed" or (story.in_surge and i == 2))
    if delivery is not None:
        hours, visits_due, missed = delivery.hours_delivered, delivery.visits_due, delivery.visits_missed
    else:
        hours = _hours(supported * rng.uniform(5.5, 8.5))
        visits_due = round(supported * rng.uniform(9, 13))
        missed = round(visits_due * (rng.uniform(0.04, 0.07) if i == INADEQUATE else rng.uniform(0, 0.009)))
    agency = rng.randint(0, 6) + (3 if story.in_surge else 0)
    plan_age = 400 + 7 * story.back if i == OLD_CONTINUITY_PLAN else 60 + 3 * i
    return Sitrep(
        council=council,
        provider=provider,
        due_at=story.due,
        period_start=period[0],
        period_end=period[1],
        submitted_at=sent,
        submitted_by=by,
        staff_in_post=in_post,
        absent_sickness=sickness,
        absent_isolation=isolation,
        absent_leave=leave,
        absent_other=absent - sickness - isolation - leave,
        vacancies=rng.randint(0, max(1, in_post // 12)),
        agency_staff=agency,
        agency_hours=_hours(agency * rng.uniform(12, 30)),
        staff_flu_vaccinated=round(in_post * rng.uniform(0.55, 0.8)),
        staff_covid_vaccinated=round(in_post * rng.uniform(0.35, 0.6)),
        ppe_stock_days=rng.randint(4, 8) if i == LOW_PPE and story.in_surge else rng.randint(18, 45),
        outbreak_status=outbreak,
        bcp_reviewed_on=today - dt.timedelta(days=plan_age),
        can_take_new_packages=taking,
        people_supported=supported,
        hours_delivered=hours,
        platform_people_supported=supported,
        platform_hours_delivered=hours,
        visits_due=visits_due,
        visits_missed=min(missed, visits_due),
    )


def _amend_latest(created: list[Sitrep], provider, latest_slot, now) -> None:
    """The demo provider corrects its latest sitrep: two more care workers went off sick that morning."""
    original = next((s for s in created if s.provider_id == provider.pk and s.due_at == latest_slot), None)
    if original is None:
        return
    amendment = Sitrep.objects.get(pk=original.pk)
    zones = list(SitrepZoneCapacity.objects.filter(sitrep=original))
    amendment.pk = None
    amendment._state.adding = True
    amendment.amends = original
    amendment.amendment_reason = "Two more care workers went off sick with flu this morning"
    amendment.absent_sickness += min(2, amendment.staff_in_post - amendment.staff_absent)
    amendment.submitted_at = min(original.submitted_at + dt.timedelta(hours=3), now - dt.timedelta(minutes=1))
    amendment.save()
    SitrepZoneCapacity.objects.bulk_create(
        SitrepZoneCapacity(sitrep=amendment, zone_id=z.zone_id, spare_hours=z.spare_hours) for z in zones
    )
