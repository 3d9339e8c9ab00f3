"""Sharing tokens: which sites they replace, and that they leave the optimum unchanged."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt import Plan, SolveParams, evaluate, read_scenario, solve
from btsopt.data import LOCK_IN, LOCK_NONE, Policy, ProblemData, Targets
from btsopt.model import build_model
from btsopt.model.reduction import SHARE_EXISTING, SHARE_NEW, relevant_pairs
from btsopt.radio import compute_coverage
from btsopt.solvers.base import INFEASIBLE, OPTIMAL

from .test_formulation import SITE_OPEX, TENANCY_OPEX, highs, make_data, model_of

TINY_OPTIMUM = 5826.0488
OP0, OP1 = 400 + TENANCY_OPEX, 450 + TENANCY_OPEX  # NPV of a new tenancy per operator


def interchangeable(ratio: float = 0.5, locked: list[int] | None = None) -> ProblemData:
    """Four existing single-tenant sites, each the only cover of its hamlet
    (E0-E2 with op0, E3 with op1), an idle candidate C0 far from every hamlet
    (capex 800) and a candidate C1 that alone reaches h4 (capex 1500).

    hamlets (km): 0, 10, 20, 30, 100; sites: E0 0.5, E1 10.5, E2 20.5, E3 30.5,
    C0 60, C1 100.5; radius 2 km.
    """
    return make_data(
        [0.0, 10.0, 20.0, 30.0, 100.0], [0.5, 10.5, 20.5, 30.5, 60.0, 100.5],
        existing=[True, True, True, True, False, False],
        tenancies=[[1, 0], [1, 0], [1, 0], [0, 1], [0, 0], [0, 0]],
        capex=[0.0, 0.0, 0.0, 0.0, 800.0, 1500.0],
        targets=Targets(shared_site_ratio=ratio), locked=locked,
    )


# Ratio 1/2 with 5 active sites (E0-E3 and C1, needed for h4) needs 3 shared:
# the cheapest are op0 on E3, a second tenant (op1) on C1 and op1 on one of E0-E2.
# Sharing C0 instead (3260: 800 + opex + two tenancies) adds an active site too.
BY_HAND = (
    4 * SITE_OPEX + 4 * TENANCY_OPEX  # kept sites and tenancies
    + 1500 + SITE_OPEX + OP0  # C1 built by op0
    + OP0 + OP1 + OP1  # three shares
)


def test_token_groups_by_hand() -> None:
    """Three groups, cheapest first; the aggregated pairs and C0 leave the model."""
    model = model_of(interchangeable(), aggregate=True)
    groups = [(g.kind, g.cost, g.sites.tolist(), g.operators) for g in model.token_groups]
    assert [g[0] for g in groups] == [SHARE_EXISTING, SHARE_EXISTING, SHARE_NEW]
    assert [g[1] for g in groups] == pytest.approx([OP0, OP1, 800 + SITE_OPEX + OP0 + OP1])
    assert [g[2] for g in groups] == [[3], [0, 1, 2], [4]]
    assert [g[3] for g in groups] == [((0,),), ((1,),) * 3, ((0, 1),)]
    x = model.x_index
    assert x.tolist() == [[0, -1], [1, -1], [2, -1], [-1, 3], [-1, -1], [4, 5]]
    assert model.y_index[4] == -1 and model.s_index[4] == -1
    # Bounds: how many sites each group can share.
    assert model.linear.col_ub[model.token_index].tolist() == [1, 3, 1]
    # Sharing row: +q per share-existing token, q - p per share-new one (ratio 1/2).
    row = model.linear.matrix.toarray()[model.sharing_row]
    assert row[model.token_index].tolist() == [2, 2, 1]


def test_tokens_become_tenancies_in_order() -> None:
    """plan(): a count of n hands the group's first n sites their operators."""
    model = model_of(interchangeable(), aggregate=True)
    values = np.zeros(model.linear.num_cols)
    values[model.token_index] = [0, 2, 1]
    chosen = model.plan(values).tenancies
    assert np.argwhere(chosen).tolist() == [[0, 1], [1, 1], [4, 0], [4, 1]]


def _enumerate(data: ProblemData) -> float:
    """Cheapest plan the evaluator accepts (existing tenancies always kept)."""
    free = np.argwhere(~data.tenancies)
    best = math.inf
    for bits in itertools.product([False, True], repeat=len(free)):
        chosen = data.tenancies.copy()
        chosen[tuple(free.T)] = bits
        evaluation = evaluate(data, Plan(chosen))
        if not evaluation.violations:
            best = min(best, evaluation.system_cost)
    return best


@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 0.75])
def test_aggregated_optimum_equals_plain_optimum_and_enumeration(ratio: float) -> None:
    """Same optimum with and without tokens, and by brute force over 2^8 plans."""
    data = interchangeable(ratio)
    plain = highs(model_of(data, aggregate=False).linear)
    aggregated_model = model_of(data, aggregate=True)
    aggregated = highs(aggregated_model.linear)
    best = _enumerate(data)
    assert plain.status == aggregated.status == OPTIMAL
    assert plain.objective == pytest.approx(best, abs=1e-6)
    assert aggregated.objective == pytest.approx(best, abs=1e-6)
    if ratio == 0.5:
        assert best == pytest.approx(BY_HAND)
    # The aggregated solution is a plan the evaluator accepts, at that cost.
    evaluation = evaluate(data, aggregated_model.plan(aggregated.values))
    assert not evaluation.violations
    assert evaluation.system_cost == pytest.approx(best, abs=1e-6)


