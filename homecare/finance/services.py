"""Payment runs: calculate (and recalculate) a draft, approve, lock; holds, disputes and adjustments.

How a run is calculated (`run_calculate`):
1. The framework's providers' visits in the period, of packages paid through the run (council, NHS CHC
   and joint funding: self-funders pay the provider themselves, direct payments are paid to the person).
2. Missed and cancelled visits are not paid. A delivered visit with a reason to hold it (no check-out,
   unverified or out of range, implausibly short, a doubtful phone clock: `rules.hold_reasons`) is a
   held line, unpaid, until a manager resolves it (`hold_resolve`); a resolution to pay it pays the
   minutes decided.
3. Everything else is summed in the database, grouped by package version, care type, carers, day and
   who delivered it (a lead provider's subcontractor's visits are lines of their own, on the lead's
   statement with the subcontractor named: ADR 0015):
   payable minutes per visit are the verified minutes rounded to the framework's step and capped at
   planned + approved extra time (or the planned + extra minutes on a commissioned basis), with the
   minimum charge; sleep-ins count nights.
4. Each group is priced at the rate card in force on its day (weekend and bank holiday enhancements),
   and the groups of a version at the same rate make one line: minutes × rate × carers, rounded half up
   to the penny once per line; the NHS share of joint and CHC packages is split off for recharge.
The calculation is deterministic, so recalculating a draft with nothing changed gives identical lines;
it runs in one transaction, so a crash leaves the previous lines (or none), never half a statement.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import User
from homecare.brokerage.models import Award
from homecare.finance import rules
from homecare.finance.models import (
    Adjustment,
    Dispute,
    DisputeStatus,
    HoldDecision,
    HoldResolution,
    LineKind,
    PaymentRun,
    RunStatus,
    Statement,
    StatementLine,
)
from homecare.outcomes.payments import cap_to_weekly_budgets
from homecare.people.models import CareType, Funding, PackageVersion
from homecare.platform.audit_log import audit_record
from homecare.platform.calendar import is_bank_holiday
from homecare.providers import selectors as provider_selectors
from homecare.providers.models import Framework, Lot, RateCard
from homecare.visits.models import Visit, VisitStatus

PAID_FUNDING = (Funding.COUNCIL, Funding.NHS_CHC, Funding.JOINT)
DELIVERED = (VisitStatus.COMPLETED, VisitStatus.IN_PROGRESS)


def _require_finance(actor: User) -> None:
    if not permissions.runs_payments(actor):
        raise PermissionDenied("Only the council's finance officers run payments")


@transaction.atomic
def run_create(*, actor: User, framework: Framework, period_start: dt.date) -> PaymentRun:
    """A draft run for the framework's next period from `period_start`, calculated at once."""
    _require_finance(actor)
    if framework.council_id != actor.organisation_id:
        raise PermissionDenied
    period_end = period_start + dt.timedelta(days=framework.payment_period_days - 1)
    overlap = PaymentRun.objects.filter(
        framework=framework, period_start__lte=period_end, period_end__gte=period_start
    ).first()
    if overlap is not None:
        raise ValidationError(
            {
                "period_start": f"A run already covers {overlap.period_start:%-d %b} "
                f"to {overlap.period_end:%-d %b %Y}"
            }
        )
    if period_end >= timezone.localdate():
        raise ValidationError({"period_start": "A period can be paid once it has ended"})
    run = PaymentRun.objects.create(
        council_id=framework.council_id,
        framework=framework,
        period_start=period_start,
        period_end=period_end,
        pay_basis=framework.pay_basis,
        rounding_minutes=framework.pay_rounding_minutes,
        minimum_minutes=framework.minimum_charge_minutes,
        created_by=actor,
        created_at=timezone.now(),
    )
    _calculate(run)
    return run


def run_calculate(*, actor: User, run: PaymentRun) -> PaymentRun:
    """Recalculate a draft run (after holds are resolved, late events arrive). An approved or locked run
    is never recalculated: this returns it unchanged."""
    _require_finance(actor)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.DRAFT:
            return run
        _calculate(run)
    return run


@transaction.atomic
def run_approve(*, actor: User, run: PaymentRun) -> PaymentRun:
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    _require_finance(actor)
    if run.status != RunStatus.DRAFT:
        raise ValidationError("Only a draft run can be approved")
    if run.created_by_id == actor.pk:
        # Separation of duties: whoever prepared the run does not approve it.
        raise ValidationError("Another finance officer must approve a run you prepared")
    run.status, run.approved_by, run.approved_at = RunStatus.APPROVED, actor, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    _audit_run(actor, run, "payments.run_approved", "Payment run approved")
    return run


