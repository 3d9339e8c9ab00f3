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


ANNUITY = sum(1.08 ** -t for t in range(1, 11))
TINY_DEMAND_OPTIMUM = 5826.048839364865 + 150 + 15 * ANNUITY  # 6076.70006
"""The capacitated tiny scenario (``write_tiny_demand``), worked out by hand.

Alpha's E1 (5.25 Mb/s) and beta's E2 (6 Mb/s) are over their 5 Mb/s today.
The v1 optimum colocates alpha on E2 for the sharing target and builds C2
for H4 and H5: alpha's traffic then splits over E1 and E2 (H1 3 + 2 of H2 on
E1, H3 3.75 + 0.25 of H2 on E2) and C2 carries 3.375. Beta's E2 still
carries 6 and needs a second carrier (150 + 15/yr); every other repair
(beta on E1 for 852.6, a new site) costs more.
"""


def test_capacitated_tiny_optimum_by_hand(tiny_demand) -> None:
    data = btsopt.read_scenario(tiny_demand)
    beta_e2 = data.sites.ids.index("E2"), data.operator_index("beta")
    for run, options in ((baselines.plain_highs, None), (baselines.plain_cpsat, CPSAT_OPTIONS)):
        result = run(data, time_limit=30, options=options)
        assert result.status == "optimal", result
        assert result.objective == pytest.approx(TINY_DEMAND_OPTIMUM, rel=1e-9)
        assert result.carriers[beta_e2] == 2 and result.carriers.sum() == 5
        evaluation = btsopt.evaluate(data, Plan(result.tenancies, result.carriers))
        assert not evaluation.violations
        assert evaluation.system_cost == pytest.approx(result.objective, rel=1e-9)
        assert evaluation.demand["carriers_added"] == 1


def test_capacitated_plain_model_follows_model_md(tiny_demand) -> None:
    data = btsopt.read_scenario(tiny_demand)
    model = baselines.build_plain_model(data)
    count = {p: sum(n.startswith(p + "[") for n in model.names) for p in "xnevw"}
    assert count["n"] == count["e"] == count["x"] == len(model.n)
    # v[i,k] for every hamlet an allowed tenancy of k reaches; w[i,j,k] per reach.
    matrix = btsopt.compute_coverage(data).matrix
    assert count["w"] == matrix.nnz
    assert count["v"] == 2 * 5  # both operators reach all five hamlets from some site
    shares = [c for c, n in enumerate(model.names) if n.startswith("w[")]
    assert not any(model.integer[c] for c in shares)
    assert model.levels[-1][0] == "cost"
