"""The map of ``report.html``: a list of layers, drawn as one inline SVG.

A map is a sequence of :class:`MapLayer` objects. Each layer has a name, a
kind of geometry (points, lines, polygons or text), its features (positions
in WGS84 degrees, hover text, an optional per-feature colour), a style and a
default visibility. :func:`render_map` projects and draws them in ``z``
order, gives every layer a switch in the legend and shows each feature's
hover text in a tooltip. :func:`plan_layers` builds the layers of a plan
(province outline and districts, coordinate grid, hamlets, sites by what the
plan does to them); :data:`LAYER_BUILDERS` lists the functions it calls, so
another kind of layer (fibre routes, site load) is one more builder::

    def fibre_layers(context: MapContext) -> list[MapLayer]:
        routes = [MapFeature(lon=route_lon, lat=route_lat, title="fibre S1-S7, 3.2 km")]
        return [MapLayer("fibre", "fibre routes", "line", tuple(routes),
                         MapStyle(stroke="#e07b00", stroke_width=2.0), z=25)]

    # in btsopt/outputs/mapview.py
    LAYER_BUILDERS = (boundary_layers, hamlet_layers, site_layers, fibre_layers)

or passed to :func:`btsopt.outputs.render_html` as ``layers=``.

Markers keep a readable size as the reader zooms (they grow slower than the
map), lines keep their width in screen pixels, labels their font size; all
of it is the page's inline script and CSS, with no library.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from btsopt.data import ProblemData
from btsopt.outputs.boundaries import BoundarySettings, derive_boundaries
from btsopt.outputs.tables import PlanTables

__all__ = [
    "LAYER_BUILDERS",
    "SITE_DETAILS",
    "LegendEntry",
    "MapContext",
    "MapFeature",
    "MapLayer",
    "MapStyle",
    "Projection",
    "boundary_layers",
    "hamlet_layers",
    "load_layers",
    "plan_layers",
    "render_map",
    "site_layers",
]

MAP_WIDTH = 1000.0
"""Width of the map's SVG user space; the height follows the data's aspect."""

Kind = Literal["point", "line", "polygon", "text"]
Symbol = Literal["circle", "square", "triangle", "diamond", "crossed", "ring"]


@dataclass(frozen=True)
class MapStyle:
    """How a layer's features are drawn.

    Attributes
    ----------
    fill, stroke
        CSS colours (``"none"`` for none); a feature's own ``fill`` wins.
    stroke_width
        Lines and polygons: screen pixels, at any zoom. Points: a fraction
        of the marker's radius.
    size
        Points: radius as a multiple of the map's base marker radius (set
        from the hamlet density). Text: font size in screen pixels.
    symbol
        Point marker shape.
    halo
        Points: colour of a disc drawn behind each marker (``""`` none), to
        make a few important markers stand out from many.
    opacity
        Of the whole layer.
    dash
        SVG ``stroke-dasharray`` in screen pixels, e.g. ``"4 3"``.
    """

    fill: str = "none"
    stroke: str = "none"
    stroke_width: float = 1.0
    size: float = 1.0
    symbol: Symbol = "circle"
    halo: str = ""
    opacity: float = 1.0
    dash: str = ""


@dataclass(frozen=True)
class MapFeature:
    """One thing on the map.

    Attributes
    ----------
    lon, lat
        A point (floats) or a line (equal-length sequences); a polygon is
        given by ``rings`` instead.
    title
        Hover text (plain text; lines separated by ``\\n``).
    fill
        Colour overriding the layer's fill (e.g. a load class).
    label
        Text of a ``text`` feature, or written at the first point of a line.
    rings
        Polygon rings, each a ``(lon, lat)`` pair of sequences, outer rings
        and holes alike (drawn with the even-odd rule).
    """

    lon: Any = math.nan
    lat: Any = math.nan
    title: str = ""
    fill: str | None = None
    label: str = ""
    rings: tuple[tuple[Any, Any], ...] = ()


@dataclass(frozen=True)
class LegendEntry:
    """A legend line: a swatch in ``fill`` (the layer's style otherwise), text, a count."""

    text: str
    fill: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class MapLayer:
    """A switchable layer of the map.

    Attributes
    ----------
    name
        Identifier, unique in a map: letters, digits and ``-`` (the SVG group
        is ``lyr-<name>``, its switch ``data-layer="lyr-<name>"``).
    title
        The switch's label in the legend.
    kind
        ``point``, ``line``, ``polygon`` or ``text``.
    features
        What the layer shows.
    style
        How (see :class:`MapStyle`).
    visible
        Shown when the page opens.
    z
        Drawing order: higher is drawn later, on top.
    legend
        Legend lines under the switch; by default one, with the layer's
        swatch and its number of features.
    group
        Legend heading the switch is listed under (``Sites``, ``Hamlets``,
        ``Base map``); groups keep the order in which they first appear.
    """

    name: str
    title: str
    kind: Kind
    features: tuple[MapFeature, ...]
    style: MapStyle = field(default_factory=MapStyle)
    visible: bool = True
    z: int = 50
    legend: tuple[LegendEntry, ...] | None = None
    group: str = ""

    def __post_init__(self) -> None:
        if not self.name or not all(c.isalnum() or c == "-" for c in self.name):
            raise ValueError(f"layer name must be letters, digits and '-': {self.name!r}")
        if self.kind not in ("point", "line", "polygon", "text"):
            raise ValueError(f"unknown layer kind {self.kind!r}")


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection scaled by cos(latitude) into the SVG user space.

    One user unit is ``1 / scale`` degrees of latitude, i.e. about
    ``111.32 / scale`` km in any direction.
    """

    lon0: float
    lat1: float
    cos_lat: float
    scale: float
    width: float
    height: float

    @classmethod
    def fit(cls, lon: np.ndarray, lat: np.ndarray, width: float = MAP_WIDTH) -> Projection:
        """The projection that fits the points into ``width`` with a small margin."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if len(lon) == 0:
            lon, lat = np.array([0.0]), np.array([0.0])
        cos_lat = max(math.cos(math.radians(float(np.mean(lat)))), 0.05)
        x, y = lon * cos_lat, lat
        cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
        sx, sy = max(float(np.ptp(x)), 1e-3), max(float(np.ptp(y)), 1e-3)
        # Keep a sensible page shape: a line of hamlets still gets a map.
        sy = min(max(sy, 0.4 * sx), 1.3 * sx)
        sx = max(sx, sy / 1.3)
        sx, sy = sx * 1.1, sy * 1.1  # margin for markers and outlines at the edge
        scale = width / sx
        return cls(lon0=(cx - sx / 2) / cos_lat, lat1=cy + sy / 2, cos_lat=cos_lat,
                   scale=scale, width=width, height=sy * scale)

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """User-space ``x, y`` of WGS84 positions."""
        x = (np.asarray(lon, dtype=float) - self.lon0) * self.cos_lat * self.scale
        y = (self.lat1 - np.asarray(lat, dtype=float)) * self.scale
        return x, y

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """The inverse of :meth:`xy`."""
        return x / self.scale / self.cos_lat + self.lon0, self.lat1 - y / self.scale


@dataclass(frozen=True, eq=False)
class MapContext:
    """What layer builders get: the problem, the plan's tables and the map's frame.

    Attributes
    ----------
    data, tables
        The problem and the plan's tables (``tables.sites``, ``.hamlets``...).
    projection
        Fitted to the hamlets and the active sites.
    marker
        Base marker radius in user units (from the hamlet density).
    """

    data: ProblemData
    tables: PlanTables
    projection: Projection
    marker: float


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ----------------------------------------------------------------- drawing


def _symbol(symbol: str, x: float, y: float, r: float) -> str:
    """Marker element (unclosed: the caller adds attributes and the end)."""
    if symbol == "square":
        s = r * 0.9
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}"'
    if symbol == "triangle":
        return (f'<path d="M{x:.1f} {y - r * 1.25:.1f}L{x + r * 1.1:.1f} {y + r * 0.75:.1f}'
                f'H{x - r * 1.1:.1f}Z"')
    if symbol == "diamond":
        return (f'<path d="M{x:.1f} {y - r * 1.2:.1f}l{r * 1.2:.1f} {r * 1.2:.1f}'
                f'l{-r * 1.2:.1f} {r * 1.2:.1f}l{-r * 1.2:.1f} {-r * 1.2:.1f}Z"')
    if symbol == "crossed":
        s = r * 0.9
        return (f'<path d="M{x - s:.1f} {y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z'
                f'M{x - s:.1f} {y - s:.1f}l{2 * s:.1f} {2 * s:.1f}M{x + s:.1f} {y - s:.1f}'
                f'l{-2 * s:.1f} {2 * s:.1f}"')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'


