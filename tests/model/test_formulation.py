"""build_model on tiny scenarios whose columns, rows and optima are known by hand."""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from conftest import TINY
from scipy import optimize

from btsopt import Plan, evaluate, read_scenario
from btsopt.data import (
    LOCK_IN,
    LOCK_NONE,
    LOCK_OUT,
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.model import SitingModel, build_model, sharing_fraction
from btsopt.model.linear import LinearModel
from btsopt.radio import compute_coverage
from btsopt.solvers.base import INFEASIBLE, OPTIMAL, BackendParams
from btsopt.solvers.highs import solve_highs

INF = math.inf
KM = 1.0 / 111.19508  # degrees of longitude per km on the equator
A = Economics().annuity_factor  # 6.7100814 (10 years at 8%)
SITE_OPEX = 120.0 * A
TENANCY_OPEX = 60.0 * A
TINY_OPTIMUM = 5826.0488393649  # tests/test_solve.py works it out by hand


def make_data(
    hamlet_km: list[float],
    site_km: list[float],
    *,
    num_ops: int = 2,
    radius: float = 2.0,
    existing: list[bool] | None = None,
    tenancies: list[list[int]] | None = None,
    capex: float | list[float] = 1500.0,
    caps: list[int] | None = None,
    allowed: list[list[int]] | None = None,
    locked: list[int] | None = None,
    min_ops: list[int] | None = None,
    targets: Targets | None = None,
    policy: Policy | None = None,
    forced: np.ndarray | None = None,
    forbidden: np.ndarray | None = None,
) -> ProblemData:
    """Hamlets and sites on the equator at the given km; fixed radius, all rural.

    Operator k's tenancy capex is 400 + 50 k; every operator reaches ``radius`` km;
    ``capex`` (one value or one per site) applies to candidate sites.
    """
    num_h, num_s = len(hamlet_km), len(site_km)
    targets = targets or Targets(shared_site_ratio=0.0)
    existing_arr = np.array(existing if existing is not None else [False] * num_s)
    ten = np.zeros((num_s, num_ops), dtype=bool) if tenancies is None else np.array(
        tenancies, dtype=bool)
    need = {"any": 1, "each": num_ops}.get(targets.coverage, targets.coverage)
    operators = tuple(
        Operator(
            id=f"op{k}", name=f"Op {k}", frequency_mhz=0.0, max_path_loss_db=INF,
            radius_km=dict.fromkeys(("dense_urban", "urban", "suburban", "rural"), radius),
            tenancy_capex=400.0 + 50.0 * k, tenancy_opex_per_year=60.0,
        )
        for k in range(num_ops)
    )
    hamlets = Hamlets(
        ids=tuple(f"h{i}" for i in range(num_h)), lon=106.0 + np.array(hamlet_km) * KM,
        lat=np.zeros(num_h), population=100.0 * (1 + np.arange(num_h)),
        area_type=np.full(num_h, 3, dtype=np.int8),
        min_operators=np.array(min_ops if min_ops is not None else [need] * num_h,
                               dtype=np.int16),
        name=("",) * num_h, commune=("",) * num_h, district=("",) * num_h,
    )
    sites = Sites(
        ids=tuple(f"s{j}" for j in range(num_s)), lon=106.0 + np.array(site_km) * KM,
        lat=np.zeros(num_s), existing=existing_arr, height_m=np.full(num_s, 30.0),
        owner=("",) * num_s,
        max_tenants=np.array(caps if caps is not None else [3] * num_s, dtype=np.int32),
        capex=np.where(existing_arr, 0.0, capex), opex_per_year=np.full(num_s, 120.0),
        rent_per_year=np.full(num_s, 90.0),
        allowed=np.ones((num_s, num_ops), dtype=bool) if allowed is None else np.array(
            allowed, dtype=bool),
        locked=np.array(locked if locked is not None else [LOCK_NONE] * num_s, dtype=np.int8),
    )
    return ProblemData(
        name="t", description="", currency="VND_million", targets=targets,
        economics=Economics(), policy=policy or Policy(), radio=Radio(model="fixed-radius"),
        operators=operators, hamlets=hamlets, sites=sites, tenancies=ten,
        forced_tenancies=forced, forbidden_tenancies=forbidden,
    )


def model_of(data: ProblemData, aggregate: bool = False) -> SitingModel:
    """build_model with the data's own coverage."""
    return build_model(data, compute_coverage(data), aggregate=aggregate)


def highs(linear: LinearModel):
    """Solve a LinearModel to proven optimality with HiGHS."""
    return solve_highs(linear, BackendParams(time_limit=20.0, gap=0.0, workers=1))


def three_hamlets() -> ProblemData:
    """h0 at 0 km, h1 at 5, h2 at 8; candidates s0 at 1, s1 at 4, s2 at 6.5; radius 2.

    h0 <- s0 (1 km); h1 <- s1 (1 km), s2 (1.5 km); h2 <- s2 (1.5 km). Far pairs are
    at least 3 km apart.
    """
    return make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5])


