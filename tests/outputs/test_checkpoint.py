"""Checkpoints: the incumbent's plan.csv and summary.json, written while solving."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from btsopt.evaluation import evaluate
from btsopt.model import build_model
from btsopt.outputs import Checkpoint, default_checkpoint_period
from btsopt.plan import Plan
from btsopt.progress import Progress
from btsopt.radio import compute_coverage

from .tiny_plan import TINY_PLAN_ROWS, plan_from_rows


@pytest.fixture
def solving(tiny_data):
    """A progress as :func:`btsopt.solve` sets it up, in the cost level."""
    model = build_model(tiny_data, compute_coverage(tiny_data))
    progress = Progress(keep_incumbent=True)
    progress.plan_of, progress.cost_level = model.plan, model.levels[-1].name
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
    assert summary["hamlet_coverage"] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv", "summary.json"]
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


def test_an_inadmissible_incumbent_is_not_written(tiny_data, solving, tmp_path: Path) -> None:
    model, progress = solving
    empty = Plan(tiny_data.tenancies & False)
    progress.update("heuristic", objective=1.0, values=model.solution(empty))
    assert not Checkpoint(tiny_data, progress, tmp_path, period=60).write()
    assert list(tmp_path.iterdir()) == []


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
