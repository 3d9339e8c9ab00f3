"""The core's parts on set-covering instances small enough to enumerate."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt import SolveParams, read_scenario, solve
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.reading.orlib import SetCoverInstance, instance_to_problem
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import lns as lns_module
from btsopt.solvers.core.heuristic import construct, plan_cost
from btsopt.solvers.core.lagrangian import (
    evaluate_relaxation,
    initial_multipliers,
    pair_increase,
    smallest_per_row,
    subgradient,
)
from btsopt.solvers.core.lns import large_neighbourhood_search
from btsopt.solvers.core.local_search import available, local_search
from btsopt.solvers.core.settings import LnsSettings, LocalSearchSettings, SubgradientSettings
from btsopt.solvers.core.state import choice_index
from btsopt.solvers.core.structure import core_structure
from btsopt.solvers.highs import solve_highs

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny" / "scenario.toml"
TINY_OPTIMUM = 5826.0488

needs_numba = pytest.mark.skipif(not available(), reason="numba is not installed")


def set_cover(costs: list[int], rows: list[list[int]]):
    """ProblemData, model and core structure of a set-covering instance."""
    matrix = sparse.lil_matrix((len(rows), len(costs)), dtype=np.int8)
    for i, cols in enumerate(rows):
        matrix[i, cols] = 1
    instance = SetCoverInstance("test", np.asarray(costs, dtype=float), matrix.tocsr(), "row")
    data = instance_to_problem(instance)
    model = build_model(data, compute_coverage(data))
    return data, model, core_structure(model, data)


def brute_force(costs: list[int], rows: list[list[int]]) -> float:
    best = np.inf
    for chosen in itertools.product([0, 1], repeat=len(costs)):
        if all(any(chosen[c] for c in cols) for cols in rows):
            best = min(best, float(np.dot(chosen, costs)))
    return best


def random_cover(seed: int, num_rows: int, num_cols: int, density: float):
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 30, num_cols).tolist()
    rows = []
    for _ in range(num_rows):
        k = max(2, int(rng.binomial(num_cols, density)))
        rows.append(sorted(rng.choice(num_cols, size=k, replace=False).tolist()))
    return costs, rows


# Greedy (cost per newly covered row) takes column 3 first (3 rows for 1), then
# column 0 for row 3 (4 a row, against 4.5 for column 4 covering rows 1 and 3),
# then column 1 for row 1: 1 + 4 + 8 = 13, with nothing redundant. Columns 3
# and 4 cover every row for 10. (No row implies another, so the core keeps
# all five.)
TRAP_COSTS = [4, 8, 8, 1, 9]
TRAP_ROWS = [[3, 4], [1, 4], [2, 3], [0, 4], [1, 3]]


def chosen_of(core, values):
    chosen = np.zeros(core.x_col.shape, dtype=bool)
    has = core.x_col >= 0
    chosen[has] = values[core.x_col[has]] > 0.5
    return chosen


def test_greedy_falls_into_the_trap_that_the_optimum_avoids() -> None:
    _, _, core = set_cover(TRAP_COSTS, TRAP_ROWS)
    chosen, tokens, cost = construct(core)
    assert core.cover.shape[0] == 5
    assert cost == 13.0
    assert brute_force(TRAP_COSTS, TRAP_ROWS) == 10.0


@needs_numba
def test_local_search_escapes_the_greedy_trap() -> None:
    _, _, core = set_cover(TRAP_COSTS, TRAP_ROWS)
    chosen, _, _ = construct(core)
    better = local_search(core, chosen, seed=0, settings=LocalSearchSettings(max_moves=20_000))
    assert better is not None
    assert plan_cost(core, better, np.zeros(0)) == 10.0


@needs_numba
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_local_search_returns_a_cheaper_cover_or_nothing(seed: int) -> None:
    costs, rows = random_cover(seed, 12, 10, 0.3)
    _, _, core = set_cover(costs, rows)
    start = construct(core)
    assert start is not None
    found = local_search(core, start[0], seed=seed,
                         settings=LocalSearchSettings(max_moves=5_000, chunk=1_000))
    optimum = brute_force(costs, rows)
    if found is None:
        assert start[2] >= optimum
        return
    x = found[core.x_site, core.x_op].astype(float)
    assert np.all(core.cover @ x >= 1)  # a cover
    cost = plan_cost(core, found, np.zeros(0))
    assert optimum <= cost < start[2]


@needs_numba
def test_local_search_is_reproducible_for_a_seed() -> None:
    costs, rows = random_cover(7, 60, 40, 0.1)
    _, _, core = set_cover(costs, rows)
    start = construct(core)[0]
    runs = [
        local_search(core, start, seed=3,
                     settings=LocalSearchSettings(max_moves=30_000, stall_moves=10**9))
        for _ in range(2)
    ]
    assert (runs[0] is None and runs[1] is None) or np.array_equal(runs[0], runs[1])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_lagrangian_bound_never_exceeds_the_optimum(seed: int) -> None:
    costs, rows = random_cover(seed, 10, 9, 0.3)
    _, _, core = set_cover(costs, rows)
    state = subgradient(core, np.inf, iterations=300)
    assert state.bound <= brute_force(costs, rows) + 1e-6


def test_smallest_per_row_matches_a_loop_over_rows() -> None:
    rng = np.random.default_rng(0)
    matrix = sparse.random(40, 60, 0.2, format="csr", random_state=1)
    score = rng.random(60)
    rows = rng.random(40) < 0.5
    expected = set()
    for r in np.flatnonzero(rows):
        cols = matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]]
        expected |= set(cols[np.argsort(score[cols])[:3]].tolist())
    assert set(smallest_per_row(matrix, score, 3, rows).tolist()) == expected


def test_large_neighbourhood_search_reaches_the_optimum_from_the_greedy() -> None:
    costs, rows = random_cover(11, 40, 30, 0.12)
    data, model, core = set_cover(costs, rows)
    optimum = solve(data, SolveParams(backend="highs", gap=0.0, time_limit=30)).objective
    chosen, tokens, cost = construct(core)
    values = core.values_from_choice(choice_index(chosen), tokens, model.linear.num_cols)
    state = subgradient(core, cost, iterations=300)
    seen: list[float] = []
    outcome = large_neighbourhood_search(
        core, model.linear, values, pair_increase(core, state),
        BackendParams(workers=1), settings=LnsSettings(rows_share=0.5, max_steps=200),
        lower_bound=optimum, on_improvement=lambda c, v: seen.append(c),
    )
    assert outcome.cost == optimum
    assert model.linear.max_violation(outcome.values) <= 1e-9
    assert seen == sorted(seen, reverse=True)
    assert (outcome.cost < cost) == bool(seen)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_core_proves_the_enumerated_optimum(seed: int) -> None:
    costs, rows = random_cover(seed, 16, 14, 0.2)
    data, _, _ = set_cover(costs, rows)
    result = solve(data, SolveParams(gap=0.0, time_limit=30))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force(costs, rows))
    assert result.lower_bound == pytest.approx(result.objective)


def test_rows_implied_by_other_rows_leave_the_core() -> None:
    # Row 0 = {0, 1, 2} is implied by row 1 = {0, 1}; rows 2 and 3 are the same
    # set {2, 3}: the first stays. The optimum is unchanged.
    costs, rows = [3, 4, 5, 6], [[0, 1, 2], [0, 1], [2, 3], [2, 3]]
    data, model, core = set_cover(costs, rows)
    kept = {tuple(sorted(core.cover.indices[core.cover.indptr[r] : core.cover.indptr[r + 1]]))
            for r in range(core.cover.shape[0])}
    assert core.cover.shape[0] == 2
    assert model.linear.matrix[model.coverage_rows].shape[0] == 4  # the model keeps them
    assert solve(data, SolveParams(gap=0.0, time_limit=30)).objective == brute_force(costs, rows)
    assert len(kept) == 2


def test_the_only_pair_for_a_row_is_forced_in_every_relaxed_choice() -> None:
    # Row 2 can only be served by column 2: the core fixes it, so the Lagrangian
    # subproblem and the heuristics always take it.
    costs, rows = [1, 1, 50], [[0, 1], [0, 2], [2]]
    data, _, core = set_cover(costs, rows)
    site = core.x_site[2]
    assert not core.feasible[site, 0]  # the empty subset is out for that site
    state = subgradient(core, np.inf, iterations=50)
    assert core.subsets[state.choice[site]].any()
    assert construct(core)[2] == 51.0 == brute_force(costs, rows)
    assert solve(data, SolveParams(gap=0.0, time_limit=30)).objective == 51.0


def test_neighbourhoods_free_only_serving_sites_and_reach_their_row_target() -> None:
    from btsopt.solvers.core.lns import Neighbourhoods

    costs, rows = random_cover(5, 30, 25, 0.15)
    _, _, core = set_cover(costs, rows)
    picker = Neighbourhoods(core, seed=0)
    active = np.ones(core.num_sites, dtype=bool)
    for target in (1, 5, 12, 30):
        for _ in range(2):  # a region, then a scatter neighbourhood
            picked = picker.pick(active, target)
            assert picker.serves[picked].all()
            assert picker.rows_of(picked).sum() >= min(target, core.cover.shape[0])
            # Minimal in the order taken: without the last site the target is missed.
            assert picker.rows_of(picked[:-1]).sum() < target


@pytest.mark.parametrize(("scatter_every", "regions"), [(2, 3), (3, 4), (1, 0), (0, 6)])
def test_scatter_every_sets_the_mix_of_neighbourhoods(monkeypatch, scatter_every,
                                                      regions) -> None:
    # lns.scatter_every reaches the picker: of 6 steps, those that are not
    # every scatter_every-th are regions (0: all of them).
    costs, rows = random_cover(7, 20, 15, 0.2)
    _, model, core = set_cover(costs, rows)
    chosen, tokens, _ = construct(core)
    values = core.values_from_choice(choice_index(chosen), tokens, model.linear.num_cols)
    calls: list[int] = []
    region = lns_module.Neighbourhoods._region

    def counting(self, active, target_rows):
        calls.append(self.count)
        return region(self, active, target_rows)

    monkeypatch.setattr(lns_module.Neighbourhoods, "_region", counting)
    large_neighbourhood_search(core, model.linear, values, np.zeros(core.x_site.size),
                               BackendParams(workers=1),
                               settings=LnsSettings(max_steps=6, scatter_every=scatter_every))
    assert len(calls) == regions


def _tiny_core():
    data = read_scenario(TINY)
    model = build_model(data, compute_coverage(data))
    return core_structure(model, data)


def test_the_price_cap_settings_bound_the_sharing_price() -> None:
    # The tiny scenario's sharing row binds: at multipliers from 200 steps of
    # ascent the best price is about 80. A cap below it (factor 0, offset 5)
    # stops the price at 5 and the bound falls; factor and offset 0 leave the
    # row unpriced. Every bound stays below the optimum.
    core = _tiny_core()
    u = subgradient(core, TINY_OPTIMUM, iterations=200).u
    free = evaluate_relaxation(core, u)
    assert free.lam > 50.0
    capped = evaluate_relaxation(core, u, settings=SubgradientSettings(
        price_cap_factor=0.0, price_cap_offset=5.0))
    unpriced = evaluate_relaxation(core, u, settings=SubgradientSettings(
        price_cap_factor=0.0, price_cap_offset=0.0))
    assert capped.lam == 5.0 and unpriced.lam == 0.0
    assert unpriced.bound < capped.bound < free.bound <= TINY_OPTIMUM


def test_the_step_floor_moves_multipliers_from_a_plan_at_the_bound() -> None:
    # Aimed at the starting bound itself, the step is the floor alone:
    # 0 leaves the multipliers (and the bound) where they start.
    core = _tiny_core()
    start = evaluate_relaxation(core, initial_multipliers(core))
    runs = {gap: subgradient(core, start.bound, iterations=50,
                             settings=SubgradientSettings(min_step_gap=gap))
            for gap in (0.0, SubgradientSettings().min_step_gap, 1e-2)}
    assert runs[0.0].bound == start.bound and np.array_equal(runs[0.0].u, start.u)
    moved = [np.abs(runs[gap].u - start.u).sum() for gap in (1e-6, 1e-2)]
    assert 0 < moved[0] < moved[1]
    assert start.bound < runs[1e-6].bound < runs[1e-2].bound <= TINY_OPTIMUM


def test_lns_steps_ask_for_their_threads(monkeypatch) -> None:
    # The search hands a thread back when the LP beside it ends: each step
    # asks `workers` for its threads instead of using those it started with.
    costs, rows = random_cover(7, 20, 15, 0.2)
    _, model, core = set_cover(costs, rows)
    chosen, tokens, _ = construct(core)
    values = core.values_from_choice(choice_index(chosen), tokens, model.linear.num_cols)
    threads: list[int] = []

    def recording(sub, params, hint=None):
        threads.append(params.workers)
        return solve_highs(sub, params, hint)

    monkeypatch.setattr(lns_module, "solve_highs", recording)
    supply = iter([1, 1, 2, 2, 2])
    large_neighbourhood_search(core, model.linear, values, np.zeros(core.x_site.size),
                               BackendParams(workers=1), settings=LnsSettings(max_steps=5),
                               workers=lambda: next(supply))
    assert threads == [1, 1, 2, 2, 2]
