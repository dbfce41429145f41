"""Jobs: thin wrappers around market services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

from homecare.market import services


def send_sitrep_reminders_job() -> dict:
    """Every 15 minutes: sitreps due soon and overdue, to providers; overdue lists to commissioners."""
    return services.sitrep_reminders_send().__dict__