@transaction.atomic
def run_lock(*, actor: User, run: PaymentRun) -> PaymentRun:
    """Lock once paid: the statements are final; later changes are adjustments in a later run."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    _require_finance(actor)
    if run.status != RunStatus.APPROVED:
        raise ValidationError("Approve the run before locking it")
    run.status, run.locked_at = RunStatus.LOCKED, timezone.now()
    run.save(update_fields=["status", "locked_at"])
    _audit_run(actor, run, "payments.run_locked", "Payment run locked as paid")
    return run


def _audit_run(actor: User, run: PaymentRun, action: str, summary: str) -> None:
    """One tamper-evident entry per decision on a run (not per line: the lines are evidence themselves)."""
    totals = Statement.objects.filter(run=run).aggregate(payable=Sum("payable"), statements=Count("id"))
    audit_record(
        actor=actor,
        action=action,
        record=run,
        summary=f"{summary}: {run.period_start:%-d %b} to {run.period_end:%-d %b %Y}",
        payload={"statements": totals["statements"], "payable": f"{totals['payable'] or 0:.2f}"},
    )


# --- the calculation ----------------------------------------------------------------------------


def _terms(run: PaymentRun) -> rules.PayTerms:
    return rules.PayTerms(
        basis=run.pay_basis, rounding_minutes=run.rounding_minutes, minimum_minutes=run.minimum_minutes
    )


def run_visits(run: PaymentRun):
    """The visits a run pays or holds: the framework's council, in the period, funding paid by the run."""
    return Visit.objects.filter(
        council_id=run.council_id,
        date__gte=run.period_start,
        date__lte=run.period_end,
        provider__isnull=False,
        version__funding__in=PAID_FUNDING,
    ).alias(actual_x100=F("actual_minutes") * 100)  # "short" compares in whole numbers, as the rule does


def _held_q(terms: rules.PayTerms) -> Q:
    """Delivered visits to hold, as a filter (the same rules as rules.hold_reasons)."""
    no_check_out = Q(status=VisitStatus.IN_PROGRESS) | Q(
        status=VisitStatus.COMPLETED, actual_minutes__isnull=True
    )
    if terms.basis == rules.COMMISSIONED:
        return no_check_out
    return (
        no_check_out
        | Q(status=VisitStatus.COMPLETED, verification__in=("", "out_of_range"))
        | Q(
            status=VisitStatus.COMPLETED,
            # actual × 100 < planned × percent, in whole numbers as rules.hold_reasons does: dividing
            # first would round 22 of 45 minutes up to "half" and pay it.
            actual_x100__lt=F("planned_minutes") * terms.short_visit_percent,
        )
        | Q(status=VisitStatus.COMPLETED, clock_flagged=True)
    )


def _payable_expression(terms: rules.PayTerms):
    """Payable minutes per carer of one visit, in SQL: integer arithmetic, as rules.payable_minutes."""
    ceiling = F("planned_minutes") + F("extra_minutes")
    if terms.basis == rules.COMMISSIONED:
        return ceiling
    step = max(1, terms.rounding_minutes)
    rounded = (F("actual_minutes") * 2 + step) / (2 * step) * step
    capped = Least(rounded, ceiling)
    if terms.minimum_minutes:
        return Greatest(capped, Least(Value(terms.minimum_minutes), ceiling))
    return capped


def _lots_by_package(run: PaymentRun, package_ids: set[int]) -> dict[int, Lot | None]:
    """The lot each package is paid under: its award's, else the live lot for the person's zone type."""
    lots: dict[int, Lot | None] = {}
    for package_id, lot in Award.objects.filter(
        round__case__package_id__in=package_ids, offer__lot__framework=run.framework
    ).values_list("round__case__package_id", "offer__lot"):
        lots[package_id] = lot
    lot_objects = {lot.pk: lot for lot in Lot.objects.filter(framework=run.framework)}
    by_area = {(lot.area_type, lot.service): lot for lot in lot_objects.values()}
    missing = package_ids - set(lots)
    for package_id, area_type in (
        PackageVersion.objects.filter(package_id__in=missing)
        .values_list("package_id", "package__person__zone__area_type")
        .distinct()
    ):
        lot = by_area.get((area_type, "homecare"))
        lots[package_id] = lot.pk if lot else None
    return {pk: lot_objects.get(lot_id) if lot_id else None for pk, lot_id in lots.items()}