# --------------------------------------------------------------------------- counts


def test_tiny_columns_and_rows_without_aggregation() -> None:
    """tiny: 4 sites x 2 operators, all pairs allowed, caps 3, ratio 3/10.

    Columns: 8 x + 4 y + 4 s = 16. Rows: 8 (x <= y) + 4 (y <= sum x) + 4 (sum x <= 3y)
    + 4 (y + s <= sum x) + 4 (s <= y) = 24; coverage: H1-H3 are already met by the
    fixed E1/alpha and E2/beta, so only H4 and H5 get a row (2), likewise 2
    site-cover rows, then the sharing row: 29.
    """
    data = read_scenario(TINY)
    model = model_of(data)
    assert (model.linear.num_cols, model.linear.num_rows) == (16, 29)
    assert model.x_index.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert model.y_index.tolist() == [8, 9, 10, 11]
    assert model.s_index.tolist() == [12, 13, 14, 15]
    assert model.covered_index.tolist() == [-1] * 5
    assert model.coverage_rows == slice(24, 26)
    assert model.site_cover_rows == slice(26, 28)
    assert model.sharing_row == 28 and model.budget_row == -1
    assert model.token_groups == () and model.plain_coverage
    assert model.ratio == Fraction(3, 10)
    assert model.unreachable.size == 0
    assert [level.name for level in model.levels] == ["cost"]
    # H4, H5 are reached only from C1 and C2 (x columns 4-7).
    dense = model.linear.matrix.toarray()
    for row in range(24, 26):
        assert np.flatnonzero(dense[row]).tolist() == [4, 5, 6, 7]
    for row in range(26, 28):
        assert np.flatnonzero(dense[row]).tolist() == [10, 11]  # y of C1, C2


def test_tiny_columns_with_aggregation() -> None:
    """With tokens: the second tenant of E1 (beta, 450 + opex) and of E2 (alpha, 400 +
    opex) become two share-existing groups; those two x and two s columns go, two
    token columns come: 6 x + 4 y + 2 s + 2 tokens = 14. Rows: 6 + 4 + 4 + 2 + 2 +
    2 coverage + 2 site-cover + 1 sharing = 23."""
    data = read_scenario(TINY)
    model = model_of(data, aggregate=True)
    assert (model.linear.num_cols, model.linear.num_rows) == (14, 23)
    assert model.x_index.tolist() == [[0, -1], [-1, 1], [2, 3], [4, 5]]
    assert model.s_index.tolist() == [-1, -1, 10, 11]
    assert [(g.kind, g.sites.tolist(), g.operators) for g in model.token_groups] == [
        ("share-existing", [1], ((0,),)), ("share-existing", [0], ((1,),)),
    ]
    assert [g.cost for g in model.token_groups] == pytest.approx(
        [400 + TENANCY_OPEX, 450 + TENANCY_OPEX])
    assert model.token_index.tolist() == [12, 13]
    # A token on an active site adds a shared site only: coefficient q = 10.
    sharing = model.linear.matrix.toarray()[model.sharing_row]
    assert sharing[[12, 13]].tolist() == [10, 10]
    # Token -> the group's first site gets the operators.
    values = np.zeros(model.linear.num_cols)
    values[12] = 1
    assert np.flatnonzero(model.plan(values).tenancies.ravel()).tolist() == [1 * 2 + 0]


