"""btsopt.frames: the notebook DataFrames, on the tiny optimum and a real solve."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from btsopt.data import ProblemData
from btsopt.evaluation import evaluate
from btsopt.frames import ResultFrames, result_frames
from btsopt.plan import Plan
from btsopt.result import Result

from .tiny_plan import ROOT, TINY_OPTIMUM, TINY_PLAN_ROWS, make_result


@pytest.fixture(scope="module")
def frames(tiny_data: ProblemData, tiny_result: Result) -> ResultFrames:
    return result_frames(tiny_data, tiny_result)


def test_shapes(frames: ResultFrames) -> None:
    assert frames.sites.shape == (4, 14)
    assert frames.tenancies.shape == (4, 11)
    assert frames.hamlets.shape == (5, 13)
    assert frames.districts.shape == (2, 9)
    assert frames.communes.shape == (3, 10)
    assert frames.operators.shape == (3, 13)
    assert list(frames.as_dict()) == [
        "sites", "tenancies", "hamlets", "kpis", "districts", "communes", "operators", "cost"]
    assert "sites=(4, 14)" in repr(frames)


def test_kpis(frames: ResultFrames) -> None:
    kpis = frames.kpis
    assert list(kpis.columns) == ["value", "target", "met", "unit"]
    assert kpis.loc["system_cost", "value"] == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert kpis.loc["active_sites", "value"] == 3
    assert kpis.loc["shared_sites", "value"] == 1
    assert kpis.loc["shared_site_ratio", "value"] == pytest.approx(1 / 3)
    assert kpis.loc["shared_site_ratio", "target"] == 0.30
    assert bool(kpis.loc["shared_site_ratio", "met"])
    assert bool(kpis.loc["hamlet_coverage", "met"])
    assert pd.isna(kpis.loc["system_cost", "met"])  # no budget cap
    assert kpis.loc["gap", "value"] == 0.0


def test_tenancies_are_the_plan(frames: ResultFrames) -> None:
    rows = list(frames.tenancies[["site_id", "operator_id", "action"]].itertuples(
        index=False, name=None))
    assert rows == TINY_PLAN_ROWS
    e2 = frames.tenancies[frames.tenancies["site_id"] == "E2"]
    assert e2["site_status"].tolist() == ["colocated", "colocated"]
    assert e2["site_shared"].all()


def test_sites_and_hamlets(frames: ResultFrames) -> None:
    sites = frames.sites.set_index("site_id")
    assert sites["status"].to_dict() == {
        "E1": "kept", "E2": "colocated", "C1": "unused", "C2": "new"}
    assert sites["tenant_count"].tolist() == [1, 2, 0, 1]
    assert sites.loc["E2", "tenants"] == "alpha;beta"
    hamlets = frames.hamlets.set_index("hamlet_id")
    assert hamlets["covered"].all()
    assert hamlets["operator_count"].tolist() == [1, 2, 2, 1, 1]
    assert hamlets.loc["H3", "name"] == "Thôn Ba"


def test_areas_operators_cost(frames: ResultFrames) -> None:
    districts = frames.districts.set_index("district")
    assert districts.loc["Huyện X", ["hamlets", "covered_hamlets", "active_sites",
                                     "shared_sites"]].tolist() == [3, 3, 2, 1]
    assert districts.loc["Huyện Y", "population"] == 450
    assert districts["active_sites"].sum() == 3  # every active site in one area
    assert frames.communes["hamlets"].sum() == 5
    ops = frames.operators.set_index("party")
    assert list(ops.index) == ["alpha", "beta", "third_party"]
    assert ops.loc["alpha", ["tenancies", "kept", "added"]].tolist() == [3, 1, 2]
    # Own costs add up to the system cost; rent only moves between parties.
    assert ops["cost"].sum() == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert ops["rent_paid"].sum() == pytest.approx(ops["rent_received"].sum())
    cost = frames.cost.set_index("item")["cost"]
    assert cost["system_cost"] == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert cost.drop("system_cost").sum() == pytest.approx(cost["system_cost"])


def test_from_an_evaluation(tiny_data: ProblemData) -> None:
    plan = Plan.existing(tiny_data)
    frames = result_frames(tiny_data, evaluate(tiny_data, plan), plan)
    assert frames.kpis.loc["covered_hamlets", "value"] == 3
    assert not bool(frames.kpis.loc["hamlet_coverage", "met"])
    assert "gap" not in frames.kpis.index  # no solve, no bound
    assert (frames.sites["status"] == "kept").sum() == 2
    with pytest.raises(ValueError, match="plan"):
        result_frames(tiny_data, evaluate(tiny_data, plan))


def test_no_plan_raises(tiny_data: ProblemData) -> None:
    with pytest.raises(ValueError, match="no plan"):
        result_frames(tiny_data, make_result(tiny_data, None, status="infeasible"))


def test_a_real_solve_gives_the_optimum(tiny_data: ProblemData) -> None:
    from btsopt.solve import SolveParams, solve

    frames = result_frames(tiny_data, solve(tiny_data, SolveParams(time_limit=30)))
    assert frames.kpis.loc["system_cost", "value"] == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert frames.kpis.loc[["active_sites", "shared_sites"], "value"].tolist() == [3, 1]
    rows = list(frames.tenancies[["site_id", "operator_id", "action"]].itertuples(
        index=False, name=None))
    assert rows == TINY_PLAN_ROWS
    assert np.array_equal(frames.plan.tenancies.sum(axis=0), [3, 1])


def test_example_script_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "notebook_api.py")],
                         capture_output=True, text=True, timeout=300, env=env, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ResultFrames(sites=(4, 14)" in run.stdout
    assert "colocated" in run.stdout
