"""The travel-time model (properties) and the routing-engine client with its fallback."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from homecare.rostering.adapters import wall_minutes
from homecare.rostering.travel import CAR, FOOT, Place, TravelModel, haversine_km, travel_matrices

places = st.builds(
    Place,
    latitude=st.floats(50.0, 55.0),
    longitude=st.floats(-3.0, 1.0),
    area_type=st.sampled_from(["urban", "rural"]),
)
MODEL = TravelModel()


@given(places, places, st.sampled_from([CAR, FOOT]))
def test_a_leg_takes_as_long_either_way_and_never_less_than_nothing(a, b, mode):
    there, back = MODEL.minutes(a, b, mode), MODEL.minutes(b, a, mode)
    assert there >= 0 and abs(there - back) < 1e-9
    assert MODEL.minutes(a, a, mode) == 0


@given(places, places)
def test_walking_is_never_faster_than_driving(a, b):
    assert MODEL.minutes(a, b, FOOT) >= MODEL.minutes(a, b, CAR)


@given(places, places)
def test_time_is_the_distance_times_a_pace_between_the_two_areas(a, b):
    km = haversine_km(a, b)
    paces = [MODEL.pace(CAR, a.area_type), MODEL.pace(CAR, b.area_type)]
    minutes = MODEL.minutes(a, b, CAR)
    assert min(paces) * km - 1e-9 <= minutes <= max(paces) * km + 1e-9


@given(places, st.floats(0.001, 0.05), st.floats(1.5, 4.0))
def test_farther_along_the_same_street_takes_longer(a, step, factor):
    near = Place(a.latitude + step, a.longitude, a.area_type)
    far = Place(a.latitude + step * factor, a.longitude, a.area_type)
    assert MODEL.minutes(a, far) > MODEL.minutes(a, near)


def test_the_clock_change_morning_has_an_hour_less_before_seven():
    assert wall_minutes(dt.date(2026, 3, 29), dt.time(7)) == 6 * 60
    assert wall_minutes(dt.date(2026, 10, 25), dt.time(7)) == 8 * 60
    assert wall_minutes(dt.date(2026, 1, 6), dt.time(7)) == 7 * 60


class FakeOSRM:
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __call__(self, url, timeout):
        self.calls.append((url, timeout))
        if isinstance(self.answer, Exception):
            raise self.answer
        return io.BytesIO(json.dumps(self.answer).encode())


HOMES = [Place(52.95, -1.15), Place(52.96, -1.14), Place(52.94, -1.16)]


@override_settings(ROSTERING_ROUTING_URL="http://osrm.example:5000", ROSTERING_ROUTING_MAX_LOCATIONS=4)
def test_road_times_come_from_the_routing_engine_in_blocks_when_it_answers():
    def table(url, timeout):
        sources = url.split("sources=")[1].split("&")[0].split("%3B")
        destinations = url.split("destinations=")[1].split("&")[0].split("%3B")
        return io.BytesIO(
            json.dumps({"code": "Ok", "durations": [[600.0] * len(destinations)] * len(sources)}).encode()
        )

    result = travel_matrices(HOMES, [CAR], opener=table)
    assert result.source == "road times from the routing engine"
    assert result.by_mode[CAR][0][1] == 10.0 and result.by_mode[CAR][1][1] == 0.0


@override_settings(ROSTERING_ROUTING_URL="http://osrm.example:5000")
def test_an_unreachable_or_confused_routing_engine_falls_back_to_the_model_and_says_so():
    for answer in (
        OSError("connection refused"),
        {"code": "InvalidQuery"},
        {"code": "Ok", "durations": [[None]]},
    ):
        result = travel_matrices(HOMES, [CAR], opener=FakeOSRM(answer))
        assert result.source.startswith("straight-line estimate (the routing engine was unavailable")
        assert result.by_mode[CAR] == MODEL.matrix(HOMES, CAR)


def test_without_a_routing_engine_the_model_is_used():
    assert travel_matrices(HOMES, [FOOT]).source == "straight-line estimate"