def _end(element: str) -> str:
    return element.split(" ", 1)[0].replace("<", "</") + ">"


def _path(xs: np.ndarray, ys: np.ndarray, close: bool) -> str:
    if len(xs) == 0:
        return ""
    # Drop points within 0.3 units of the last kept one: invisible, and
    # traced outlines have many.
    keep = [0]
    for i in range(1, len(xs)):
        if abs(xs[i] - xs[keep[-1]]) + abs(ys[i] - ys[keep[-1]]) >= 0.3:
            keep.append(i)
    return "M" + "L".join(f"{xs[i]:.1f} {ys[i]:.1f}" for i in keep) + ("Z" if close else "")


def _tip(feature: MapFeature) -> str:
    return f' data-tip="{_e(feature.title)}"' if feature.title else ""


def _fill(feature: MapFeature) -> str:
    # A presentation attribute, not an inline style: it beats the fill the
    # layer's group passes down, and thousands of them parse much faster.
    return f' fill="{_e(feature.fill)}"' if feature.fill else ""


def _draw_layer(layer: MapLayer, proj: Projection, marker: float) -> str:
    style = layer.style
    attrs = [f'id="lyr-{layer.name}"', f'class="layer {layer.kind}"']
    css = [f"fill:{style.fill}", f"stroke:{style.stroke}"]
    if style.opacity < 1:
        css.append(f"opacity:{style.opacity:g}")
    if not layer.visible:
        css.append("display:none")
    parts = []
    if layer.kind == "point":
        r = marker * style.size
        css.append(f"stroke-width:{style.stroke_width * r:.2f}")
        lon = np.array([f.lon for f in layer.features], dtype=float)
        lat = np.array([f.lat for f in layer.features], dtype=float)
        xs, ys = proj.xy(lon, lat)
        for f, x, y in zip(layer.features, xs, ys, strict=True):
            mark = _symbol(style.symbol, x, y, r)
            if style.halo:
                parts.append(f'<g class="m"{_tip(f)}><circle cx="{x:.1f}" cy="{y:.1f}" '
                             f'r="{r * 2:.1f}" class="halo"/>{mark}{_fill(f)}/></g>')
            else:
                parts.append(f'{mark} class="m"{_tip(f)}{_fill(f)}/>')
    elif layer.kind in ("line", "polygon"):
        css.append(f"stroke-width:{style.stroke_width:g}px")
        if style.dash:
            css.append(f"stroke-dasharray:{style.dash}")
        for f in layer.features:
            if layer.kind == "line":
                xs, ys = proj.xy(f.lon, f.lat)
                d = _path(xs, ys, close=False)
                if f.label:  # written at the line's first point
                    parts.append(f'<text x="{xs[0] + 3:.1f}" y="{ys[0] + 12:.1f}">'
                                 f"{_e(f.label)}</text>")
            else:
                d = "".join(_path(*proj.xy(rlon, rlat), close=True) for rlon, rlat in f.rings)
            if d:
                parts.append(f'<path d="{d}"{_tip(f)}{_fill(f)}/>')
    else:  # text
        css.append(f"--fs:{style.size:g}px")
        for f in layer.features:
            x, y = proj.xy(f.lon, f.lat)
            parts.append(f'<text x="{float(x):.1f}" y="{float(y):.1f}"{_tip(f)}{_fill(f)}>'
                         f"{_e(f.label)}</text>")
    halo = (f'<style>#lyr-{layer.name} .halo{{fill:{style.halo};stroke:none}}</style>'
            if style.halo else "")
    return f'<g {" ".join(attrs)} style="{";".join(css)}">{halo}{"".join(parts)}</g>'


