"""Sitreps and market settings for tests, made through the services so the rules apply."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from homecare.market import services
from homecare.market.services import SitrepFigures


def figures(**overrides) -> SitrepFigures:
    """A steady week: 40 care staff, 3 absent, 30 days of PPE, no outbreak, taking new packages."""
    values = {
        "staff_in_post": 40,
        "absent_sickness": 2,
        "absent_isolation": 0,
        "absent_leave": 1,
        "absent_other": 0,
        "vacancies": 3,
        "agency_staff": 2,
        "agency_hours": Decimal("24.50"),
        "ppe_stock_days": 30,
        "outbreak_status": "none",
        "bcp_reviewed_on": dt.date(2026, 1, 2),
        "can_take_new_packages": True,
        "people_supported": 12,
        "hours_delivered": Decimal("96.00"),
        "staff_flu_vaccinated": 30,
        "staff_covid_vaccinated": 22,
        "notes": "",
        "spare_hours": {},
    }
    values.update(overrides)
    return SitrepFigures(**values)


def submit(*, council, provider, actor, now: dt.datetime | None = None, **overrides):
    return services.sitrep_submit(
        council=council, provider=provider, figures=figures(**overrides), actor=actor, now=now
    )


def form_data(**overrides) -> dict:
    """What the sitrep form posts for `figures(**overrides)` (zone boxes as zone_<id>)."""
    f = figures(**overrides)
    data = {
        name: value
        for name, value in f.as_fields().items()
        if name not in ("bcp_reviewed_on", "can_take_new_packages") and value is not None
    }
    data |= {
        "bcp_reviewed_on_day": f.bcp_reviewed_on.day,
        "bcp_reviewed_on_month": f.bcp_reviewed_on.month,
        "bcp_reviewed_on_year": f.bcp_reviewed_on.year,
        "can_take_new_packages": "yes" if f.can_take_new_packages else "no",
    }
    data |= {f"zone_{zone_id}": hours for zone_id, hours in f.spare_hours.items()}
    return {k: str(v) for k, v in data.items()}


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
