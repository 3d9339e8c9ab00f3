"""Backhaul b_j on the hand-made network: worked out by hand, and by networkx."""

from __future__ import annotations

import csv
import io

import networkx as nx
import numpy as np
import pytest

from btsopt import solve
from btsopt.evaluation import evaluate
from btsopt.network import backhaul_costs, fibre_distances
from btsopt.reading import read_scenario

from .helpers import DROP_C3_KM, ROADS, write_network_scenario

# E1, E2 existing; C1 at C, C2 at D, C3 a drop away from E (see helpers.py).
BY_HAND = [0.0, 0.0, 1920.0, 1940.0, 1600.0 + 300.0 * DROP_C3_KM]


def test_backhaul_equals_the_hand_worked_costs(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path))
    np.testing.assert_allclose(data.network.backhaul, BY_HAND, rtol=1e-12)
    assert data.network.num_nodes == 5
    assert int(data.network.fibre_node.sum()) == 1


def test_microwave_caps_the_backhaul(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path, microwave="1930"))
    np.testing.assert_allclose(data.network.backhaul,
                               [0.0, 0.0, 1920.0, 1930.0, BY_HAND[4]], rtol=1e-12)
    assert data.network.fibre_sites.tolist() == [True, True, True, False, True]


def test_backhaul_equals_an_independent_networkx_computation(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path))
    per_km = {"road": 300.0, "aerial": 80.0, "duct": 20.0}
    graph = nx.Graph()
    for row in csv.DictReader(io.StringIO(ROADS)):
        a = (float(row["from_lon"]), float(row["from_lat"]))
        b = (float(row["to_lon"]), float(row["to_lat"]))
        graph.add_edge(a, b, weight=float(row["length_m"]) / 1000 * per_km[row["kind"].lower()])
    to_fibre = nx.multi_source_dijkstra_path_length(graph, {(106.0, 20.0)})
    nodes = data.network
    for j in range(data.num_sites):
        node = (round(float(nodes.node_lon[nodes.site_node[j]]), 6),
                round(float(nodes.node_lat[nodes.site_node[j]]), 6))
        expected = 0.0 if data.sites.existing[j] else min(
            to_fibre[node] + 300.0 * float(nodes.site_drop_km[j]), 2000.0)
        assert data.network.backhaul[j] == pytest.approx(expected, rel=1e-12)


def test_multi_source_distances_and_costs():
    # Path 0-1-2-3 with fibre at both ends: node 1 is 1 from 0, node 2 is 2 from 3.
    distance = fibre_distances(4, np.array([0, 1, 2]), np.array([1, 2, 3]),
                               np.array([1.0, 5.0, 2.0]), np.array([1, 0, 0, 1], dtype=bool))
    assert distance.tolist() == [0.0, 1.0, 2.0, 0.0]
    b = backhaul_costs(np.array([3.0, 9.0, np.inf]), np.array([True, False, False]), 5.0)
    assert b.tolist() == [0.0, 5.0, 5.0]


def test_backhaul_is_added_to_the_built_candidate_in_model_and_evaluator(tmp_path):
    from .helpers import TINY

    v1 = solve(read_scenario(TINY / "scenario.toml"))
    data = read_scenario(write_network_scenario(tmp_path))
    result = solve(data)
    assert result.status == "optimal"
    # C2 stays the cheapest way to cover H4 and H5: 1000 + 1940 against C1's 1500 + 1920.
    built = np.flatnonzero(result.plan.tenancies.any(axis=1) & ~data.sites.existing)
    assert [data.sites.ids[j] for j in built] == ["C2"]
    assert result.objective == pytest.approx(v1.objective + 1940.0, rel=1e-12)
    evaluation = evaluate(data, result.plan)
    assert evaluation.cost["backhaul"] == pytest.approx(1940.0)
    assert evaluation.system_cost == pytest.approx(result.objective, rel=1e-12)


def test_v1_scenario_has_no_network_and_no_backhaul_cost():
    from .helpers import TINY

    data = read_scenario(TINY / "scenario.toml")
    assert data.network is None
    result = solve(data)
    assert "backhaul" not in result.evaluation.cost
