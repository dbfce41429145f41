"""Jobs: thin wrappers around visit services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

import datetime as dt

from homecare.people.models import Package
from homecare.visits import services


def generate_visits_job(days: int | None = None) -> dict:
    """Nightly: roll every active package's visits forward over the horizon."""
    return services.visits_generate_all(days=days).__dict__


def flag_late_visits_job() -> dict:
    """Every few minutes: late and missed visits, alerts and escalations."""
    return services.late_visits_flag().__dict__


def regenerate_package_job(package_id: int, start: str | None = None) -> dict:
    """After a package changes (started, held, resumed, ended, a new version): re-plan its visits."""
    package = Package.objects.filter(pk=package_id).first()
    if package is None:
        return {}
    day = dt.date.fromisoformat(start) if start else None
    return services.visits_generate(package=package, start=day).__dict__
