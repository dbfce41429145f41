"""Scoped reads for payments: the council's finance staff see its runs; a provider sees its own statements."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from homecare.accounts import permissions
from homecare.accounts.models import User
from homecare.finance.models import (
    Dispute,
    DisputeStatus,
    LineKind,
    PaymentRun,
    RunStatus,
    Statement,
    StatementLine,
)
from homecare.providers.models import Framework


def runs_visible_to(*, user: User) -> QuerySet[PaymentRun]:
    if not permissions.sees_payments(user):
        return PaymentRun.objects.none()
    return PaymentRun.objects.filter(council_id=user.organisation_id).select_related("framework")


def run_for_user(*, user: User, pk: int) -> PaymentRun:
    return get_object_or_404(runs_visible_to(user=user), pk=pk)


def statements_visible_to(*, user: User) -> QuerySet[Statement]:
    """Council finance staff: every statement of their runs. A provider's manager: its own statements
    of approved or locked runs (a draft is the council's working copy)."""
    if permissions.sees_payments(user):
        return Statement.objects.filter(run__council_id=user.organisation_id)
    if permissions.manages_visits(user):
        return Statement.objects.filter(provider_id=user.organisation_id).exclude(run__status=RunStatus.DRAFT)
    return Statement.objects.none()


def statement_for_user(*, user: User, pk: int) -> Statement:
    return get_object_or_404(
        statements_visible_to(user=user).select_related("run__framework", "provider"), pk=pk
    )


def line_for_user(*, user: User, pk: int) -> StatementLine:
    return get_object_or_404(
        StatementLine.objects.filter(statement__in=statements_visible_to(user=user)).select_related(
            "statement__run", "statement__provider", "package", "person", "visit", "subcontractor"
        ),
        pk=pk,
    )


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    return statement.lines.select_related("package", "person", "visit", "subcontractor").order_by(
        "kind", "person__family_name", "package_id", "care_type", "day_type", "id"
    )


def held_lines(*, run: PaymentRun) -> QuerySet[StatementLine]:
    return (
        StatementLine.objects.filter(statement__run=run, kind=LineKind.HELD)
        .select_related("visit", "person", "statement__provider")
        .order_by("statement__provider__name", "visit__planned_start")
    )


def line_visits(*, line: StatementLine):
    """The visits a line counts: its package's, in the run's period, of its care type, carers and rate."""
    from homecare.visits.models import Visit

    if line.visit_id:
        return Visit.objects.filter(pk=line.visit_id)
    run = line.statement.run
    return Visit.objects.filter(
        package_id=line.package_id,
        date__gte=run.period_start,
        date__lte=run.period_end,
        care_type=line.care_type,
        carers_required=line.carers,
        status="completed",
        delivered_by_id=line.subcontractor_id,  # None: the provider's own care workers
    ).order_by("planned_start")


def disputes_visible_to(*, user: User) -> QuerySet[Dispute]:
    return Dispute.objects.filter(line__statement__in=statements_visible_to(user=user)).select_related(
        "line__statement__provider", "line__person", "raised_by"
    )


def open_disputes(*, user: User) -> QuerySet[Dispute]:
    return disputes_visible_to(user=user).filter(status=DisputeStatus.OPEN).order_by("raised_at")


def dispute_for_user(*, user: User, pk: int) -> Dispute:
    return get_object_or_404(disputes_visible_to(user=user), pk=pk)


def frameworks_for_payments(*, user: User) -> QuerySet[Framework]:
    if not permissions.runs_payments(user):
        return Framework.objects.none()
    return Framework.objects.filter(council_id=user.organisation_id).order_by("-start_date")
