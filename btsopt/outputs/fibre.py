"""Outputs of the fibre plan: ``fibre.geojson``, FTTH by district, report lines.

``fibre.geojson`` holds the new routes of the shared tree as LineStrings: one
feature per network edge (``kind`` road / aerial / duct, ``length_m``,
``cost``) and one per drop (``kind`` = ``drop``, with the ``site_id`` or
``hamlet_id`` it serves; none for a point on its node). Features of the tree for the FTTH hamlets alone are
not written: the shared tree is what gets built.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from btsopt.data import EDGE_KINDS, ProblemData
from btsopt.network.fibre import FibrePlan

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