def _swatch(layer: MapLayer, fill: str | None) -> str:
    style = layer.style
    colour = fill or style.fill
    if layer.kind == "point":
        stroke = f' stroke="{_e(style.stroke)}" stroke-width="{style.stroke_width * 4.5:.2f}"'
        mark = _symbol(style.symbol, 9, 9, 4.5 if style.size <= 1.5 else 5.5)
        halo = (f'<circle cx="9" cy="9" r="8.5" fill="{_e(style.halo)}"/>' if style.halo
                else "")
        return (f'<svg width="18" height="18" aria-hidden="true">{halo}{mark} '
                f'fill="{_e(colour)}"{stroke}/></svg>')
    if layer.kind == "line":
        dash = f' stroke-dasharray="{_e(style.dash)}"' if style.dash else ""
        return (f'<svg width="18" height="18" aria-hidden="true"><path d="M1 13L17 5" '
                f'fill="none" stroke="{_e(style.stroke)}" stroke-width="{style.stroke_width:g}"'
                f"{dash}/></svg>")
    if layer.kind == "polygon":
        return (f'<svg width="18" height="18" aria-hidden="true"><rect x="2" y="3" width="14" '
                f'height="12" fill="{_e(colour)}" stroke="{_e(style.stroke)}" '
                f'stroke-width="{max(style.stroke_width, 1):g}"/></svg>')
    return ('<svg width="18" height="18" aria-hidden="true"><text x="2" y="14" '
            'font-size="12" font-weight="600" fill="#333">Aa</text></svg>')


