"""PDLP in chunks: every chunk's duals give a valid Lagrangian bound, rising to the LP's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.reading.orlib import read_orlib
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import CoreSettings, solve_core
from btsopt.solvers.core.first_order import pdlp_chunks
from btsopt.solvers.core.lagrangian import evaluate_relaxation, subgradient
from btsopt.solvers.core.lp import lp_multipliers
from btsopt.solvers.core.structure import core_structure
from btsopt.solvers.highs import solve_lp_relaxation

from .generated import generated_province

SCP = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "scp"
SCP_OPTIMA = {"scp41": 429.0, "scp42": 512.0, "scp44": 494.0}


@pytest.fixture(scope="module")
def consolidation(tmp_path_factory):
    """A small generated province with a 30% sharing target (the subgradient stalls)."""
    return generated_province(tmp_path_factory, "consolidation", 1)


def chunk_bounds(core, model, **chunks) -> list[float]:
    """The Lagrangian bound at the duals of every PDLP chunk."""
    return [evaluate_relaxation(core, lp_multipliers(core, model, chunk.row_duals)).bound
            for chunk in pdlp_chunks(model.linear, **chunks)]


def test_chunks_give_valid_bounds_above_the_subgradient(consolidation) -> None:
    # With a sharing row the subgradient stalls; 500 PDLP iterations (two
    # chunks) give more than 500 subgradient steps aimed at the optimum itself.
    _, model, core, optimum = consolidation
    bounds = chunk_bounds(core, model, chunk_iterations=250, max_chunks=2)
    assert len(bounds) == 2
    assert all(bound <= optimum + 1e-6 for bound in bounds)
    stalled = subgradient(core, optimum, iterations=500).bound
    assert max(bounds) >= stalled
    assert max(bounds) >= 0.99 * optimum


def test_chunks_reach_the_lp_bound(consolidation) -> None:
    _, model, core, optimum = consolidation
    exact = solve_lp_relaxation(model.linear, BackendParams(workers=1, time_limit=60))
    chunks = list(pdlp_chunks(model.linear, chunk_iterations=500, chunk_growth=2.0,
                              tolerance=1e-6, max_chunks=8))
    assert chunks[-1].optimal
    assert [c.number for c in chunks] == list(range(1, len(chunks) + 1))
    assert np.all(np.diff([c.iterations for c in chunks]) > 0)
    bound = evaluate_relaxation(core, lp_multipliers(core, model, chunks[-1].row_duals)).bound
    assert exact.objective - 1e-4 * abs(exact.objective) <= bound <= optimum + 1e-6


def test_chunks_depend_on_iterations_not_the_clock(consolidation) -> None:
    _, model, _, _ = consolidation
    first, second = (list(pdlp_chunks(model.linear, chunk_iterations=100, chunk_growth=1.5,
                                      max_chunks=3)) for _ in range(2))
    assert [c.iterations for c in first] == [c.iterations for c in second]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.row_duals, b.row_duals)


@pytest.mark.skipif(not SCP.is_dir(), reason="OR-Library instances not found")
@pytest.mark.parametrize("name", sorted(SCP_OPTIMA))
def test_orlib_chunk_bounds_stay_below_the_optimum(name: str) -> None:
    # Pure set covering (OR-Library set 4): every chunk's bound is valid, and
    # the converged one is the LP bound, within 1% of the optimum here.
    data = read_orlib(SCP / f"{name}.txt")
    model = build_model(data, compute_coverage(data))
    core = core_structure(model, data)
    optimum = SCP_OPTIMA[name]
    bounds = chunk_bounds(core, model, chunk_iterations=200, chunk_growth=2.0, max_chunks=5)
    assert all(bound <= optimum + 1e-6 for bound in bounds)
    assert max(bounds) >= 0.99 * optimum


class Events:
    """A progress stand-in that records the phases reported."""

    stop_requested = False

    def __init__(self) -> None:
        self.phases: list[tuple[str, float | None]] = []

    def update(self, phase, objective=None, bound=None, values=None) -> None:
        self.phases.append((phase, bound))


def test_country_scale_takes_the_chunks_bounds(consolidation) -> None:
    # Forced to country scale: the background PDLP's chunks end the repair
    # ascent and give the bound; the events name the source and the LP's end.
    data, model, _, optimum = consolidation
    settings = CoreSettings().with_values({
        "scale.country_columns": 0, "lns.max_steps": 3, "background_lp.chunk_iterations": 200})
    events = Events()
    result = solve_core(model, data, BackendParams(time_limit=60, workers=2, progress=events),
                        settings=settings)
    phases = [phase for phase, _ in events.phases]
    assert result.bound <= optimum + 1e-6
    assert "pdlp" in phases or "lp" in phases
    assert phases[-1] in ("bound-pdlp", "bound-lp")
    assert result.bound >= 0.99 * optimum
