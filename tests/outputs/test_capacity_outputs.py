"""Outputs of a plan with [demand]: carriers in plan.csv, load in the tables, demand keys."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btsopt
from btsopt.frames import result_frames
from btsopt.outputs import write_result
from btsopt.outputs.mapview import LOAD_CLASSES, load_layers, map_context
from btsopt.outputs.tables import build_tables
from btsopt.plan import Plan, read_plan_csv

from .tiny_plan import TINY_OPTIMUM, TINY_PLAN_ROWS, make_result, plan_from_rows

ANNUITY = sum(1.08 ** -t for t in range(1, 11))


@pytest.fixture
def capacitated(tiny_demand: Path):
    """The capacitated tiny scenario and its optimum: the v1 optimum plus a
    second carrier for beta on E2 (see tests/bench/test_baselines.py)."""
    data = btsopt.read_scenario(tiny_demand)
    tenancies = plan_from_rows(data, TINY_PLAN_ROWS).tenancies
    carriers = tenancies.astype(np.int64)
    carriers[data.sites.ids.index("E2"), data.operator_index("beta")] = 2
    return data, make_result(data, Plan(tenancies, carriers))


def test_plan_csv_has_carriers_and_reads_back(capacitated, tmp_path: Path) -> None:
    data, result = capacitated
    assert result.evaluation.system_cost == pytest.approx(TINY_OPTIMUM + 150 + 15 * ANNUITY)
    write_result(data, result, tmp_path)
    plan = pd.read_csv(tmp_path / "plan.csv")
    assert list(plan.columns) == ["site_id", "operator_id", "action", "carriers"]
    by_pair = {(r.site_id, r.operator_id): r.carriers for r in plan.itertuples()}
    assert by_pair == {("E1", "alpha"): 1, ("E2", "alpha"): 1, ("E2", "beta"): 2,
                       ("C2", "alpha"): 1}
    assert read_plan_csv(tmp_path / "plan.csv", data) == result.plan


def test_summary_and_report_show_demand(capacitated, tmp_path: Path) -> None:
    data, result = capacitated
    write_result(data, result, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    demand = summary["demand"]
    for key in ("subscriptions", "served_subscriptions", "served_share", "carriers_added",
                "max_load", "operators"):
        assert key in demand
    # Alpha covers all five hamlets (825 subscriptions), beta H2 and H3 (400).
    assert demand["subscriptions"] == pytest.approx(1650)
    assert demand["served_subscriptions"] == pytest.approx(1225)
    assert demand["carriers_added"] == 1
    report = (tmp_path / "report.md").read_text()
    assert "## Demand and capacity" in report and "carriers added | 1 |" in report
    assert "Carriers added per district and operator" in report
    sites = pd.read_csv(tmp_path / "sites.csv").set_index("site_id")
    assert {"carriers", "carriers_added", "max_load", "min_user_mbps"} <= set(sites.columns)
    assert sites.loc["E2", "carriers"] == 3 and sites.loc["E2", "carriers_added"] == 1


def test_tenancy_load_and_user_rate(capacitated) -> None:
    data, result = capacitated
    frames = result_frames(data, result)
    t = frames.tenancies.set_index(["site_id", "operator_id"])
    # Beta's E2 alone reaches H2 and H3: 2.25 + 3.75 = 6 Mb/s on 2 x 5 Mb/s.
    assert t.loc[("E2", "beta"), "load"] == pytest.approx(0.6)
    assert t.loc[("E2", "beta"), "carried_mbps"] == pytest.approx(6.0)
    # Mean user rate: 140 x (1 - 0.6 x (1 - 70/140)) = 98 Mb/s.
    assert t.loc[("E2", "beta"), "user_mbps"] == pytest.approx(98.0)
    # Alpha's C2 alone reaches H4 and H5: 3.375 of 5 Mb/s.
    assert t.loc[("C2", "alpha"), "load"] == pytest.approx(0.675)
    assert t.loc[("C2", "alpha"), "user_mbps"] == pytest.approx(140 * (1 - 0.675 / 2))
    kpis = frames.kpis["value"]
    assert kpis["max_load"] <= 1.0 and kpis["min_user_mbps"] >= 70.0
    assert frames.kpis.loc["min_user_mbps", "target"] == 70.0
    assert kpis["carriers_added"] == 1
    carriers = frames.carriers
    assert carriers is not None
    assert carriers["carriers_added"].sum() == 1
    assert set(carriers["operator_id"]) == {"alpha", "beta"}
    hamlets = frames.hamlets.set_index("hamlet_id")
    assert hamlets["subscriptions"].sum() == pytest.approx(1650)
    assert list(hamlets["unserved_operators"]) == ["beta", "", "", "beta", "beta"]
    operators = frames.operators.set_index("party")
    assert operators.loc["beta", "carriers_added"] == 1


def test_unserved_subscriptions_are_counted(tiny_demand) -> None:
    # Today's network: alpha misses H3-H5, beta H1, H4, H5.
    data = btsopt.read_scenario(tiny_demand)
    plan = Plan.existing(data)
    frames = result_frames(data, btsopt.evaluate(data, plan), plan)
    hamlets = frames.hamlets.set_index("hamlet_id")
    assert hamlets.loc["H4", "unserved_operators"] == "alpha;beta"
    assert hamlets.loc["H1", "unserved_operators"] == "beta"
    # Covered: (700 + 800) / 2 = 750 subscriptions, but alpha's E1 carries 5 of 5.25
    # Mb/s and beta's E2 5 of 6: 1.25 Mb/s = 83.3 subscriptions of 0.015 Mb/s are not.
    assert hamlets["served_subscriptions"].sum() == pytest.approx(750 - 1.25 / 0.015)
    assert frames.kpis.loc["unserved_subscriptions", "value"] == pytest.approx(900 + 1.25 / 0.015)
    assert frames.kpis.loc["max_load", "met"]  # the flow never loads a tenancy past 1


def test_v1_outputs_are_unchanged(tmp_path: Path) -> None:
    data = btsopt.read_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
                                / "scenario.toml")
    result = make_result(data, plan_from_rows(data, TINY_PLAN_ROWS))
    write_result(data, result, tmp_path)
    assert (tmp_path / "plan.csv").read_text().splitlines()[0] == "site_id,operator_id,action"
    assert "demand" not in json.loads((tmp_path / "summary.json").read_text())
    assert "max_load" not in pd.read_csv(tmp_path / "sites.csv").columns
    assert result_frames(data, result).carriers is None


def test_map_colours_sites_by_load(capacitated) -> None:
    data, result = capacitated
    tables = build_tables(data, result)
    (layer,) = load_layers(map_context(data, tables))
    assert layer.name == "load" and not layer.visible
    titles = {f.title.split(":")[0]: f for f in layer.features}
    # E2: beta at 6 / 10 Mb/s is its busiest tenancy unless alpha's split is heavier.
    e2 = titles["site E2"]
    assert "beta: 2 carrier(s) (+1), load 60%, users ~98 Mb/s" in e2.title
    c2 = titles["site C2"]  # alpha alone: 3.375 of 5 Mb/s -> 50-80 %
    assert c2.fill == LOAD_CLASSES[1][1] and "load 68%" in c2.title
    assert sum(entry.count for entry in layer.legend) == 3  # E1, E2, C2 active
    v1 = btsopt.read_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
                              / "scenario.toml")
    v1_tables = build_tables(v1, make_result(v1, plan_from_rows(v1, TINY_PLAN_ROWS)))
    assert load_layers(map_context(v1, v1_tables)) == []