def test_infeasible_ratio_stays_infeasible() -> None:
    """Ratio 1 with C1 needed but max one tenant on it: no plan, with or without tokens."""
    base = interchangeable(1.0)
    data = make_data(
        [0.0, 10.0, 20.0, 30.0, 100.0], [0.5, 10.5, 20.5, 30.5, 60.0, 100.5],
        existing=[True] * 4 + [False] * 2, tenancies=base.tenancies.astype(int).tolist(),
        capex=[0.0] * 4 + [800.0, 1500.0], caps=[3, 3, 3, 3, 3, 1],
        targets=Targets(shared_site_ratio=1.0),
    )
    assert _enumerate(data) == math.inf
    for aggregate in (False, True):
        assert highs(model_of(data, aggregate).linear).status == INFEASIBLE


def test_solve_uses_tokens_and_reaches_the_optimum() -> None:
    """btsopt.solve (aggregated model) on the instance: the hand-computed optimum."""
    result = solve(interchangeable(), SolveParams(backend="highs", gap=0.0, time_limit=20.0))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(BY_HAND, abs=1e-6)
    assert (result.evaluation.active_sites, result.evaluation.shared_sites) == (5, 3)


def test_no_tokens_without_a_sharing_target() -> None:
    """Ratio 0: no groups; the sharing-only pairs and the idle site still go."""
    model = model_of(interchangeable(0.0), aggregate=True)
    assert model.token_groups == () and model.token_index.size == 0
    assert model.sharing_row == -1
    assert model.x_index[4].tolist() == [-1, -1]
    assert model.x_index[0, 1] == -1


def test_locked_in_and_needed_sites_stay_explicit() -> None:
    """A locked-in idle site is no share-new token; a site whose new pair helps
    coverage (C1) is never aggregated."""
    model = model_of(interchangeable(locked=[LOCK_NONE] * 4 + [LOCK_IN, LOCK_NONE]),
                     aggregate=True)
    assert [g.kind for g in model.token_groups] == [SHARE_EXISTING, SHARE_EXISTING]
    assert (model.x_index[4] >= 0).all() and (model.x_index[5] >= 0).all()


def test_decommissioning_keeps_existing_sites_explicit() -> None:
    """With decommissioning allowed nothing is fixed, so no share-existing tokens."""
    base = interchangeable()
    data = make_data(
        [0.0, 10.0, 20.0, 30.0, 100.0], [0.5, 10.5, 20.5, 30.5, 60.0, 100.5],
        existing=[True] * 4 + [False] * 2, tenancies=base.tenancies.astype(int).tolist(),
        capex=[0.0] * 4 + [800.0, 1500.0], targets=Targets(shared_site_ratio=0.5),
        policy=Policy(allow_decommission=True),
    )
    model = model_of(data, aggregate=True)
    assert [g.kind for g in model.token_groups] == [SHARE_NEW]
    assert (model.x_index[:4] >= 0).all()
    plain = highs(model_of(data, aggregate=False).linear)
    assert highs(model.linear).objective == pytest.approx(plain.objective, abs=1e-6)


def test_relevant_pairs_by_hand() -> None:
    """h0 is met by the fixed op0 tenancy on s0; h1 needs one operator, h2 (need 2)
    has op0 from s0 and still needs op1. Relevant: pairs covering an unmet hamlet
    with an operator not already counted there."""
    # cover_by_op[k]: hamlets x sites. s0 covers h0, h2; s1 covers h1; s2 covers h0, h2.
    cover = sparse.csc_matrix(np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]]))
    fixed = np.array([[True, False], [False, False], [False, False]])
    need = np.array([1, 1, 2])
    relevant = relevant_pairs([cover, cover], fixed, need, np.zeros(3, dtype=bool))
    # op0: h1 (via s1) only; op1: h1 (s1) and h2 (s0, s2).
    assert relevant.tolist() == [[False, True], [True, True], [False, True]]
    # A hamlet counted by c is always wanted: h0 then makes s0 and s2 relevant for op0.
    with_c = relevant_pairs([cover, cover], fixed, need, np.array([True, False, False]))
    assert with_c[:, 0].tolist() == [True, True, True]


# --------------------------------------------------------------------------- random instances


