"""The LP relaxation in the core: bounds from its duals, plans from its solution."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from processes import alive, btsopt_leftovers, child_env, wait_until

from btsopt import SolveParams, solve
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import lp as lp_module
from btsopt.solvers.core.lagrangian import evaluate_relaxation, subgradient
from btsopt.solvers.core.lp import (
    BackgroundLp,
    lp_multipliers,
    relaxation_neighbourhood,
    solve_lp,
)
from btsopt.solvers.core.settings import BackgroundLpSettings, CoreSettings, LpSettings
from btsopt.solvers.core.state import Incumbent, SearchState
from btsopt.solvers.core.structure import implying_rows
from btsopt.solvers.highs import solve_highs, solve_lp_relaxation

from .generated import generated_province


@pytest.fixture(scope="module")
def consolidation(tmp_path_factory):
    """A small generated province where operators may decommission and relocate,
    with a 30% sharing target: the case where the subgradient stalls."""
    return generated_province(tmp_path_factory, "consolidation", 1)


def test_lp_duals_give_the_lp_bound_and_beat_the_subgradient(consolidation) -> None:
    _, model, core, optimum = consolidation
    guide = solve_lp(core, model, BackendParams(workers=1), time_limit=60)
    assert guide is not None and guide.optimal
    lp_value = model.linear.value(guide.values)
    # The Lagrangian at the LP's duals is a valid bound, as strong as the LP's.
    assert guide.state.bound <= optimum + 1e-6
    assert guide.state.bound >= lp_value - 1e-6 * abs(lp_value)
    stalled = subgradient(core, optimum, iterations=2000)
    assert guide.state.bound > stalled.bound


def test_any_multipliers_give_a_valid_bound(consolidation) -> None:
    # Duals of an LP stopped early are only an iterate; the bound must hold anyway.
    _, model, core, optimum = consolidation
    rng = np.random.default_rng(3)
    relaxation = solve_lp_relaxation(model.linear, BackendParams(workers=1, time_limit=60))
    for scale in (0.0, 0.5, 1.0, 2.0):
        duals = relaxation.row_duals * scale * rng.uniform(0.5, 1.5, relaxation.row_duals.size)
        state = evaluate_relaxation(core, lp_multipliers(core, model, duals))
        assert state.bound <= optimum + 1e-6


def test_rens_gives_a_plan_and_keeps_a_better_incumbent(consolidation) -> None:
    _, model, core, optimum = consolidation
    linear = model.linear
    guide = solve_lp(core, model, BackendParams(workers=1), time_limit=60)
    plan = relaxation_neighbourhood(linear, guide.values, BackendParams(workers=1), 30)
    assert plan is not None
    assert linear.max_violation(plan) <= 1e-7
    assert optimum - 1e-6 <= linear.value(plan) <= 1.02 * optimum
    # Started from a plan, the neighbourhood contains it: never worse.
    again = relaxation_neighbourhood(linear, guide.values, BackendParams(workers=1), 30, plan)
    assert linear.value(again) <= linear.value(plan) + 1e-6


def test_every_coverage_row_maps_to_a_kept_row_that_implies_it() -> None:
    from scipy import sparse

    # Rows: {0,1,2} <- {0,1}; {0,1} kept; {2,3} twice (the first kept); {0,1,3} <- {0,1}.
    rows = [[0, 1, 2], [0, 1], [2, 3], [2, 3], [0, 1, 3], [4]]
    matrix = sparse.lil_matrix((len(rows), 5))
    for i, cols in enumerate(rows):
        matrix[i, cols] = 1
    representative = implying_rows(matrix.tocsr(), np.ones(len(rows)))
    assert representative.tolist() == [1, 1, 2, 2, 1, 5]
    # A row asking for two pairs takes no part (demand 2).
    demand = np.array([1, 1, 1, 2, 1, 1.0])
    assert implying_rows(matrix.tocsr(), demand).tolist() == [1, 1, 2, 3, 1, 5]


def test_core_bound_on_consolidation_is_the_lp_bound_or_better(consolidation) -> None:
    data, model, _, optimum = consolidation
    result = solve(data, SolveParams(time_limit=60, gap=0.0))
    assert result.objective == pytest.approx(optimum)
    assert result.lower_bound <= result.objective + 1e-6
    relaxation = solve_lp_relaxation(model.linear, replace(BackendParams(workers=1), time_limit=60))
    assert result.lower_bound >= relaxation.objective - 1e-6 * abs(relaxation.objective)


def _wait_for(background: BackgroundLp, seconds: float):
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        outcome = background.poll()
        if outcome is not None:
            return outcome
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("first_order", [True, False], ids=["pdlp", "ipm"])
def test_background_lp_gives_the_lp_bound(consolidation, first_order: bool) -> None:
    # PDLP or the interior point method in its own process: the Lagrangian at
    # its duals is a valid bound within its tolerance of the LP optimum.
    _, model, core, optimum = consolidation
    exact = solve_lp_relaxation(model.linear, BackendParams(workers=1, time_limit=60))
    assert exact is not None and exact.optimal
    settings = BackgroundLpSettings(first_order=first_order, chunk_iterations=200)
    with BackgroundLp(model.linear, time_limit=60, seed=0, settings=settings) as background:
        outcome = _wait_for(background, 60)
        assert outcome is not None
        assert outcome.optimal or not first_order  # the IPM stops short of HiGHS's "optimal"
        assert background.poll() is None  # handed over once
        assert background.chunk() is None  # closed
    bound = evaluate_relaxation(core, lp_multipliers(core, model, outcome.row_duals)).bound
    assert bound <= optimum + 1e-6
    assert bound >= exact.objective - 1e-3 * abs(exact.objective)


def test_background_pdlp_hands_over_each_chunk(consolidation) -> None:
    # Each chunk's iterate comes in as it ends (newer ones only), and each
    # gives a valid bound; the last one is the outcome's.
    _, model, core, optimum = consolidation
    settings = BackgroundLpSettings(chunk_iterations=100, chunk_growth=1.0)
    seen = []
    # No chunk starts after 3 s: the last one's iterate is the outcome, optimal or not.
    with BackgroundLp(model.linear, time_limit=3, seed=0, settings=settings) as background:
        deadline = time.monotonic() + 60
        outcome = None
        while outcome is None and time.monotonic() < deadline:
            chunk = background.chunk()
            if chunk is not None:
                seen.append(chunk)
            outcome = background.poll()
            time.sleep(0.01)
    assert outcome is not None and seen
    assert [c.number for c in seen] == sorted({c.number for c in seen})
    for chunk in seen:
        bound = evaluate_relaxation(core, lp_multipliers(core, model, chunk.row_duals)).bound
        assert bound <= optimum + 1e-6


def test_background_lp_stops_when_closed(consolidation) -> None:
    _, model, _, _ = consolidation
    background = BackgroundLp(model.linear, time_limit=60, seed=0)
    background.close()
    assert not background.running
    assert background.poll() is None


# A process that starts the background LP of a tiny model, says where it is
# and then waits (the worker, its outcome written, waits to be ended).
_LP_PARENT = """
import sys, time
import numpy as np
from scipy import sparse
from btsopt.model.linear import LinearModel
from btsopt.solvers.core.lp import BackgroundLp
linear = LinearModel(np.ones(2), sparse.csr_matrix(np.ones((1, 2))), np.ones(1), np.full(1, np.inf),
                     np.zeros(2), np.ones(2), np.ones(2, dtype=bool))
