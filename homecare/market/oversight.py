"""The market as commissioners see it, derived on read from sitreps, the schedule and the OPEL rules:
each provider's standing (OPEL with its reasons, staff availability against the regional benchmark),
the market's OPEL, trends by due slot, the overdue list and what a provider owes next.

Nothing here writes, and no score is stored: change a rule and every page (trends included) shows the
scores the rules now give, with the reasons that produced them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from homecare.accounts.models import Organisation
from homecare.market import opel, schedule, selectors
from homecare.market.models import Sitrep

# A provider's latest sitrep counts towards the market picture while it is this recent.
CURRENT_WITHIN = dt.timedelta(days=14)
TREND_SLOTS = 12
TREND_LOOKBACK = dt.timedelta(weeks=13)


@dataclass(frozen=True)
class Standing:
    """One provider's position now, from its latest sitrep to the council."""

    provider: Organisation
    sitrep: Sitrep | None
    score: opel.OpelScore | None
    staff_availability: Decimal | None
    against_benchmark: Decimal | None
    spare_hours: Decimal
    overdue: bool  # nothing for the slot most recently due
    counted: bool  # recent enough to count towards the market picture


@dataclass(frozen=True)
class Trend:
    labels: list[str]
    slots: list[dt.datetime]
    levels: list[int | None]
    availability: list[Decimal | None]
    reporting: list[int]


@dataclass(frozen=True)
class MarketPicture:
    council: Organisation
    schedule: schedule.Schedule
    previous_due: dt.datetime | None
    next_due: dt.datetime | None
    benchmark: selectors.Benchmark
    rules: list[opel.Rule]
    standings: list[Standing]
    score: opel.OpelScore
    staff_availability: Decimal | None
    against_benchmark: Decimal | None
    levels: dict[int, int]  # OPEL level → providers counted at it
    expected: int
    counted: int
    overdue: int
    trend: Trend


def _situations(sitreps) -> list[opel.ProviderSituation]:
    return [s.situation() for s in sitreps]


def _label(moment: dt.datetime) -> str:
    return f"{schedule.london_date(moment):%-d %b}"


def _availability(sitrep: Sitrep | None) -> Decimal | None:
    return None if sitrep is None else opel.staff_availability([sitrep.situation()])


def standing_for(
    *,
    provider: Organisation,
    sitrep: Sitrep | None,
    rules,
    benchmark,
    previous_due: dt.datetime | None,
    owed_since: dt.datetime | None,
    now: dt.datetime,
) -> Standing:
    """The provider's standing from its latest sitrep; overdue when it owed the slot last due (it was
    admitted before it fell due) and has nothing for it."""
    owes = previous_due is not None and (owed_since is None or owed_since <= previous_due)
    score = opel.provider_score(sitrep.situation(), rules) if sitrep else None
    availability = _availability(sitrep)
    return Standing(
        provider=provider,
        sitrep=sitrep,
        score=score,
        staff_availability=availability,
        against_benchmark=opel.availability_against(availability, benchmark.staff_availability_percent),
        spare_hours=sum((z.spare_hours for z in sitrep.zone_capacity.all()), Decimal("0"))
        if sitrep
        else Decimal(0),
        overdue=owes and (sitrep is None or sitrep.due_at < previous_due),
        counted=sitrep is not None and sitrep.due_at >= now - CURRENT_WITHIN,
    )


def trend_slots(*, council: Organisation, now: dt.datetime, count: int = TREND_SLOTS) -> list[dt.datetime]:
    """The last `count` slots that have fallen due, oldest first."""
    moments = schedule.due_moments(
        selectors.schedules_for(council=council), now - TREND_LOOKBACK, now + dt.timedelta(microseconds=1)
    )
    return moments[-count:]


