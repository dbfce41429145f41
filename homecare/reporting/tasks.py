"""Jobs: thin wrappers around reporting services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

from homecare.reporting import services


def refresh_aggregates_job(council_id: int | None = None, requested_by_id: int | None = None) -> list[dict]:
    """Nightly (SCHEDULE) and on demand from the performance page: the visit aggregates and KPI values of
    the last 12 months, for one council or all."""
    if council_id is None:
        return [r.__dict__ for r in services.all_councils_refresh()]
    from homecare.accounts.models import Organisation, User

    council = Organisation.objects.get(pk=council_id, type="council")
    actor = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    return [services.aggregates_refresh(council=council, actor=actor).__dict__]
