"""Regional LPs: bisection, valid bounds from their duals, repair by subgradient."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt import SolveParams, solve
from btsopt.progress import Progress
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core.heuristic import construct
from btsopt.solvers.core.lagrangian import pair_increase, smallest_per_row, subgradient
from btsopt.solvers.core.regions import RegionalLp, bisect
from btsopt.solvers.core.settings import CoreSettings, LnsSettings
from btsopt.solvers.core.state import choice_index

from .generated import generated_province


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 300), parts=st.integers(1, 12))
def test_bisection_gives_balanced_regions_and_classifies_its_own_points(seed, count, parts) -> None:
    rng = np.random.default_rng(seed)
    # Rounded coordinates: ties at a cut must still land on one side consistently.
    points = np.round(rng.uniform([105.0, 20.0], [107.0, 21.0], size=(count, 2)), 2)
    bisection = bisect(points, parts)
    labels = bisection.classify(points)
    assert labels.min() >= 0 and labels.max() < parts
    assert np.array_equal(bisection.classify(points), labels)  # deterministic
    if len(np.unique(points, axis=0)) == count and count >= 4 * parts:
        sizes = np.bincount(labels, minlength=parts)
        assert sizes.min() >= 1


@pytest.fixture(scope="module")
def consolidation(tmp_path_factory):
    return generated_province(tmp_path_factory, "consolidation", 2)


def test_region_duals_give_a_valid_bound_that_subgradient_lifts(consolidation) -> None:
    data, model, core, optimum = consolidation
    regions = RegionalLp(core, model, data, rows_per_region=40)
    assert regions.parts >= 3
    chosen, _, cost = construct(core)
    start = subgradient(core, cost, iterations=30)
    pairs = np.zeros(core.x_site.size, dtype=bool)
    pairs[smallest_per_row(core.cover, pair_increase(core, start), 8)] = True
    has = core.x_col >= 0
    pairs[core.x_col[has & chosen]] = True
    outcome = regions.multipliers(start, pairs, BackendParams(workers=1),
                                  time.perf_counter() + 60, plans=True)
    seeded, values = outcome.state, outcome.lp_values
    assert outcome.solved == regions.parts
    assert seeded.bound <= optimum + 1e-6
    # Every site's columns come from its home region's LP: within bounds.
    assert np.all(values >= -1e-9) and np.all(values <= 1 + 1e-9)
    # The regions' own plans together cover every row; completed, they are a plan.
    union = np.zeros(core.x_col.shape, dtype=bool)
    union[has] = outcome.plan_pairs[core.x_col[has]]
    x = np.zeros(core.x_site.size)
    x[core.x_col[has]] = union[has]
    assert np.all(core.cover @ x >= core.demand)
    found = construct(core, seeded.u, start=union)
    assert found is not None and optimum - 1e-6 <= found[2]
    values_of_plan = core.values_from_choice(choice_index(found[0]), found[1],
                                             model.linear.num_cols)
    assert model.linear.max_violation(values_of_plan) <= 1e-7
    repaired = subgradient(core, cost, iterations=2000, start=seeded)
    cold = subgradient(core, cost, iterations=2000)
    assert repaired.bound <= optimum + 1e-6
    assert repaired.bound >= cold.bound - 1e-6 * abs(cold.bound)


def test_lp_guided_regions_improve_the_greedy_plan(consolidation) -> None:
    from btsopt.solvers.core.lns import large_neighbourhood_search

    data, model, core, optimum = consolidation
    linear = model.linear
    regions = RegionalLp(core, model, data, rows_per_region=40)
    chosen, tokens, cost = construct(core)
    start = subgradient(core, cost, iterations=200)
    pairs = np.zeros(core.x_site.size, dtype=bool)
    pairs[smallest_per_row(core.cover, pair_increase(core, start), 8)] = True
    lp_values = regions.multipliers(start, pairs, BackendParams(workers=1),
                                    time.perf_counter() + 60).lp_values
    values = core.values_from_choice(choice_index(chosen), tokens, linear.num_cols)
    steps: list[dict] = []
    outcome = large_neighbourhood_search(
        core, linear, values, pair_increase(core, start), BackendParams(workers=1),
        settings=LnsSettings(max_steps=20), lower_bound=optimum, on_step=steps.append,
        guide=lp_values, site_region=regions.site_home,
    )
    guided = [step for step in steps if "region" in step]
    assert guided and all(0 <= step["region"] < regions.parts for step in guided)
    assert linear.max_violation(outcome.values) <= 1e-7
    assert optimum - 1e-6 <= outcome.cost < cost


def test_country_scale_path_gives_a_verified_plan_and_a_valid_bound(consolidation) -> None:
    # The whole country-scale flow (regional LPs, united plan, repaired
    # multipliers, LP-guided steps) on a small province: solve() checks the
    # plan with the independent evaluator.
    data, _, _, optimum = consolidation
    # Country scale from 100 pairs, regions of 40 rows; the LNS ends after 30 steps.
    core = CoreSettings().with_values({
        "scale.country_columns": 100, "regions.rows_per_region": 40, "lns.max_steps": 30})
    events: list[str] = []

    class Recorder(Progress):
        def update(self, phase, objective=None, bound=None, values=None) -> None:
            events.append(phase)
            super().update(phase, objective, bound, values)

    result = solve(data, SolveParams(time_limit=60, gap=0.0, seed=1, core=core),
                   progress=Recorder())
    assert events.count("regions") == core.regions.rounds
    assert "lp" in events  # the whole LP, solved beside the search, came in
    assert result.plan is not None and result.evaluation.violations == ()
    assert result.lower_bound <= optimum + 1e-6 <= result.objective + 2e-6
    assert result.objective <= 1.05 * optimum