def market_trend(*, council: Organisation, now: dt.datetime, rules, slots=None) -> Trend:
    """The market's OPEL and staff availability at each recent slot, from the sitreps for that slot."""
    slots = slots if slots is not None else trend_slots(council=council, now=now)
    by_slot: dict[dt.datetime, list[Sitrep]] = {s: [] for s in slots}
    if slots:
        for sitrep in selectors.current_versions(
            Sitrep.objects.filter(council=council, due_at__gte=slots[0], due_at__lte=slots[-1])
        ):
            if sitrep.due_at in by_slot:
                by_slot[sitrep.due_at].append(sitrep)
    levels, availability, reporting = [], [], []
    for slot in slots:
        situations = _situations(by_slot[slot])
        reporting.append(len(situations))
        if not situations:
            levels.append(None)
            availability.append(None)
            continue
        levels.append(opel.market_score(situations, rules).level)
        availability.append(opel.staff_availability(situations))
    return Trend([_label(s) for s in slots], list(slots), levels, availability, reporting)


def market_picture(*, council: Organisation, now: dt.datetime) -> MarketPicture:
    schedules = selectors.schedules_for(council=council)
    previous = schedule.previous_due(schedules, now)
    rules = selectors.rules_for(council=council)
    benchmark = selectors.benchmark_for(council=council, on=schedule.london_date(now))
    providers = list(selectors.providers_reporting_to(council=council))
    latest: dict[int, Sitrep] = {}
    for sitrep in (
        selectors.current_versions(
            Sitrep.objects.filter(council=council, due_at__gte=now - schedule.LOOK_AROUND * 4)
        )
        .prefetch_related("zone_capacity")
        .order_by("due_at", "id")
    ):
        latest[sitrep.provider_id] = sitrep
    since = selectors.reporting_since(council=council)
    standings = [
        standing_for(
            provider=p,
            sitrep=latest.get(p.pk),
            rules=rules,
            benchmark=benchmark,
            previous_due=previous,
            owed_since=since.get(p.pk),
            now=now,
        )
        for p in providers
    ]
    counted = [s for s in standings if s.counted]
    situations = _situations(s.sitrep for s in counted)
    score = opel.market_score(situations, rules)
    availability = opel.staff_availability(situations)
    standings.sort(key=lambda s: (-(s.score.level if s.score else 0), s.provider.name))
    return MarketPicture(
        council=council,
        schedule=schedule.schedule_at(schedules, now),
        previous_due=previous,
        next_due=schedule.next_due(schedules, now),
        benchmark=benchmark,
        rules=rules,
        standings=standings,
        score=score,
        staff_availability=availability,
        against_benchmark=opel.availability_against(availability, benchmark.staff_availability_percent),
        levels=dict(Counter(s.score.level for s in counted if s.score)),
        expected=len(providers),
        counted=len(counted),
        overdue=sum(1 for s in standings if s.overdue),
        trend=market_trend(council=council, now=now, rules=rules),
    )


@dataclass(frozen=True)
class ProviderTrend:
    labels: list[str]
    levels: list[int | None]
    availability: list[Decimal | None]
    hours: list[Decimal | None]


@dataclass(frozen=True)
class ProviderPicture:
    council: Organisation
    standing: Standing
    benchmark: selectors.Benchmark
    schedule: schedule.Schedule
    next_due: dt.datetime | None
    trend: ProviderTrend
    history: list[tuple[Sitrep, opel.OpelScore]]


def provider_picture(*, council: Organisation, provider: Organisation, now: dt.datetime) -> ProviderPicture:
    schedules = selectors.schedules_for(council=council)
    rules = selectors.rules_for(council=council)
    benchmark = selectors.benchmark_for(council=council, on=schedule.london_date(now))
    sitreps = list(
        selectors.current_versions(Sitrep.objects.filter(council=council, provider=provider))
        .prefetch_related("zone_capacity")
        .order_by("-due_at")[:52]
    )
    standing = standing_for(
        provider=provider,
        sitrep=sitreps[0] if sitreps else None,
        rules=rules,
        benchmark=benchmark,
        previous_due=schedule.previous_due(schedules, now),
        owed_since=selectors.reporting_since(council=council).get(provider.pk),
        now=now,
    )
    slots = trend_slots(council=council, now=now)
    by_slot = {s.due_at: s for s in sitreps}
    trend = ProviderTrend(
        labels=[_label(s) for s in slots],
        levels=[
            opel.provider_score(by_slot[s].situation(), rules).level if s in by_slot else None for s in slots
        ],
        availability=[_availability(by_slot.get(s)) for s in slots],
        hours=[by_slot[s].hours_delivered if s in by_slot else None for s in slots],
    )
    return ProviderPicture(
        council=council,
        standing=standing,
        benchmark=benchmark,
        schedule=schedule.schedule_at(schedules, now),
        next_due=schedule.next_due(schedules, now),
        trend=trend,
        history=[(s, opel.provider_score(s.situation(), rules)) for s in sitreps],
    )


