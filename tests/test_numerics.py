"""Numerical care: large money units, a ratio exactly at its target, ties."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import TINY

from btsopt import SolveParams, evaluate, read_scenario, solve


def _scaled(factor: float):
    data = read_scenario(TINY)
    econ = data.economics
    economics = dataclasses.replace(
        econ, **{f.name: getattr(econ, f.name) * factor for f in dataclasses.fields(econ)
                 if f.name not in ("horizon_years", "discount_rate")},
    )
    sites = dataclasses.replace(
        data.sites, capex=data.sites.capex * factor,
        opex_per_year=data.sites.opex_per_year * factor,
        rent_per_year=data.sites.rent_per_year * factor,
    )
    operators = tuple(
        dataclasses.replace(op, tenancy_capex=op.tenancy_capex * factor,
                            tenancy_opex_per_year=op.tenancy_opex_per_year * factor)
        for op in data.operators
    )
    return dataclasses.replace(data, economics=economics, sites=sites, operators=operators)


@pytest.mark.parametrize("backend", ["core", "highs", "cpsat"])
def test_costs_in_dong_not_millions(backend: str) -> None:
    # The same scenario priced in VND (x 1e6): the plan and the cost scale exactly.
    data = _scaled(1e6)
    result = solve(data, SolveParams(backend=backend, gap=1e-9, time_limit=30))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5826.0488393649 * 1e6, rel=1e-9)
    assert evaluate(data, result.plan).system_cost == pytest.approx(result.objective, rel=1e-12)


def test_ratio_exactly_at_the_target_is_met() -> None:
    # 1 shared of 3 active is exactly 1/3: a target of 1/3 must accept it,
    # although 1/3 has no exact binary float.
    data = read_scenario(TINY)
    data = dataclasses.replace(
        data, targets=dataclasses.replace(data.targets, shared_site_ratio=1 / 3)
    )
    result = solve(data, SolveParams(gap=1e-9))
    assert result.status == "optimal"
    assert (result.evaluation.shared_sites, result.evaluation.active_sites) == (1, 3)
    assert result.evaluation.violations == ()
    assert result.objective == pytest.approx(5826.0488393649, rel=1e-9)


def test_ties_are_broken_the_same_way_every_time() -> None:
    # Alpha can co-locate on E2 or share C2 at equal cost: the same plan each run.
    data = read_scenario(TINY)
    plans = {solve(data, SolveParams(seed=3, gap=1e-9)).plan for _ in range(3)}
    assert len(plans) == 1