def test_three_hamlets_coverage_and_site_cover_rows() -> None:
    """Coverage rows are sum of x over covering pairs >= 1; site-cover rows the same
    over y; 6 x + 3 y + 3 s = 12 columns, 6 + 3 + 3 + 3 + 3 + 3 + 3 = 24 rows."""
    data = three_hamlets()
    model = model_of(data)
    linear = model.linear
    assert (linear.num_cols, linear.num_rows) == (12, 24)
    assert model.sharing_row == -1  # no sharing target, no row
    dense = linear.matrix.toarray()
    x, y = model.x_index, model.y_index
    expected_sites = [[0], [1, 2], [2]]
    cov = range(linear.num_rows)[model.coverage_rows]
    site_cover = range(linear.num_rows)[model.site_cover_rows]
    assert len(cov) == 3 and len(site_cover) == 3
    for i, row in enumerate(cov):
        support = sorted(x[j, k] for j in expected_sites[i] for k in range(2))
        assert np.flatnonzero(dense[row]).tolist() == support
        assert set(dense[row][support]) == {1.0}
        assert (linear.row_lb[row], linear.row_ub[row]) == (1.0, INF)
    for i, row in enumerate(site_cover):
        support = sorted(y[j] for j in expected_sites[i])
        assert np.flatnonzero(dense[row]).tolist() == support
        assert set(dense[row][support]) == {1.0}
        assert (linear.row_lb[row], linear.row_ub[row]) == (1.0, INF)


def test_column_maps_are_a_partition() -> None:
    """x, y and s columns are distinct and fill the column range (no c, z, w here)."""
    model = model_of(three_hamlets())
    cols = np.r_[model.x_index.ravel(), model.y_index, model.s_index]
    assert sorted(cols.tolist()) == list(range(model.linear.num_cols))


# --------------------------------------------------------------------------- model vs evaluator


def _plans(data: ProblemData):
    """Every plan over the scenario's (site, operator) pairs."""
    for bits in itertools.product([False, True], repeat=data.num_sites * data.num_operators):
        yield Plan(np.array(bits).reshape(data.num_sites, data.num_operators))


SCENARIOS = {
    "three-hamlets": three_hamlets,
    "shared-0.5": lambda: make_data(
        [0.0, 5.0, 8.0], [1.0, 4.0, 6.5], targets=Targets(shared_site_ratio=0.5)),
    "brownfield": lambda: make_data(
        [0.0, 3.0, 6.0], [0.5, 3.5, 6.0], existing=[True, True, False],
        tenancies=[[1, 0], [0, 1], [0, 0]], targets=Targets(shared_site_ratio=0.3)),
    "decommission": lambda: make_data(
        [0.0, 3.0, 6.0], [0.5, 3.5, 6.0], existing=[True, True, False],
        tenancies=[[1, 1], [0, 1], [0, 0]], targets=Targets(shared_site_ratio=0.3),
        policy=Policy(allow_decommission=True)),
    "relocation": lambda: make_data(
        [0.0, 3.0, 6.0], [0.5, 3.5, 6.0], existing=[True, True, False],
        tenancies=[[1, 0], [0, 1], [0, 0]], targets=Targets(shared_site_ratio=0.3),
        policy=Policy(allow_decommission=True, allow_relocation=True)),
    "each-cap-1": lambda: make_data(
        [0.0, 2.0], [1.0, 1.5, 3.0], caps=[1, 2, 3], targets=Targets(
            coverage="each", shared_site_ratio=0.0)),
    "2-of-3": lambda: make_data(
        [0.0, 2.0], [1.0, 2.5], num_ops=3, targets=Targets(coverage=2, shared_site_ratio=0.0)),
    "partial-budget": lambda: make_data(
        [0.0, 5.0, 8.0], [1.0, 4.0, 6.5], targets=Targets(
            hamlet_coverage=0.6, shared_site_ratio=0.0, budget=3500.0)),
}