def _legend(layers: Sequence[MapLayer]) -> str:
    groups: dict[str, list[str]] = {}
    for layer in layers:
        entries = layer.legend
        if entries is None:
            entries = (LegendEntry(layer.title, count=len(layer.features)),)
        lines = [f'<label class="sw"><input type="checkbox" data-layer="lyr-{layer.name}"'
                 f'{" checked" if layer.visible else ""}> {_e(layer.title)}</label>']
        if layer.legend is None:
            entry = entries[0]
            lines = [f'<label class="sw"><input type="checkbox" data-layer="lyr-{layer.name}"'
                     f'{" checked" if layer.visible else ""}>{_swatch(layer, entry.fill)}'
                     f'<span>{_e(layer.title)}</span><span class="n">'
                     f'{"" if entry.count is None else f"{entry.count:,}"}</span></label>']
        else:
            for entry in entries:
                count = "" if entry.count is None else f"{entry.count:,}"
                lines.append(f'<div class="sub">{_swatch(layer, entry.fill)}'
                             f'<span>{_e(entry.text)}</span><span class="n">{count}</span></div>')
        groups.setdefault(layer.group, []).append("".join(lines))
    out = []
    for group, items in groups.items():
        if group:
            out.append(f"<h3>{_e(group)}</h3>")
        out.extend(items)
    return "".join(out)


def render_map(
    layers: Sequence[MapLayer],
    projection: Projection,
    marker: float,
    *,
    legend_order: Sequence[str] | None = None,
) -> tuple[str, str]:
    """The map's SVG and its legend (layer switches) as HTML.

    Parameters
    ----------
    layers
        What to draw; drawn in ``z`` order (stable for equal ``z``).
    projection
        From WGS84 to the SVG user space.
    marker
        Base marker radius in user units.
    legend_order
        Layer names in the order their switches are listed; default: by
        ``z``, top layer first.

    Returns
    -------
    tuple of str
        ``(svg, legend)``.

    Raises
    ------
    ValueError
        If two layers share a name.
    """
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise ValueError(f"layer names must be unique: {names}")
    drawn = sorted(layers, key=lambda layer: layer.z)
    p = projection
    svg = (f'<svg id="map" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {p.width:.0f} {p.height:.0f}" role="img" '
           f'data-lon0="{p.lon0:.7f}" data-lat1="{p.lat1:.7f}" data-cos="{p.cos_lat:.7f}" '
           f'data-scale="{p.scale:.4f}" aria-label="Map of the plan">'
           + "".join(_draw_layer(layer, p, marker) for layer in drawn) + "</svg>")
    if legend_order is None:
        listed = sorted(layers, key=lambda layer: -layer.z)
    else:
        rank = {name: i for i, name in enumerate(legend_order)}
        listed = sorted(layers, key=lambda layer: rank.get(layer.name, len(rank)))
    return svg, _legend(listed)


