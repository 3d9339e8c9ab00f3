"""Reading ``[network]`` (scenario format v2): the ground network that fibre follows.

Implements the "[network]" part of ``scenario-format.md``: edges from GeoJSON
LineStrings (MultiLineStrings count as several lines) or a CSV of
``from_lon,from_lat,to_lon,to_lat``, edge attributes ``kind``, ``length_m``,
``fibre``; fibre points (``id,lon,lat``); costs per kind; the hamlet column
``ftth``. The graph is built here, once (:mod:`btsopt.network.graph`), with
each site's backhaul ``b_j`` (:mod:`btsopt.network.backhaul`): both are data
that the model and the evaluator read alike.

Choices made where the format is silent:

- ``kind`` and ``fibre`` are case-insensitive; ``fibre`` accepts
  true/false, yes/no, 1/0 (empty: false); so does the hamlet column ``ftth``;
- ``length_m`` of a line is shared over its segments in proportion to their
  haversine lengths;
- ``fibre_snap_km`` (an extension, default 1 km): a fibre point farther than
  this from every node of the graph (edge end points and vertices: where the
  format joins it to the network) is an error; an OLT is on the network it
  feeds, and one kilometres away is a typo or a point of another area;
- a candidate site that no path links to fibre is an error when
  ``microwave_capex = inf`` (it could never be backhauled) and a warning
  naming it otherwise (it is priced at microwave); hamlets that cannot reach
  fibre are an error when too few others can to meet ``ftth_target``, and a
  warning otherwise. Locked-out candidates are not checked.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from btsopt.data import EDGE_KINDS, LOCK_OUT, Hamlets, NetworkData, Sites
from btsopt.errors import ScenarioError
from btsopt.network.backhaul import backhaul_costs, fibre_distances
from btsopt.network.graph import haversine_km, merge_points, nearest_nodes
from btsopt.reading.tables import Table, decode_text, normalise_text, read_table, show

NETWORK_KEYS = (
    "edges", "fibre", "trench_cost_per_km", "aerial_cost_per_km", "duct_cost_per_km",
    "drop_cost_per_km", "microwave_capex", "ftth_target", "fibre_snap_km",
)
EDGE_COLUMNS = ("from_lon", "from_lat", "to_lon", "to_lat", "kind", "length_m", "fibre")
MERGE_TOLERANCE_M = 1.0
"""Points of the edge file closer than this are one node (the format's 1 m)."""
DEFAULT_SNAP_KM = 1.0
"""Default of ``fibre_snap_km``."""
MAX_NAMED = 5
"""Ids named in one message; the rest are counted."""

_TRUE = ("false", "true")
_BOOL_ALIASES = {"0": "false", "1": "true", "no": "false", "yes": "true", "n": "false",
                 "y": "true", "f": "false", "t": "true"}


class TomlReader(Protocol):
    """What this module needs of the scenario reader's typed TOML access."""

    path: Path
    warnings: list[str]

    def error(self, key: str, message: str) -> ScenarioError: ...

    def warn_unknown(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        ...

    def number(self, table: dict[str, Any], key: str, default: float, prefix: str,
               **checks: Any) -> Any: ...


@dataclass(frozen=True)
class _Lines:
    """The edge file's lines: vertices flattened, with the line of each vertex."""

    lon: np.ndarray
    lat: np.ndarray
    line: np.ndarray  # line index of each vertex
    kind: np.ndarray  # per line
    length_m: np.ndarray  # per line, NaN when not given
    fibre: np.ndarray  # per line
    source: np.ndarray  # per line: 0-based feature or row


def _names(ids: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(repr(i) for i in ids[:MAX_NAMED])
    more = len(ids) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def booleans(table: Table, column: str) -> np.ndarray:
    """A true/false column (empty: false) as a boolean array."""
    codes = table.choice(column, _TRUE, "false", aliases=_BOOL_ALIASES,
                         what="true or false")
    return codes == 1


def _file(toml: TomlReader, section: dict[str, Any], key: str, required: bool) -> Path | None:
    if key not in section:
        if required:
            raise toml.error(f"network.{key}", "required key is missing")
        return None
    value = section[key]
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise toml.error(f"network.{key}", f"must be a file name, got {show(value)}")
    return toml.path.parent / value.strip()


def _check_range(path: Path, row: int, column: str, lon: float, lat: float) -> None:
    for value, name, limit in ((lon, "longitude", 180.0), (lat, "latitude", 90.0)):
        if not math.isfinite(value) or abs(value) > limit:
            raise ScenarioError(f"{value!r} is outside the {name} range [-{limit:g}, "
                                f"{limit:g}]", str(path), row, column)


def _geojson_lines(path: Path) -> tuple[Table, list[np.ndarray]]:
    """Properties of each line as a table (rows = features) and its coordinates."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}",
                            file=str(path)) from None
    try:
        document = json.loads(decode_text(raw, path))
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise ScenarioError("not valid JSON (a GeoJSON FeatureCollection of LineStrings is "
                            "expected)", file=str(path)) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise ScenarioError("a GeoJSON FeatureCollection with 'features' is expected",
                            file=str(path))
    records: list[dict[str, str]] = []
    rows: list[int] = []
    coordinates: list[np.ndarray] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise ScenarioError("each feature must be a JSON object", str(path), number)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ScenarioError("'properties' must be a JSON object", str(path), number,
                                "properties")
        record = {normalise_text(str(k)): "" if v is None else normalise_text(str(v))
                  for k, v in properties.items()}
        for line in _feature_lines(path, number, feature.get("geometry")):
            records.append(record)
            rows.append(number)
            coordinates.append(line)
    names = dict.fromkeys(k for r in records for k in r)
    columns = {n: np.array([r.get(n, "") for r in records], dtype=object) for n in names}
    return Table(columns, path, np.array(rows, dtype=np.int64)), coordinates


def _feature_lines(path: Path, number: int, geometry: Any) -> list[np.ndarray]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("LineString", "MultiLineString"):
        raise ScenarioError(f"geometry must be a LineString, got {show(str(kind))}",
                            str(path), number, "geometry")
    parts = geometry.get("coordinates")
    if kind == "LineString":
        parts = [parts]
    if not isinstance(parts, list):
        raise ScenarioError("geometry has no coordinates list", str(path), number,
                            "geometry")
    lines = []
    for part in parts:
        if not isinstance(part, list) or len(part) < 2:
            count = len(part) if isinstance(part, list) else 0
            raise ScenarioError(f"a LineString needs at least 2 points, got {count}",
                                str(path), number, "geometry")
        try:
            points = np.asarray([point[:2] for point in part], dtype=float)
            fast = points.shape == (len(part), 2) and all(
                not isinstance(c, bool) for point in part for c in point[:2])
        except (TypeError, ValueError, IndexError):
            fast = False
        if not fast:
            _explain_point(path, number, part)
        bad = ~np.isfinite(points).all(axis=1) | (np.abs(points[:, 0]) > 180.0) | (
            np.abs(points[:, 1]) > 90.0)
        if bad.any():
            p = int(np.flatnonzero(bad)[0])
            _check_range(path, number, "geometry", float(points[p, 0]), float(points[p, 1]))
        lines.append(points)
    return lines


def _explain_point(path: Path, number: int, part: list) -> None:
    """Raise for the first point of a line that is not ``[lon, lat]``."""
    for p, point in enumerate(part):
        if (not isinstance(point, list) or len(point) < 2 or not all(
                isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2])):
            raise ScenarioError(f"point {p + 1} must be [lon, lat], got {show(str(point))}",
                                str(path), number, "geometry")
    raise ScenarioError("unreadable coordinates", str(path), number, "geometry")


def _csv_lines(path: Path) -> tuple[Table, list[np.ndarray]]:
    table = read_table(path)
    table.require("from_lon", "from_lat", "to_lon", "to_lat")
    lon = [table.number(c, minimum=-180.0, maximum=180.0, hint="longitude")
           for c in ("from_lon", "to_lon")]
    lat = [table.number(c, minimum=-90.0, maximum=90.0, hint="latitude")
           for c in ("from_lat", "to_lat")]
    ends = np.stack([np.column_stack([lon[0], lat[0]]), np.column_stack([lon[1], lat[1]])],
                    axis=1)
    return table, list(ends)


def _read_lines(path: Path) -> _Lines:
    if not path.is_file():
        raise ScenarioError("file not found", file=str(path))
    suffix = path.suffix.lower()
    table, coordinates = (_geojson_lines(path) if suffix in (".geojson", ".json")
                          else _csv_lines(path))
    if not coordinates:
        raise ScenarioError("no edges: the file holds no line", file=str(path))
    kind = table.choice("kind", EDGE_KINDS, "road", what="an edge kind")
    length = np.full(len(table), np.nan)
    if table.has("length_m"):
        given = table.text("length_m") != ""
        length = np.where(given, table.number("length_m", 0.0, minimum=0.0), np.nan)
    sizes = np.array([len(c) for c in coordinates])
    stacked = np.concatenate(coordinates)
    return _Lines(
        lon=stacked[:, 0], lat=stacked[:, 1],
        line=np.repeat(np.arange(len(coordinates)), sizes),
        kind=kind.astype(np.int8), length_m=length, fibre=booleans(table, "fibre"),
        source=np.asarray(table.rows, dtype=np.int64) - 1,
    )


def _segments(lines: _Lines) -> tuple[np.ndarray, ...]:
    """Nodes and edges of the lines: (node_lon, node_lat, u, v, line, length_km)."""
    label, first = merge_points(lines.lon, lines.lat, MERGE_TOLERANCE_M)
    same_line = lines.line[1:] == lines.line[:-1]
    start = np.flatnonzero(same_line)
    seg_line = lines.line[start]
    seg_km = haversine_km(lines.lon[start], lines.lat[start],
                          lines.lon[start + 1], lines.lat[start + 1])
    given = lines.length_m[seg_line]
    if np.isfinite(given).any():
        total = np.bincount(seg_line, weights=seg_km, minlength=len(lines.kind))
        count = np.bincount(seg_line, minlength=len(lines.kind))
        share = np.where(total[seg_line] > 0, seg_km / np.where(total[seg_line] > 0,
                                                                 total[seg_line], 1.0),
                         1.0 / np.maximum(count[seg_line], 1))
        seg_km = np.where(np.isfinite(given), given / 1000.0 * share, seg_km)
    u, v = label[start], label[start + 1]
    keep = u != v
    return (lines.lon[first], lines.lat[first], u[keep], v[keep], seg_line[keep],
            seg_km[keep])


def _fibre_points(path: Path, node_lon: np.ndarray, node_lat: np.ndarray,
                  snap_km: float) -> np.ndarray:
    table = read_table(path)
    table.require("id", "lon", "lat")
    table.unique_ids()
    lon = table.number("lon", minimum=-180.0, maximum=180.0)
    lat = table.number("lat", minimum=-90.0, maximum=90.0)
    node, km = nearest_nodes(node_lon, node_lat, lon, lat)
    far = np.flatnonzero(km > snap_km)
    if far.size:
        row = int(far[0])
        raise table.error(
            f"fibre point {show(str(table.text('id')[row]))} is {km[row]:,.2f} km from the "
            f"nearest node of the edges (network.fibre_snap_km = {snap_km:g}), where it "
            "would join the network: a typo, or an edge missing?", row, "lon",
        )
    return node


def _check_reach(
    edges_file: Path, sites: Sites, hamlets: Hamlets, fibre_cost: np.ndarray,
    hamlet_reach: np.ndarray, ftth: np.ndarray, microwave: float, ftth_target: float,
    warnings: list[str],
) -> None:
    cut = ~np.isfinite(fibre_cost) & ~sites.existing & (sites.locked != LOCK_OUT)
    if cut.any():
        ids = [sites.ids[j] for j in np.flatnonzero(cut)]
        if math.isinf(microwave):
            raise ScenarioError(
                f"candidate sites {_names(ids)} cannot reach the fibre network along the "
                "edges, and network.microwave_capex = inf forbids microwave: link them to "
                "the network or allow microwave", file=str(edges_file),
            )
        warnings.append(f"{edges_file}: candidate sites {_names(ids)} cannot reach the "
                        "fibre network along the edges: microwave backhaul only")
    lost = ~ftth & ~np.isfinite(hamlet_reach)
    if lost.any():
        ids = [hamlets.ids[i] for i in np.flatnonzero(lost)]
        n = len(hamlets)
        needed = math.ceil(ftth_target * n - 1e-9)
        if n - int(lost.sum()) < needed:
            raise ScenarioError(
                f"hamlets {_names(ids)} cannot reach the fibre network along the edges, so "
                f"network.ftth_target = {ftth_target:g} cannot be met ({n - int(lost.sum())} "
                f"of {n} hamlets can have fibre)", file=str(edges_file),
            )
        warnings.append(f"{edges_file}: hamlets {_names(ids)} cannot reach the fibre "
                        "network along the edges")


def read_network(
    toml: TomlReader, doc: dict[str, Any], hamlet_table: Table, hamlets: Hamlets,
    sites: Sites,
) -> NetworkData | None:
    """Read ``[network]`` and build its graph; ``None`` when the section is absent.

    Raises
    ------
    ScenarioError
        Naming file, feature or row, and field.
    """
    if "network" not in doc:
        return None  # a column 'ftth' is then an extra column, ignored as the format says
    section = doc["network"]
    if not isinstance(section, dict):
        raise toml.error("network", f"[network] must be a table of keys, got {show(section)}")
    toml.warn_unknown(section, NETWORK_KEYS, "network.")
    p = "network."
    per_km = tuple(toml.number(section, key, default, p, minimum=0.0) for key, default in (
        ("trench_cost_per_km", 300.0), ("aerial_cost_per_km", 80.0),
        ("duct_cost_per_km", 20.0)))
    drop = toml.number(section, "drop_cost_per_km", 300.0, p, minimum=0.0)
    microwave = toml.number(section, "microwave_capex", 250.0, p, minimum=0.0,
                            allow_inf=True)
    target = toml.number(section, "ftth_target", 1.0, p, minimum=0.0, maximum=1.0)
    snap_km = toml.number(section, "fibre_snap_km", DEFAULT_SNAP_KM, p, positive=True)
    edges_file = _file(toml, section, "edges", True)
    fibre_file = _file(toml, section, "fibre", False)
    assert edges_file is not None

    lines = _read_lines(edges_file)
    node_lon, node_lat, u, v, line, length_km = _segments(lines)
    kind = lines.kind[line]
    fibre_edge = lines.fibre[line]
    fibre_node = np.zeros(len(node_lon), dtype=bool)
    fibre_node[u[fibre_edge]] = True
    fibre_node[v[fibre_edge]] = True
    if fibre_file is not None:
        fibre_node[_fibre_points(fibre_file, node_lon, node_lat, snap_km)] = True
    if not fibre_node.any():
        raise toml.error("network.fibre", "no fibre network: name a fibre points file or "
                         "mark edges with fibre = true")
    site_node, site_drop = nearest_nodes(node_lon, node_lat, sites.lon, sites.lat)
    hamlet_node, hamlet_drop = nearest_nodes(node_lon, node_lat, hamlets.lon, hamlets.lat)
    ftth = (booleans(hamlet_table, "ftth") if hamlet_table.has("ftth")
            else np.zeros(len(hamlets), dtype=bool)) | fibre_node[hamlet_node]
    cost = length_km * np.asarray(per_km)[kind]
    distance = fibre_distances(len(node_lon), u, v, cost, fibre_node)
    fibre_cost = site_drop * drop + distance[site_node]
    hamlet_reach = hamlet_drop * drop + distance[hamlet_node]
    _check_reach(edges_file, sites, hamlets, fibre_cost, hamlet_reach, ftth, microwave,
                 target, toml.warnings)
    return NetworkData(
        node_lon=node_lon, node_lat=node_lat, edge_from=u, edge_to=v,
        edge_kind=kind, edge_length_km=length_km, edge_fibre=fibre_edge,
        edge_line=lines.source[line], fibre_node=fibre_node,
        site_node=site_node, site_drop_km=site_drop,
        hamlet_node=hamlet_node, hamlet_drop_km=hamlet_drop, hamlet_ftth=ftth,
        cost_per_km=per_km, drop_cost_per_km=drop, microwave_capex=microwave,
        ftth_target=target, fibre_cost=fibre_cost,
        backhaul=backhaul_costs(fibre_cost, sites.existing, microwave),
        edges_file=edges_file,
    )