def _completions(model: SitingModel, plan: Plan):
    """The plan's vector with every 0/1 choice of the auxiliary (c, z) columns."""
    values = model.solution(plan)
    structural = np.zeros(model.linear.num_cols, dtype=bool)
    for index in (model.x_index.ravel(), model.y_index, model.s_index):
        structural[index[index >= 0]] = True
    aux = np.flatnonzero(~structural)
    assert np.all(model.linear.col_ub[aux] == 1)  # no shortfall column in these scenarios
    for bits in itertools.product([0.0, 1.0], repeat=aux.size):
        full = values.copy()
        full[aux] = bits
        yield full


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_model_agrees_with_the_evaluator_on_every_plan(name: str) -> None:
    """For every plan: some completion of its vector (x, y, s from the plan, any
    c / z) is feasible exactly when the evaluator finds no violation, and the cost
    is the evaluator's system cost (no aggregation)."""
    data = SCENARIOS[name]()
    model = model_of(data)
    linear = model.linear
    feasible = 0
    for plan in _plans(data):
        values = model.solution(plan)
        assert model.plan(values) == plan
        assert linear.value(values) == pytest.approx(evaluate(data, plan).system_cost, abs=1e-6)
        ok = not evaluate(data, plan).violations
        witness = next((v for v in _completions(model, plan) if linear.max_violation(v) <= 1e-9),
                       None)
        assert (witness is not None) == ok, plan.tenancies.astype(int)
        if ok:
            # In particular the valid inequalities hold for every feasible plan.
            rows = linear.matrix[model.site_cover_rows] @ witness
            assert np.all(rows >= linear.row_lb[model.site_cover_rows] - 1e-9)
        feasible += ok
    assert feasible > 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_solution_of_a_feasible_plan_is_feasible(name: str) -> None:
    """solution(plan) (the warm-start vector) is feasible for every plan the
    evaluator accepts, with c as the plan's outcome."""
    data = SCENARIOS[name]()
    model = model_of(data)
    for plan in _plans(data):
        evaluation = evaluate(data, plan)
        if evaluation.violations:
            continue
        values = model.solution(plan)
        has_c = model.covered_index >= 0
        assert values[model.covered_index[has_c]].tolist() == (
            evaluation.hamlet_covered[has_c].astype(float).tolist())
        assert model.linear.max_violation(values) <= 1e-9, plan.tenancies.astype(int)


def test_soft_targets_levels_on_every_plan() -> None:
    """Soft coverage and soft sharing: every plan's vector is feasible, the coverage
    level is minus the covered population, the sharing level the shortfall in
    1/q sites (ratio 1/2: w = Y - 2 S when positive)."""
    data = make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5], targets=Targets(
        shared_site_ratio=0.5, sharing="soft", coverage_mode="soft"))
    model = model_of(data)
    coverage, sharing, cost = model.levels
    assert (coverage.name, sharing.name, cost.name) == ("coverage", "sharing", "cost")
    for plan in _plans(data):
        values = model.solution(plan)
        evaluation = evaluate(data, plan)
        assert model.linear.max_violation(values) <= 1e-9
        assert -(coverage.objective @ values) == pytest.approx(evaluation.covered_population)
        shortfall = max(0, evaluation.active_sites - 2 * evaluation.shared_sites)
        assert sharing.objective @ values == pytest.approx(shortfall)
        assert cost.objective @ values + cost.offset == pytest.approx(evaluation.system_cost)


def test_model_optimum_matches_enumeration() -> None:
    """On a brownfield scenario with sharing: HiGHS on the model (with and without
    aggregation) finds the cheapest plan the evaluator accepts."""
    data = SCENARIOS["brownfield"]()
    best = min(evaluate(data, plan).system_cost for plan in _plans(data)
               if not evaluate(data, plan).violations)
    for aggregate in (False, True):
        outcome = highs(model_of(data, aggregate).linear)
        assert outcome.status == OPTIMAL
        assert outcome.objective == pytest.approx(best, abs=1e-6)


# --------------------------------------------------------------------------- site cover


def _lp_bound(linear: LinearModel) -> float:
    """Optimum of the LP relaxation (scipy's HiGHS, all columns continuous)."""
    result = optimize.milp(
        linear.objective,
        constraints=optimize.LinearConstraint(linear.matrix, linear.row_lb, linear.row_ub),
        bounds=optimize.Bounds(linear.col_lb, linear.col_ub),
        integrality=np.zeros(linear.num_cols),
    )
    assert result.success
    return float(result.fun + linear.offset)


def _without_rows(linear: LinearModel, drop: slice) -> LinearModel:
    keep = np.ones(linear.num_rows, dtype=bool)
    keep[drop] = False
    return dataclasses.replace(
        linear, matrix=linear.matrix[keep], row_lb=linear.row_lb[keep], row_ub=linear.row_ub[keep])


