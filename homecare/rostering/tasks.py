"""Jobs: thin wrappers around rostering services (plain arguments, so a worker sees the database as it is)."""

from __future__ import annotations

from homecare.rostering import services


def solve_plan_job(plan_id: int, actor_id: int) -> dict:
    """Plan a rota within its time limit (enqueued by services.plan_start once the plan is committed)."""
    return services.plan_solve(plan_id=plan_id, actor_id=actor_id)