@st.composite
def brownfield(draw: st.DrawFn) -> ProblemData:
    """A few existing sites, mostly single-tenant at their hamlets, and candidates."""
    num_existing = draw(st.integers(1, 4))
    num_candidates = draw(st.integers(0, 2))
    num_hamlets = draw(st.integers(1, 4))
    position = st.integers(0, 12).map(lambda step: 2.5 * step)
    hamlet_km = [draw(position) for _ in range(num_hamlets)]
    # Most sites stand at or next to a hamlet (reach 3 km, steps of 2.5 km).
    near = st.sampled_from(hamlet_km).flatmap(lambda km: st.sampled_from([km, km + 2.5]))
    site_km = [draw(st.one_of(near, near, position))
               for _ in range(num_existing + num_candidates)]
    tenancies = []
    for _ in range(num_existing):
        row = [0, 0]
        row[draw(st.integers(0, 1))] = 1
        if draw(st.integers(0, 4)) == 0:
            row = [1, 1]
        tenancies.append(row)
    tenancies += [[0, 0]] * num_candidates
    sites = num_existing + num_candidates
    coverage = draw(st.sampled_from(["any", "any", "each"]))
    return make_data(
        hamlet_km, site_km, radius=3.0,
        existing=[True] * num_existing + [False] * num_candidates, tenancies=tenancies,
        capex=[0.0] * num_existing + [draw(st.sampled_from([800.0, 1500.0]))
                                      for _ in range(num_candidates)],
        caps=[draw(st.sampled_from([1, 2, 3, 3])) for _ in range(sites)],
        locked=[draw(st.sampled_from([LOCK_NONE] * 5 + [LOCK_IN])) for _ in range(sites)],
        targets=Targets(
            coverage=coverage, shared_site_ratio=draw(st.sampled_from([0.0, 0.3, 0.5, 0.6])),
            hamlet_coverage=draw(st.sampled_from([1.0, 1.0, 0.5])),
            budget=draw(st.sampled_from([math.inf, math.inf, 9000.0])),
        ),
        policy=Policy(allow_decommission=draw(st.sampled_from([False, False, True]))),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brownfield())
def test_aggregation_is_exact_on_random_brownfield(data: ProblemData) -> None:
    """Aggregated and plain models: same status, same optimum; the aggregated
    optimum's plan passes the evaluator (unless a hamlet is out of every site's
    reach: the model leaves that to solve()'s pre-check)."""
    plain = highs(model_of(data, aggregate=False).linear)
    model = model_of(data, aggregate=True)
    aggregated = highs(model.linear)
    assert aggregated.status == plain.status
    if plain.status == OPTIMAL:
        assert aggregated.objective == pytest.approx(plain.objective, rel=1e-9, abs=1e-6)
    if plain.status == OPTIMAL and model.unreachable.size == 0:
        evaluation = evaluate(data, model.plan(aggregated.values))
        assert not evaluation.violations
        assert evaluation.system_cost == pytest.approx(plain.objective, rel=1e-9, abs=1e-6)


def representable(model, draw: st.DrawFn) -> Plan:
    """A plan every tenancy of which the model holds: drawn on the ``x``
    columns (within their bounds), plus a token (the group's operators) on
    any of a group's sites."""
    linear = model.linear
    tenancies = np.zeros(model.x_index.shape, dtype=bool)
    for (j, k) in zip(*np.nonzero(model.x_index >= 0), strict=True):
        col = model.x_index[j, k]
        low, high = int(linear.col_lb[col]), int(linear.col_ub[col])
        tenancies[j, k] = low == high == 1 or (high == 1 and low == 0 and draw(st.booleans()))
    for group in model.token_groups:
        for j, operators in zip(group.sites, group.operators, strict=True):
            if draw(st.booleans()):
                tenancies[j, list(operators)] = True
    return Plan(tenancies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brownfield(), st.data())
def test_solution_keeps_the_cost_of_a_plan_with_tokens(data: ProblemData, draw_data) -> None:
    """solution(plan) (the warm start of solve --start) prices a plan as the
    evaluator does, tokens included, and plan() of it gives a plan of that cost
    (tokens on a group's first sites); for a plan the evaluator accepts, the
    vector is feasible."""
    model = model_of(data, aggregate=True)
    plan = representable(model, draw_data.draw)
    values = model.solution(plan)
    evaluation = evaluate(data, plan)
    cost = evaluation.system_cost
    assert model.linear.value(values) == pytest.approx(cost, rel=1e-9, abs=1e-6)
    again = model.plan(values)
    assert evaluate(data, again).system_cost == pytest.approx(cost, rel=1e-9, abs=1e-6)
    assert np.array_equal(model.solution(again)[model.token_index], values[model.token_index])
    if not evaluation.violations and model.unreachable.size == 0:
        assert model.linear.max_violation(values) <= 1e-9
        assert not evaluate(data, again).violations


def test_tiny_optimum_survives_solution_and_back() -> None:
    # The hint `solve --start` builds from the tiny optimum (5,826.05) was priced
    # 6,679 when the token columns were filled "as far as the rows allow".
    data = read_scenario(TINY)
    model = build_model(data, compute_coverage(data))
    assert model.token_groups  # E1 and E2 are sharing-only sites here
    # Sites E1, E2, C1, C2; operators alpha, beta: alpha co-locates on E2, C2 is built.
    optimum = Plan(np.array([[1, 0], [1, 1], [0, 0], [1, 0]], dtype=bool))
    values = model.solution(optimum)
    assert model.linear.value(values) == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert model.linear.max_violation(values) <= 1e-9
    assert model.plan(values) == optimum
