"""Travel times between homes, for the planner.

By default no network is needed: the straight-line (great-circle) distance times a road factor, at a
speed that depends on the travel mode and on the kind of area (urban or rural zone). Each end of a leg
counts at its own area's pace, half the distance each, so a leg takes as long either way.

When `ROSTERING_ROUTING_URL` names an OSRM server, road times come from its table service instead,
asked in blocks small enough for the server's table limit; if it is slow, down or answers nonsense the
whole matrix falls back to the model (mixing sources within one matrix would make the comparison of
two rotas meaningless) and the plan records why.

The model's functions are pure (no Django, no database) so the benchmark and property tests use them
directly; only `travel_matrices` reads settings.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from homecare.platform.geo import great_circle

log = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088
CAR, FOOT = "car", "foot"
# Roads wind more in town; in the country they are longer but faster. Speeds are door to door,
# including parking, for a weekday in a borough like ours.
DEFAULT_ROAD_FACTOR = {"urban": 1.35, "rural": 1.25}
DEFAULT_SPEED_KMH = {CAR: {"urban": 22.0, "rural": 45.0}, FOOT: {"urban": 4.8, "rural": 4.5}}
OSRM_PROFILES = {CAR: "driving", FOOT: "foot"}


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    area_type: str = "urban"


@dataclass(frozen=True)
class TravelModel:
    road_factor: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ROAD_FACTOR))
    speed_kmh: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: dict(DEFAULT_SPEED_KMH))

    def pace(self, mode: str, area_type: str) -> float:
        """Minutes per straight-line kilometre."""
        speeds = self.speed_kmh.get(mode) or self.speed_kmh[CAR]
        area = area_type if area_type in speeds and area_type in self.road_factor else "urban"
        return 60.0 * self.road_factor[area] / speeds[area]

    def minutes(self, a: Place, b: Place, mode: str = CAR) -> float:
        km = haversine_km(a, b)
        if km == 0.0:
            return 0.0
        return km * (self.pace(mode, a.area_type) + self.pace(mode, b.area_type)) / 2

    def matrix(self, places: Sequence[Place], mode: str = CAR) -> list[list[float]]:
        return [
            [0.0 if i == j else self.minutes(a, b, mode) for j, b in enumerate(places)]
            for i, a in enumerate(places)
        ]


def haversine_km(a: Place, b: Place) -> float:
    return great_circle(a.latitude, a.longitude, b.latitude, b.longitude, radius=EARTH_RADIUS_KM)


class RoutingUnavailable(Exception):
    """The routing engine could not give a full matrix (down, slow, refused, or a malformed answer)."""


def osrm_matrix(
    places: Sequence[Place], mode: str, *, url: str, timeout: float, max_locations: int = 100, opener=None
) -> list[list[float]]:
    """Minutes between every pair of places from an OSRM server's table service, in blocks of at most
    `max_locations` coordinates per request (OSRM's --max-table-size). Raises RoutingUnavailable."""
    open_url = opener or urllib.request.urlopen
    profile = OSRM_PROFILES.get(mode, "driving")
    n = len(places)
    out = [[0.0] * n for _ in range(n)]
    block = max(1, max_locations // 2)
    for i0 in range(0, n, block):
        rows = list(range(i0, min(n, i0 + block)))
        for j0 in range(0, n, block):
            cols = list(range(j0, min(n, j0 + block)))
            coords = [places[i] for i in rows] + [places[j] for j in cols]
            path = ";".join(f"{p.longitude:.6f},{p.latitude:.6f}" for p in coords)
            query = urllib.parse.urlencode(
                {
                    "annotations": "duration",
                    "sources": ";".join(str(x) for x in range(len(rows))),
                    "destinations": ";".join(str(len(rows) + x) for x in range(len(cols))),
                }
            )
            request = f"{url.rstrip('/')}/table/v1/{profile}/{path}?{query}"
            try:
                with open_url(request, timeout=timeout) as response:
                    body = json.loads(response.read().decode("utf-8"))
            except (OSError, ValueError) as exc:  # URLError and timeouts are OSErrors
                raise RoutingUnavailable(f"no answer from the routing engine ({exc})") from exc
            durations = body.get("durations") if isinstance(body, dict) else None
            if not isinstance(body, dict) or body.get("code") != "Ok" or not isinstance(durations, list):
                code = body.get("code") if isinstance(body, dict) else "not JSON"
                raise RoutingUnavailable(f"the routing engine answered {code!r}")
            if len(durations) != len(rows) or any(
                not isinstance(row, list) or len(row) != len(cols) for row in durations
            ):
                raise RoutingUnavailable("the routing engine's table has the wrong shape")
            for a, row in zip(rows, durations, strict=True):
                for b, seconds in zip(cols, row, strict=True):
                    if a == b:
                        continue
                    if not isinstance(seconds, (int, float)) or seconds < 0 or not math.isfinite(seconds):
                        raise RoutingUnavailable("the routing engine cannot reach every home")
                    out[a][b] = seconds / 60.0
    return out


@dataclass(frozen=True)
class Matrices:
    by_mode: dict[str, list[list[float]]]
    source: str  # said on the plan: where the times came from


def configured_model() -> TravelModel:
    from django.conf import settings

    return TravelModel(
        road_factor=getattr(settings, "ROSTERING_ROAD_FACTOR", DEFAULT_ROAD_FACTOR),
        speed_kmh=getattr(settings, "ROSTERING_SPEED_KMH", DEFAULT_SPEED_KMH),
    )


def travel_matrices(places: Sequence[Place], modes: Sequence[str], *, opener=None) -> Matrices:
    """A matrix per travel mode: from the routing engine when one is configured and answers, else from
    the straight-line model."""
    from django.conf import settings

    model = configured_model()
    url = getattr(settings, "ROSTERING_ROUTING_URL", "")
    if url:
        try:
            by_mode = {
                mode: osrm_matrix(
                    places,
                    mode,
                    url=url,
                    timeout=float(getattr(settings, "ROSTERING_ROUTING_TIMEOUT", 5)),
                    max_locations=int(getattr(settings, "ROSTERING_ROUTING_MAX_LOCATIONS", 100)),
                    opener=opener,
                )
                for mode in modes
            }
            return Matrices(by_mode, "road times from the routing engine")
        except RoutingUnavailable as exc:
            log.warning("rostering: routing engine unavailable, using the straight-line model: %s", exc)
            return Matrices(
                {mode: model.matrix(places, mode) for mode in modes},
                f"straight-line estimate (the routing engine was unavailable: {exc})",
            )
    return Matrices({mode: model.matrix(places, mode) for mode in modes}, "straight-line estimate")