# ----------------------------------------------------------------- the plan's layers

HAMLET_COLOURS: dict[str, tuple[str, str]] = {
    "h1": ("#b7e0a5", "covered by 1 operator"),
    "h2": ("#5fb760", "covered by 2 operators"),
    "h3": ("#1e7a3c", "covered by 3 or more operators"),
}
"""Covered hamlets: fill by number of covering operators."""

UNCOVERED = "#e0262b"
SHORT = "#ff9f1c"

DISTRICT_FILLS: tuple[str, ...] = (
    "#f3ecd8", "#e2eed8", "#eee0ec", "#dcebf1", "#f3e3d3", "#e4e4f3", "#ecefd0", "#dcece4",
)
"""Pale fills of traced district areas; neighbours get different ones."""

SITE_DETAILS: tuple[tuple[str, str, str], ...] = (
    ("owner", "owner", "{}"),
    ("tenants", "tenants", "{}"),
    ("new_tenants", "new tenants", "{}"),
    ("removed_tenants", "tenants leaving", "{}"),
    ("commune", "commune", "{}"),
    ("district", "district", "{}"),
    ("max_load", "highest tenancy load", "{:.0%}"),
    ("carriers_added", "carriers added", "{:.0f}"),
    ("min_user_mbps", "lowest mean user rate", "{:.1f} Mb/s"),
)
"""``(sites-table column, label, format)`` shown on hover over a site, when
the column is in the table and the value is not empty (the load columns come
with ``[demand]``); more columns show by adding a triple here."""


def _lines_of(columns: Mapping[str, list[Any]], row: int,
              details: Sequence[tuple[str, str, str]]) -> list[str]:
    lines = []
    for column, label, form in details:
        if column not in columns:
            continue
        value = columns[column][row]
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, str):
            value = value.replace(";", ", ")
        lines.append(f"{label}: {form.format(value)}")
    return lines


def boundary_layers(context: MapContext) -> list[MapLayer]:
    """Province outline, district areas and names (traced from the hamlets), and a grid."""
    hamlets = context.tables.hamlets
    layers = [_graticule(context)]
    traced = derive_boundaries(hamlets["lon"].to_numpy(float), hamlets["lat"].to_numpy(float),
                               hamlets["district"].tolist(), BoundarySettings())
    if traced is None:
        return layers
    counts = hamlets.groupby("district").size().to_dict()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(traced.districts)))
    graph.add_edges_from(traced.neighbours)
    colour = nx.greedy_color(graph, strategy="largest_first")
    areas = tuple(
        MapFeature(rings=area.rings, fill=DISTRICT_FILLS[colour[i] % len(DISTRICT_FILLS)],
                   title=f"{area.name}\n{counts.get(area.name, 0):,} hamlets")
        for i, area in enumerate(traced.districts))
    labels = _placed_labels(context.projection, traced.districts,
                            [counts.get(area.name, 0) for area in traced.districts])
    layers += [
        MapLayer("land", "province (traced from the hamlets)", "polygon",
                 (MapFeature(rings=traced.outline.rings),),
                 MapStyle(fill="#fdfcf8", stroke="#47525e", stroke_width=1.6), z=0,
                 group="Base map", legend=(LegendEntry("province outline"),)),
        MapLayer("districts", "district areas", "polygon", areas,
                 MapStyle(fill=DISTRICT_FILLS[0], stroke="#6f7b88", stroke_width=1.1), z=1,
                 group="Base map",
                 legend=(LegendEntry(f"{len(areas)} districts, borders traced from hamlets"),)),
        MapLayer("district-names", "district names", "text", labels,
                 MapStyle(fill="#3d4752", size=13.0), z=70, group="Base map"),
    ]
    return layers