@dataclass
class _Rates:
    """Rate cards of the framework, looked up by lot, area type, care type and day (cached)."""

    run: PaymentRun

    def __post_init__(self):
        self.cards: dict[tuple[int, str, str], list[RateCard]] = defaultdict(list)
        for card in RateCard.objects.filter(framework=self.run.framework).order_by("effective_from"):
            self.cards[(card.lot_id, card.area_type, card.care_type)].append(card)
        self.cache: dict[tuple, tuple[RateCard, Decimal, str] | None] = {}

    def on(self, lot: Lot, area_type: str, care_type: str, day: dt.date):
        key = (lot.pk, area_type, care_type, day)
        if key not in self.cache:
            card = None
            for candidate in self.cards.get((lot.pk, area_type, care_type), []):
                if candidate.effective_from <= day:
                    card = candidate
            if card is None:
                self.cache[key] = None
            else:
                quote = provider_selectors.quote(card, day)
                day_type = (
                    "bank holiday" if is_bank_holiday(day) else "weekend" if day.weekday() >= 5 else "weekday"
                )
                self.cache[key] = (card, quote.amount, day_type)
        return self.cache[key]


def _calculate(run: PaymentRun) -> None:
    terms = _terms(run)
    visits = run_visits(run)
    _clear(run)
    resolutions = _resolutions(run)
    held_q = _held_q(terms)
    # Held visits: one line each, unpaid unless a resolution says pay.
    held_rows = list(
        visits.filter(held_q)
        .exclude(pk__in=[pk for pk, r in resolutions.items()])
        .values(
            "pk",
            "package_id",
            "person_id",
            "provider_id",
            "delivered_by_id",
            "version_id",
            "version__funding",
            "version__nhs_share_percent",
            "care_type",
            "carers_required",
            "date",
            "status",
            "verification",
            "planned_minutes",
            "actual_minutes",
            "clock_flagged",
        )
        .order_by("pk")
    )
    resolved_rows = list(
        visits.filter(pk__in=list(resolutions))
        .values(
            "pk",
            "package_id",
            "person_id",
            "provider_id",
            "delivered_by_id",
            "version_id",
            "version__funding",
            "version__care_model",
            "version__nhs_share_percent",
            "care_type",
            "carers_required",
            "date",
        )
        .order_by("pk")
    )
    # Completed, not held (which covers a missing check-out) and not decided by hand: summed in SQL.
    groups = (
        visits.filter(status=VisitStatus.COMPLETED)
        .exclude(held_q)
        .exclude(pk__in=list(resolutions))
        .values(
            "provider_id",
            "delivered_by_id",
            "package_id",
            "person_id",
            "version_id",
            "version__funding",
            "version__care_model",
            "version__nhs_share_percent",
            "care_type",
            "carers_required",
            "date",
        )
        .annotate(minutes=Sum(_payable_expression(terms), output_field=IntegerField()), n=Count("id"))
        .order_by("provider_id", "version_id", "care_type", "carers_required", "date")
    )
    group_rows = list(groups)
    package_ids = {g["package_id"] for g in group_rows} | {r["package_id"] for r in held_rows + resolved_rows}
    lots = _lots_by_package(run, package_ids)
    areas = dict(
        PackageVersion.objects.filter(package_id__in=package_ids)
        .values_list("package_id", "package__person__zone__area_type")
        .distinct()
    )
    rates = _Rates(run)
    # (provider, version, care type, carers, rate card, amount) → line being built
    lines: dict[tuple, dict] = {}
    unpriced: list[str] = []

    def add(row: dict, minutes: int, count: int, kind: str = LineKind.VISITS, visit_id=None, hold=""):
        lot = lots.get(row["package_id"])
        priced = rates.on(lot, areas[row["package_id"]], row["care_type"], row["date"]) if lot else None
        if priced is None:
            unpriced.append(f"package {row['package_id']} on {row['date']:%-d %b}")
            return
        card, rate, day_type = priced
        key = (
            row["provider_id"],
            row["version_id"],
            row["care_type"],
            row["carers_required"],
            card.pk,
            rate,
            day_type,
            kind,
            visit_id,
            row.get("delivered_by_id"),  # a subcontractor's visits are lines of their own (ADR 0015)
        )
        line = lines.setdefault(
            key,
            {
                "provider_id": row["provider_id"],
                "package_id": row["package_id"],
                "person_id": row["person_id"],
                "visit_id": visit_id,
                "funding": row["version__funding"],
                "nhs_percent": _nhs_percent(row),
                "care_type": row["care_type"],
                "carers": row["carers_required"],
                "rate_card": card,
                "rate": rate,
                "day_type": day_type,
                "kind": kind,
                "visits": 0,
                "minutes": 0,
                "hold": hold,
                "subcontractor_id": row.get("delivered_by_id"),
            },
        )
        line["visits"] += count
        line["minutes"] += minutes

    paid_rows = group_rows + [
        {**r, "minutes": resolutions[r["pk"]].minutes or 0, "n": 1}
        for r in resolved_rows
        if resolutions[r["pk"]].decision == HoldDecision.PAY
    ]
    # Budget-of-hours packages: the delivered hours within each week's budget (ADR 0014); other rows as-is.
    paid_rows = cap_to_weekly_budgets(
        run=run, rows=paid_rows, payable=_payable_expression(terms), held_q=held_q
    )
    for g in paid_rows:
        add(g, g["minutes"] or 0, g["n"])
    for h in held_rows:
        reasons = rules.hold_reasons(
            terms=terms,
            status=h["status"],
            verification=h["verification"],
            planned=h["planned_minutes"],
            actual=h["actual_minutes"],
            clock_flagged=h["clock_flagged"],
        )
        add(h, 0, 1, kind=LineKind.HELD, visit_id=h["pk"], hold="; ".join(reasons) or "Held")
    if unpriced:
        raise ValidationError(
            f"No rate card covers {len(unpriced)} group(s) of visits, for example {unpriced[0]}: "
            "add the rate card before running payments"
        )
    _write(run, lines.values())
    run.calculated_at = timezone.now()
    run.save(update_fields=["calculated_at"])


