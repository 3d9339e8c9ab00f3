"""Micro-benchmarks of hot kernels (pytest-benchmark).

Left out of the default test run; run them with::

    python -m pytest -m benchmark --benchmark-only tests/benchmarks

Instances are the benchmark families (generated once into
``benchmarks/instances/cache``) and the largest visible OR-Library file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario

pytestmark = pytest.mark.benchmark

SCP_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "scp"


@pytest.fixture(scope="module", params=["S-brownfield", "M-brownfield", "M-each"])
def scenario(request):
    pytest.importorskip("btsopt.generate")
    from btsopt.bench.instances import resolve_instances

    (instance,) = resolve_instances([request.param])
    return read_scenario(instance.path)


def test_coverage(benchmark, scenario) -> None:
    coverage = benchmark(compute_coverage, scenario)
    assert coverage.matrix.shape[0] == scenario.num_hamlets


def test_build_model(benchmark, scenario) -> None:
    coverage = compute_coverage(scenario)
    model = benchmark(build_model, scenario, coverage)
    assert model.linear.num_cols > 0


def test_read_orlib(benchmark) -> None:
    path = SCP_DIR / "scpd1.txt"
    if not path.is_file():
        pytest.skip("OR-Library instances not found")
    from btsopt.reading.orlib import read_orlib

    data = benchmark(read_orlib, path)
    assert data.explicit_coverage.nnz == 80143


def test_plain_model(benchmark, scenario) -> None:
    from btsopt.bench.runner import load_baselines

    baselines = load_baselines()
    coverage = compute_coverage(scenario)
    model = benchmark.pedantic(baselines.build_plain_model, args=(scenario, coverage),
                               rounds=3, iterations=1)
    assert model.num_vars > 0


@pytest.mark.parametrize("odd", [False, True], ids=["rectangular", "blank-lines-and-padding"])
def test_read_80000_hamlets(benchmark, tmp_path: Path, odd: bool) -> None:
    # Was a 2-second clock assertion in the default run (tests/reading/test_tables.py).
    from tests.reading.test_tables import _write_big_scenario

    toml = _write_big_scenario(tmp_path / "big", 80_000, odd)
    data = benchmark(read_scenario, toml)
    assert data.num_hamlets == 80_000
