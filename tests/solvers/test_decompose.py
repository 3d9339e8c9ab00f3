"""Components priced on sharing: valid bounds, plans, and exactness without sharing."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from btsopt import SolveParams, solve
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core.decompose import (
    SharingPrice,
    find_components,
    price_sharing,
    worth_decomposing,
)
from btsopt.solvers.core.lagrangian import evaluate_relaxation, subgradient
from btsopt.solvers.core.settings import DecompositionSettings
from btsopt.solvers.core.structure import core_structure

from .generated import generated_province


@pytest.fixture(scope="module")
def brownfield(tmp_path_factory):
    """A small generated brownfield province with two dead-spot pockets, a 30% target."""
    return generated_province(tmp_path_factory, "brownfield", 6)


def test_pockets_are_found_and_cover_every_open_row(brownfield) -> None:
    _, model, core, _ = brownfield
    components = find_components(core, model)
    assert components is not None and components.count == 2
    sizes = sorted(cols.size for cols in components.columns)
    assert sizes == [12, 132]
    # One pocket holds 92% of the columns: not worth it in a search, fine here.
    assert not worth_decomposing(components)
    assert worth_decomposing(replace(components, columns=[np.arange(70), np.arange(74)]))
    labels = components.site_label
    # Every coverage row's pairs lie in exactly one component.
    cover = core.cover.tocoo()
    row_component = {}
    for row, col in zip(cover.row, cover.col, strict=True):
        label = labels[core.x_site[col]]
        assert label >= 0
        assert row_component.setdefault(row, label) == label
    assert len(row_component) == core.cover.shape[0]
    # Blocks hold every nonzero of their rows.
    for rows, block in zip(components.rows, components.matrices, strict=True):
        assert block.nnz == model.linear.matrix[rows].nnz


def test_priced_bound_is_valid_and_beats_the_lagrangian(brownfield) -> None:
    _, model, core, optimum = brownfield
    pricer = SharingPrice(core, model, find_components(core, model), BackendParams(workers=1))
    state = subgradient(core, optimum, iterations=500)
    for lam in (0.0, 0.5 * state.lam, state.lam, 2.0 * state.lam + 1.0):
        priced = pricer.evaluate(lam, time.perf_counter() + 60)
        assert priced is not None and priced.exact
        assert priced.bound <= optimum + 1e-6 * abs(optimum)
        assert priced.bound >= evaluate_relaxation(core, state.u, lam).bound - 1e-6 * abs(optimum)
        # The put-together plan covers every row; only the sharing row may fail.
        values = priced.values
        activity = model.linear.matrix @ values
        ok = (activity >= model.linear.row_lb - 1e-7) & (activity <= model.linear.row_ub + 1e-7)
        ok[model.sharing_row] = True
        assert ok.all()
        assert priced.activity == pytest.approx(activity[model.sharing_row])


def test_price_search_gives_a_bound_close_to_the_optimum(brownfield) -> None:
    _, model, core, optimum = brownfield
    pricer = SharingPrice(core, model, find_components(core, model), BackendParams(workers=1))
    state = subgradient(core, optimum, iterations=500)
    plans: list[float] = []
    bound, best = price_sharing(pricer, state.lam, time.perf_counter() + 60,
                                lambda p: plans.append(p.bound),
                                DecompositionSettings(price_evaluations=6))
    assert best is not None and plans
    assert bound == max(plans)
    assert state.bound - 1e-6 * optimum <= bound <= optimum + 1e-6 * optimum


def test_without_a_sharing_target_the_components_solve_the_problem(brownfield) -> None:
    data, _, _, _ = brownfield
    free = replace(data, targets=replace(data.targets, shared_site_ratio=0.0))
    model = build_model(free, compute_coverage(free))
    core = core_structure(model, free)
    pricer = SharingPrice(core, model, find_components(core, model), BackendParams(workers=1))
    priced = pricer.evaluate(0.0, time.perf_counter() + 60)
    optimum = solve(free, SolveParams(backend="highs", gap=0.0, time_limit=60)).objective
    assert priced is not None and priced.exact
    assert priced.bound == pytest.approx(optimum, rel=1e-9)
    assert model.linear.max_violation(priced.values) <= 1e-7
    assert model.linear.value(priced.values) == pytest.approx(optimum, rel=1e-9)
    assert np.isfinite(priced.activity)
