"""Checkpoints: the incumbent's plan.csv and summary.json, written while solving."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from btsopt.evaluation import evaluate
from btsopt.model import build_model
from btsopt.outputs import Checkpoint, default_checkpoint_period, plan_frame, write_result
from btsopt.plan import Plan
from btsopt.progress import Progress
from btsopt.radio import compute_coverage

from .tiny_plan import TINY_PLAN_ROWS, plan_from_rows


@pytest.fixture
def solving(tiny_data):
    """A progress as :func:`btsopt.solve` sets it up, in the cost level."""
    model = build_model(tiny_data, compute_coverage(tiny_data))
    progress = Progress(keep_incumbent=True)
    cost = model.levels[-1]
    progress.plan_of, progress.cost_level = model.plan, cost.name
    progress.cost_of = lambda values: float(cost.objective @ values + cost.offset)
    progress.reset_level(model.levels[-1].name)
    return model, progress


def _read(out: Path):
    with open(out / "plan.csv", newline="", encoding="utf-8") as handle:
        rows = [tuple(row) for row in csv.reader(handle)][1:]
    return rows, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_writes_the_incumbent_with_its_bound(tiny_data, solving, tmp_path: Path) -> None:
    model, progress = solving
    checkpoint = Checkpoint(tiny_data, progress, tmp_path, period=60, backend="core")
    assert not checkpoint.write()  # nothing found yet
    values = model.solution(plan_from_rows(tiny_data, TINY_PLAN_ROWS))
    progress.update("heuristic", objective=model.linear.value(values), values=values)
    progress.update("lagrangian", bound=5000.0)
    assert checkpoint.write()
    rows, summary = _read(tmp_path)
    encoded = model.plan(values)  # the plan the vector encodes
    assert rows == encoded.rows(tiny_data)
    assert summary["status"] == "feasible"
    assert summary["checkpoint"]["final"] is False
    assert summary["objective"] == pytest.approx(evaluate(tiny_data, encoded).system_cost)
    assert summary["lower_bound"] == 5000.0
    assert summary["checkpoint"]["evaluated"] is False and summary["hamlet_coverage"] is None
    assert summary["shared_sites"] == evaluate(tiny_data, encoded).shared_sites
    # Listed as btsopt's own outputs, so that a later run may replace them.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".btsopt-outputs", "plan.csv",
                                                          "summary.json"]
    assert not checkpoint.write()  # no new incumbent: nothing rewritten
    assert checkpoint.written == 1


def test_an_earlier_levels_bound_is_not_claimed(tiny_data, solving, tmp_path: Path) -> None:
    model, progress = solving
    plan = plan_from_rows(tiny_data, TINY_PLAN_ROWS)
    progress.reset_level("shortfall")
    progress.update("highs", objective=0.0, bound=0.0, values=model.solution(plan))
    assert Checkpoint(tiny_data, progress, tmp_path, period=60).write()
    _, summary = _read(tmp_path)
    assert summary["lower_bound"] is None and summary["checkpoint"]["level"] == "shortfall"


def test_the_thread_writes_every_period(tiny_data, solving, tmp_path: Path) -> None:
    model, progress = solving
    values = model.solution(plan_from_rows(tiny_data, TINY_PLAN_ROWS))
    with Checkpoint(tiny_data, progress, tmp_path, period=0.05) as checkpoint:
        progress.update("heuristic", objective=model.linear.value(values), values=values)
        for _ in range(200):
            if checkpoint.written:
                break
            progress._stop.wait(0.05)
    assert checkpoint.written == 1
    assert _read(tmp_path)[0] == model.plan(values).rows(tiny_data)


def test_default_period() -> None:
    assert default_checkpoint_period(180.0) == 60.0
    assert default_checkpoint_period(60.0) == 0.0
    assert math.isfinite(default_checkpoint_period(1e6))


def test_plan_frame_gives_the_rows_of_every_tiny_plan(tiny_data) -> None:
    # All 2^8 plans of the tiny scenario: the array version of plan.csv's
    # rows (written at every checkpoint) agrees with Plan.rows.
    shape = tiny_data.tenancies.shape
    for bits in range(2 ** (shape[0] * shape[1])):
        tenancies = np.array([(bits >> i) & 1 for i in range(shape[0] * shape[1])], dtype=bool)
        plan = Plan(tenancies.reshape(shape))
        assert list(plan_frame(tiny_data, plan).itertuples(index=False, name=None)) \
            == plan.rows(tiny_data)


def test_a_capacitated_checkpoint_round_trips_its_carriers(tmp_path: Path) -> None:
    # The capacitated tiny scenario (tests/test_solve_capacity.py): the solve's
    # incumbent, as a checkpoint writes it mid-run, reads back with its carriers
    # (two tenancies at 2 carriers) and the evaluator accepts it at the cost the
    # summary gives.
    from conftest import tiny_with_demand

    from btsopt import SolveParams, solve
    from btsopt.plan import read_plan_csv
    from btsopt.reading import read_scenario

    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.5",
                                          subscriptions=["100"] * 5))
    progress = Progress(keep_incumbent=True)
    result = solve(data, SolveParams(gap=1e-9, time_limit=30), progress=progress)
    out = tmp_path / "out"
    out.mkdir()
    assert Checkpoint(data, progress, out, period=60, backend="core").write()
    encoded = progress.plan_of(progress.incumbent.values)
    assert encoded.carriers is not None and encoded.carriers.max() == 2
    header = (out / "plan.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "site_id,operator_id,action,carriers"
    back = read_plan_csv(out / "plan.csv", data)
    assert back == encoded and back.carriers.tolist() == encoded.carriers.tolist()
    evaluation = evaluate(data, back)
    assert evaluation.admissible
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(evaluation.system_cost)
    # The last incumbent is the final plan: the same file as the final plan.csv.
    assert result.plan == encoded
    write_result(data, result, tmp_path / "final")
    assert (tmp_path / "final" / "plan.csv").read_text(encoding="utf-8") \
        == (out / "plan.csv").read_text(encoding="utf-8")
