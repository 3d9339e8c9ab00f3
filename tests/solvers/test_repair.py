"""Start plans repaired where they break the rules (hand-checked on the tiny scenario).

The tiny scenario: hamlets H1-H3 near the existing sites E1 (alpha) and E2
(beta), H4-H5 only near the candidates C1 and C2 (C2 cheaper); relocation
and decommissioning not allowed; 30% of active sites shared.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import TINY
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt import evaluate, solve
from btsopt.data import LOCK_IN, LOCK_OUT
from btsopt.plan import Plan
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario
from btsopt.solvers.repair import repair_plan

E1, E2, C1, C2 = range(4)
ALPHA, BETA = range(2)


@pytest.fixture(scope="module")
def tiny():
    data = read_scenario(TINY)
    return data, compute_coverage(data)


def _plan(*pairs: tuple[int, int]) -> Plan:
    tenancies = np.zeros((4, 2), dtype=bool)
    for j, k in pairs:
        tenancies[j, k] = True
    return Plan(tenancies)


def _with_sites(data, **columns):
    return replace(data, sites=replace(data.sites, **columns))


def test_an_admissible_plan_is_left_as_it_is(tiny) -> None:
    data, coverage = tiny
    optimum = solve(data).plan
    repair = repair_plan(data, optimum, coverage)
    assert repair.plan == optimum
    assert repair.changes == () and repair.remaining == ()


def test_an_empty_plan_becomes_the_optimum(tiny) -> None:
    data, coverage = tiny
    repair = repair_plan(data, _plan(), coverage)
    # Both existing tenancies back, the cheaper candidate for H4-H5, and one
    # co-tenant for 1 shared site of 3 (>= 30%): the cheapest, alpha on E2.
    assert repair.plan == _plan((E1, ALPHA), (E2, BETA), (C2, ALPHA), (E2, ALPHA))
    assert repair.lines(data) == [
        "restored existing tenancies that must be kept: 2 (E1:alpha, E2:beta)",
        "added tenancies to complete coverage: 1 (C2:alpha)",
        "added co-tenants to reach the sharing target: 1 (E2:alpha)",
    ]
    assert repair.remaining == ()
    assert solve(data).plan == repair.plan


def test_locked_out_not_allowed_and_over_the_limit_are_removed(tiny) -> None:
    data, coverage = tiny
    allowed = np.ones((4, 2), dtype=bool)
    allowed[C2, BETA] = False
    data = _with_sites(data, locked=np.array([0, 0, LOCK_OUT, 0]), allowed=allowed,
                       max_tenants=np.array([1, 3, 3, 3]))
    start = _plan((E1, ALPHA), (E1, BETA), (E2, BETA), (C1, ALPHA), (C2, BETA))
    repair = repair_plan(data, start, coverage)
    kinds = {change.kind: change.tenancies for change in repair.changes}
    assert kinds["removed tenancies on locked-out sites"] == ((C1, ALPHA),)
    assert kinds["removed new tenancies of operators not allowed on their site"] == ((C2, BETA),)
    assert kinds["removed new tenancies over the site's tenant limit"] == ((E1, BETA),)
    # H4-H5 lost both candidates: C2 takes alpha (allowed) again.
    assert kinds["added tenancies to complete coverage"] == ((C2, ALPHA),)
    assert repair.remaining == ()


def test_locked_in_and_forced_tenancies_are_added(tiny) -> None:
    data, coverage = tiny
    forced = np.zeros((4, 2), dtype=bool)
    forced[C2, BETA] = True
    data = replace(_with_sites(data, locked=np.array([0, 0, LOCK_IN, 0])),
                   forced_tenancies=forced)
    start = _plan((E1, ALPHA), (E2, BETA), (E2, ALPHA))
    repair = repair_plan(data, start, coverage)
    kinds = {change.kind: change.tenancies for change in repair.changes}
    assert kinds["added forced tenancies"] == ((C2, BETA),)
    assert kinds["added a tenant on idle locked-in sites"] == ((C1, ALPHA),)
    assert repair.plan.tenancies[C1].any() and repair.plan.tenancies[C2, BETA]
    assert repair.remaining == ()


def test_relocation_allowed_keeps_a_moved_tenancy_moved(tiny) -> None:
    data, coverage = tiny
    data = replace(data, policy=replace(data.policy, allow_relocation=True))
    # beta left E2 for C2 (allowed now); E2 keeps alpha, so it stays active.
    start = _plan((E1, ALPHA), (E2, ALPHA), (C2, BETA), (C2, ALPHA))
    repair = repair_plan(data, start, coverage)
    assert repair.changes == ()
    assert repair.remaining == ()


def test_what_cannot_be_mended_is_said(tiny) -> None:
    data, coverage = tiny
    data = replace(data, targets=replace(data.targets, budget=1000.0))
    repair = repair_plan(data, _plan(), coverage)
    assert any("exceeds the budget" in line for line in repair.remaining)


# --------------------------------------------------------------------------- carriers ([demand])
# The capacitated tiny scenario of tests/test_solve_capacity.py: D = 25 Mb/s per
# hamlet and operator, c = 48 Mb/s per carrier, max_carriers 3, one carrier
# today. Its optimum (6327.3512): alpha on E1, E2 (1 carrier each) and C2 (2),
# beta on E2 (2 carriers: H2 + H3 = 50 > 48).

OPTIMUM_CARRIERS = [[1, 0], [1, 2], [0, 0], [2, 0]]


@pytest.fixture(scope="module")
def capacitated(tmp_path_factory):
    from conftest import tiny_with_demand

    path = tiny_with_demand(tmp_path_factory.mktemp("cap") / "s", "busy_hour_mbps = 0.5",
                            subscriptions=["100"] * 5)
    data = read_scenario(path)
    return data, compute_coverage(data)


def _optimum(data) -> Plan:
    return Plan(np.array(OPTIMUM_CARRIERS) > 0, np.array(OPTIMUM_CARRIERS))


def test_carriers_of_an_admissible_start_are_kept(capacitated) -> None:
    data, coverage = capacitated
    repair = repair_plan(data, _optimum(data), coverage)
    assert repair.plan == _optimum(data) and repair.plan.carriers.tolist() == OPTIMUM_CARRIERS
    assert repair.changes == () and repair.remaining == ()


def test_missing_carriers_are_added_where_the_demand_does_not_fit(capacitated) -> None:
    # The optimum's tenancies with no carriers column: one carrier each (today's
    # or 1), so beta on E2 (50 Mb/s) and alpha on C2 (50) are 2 Mb/s short.
    data, coverage = capacitated
    repair = repair_plan(data, Plan(_optimum(data).tenancies), coverage)
    assert repair.lines(data) == [
        "added carriers where the demand did not fit: 2 (E2:beta, C2:alpha)"]
    assert repair.plan.carriers.tolist() == OPTIMUM_CARRIERS
    assert repair.remaining == ()
    assert evaluate(data, repair.plan).system_cost == pytest.approx(6327.3512, abs=1e-3)


def test_carriers_above_max_carriers_are_clipped(capacitated) -> None:
    data, coverage = capacitated
    carriers = np.array(OPTIMUM_CARRIERS)
    carriers[E1, ALPHA] = 5
    repair = repair_plan(data, Plan(carriers > 0, carriers), coverage)
    assert repair.lines(data) == ["clipped carriers to max_carriers: 1 (E1:alpha)"]
    assert repair.plan.carriers[E1, ALPHA] == 3 and repair.remaining == ()


def test_tenancies_added_by_the_repair_get_carriers_for_their_demand(capacitated) -> None:
    # Only the kept tenancies: coverage adds alpha on C2 (H4 + H5 = 50 Mb/s),
    # which then needs a second carrier, as does beta on E2.
    data, coverage = capacitated
    repair = repair_plan(data, Plan(data.tenancies.copy()), coverage)
    assert repair.remaining == ()
    assert evaluate(data, repair.plan).admissible
    assert repair.plan.carriers[E2, BETA] == 2
    assert any(line.startswith("added carriers where the demand did not fit")
               for line in repair.lines(data))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_carrier_repair_fits_whenever_max_carriers_would(capacitated, draw_data) -> None:
    # Any start plan and carriers, any busy-hour load: the repaired plan keeps
    # the start's carriers (clipped to max_carriers) or adds to them, and its
    # demand fits unless it does not fit even with every tenancy at max_carriers.
    data, coverage = capacitated
    draw = draw_data.draw
    data = replace(data, demand=replace(data.demand, busy_hour_mbps=draw(
        st.sampled_from([0.1, 0.5, 1.0, 1.4]))))
    x = np.array(draw(st.lists(st.booleans(), min_size=8, max_size=8))).reshape(4, 2)
    carriers = np.array(draw(st.lists(st.integers(1, 5), min_size=8, max_size=8))).reshape(4, 2)
    repair = repair_plan(data, Plan(x, carriers), coverage)
    plan, top = repair.plan, data.demand.max_carriers[None, :]
    kept = plan.tenancies & x
    assert np.all(plan.carriers[kept] >= np.minimum(carriers, top)[kept])
    assert np.all(plan.carriers <= top)
    fits = [v for v in evaluate(data, plan).violations if "Mb/s" in v]
    at_most = Plan(plan.tenancies, np.where(plan.tenancies, top, 0))
    assert not fits or any("Mb/s" in v for v in evaluate(data, at_most).violations)