def _nhs_percent(row: dict) -> Decimal:
    if row["version__funding"] == Funding.NHS_CHC:
        return Decimal(100)
    if row["version__funding"] == Funding.JOINT:
        return row["version__nhs_share_percent"] or Decimal(0)
    return Decimal(0)


def _clear(run: PaymentRun) -> None:
    """Remove a draft's lines and statements before recalculating. A draft has no disputes (providers see
    approved runs only), so the lines go in one statement rather than through Django's collector, which
    would load every line to check the disputes that protect them."""
    lines = StatementLine.objects.filter(statement__run=run)
    if Dispute.objects.filter(line__statement__run=run).exists():
        raise ValidationError("This run has disputes: it can no longer be recalculated")
    lines._raw_delete(lines.db)
    Statement.objects.filter(run=run).delete()


def _resolutions(run: PaymentRun) -> dict[int, HoldResolution]:
    """The latest decision on each held visit of the run (a later decision replaces an earlier one).
    Filtered through the join, not `visit__in=<the run's visits>`, which SQLite would turn into a list."""
    latest: dict[int, HoldResolution] = {}
    for r in HoldResolution.objects.filter(
        visit__council_id=run.council_id,
        visit__date__gte=run.period_start,
        visit__date__lte=run.period_end,
        visit__version__funding__in=PAID_FUNDING,
    ).order_by("decided_at", "id"):
        latest[r.visit_id] = r
    return latest


def _write(run: PaymentRun, built) -> None:
    statements: dict[int, Statement] = {}
    rows: list[tuple[Statement, tuple]] = []  # the statement, then the line's other columns in order
    for line in built:
        statement = statements.get(line["provider_id"])
        if statement is None:
            statement = statements[line["provider_id"]] = Statement(run=run, provider_id=line["provider_id"])
        if line["care_type"] == CareType.SLEEP_IN:
            amount = rules.nightly_amount(line["rate"], line["carers"]) * line["visits"]
            nights = line["visits"]
        else:
            amount = rules.hourly_amount(line["minutes"], line["rate"], line["carers"])
            nights = 0
        if line["kind"] == LineKind.HELD:
            amount = Decimal("0.00")
        council, nhs = rules.split(amount, line["nhs_percent"])
        rows.append(
            (
                statement,
                (
                    line["kind"],
                    line["package_id"],
                    line["person_id"],
                    line["visit_id"],
                    line["funding"],
                    line["care_type"],
                    line["carers"],
                    line["rate_card"].pk,
                    line["day_type"],
                    line["rate"],
                    line["visits"],
                    line["minutes"],
                    nights,
                    amount,
                    council,
                    nhs,
                    line["hold"],
                    line["subcontractor_id"],
                ),
            )
        )
        if line["kind"] == LineKind.HELD:
            statement.held_visits += line["visits"]
        else:
            statement.payable += amount
            statement.nhs_recharge += nhs
            statement.visits += line["visits"]
    Statement.objects.bulk_create(statements.values())
    # Statement ids exist only now that the statements are saved.
    _insert_lines([(statement.pk, *columns) for statement, columns in rows])


