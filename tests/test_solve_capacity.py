"""solve() with [demand]: the tiny optimum by hand, and enumeration of carriers and plans."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_with_demand
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_solve import _explain, _lexicographic_key, _random_scenario, _soft_violation

from btsopt import Plan, SolveParams, evaluate, read_scenario, solve
from btsopt.data import Demand, ProblemData
from btsopt.plan import read_plan_csv

EXACT = {"gap": 1e-9, "time_limit": 30.0}
A = 6.7100814  # sum_{t=1..10} 1.08^-t
CARRIER = 150 + 15 * A  # one added carrier: capex + NPV of its opex = 250.6512


def _tiny(folder: Path, busy_hour: float, **kwargs) -> ProblemData:
    # 100 subscriptions in every hamlet, two operators at 0.5 each:
    # D = 100 x 0.5 x busy_hour per hamlet and operator; c = 48 Mb/s per carrier.
    return read_scenario(tiny_with_demand(
        folder, f"busy_hour_mbps = {busy_hour}", subscriptions=["100"] * 5, **kwargs))


def test_tiny_light_demand_keeps_the_v1_optimum(tmp_path: Path) -> None:
    # D = 5 Mb/s: no tenancy carries more than 3 hamlets x 5 = 15 < 48, so the
    # v1 optimum (5826.0488, see tests/test_solve.py) carries it as it is.
    result = solve(_tiny(tmp_path / "s", 0.1), SolveParams(**EXACT))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5826.0488, abs=1e-3)
    assert result.evaluation.demand["carriers_added"] == 0
    # coverage "any": beta covers only H2, H3, so its subscribers in H1, H4, H5
    # (3 of the 10 hamlet-operator halves) are not served.
    assert result.evaluation.demand["served_share"] == pytest.approx(0.7)


def test_tiny_optimum_by_hand(tmp_path: Path) -> None:
    # D = 100 x 0.5 x 0.5 = 25 Mb/s per hamlet and operator, c = 48.
    # Reach: E1 -> H1, H2; E2 -> H2, H3; C1, C2 -> H4, H5.
    # v1 optimum: alpha on E1 (kept), beta on E2 (kept), alpha co-locates on E2,
    # alpha builds C2 = 5826.0488. With capacity:
    #   beta on E2 covers H2, H3: 50 Mb/s > 48. It must stay (no relocation), so
    #   +1 carrier (250.65) or a beta tenancy on E1 (450 + 402.60 = 852.60, and
    #   H1 would then load it too): the carrier.
    #   H4, H5 need a site at C1 or C2; any tenancy there covers both: 50 > 48,
    #   so +1 carrier (a second tenancy of the same operator costs more).
    #   alpha on E1 + E2 covers H1-H3: 75 <= 2 x 48, fits with one carrier each.
    # Total 5826.0488 + 2 x 250.6512 = 6327.3512.
    data = _tiny(tmp_path / "s", 0.5)
    result = solve(data, SolveParams(**EXACT))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)
    assert result.lower_bound == pytest.approx(result.objective, abs=1e-3)
    plan = result.plan
    assert plan.carriers.tolist() == [[1, 0], [1, 2], [0, 0], [2, 0]]
    demand = result.evaluation.demand
    assert demand["carriers_added"] == 2
    assert demand["operators"]["beta"]["max_load"] == pytest.approx(50 / 96)
    assert result.evaluation.cost["carrier_capex"] == pytest.approx(300.0)


def test_tiny_demand_beyond_full_carriers_is_infeasible(tmp_path: Path) -> None:
    # D = 100 x 0.5 x 3 = 150 Mb/s: beta on E2 stays (no relocation) and only E2
    # reaches H3, so E2 alone carries H3's 150 > 3 carriers x 48 = 144.
    result = solve(_tiny(tmp_path / "s", 3.0), SolveParams(**EXACT))
    assert result.status == "infeasible"
    assert ("hamlet H3: beta's demand 150 Mb/s exceeds what every usable site reaching it "
            "carries at max_carriers (144 Mb/s) and it must stay covered") in result.message


@pytest.mark.parametrize("backend", ["highs", "scip", "core"])
def test_exact_backends_find_the_tiny_optimum(tmp_path: Path, backend: str) -> None:
    result = solve(_tiny(tmp_path / "s", 0.5), SolveParams(backend=backend, **EXACT))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)


def test_cpsat_solves_a_restriction_and_claims_no_bound(tmp_path: Path) -> None:
    # CP-SAT puts the demand split on a grid of 1/1000: here the optimum's
    # split is on the grid, so it finds the same cost, reported "feasible".
    result = solve(_tiny(tmp_path / "s", 0.5), SolveParams(backend="cpsat", **EXACT))
    assert result.status == "feasible"
    assert result.objective == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)


def test_v1_model_is_untouched_by_the_capacity_code() -> None:
    from conftest import TINY

    from btsopt.model import build_model
    from btsopt.radio import compute_coverage

    data = read_scenario(TINY)
    model = build_model(data, compute_coverage(data))
    assert model.capacity is None and model.plain_coverage


# --------------------------------------------------------------------------- enumeration

MAX_PAIRS = 6  # 2^6 plans x up to 2^6 carrier choices


def _with_demand(data: ProblemData, draw: st.DrawFn) -> ProblemData:
    num_ops = data.num_operators
    max_carriers = np.array([draw(st.integers(1, 2)) for _ in range(num_ops)])
    today = np.where(data.tenancies, [[draw(st.integers(1, 2)) for _ in range(num_ops)]
                                      for _ in range(data.num_sites)], 0)
    demand = Demand(
        subscriptions_per_100=85.0,
        busy_hour_mbps=draw(st.sampled_from([0.05, 0.1, 0.2, 0.4])),
        user_mbps=70.0,
        keep_service=draw(st.booleans()),
        subscriptions=data.hamlets.population * 0.85,
        market_share=np.full(num_ops, 1.0 / num_ops),
        sectors=np.full(num_ops, 3),
        carrier_mhz=np.full(num_ops, 20.0),
        spectral_efficiency=np.full(num_ops, 1.5),
        peak_mbps=np.full(num_ops, 150.0),
        max_carriers=max_carriers,
        carrier_capex=np.full(num_ops, 150.0),
        carrier_opex_per_year=np.full(num_ops, 15.0),
        carriers_today=np.minimum(today, max_carriers[None, :]),
    )
    return replace(data, demand=demand)


def _enumerate_with_carriers(data: ProblemData):
    best = None
    shape = (data.num_sites, data.num_operators)
    max_carriers = data.demand.max_carriers
    for bits in itertools.product([False, True], repeat=shape[0] * shape[1]):
        x = np.array(bits, dtype=bool).reshape(shape)
        plain = evaluate(data, Plan(x, x.astype(int)))
        if any(not _soft_violation(v, data) and "Mb/s" not in v for v in plain.violations):
            continue  # broken whatever the carriers
        pairs = list(zip(*np.nonzero(x), strict=True))
        for counts in itertools.product(*[range(1, max_carriers[k] + 1) for _, k in pairs]):
            carriers = np.zeros(shape, dtype=int)
            for (j, k), n in zip(pairs, counts, strict=True):
                carriers[j, k] = n
            plan = Plan(x, carriers)
            ev = evaluate(data, plan)
            if any(not _soft_violation(v, data) for v in ev.violations):
                continue
            key = _lexicographic_key(data, ev)
            if best is None or key < best[0]:
                best = (key, plan)
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_capacitated_solver_matches_exhaustive_enumeration(draw_data) -> None:
    base = _random_scenario(draw_data.draw)
    if base.num_sites * base.num_operators > MAX_PAIRS:
        keep = MAX_PAIRS // base.num_operators
        base = _first_sites(base, keep)
    data = _with_demand(base, draw_data.draw)
    best = _enumerate_with_carriers(data)
    result = solve(data, SolveParams(**EXACT))
    if best is None:
        assert result.status == "infeasible", (_explain(data), result.plan.rows(data))
        return
    assert result.status == "optimal", (result.message, _explain(data))
    key = _lexicographic_key(data, result.evaluation)
    explain = (_explain(data), result.plan.rows(data), best[1].rows(data),
               best[1].carriers.tolist(), result.plan.carriers.tolist(), result.levels)
    assert key[0] == pytest.approx(best[0][0], abs=1e-6), explain
    assert key[1] == pytest.approx(best[0][1], abs=1e-6), explain
    assert key[2] == pytest.approx(best[0][2], rel=1e-7, abs=1e-6), explain
    assert result.lower_bound <= result.objective + 1e-6


def _first_sites(data: ProblemData, count: int) -> ProblemData:
    """The scenario with only its first ``count`` sites."""
    s = data.sites
    sites = replace(
        s, ids=s.ids[:count], lon=s.lon[:count], lat=s.lat[:count], existing=s.existing[:count],
        height_m=s.height_m[:count], owner=s.owner[:count], max_tenants=s.max_tenants[:count],
        capex=s.capex[:count], opex_per_year=s.opex_per_year[:count],
        rent_per_year=s.rent_per_year[:count], allowed=s.allowed[:count],
        locked=s.locked[:count],
    )
    return replace(data, sites=sites, tenancies=data.tenancies[:count])


def test_start_heuristic_carries_the_demand(tmp_path: Path) -> None:
    # From the v1 plan (5826.0488) every tenancy goes to 3 carriers, nothing is
    # unplaced, and carriers come back down to ceil(carried / 48): beta on E2
    # carries 50 (2 carriers), alpha on C2 50 (2), alpha on E1 + E2 75 split
    # with at most 48 on each (1 each). That is the optimum found by hand.
    from btsopt.model import build_model
    from btsopt.radio import compute_coverage
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start

    data = _tiny(tmp_path / "s", 0.5)
    coverage = compute_coverage(data)
    found = capacity_start(data, coverage, build_model(data, coverage),
                           BackendParams(time_limit=10))
    # The bound is the optimum without [demand].
    assert found.bound == pytest.approx(5826.0488, abs=1e-3)
    plan = found.plan
    assert plan is not None
    evaluation = evaluate(data, plan)
    assert evaluation.admissible
    assert evaluation.system_cost == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)



@pytest.mark.parametrize("exact", [True, False])
def test_start_carriers_exact_and_trimmed_agree_on_the_tiny_optimum(tmp_path: Path,
                                                                     exact: bool) -> None:
    # Both ways of setting carriers (one MILP per operator, or the flow's loads
    # rounded up and trimmed) reach the hand-worked optimum: 2 carriers paid.
    from btsopt.model import build_model
    from btsopt.radio import compute_coverage
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start, optimal_carriers
    from btsopt.solvers.core import CoreSettings

    data = _tiny(tmp_path / "s", 0.5)
    coverage = compute_coverage(data)
    model = build_model(data, coverage)
    core = CoreSettings.from_dict({"capacity": {"exact_carriers": exact}})
    found = capacity_start(data, coverage, model, BackendParams(time_limit=10), core)
    assert found.plan is not None
    assert evaluate(data, found.plan).system_cost == pytest.approx(5826.0488 + 2 * CARRIER,
                                                                   abs=1e-3)
    # With every tenancy at one carrier the demand does not fit; the MILP
    # puts back exactly the carriers the plan needs.
    carriers = optimal_carriers(data, model, found.plan.tenancies, seconds=10)
    assert carriers is not None
    assert np.array_equal(carriers, found.plan.carriers) or exact is False
    paid = np.maximum(carriers - np.maximum(data.demand.carriers_today, 1), 0)
    assert int(paid[found.plan.tenancies].sum()) == 2


def test_keep_pairs_rows_make_the_operator_cover_the_pair(tmp_path: Path) -> None:
    # The scenario without [demand] with one kept pair that no fixed tenancy
    # covers: beta at H4 (only C1 and C2 reach H4). Its covering row forces a
    # beta tenancy there; pairs already covered by fixed tenancies add no row.
    from dataclasses import replace

    from btsopt.model import build_model
    from btsopt.radio import compute_coverage
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.highs import solve_highs

    data = replace(_tiny(tmp_path / "s", 0.5), demand=None)
    coverage = compute_coverage(data)
    plain = build_model(data, coverage, aggregate=False)
    covered_today = np.zeros((data.num_hamlets, data.num_operators), dtype=bool)
    covered_today[[0, 1], 0] = True          # alpha's kept tenancy on E1 reaches H1, H2
    same = build_model(data, coverage, aggregate=False, keep_pairs=covered_today)
    assert same.linear.num_rows == plain.linear.num_rows
    keep = covered_today.copy()
    keep[3, 1] = True                         # beta must cover H4
    forced = build_model(data, coverage, aggregate=False, keep_pairs=keep)
    assert forced.linear.num_rows == plain.linear.num_rows + 1
    result = solve_highs(forced.linear, BackendParams(time_limit=30, gap=0.0))
    plan = forced.plan(result.values)
    sites = list(data.sites.ids)
    assert plan.tenancies[[sites.index("C1"), sites.index("C2")], 1].any()
    assert result.objective > 5826.0488 + 1.0


# --------------------------------------------------------------------------- --start

def _start(tmp_path: Path, capsys, rows: str) -> tuple[list[str], dict, ProblemData]:
    """``btsopt solve --start`` on the tiny scenario at D = 25 Mb/s from ``rows``."""
    import json

    from btsopt.cli import main

    scenario = tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.5",
                                subscriptions=["100"] * 5)
    start = tmp_path / "start.csv"
    start.write_text(rows, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(scenario), "--out", str(out), "--quiet", "--gap", "0",
                 "--start", str(start)]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines()
             if line.startswith("start plan:")]
    return lines, json.loads((out / "summary.json").read_text("utf-8")), read_scenario(scenario)


def test_start_from_the_optimum_keeps_its_carriers_and_cost(tmp_path: Path, capsys) -> None:
    lines, summary, _ = _start(tmp_path, capsys, (
        "site_id,operator_id,action,carriers\nE1,alpha,keep,1\nE2,alpha,colocate,1\n"
        "E2,beta,keep,2\nC2,alpha,build,2\n"))
    assert lines == ["start plan: keeps every rule, used as it is"]
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)


def test_start_without_carriers_is_repaired_to_an_accepted_plan(tmp_path: Path,
                                                                capsys) -> None:
    # The optimum's tenancies without the carriers column: one carrier each, so
    # beta on E2 and alpha on C2 (50 Mb/s into 48 each) get a second one.
    lines, summary, data = _start(tmp_path, capsys, (
        "site_id,operator_id,action\nE1,alpha,keep\nE2,alpha,colocate\nE2,beta,keep\n"
        "C2,alpha,build\n"))
    assert lines == ["start plan: added carriers where the demand did not fit: 2 "
                     "(E2:beta, C2:alpha)"]
    assert summary["objective"] == pytest.approx(5826.0488 + 2 * CARRIER, abs=1e-3)
    plan = read_plan_csv(tmp_path / "out" / "plan.csv", data)
    assert evaluate(data, plan).admissible
    assert plan.carriers.tolist() == [[1, 0], [1, 2], [0, 0], [2, 0]]


def test_start_reports_bounds_but_no_plan_of_the_model_without_demand(tmp_path: Path) -> None:
    # The cover solve's plans have the columns of the scenario without
    # [demand]: a checkpoint reading them as capacitated plans failed (an
    # index past the end). Only its bound, valid here too, reaches the progress.
    from btsopt.model import build_model
    from btsopt.progress import Progress
    from btsopt.radio import compute_coverage
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start

    data = _tiny(tmp_path / "s", 0.5)
    coverage = compute_coverage(data)
    progress = Progress(keep_incumbent=True)
    found = capacity_start(data, coverage, build_model(data, coverage),
                           BackendParams(time_limit=10, progress=progress))
    assert found.plan is not None
    assert progress.incumbent is None and progress.best_objective == float("inf")
    assert found.bound == pytest.approx(5826.0488, abs=1e-3)
    assert 0 < progress.best_bound <= found.bound + 1e-9


def test_start_skips_the_priced_plans_once_the_cover_time_is_spent(tmp_path: Path) -> None:
    # With no cover time the bound's solve overruns it at once (it always
    # makes its first plan): no priced plan follows, so demand prices and
    # overload credits change nothing, and the start still carries the demand.
    from btsopt.model import build_model
    from btsopt.radio import compute_coverage
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start
    from btsopt.solvers.core import CoreSettings

    data = _tiny(tmp_path / "s", 0.5)
    coverage = compute_coverage(data)
    model = build_model(data, coverage)
    plans = []
    for price, credit in [(2.0, 1.0), (0.0, 0.0), (50.0, 5.0)]:
        core = CoreSettings.from_dict({"capacity": {
            "max_cover_seconds": 0.0, "new_demand_price": price, "overload_credit": credit}})
        found = capacity_start(data, coverage, model, BackendParams(time_limit=10), core)
        assert found.plan is not None and evaluate(data, found.plan).admissible
        plans.append(found.plan.tenancies)
    assert all(np.array_equal(plans[0], other) for other in plans[1:])


# --------------------------------------------------------------------------- a plan always

@pytest.fixture(scope="module")
def s_demand(tmp_path_factory):
    """The S family with [demand] (seed 4): (variant -> (data, coverage, model))."""
    from btsopt.generate import generate_family
    from btsopt.model import build_model
    from btsopt.radio import compute_coverage

    made = {}
    for variant in ("consolidation", "brownfield"):
        folder = tmp_path_factory.mktemp(f"s-{variant}-demand")
        data = read_scenario(generate_family("S", variant, folder, seed=4, demand=True))
        coverage = compute_coverage(data)
        made[variant] = (data, coverage, build_model(data, coverage))
    return made


def _start_now(data, coverage, model, time_limit: float, progress=None):
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start

    return capacity_start(data, coverage, model,
                          BackendParams(time_limit=time_limit, seed=3, progress=progress))


@pytest.mark.parametrize("variant", ["consolidation", "brownfield"])
def test_start_past_its_deadline_still_carries_the_demand(s_demand, variant: str) -> None:
    # A time limit spent before the start begins: the cover solve makes its
    # first plan only, the repair adds tenancies until every operator's demand
    # fits (on S-consolidation a fifth more tenancies), the carriers come from max
    # flows, and on brownfield co-tenants bring back the shared-site ratio the
    # new sites took below 30%. The evaluator accepts the plan, and the same
    # seed gives the same plan (the clock is out of the picture at once).
    data, coverage, model = s_demand[variant]
    found = _start_now(data, coverage, model, 1e-6)
    assert found.plan is not None
    evaluation = evaluate(data, found.plan)
    assert evaluation.admissible, evaluation.violations
    assert evaluation.shared_site_ratio >= 0.3 - 1e-9
    again = _start_now(data, coverage, model, 1e-6)
    assert again.plan is not None
    assert np.array_equal(found.plan.tenancies, again.plan.tenancies)
    assert np.array_equal(found.plan.carriers, again.plan.carriers)


def test_start_after_ctrl_c_still_carries_the_demand(s_demand) -> None:
    # Ctrl-C before the start: the same, with all the time in the world.
    from btsopt.progress import Progress

    data, coverage, model = s_demand["consolidation"]
    progress = Progress()
    progress.request_stop()
    found = _start_now(data, coverage, model, 600.0, progress)
    assert found.plan is not None
    assert evaluate(data, found.plan).admissible


def test_start_without_rounds_or_depth_still_carries_the_demand(s_demand) -> None:
    # No rounds at the relief depth and no depth: the rounds look as far out
    # along the flow as they must, and end with the demand carried.
    from btsopt.solvers.base import BackendParams
    from btsopt.solvers.capacity_start import capacity_start
    from btsopt.solvers.core import CoreSettings

    data, coverage, model = s_demand["consolidation"]
    core = CoreSettings.from_dict({"capacity": {"max_rounds": 0, "relief_depth": 0}})
    found = capacity_start(data, coverage, model, BackendParams(time_limit=1e-6), core)
    assert found.plan is not None
    assert evaluate(data, found.plan).admissible
