"""The plain baselines reach btsopt's optimum on the tiny scenario and on scp41."""

from __future__ import annotations

from pathlib import Path

import pytest

import btsopt
from btsopt.bench.runner import load_baselines
from btsopt.plan import Plan
from btsopt.reading.orlib import read_orlib

from .conftest import TINY, TINY_OPTIMUM, TINY_SCP, TINY_SCP_OPTIMUM

baselines = load_baselines()
# CP-SAT on one worker has no LP bound by default; level 2 lets it prove scp41 quickly.
CPSAT_OPTIONS = {"linearization_level": 2}


def _check(data, expected: float) -> None:
    reference = btsopt.solve(data, btsopt.SolveParams(time_limit=30, workers=1))
    assert reference.status == "optimal"
    assert reference.objective == pytest.approx(expected, abs=1e-3)
    for run, options in ((baselines.plain_highs, None), (baselines.plain_cpsat, CPSAT_OPTIONS)):
        result = run(data, time_limit=30, options=options)
        assert result.status == "optimal", result
        assert result.objective == pytest.approx(reference.objective, rel=1e-9)
        assert result.bound == pytest.approx(result.objective, rel=1e-4)
        assert result.gap == pytest.approx(0.0, abs=1e-4)
        # The independent evaluator prices the baseline's plan the same.
        evaluation = btsopt.evaluate(data, Plan(result.tenancies))
        assert not evaluation.violations
        assert evaluation.system_cost == pytest.approx(result.objective, rel=1e-9)


def test_tiny_scenario() -> None:
    _check(btsopt.read_scenario(TINY), TINY_OPTIMUM)


def test_tiny_set_cover() -> None:
    _check(read_orlib(TINY_SCP), TINY_SCP_OPTIMUM)


def test_scp41(scp_dir: Path) -> None:
    _check(read_orlib(scp_dir / "scp41.txt"), 429)


def test_plain_model_has_the_decisions_of_model_md() -> None:
    data = btsopt.read_scenario(TINY)
    model = baselines.build_plain_model(data)
    names = model.names
    assert sum(n.startswith("x[") for n in names) == int(
        (data.sites.allowed | data.tenancies).sum())
    assert sum(n.startswith("y[") for n in names) == data.num_sites
    assert any(n.startswith("s[") for n in names)  # sharing target 0.30
    assert [level[0] for level in model.levels] == ["cost"]


def test_cpsat_optimal_means_zero_gap(tmp_path: Path, monkeypatch) -> None:
    # CP-SAT can return OPTIMAL with a stale bound under a fractional objective.
    pytest.importorskip("btsopt.generate")
    from btsopt.bench.instances import resolve_instances

    monkeypatch.setenv("BTSOPT_BENCH_CACHE", str(tmp_path))
    (instance,) = resolve_instances(["S-each"])
    data = btsopt.read_scenario(instance.path)
    result = baselines.plain_cpsat(data, time_limit=20, options=CPSAT_OPTIONS)
    if result.status == "optimal":
        assert result.gap == 0.0
        assert result.bound == result.objective
