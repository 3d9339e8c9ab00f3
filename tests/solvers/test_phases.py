"""The core's phases: the strategy's lists, each phase switched off, iteration limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from btsopt import SolveParams, read_scenario, solve
from btsopt.bench.runner import load_settings
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import CoreSettings, MaxIterations, solve_core
from btsopt.solvers.core import phases as phases_module
from btsopt.solvers.core import regions as regions_module
from btsopt.solvers.core.lp import relaxation_neighbourhood
from btsopt.solvers.core.phases import Subgradient
from btsopt.solvers.core.search import strategy
from btsopt.solvers.core.settings import COMPONENTS
from btsopt.solvers.core.state import CorePlan, Incumbent, SearchState
from btsopt.solvers.core.structure import core_structure

from .test_core import brute_force, random_cover, set_cover

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny" / "scenario.toml"
TINY_OPTIMUM = 5826.0488
ABLATION = REPO / "benchmarks" / "settings" / "ablation.toml"

# Small enough to enumerate, large enough that every phase has work.
COSTS, ROWS = random_cover(4, 20, 15, 0.2)
OPTIMUM = brute_force(COSTS, ROWS)
COUNTRY = {"scale.country_columns": 0, "regions.rows_per_region": 2, "lns.max_steps": 5}
SWITCHES = ["greedy.enabled", "greedy.during_subgradient", "lp.enabled", "lp.rounding",
            "subgradient.enabled", "regions.enabled", "local_search.enabled", "fixing.enabled",
            "decomposition.enabled", "lns.enabled", "background_lp.enabled",
            "branch_and_cut.enabled"]


def names(data, settings: CoreSettings) -> list[str]:
    model = build_model(data, compute_coverage(data))
    core = core_structure(model, data)
    state = SearchState(
        model=model, data=data, core=core, params=BackendParams(), settings=settings, start=0.0,
        time_limit=60.0, country=core.x_site.size > settings.scale.country_columns,
        integral=False, incumbent=Incumbent(model.linear, BackendParams()))
    return [phase.name for phase in strategy(state)]


def test_the_strategy_picks_phases_by_scale_and_sharing_row() -> None:
    cover, _, _ = set_cover(COSTS, ROWS)
    tiny = read_scenario(TINY)
    finish = ["local_search", "fixing", "decomposition", "lns", "branch_and_cut"]
    assert names(cover, CoreSettings()) == ["greedy", "subgradient", *finish]
    assert names(tiny, CoreSettings()) == ["greedy", "lp", "lp.rounding", "subgradient", *finish]
    country = CoreSettings().with_values(COUNTRY)
    assert names(tiny, country) == ["greedy", "subgradient", "regions", *finish]
    assert names(cover, country) == ["greedy", "subgradient", *finish]  # no sharing row


@pytest.mark.parametrize("switch", SWITCHES)
def test_a_phase_switched_off_leaves_the_list(switch: str) -> None:
    off = CoreSettings().with_values({switch: False})
    name = switch.removesuffix(".enabled")  # a phase's name is its switch
    tiny = read_scenario(TINY)
    for settings in (off, off.with_values(COUNTRY)):
        assert name not in names(tiny, settings)
        assert len(names(tiny, settings)) >= 6


@pytest.mark.parametrize("switch", SWITCHES)
@pytest.mark.parametrize("country", [False, True], ids=["province", "country"])
def test_each_phase_off_still_gives_a_correct_solve(switch: str, country: bool) -> None:
    values = {switch: False, **(COUNTRY if country else {})}
    core = CoreSettings().with_values(values)
    optimum = OPTIMUM
    for data, best in ((set_cover(COSTS, ROWS)[0], optimum), (read_scenario(TINY), TINY_OPTIMUM)):
        result = solve(data, SolveParams(gap=0.0, time_limit=120, core=core))
        assert result.plan is not None and result.evaluation.violations == ()
        assert result.lower_bound <= best + 1e-3 and best - 1e-3 <= result.objective
        if switch != "branch_and_cut.enabled" and not country:
            # Branch and cut proves the optimum whatever ran before it.
            assert result.status == "optimal"
            assert result.objective == pytest.approx(best, abs=1e-3)


def test_iteration_limits_make_the_solve_independent_of_the_clock() -> None:
    # Every phase bounded by counts: the same plan, however fast the machine.
    data, model, core = set_cover(COSTS, ROWS)
    settings = CoreSettings().with_values({"subgradient.iterations": 50, "lns.max_steps": 5,
                                           "local_search.max_moves": 1000})
    runs = []
    for _ in range(2):
        stop = MaxIterations(200)
        runs.append(solve_core(model, data, BackendParams(time_limit=1e6, gap=0.0), None,
                               settings, stop))
        assert stop.calls > 0  # handed to the phases, which asked it
    assert np.array_equal(runs[0].values, runs[1].values)
    assert runs[0].objective == OPTIMUM
    # A limit of nothing: the first plan is still a checked plan.
    first = solve_core(model, data, BackendParams(time_limit=1e6), None, settings,
                       MaxIterations(0))
    assert model.linear.max_violation(first.values) <= 1e-7
    assert first.bound <= first.objective


def test_incumbent_takes_only_checked_and_cheaper_plans() -> None:
    data, model, core = set_cover(COSTS, ROWS)
    incumbent = Incumbent(model.linear, BackendParams())
    everything = CorePlan.from_values(model.linear, np.ones(model.linear.num_cols))
    nothing = CorePlan.from_values(model.linear, np.zeros(model.linear.num_cols))
    assert not nothing.is_feasible(model.linear)
    assert not incumbent.offer(nothing)
    assert incumbent.offer(everything) and incumbent.cost == sum(COSTS)
    assert not incumbent.offer(everything)  # not cheaper
    chosen = everything.chosen(core)
    again = CorePlan.from_choice(core, model.linear, chosen, np.zeros(0))
    assert np.array_equal(again.to_values(), everything.values)


def test_ablation_file_runs_every_setting_on_a_small_instance() -> None:
    # The ablation of benchmarks/README.md, each table on the tiny scenario
    # (sharing row) as a bench run would: every setting still finds the optimum.
    settings = load_settings(str(ABLATION), {})
    assert "default" in settings and len(settings) >= 10
    assert all(len(name) <= 10 for name in settings)
    switched = set()
    for name, table in settings.items():
        core = CoreSettings.from_dict(table.get("core", {}))
        switched.update(f"{t}.{k}" for t, keys in table.get("core", {}).items() for k in keys)
        result = solve(read_scenario(TINY), SolveParams(gap=0.0, time_limit=120, core=core))
        assert result.objective == pytest.approx(TINY_OPTIMUM, abs=1e-3), name
    assert set(SWITCHES) <= switched
    assert set(COMPONENTS) - {"time", "scale"} <= {key.split(".")[0] for key in switched}


def test_unicost_set_covering_gets_the_long_local_search() -> None:
    from btsopt.generate import cycle_instance
    from btsopt.solvers.core.phases import narrow_costs

    costs, matrix = cycle_instance(4)  # 24 squares x 32 edges, unit costs
    rows = [matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]].tolist()
            for r in range(matrix.shape[0])]
    unicost, _, unicost_core = set_cover(costs.tolist(), rows)
    weighted, _, weighted_core = set_cover(COSTS, ROWS)
    assert narrow_costs(unicost_core, 2.0)
    assert not narrow_costs(weighted_core, 2.0)  # costs 1..29
    assert not narrow_costs(unicost_core, 0.0)  # the rule switched off
    # Far below local_search.min_pairs, yet the local search applies to the
    # unicost model after the greedy's plan; a weighted model of that size
    # goes straight to fixing.
    assert local_search_applies(unicost, CoreSettings())
    assert not local_search_applies(weighted, CoreSettings())
    assert not local_search_applies(
        unicost, CoreSettings.from_dict({"local_search": {"narrow_cost_ratio": 0.0}}))


def local_search_applies(data, settings: CoreSettings) -> bool:
    from btsopt.solvers.core.phases import Greedy, LocalSearch

    model = build_model(data, compute_coverage(data))
    core = core_structure(model, data)
    state = SearchState(
        model=model, data=data, core=core, params=BackendParams(), settings=settings, start=0.0,
        time_limit=60.0, country=False, integral=True,
        incumbent=Incumbent(model.linear, BackendParams()))
    Greedy().run(state, MaxIterations(1))
    return LocalSearch().applies(state)


def test_narrow_rounds_restart_from_the_best_and_alternate_core_and_all_pairs(
        monkeypatch) -> None:
    from btsopt.generate import cycle_instance
    from btsopt.solvers.core.phases import Greedy, LocalSearch

    costs, matrix = cycle_instance(5)  # 80 squares x 80 edges, unit costs
    rows = [matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]].tolist()
            for r in range(matrix.shape[0])]
    data, model, core = set_cover(costs.tolist(), rows)
    calls = []

    def recording(*args, **kwargs):
        columns = kwargs["columns"]
        calls.append((kwargs["seed"], None if columns is None else int(columns.sum()),
                      kwargs["settings"].max_moves))
        return phases_module.local_search.__wrapped__(*args, **kwargs)

    recording.__wrapped__ = phases_module.local_search
    monkeypatch.setattr(phases_module, "local_search", recording)
    settings = CoreSettings.from_dict({"local_search": {
        "narrow_rounds": 3, "narrow_stall_moves": 2_000, "chunk": 1_000,
        "max_moves": 100_000, "narrow_pairs_per_row": 1}})
    plans = []
    for _ in range(2):
        calls.clear()
        state = SearchState(
            model=model, data=data, core=core, params=BackendParams(seed=4), settings=settings,
            start=0.0, time_limit=1e6, country=False, integral=True,
            incumbent=Incumbent(model.linear, BackendParams()))
        Greedy().run(state, MaxIterations(1))
        greedy_cost = state.incumbent.cost
        LocalSearch().run(state, MaxIterations(10**6))
        plans.append(state.incumbent.plan.values)
        assert state.incumbent.cost <= greedy_cost
        # Three rounds (each ended by its stall limit) with the next seeds;
        # the first and the third on a core of one pair per row (and the
        # best plan's pairs), fewer than all; max_moves for all of them.
        (s0, core0, left0), (s1, all1, left1), (s2, core2, left2) = calls
        assert (s0, s1, s2) == (4, 5, 6)
        assert all1 is None and core0 <= core2 < core.x_site.size
        assert left0 == 100_000 > left1 > left2 > 0
    assert np.array_equal(plans[0], plans[1])


def test_unicost_cycle_solved_to_its_optimum_on_iterations() -> None:
    from btsopt.generate import cycle_instance

    # The 4-cube's 24 squares over 32 edges (each edge on 3 squares, so at
    # least 8 edges): HiGHS proves the optimum; the core, whose local search
    # now runs on this small unicost model with a move budget, must match it.
    costs, matrix = cycle_instance(4)
    rows = [matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]].tolist()
            for r in range(matrix.shape[0])]
    data, _, _ = set_cover(costs.tolist(), rows)
    exact = solve(data, SolveParams(time_limit=60, gap=0.0, backend="highs"))
    core = solve(data, SolveParams(time_limit=60, gap=0.0, core=CoreSettings.from_dict(
        {"local_search": {"max_moves": 200_000}})))
    assert exact.status == "optimal"
    assert core.objective == pytest.approx(exact.objective)
    assert core.status == "optimal"


def test_the_operator_limit_hands_the_model_to_highs() -> None:
    # scale.max_operators: the tiny scenario has two operators.
    data = read_scenario(TINY)
    model = build_model(data, compute_coverage(data))
    assert core_structure(model, data, max_operators=2) is not None
    assert core_structure(model, data, max_operators=1) is None
    settings = CoreSettings().with_values({"scale.max_operators": 1})
    result = solve(data, SolveParams(gap=0.0, time_limit=60, core=settings))
    assert result.status == "optimal" and result.objective == pytest.approx(TINY_OPTIMUM, abs=1e-3)


@pytest.mark.parametrize("country", [False, True], ids=["province", "country"])
def test_the_integral_tolerance_reaches_every_rens(monkeypatch, country: bool) -> None:
    # lp.integral_tolerance is handed to RENS on the LP (province scale) and
    # to the regional LPs' plans (country scale).
    seen: list[float] = []

    def recording(*args, tolerance: float = -1.0, **kwargs):
        seen.append(tolerance)
        return relaxation_neighbourhood(*args, tolerance=tolerance, **kwargs)

    monkeypatch.setattr(regions_module if country else phases_module,
                        "relaxation_neighbourhood", recording)
    values = {"lp.integral_tolerance": 0.25, **(COUNTRY if country else {})}
    result = solve(read_scenario(TINY), SolveParams(
        gap=0.0, time_limit=120, workers=1, core=CoreSettings().with_values(values)))
    assert seen and set(seen) == {0.25}
    assert result.objective == pytest.approx(TINY_OPTIMUM, abs=1e-3)


@pytest.mark.parametrize(("country", "at_country", "runs"),
                         [(False, False, 3), (True, False, 0), (True, True, 3)])
def test_greedies_during_the_ascent_stay_out_of_country_scale(country: bool, at_country: bool,
                                                              runs: int) -> None:
    # The first three improvements of the bound each get a greedy, unless the
    # model is country scale and greedy.during_subgradient_country is off.
    data, model, core = set_cover(COSTS, ROWS)
    settings = CoreSettings().with_values({"greedy.during_subgradient_country": at_country})
    state = SearchState(
        model=model, data=data, core=core, params=BackendParams(), settings=settings, start=0.0,
        time_limit=60.0, country=country, integral=False,
        incumbent=Incumbent(model.linear, BackendParams()))
    state.ascent_iterations = 10**6
    for _ in range(3):
        Subgradient._greedy(state, state.relaxation())
    assert state.greedy_runs == runs
    assert (state.incumbent.plan is not None) == (runs > 0)
