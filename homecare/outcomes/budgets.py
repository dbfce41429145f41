"""Budget weeks from the database: each budget-of-hours package's weeks, derived (never stored) from its
confirmed versions, holds, call monitoring, approved excess and the council's carry-over rules.

Used by the scoped selectors (pages), the alert scan and the payment run. A fixed number of queries
whatever the number of packages, so the payment run pays for budget packages only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, IntegerField, Sum
from django.utils import timezone

from homecare.outcomes import rules
from homecare.outcomes.models import CarryOverRule, ExcessApproval
from homecare.people.models import (
    CareModel,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    VersionStatus,
)
from homecare.visits.models import Visit, VisitStatus

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PackageWeek:
    """A budget week with what was planned (for the provider's planning) beside the rule's result."""

    result: rules.WeekResult
    planned: int  # carer-minutes planned that week (any status but cancelled)
    rule: rules.CarryOver


def _hold_periods(changes) -> list[tuple[dt.date, dt.date | None]]:
    """Days on hold from a package's status rows (resumed on a day: that day counts again)."""
    periods, held_from = [], None
    for change in changes:
        day = timezone.localtime(change.at).date()
        if change.to_status == PackageStatus.ON_HOLD and held_from is None:
            held_from = day
        elif change.from_status == PackageStatus.ON_HOLD and held_from is not None:
            periods.append((held_from, day - ONE_DAY))
            held_from = None
    if held_from is not None:
        periods.append((held_from, None))
    return periods


def _daily_hours(package: Package, versions: list[PackageVersion], holds, day: dt.date) -> Decimal:
    if day < package.start_date or (package.end_date and day > package.end_date):
        return Decimal(0)
    if any(start <= day and (end is None or day <= end) for start, end in holds):
        return Decimal(0)
    current = None
    for version in versions:  # ordered by effective_from, number: the last in force wins
        if version.effective_from <= day and (version.effective_to is None or day <= version.effective_to):
            current = version
    if current is None or current.care_model != CareModel.BUDGET_OF_HOURS:
        return Decimal(0)
    return current.weekly_budget_hours or Decimal(0)


def rule_on(
    rules_by_council: dict[int, list[CarryOverRule]], council_id: int, day: dt.date
) -> rules.CarryOver:
    for rule in rules_by_council.get(council_id, []):  # newest first
        if rule.effective_from <= day:
            return rule.as_rule()
    return rules.LAPSE_RULE


def package_weeks(package_ids: Iterable[int], *, through: dt.date) -> dict[int, list[PackageWeek]]:
    """Every budget week of each package from the week it started to the week of `through`."""
    ids = sorted(set(package_ids))
    if not ids:
        return {}
    packages = {p.pk: p for p in Package.objects.filter(pk__in=ids).select_related("person")}
    versions: dict[int, list[PackageVersion]] = defaultdict(list)
    for version in PackageVersion.objects.filter(package_id__in=ids, status=VersionStatus.CONFIRMED).order_by(
        "effective_from", "number"
    ):
        versions[version.package_id].append(version)
    changes = defaultdict(list)
    for change in PackageStatusChange.objects.filter(package_id__in=ids).order_by("at", "id"):
        changes[change.package_id].append(change)
    delivered: dict[tuple[int, dt.date], int] = defaultdict(int)
    planned: dict[tuple[int, dt.date], int] = defaultdict(int)
    for row in (
        Visit.objects.filter(package_id__in=ids, date__lte=through)
        .exclude(status=VisitStatus.CANCELLED)
        .values("package_id", "date", "status")
        .annotate(
            actual=Sum(F("actual_minutes") * F("carers_required"), output_field=IntegerField()),
            planned=Sum(F("planned_minutes") * F("carers_required"), output_field=IntegerField()),
        )
    ):
        week = (row["package_id"], rules.week_start(row["date"]))
        planned[week] += row["planned"] or 0
        if row["status"] == VisitStatus.COMPLETED:
            delivered[week] += row["actual"] or 0
    excess: dict[tuple[int, dt.date], int] = defaultdict(int)
    for package_id, week, hours in ExcessApproval.objects.filter(package_id__in=ids).values_list(
        "package_id", "week_start", "hours"
    ):
        excess[(package_id, week)] += rules.hours_to_minutes(hours)
    councils = {p.person.council_id for p in packages.values()}
    rules_by_council: dict[int, list[CarryOverRule]] = defaultdict(list)
    for rule in CarryOverRule.objects.filter(council_id__in=councils).order_by("-effective_from"):
        rules_by_council[rule.council_id].append(rule)

    out: dict[int, list[PackageWeek]] = {}
    last_week = rules.week_start(through)
    for package_id, package in packages.items():
        holds = _hold_periods(changes[package_id])
        inputs: list[rules.WeekInput] = []
        week = rules.week_start(package.start_date)
        while week <= last_week:
            daily = [
                _daily_hours(package, versions[package_id], holds, week + dt.timedelta(days=i))
                for i in range(7)
            ]
            inputs.append(
                rules.WeekInput(
                    week_start=week,
                    budget=rules.week_budget(daily),
                    delivered=delivered[(package_id, week)],
                    excess=excess[(package_id, week)],
                    rule=rule_on(rules_by_council, package.person.council_id, week),
                )
            )
            week += dt.timedelta(days=7)
        out[package_id] = [
            PackageWeek(result=result, planned=planned[(package_id, result.week_start)], rule=given.rule)
            for result, given in zip(rules.budget_weeks(inputs), inputs, strict=True)
        ]
    return out
