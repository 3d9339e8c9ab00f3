"""Reading ``[demand]`` (scenario format v2): values, defaults and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, tiny_with_demand

from btsopt.errors import ScenarioError
from btsopt.plan import Plan, read_plan_csv
from btsopt.reading import read_scenario


def test_v1_scenario_has_no_demand() -> None:
    assert read_scenario(TINY).demand is None


def test_defaults_of_the_spec(tmp_path: Path) -> None:
    data = read_scenario(tiny_with_demand(tmp_path / "s"))
    demand = data.demand
    assert demand is not None and data.warnings == ()
    assert (demand.subscriptions_per_100, demand.busy_hour_mbps, demand.user_mbps,
            demand.keep_service) == (85.0, 0.1, 70.0, True)
    # population x 85 / 100
    np.testing.assert_allclose(demand.subscriptions, [340, 255, 425, 170, 212.5])
    np.testing.assert_allclose(demand.market_share, [0.5, 0.5])
    # D = subscriptions x 0.5 x 0.1
    np.testing.assert_allclose(demand.demand_mbps[:, 0], [17, 12.75, 21.25, 8.5, 10.625])
    # c = 3 sectors x 20 MHz x 1.5 bit/s/Hz x (1 - 70/150) = 90 x 8/15 = 48
    np.testing.assert_allclose(demand.carrier_capacity_mbps, [48.0, 48.0])
    assert demand.max_carriers.tolist() == [3, 3] and demand.sectors.tolist() == [3, 3]
    # E1 holds alpha, E2 holds beta, one carrier each by default.
    assert demand.carriers_today.tolist() == [[1, 0], [0, 1], [0, 0], [0, 0]]
    # 150 + 15 x annuity(10 years, 8%) = 150 + 15 x 6.710081 = 250.6512
    np.testing.assert_allclose(demand.carrier_cost_npv(data.economics), [250.6512] * 2,
                               atol=1e-4)


def test_given_values(tmp_path: Path) -> None:
    path = tiny_with_demand(
        tmp_path / "s",
        "subscriptions_per_100 = 100\nbusy_hour_mbps = 0.5\nuser_mbps = 50\n"
        "keep_service = false",
        ("market_share = 0.6\nsectors = 1\ncarrier_mhz = 10\nspectral_efficiency = 2\n"
         "peak_mbps = 100\nmax_carriers = 4\ncarrier_capex = 10\ncarrier_opex_per_year = 1",
         ""),
        subscriptions=["10", "", "30", "0", "5"],
        carriers=["4", ""],
    )
    demand = read_scenario(path).demand
    assert demand is not None and not demand.keep_service
    np.testing.assert_allclose(demand.subscriptions, [10, 300, 30, 0, 5])
    # beta takes what alpha leaves of 1
    np.testing.assert_allclose(demand.market_share, [0.6, 0.4])
    # alpha: 1 x 10 x 2 x (1 - 50/100) = 10; beta: defaults with user 50: 90 x 2/3 = 60
    np.testing.assert_allclose(demand.carrier_capacity_mbps, [10.0, 60.0])
    np.testing.assert_allclose(demand.demand_mbps[0], [10 * 0.6 * 0.5, 10 * 0.4 * 0.5])
    assert demand.carriers_today.tolist() == [[4, 0], [0, 1], [0, 0], [0, 0]]


def test_capacity_keys_without_demand_warn(tmp_path: Path) -> None:
    path = tiny_with_demand(tmp_path / "s", None, ("max_carriers = 2", ""), carriers=["1", "1"])
    data = read_scenario(path)
    assert data.demand is None
    assert any("operators[0].max_carriers" in w and "[demand]" in w for w in data.warnings)
    assert any("'carriers' ignored" in w for w in data.warnings)


@pytest.mark.parametrize(
    ("kwargs", "where", "words"),
    [
        ({"operator_keys": ("market_share = 0.7", "market_share = 0.5")},
         "scenario.toml, column 'operators[1].market_share'", "add up to 1.2, above 1"),
        ({"demand": "user_mbps = 200"},
         "scenario.toml, column 'operators[0].peak_mbps'", "must exceed demand.user_mbps"),
        ({"operator_keys": ("", "peak_mbps = 70")},
         "scenario.toml, column 'operators[1].peak_mbps'", "must exceed"),
        ({"demand": "busy_hour_mbps = -0.1"},
         "scenario.toml, column 'demand.busy_hour_mbps'", "at least 0"),
        ({"demand": "subscriptions_per_100 = -5"},
         "scenario.toml, column 'demand.subscriptions_per_100'", "at least 0"),
        ({"subscriptions": ["1", "2", "-3", "4", "5"]},
         "hamlets.csv, line 4, column 'subscriptions'", "below the minimum 0"),
        ({"carriers": ["1", "4"]},
         "tenancies.csv, line 3, column 'carriers'", "above max_carriers of 'beta' (3)"),
        ({"carriers": ["0", "1"]},
         "tenancies.csv, line 2, column 'carriers'", "below the minimum 1"),
        ({"carriers": ["1.5", "1"]},
         "tenancies.csv, line 2, column 'carriers'", "not a whole number"),
        ({"operator_keys": ("max_carriers = 0", "")},
         "scenario.toml, column 'operators[0].max_carriers'", "at least 1"),
        ({"operator_keys": ("sectors = 2.5", "")},
         "scenario.toml, column 'operators[0].sectors'", "whole number"),
        ({"demand": "keep_service = 1"},
         "scenario.toml, column 'demand.keep_service'", "true or false"),
    ],
)
def test_bad_input_names_file_row_and_key(
    tmp_path: Path, kwargs: dict, where: str, words: str
) -> None:
    path = tiny_with_demand(tmp_path / "s", **kwargs)
    with pytest.raises(ScenarioError) as info:
        read_scenario(path)
    message = str(info.value)
    assert where in message and words in message, message


def test_plan_carriers_round_trip(tmp_path: Path) -> None:
    data = read_scenario(tiny_with_demand(tmp_path / "s", carriers=["2", ""]))
    outcome = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=bool)
    plan = Plan(outcome)
    # Defaults: kept tenancies keep today's carriers, new ones have 1.
    assert plan.carrier_counts(data).tolist() == [[2, 0], [0, 1], [1, 1], [0, 0]]
    more = Plan(outcome, np.array([[3, 0], [0, 2], [1, 2], [5, 5]]))
    assert more.carriers.tolist() == [[3, 0], [0, 2], [1, 2], [0, 0]]
    more.write_csv(tmp_path / "plan.csv", data)
    text = (tmp_path / "plan.csv").read_text("utf-8")
    assert text.splitlines()[0] == "site_id,operator_id,action,carriers"
    assert read_plan_csv(tmp_path / "plan.csv", data) == more
    # Without the column: the defaults.
    (tmp_path / "bare.csv").write_text(
        "site_id,operator_id,action\nE1,alpha,keep\nE2,beta,keep\nC1,alpha,build\n", "utf-8")
    bare = read_plan_csv(tmp_path / "bare.csv", data)
    assert bare.carriers is None
    assert bare.carrier_counts(data).tolist() == [[2, 0], [0, 1], [1, 0], [0, 0]]


def test_plan_carriers_bad_cell(tmp_path: Path) -> None:
    data = read_scenario(tiny_with_demand(tmp_path / "s"))
    (tmp_path / "plan.csv").write_text(
        "site_id,operator_id,action,carriers\nE1,alpha,keep,1\nE2,beta,keep,two\n", "utf-8")
    with pytest.raises(ScenarioError, match=r"line 3, column 'carriers'.*whole number"):
        read_plan_csv(tmp_path / "plan.csv", data)


def test_v1_plan_csv_is_unchanged(tmp_path: Path) -> None:
    data = read_scenario(TINY)
    Plan(data.tenancies).write_csv(tmp_path / "plan.csv", data)
    assert (tmp_path / "plan.csv").read_text("utf-8").splitlines()[0] == (
        "site_id,operator_id,action")
