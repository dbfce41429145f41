"""Writes for the rota planner. Each service says what it guarantees; all are keyword-only."""

from homecare.rostering.services.moves import plan_move_visit
from homecare.rostering.services.plans import (
    PlanSettings,
    plan_create,
    plan_publish,
    plan_replan_after_sickness,
    plan_solve,
    plan_start,
)
from homecare.rostering.services.profiles import (
    ProfileDetails,
    absence_record,
    preferences_save,
    profile_save,
)

__all__ = [
    "PlanSettings",
    "ProfileDetails",
    "absence_record",
    "plan_create",
    "plan_move_visit",
    "plan_publish",
    "plan_replan_after_sickness",
    "plan_solve",
    "plan_start",
    "preferences_save",
    "profile_save",
]