def test_site_cover_rows_cut_off_the_half_built_site() -> None:
    """One hamlet, one candidate site, two operators: x0 = x1 = y = 1/2 meets every
    plain row (coverage 1/2 + 1/2 >= 1, x <= y, y <= x0 + x1 <= 3y) but not
    y >= 1. The LP bound rises from half the cost to the integer optimum
    1500 + site opex + 400 + tenancy opex."""
    data = make_data([0.0], [0.5])
    model = model_of(data)
    linear = model.linear
    assert model.site_cover_rows.stop - model.site_cover_rows.start == 1
    plain = _without_rows(linear, model.site_cover_rows)
    point = np.zeros(linear.num_cols)
    point[model.x_index[0]] = 0.5
    point[model.y_index[0]] = 0.5
    assert plain.max_violation(point) == 0.0
    assert linear.max_violation(point) == pytest.approx(0.5)

    optimum = 1500 + SITE_OPEX + 400 + TENANCY_OPEX
    assert highs(linear).objective == pytest.approx(optimum)
    assert _lp_bound(linear) == pytest.approx(optimum)
    half = 0.5 * (1500 + SITE_OPEX) + 0.5 * (400 + TENANCY_OPEX) + 0.5 * (450 + TENANCY_OPEX)
    assert _lp_bound(plain) == pytest.approx(half)


def test_no_site_cover_row_for_a_hamlet_met_by_fixed_tenancies() -> None:
    """h0 is covered by a kept tenancy: neither a coverage nor a site-cover row."""
    data = make_data([0.0, 6.0], [0.5, 6.5], existing=[True, False],
                     tenancies=[[1, 0], [0, 0]])
    model = model_of(data)
    for rows in (model.coverage_rows, model.site_cover_rows):
        assert rows.stop - rows.start == 1
    dense = model.linear.matrix.toarray()
    assert np.flatnonzero(dense[model.site_cover_rows.start]).tolist() == [model.y_index[1]]


# --------------------------------------------------------------------------- sharing and budget


def test_sharing_fraction() -> None:
    """Floats become the small fraction they stand for."""
    assert sharing_fraction(0.3) == Fraction(3, 10)
    assert sharing_fraction(1 / 3) == Fraction(1, 3)
    assert sharing_fraction(0.25) == Fraction(1, 4)
    assert sharing_fraction(0.0) == 0


@pytest.mark.parametrize(("ratio", "p", "q"), [(0.3, 3, 10), (0.25, 1, 4), (2 / 3, 2, 3)])
def test_sharing_row_coefficients(ratio: float, p: int, q: int) -> None:
    """q * sum s - p * sum y >= 0, over every s and y column."""
    data = make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5],
                     targets=Targets(shared_site_ratio=ratio))
    model = model_of(data)
    row = model.linear.matrix.toarray()[model.sharing_row]
    assert model.ratio == Fraction(p, q)
    assert row[model.s_index].tolist() == [q] * 3
    assert row[model.y_index].tolist() == [-p] * 3
    assert np.count_nonzero(row) == 6
    assert (model.linear.row_lb[model.sharing_row], model.linear.row_ub[model.sharing_row]) == (
        0.0, INF)


def test_soft_sharing_has_a_shortfall_column() -> None:
    """Soft sharing: w (unbounded, coefficient 1) in the sharing row, its own level."""
    data = make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5],
                     targets=Targets(shared_site_ratio=0.3, sharing="soft"))
    model = model_of(data)
    w = model.linear.num_cols - 1  # no tokens without aggregation: w is last
    assert model.linear.col_ub[w] == INF
    assert model.linear.matrix.toarray()[model.sharing_row, w] == 1.0
    assert [level.name for level in model.levels] == ["sharing", "cost"]
    assert np.flatnonzero(model.levels[0].objective).tolist() == [w]
    assert not model.plain_coverage


