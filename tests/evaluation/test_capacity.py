"""The evaluator's capacity check on hand-checked cases (max flow per operator).

Scenario: tiny with 100 subscriptions per hamlet, shares 0.5 / 0.5 and 0.5 Mb/s
per subscription in the busy hour, so D = 100 x 0.5 x 0.5 = 25 Mb/s per hamlet
and operator; one carrier carries c = 3 x 20 x 1.5 x (1 - 70/150) = 48 Mb/s.
Reach (fixed radius 2.5 km, 0.01 deg of longitude ~ 1.05 km at 20 N):
E1 -> H1, H2; E2 -> H2, H3; C1 -> H4, H5; C2 -> H4, H5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, tiny_with_demand

from btsopt.evaluation import evaluate
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
