"""The capacitated large-neighbourhood search (``btsopt.solvers.capacity_lns``),
on the tiny scenario whose capacitated optimum is worked out by hand in
tests/test_solve_capacity.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_with_demand

from btsopt import Plan, SolveParams, evaluate, read_scenario, solve
from btsopt.model import build_model
from btsopt.model.linear import restrict_to
from btsopt.radio import compute_coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.capacity_lns import _Columns, _Restriction, capacity_lns
from btsopt.solvers.core import CoreSettings, MaxIterations
from btsopt.solvers.core.settings import CapacitySettings
from btsopt.solvers.core.stop import Never

A = 6.7100814  # sum_{t=1..10} 1.08^-t
CARRIER = 150 + 15 * A  # one added carrier: capex + NPV of its opex = 250.6512
OPTIMUM = 5826.0488 + 2 * CARRIER  # tests/test_solve_capacity.py: test_tiny_optimum_by_hand
# Sites E1, E2, C1, C2; operators alpha, beta. The optimum: alpha on E1, E2,
# C2; beta on E2; one paid carrier on beta at E2 and on alpha at C2.
TENANCIES = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], dtype=bool)


def _tiny(folder: Path):
    # D = 25 Mb/s per hamlet and operator, c = 48 Mb/s per carrier.
    data = read_scenario(tiny_with_demand(folder, "busy_hour_mbps = 0.5",
                                          subscriptions=["100"] * 5))
    return data, build_model(data, compute_coverage(data))


def _run(model, values, steps: int = 0, seed: int = 0, centres: int = 1):
    linear = model.linear.with_objective(model.levels[-1].objective, model.levels[-1].offset)
    settings = CapacitySettings(lns_max_steps=steps, lns_centres=centres)
    return linear, capacity_lns(model, linear, values, BackendParams(time_limit=60, seed=seed),
                                settings, Never())


def test_lns_takes_off_the_carriers_nobody_needs(tmp_path: Path) -> None:
    # The optimum's tenancies with every tenancy at 3 carriers: 6 paid carriers
    # too many. A centre (a paying tenancy) frees all of the tiny model, so
    # its sub-MIP is the whole problem and lands on the optimum.
    data, model = _tiny(tmp_path / "s")
    start = Plan(TENANCIES, np.where(TENANCIES, 3, 0))
    values = model.solution(start)
    linear, outcome = _run(model, values)
    assert linear.value(values) == pytest.approx(OPTIMUM + 6 * CARRIER, abs=1e-3)
    assert outcome.cost == pytest.approx(OPTIMUM, abs=1e-3)
    assert outcome.improvements >= 1
    plan = model.plan(outcome.values)
    assert plan.carriers.tolist() == [[1, 0], [1, 2], [0, 0], [2, 0]]
    assert evaluate(data, plan).system_cost == pytest.approx(OPTIMUM, abs=1e-3)
    # Deterministic: the same seed gives the same vector.
    assert np.array_equal(_run(model, values)[1].values, outcome.values)


def test_lns_with_both_paying_tenancies_in_one_step(tmp_path: Path) -> None:
    # Two centres a step: both paying tenancies of the optimum are tried in
    # one sub-MIP, so the search ends after one step without a gain.
    data, model = _tiny(tmp_path / "s")
    values = model.solution(Plan(TENANCIES, np.array([[1, 0], [1, 2], [0, 0], [2, 0]])))
    linear, outcome = _run(model, values, centres=2)
    assert outcome.steps == 1 and outcome.improvements == 0
    start = model.solution(Plan(TENANCIES, np.where(TENANCIES, 3, 0)))
    assert _run(model, start, centres=2)[1].cost == pytest.approx(OPTIMUM, abs=1e-3)


def test_lns_stops_on_its_step_budget_and_on_its_stop(tmp_path: Path) -> None:
    data, model = _tiny(tmp_path / "s")
    values = model.solution(Plan(TENANCIES, np.where(TENANCIES, 3, 0)))
    assert _run(model, values, steps=1)[1].steps == 1
    linear = model.linear.with_objective(model.levels[-1].objective, model.levels[-1].offset)
    stopped = capacity_lns(model, linear, values, BackendParams(time_limit=60),
                           CapacitySettings(), MaxIterations(0))
    assert stopped.steps == 0 and stopped.cost == pytest.approx(linear.value(values))


def test_lns_ends_when_no_tenancy_pays_for_carriers(tmp_path: Path) -> None:
    # The optimum pays two carriers; once both were centres without a gain the
    # search ends (no clock involved).
    data, model = _tiny(tmp_path / "s")
    values = model.solution(Plan(TENANCIES, np.array([[1, 0], [1, 2], [0, 0], [2, 0]])))
    linear, outcome = _run(model, values)
    assert outcome.steps == 2 and outcome.improvements == 0
    assert outcome.cost == pytest.approx(OPTIMUM, abs=1e-3)


@pytest.mark.parametrize("lns", [True, False])
def test_solve_runs_the_lns_after_the_start_when_the_model_is_too_large(
        tmp_path: Path, lns: bool) -> None:
    # exact_max_columns = 0: HiGHS never gets the whole model, so the plan is
    # the start's, improved by the LNS when it is on; both are accepted plans.
    data, _ = _tiny(tmp_path / "s")
    core = CoreSettings().with_values({"capacity.exact_max_columns": 0, "capacity.lns": lns})
    result = solve(data, SolveParams(gap=1e-9, time_limit=30.0, core=core))
    assert result.status == "feasible" and result.evaluation.admissible
    assert result.objective >= OPTIMUM - 1e-3
    if lns:
        assert result.objective == pytest.approx(OPTIMUM, abs=1e-3)


def test_restriction_is_restrict_to(tmp_path: Path) -> None:
    # The cached restriction builds the same sub-model as restrict_to.
    data, model = _tiny(tmp_path / "s")
    values = model.solution(Plan(TENANCIES, np.where(TENANCIES, 3, 0)))
    linear = model.linear.with_objective(model.levels[-1].objective, model.levels[-1].offset)
    rng = np.random.default_rng(3)
    restriction = _Restriction(linear, values)
    for _ in range(5):
        free = rng.random(linear.num_cols) < 0.4
        ours, ours_index = restriction.around(free, values)
        theirs, theirs_index = restrict_to(linear, free, values)
        assert np.array_equal(ours_index, theirs_index)
        assert (ours.matrix != theirs.matrix).nnz == 0
        for name in ("objective", "row_lb", "row_ub", "col_lb", "col_ub", "integer"):
            assert np.allclose(getattr(ours, name), getattr(theirs, name)), name
        assert ours.offset == pytest.approx(theirs.offset)


def test_tighten_pays_only_for_carriers_beyond_the_free_ones(tmp_path: Path) -> None:
    # A sub-MIP stopped early may leave e above n's need: the plan then costs
    # more in the model than its carriers do. Tightening restores the cost.
    data, model = _tiny(tmp_path / "s")
    values = model.solution(Plan(TENANCIES, np.array([[1, 0], [1, 2], [0, 0], [2, 0]])))
    linear = model.linear.with_objective(model.levels[-1].objective, model.levels[-1].offset)
    loose = values.copy()
    loose[model.capacity.e_index[0, 0]] += 2.0  # alpha on E1: one carrier, none paid
    loose[model.x_index[3, 0]] = 1.0 - 1e-9  # HiGHS's near-integers
    assert linear.value(loose) == pytest.approx(OPTIMUM + 2 * CARRIER, abs=1e-3)
    _Columns(model).tighten(loose, linear.integer)
    assert linear.value(loose) == pytest.approx(linear.value(values), abs=1e-9)
    assert np.array_equal(loose, values)
