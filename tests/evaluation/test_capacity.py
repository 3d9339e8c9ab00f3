"""The evaluator's capacity check on hand-checked cases (max flow per operator).

Scenario: tiny with 100 subscriptions per hamlet, shares 0.5 / 0.5 and 0.5 Mb/s
per subscription in the busy hour, so D = 100 x 0.5 x 0.5 = 25 Mb/s per hamlet
and operator; one carrier carries c = 3 x 20 x 1.5 x (1 - 70/150) = 48 Mb/s.
Reach (fixed radius 2.5 km, 0.01 deg of longitude ~ 1.05 km at 20 N):
E1 -> H1, H2; E2 -> H2, H3; C1 -> H4, H5; C2 -> H4, H5.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import TINY, tiny_with_demand
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt.evaluation import evaluate
from btsopt.evaluation.capacity import LOAD_BISECTIONS, integer_flow_fits, max_flow_split
from btsopt.plan import Plan
from btsopt.reading import read_scenario

E1, E2, C1, C2 = range(4)
ALPHA, BETA = range(2)


@pytest.fixture
def data(tmp_path: Path):
    return read_scenario(tiny_with_demand(
        tmp_path / "s", "busy_hour_mbps = 0.5\nkeep_service = false",
        subscriptions=["100"] * 5,
    ))


def plan(pairs: dict[tuple[int, int], int]) -> Plan:
    x = np.zeros((4, 2), dtype=bool)
    n = np.zeros((4, 2), dtype=int)
    for (j, k), carriers in pairs.items():
        x[j, k], n[j, k] = True, carriers
    return Plan(x, n)


def capacity_messages(evaluation) -> list[str]:
    return [v for v in evaluation.violations if "Mb/s" in v or "carriers" in v]


def test_one_carrier_short_by_two_mbps(data) -> None:
    # alpha on E1 alone covers H1 and H2: 50 Mb/s into 48.
    e = evaluate(data, plan({(E1, ALPHA): 1}))
    assert capacity_messages(e) == [
        "operator alpha: 2 Mb/s of the demand it covers does not fit its tenancies' "
        "capacity (hamlets H1, H2)"
    ]
    assert e.capacity.unmet_mbps[ALPHA] == pytest.approx(2.0)
    assert e.tenancy_load[E1, ALPHA] == pytest.approx(1.0)
    # 48 of the 50 Mb/s carried: 96 of the 100 subscriptions of alpha there.
    assert e.demand["operators"]["alpha"]["served_subscriptions"] == pytest.approx(96.0)


def test_a_second_carrier_fits_and_is_paid_for(data) -> None:
    e = evaluate(data, plan({(E1, ALPHA): 2}))
    assert capacity_messages(e) == []
    # 50 Mb/s over 2 x 48
    assert e.tenancy_load[E1, ALPHA] == pytest.approx(50 / 96)
    assert e.demand["carriers_added"] == 1 and e.demand["max_load"] == pytest.approx(50 / 96)
    # one carrier: 150 capex + 15 a year over 10 years at 8% (annuity 6.710081)
    assert e.cost["carrier_capex"] == pytest.approx(150.0)
    assert e.cost["carrier_opex"] == pytest.approx(15 * 6.710081, abs=1e-4)
    assert e.operators["alpha"]["capex"] == pytest.approx(150.0)  # E1 is kept: no tenancy capex
    # subscriptions of the modelled operators: 5 hamlets x 100 x (0.5 + 0.5)
    assert e.demand["subscriptions"] == pytest.approx(500.0)
    assert e.demand["served_subscriptions"] == pytest.approx(100.0)  # H1, H2 for alpha
    assert e.demand["served_share"] == pytest.approx(0.2)


def test_shared_hamlet_is_split_between_two_tenancies(data) -> None:
    # alpha on E1 and E2: H1 -> E1, H3 -> E2, H2 split: 75 Mb/s into 2 x 48.
    e = evaluate(data, plan({(E1, ALPHA): 1, (E2, ALPHA): 1}))
    assert capacity_messages(e) == []
    carried = e.capacity.carried_mbps[:, ALPHA]
    assert carried.sum() == pytest.approx(75.0)
    assert 25.0 - 1e-9 <= carried[E1] <= 48.0 + 1e-9 and 25.0 - 1e-9 <= carried[E2] <= 48.0
    assert np.isnan(e.tenancy_load[C1, ALPHA])


def test_carriers_above_the_maximum_and_keep_service(tmp_path: Path) -> None:
    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.01"))
    e = evaluate(data, plan({(E1, ALPHA): 4, (C1, BETA): 1}))
    assert "tenancy of alpha on site E1 has 4 carriers, above max_carriers (3)" in e.violations
    # beta leaves E2: H2 and H3 lose beta (keep_service is on by default).
    assert any(v.startswith("keep_service: operator beta no longer covers 2 hamlets it "
                            "covers today (H2, H3)") for v in e.violations)


def test_v1_evaluation_has_no_demand_keys() -> None:
    data = read_scenario(TINY)
    e = evaluate(data, Plan.existing(data))
    assert e.demand is None and e.tenancy_load is None
    assert "demand" not in e.to_dict() and "carrier_capex" not in e.cost


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_flow_matches_networkx_max_flow(draw_data) -> None:
    # The evaluator's max flow (a safe reduction, then an LP) against networkx's
    # preflow-push on random bipartite hamlet -> tenancy graphs.
    draw = draw_data.draw
    num_hamlets, num_sites = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    demand = np.array([draw(st.integers(0, 60)) for _ in range(num_hamlets)], dtype=float)
    capacity = np.array([draw(st.sampled_from([0, 48, 96, 144])) for _ in range(num_sites)],
                        dtype=float)
    pairs = [(i, j) for i in range(num_hamlets) for j in range(num_sites) if draw(st.booleans())]
    if not pairs:
        return
    hamlets = np.array([i for i, _ in pairs])
    sites = np.array([j for _, j in pairs])
    value, flow, _ = max_flow_split(demand, hamlets, sites, capacity)
    graph = nx.DiGraph()
    for i in set(hamlets.tolist()):
        graph.add_edge("s", ("h", i), capacity=demand[i])
    for i, j in pairs:
        graph.add_edge(("h", i), ("t", j))
    for j in set(sites.tolist()):
        graph.add_edge(("t", j), "t", capacity=capacity[j])
    expected = nx.maximum_flow_value(graph, "s", "t")
    assert value == pytest.approx(expected, abs=1e-6)
    # The split is a flow: within each hamlet's demand and each tenancy's capacity.
    assert np.all(np.bincount(hamlets, weights=flow, minlength=num_hamlets) <= demand + 1e-6)
    assert np.all(np.bincount(sites, weights=flow, minlength=num_sites) <= capacity + 1e-6)


# --------------------------------------------------------------------------- fast path


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fast_path_never_accepts_what_the_lp_rejects(draw_data) -> None:
    # The integer flow (demand rounded up, capacity down, in units of `unit`)
    # against the exact LP: when it carries everything, its split fits the true
    # capacities and the LP carries all the demand too; when it does not, its
    # value is the LP's to within the rounding (hamlets up, tenancies down).
    draw = draw_data.draw
    unit = draw(st.sampled_from([1e-3, 0.25, 1.0]))
    num_hamlets, num_sites = draw(st.integers(1, 7)), draw(st.integers(1, 4))
    amounts = st.integers(0, 4000).map(lambda n: n / 100)  # 0 .. 40 Mb/s, steps of 0.01
    demand = np.array([draw(amounts) for _ in range(num_hamlets)])
    capacity = np.array([draw(amounts) * 2 for _ in range(num_sites)])
    pairs = [(i, j) for i in range(num_hamlets) for j in range(num_sites) if draw(st.booleans())]
    if not pairs:
        return
    hamlets, sites = np.array(pairs).T
    exact, _, _ = max_flow_split(demand, hamlets, sites, capacity, reduce=False, fast=False)
    value, flow = integer_flow_fits(demand, hamlets, sites, capacity, unit_mbps=unit)
    reached = np.unique(hamlets)
    if flow is not None:
        assert exact == pytest.approx(demand[reached].sum(), abs=1e-6)
        assert np.allclose(np.bincount(hamlets, weights=flow, minlength=num_hamlets)[reached],
                           demand[reached])
        assert np.all(np.bincount(sites, weights=flow, minlength=num_sites)
                      <= capacity * (1 + 1e-12))
        assert np.all(flow >= 0)
    else:
        slack = 1e-9 + 1e-12 * demand.sum()
        assert value <= exact + unit * reached.size + slack
        assert value >= exact - unit * np.unique(sites).size - slack
    # The evaluator's answer does not depend on the path taken.
    fast, _, _ = max_flow_split(demand, hamlets, sites, capacity, unit_mbps=unit)
    assert fast == pytest.approx(exact, abs=1e-6)


def test_rounding_edge_falls_back_to_the_lp() -> None:
    # Two hamlets of 1.5 kb/s into one tenancy of exactly 3 kb/s: rounded up to
    # whole kb/s they need 4 units and the room is 3, so the integer flow does
    # not carry it all; the LP then finds that it fits exactly.
    demand = np.array([0.0015, 0.0015])
    hamlets, sites, capacity = np.array([0, 1]), np.array([0, 0]), np.array([0.003])
    value, flow = integer_flow_fits(demand, hamlets, sites, capacity)
    assert flow is None and value == pytest.approx(0.003)
    carried, split, unplaced = max_flow_split(demand, hamlets, sites, capacity)
    assert carried == pytest.approx(0.003, abs=1e-12)
    assert split.sum() == pytest.approx(0.003) and not unplaced.any()
    # One kb/s more than the room: the fast path declines, the LP names 1 kb/s left over.
    demand = np.array([0.0015, 0.0025])
    assert integer_flow_fits(demand, hamlets, sites, capacity)[1] is None
    carried, _, unplaced = max_flow_split(demand, hamlets, sites, capacity)
    assert demand.sum() - carried == pytest.approx(0.001, abs=1e-9)
    assert (unplaced > 0).all()


def test_fast_path_balances_the_split() -> None:
    # H0 (40 Mb/s) reaches T0 and T1, H1 (20) only T1: the least highest load
    # puts 30 Mb/s on each tenancy (H0's 40 split 30 / 10), a load of 30 / 48.
    demand = np.array([40.0, 20.0])
    hamlets, sites = np.array([0, 0, 1]), np.array([0, 1, 1])
    value, flow = integer_flow_fits(demand, hamlets, sites, np.array([48.0, 48.0]))
    assert value == pytest.approx(60.0)
    loads = np.bincount(sites, weights=flow) / 48
    assert loads.max() == pytest.approx(30 / 48, abs=2.0**-LOAD_BISECTIONS + 1e-4)