def _placed_labels(proj: Projection, areas: Sequence[Any], weights: Sequence[int]
                   ) -> tuple[MapFeature, ...]:
    """District names at their areas' deepest points, nudged apart where they would overlap.

    Boxes are estimated at the opening zoom (about one user unit per pixel);
    bigger districts are placed first and keep their spot.
    """
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for i in sorted(range(len(areas)), key=lambda i: -weights[i]):
        area = areas[i]
        x, y = (float(v) for v in proj.xy(area.label_lon, area.label_lat))
        half_w, half_h = 4.0 * len(area.name) + 10, 10.0
        for dx, dy in ((0, 0), (0, 18), (0, -18), (0, 34), (0, -34), (-half_w, 0),
                       (half_w, 0), (0, 50), (0, -50)):
            box = (x + dx - half_w, y + dy - half_h, x + dx + half_w, y + dy + half_h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                break
        else:
            dx, dy = 0, 0
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
        placed.append(box)
        lon, lat = proj.lonlat(x + dx, y + dy + 4)  # + 4: the baseline, below the middle
        out.append(MapFeature(lon=lon, lat=lat, label=area.name))
    return tuple(out)


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _graticule(context: MapContext) -> MapLayer:
    p = context.projection
    west, north = p.lonlat(0.0, 0.0)
    east, south = p.lonlat(p.width, p.height)
    step = _nice_step(max(east - west, north - south))
    digits = 0
    while abs(step * 10**digits - round(step * 10**digits)) > 1e-6 and digits < 6:
        digits += 1
    lines = []
    for lon in np.arange(math.ceil(west / step) * step, east, step):
        lines.append(MapFeature(lon=(lon, lon), lat=(north, south), label=f"{lon:.{digits}f}°E"))

    for lat in np.arange(math.ceil(south / step) * step, north, step):
        lines.append(MapFeature(lon=(west, east), lat=(lat, lat), label=f"{lat:.{digits}f}°N"))

    return MapLayer("grid", "coordinate grid (WGS84)", "line",
                    tuple(lines),
                    MapStyle(stroke="#b9c4cf", stroke_width=0.7, dash="3 4"), z=2,
                    group="Base map", legend=(LegendEntry(f"every {step:g}°"),))


def hamlet_layers(context: MapContext) -> list[MapLayer]:
    """Covered hamlets (coloured by operator count) and those short of coverage."""
    hamlets = context.tables.hamlets
    counts = hamlets["operator_count"].to_numpy()
    covered = hamlets["covered"].to_numpy(bool)
    columns = {c: hamlets[c].tolist() for c in ("hamlet_id", "name", "commune", "district",
                                                "population", "operators",
                                                "required_operators")}

    def title(i: int, count: int, ok: bool) -> str:
        name, hamlet_id = columns["name"][i], columns["hamlet_id"][i]
        label = f"{name} ({hamlet_id})" if name else hamlet_id
        where = ", ".join(p for p in (columns["commune"][i], columns["district"][i]) if p)
        cover = (f"covered by {count} operator(s): {columns['operators'][i].replace(';', ', ')}"
                 if count else "NOT COVERED")
        need = "" if ok else f" (needs {columns['required_operators'][i]})"
        return (f"{label}{', ' + where if where else ''}\n"
                f"population {columns['population'][i]:,.0f}\n{cover}{need}")

    lon, lat = hamlets["lon"].to_numpy(float), hamlets["lat"].to_numpy(float)
    fills = [HAMLET_COLOURS[f"h{min(int(c), 3)}"][0] if c else UNCOVERED for c in counts]
    good, short = [], []
    for i in range(len(hamlets)):
        ok, count = bool(covered[i]), int(counts[i])
        feature = MapFeature(lon=float(lon[i]), lat=float(lat[i]),
                             title=title(i, count, ok),
                             fill=fills[i] if ok else (UNCOVERED if count == 0 else SHORT))
        (good if ok else short).append(feature)
    by_class = pd.Series([f"h{min(int(c), 3)}" for c in counts[covered]],
                         dtype=object).value_counts()
    legend = tuple(LegendEntry(text, fill, int(by_class.get(cls, 0)))
                   for cls, (fill, text) in HAMLET_COLOURS.items())
    n_none = int((counts[~covered] == 0).sum())
    short_legend = [LegendEntry("not covered by any operator", UNCOVERED, n_none)]
    if len(short) > n_none:
        short_legend.append(LegendEntry("covered by fewer operators than required", SHORT,
                                        len(short) - n_none))
    return [
        MapLayer("hamlets", "covered hamlets", "point", tuple(good),
                 MapStyle(fill=HAMLET_COLOURS["h2"][0], stroke="#ffffff", stroke_width=0.25,
                          size=1.0), z=20, legend=legend, group="Hamlets"),
        MapLayer("uncovered", "hamlets short of coverage", "point", tuple(short),
                 MapStyle(fill=UNCOVERED, stroke="#4d0000", stroke_width=0.3, size=1.9,
                          halo="rgba(224,38,43,.22)"), z=60,
                 legend=tuple(short_legend), group="Hamlets"),
    ]


SITE_STYLES: dict[str, tuple[str, MapStyle, bool, int]] = {
    "new": ("new sites built", MapStyle(fill="#f28c00", stroke="#5a2d00", stroke_width=0.22,
                                        size=2.3, symbol="triangle",
                                        halo="rgba(242,140,0,.28)"), True, 55),
    "colocated": ("existing sites with a new tenant (co-location)",
                  MapStyle(fill="#8e2fb0", stroke="#ffffff", stroke_width=0.3, size=1.6,
                           symbol="square"), True, 45),
    "removed": ("existing sites emptied and removed",
                MapStyle(fill="#ffffff", stroke="#333333", stroke_width=0.3, size=1.6,
                         symbol="crossed"), True, 46),
    "kept": ("existing sites kept as they are",
             MapStyle(fill="#5b7fa8", stroke="#ffffff", stroke_width=0.25, size=1.05,
                      symbol="square", opacity=0.85), True, 30),
    "unused": ("unused candidates and empty sites",
               MapStyle(fill="#a3a3a3", stroke="none", size=0.55), False, 10),
}
"""Site status -> (layer title, style, shown at first, z)."""


def site_layers(context: MapContext) -> list[MapLayer]:
    """One layer per site status (new, co-located, removed, kept, unused) and shared rings."""
    sites = context.tables.sites
    wanted = ["site_id", "status", "shared", "lon", "lat", *(c for c, _, _ in SITE_DETAILS)]
    columns = {c: sites[c].tolist() for c in wanted if c in sites.columns}
    if "owner" in columns and "tenants" in columns:  # a new site without owner: its builder's
        columns["owner"] = [
            f"{tenants.split(';')[0]} (builder)" if not owner and status == "new" else owner
            for owner, tenants, status in zip(columns["owner"], columns["tenants"],
                                              columns["status"], strict=True)]
    by_status: dict[str, list[MapFeature]] = {status: [] for status in SITE_STYLES}
    rings = []
    for j in range(len(sites)):
        status, shared = columns["status"][j], columns["shared"][j]
        lon, lat = float(columns["lon"][j]), float(columns["lat"][j])
        lines = [f"site {columns['site_id'][j]}: {status}" + (" (shared)" if shared else "")]
        lines += _lines_of(columns, j, SITE_DETAILS)
        by_status.setdefault(status, []).append(MapFeature(lon=lon, lat=lat,
                                                           title="\n".join(lines)))
        if shared:
            rings.append(MapFeature(lon=lon, lat=lat))
    layers = []
    for status, (title, style, visible, z) in SITE_STYLES.items():
        layers.append(MapLayer(f"sites-{status}", title, "point", tuple(by_status[status]),
                               style, visible=visible, z=z, group="Sites"))
    layers.append(MapLayer("shared", "shared sites (2 or more tenants), ringed", "point",
                           tuple(rings), MapStyle(stroke="#1d2733", stroke_width=0.12,
                                                  size=2.1), visible=False, z=47,
                           group="Sites"))
    return layers


LOAD_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.5, "#1a9850", "load below 50 %"),
    (0.8, "#a6d96a", "50-80 %"),
    (1.0 + 1e-9, "#fdae61", "80-100 % (users still get the target rate)"),
    (math.inf, "#d7191c", "over capacity"),
)
"""Site load classes of the map: upper bound (exclusive), colour, legend text."""


