"""Jobs: thin wrappers around payment-run services (ids and ISO dates, never model instances).

Each is safe to run again after its worker died at any point (ADR 0004): the services commit a run and
its statements in one transaction, so a re-run either finds the run the first attempt committed or
recalculates a draft from scratch, which gives the same lines.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError

from homecare.accounts.models import User
from homecare.finance import services
from homecare.finance.models import PaymentRun
from homecare.providers.models import Framework


def create_payment_run_job(actor_id: int, framework_id: int, period_start: str) -> int:
    """A draft run for the framework's period from `period_start`, calculated; returns its id. A run an
    earlier attempt committed for this framework and period (its worker died before RQ heard) is
    returned as it is, not refused as an overlap."""
    actor = User.objects.get(pk=actor_id)
    framework = Framework.objects.get(pk=framework_id)
    start = dt.date.fromisoformat(period_start)
    existing = PaymentRun.objects.filter(framework=framework, period_start=start).first()
    if existing is not None:
        return existing.pk
    try:
        return services.run_create(actor=actor, framework=framework, period_start=start).pk
    except IntegrityError:  # a copy of this job committed the run first (run_unique_period)
        return PaymentRun.objects.get(framework=framework, period_start=start).pk


def calculate_payment_run_job(actor_id: int, run_id: int) -> dict:
    """Recalculate a draft run (an approved or locked one is left as it is)."""
    actor = User.objects.get(pk=actor_id)
    run = services.run_calculate(actor=actor, run=PaymentRun.objects.get(pk=run_id))
    return {"run": run.pk, "status": run.status, "statements": run.statements.count()}
