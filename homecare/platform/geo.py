"""Great-circle distance (haversine), shared by call monitoring's "at the door" check and the rota
planner's straight-line travel model; each keeps its own unit and radius."""

from __future__ import annotations

import math
from decimal import Decimal

Degrees = Decimal | float


def great_circle(lat1: Degrees, lon1: Degrees, lat2: Degrees, lon2: Degrees, *, radius: float) -> float:
    """Distance between two points in degrees, in the unit of `radius` (the Earth's, in m or km)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))
