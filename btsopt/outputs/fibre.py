"""Outputs of the fibre plan: ``fibre.geojson``, FTTH by district, report lines, map layers.

``fibre.geojson`` holds the new routes of the shared tree as LineStrings: one
feature per network edge (``kind`` road / aerial / duct, ``length_m``,
``cost``) and one per drop (``kind`` = ``drop``, with the ``site_id`` or
``hamlet_id`` it serves; none for a point on its node). Features of the tree for the FTTH hamlets alone are
not written: the shared tree is what gets built.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd

from btsopt.data import EDGE_KINDS, ProblemData
from btsopt.network.fibre import FibrePlan
from btsopt.outputs.mapview import MapFeature, MapLayer, MapStyle

_DECIMALS = 6
_MIN_DROP_M = 0.5


def _line(points: list[tuple[float, float]], properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [
            [round(float(lon), _DECIMALS), round(float(lat), _DECIMALS)] for lon, lat in points]},
        "properties": properties,
    }


def fibre_features(data: ProblemData, fibre: FibrePlan) -> list[dict]:
    """GeoJSON features of the shared tree's new fibre: edges, then drops."""
    network = fibre.network
    features = []
    cost = network.edge_cost
    for e in fibre.shared.edges.tolist():
        a, b = int(network.edge_from[e]), int(network.edge_to[e])
        features.append(_line(
            [(network.node_lon[a], network.node_lat[a]), (network.node_lon[b],
                                                          network.node_lat[b])],
            {"kind": EDGE_KINDS[int(network.edge_kind[e])],
             "length_m": round(float(network.edge_length_km[e]) * 1000.0, 1),
             "cost": round(float(cost[e]), 3), "serves": "shared"}))
    for what, index, lon, lat, node, drop_km, ids in (
        ("site_id", fibre.shared.site_drops, data.sites.lon, data.sites.lat,
         network.site_node, network.site_drop_km, data.sites.ids),
        ("hamlet_id", fibre.shared.hamlet_drops, data.hamlets.lon, data.hamlets.lat,
         network.hamlet_node, network.hamlet_drop_km, data.hamlets.ids),
    ):
        for i in index.tolist():
            if drop_km[i] * 1000.0 < _MIN_DROP_M:
                continue  # a point on its node: no line to draw
            n = int(node[i])
            features.append(_line(
                [(lon[i], lat[i]), (network.node_lon[n], network.node_lat[n])],
                {"kind": "drop", "length_m": round(float(drop_km[i]) * 1000.0, 1),
                 "cost": round(float(drop_km[i]) * network.drop_cost_per_km, 3),
                 "serves": what.removesuffix("_id"), what: ids[i]}))
    return features


def fibre_geojson(data: ProblemData, fibre: FibrePlan) -> str:
    """``fibre.geojson``: a FeatureCollection of the new routes."""
    document = {"type": "FeatureCollection", "features": fibre_features(data, fibre)}
    return json.dumps(document, ensure_ascii=False) + "\n"


def ftth_by_district(data: ProblemData, fibre: FibrePlan) -> pd.DataFrame:
    """Hamlets with fibre before and after the FTTH plan, per district (and in total)."""
    after = fibre.network.hamlet_ftth.copy()
    after[fibre.ftth_hamlets] = True
    district = np.array([d or "(none)" for d in data.hamlets.district], dtype=object)
    frame = pd.DataFrame({"district": district, "before": fibre.network.hamlet_ftth,
                          "after": after, "hamlets": 1})
    table = frame.groupby("district", sort=True)[["hamlets", "before", "after"]].sum()
    table.loc["total"] = table.sum()
    table = table.reset_index()
    table["before_share"] = table["before"] / table["hamlets"]
    table["after_share"] = table["after"] / table["hamlets"]
    return table


