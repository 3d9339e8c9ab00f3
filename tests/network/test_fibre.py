"""The fibre plan on the hand-made network: trees, FTTH, summary keys, fibre.geojson."""

from __future__ import annotations

import json

import numpy as np
import pytest

from btsopt import solve
from btsopt.network.fibre import fibre_plan
from btsopt.outputs import write_result
from btsopt.outputs.fibre import fibre_features
from btsopt.reading import read_scenario

from .helpers import write_network_scenario

HAMLETS = ("id,lon,lat,population,district\nH1,106.00,20.0,400,X\nH2,106.04,20.0,300,X\n"
           "H3,106.08,20.01,500,X\nH4,106.11,20.0,200,Y\nH5,106.12,20.0,250,Y\n")
"""One hamlet on each node (no drops): H1 on fibre; H2 at B, H3 at E, H4 at C, H5 at D."""
SITES = """id,lon,lat,status,height_m,owner,capex
E1,106.01,20.0,existing,30,alpha,
E2,106.04,20.0,existing,30,beta,
C1,106.11,20.0,candidate,30,,1500
C2,106.12,20.0,candidate,30,,1000
C3,106.08,20.01,candidate,30,,1500
"""
"""C3 at E is the only site near H3; C2 at D covers H4 and H5 more cheaply than C1 at C."""


@pytest.fixture
def data(tmp_path):
    return read_scenario(write_network_scenario(tmp_path, hamlets=HAMLETS, sites=SITES))


def test_trees_by_hand(data):
    result = solve(data)
    fibre = fibre_plan(data, result.plan)
    # Built: C2 at D (b = 1940) and C3 at E (b = 1600). FTTH: H2..H5. One tree
    # F-B-E-C-D serves all: 1200 + 400 + 320 + 20 = 1940, as FTTH alone does.
    assert [data.sites.ids[j] for j in fibre.fibre_sites] == ["C2", "C3"]
    assert fibre.backhaul_cost == pytest.approx(1940.0 + 1600.0)
    assert fibre.ftth_hamlets.tolist() == [1, 2, 3, 4]
    assert fibre.shared.cost == pytest.approx(1940.0)
    assert fibre.ftth.cost == pytest.approx(1940.0)
    assert fibre.shared.lower_bound == pytest.approx(1940.0)
    assert fibre.sharing_saving == pytest.approx(3540.0 + 1940.0 - 1940.0)
    assert fibre.hamlets_with_fibre_before == 1
    assert fibre.hamlets_with_fibre_after == 5


def test_target_below_one_takes_the_cheapest_hamlets(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path, hamlets=HAMLETS, sites=SITES,
                                                target="0.6"))
    fibre = fibre_plan(data, solve(data).plan)
    # 3 of 5 needed, 1 has fibre: the two cheapest on their own are H2 (1200), H3 (1600).
    assert fibre.ftth_hamlets.tolist() == [1, 2]
    assert fibre.ftth.cost == pytest.approx(1600.0)
    # The shared tree also reaches C3 at E and C2 at D: F-B-E-C-D = 1940.
    assert fibre.shared.cost == pytest.approx(1940.0)
    assert fibre.sharing_saving == pytest.approx(3540.0 + 1600.0 - 1940.0)


def test_tree_cost_is_its_edges_plus_drops(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path))  # tiny's hamlets: with drops
    fibre = fibre_plan(data, solve(data).plan)
    features = fibre_features(data, fibre)
    drawn = [f for f in features if f["properties"]["kind"] == "drop"]
    # H4 is the one hamlet off its node (1 km west of C) that needs fibre.
    assert [f["properties"].get("hamlet_id") for f in drawn] == ["H4"]
    network = data.network
    edges = float(network.edge_cost[fibre.shared.edges].sum())
    drops = 300.0 * float(network.site_drop_km[fibre.shared.site_drops].sum()
                          + network.hamlet_drop_km[fibre.shared.hamlet_drops].sum())
    assert fibre.shared.cost == pytest.approx(edges + drops)
    assert fibre.shared.lower_bound <= fibre.shared.cost + 1e-9


def test_summary_keys_and_fibre_geojson(data, tmp_path):
    result = solve(data)
    out = tmp_path / "out"
    written = write_result(data, result, out)
    assert out / "fibre.geojson" in written
    summary = json.loads((out / "summary.json").read_text())
    assert {"hamlets_with_fibre_before", "hamlets_with_fibre_after", "new_fibre_km",
            "cost"} <= set(summary["ftth"])
    assert {"fibre_sites", "microwave_sites", "cost", "tree_cost",
            "sharing_saving"} <= set(summary["backhaul"])
    assert summary["ftth"]["hamlets_with_fibre_after"] == 5
    assert summary["ftth"]["new_fibre_km"] == pytest.approx(4 + 5 + 4 + 1)
    assert summary["backhaul"] == pytest.approx({
        "fibre_sites": 2, "microwave_sites": 0, "cost": 3540.0, "tree_cost": 1940.0,
        "sharing_saving": 3540.0, "tree_lower_bound": 1940.0, "tree_new_fibre_km": 14.0})
    assert summary["cost"]["backhaul"] == 3540.0
    features = json.loads((out / "fibre.geojson").read_text())["features"]
    kinds = sorted(f["properties"]["kind"] for f in features)
    # Four edges; every site and hamlet is on its node, so no drop is drawn.
    assert kinds == ["aerial", "aerial", "duct", "road"]
    assert all(f["geometry"]["type"] == "LineString" for f in features)
    assert sum(f["properties"]["cost"] for f in features) == pytest.approx(1940.0)
    road = next(f for f in features if f["properties"]["kind"] == "road")
    assert road["geometry"]["coordinates"] == [[106.0, 20.0], [106.04, 20.0]]
    assert road["properties"]["length_m"] == 4000.0
    report = (out / "report.md").read_text()
    assert "| X | 3 | 1 (33%) | 3 (100%) |" in report
    assert "| Y | 2 | 0 (0%) | 2 (100%) |" in report
    page = (out / "report.html").read_text()
    for layer in ("fibre-road", "fibre-aerial", "fibre-duct", "fibre-today", "fibre-drops",
                  "ftth-missing-today", "ftth-missing-after"):
        assert f'data-layer="lyr-{layer}"' in page
    assert "FTTH by district" in page
    assert "<td>Y</td><td class=num>2</td><td class=num>0 (0%)</td>" in page


def test_no_fibre_outputs_without_network(tmp_path):
    from .helpers import TINY

    data = read_scenario(TINY / "scenario.toml")
    written = write_result(data, solve(data), tmp_path)
    assert not (tmp_path / "fibre.geojson").exists()
    assert all(p.name != "fibre.geojson" for p in written)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "ftth" not in summary and "backhaul" not in summary
    assert np.isfinite(summary["objective"])