background = BackgroundLp(linear, time_limit=10)
print(background.pid, background.folder, flush=True)
if sys.argv[1] == "wait":
    time.sleep(600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("end", ["sigkill", "exit"])
def test_background_lp_leaves_no_process_and_no_folder(tmp_path, end) -> None:
    # Killed with SIGKILL (no clean-up runs in the parent) or ending without
    # closing the worker: either way the worker and its folder go.
    parent = subprocess.Popen(
        [sys.executable, "-c", _LP_PARENT, "wait" if end == "sigkill" else "exit"],
        env=child_env(tmp_path), stdout=subprocess.PIPE, text=True)
    pid, folder = parent.stdout.readline().split()
    if end == "sigkill":
        assert wait_until(lambda: (Path(folder) / "outcome.pickle").exists(), 30)
        parent.kill()
    parent.wait(30)
    assert wait_until(lambda: not alive(int(pid)), 10)
    assert not Path(folder).exists()
    assert btsopt_leftovers(tmp_path) == []


def test_rens_fixes_the_lp_values_within_its_integral_tolerance(consolidation, monkeypatch) -> None:
    # lp.integral_tolerance: the LP values within it of a whole number are
    # fixed; HiGHS sees exactly the other integer columns (and the continuous ones).
    _, model, core, optimum = consolidation
    linear = model.linear
    guide = solve_lp(core, model, BackendParams(workers=1), time_limit=60)
    seen: list[int] = []

    def counting(sub, params, hint=None):
        seen.append(sub.num_cols)
        return solve_highs(sub, params, hint)

    monkeypatch.setattr(lp_module, "solve_highs", counting)
    distance = np.abs(guide.values - np.round(guide.values))
    for tolerance in (0.0, LpSettings().integral_tolerance, 0.3):
        seen.clear()
        plan = relaxation_neighbourhood(linear, guide.values, BackendParams(workers=1), 30,
                                        tolerance=tolerance)
        free = int((~linear.integer | (distance > tolerance)).sum())
        assert seen == ([free] if free else [])
        if plan is not None:
            assert linear.max_violation(plan) <= 1e-7 and linear.value(plan) >= optimum - 1e-6
    assert relaxation_neighbourhood(linear, guide.values, BackendParams(workers=1), 30,
                                    tolerance=0.0) is not None


def _country_state(consolidation, settings: CoreSettings, background: BackgroundLp,
                   progress) -> SearchState:
    """The search's state at country scale with the LP beside it, as solve_core makes it."""
    data, model, core, _ = consolidation
    params = BackendParams(workers=1, progress=progress)  # 2 workers, one held by the LP
    return SearchState(model=model, data=data, core=core, params=params, settings=settings,
                       start=time.perf_counter(), time_limit=600.0, country=True, integral=False,
                       incumbent=Incumbent(model.linear, params), background=background,
                       lp_workers=1)


class _Events:
    stop_requested = False

    def __init__(self) -> None:
        self.phases: list[str] = []

    def update(self, phase, objective=None, bound=None, values=None) -> None:
        self.phases.append(phase)


@pytest.mark.parametrize("stall_chunks", [2, 0])
def test_stalled_pdlp_is_ended_and_its_thread_given_back(consolidation, stall_chunks) -> None:
    # With an infinite stall tolerance no chunk after the first raises the
    # bound enough: the process ends after `stall_chunks` more chunks (0:
    # never) and its thread goes back to the search. Chunks of 20 iterations
    # at a tolerance PDLP does not reach in them: only the stall ends it.
    _, model, core, optimum = consolidation
    settings = CoreSettings().with_values({
        "background_lp.chunk_iterations": 20, "background_lp.chunk_growth": 1.0,
        "background_lp.first_order_tolerance": 1e-12,
        "background_lp.stall_chunks": stall_chunks, "background_lp.stall_tolerance": math.inf})
    events = _Events()
    with BackgroundLp(model.linear, time_limit=600, seed=0,
                      settings=settings.background_lp) as background:
        state = _country_state(consolidation, settings, background, events)
        # The clock only guards against a hang; the chunks' numbers decide
        # (chunks that end between two polls are not seen, but counted).
        assert wait_until(lambda: state.poll_background() is not None and (
            state.lp_finished is not None if stall_chunks else state.lp_last_chunk >= 6), 120)
        if stall_chunks:
            assert "lp-stalled" in events.phases and "lp" not in events.phases
            assert state.lp_finished is not None and not state.lp_optimal
            assert state.lp_stalled_chunks >= stall_chunks and state.lp_last_chunk >= 3
            assert background.closed and not background.running
            assert wait_until(lambda: not alive(background.pid), 10)
            assert (state.params.workers, state.lp_workers) == (2, 0)
            chunks = state.lp_chunks
            state.poll_background()  # ended: nothing more comes in, workers stay
            assert state.lp_chunks == chunks and state.params.workers == 2
        else:
            assert state.lp_finished is None and background.running
            assert (state.params.workers, state.lp_workers) == (1, 1)
    assert state.bound_source == "pdlp" and state.bound <= optimum + 1e-6


def test_a_finished_lp_gives_its_thread_back(consolidation) -> None:
    _, model, _, optimum = consolidation
    settings = CoreSettings().with_values({"background_lp.chunk_iterations": 500,
                                           "background_lp.chunk_growth": 2.0})
    events = _Events()
    with BackgroundLp(model.linear, time_limit=600, seed=0,
                      settings=settings.background_lp) as background:
        state = _country_state(consolidation, settings, background, events)
        assert wait_until(lambda: state.poll_background() is not None
                          and state.lp_finished is not None, 120)
    assert events.phases[-1] in ("lp", "lp-stopped", "lp-stalled")
    assert (state.params.workers, state.lp_workers) == (2, 0)
    assert state.bound <= optimum + 1e-6
