"""The bound with carriers priced (``btsopt.solvers.capacity_bound``): worked
out by hand on the tiny scenario, and never above the optimum found by
enumeration on random small capacitated scenarios."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_with_demand
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_solve import _random_scenario
from test_solve_capacity import MAX_PAIRS, _enumerate_with_carriers, _first_sites, _with_demand

from btsopt import read_scenario
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.capacity_bound import (
    capacity_relaxation,
    carrier_prices,
    dual_bound,
    relaxation_bound,
)
from btsopt.solvers.capacity_start import capacity_start
from btsopt.solvers.core import CoreSettings, solve_core
from btsopt.solvers.highs import solve_highs, solve_lp_relaxation

A = 6.7100814  # sum_{t=1..10} 1.08^-t
CARRIER = 150 + 15 * A  # one added carrier: capex + NPV of its opex = 250.6512
PLAIN_OPTIMUM = 5826.0488  # the tiny scenario without [demand] (tests/test_solve.py)


def _models(data):
    coverage = compute_coverage(data)
    capacitated = build_model(data, coverage)
    plain_data = replace(data, demand=None)
    plain = build_model(plain_data, coverage, aggregate=False,
                        keep_pairs=capacitated.capacity.keep)
    return capacitated, plain, plain_data


def test_tiny_bound_prices_the_demand_beyond_free_carriers(tmp_path: Path) -> None:
    # D = 25 Mb/s per hamlet and operator, c = 48 Mb/s. keep_service: beta
    # keeps H2 and H3 (50 Mb/s) on its fixed tenancy at E2 (48 free), so beta
    # is short and alpha (125 Mb/s on three free carriers) is not:
    # tau = (0, 250.6512 / 48) per Mb/s, the constant tau x 50.
    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.5",
                                          subscriptions=["100"] * 5))
    capacitated, plain, plain_data = _models(data)
    first = solve_core(plain, plain_data, BackendParams(time_limit=30, gap=0), None,
                       CoreSettings())
    assert first.objective == pytest.approx(PLAIN_OPTIMUM, abs=1e-3)
    num_x = int((plain.x_index >= 0).sum())
    prices = carrier_prices(capacitated, plain, first.values[:num_x])
    assert prices.tau == pytest.approx([0.0, CARRIER / 48])
    assert prices.constant == pytest.approx(CARRIER / 48 * 50)
    # Beta's new pairs get their free carrier off their cost, less the demand
    # they bring (H4 and H5 split over C1 and C2): cheaper than alpha's there,
    # so this priced model's bound (5,696.29) is below the plain one, which the
    # start keeps.
    priced = solve_core(prices.priced(plain), plain_data, BackendParams(time_limit=30, gap=0),
                        None, CoreSettings())
    assert priced.bound + prices.constant < PLAIN_OPTIMUM
    start = capacity_start(data, compute_coverage(data), capacitated,
                           BackendParams(time_limit=30, gap=0))
    assert start.bound == pytest.approx(PLAIN_OPTIMUM, abs=1e-3)


def test_tiny_bound_rises_when_both_operators_are_short(tmp_path: Path) -> None:
    # D = 45 Mb/s: beta keeps 90 Mb/s on 48 free, alpha's plan carries 225 on
    # 144: both short. The plain bound is 5,826.05 and the optimum (exact
    # HiGHS) 6,578.00; the priced bound closes 61% of that gap (6,283.36).
    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.9",
                                          subscriptions=["100"] * 5))
    capacitated = build_model(data, compute_coverage(data))
    priced = capacity_start(data, compute_coverage(data), capacitated,
                            BackendParams(time_limit=30, gap=0)).bound
    off = CoreSettings().with_values({"capacity.bound_price": 0.0})
    plain = capacity_start(data, compute_coverage(data), capacitated,
                           BackendParams(time_limit=30, gap=0), core=off).bound
    assert plain == pytest.approx(PLAIN_OPTIMUM, abs=1e-3)
    assert priced == pytest.approx(6283.3571, abs=1e-3)
    assert priced <= 6578.0025


def test_tiny_relaxation_is_the_lp_with_capacity_rows(tmp_path: Path) -> None:
    # D = 45 Mb/s as above. The relaxation adds e[j,k] (8 tenancies: 24 columns)
    # and, per operator, sum (48 m - load) x + 48 sum e >= kept demand (two
    # hamlets each: 90 Mb/s). Its LP optimum (HiGHS, 6,204.66) is below the core's priced
    # bound (6,283.36) here (the plain LP, 5,750 at D = 25, is below the plain
    # optimum 5,826.05): the start keeps the best of both. PDLP's bound is the
    # LP's within its tolerance, and never above it; the capacity rows' duals
    # are the carrier price per Mb/s, as the Lagrangian's tau.
    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.9",
                                          subscriptions=["100"] * 5))
    capacitated, plain, plain_data = _models(data)
    first = solve_core(plain, plain_data, BackendParams(time_limit=30, gap=0), None,
                       CoreSettings())
    num_x = int((plain.x_index >= 0).sum())
    relaxation = capacity_relaxation(capacitated, plain, first.values[:num_x])
    assert relaxation.num_cols == plain.linear.num_cols + num_x
    assert relaxation.num_rows == plain.linear.num_rows + num_x + 2
    assert relaxation.row_lb[-2:] == pytest.approx([90.0, 90.0])
    lp = solve_lp_relaxation(relaxation, BackendParams(time_limit=30))
    assert lp.optimal and lp.objective == pytest.approx(6204.6632, abs=1e-3)
    # Any duals give a bound; HiGHS's optimal ones give the LP's optimum.
    assert dual_bound(relaxation, lp.row_duals) == pytest.approx(lp.objective, abs=1e-3)
    settings = CoreSettings().with_values({"capacity.bound_lp_max_chunks": 4}).capacity
    found = relaxation_bound(capacitated, plain, first.values[:num_x], settings, math.inf)
    assert found.converged
    assert lp.objective - 1e-2 <= found.bound <= lp.objective + 1e-6
    assert found.tau == pytest.approx([CARRIER / 48] * 2, rel=1e-3)
    # The relaxation's own optimum (HiGHS, exact) lies between that and the optimum.
    exact = solve_highs(relaxation, BackendParams(time_limit=30, gap=0))
    assert lp.objective <= exact.objective <= 6578.0025


def test_dual_bound_holds_for_any_duals(tmp_path: Path) -> None:
    # Weak duality: duals of the wrong sign are dropped, the rest bound the LP;
    # no duals leave each column at its cheaper bound (the fixed tenancies).
    data = read_scenario(tiny_with_demand(tmp_path / "s", "busy_hour_mbps = 0.9",
                                          subscriptions=["100"] * 5))
    capacitated, plain, _ = _models(data)
    num_x = int((plain.x_index >= 0).sum())
    relaxation = capacity_relaxation(capacitated, plain, np.ones(num_x))
    optimum = solve_lp_relaxation(relaxation, BackendParams(time_limit=30)).objective
    rng = np.random.default_rng(0)
    for _ in range(50):
        duals = rng.normal(0, 50, relaxation.num_rows)
        assert dual_bound(relaxation, duals) <= optimum + 1e-6
    assert dual_bound(relaxation, np.zeros(relaxation.num_rows)) == pytest.approx(
        relaxation.offset + np.minimum(relaxation.objective * relaxation.col_lb,
                                       relaxation.objective * relaxation.col_ub).sum())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_bound_never_exceeds_the_enumerated_optimum(draw_data) -> None:
    base = _random_scenario(draw_data.draw)
    if base.num_sites * base.num_operators > MAX_PAIRS:
        base = _first_sites(base, MAX_PAIRS // base.num_operators)
    data = _with_demand(base, draw_data.draw)
    capacitated = build_model(data, compute_coverage(data))
    if len(capacitated.levels) != 1:
        return  # soft coverage or sharing: cost is not the only level
    best = _enumerate_with_carriers(data)
    if best is None:
        return
    found = capacity_start(data, compute_coverage(data), capacitated,
                           BackendParams(time_limit=30, gap=0))
    optimum = best[0][2]  # one level: every plan ties on the others
    assert found.bound <= optimum + 1e-6 * max(1.0, abs(optimum))
    # The LP with capacity rows, whatever plan charges the new demand, and any
    # duals of it, active prices or not.
    plain_data = replace(data, demand=None)
    plain = build_model(plain_data, compute_coverage(data), aggregate=False,
                        keep_pairs=capacitated.capacity.keep)
    if len(plain.levels) != 1:
        return
    num_x = int((plain.x_index >= 0).sum())
    plan_x = np.asarray(draw_data.draw(st.lists(st.floats(0, 1), min_size=num_x,
                                                max_size=num_x)), dtype=float)
    settings_lp = CoreSettings().with_values({"capacity.bound_lp_max_chunks": 3}).capacity
    lp = relaxation_bound(capacitated, plain, plan_x, settings_lp, math.inf)
    assert lp.bound <= optimum + 1e-6 * max(1.0, abs(optimum))
    relaxation = capacity_relaxation(capacitated, plain, plan_x)
    duals = np.random.default_rng(draw_data.draw(st.integers(0, 2**32 - 1))).normal(
        0, 100, relaxation.num_rows)
    assert dual_bound(relaxation, duals) <= optimum + 1e-6 * max(1.0, abs(optimum))