def test_budget_row() -> None:
    """The budget row is the cost vector, capped at budget minus the constant."""
    data = read_scenario(TINY)
    tight = dataclasses.replace(data, targets=dataclasses.replace(data.targets, budget=5827.0))
    model = model_of(tight)
    linear = model.linear
    assert model.budget_row == linear.num_rows - 1
    row = linear.matrix.toarray()[model.budget_row]
    assert row == pytest.approx(linear.objective)
    assert linear.row_lb[model.budget_row] == -INF
    assert linear.row_ub[model.budget_row] == pytest.approx(5827.0 - linear.offset)
    assert linear.offset == pytest.approx(400.0)  # decommission constants: 2 tenancies + 2 sites
    assert highs(linear).objective == pytest.approx(TINY_OPTIMUM, abs=1e-4)

    too_tight = dataclasses.replace(data, targets=dataclasses.replace(data.targets, budget=5826.0))
    assert highs(model_of(too_tight).linear).status == INFEASIBLE
    assert model_of(data).budget_row == -1


# --------------------------------------------------------------------------- bounds


def _brownfield(policy: Policy, **kwargs) -> SitingModel:
    """s0 existing with op0 and op1, s1 existing with op1, s2 a candidate."""
    data = make_data([0.0, 3.0, 6.0], [0.5, 3.5, 6.0], existing=[True, True, False],
                     tenancies=[[1, 1], [0, 1], [0, 0]], policy=policy, **kwargs)
    return model_of(data)


def test_kept_tenancies_are_column_lower_bounds() -> None:
    """Default policy: existing tenancies and their sites are fixed at 1, nothing else."""
    model = _brownfield(Policy())
    lb = model.linear.col_lb
    x, y = model.x_index, model.y_index
    assert lb[x].tolist() == [[1, 1], [0, 1], [0, 0]]
    assert lb[y].tolist() == [1, 1, 0]


def test_decommission_frees_tenancies_and_ties_them_to_their_site() -> None:
    """allow_decommission: no fixed bounds; x[j,k] >= y[j] for the 3 existing pairs."""
    model = _brownfield(Policy(allow_decommission=True))
    linear = model.linear
    x, y = model.x_index, model.y_index
    assert linear.col_lb[x].sum() == 0 and linear.col_lb[y].sum() == 0
    dense = linear.matrix.toarray()
    ties = {(int(np.flatnonzero(dense[r] == 1)[0]), int(np.flatnonzero(dense[r] == -1)[0]))
            for r in range(linear.num_rows)
            if linear.row_lb[r] == 0 and linear.row_ub[r] == INF and np.count_nonzero(dense[r]) == 2
            and sorted(dense[r][dense[r] != 0]) == [-1, 1]}
    assert ties == {(x[0, 0], y[0]), (x[0, 1], y[0]), (x[1, 1], y[1])}


def test_relocation_frees_tenancies_but_keeps_sites() -> None:
    """allow_relocation without decommissioning: x free, the sites stay active."""
    model = _brownfield(Policy(allow_relocation=True))
    lb = model.linear.col_lb
    assert lb[model.x_index].sum() == 0
    assert lb[model.y_index].tolist() == [1, 1, 0]


def test_forced_forbidden_locked_and_allowed() -> None:
    """Forced: x and y lower bounds 1. Forbidden / not allowed: no column.
    Locked out: no column for the site at all. Locked in: y lower bound 1."""
    forced = np.zeros((4, 2), dtype=bool)
    forced[2, 1] = True
    forbidden = np.zeros((4, 2), dtype=bool)
    forbidden[0, 1] = True
    data = make_data(
        [0.0, 3.0], [0.5, 1.0, 2.5, 3.0], allowed=[[1, 1], [0, 1], [1, 1], [1, 1]],
        locked=[LOCK_NONE, LOCK_IN, LOCK_NONE, LOCK_OUT], forced=forced, forbidden=forbidden,
    )
    model = model_of(data)
    x, y, lb = model.x_index, model.y_index, model.linear.col_lb
    assert x[0, 1] == -1 and x[1, 0] == -1
    assert x[3].tolist() == [-1, -1] and y[3] == -1 and model.s_index[3] == -1
    assert lb[x[2, 1]] == 1 and lb[x[2, 0]] == 0
    assert lb[y[[0, 1, 2]]].tolist() == [0, 1, 1]
    assert lb[x[0, 0]] == 0 and lb[x[1, 1]] == 0
    # s0 and s1 have one usable operator: they cannot be shared, no s column.
    assert model.s_index.tolist()[:2] == [-1, -1] and model.s_index[2] >= 0


