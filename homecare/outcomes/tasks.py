"""Jobs: thin wrappers around outcome services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

from homecare.outcomes import services


def raise_budget_alerts_job() -> dict:
    """Daily: packages under or over budget for weeks on end (idempotent: one alert per streak)."""
    return services.budget_alerts_raise().__dict__


def create_due_surveys_job() -> dict:
    """Daily: feedback surveys that have fallen due (idempotent: one per package and due date)."""
    return services.feedback_surveys_create_due().__dict__