def _money(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else "-"


def fibre_report_lines(data: ProblemData, fibre: FibrePlan) -> list[str]:
    """The report's section on backhaul, shared trenches and FTTH (Markdown)."""
    s = fibre.summary()
    ftth, backhaul = s["ftth"], s["backhaul"]
    shared = fibre.shared
    lines = [
        "## Fibre: backhaul, shared trenches, FTTH",
        "",
        f"- built candidates backhauled by fibre: {backhaul['fibre_sites']}, by microwave: "
        f"{backhaul['microwave_sites']}; backhaul in the plan's cost: "
        f"{_money(backhaul['cost'])} {data.currency}",
        f"- FTTH: {ftth['hamlets_with_fibre_before']} -> {ftth['hamlets_with_fibre_after']} "
        f"of {data.num_hamlets} hamlets (target {fibre.network.ftth_target:.0%}); "
        f"a tree for these hamlets alone: {ftth['new_fibre_km']:,.1f} km, "
        f"{_money(ftth['cost'])}",
        f"- one shared tree for sites and hamlets (\"dig once\"): "
        f"{backhaul['tree_new_fibre_km']:,.1f} km, {_money(shared.cost)} (proven lower bound "
        f"{_money(shared.lower_bound)}); saving against separate connections "
        f"{_money(backhaul['sharing_saving'])}",
    ]
    if len(fibre.unreachable_hamlets):
        lines.append(f"- hamlets no path links to fibre: {len(fibre.unreachable_hamlets)}")
    lines += ["", "| district | hamlets | with fibre before | after |", "|---|---|---|---|"]
    for row in ftth_by_district(data, fibre).itertuples(index=False):
        lines.append(f"| {row.district} | {row.hamlets} | {row.before} "
                     f"({row.before_share:.0%}) | {row.after} ({row.after_share:.0%}) |")
    lines.append("")
    return lines


_KIND_STYLE = {"road": ("#d62728", "trench"), "aerial": ("#ff7f0e", "on poles"),
               "duct": ("#9467bd", "in ducts")}


def fibre_layers(data: ProblemData, fibre: FibrePlan) -> list[MapLayer]:
    """Map layers of the fibre plan: today's fibre, the new routes by kind, drops,
    and the hamlets without fibre before and after the plan."""
    network = fibre.network
    cost = network.edge_cost
    lon, lat = network.node_lon, network.node_lat

    def segment(e: int, title: str) -> MapFeature:
        a, b = int(network.edge_from[e]), int(network.edge_to[e])
        return MapFeature(lon=(float(lon[a]), float(lon[b])), lat=(float(lat[a]), float(lat[b])),
                          title=title)

    today = tuple(segment(e, "fibre today") for e in np.flatnonzero(network.edge_fibre).tolist())
    layers = [MapLayer("fibre-today", "fibre today", "line", today,
                       MapStyle(stroke="#2ca02c", stroke_width=1.5), visible=False, z=22,
                       group="Fibre")]
    new = fibre.shared.edges
    for k, kind in enumerate(EDGE_KINDS):
        colour, what = _KIND_STYLE[kind]
        edges = new[network.edge_kind[new] == k].tolist()
        features = tuple(segment(e, f"new fibre {what}: "
                                    f"{network.edge_length_km[e] * 1000:,.0f} m, "
                                    f"cost {cost[e]:,.1f}") for e in edges)
        layers.append(MapLayer(f"fibre-{kind}", f"new fibre {what}", "line", features,
                               MapStyle(stroke=colour, stroke_width=2.0), z=26,
                               group="Fibre"))
    drops = []
    for index, plon, plat, node, km, ids in (
        (fibre.shared.site_drops, data.sites.lon, data.sites.lat, network.site_node,
         network.site_drop_km, data.sites.ids),
        (fibre.shared.hamlet_drops, data.hamlets.lon, data.hamlets.lat, network.hamlet_node,
         network.hamlet_drop_km, data.hamlets.ids),
    ):
        for i in index.tolist():
            n = int(node[i])
            drops.append(MapFeature(lon=(float(plon[i]), float(lon[n])),
                                    lat=(float(plat[i]), float(lat[n])),
                                    title=f"drop to {ids[i]}: {km[i] * 1000:,.0f} m"))
    layers.append(MapLayer("fibre-drops", "drops", "line", tuple(drops),
                           MapStyle(stroke="#8c564b", stroke_width=1.0), visible=False,
                           z=24, group="Fibre"))
    after = network.hamlet_ftth.copy()
    after[fibre.ftth_hamlets] = True
    for name, title, mask, visible in (
        ("ftth-missing-today", "hamlets without fibre today", ~network.hamlet_ftth, False),
        ("ftth-missing-after", "hamlets without fibre after the plan", ~after, True),
    ):
        points = tuple(MapFeature(lon=float(data.hamlets.lon[i]), lat=float(data.hamlets.lat[i]),
                                  title=f"{data.hamlets.ids[i]}: no fibre")
                       for i in np.flatnonzero(mask).tolist())
        layers.append(MapLayer(name, title, "point", points,
                               MapStyle(fill="none", stroke="#d62728", size=1.4,
                                        symbol="ring", stroke_width=0.35),
                               visible=visible, z=60, group="Fibre"))
    return layers


def ftth_html_section(data: ProblemData, fibre: FibrePlan) -> str:
    """The report's FTTH-by-district table (HTML, escaped)."""
    rows = []
    for row in ftth_by_district(data, fibre).itertuples(index=False):
        rows.append(f"<tr><td>{html.escape(str(row.district))}</td><td class=num>"
                    f"{row.hamlets}</td><td class=num>{row.before} ({row.before_share:.0%})"
                    f"</td><td class=num>{row.after} ({row.after_share:.0%})</td></tr>")
    s = fibre.summary()
    return (
        "<section><h2>Fibre: FTTH by district</h2>"
        f"<p>Shared tree of new fibre: {s['backhaul']['tree_new_fibre_km']:,.1f} km, "
        f"{_money(fibre.shared.cost)} {html.escape(data.currency)} (lower bound "
        f"{_money(fibre.shared.lower_bound)}), saving {_money(fibre.sharing_saving)} against "
        "separate connections.</p>"
        "<table><thead><tr><th>district</th><th class=num>hamlets</th>"
        "<th class=num>with fibre before</th><th class=num>after</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></section>"
    )
