"""Readers for the public benchmark files, and clear errors on malformed ones."""

from __future__ import annotations

import csv

import pytest

from homecare.rostering.solver.readers import MalformedInstance, read_mankowska, read_vrptw

from .builders import BENCH

needs_bench = pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench")

TINY_MANKOWSKA = """nbNodes
4
nbVehi
2
nbServi
2
r
1 1
1 0
1 1
1 1
DS
3
a
1 1
0 1
x
0 1 2 0
y
0 1 2 0
d
0 1 2 0
1 0 1 1
2 1 0 2
0 1 2 0
p
0 0
0 0
5 5
5 5
7 7
7 7
0 0
0 0
mind
0 0 10 0
maxd
0 0 20 0
e
0 10 20 0
l
600 30 40 1000
"""


def write(tmp_path, text: str, name: str = "instance.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_mankowska_file_gives_patients_services_and_a_precedence_gap(tmp_path):
    instance = read_mankowska(write(tmp_path, TINY_MANKOWSKA))
    assert [v.id for v in instance.visits] == ["p1", "p2/s0", "p2/s1"]
    assert [c.skills for c in instance.carers] == [frozenset({"s0", "s1"}), frozenset({"s1"})]
    (sync,) = instance.synchronisations
    assert (sync.first, sync.second, sync.min_gap, sync.max_gap) == ("p2/s0", "p2/s1", 10, 20)
    assert instance.visits[1].duration == 7
    assert instance.lateness == "soft"


@needs_bench
def test_every_published_mankowska_instance_reads():
    with open(BENCH / "hhcrsp" / "bks.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 25
    for row in rows:
        instance = read_mankowska(BENCH / "hhcrsp" / row["file"])
        patients = {"A": 10, "B": 25, "C": 50, "D": 75, "E": 100}[row["instance"][0]]
        assert len({v.person for v in instance.visits}) == patients
        assert len(instance.visits) == patients + len(instance.synchronisations)
        assert all(v.latest - v.earliest == 120 for v in instance.visits)


@needs_bench
def test_a1_has_one_simultaneous_and_two_precedence_services():
    instance = read_mankowska(BENCH / "hhcrsp" / "InstanzCPLEX_HCSRP_10_1.txt")
    gaps = sorted((s.first, s.min_gap, s.max_gap) for s in instance.synchronisations)
    assert gaps == [("p10/s2", 8, 16), ("p8/s4", 0, 0), ("p9/s0", 51, 102)]
    assert len(instance.carers) == 3


@needs_bench
@pytest.mark.parametrize("name, vehicles", [("C101.100.10", 10), ("R101.100.20", 20), ("RC101.100.15", 15)])
def test_solomon_files_read_with_distances_truncated_to_one_decimal(name, vehicles):
    instance = read_vrptw(BENCH / "vrptw" / f"{name}.vrptw")
    assert len(instance.visits) == 100
    assert len(instance.carers) == vehicles
    assert instance.lateness == "hard"
    assert all(c.capacity == 200 for c in instance.carers)
    matrix = instance.travel["default"]
    assert all(round(x * 10) == x * 10 or abs(round(x * 10) - x * 10) < 1e-9 for row in matrix for x in row)


@needs_bench
def test_c101_distance_depot_to_first_customer():
    instance = read_vrptw(BENCH / "vrptw" / "C101.100.10.vrptw")
    # depot (40, 50) to customer 2 (45, 68): sqrt(349) = 18.681... truncated to 18.6
    assert instance.travel["default"][0][1] == 18.6


@pytest.mark.parametrize(
    "broken, message",
    [
        (lambda t: t.replace("maxd\n0 0 20 0\n", ""), "missing section(s) maxd"),
        (lambda t: t.replace("e\n0 10 20 0", "e\n0 10 20"), "section 'e' has 3 values, expected 4"),
        (lambda t: t.replace("x\n0 1 2 0", "x\n0 one 2 0"), "'one' is not a number"),
        (lambda t: t.replace("DS\n3", "DS\n9"), "9 is not a patient node"),
        (lambda t: t.replace("DS\n3", "DS\n2"), "requires 1 service types, expected 2"),
        (lambda t: "hello\n" + t, "expected a section name"),
        (lambda t: t.replace("mind\n", "mindd\n"), "unknown section 'mindd'"),
    ],
)
def test_malformed_mankowska_file_names_what_is_wrong(tmp_path, broken, message):
    with pytest.raises(MalformedInstance, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_mankowska(write(tmp_path, broken(TINY_MANKOWSKA)))


def test_error_names_the_line(tmp_path):
    text = TINY_MANKOWSKA.replace("x\n0 1 2 0", "x\n0 one 2 0")
    line = text.splitlines().index("0 one 2 0") + 1
    with pytest.raises(MalformedInstance, match=f"instance.txt:{line} \\(section x\\)"):
        read_mankowska(write(tmp_path, text))


TINY_VRPTW = """NAME : tiny
TYPE : CVRPTW
DIMENSION : 3
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 5
SCALE : 10
EDGE_WEIGHT_TYPE : FLOOR_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 1 1
DEMAND_SECTION
1 0
2 4
3 6
TIME_WINDOW_SECTION
1 0 100
2 0 50
3 10 60
DEPOT_SECTION
1
-1
"""


def test_tiny_vrptw_file(tmp_path):
    instance = read_vrptw(write(tmp_path, TINY_VRPTW, "tiny.vrptw"))
    assert [v.id for v in instance.visits] == ["2", "3"]
    assert instance.travel["default"][0][1] == 5.0
    assert instance.travel["default"][0][2] == 1.4  # sqrt(2) truncated
    assert instance.visits[1].demand == 6 and instance.visits[1].duration == 5


@pytest.mark.parametrize(
    "broken, message",
    [
        (lambda t: t.replace("VEHICLES : 2\n", ""), "header 'VEHICLES' is missing"),
        (lambda t: t.replace("3 10 60\n", ""), "TIME_WINDOW_SECTION lacks node"),
        (lambda t: t.replace("2 3 4\n", "2 3\n"), "expected 3 numbers, got 2"),
        (lambda t: t.replace("FLOOR_2D", "GEO"), "EDGE_WEIGHT_TYPE 'GEO' is not supported"),
        (lambda t: t.replace("3 10 60", "3 70 60"), "latest start 60.0 is before earliest 70.0"),
    ],
)
def test_malformed_vrptw_file_names_what_is_wrong(tmp_path, broken, message):
    with pytest.raises(MalformedInstance, match=message):
        read_vrptw(write(tmp_path, broken(TINY_VRPTW), "tiny.vrptw"))


def test_missing_or_binary_file_is_a_clear_error(tmp_path):
    with pytest.raises(MalformedInstance, match="cannot be read"):
        read_vrptw(tmp_path / "nope.vrptw")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(MalformedInstance, match="not a text file"):
        read_mankowska(binary)