# --------------------------------------------------------------------------- coverage rules


def test_k_of_k_coverage_uses_z_columns() -> None:
    """2 of 3 operators: z[i,k] for each reachable (hamlet, operator), rows
    z[i,k] <= sum_j x[j,k] and sum_k z[i,k] >= 2; not plain coverage."""
    data = make_data([0.0, 2.0], [1.0, 2.5], num_ops=3,
                     targets=Targets(coverage=2, shared_site_ratio=0.0))
    model = model_of(data)
    assert not model.plain_coverage
    # 6 x + 2 y + 2 s = 10, then 2 hamlets x 3 operators of z.
    assert model.linear.num_cols == 16
    dense = model.linear.matrix.toarray()
    z_cols = list(range(10, 16))
    counting = [r for r in range(model.linear.num_rows)
                if set(np.flatnonzero(dense[r])) <= set(z_cols) and np.count_nonzero(dense[r]) == 3]
    assert len(counting) == 2
    assert all(model.linear.row_lb[r] == 2 for r in counting)
    # No site-cover rows (need 2 != 1).
    assert model.site_cover_rows.stop == model.site_cover_rows.start


@pytest.mark.parametrize(("coverage", "num_ops"), [("any", 2), ("each", 2), (3, 3), (1, 3)])
def test_plain_coverage_rules(coverage: str | int, num_ops: int) -> None:
    """'any', 'each' and 1-of-K or K-of-K need no auxiliary column."""
    data = make_data([0.0, 2.0], [1.0, 2.5], num_ops=num_ops,
                     targets=Targets(coverage=coverage, shared_site_ratio=0.0))
    model = model_of(data)
    assert model.plain_coverage
    assert model.linear.num_cols == 2 * num_ops + 2 + 2


def test_each_coverage_rows_per_operator() -> None:
    """'each' with 2 operators: one row per (hamlet, operator) over that operator's x."""
    data = make_data([0.0], [0.5, 1.0], targets=Targets(coverage="each", shared_site_ratio=0.0))
    model = model_of(data)
    dense = model.linear.matrix.toarray()
    rows = [np.flatnonzero(dense[r]).tolist()
            for r in range(model.linear.num_rows)[model.coverage_rows]]
    x = model.x_index
    assert sorted(rows) == sorted([[x[0, 0], x[1, 0]], [x[0, 1], x[1, 1]]])


def test_partial_coverage_counts_covered_hamlets() -> None:
    """hamlet_coverage 0.6 of 3: c columns per hamlet and sum c >= ceil(1.8) = 2."""
    data = make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5],
                     targets=Targets(hamlet_coverage=0.6, shared_site_ratio=0.0))
    model = model_of(data)
    c = model.covered_index
    assert (c >= 0).all() and not model.plain_coverage
    dense = model.linear.matrix.toarray()
    counting = [r for r in range(model.linear.num_rows)
                if np.flatnonzero(dense[r]).tolist() == sorted(c.tolist())]
    assert len(counting) == 1 and model.linear.row_lb[counting[0]] == 2


def test_soft_coverage_level_weights_population() -> None:
    """Soft coverage: first level is minus the population of covered hamlets."""
    data = make_data([0.0, 5.0, 8.0], [1.0, 4.0, 6.5],
                     targets=Targets(coverage_mode="soft", shared_site_ratio=0.0))
    model = model_of(data)
    assert [level.name for level in model.levels] == ["coverage", "cost"]
    level = model.levels[0].objective
    assert level[model.covered_index].tolist() == [-100.0, -200.0, -300.0]
    assert np.count_nonzero(level) == 3


def test_unreachable_hamlets_are_reported_without_rows() -> None:
    """h1 at 10 km from every site: unreachable, and no coverage row for it."""
    data = make_data([0.0, 20.0], [0.5, 10.0])
    model = model_of(data)
    assert model.unreachable.tolist() == [1]
    assert model.coverage_rows.stop - model.coverage_rows.start == 1
    # 'each' with op1 not allowed near h0: unreachable too.
    each = make_data([0.0], [0.5], allowed=[[1, 0]],
                     targets=Targets(coverage="each", shared_site_ratio=0.0))
    assert model_of(each).unreachable.tolist() == [0]
