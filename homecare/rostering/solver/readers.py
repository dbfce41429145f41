"""Readers for the public benchmark formats (see ../shared/bench/README.md).

- Mankowska, Meisel & Bierwirth (2014) HHCRSP instances, as published with afkummer/gecco2020-brkga:
  sections `nbNodes nbVehi nbServi r DS a x y d p mind maxd e l`, each a header line followed by numbers.
  Node 0 is the depot the carers leave from, node nbNodes-1 the depot they return to; nodes in between are
  patients. `DS` lists (1-based) the patients needing two services; a double service with `mind` 0 is done
  by two carers together, otherwise the lower-numbered service first and the other `mind`..`maxd` minutes
  later (start to start). `p` has one row per node and vehicle; the first vehicle's row is used, as the
  reference code does. Tardiness after `l` is allowed and paid for; the depot's windows are not enforced.
- LKH-3 `.vrptw` Solomon instances (CVRPTW): `KEY : value` headers, then NODE_COORD_SECTION,
  DEMAND_SECTION, TIME_WINDOW_SECTION, DEPOT_SECTION. With EDGE_WEIGHT_TYPE FLOOR_2D and SCALE 10 a
  distance is the Euclidean distance truncated to one decimal (the DIMACS convention); travel time equals
  distance and time windows are hard.

A malformed file raises `MalformedInstance` naming the file, the line and the section.
"""

from __future__ import annotations

import math
from pathlib import Path

from .model import (
    DEFAULT_MODE,
    MANKOWSKA_WEIGHTS,
    Carer,
    Instance,
    ModelError,
    Shift,
    Synchronisation,
    Visit,
    Weights,
)

MANKOWSKA_SECTIONS = (
    "nbNodes",
    "nbVehi",
    "nbServi",
    "r",
    "DS",
    "a",
    "x",
    "y",
    "d",
    "p",
    "mind",
    "maxd",
    "e",
    "l",
)


