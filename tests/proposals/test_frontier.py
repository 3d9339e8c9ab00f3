"""Frontier of cost against shared-site ratio, and the highest reachable ratio."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from btsopt import SolveParams, read_scenario
from btsopt.cli import main
from btsopt.proposals import (
    frontier,
    frontier_ratios,
    highest_reachable_ratio,
    saturated_plan,
)

from .helpers import ALPHA_TENANCY, BETA_TENANCY, SITE_OPEX, TINY, TINY_OPTIMUM, A

EXACT = SolveParams(time_limit=20.0, gap=1e-9)
# Cheapest at ratio 0: today's network plus C2 with alpha (1000 + opex + tenancy).
TINY_UNSHARED = TINY_OPTIMUM - ALPHA_TENANCY
TINY_COSTS = {
    0.0: TINY_UNSHARED,
    0.3: TINY_OPTIMUM,  # + alpha on E2
    0.5: TINY_OPTIMUM + BETA_TENANCY,  # 2 of 3 shared: + beta on E1 or C2
    1.0: TINY_OPTIMUM + 2 * BETA_TENANCY,  # all 3 shared
}


@pytest.fixture(scope="module")
def tiny():
    return read_scenario(TINY)


def test_tiny_frontier_by_hand_and_monotone(tiny):
    result = frontier(tiny, ratios=[0.5, 0.0, 1.0, 0.3], params=EXACT)
    assert [p.target for p in result.points] == [0.0, 0.3, 0.5, 1.0]
    for point in result.points:
        assert point.cost == pytest.approx(TINY_COSTS[point.target])
        assert point.gap == pytest.approx(0.0, abs=1e-9)
        assert point.ratio >= point.target - 1e-12
    costs = [p.cost for p in result.points]
    assert costs == sorted(costs)
    assert [p.shared_sites for p in result.points] == [0, 1, 2, 3]
    assert result.today == 0.0


def test_highest_ratio_closed_form(tiny):
    reach = highest_reachable_ratio(tiny)
    # Every site can host both operators and none is forced unshared: 100%.
    assert (reach.ratio, reach.upper_bound, reach.method, reach.proven) == (
        1.0, 1.0, "closed form", True)
    assert reach.solves == 0
    assert saturated_plan(tiny).tenancies.all()


def test_highest_ratio_closed_form_with_an_unshareable_site(tiny):
    # E1 may host one tenant only and must stay: at most 3 of 4 shared.
    data = replace(tiny, sites=replace(tiny.sites, max_tenants=tiny.sites.max_tenants * 0
                                       + [1, 3, 3, 3]))
    reach = highest_reachable_ratio(data)
    assert reach.ratio == pytest.approx(3 / 4) and reach.proven


def test_highest_ratio_by_bisection_under_a_budget(tiny):
    # A budget of 6000 allows the optimum (5826, 1 of 3 shared) but not the
    # next step (6678.7): the highest ratio is 1/3.
    data = replace(tiny, targets=replace(tiny.targets, budget=6000.0))
    reach = highest_reachable_ratio(data, EXACT, tolerance=0.01)
    assert reach.method == "bisection"
    assert reach.ratio == pytest.approx(1 / 3)
    assert 1 / 3 <= reach.upper_bound < 2 / 3
    assert reach.proven


def test_frontier_default_grid_snaps_to_the_target(tiny):
    assert frontier_ratios(0.0, 1.0, 5) == [0.0, 0.3, 0.5, 0.75, 1.0]
    assert frontier_ratios(0.115, 0.994, 1) == [0.994]
    assert frontier_ratios(0.4, 0.9, 3) == [0.4, 0.65, 0.9]
    result = frontier(tiny, points=3, params=EXACT)
    assert [p.target for p in result.points] == [0.0, 0.3, 1.0]  # 0.5 snapped
    assert result.reachable.ratio == 1.0


def test_marginal_price_along_the_frontier(tiny):
    result = frontier(tiny, ratios=[0.0, 0.3], params=EXACT, marginal=True)
    at_zero, at_target = result.points
    # At ratio 0 the next shared site is alpha on E2; at 30% beta's second tenancy.
    assert at_zero.marginal.price == pytest.approx(ALPHA_TENANCY)
    assert at_zero.marginal.newly_shared == ("E2",)
    assert at_target.marginal.price == pytest.approx(BETA_TENANCY)


def test_frontier_cli_writes_table_csv_png(tmp_path, capsys):
    out = tmp_path / "fr"
    assert main(["frontier", str(TINY), "--ratios", "0,30%,1", "--out", str(out),
                 "--time-limit", "10"]) == 0
    stdout = capsys.readouterr().out
    assert "target" in stdout and "achieved" in stdout and "gap" in stdout
    with open(out / "frontier.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["ratio_target"]) for r in rows] == [0.0, 0.3, 1.0]
    assert float(rows[1]["cost"]) == pytest.approx(TINY_OPTIMUM)
    assert {"achieved_ratio", "lower_bound", "gap", "wall_time_s"} <= set(rows[0])
    assert (out / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "frontier.json").read_text())["points"][1]["status"] == "optimal"
    assert sorted(p.name for p in (out / "plans").iterdir()) == [
        "plan_0.0000.csv", "plan_0.3000.csv", "plan_1.0000.csv"]


@pytest.mark.parametrize("ratios", ["0.1,abc", "1.5", ","])
def test_frontier_cli_bad_ratios(tmp_path, capsys, ratios):
    assert main(["frontier", str(TINY), "--ratios", ratios, "--out", str(tmp_path)]) == 2
    assert "--ratios" in capsys.readouterr().err


def test_frontier_site_opex_constant():
    assert SITE_OPEX == pytest.approx(805.2097678729731)


def test_consistency_carries_cheaper_plans_down_and_bounds_up(tiny):
    from btsopt.proposals.frontier import FrontierPoint, _consistent
    from btsopt.proposals.pricing import share_more

    optimum = frontier(tiny, ratios=[0.3], params=EXACT).points[0]
    dearer = share_more(tiny, optimum.plan, 1.0)  # all three shared: feasible at 0
    points = [
        FrontierPoint(0.0, "feasible", 1.0, TINY_COSTS[1.0], 4000.0, 1.0, plan=dearer),
        FrontierPoint(0.3, "optimal", 1 / 3, TINY_OPTIMUM, 5800.0, 1.0, plan=optimum.plan),
    ]
    low, high = _consistent(tiny, points)
    assert low.cost == pytest.approx(TINY_OPTIMUM) and low.plan is optimum.plan
    assert "next point" in low.note
    assert high.lower_bound == 5800.0
    lifted = _consistent(tiny, [replace(points[0], lower_bound=5900.0), points[1]])
    assert lifted[1].lower_bound == pytest.approx(5826.048839364865)


# --------------------------------------------------------------------------- [demand]
# The capacitated tiny scenario of tests/test_solve_capacity.py: D = 25 Mb/s per
# hamlet and operator, c = 48 Mb/s per carrier; any tenancy reaching two hamlets
# carries 50 Mb/s and needs a second carrier (150 + 15 a year: 250.65).

CARRIER = 150 + 15 * A
TINY_CAPACITATED = {
    0.0: TINY_UNSHARED + 3 * CARRIER,  # alpha on E1, beta on E2, alpha on C2: 2 carriers each
    0.3: TINY_OPTIMUM + 2 * CARRIER,  # + alpha on E2: E1 and E2 share alpha's 75 Mb/s
}


@pytest.mark.parametrize("backend", ["core", "highs"])
def test_capacitated_frontier_points_are_accepted_and_count_carriers(tmp_path, backend):
    from conftest import tiny_with_demand

    from btsopt.evaluation import evaluate
    from btsopt.plan import read_plan_csv

    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.5",
                                          subscriptions=["100"] * 5))
    result = frontier(data, ratios=[0.0, 0.3, 1.0], params=replace(EXACT, backend=backend))
    for point in result.points:
        variant = replace(data, targets=replace(data.targets, shared_site_ratio=point.target))
        evaluation = evaluate(variant, point.plan)
        assert evaluation.admissible, evaluation.violations
        assert point.cost == pytest.approx(evaluation.system_cost)
        assert point.carriers_added == evaluation.demand["carriers_added"]
        if point.target in TINY_CAPACITATED:
            assert point.cost == pytest.approx(TINY_CAPACITATED[point.target], abs=1e-3)
    assert [p.carriers_added for p in result.points][:2] == [3, 2]
    # The table, frontier.csv and each point's plan show the carriers.
    assert "carriers+" in result.format_table().splitlines()[0]
    result.write_csv(tmp_path / "frontier.csv")
    with open(tmp_path / "frontier.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["carriers_added"] for row in rows][:2] == ["3", "2"]
    result.points[1].plan.write_csv(tmp_path / "plan.csv", data)
    assert read_plan_csv(tmp_path / "plan.csv", data) == result.points[1].plan