# --- owing and overdue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """What a provider owes a council now: the slot its next sitrep is for, and whether it is in."""

    council: Organisation
    schedule: schedule.Schedule
    slot: schedule.Slot
    submitted: Sitrep | None  # already in for that slot (then it can only be amended)


def owed(*, council: Organisation, provider: Organisation, now: dt.datetime) -> Owed:
    schedules = selectors.schedules_for(council=council)
    done = selectors.submitted_slots(council=council, provider=provider, since=now - schedule.LOOK_AROUND * 2)
    slot = schedule.slot_for_submission(schedules, now, done)
    submitted = (
        selectors.current_versions(
            Sitrep.objects.filter(council=council, provider=provider, due_at=slot.due_at)
        ).first()
        if slot.due_at in done
        else None
    )
    return Owed(council, schedule.schedule_at(schedules, now), slot, submitted)


@dataclass(frozen=True)
class OverdueRow:
    provider: Organisation
    last_sitrep: Sitrep | None
    missed_recent: int  # of the last `lookback` slots it owed
    owed_recent: int


@dataclass(frozen=True)
class OverdueList:
    due_at: dt.datetime | None
    next_due: dt.datetime | None
    rows: list[OverdueRow]
    expected: int
    submitted_next: int


def overdue_list(*, council: Organisation, now: dt.datetime, lookback: int = 8) -> OverdueList:
    """Providers with nothing in for the slot most recently due, with how many of their recent slots
    they missed. A provider owes only slots that fell due after it was admitted."""
    schedules = selectors.schedules_for(council=council)
    previous = schedule.previous_due(schedules, now)
    upcoming = schedule.next_due(schedules, now)
    providers = list(selectors.providers_reporting_to(council=council))
    since = selectors.reporting_since(council=council)
    recent = schedule.due_moments(
        schedules, now - dt.timedelta(weeks=lookback), now + dt.timedelta(microseconds=1)
    )
    recent = recent[-lookback:]
    submitted: dict[int, set[dt.datetime]] = {}
    last: dict[int, Sitrep] = {}
    year_ago = now - dt.timedelta(days=366)
    for sitrep in selectors.current_versions(
        Sitrep.objects.filter(council=council, due_at__gte=year_ago)
    ).order_by("due_at", "id"):
        submitted.setdefault(sitrep.provider_id, set()).add(sitrep.due_at)
        last[sitrep.provider_id] = sitrep
    rows = []
    for provider in providers:
        if previous is None or previous < since.get(provider.pk, previous):
            continue
        done = submitted.get(provider.pk, set())
        if previous in done:
            continue
        owed_slots = [s for s in recent if s >= since.get(provider.pk, s)]
        rows.append(
            OverdueRow(
                provider=provider,
                last_sitrep=last.get(provider.pk),
                missed_recent=sum(1 for s in owed_slots if s not in done),
                owed_recent=len(owed_slots),
            )
        )
    rows.sort(key=lambda r: (-r.missed_recent, r.provider.name))
    return OverdueList(
        due_at=previous,
        next_due=upcoming,
        rows=rows,
        expected=len(providers),
        submitted_next=sum(1 for p in providers if upcoming in submitted.get(p.pk, set())),
    )
