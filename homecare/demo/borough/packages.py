"""The path each demo package took: when it was planned, submitted, started, held or ended, its
versions (and their funding terms) and its status history. Consistent with the plan and with today.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from homecare.people import rules
from homecare.people.models import (
    CareModel,
    CareType,
    Funding,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    VersionStatus,
)

from .loader import Table
from .vocabulary import (
    CHANGE_REASONS,
    END_REASONS,
    HOLD_REASONS,
    JOINT_SPLITS,
    VISIT_PATTERNS,
    WEEKLY_BUDGETS,
    PackagePlan,
)


class PackagePaths:
    """Draws a package's timeline, versions and status changes from the writer's random stream.

    Shares the writer's `random.Random`, clock and tables, so the order of draws is exactly as if these
    were the writer's own methods.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        now: dt.datetime,
        today: dt.date,
        tz: dt.tzinfo,
        tables: dict[type, Table],
        broker_id: int,
    ):
        self.rng = rng
        self.now = now
        self.today = today
        self.tz = tz
        self.tables = tables
        self.broker_id = broker_id

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def completed_at(self, wanted: PackagePlan) -> dt.datetime:
        rng = self.rng
        status = wanted.package_status
        if status == PackageStatus.AWAITING_PROVIDER:
            days = rng.uniform(0.2, 14)
        elif status == PackageStatus.ENDED:
            days = rng.uniform(40, 120)
        elif status == PackageStatus.ON_HOLD:
            days = rng.uniform(15, 120)
        elif status == PackageStatus.ACTIVE and wanted.second_version:
            days = rng.uniform(30, 120)
        elif rng.random() < 0.12:
            days = rng.uniform(0.1, 7)  # some plans completed in the last week
        else:
            days = rng.uniform(3, 120)
        return self.now - dt.timedelta(days=days)

    def timeline(
        self, wanted: PackagePlan, completed_at: dt.datetime | None, plan_created: dt.datetime
    ) -> dict[str, Any]:
        """When each step of the package's path happened, consistent with the plan and with today."""
        rng = self.rng
        status = wanted.package_status
        base = completed_at or plan_created
        drafted = min(base + dt.timedelta(minutes=rng.randint(5, 240)), self.now)
        t: dict[str, Any] = {"drafted": drafted}
        if status == PackageStatus.DRAFT:
            t["start_date"] = self.today + dt.timedelta(days=rng.randint(3, 21))
            return t
        submitted = min(drafted + dt.timedelta(hours=rng.uniform(0.5, 30)), self.now)
        t["submitted"] = submitted
        if status == PackageStatus.AWAITING_PROVIDER:
            t["start_date"] = submitted.astimezone(self.tz).date() + dt.timedelta(days=rng.randint(1, 3))
            return t
        # Time waiting for care: many within 2 days, a long tail (one council averaged 9.6 days).
        wait_days = rng.choice((0, 1, 1, 2, 2, 3, 5, 7, 9, 12, 16, 21))
        start_date = min(submitted.astimezone(self.tz).date() + dt.timedelta(days=wait_days), self.today)
        t["start_date"] = start_date
        started = max(self.at(start_date, rng.randint(7, 10), rng.choice((0, 15, 30, 45))), submitted)
        t["started"] = min(started, self.now)
        if status == PackageStatus.ON_HOLD:
            t["held"] = min(t["started"] + dt.timedelta(days=rng.uniform(3, 60)), self.now)
        if status == PackageStatus.ENDED:
            ended = min(t["started"] + dt.timedelta(days=rng.uniform(7, 90)), self.now)
            t["ended"] = ended
            t["end_date"] = max(ended.astimezone(self.tz).date(), start_date)
        if wanted.second_version and status == PackageStatus.ACTIVE:
            earliest = start_date + dt.timedelta(days=7)
            latest = self.today + dt.timedelta(days=14)
            if earliest <= latest:
                t["changed_from"] = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
                t["changed_at"] = min(
                    self.at(t["changed_from"], 11) - dt.timedelta(days=rng.randint(2, 7)), self.now
                )
        return t

    def _terms(self, wanted: PackagePlan) -> dict[str, Any]:
        funding = wanted.funding
        council, nhs = Decimal("100"), Decimal("0")
        if funding == Funding.JOINT:
            c, n = self.rng.choice(JOINT_SPLITS)
            council, nhs = Decimal(c), Decimal(n)
        council, nhs = rules.funding_shares(funding, council, nhs)
        budget = None
        if wanted.care_model == CareModel.BUDGET_OF_HOURS:
            budget = Decimal(self.rng.choice(WEEKLY_BUDGETS))
        return {
            "care_model": wanted.care_model,
            "funding": funding,
            "council_share_percent": council,
            "nhs_share_percent": nhs,
            "weekly_budget_hours": budget,
        }

    def versions(self, package: dict, wanted: PackagePlan, t: dict) -> list[tuple[dict, list]]:
        terms = self._terms(wanted)
        confirmed = package["status"] != PackageStatus.DRAFT
        rows = VISIT_PATTERNS[wanted.pattern] if wanted.care_model == CareModel.TIME_AND_TASK else []
        first = {
            "id": self.tables[PackageVersion].allocate(),
            "package_id": package["id"],
            "number": 1,
            "status": VersionStatus.CONFIRMED if confirmed else VersionStatus.DRAFT,
            "effective_from": package["start_date"],
            "effective_to": None,
            "reason": "First version",
            "created_by_id": package["created_by_id"],
            "created_at": t["drafted"],
            "confirmed_at": t.get("submitted"),
            **terms,
        }
        result = [(first, rows)]
        if "changed_from" in t:
            first["effective_to"] = t["changed_from"] - dt.timedelta(days=1)
            reason = self.rng.choice(CHANGE_REASONS)
            new_terms = dict(terms)
            new_rows = list(rows)
            if reason.startswith("CHC") and terms["funding"] == Funding.COUNCIL:
                new_terms.update(
                    funding=Funding.JOINT,
                    council_share_percent=Decimal("60"),
                    nhs_share_percent=Decimal("40"),
                )
            elif new_terms["weekly_budget_hours"] is not None:
                new_terms["weekly_budget_hours"] += Decimal("3.5")
            elif new_rows:
                days, start, minutes, carers, care_type, tasks = new_rows[0]
                if care_type == CareType.DAY and minutes <= 45:
                    new_rows[0] = (days, start, minutes + 15, carers, care_type, tasks)
            second = {
                "id": self.tables[PackageVersion].allocate(),
                "package_id": package["id"],
                "number": 2,
                "status": VersionStatus.CONFIRMED,
                "effective_from": t["changed_from"],
                "effective_to": None,
                "reason": reason,
                "created_by_id": package["created_by_id"],
                "created_at": t["changed_at"] - dt.timedelta(hours=2),
                "confirmed_at": t["changed_at"],
                **new_terms,
            }
            result.append((second, new_rows))
        return result

    def status_changes(self, package: dict, t: dict) -> list[dict]:
        rng, by = self.rng, package["created_by_id"]
        S = PackageStatus
        steps = [("", S.DRAFT, t["drafted"], by, "")]
        if "submitted" in t:
            steps.append((S.DRAFT, S.AWAITING_PROVIDER, t["submitted"], by, ""))
        if "started" in t:
            steps.append((S.AWAITING_PROVIDER, S.ACTIVE, t["started"], self.broker_id, ""))
        if "held" in t:
            steps.append((S.ACTIVE, S.ON_HOLD, t["held"], by, rng.choice(HOLD_REASONS)))
        if "ended" in t:
            steps.append((S.ACTIVE, S.ENDED, t["ended"], by, rng.choice(END_REASONS)))
        return [
            {
                "id": self.tables[PackageStatusChange].allocate(),
                "package_id": package["id"],
                "from_status": f,
                "to_status": to,
                "at": at,
                "by_id": who,
                "reason": reason,
            }
            for f, to, at, who, reason in steps
        ]