_LINE_COLUMNS = (
    "statement_id", "kind", "package_id", "person_id", "visit_id", "funding", "care_type", "carers",
    "rate_card_id", "day_type", "rate", "visits", "minutes", "nights", "amount", "council_amount",
    "nhs_amount", "hold_reason", "subcontractor_id",
)


def _insert_lines(values: list[tuple]) -> None:
    """Tens of thousands of lines at once, as tuples in _LINE_COLUMNS order. PostgreSQL takes them through
    COPY (one stream, no statement per row); SQLite through one executemany. bulk_create would prepare
    every value through the field machinery and, on SQLite, split the insert into statements of 999
    parameters."""
    quote = connection.ops.quote_name
    table = quote(StatementLine._meta.db_table)
    columns = ", ".join(quote(c) for c in _LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_LINE_COLUMNS))})"  # noqa: S608 # nosec B608
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


# --- holds, disputes, adjustments ---------------------------------------------------------------


@transaction.atomic
def hold_resolve(
    *, actor: User, visit: Visit, decision: str, reason: str, minutes: int | None = None
) -> HoldResolution:
    """Decide a held visit: pay it (the minutes to pay, at most planned + approved extra) or not."""
    _require_finance(actor)
    if visit.council_id != actor.organisation_id:
        raise PermissionDenied
    errors = {}
    if decision not in HoldDecision.values:
        errors["decision"] = "Choose whether to pay the visit"
    if not reason.strip():
        errors["reason"] = "Say why, for example what the provider's evidence showed"
    ceiling = visit.planned_minutes + visit.extra_minutes
    if decision == HoldDecision.PAY and (minutes is None or not 0 < minutes <= ceiling):
        errors["minutes"] = f"Enter the minutes to pay, from 1 to {ceiling}"
    if errors:
        raise ValidationError(errors)
    return HoldResolution.objects.create(
        visit=visit,
        decision=decision,
        minutes=minutes if decision == HoldDecision.PAY else None,
        reason=reason.strip(),
        decided_by=actor,
        decided_at=timezone.now(),
    )


@transaction.atomic
def dispute_raise(
    *, actor: User, line: StatementLine, reason: str, amount_claimed: Decimal | None = None
) -> Dispute:
    """A provider's manager disputes a line of its own statement, with the reason."""
    if not (permissions.manages_visits(actor) and line.statement.provider_id == actor.organisation_id):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "Say what is wrong with this line"})
    if line.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise ValidationError("This line already has an open dispute")
    return Dispute.objects.create(
        line=line,
        raised_by=actor,
        raised_at=timezone.now(),
        reason=reason.strip(),
        amount_claimed=amount_claimed,
    )


@transaction.atomic
def dispute_resolve(
    *, actor: User, dispute: Dispute, uphold: bool, resolution: str, adjustment: Decimal | None = None
) -> Dispute:
    """Finance upholds (with an adjustment: a new row on the statement, the line untouched) or rejects."""
    _require_finance(actor)
    dispute = Dispute.objects.select_for_update().select_related("line__statement__run").get(pk=dispute.pk)
    if dispute.line.statement.run.council_id != actor.organisation_id:
        raise PermissionDenied
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError("This dispute has already been resolved")
    if not resolution.strip():
        raise ValidationError({"resolution": "Explain the decision to the provider"})
    if uphold and (adjustment is None or adjustment == 0):
        raise ValidationError({"adjustment": "Enter the amount to adjust the statement by"})
    now = timezone.now()
    dispute.status = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
    dispute.resolved_by, dispute.resolved_at, dispute.resolution = actor, now, resolution.strip()
    dispute.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    if uphold:
        Adjustment.objects.create(
            statement=dispute.line.statement,
            dispute=dispute,
            amount=adjustment,
            reason=f"Dispute upheld: {resolution.strip()}",
            made_by=actor,
            made_at=now,
        )
    return dispute


def statement_total(statement: Statement) -> Decimal:
    """What the provider is paid: its lines' payable total plus any adjustments."""
    adjustments = statement.adjustments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return statement.payable + adjustments
