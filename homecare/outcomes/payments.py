"""The payment run's weekly cap for budget-of-hours packages (called from finance.services._calculate).

Under this model the council pays the delivered hours within each week's allowance — the budget, the
hours carried in under the council's rule, and approved excess — never more (ADR 0014). Time-and-task
rows pass through untouched (the same dict objects), and no query runs unless the run has budget rows,
so the cost at a million visits is one pass over the rows.

Rows are consumed in date order within a week (rules.cap_rows). When the run's period starts mid-week,
what the week's earlier days paid (in the previous run: the same payable minutes, by the same rule) is
counted first, so the two runs together pay at most one allowance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from types import SimpleNamespace

from django.db.models import IntegerField, Sum

from homecare.outcomes import budgets, rules
from homecare.people.models import CareModel

BUDGET: str = CareModel.BUDGET_OF_HOURS.value
_CARE_MODEL = itemgetter("version__care_model")


def cap_to_weekly_budgets(*, run, rows: list[dict], payable, held_q) -> list[dict]:
    """`rows`: the run's payable groups (finance's dicts with package_id, date, carers_required, minutes,
    version__care_model). Returns the rows with budget packages' minutes capped; others unchanged."""
    # In C (itemgetter, list membership): a run of time-and-task packages pays ~30 ns a row for this.
    kinds = list(map(_CARE_MODEL, rows))
    if BUDGET not in kinds:
        return rows
    budget_rows = [i for i, kind in enumerate(kinds) if kind == BUDGET]
    package_ids = {rows[i]["package_id"] for i in budget_rows}
    weeks = budgets.package_weeks(package_ids, through=run.period_end)
    allowance = {(pid, w.result.week_start): w.result.allowance for pid, ws in weeks.items() for w in ws}
    used_before = _paid_earlier_in_first_week(run, package_ids, payable, held_q, allowance)
    by_week: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for i in budget_rows:
        by_week[(rows[i]["package_id"], rules.week_start(rows[i]["date"]))].append(i)
    capped = list(rows)
    for key, indexes in by_week.items():
        pay = rules.cap_rows(
            [
                rules.PayRow(rows[i]["date"], rows[i]["minutes"] or 0, rows[i]["carers_required"])
                for i in indexes
            ],
            allowance.get(key, 0),
            used_before.get(key, 0),
        )
        for i, minutes in zip(indexes, pay, strict=True):
            if minutes != (rows[i]["minutes"] or 0):
                capped[i] = {**rows[i], "minutes": minutes}
    return capped


def _paid_earlier_in_first_week(
    run, package_ids: set[int], payable, held_q, allowance: dict[tuple[int, dt.date], int]
) -> dict[tuple[int, dt.date], int]:
    """Carer-minutes the first week's days before the period paid (delivered, not held, plus held visits
    decided "pay"), by the same filters as the run (finance.services.run_visits)."""
    first_week = rules.week_start(run.period_start)
    if first_week == run.period_start:
        return {}
    from homecare.finance.models import HoldDecision, HoldResolution
    from homecare.finance.services import run_visits

    earlier = SimpleNamespace(
        council_id=run.council_id, period_start=first_week, period_end=run.period_start - dt.timedelta(days=1)
    )
    visits = run_visits(earlier).filter(package_id__in=package_ids, version__care_model=BUDGET)
    decided: dict[int, HoldResolution] = {}
    resolutions = HoldResolution.objects.filter(visit__in=visits.values("pk")).order_by("decided_at", "id")
    for resolution in resolutions:
        decided[resolution.visit_id] = resolution
    used: dict[tuple[int, dt.date], int] = defaultdict(int)
    rows: Sequence[dict] = (
        visits.filter(status="completed")
        .exclude(held_q)
        .exclude(pk__in=list(decided))
        .values("package_id", "date", "carers_required")
        .annotate(minutes=Sum(payable, output_field=IntegerField()))
    )
    groups: dict[tuple[int, dt.date], list[rules.PayRow]] = defaultdict(list)
    for row in rows:
        groups[(row["package_id"], first_week)].append(
            rules.PayRow(row["date"], row["minutes"] or 0, row["carers_required"])
        )
    for visit_id, package_id, day, carers in visits.filter(pk__in=list(decided)).values_list(
        "pk", "package_id", "date", "carers_required"
    ):
        resolution = decided[visit_id]
        if resolution.decision == HoldDecision.PAY:
            groups[(package_id, first_week)].append(rules.PayRow(day, resolution.minutes or 0, carers))
    # The earlier run capped them too: what it paid is what the allowance let through, in date order.
    for key, pay_rows in groups.items():
        paid = rules.cap_rows(pay_rows, allowance.get(key, 0))
        used[key] = sum(p * max(1, r.carers) for p, r in zip(paid, pay_rows, strict=True))
    return used