class MalformedInstance(ValueError):
    """The file is not a valid instance; the message names the line or section at fault."""


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInstance(f"{path}: not a text file ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise MalformedInstance(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _number(token: str, where: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise MalformedInstance(f"{where}: {token!r} is not a number") from None
    if not math.isfinite(value):
        raise MalformedInstance(f"{where}: {token!r} is not a finite number")
    return value


def _integer(token: str, where: str) -> int:
    value = _number(token, where)
    if value != int(value):
        raise MalformedInstance(f"{where}: {token!r} is not a whole number")
    return int(value)


# --- Mankowska HHCRSP ------------------------------------------------------------------------------


def _mankowska_sections(path: str | Path, text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Section name -> its rows of tokens, each with its line number."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped in MANKOWSKA_SECTIONS:
            if stripped in sections:
                raise MalformedInstance(f"{path}:{number}: section {stripped!r} appears twice")
            current = stripped
            sections[current] = []
        elif current is None:
            raise MalformedInstance(
                f"{path}:{number}: expected a section name such as 'nbNodes', got {stripped!r}"
            )
        elif stripped[0].isalpha():
            raise MalformedInstance(
                f"{path}:{number}: unknown section {stripped!r} (after section {current!r}); expected one of "
                + ", ".join(MANKOWSKA_SECTIONS)
            )
        else:
            sections[current].append((number, stripped.split()))
    missing = [s for s in MANKOWSKA_SECTIONS if s not in sections]
    if missing:
        raise MalformedInstance(f"{path}: missing section(s) {', '.join(missing)}")
    return sections


def _flat(path, sections, name: str, count: int, kind=_number) -> list:
    rows = sections[name]
    values = []
    for number, tokens in rows:
        values.extend(kind(t, f"{path}:{number} (section {name})") for t in tokens)
    if len(values) != count:
        where = f"{path}:{rows[0][0]}" if rows else str(path)
        raise MalformedInstance(f"{where}: section {name!r} has {len(values)} values, expected {count}")
    return values


def _grid(path, sections, name: str, rows: int, cols: int, kind=_number) -> list[list]:
    values = _flat(path, sections, name, rows * cols, kind)
    return [values[i * cols : (i + 1) * cols] for i in range(rows)]


def read_mankowska(path: str | Path) -> Instance:
    text = _read_text(path)
    sections = _mankowska_sections(path, text)
    n_nodes = _flat(path, sections, "nbNodes", 1, _integer)[0]
    n_vehicles = _flat(path, sections, "nbVehi", 1, _integer)[0]
    n_skills = _flat(path, sections, "nbServi", 1, _integer)[0]
    if n_nodes < 3 or n_vehicles < 1 or n_skills < 1:
        raise MalformedInstance(f"{path}: needs at least 3 nodes, 1 vehicle and 1 service type")
    required = _grid(path, sections, "r", n_nodes, n_skills, _integer)
    qualified = _grid(path, sections, "a", n_vehicles, n_skills, _integer)
    _flat(path, sections, "x", n_nodes)
    _flat(path, sections, "y", n_nodes)
    dist = _grid(path, sections, "d", n_nodes, n_nodes)
    proc = _grid(path, sections, "p", n_nodes * n_vehicles, n_skills)
    mind = _flat(path, sections, "mind", n_nodes)
    maxd = _flat(path, sections, "maxd", n_nodes)
    early = _flat(path, sections, "e", n_nodes)
    late = _flat(path, sections, "l", n_nodes)
    ds_rows = sections["DS"]
    doubles: set[int] = set()
    for number, tokens in ds_rows:
        for t in tokens:
            node = _integer(t, f"{path}:{number} (section DS)") - 1
            if not 1 <= node <= n_nodes - 2:
                raise MalformedInstance(
                    f"{path}:{number} (section DS): {t} is not a patient node (2..{n_nodes - 1})"
                )
            doubles.add(node)

    carers = tuple(
        Carer(
            id=f"v{k}",
            skills=frozenset(f"s{s}" for s in range(n_skills) if qualified[k][s]),
            base=0,
            end_base=n_nodes - 1,
            shifts=(Shift(),),
        )
        for k in range(n_vehicles)
    )
    visits: list[Visit] = []
    syncs: list[Synchronisation] = []
    r_line = sections["r"][0][0]
    for i in range(1, n_nodes - 1):
        skills = [s for s in range(n_skills) if required[i][s]]
        expected = 2 if i in doubles else 1
        if len(skills) != expected:
            kind = "double-service (listed in DS)" if i in doubles else "single-service"
            raise MalformedInstance(
                f"{path}: section 'r' (from line {r_line}): {kind} patient node {i} requires "
                f"{len(skills)} service types, expected {expected}"
            )
        person = f"p{i}"
        # One row per (node, vehicle): the first vehicle's row, as in the published reference code.
        durations = proc[i * n_vehicles]
        if len(skills) == 1:
            s = skills[0]
            visits.append(Visit(person, i, early[i], late[i], durations[s], frozenset({f"s{s}"}), person))
            continue
        ids = []
        for s in skills:
            ids.append(f"{person}/s{s}")
            visits.append(Visit(ids[-1], i, early[i], late[i], durations[s], frozenset({f"s{s}"}), person))
        if mind[i] <= 0.001:
            syncs.append(Synchronisation(ids[0], ids[1], 0.0, 0.0))
        else:
            if maxd[i] < mind[i]:
                raise MalformedInstance(f"{path}: patient node {i}: maxd {maxd[i]} is below mind {mind[i]}")
            syncs.append(Synchronisation(ids[0], ids[1], mind[i], maxd[i]))
    name = Path(path).name
    try:
        return Instance(
            name=name,
            carers=carers,
            visits=tuple(visits),
            travel={DEFAULT_MODE: dist},
            synchronisations=tuple(syncs),
            weights=MANKOWSKA_WEIGHTS,
            lateness="soft",
        )
    except ModelError as exc:
        raise MalformedInstance(f"{path}: {exc}") from exc


# --- LKH-3 VRPTW -----------------------------------------------------------------------------------

VRPTW_SECTIONS = (
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION",
    "DEPOT_SECTION",
)


def _distance(a: tuple[float, float], b: tuple[float, float], kind: str, scale: int) -> float:
    dx, dy = a[0] - b[0], a[1] - b[1]
    if kind == "FLOOR_2D":
        if all(float(v).is_integer() for v in (dx, dy)):  # exact: floor(scale * sqrt(n)) = isqrt(scale² n)
            return math.isqrt(int(scale * scale * (dx * dx + dy * dy))) / scale
        return math.floor(scale * math.hypot(dx, dy)) / scale
    if kind == "EUC_2D":
        return math.floor(scale * math.hypot(dx, dy) + 0.5) / scale
    return math.hypot(dx, dy)  # EXACT_2D


def read_vrptw(path: str | Path) -> Instance:
    text = _read_text(path)
    header: dict[str, str] = {}
    data: dict[str, dict[int, list[float]]] = {s: {} for s in VRPTW_SECTIONS}
    depots: list[int] = []
    section: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        where = f"{path}:{number}"
        if not stripped:
            continue
        if stripped == "EOF":
            break
        if stripped in VRPTW_SECTIONS:
            section = stripped
            continue
        if ":" in stripped and section is None:
            key, _, value = stripped.partition(":")
            header[key.strip().upper()] = value.strip()
            continue
        if section is None:
            raise MalformedInstance(f"{where}: expected 'KEY : value' or a section name, got {stripped!r}")
        if stripped[0].isalpha():
            raise MalformedInstance(f"{where}: unknown section {stripped!r} (after {section})")
        tokens = stripped.split()
        if section == "DEPOT_SECTION":
            for t in tokens:
                node = _integer(t, f"{where} (DEPOT_SECTION)")
                if node != -1:
                    depots.append(node)
            continue
        widths = {
            "NODE_COORD_SECTION": 3,
            "DEMAND_SECTION": 2,
            "TIME_WINDOW_SECTION": 3,
            "SERVICE_TIME_SECTION": 2,
        }
        if len(tokens) != widths[section]:
            raise MalformedInstance(
                f"{where} ({section}): expected {widths[section]} numbers, got {len(tokens)}"
            )
        node = _integer(tokens[0], f"{where} ({section})")
        data[section][node] = [_number(t, f"{where} ({section})") for t in tokens[1:]]

    def need(key: str) -> str:
        if key not in header:
            raise MalformedInstance(f"{path}: header {key!r} is missing")
        return header[key]

    try:
        dimension = int(need("DIMENSION"))
        vehicles = int(need("VEHICLES"))
        capacity = int(float(need("CAPACITY")))
        scale = int(float(header.get("SCALE", "1")))
        service_time = float(header.get("SERVICE_TIME", "0"))
    except ValueError as exc:
        raise MalformedInstance(f"{path}: a header value is not a number ({exc})") from None
    kind = header.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if kind not in ("FLOOR_2D", "EUC_2D", "EXACT_2D"):
        raise MalformedInstance(
            f"{path}: EDGE_WEIGHT_TYPE {kind!r} is not supported (FLOOR_2D, EUC_2D, EXACT_2D)"
        )
    if dimension < 2 or vehicles < 1 or scale < 1:
        raise MalformedInstance(f"{path}: DIMENSION, VEHICLES and SCALE must be positive")
    nodes = list(range(1, dimension + 1))
    for section in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        missing = [n for n in nodes if n not in data[section]]
        if missing:
            raise MalformedInstance(
                f"{path}: {section} lacks node(s) {missing[:5]} (DIMENSION is {dimension})"
            )
        extra = sorted(set(data[section]) - set(nodes))
        if extra:
            raise MalformedInstance(f"{path}: {section} has node(s) {extra[:5]} beyond DIMENSION {dimension}")
    depot = depots[0] if depots else 1
    if depot not in data["NODE_COORD_SECTION"]:
        raise MalformedInstance(f"{path}: DEPOT_SECTION names node {depot}, which has no coordinates")
    order = [depot] + [n for n in nodes if n != depot]
    coords = [tuple(data["NODE_COORD_SECTION"][n]) for n in order]
    dist = [[_distance(a, b, kind, scale) for b in coords] for a in coords]
    depot_open, depot_close = data["TIME_WINDOW_SECTION"][depot]
    carers = tuple(
        Carer(id=f"vehicle{k + 1}", base=0, shifts=(Shift(depot_open, depot_close),), capacity=capacity)
        for k in range(vehicles)
    )
    visits = []
    for index, n in enumerate(order[1:], start=1):
        ready, due = data["TIME_WINDOW_SECTION"][n]
        service = data["SERVICE_TIME_SECTION"].get(n, [service_time])[0]
        demand = data["DEMAND_SECTION"][n][0]
        if demand != int(demand) or demand < 0:
            raise MalformedInstance(
                f"{path}: DEMAND_SECTION: node {n} has demand {demand}, expected a whole number"
            )
        visits.append(Visit(str(n), index, ready, due, service, frozenset(), None, int(demand)))
    decimals = round(math.log10(scale)) if kind != "EXACT_2D" else None
    try:
        return Instance(
            name=header.get("NAME", Path(path).stem),
            carers=carers,
            visits=tuple(visits),
            travel={DEFAULT_MODE: dist},
            weights=Weights(travel=1.0, tardiness=0.0, max_tardiness=0.0, unassigned=100_000.0),
            lateness="hard",
            report_decimals=decimals,
        )
    except ModelError as exc:
        raise MalformedInstance(f"{path}: {exc}") from exc


READERS = {"mankowska": read_mankowska, "vrptw": read_vrptw}