def load_layers(context: MapContext) -> list[MapLayer]:
    """Active sites coloured by their busiest tenancy's load (scenarios with ``[demand]``).

    The hover text lists each tenant's carriers, load (its busy-hour traffic
    over what its carriers carry at ``user_mbps``) and estimated mean user
    rate, ``peak x (1 - raw load)``, against the target.
    """
    data, tables = context.data, context.tables
    if data.demand is None or "max_load" not in tables.sites.columns:
        return []
    sites = tables.sites[tables.sites["tenant_count"] > 0]
    tenancies = tables.tenancies[tables.tenancies["action"] != "remove"]
    target = float(data.demand.user_mbps)
    lines: dict[str, list[str]] = {}
    for row in tenancies.itertuples(index=False):
        lines.setdefault(row.site_id, []).append(
            f"{row.operator_id}: {int(row.carriers)} carrier(s)"
            + (f" (+{int(row.carriers_added)})" if row.carriers_added else "")
            + f", load {row.load:.0%}, users ~{row.user_mbps:.0f} Mb/s")
    features, classes = [], []
    for row in sites.itertuples(index=False):
        load = float(row.max_load) if np.isfinite(row.max_load) else 0.0
        cls = next(i for i, (top, _, _) in enumerate(LOAD_CLASSES) if load < top)
        classes.append(cls)
        features.append(MapFeature(
            lon=float(row.lon), lat=float(row.lat), fill=LOAD_CLASSES[cls][1],
            title=(f"site {row.site_id}: busiest tenancy at {load:.0%} of capacity "
                   f"(target {target:g} Mb/s per user)\n" + "\n".join(lines.get(row.site_id, [])))))
    counts = np.bincount(np.asarray(classes, dtype=int), minlength=len(LOAD_CLASSES))
    legend = tuple(LegendEntry(text, fill, int(counts[i]))
                   for i, (_, fill, text) in enumerate(LOAD_CLASSES))
    return [MapLayer("load", "site load in the busy hour", "point", tuple(features),
                     MapStyle(fill=LOAD_CLASSES[0][1], stroke="#222222", stroke_width=0.35,
                              size=1.3, symbol="square"),
                     visible=False, z=58, legend=legend, group="Capacity")]


LAYER_BUILDERS: tuple[Callable[[MapContext], Iterable[MapLayer]], ...] = (
    boundary_layers, hamlet_layers, site_layers, load_layers,
)
"""The builders :func:`plan_layers` calls, in order; each returns some layers."""

LEGEND_ORDER: tuple[str, ...] = (
    "sites-new", "sites-colocated", "sites-removed", "sites-kept", "shared", "sites-unused",
    "uncovered", "hamlets", "district-names", "districts", "land", "grid",
)
"""Order of the switches in the legend (layers not named here come after)."""


def map_context(data: ProblemData, tables: PlanTables) -> MapContext:
    """The projection and base marker size of a plan's map."""
    hamlets, sites = tables.hamlets, tables.sites
    shown = sites["status"].to_numpy() != "unused"
    lon = np.concatenate([hamlets["lon"].to_numpy(float), sites["lon"].to_numpy(float)[shown]])
    lat = np.concatenate([hamlets["lat"].to_numpy(float), sites["lat"].to_numpy(float)[shown]])
    proj = Projection.fit(lon, lat)
    n = max(len(hamlets), 1)
    # Marker size from the space per hamlet: legible on a province, not huge on a village.
    marker = min(max(0.16 * math.sqrt(proj.width * proj.height / n), 1.6), 8.0)
    return MapContext(data=data, tables=tables, projection=proj, marker=marker)


def plan_layers(context: MapContext,
                builders: Sequence[Callable[[MapContext], Iterable[MapLayer]]] = LAYER_BUILDERS
                ) -> list[MapLayer]:
    """Every layer of a plan's map: what each builder returns, in order."""
    return [layer for build in builders for layer in build(context)]
