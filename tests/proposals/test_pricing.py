"""Premium against the optimum, best completion and marginal price, on tiny by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from btsopt import SolveParams, evaluate, read_scenario, solve
from btsopt.cli import main
from btsopt.plan import Plan
from btsopt.proposals import (
    Change,
    Proposal,
    compare_with_optimal,
    forced_data,
    marginal_price,
    share_more,
)

from .helpers import ALPHA_TENANCY, BETA_TENANCY, TINY, TINY_OPTIMUM, with_sites, write_csv

EXACT = SolveParams(time_limit=20.0, gap=1e-9)


@pytest.fixture(scope="module")
def tiny():
    return read_scenario(TINY)


def proposal(data, *rows: str) -> Proposal:
    changes = [Change(*row.split(","), row=i) for i, row in enumerate(rows, start=1)]
    return Proposal.from_changes(data, changes)


def test_optimal_proposal_has_no_premium(tiny):
    result = compare_with_optimal(tiny, proposal(tiny, "alpha,C2,build", "alpha,E2,colocate"),
                                  EXACT, marginal=False)
    assert result.optimal.objective == pytest.approx(TINY_OPTIMUM)
    assert result.completion_cost == pytest.approx(TINY_OPTIMUM)
    assert result.premium == pytest.approx(0.0, abs=1e-6)
    assert result.premium_low == pytest.approx(0.0, abs=1e-6)
    assert result.premium_high == pytest.approx(0.0, abs=1e-6)
    assert result.further == ()


def test_worse_proposal_premium_by_hand(tiny):
    # Beta builds C1 (capex 1500, not 1000), alpha colocates there, beta on E1.
    worse = proposal(tiny, "beta,C1,build", "alpha,C1,colocate", "beta,E1,colocate")
    result = compare_with_optimal(tiny, worse, EXACT, marginal=False)
    assert result.proposal.admissible  # it is a legal plan, only dearer
    assert result.further == ()  # already meets the targets
    # vs the optimum: C1 instead of C2 (+500); beta on C1 and alpha on C1
    # replace alpha on C2 and alpha on E2 (+450 - 400 = +50 capex, same opex);
    # beta on E1 comes on top (a whole beta tenancy).
    expected = 500 + 50 + BETA_TENANCY
    assert result.premium == pytest.approx(expected)
    assert result.premium == pytest.approx(1402.6048839, rel=1e-9)
    assert result.premium_low == pytest.approx(expected)


def test_completion_adds_the_missing_sharing(tiny):
    # Beta builds C1: coverage is complete but 0 of 3 sites are shared; the
    # cheapest completion adds one alpha tenancy (400 + opex, cheaper than
    # beta's 450) on E2 or on C1 itself: both cost the same.
    result = compare_with_optimal(tiny, proposal(tiny, "beta,C1,build"), EXACT, marginal=False)
    assert not result.proposal.admissible
    further = [(c.operator_id, c.site_id, c.action) for c in result.further]
    assert further in ([("alpha", "E2", "colocate")], [("alpha", "C1", "colocate")])
    assert result.completion_evaluation.admissible
    # C1 costs 500 more than C2, beta's tenancy 50 more than alpha's.
    assert result.premium == pytest.approx(550.0)
    text = result.format_text("VND_million")
    assert f"further tenancies  1 needed: colocate alpha@{further[0][1]}" in text


def test_rule_breaking_proposal_gets_no_completion(tiny):
    data = with_sites(tiny, max_tenants=[3, 1, 3, 3])
    result = compare_with_optimal(data, proposal(data, "alpha,C2,build", "alpha,E2,colocate"),
                                  EXACT, marginal=False)
    assert result.completion is None and result.premium is None
    assert "tenant_limit" in result.message
    assert result.optimal.is_feasible()


def test_forced_data_constant_and_bounds(tiny):
    prop = proposal(tiny, "beta,C1,build", "alpha,C1,colocate")
    forced, constant = forced_data(tiny, prop)
    assert constant == 0.0  # the forced scenario prices plans as the original does
    assert forced.forced[2].tolist() == [True, True]
    assert forced.tenancies.sum() == tiny.tenancies.sum()  # today's network unchanged
    assert not forced.sites.existing[2]  # capex still charged
    plan = prop.apply(tiny)
    owned = prop.owned_data(tiny)
    assert evaluate(owned, plan).system_cost == pytest.approx(
        evaluate(forced, plan).system_cost + constant)


def test_removal_is_forced_out_when_relocation_is_allowed(tiny):
    data = replace(tiny, policy=replace(tiny.policy, allow_relocation=True,
                                        allow_decommission=True))
    prop = proposal(data, "alpha,E1,remove")
    result = compare_with_optimal(data, prop, EXACT, marginal=False)
    assert result.completion is not None
    plan = result.completion.plan
    assert not plan.tenancies[0, 0]  # alpha stays off E1
    assert result.completion_evaluation.admissible
    assert result.completion_cost == pytest.approx(evaluate(data, plan).system_cost)
    assert result.premium >= -1e-6


def test_marginal_price_by_hand(tiny):
    # Optimum: 1 of 3 sites shared. One more: target 2/3, reached by a second
    # tenant on E1 or C2 (beta, 450 + 60 A), the cheapest left after alpha on E2.
    price = marginal_price(tiny, EXACT)
    assert price.ratio == pytest.approx(2 / 3)
    assert price.price == pytest.approx(BETA_TENANCY)
    assert price.price_low == pytest.approx(BETA_TENANCY)
    assert len(price.newly_shared) == 1 and price.newly_shared[0] in {"E1", "C2"}
    assert price.tenancies_added in ((("E1", "beta"),), (("C2", "beta"),))
    assert price.tenancies_dropped == ()
    assert price.to_dict()["price"] == pytest.approx(BETA_TENANCY)


def test_marginal_price_with_nothing_left_to_share(tiny):
    full = replace(tiny, targets=replace(tiny.targets, shared_site_ratio=1.0))
    price = marginal_price(full, EXACT)
    assert price.price is None and "already shared" in price.message


def test_share_more_repairs_cheapest_first(tiny):
    base = Plan(np.array([[1, 0], [0, 1], [0, 0], [1, 0]], dtype=bool))
    repaired = share_more(tiny, base, 0.3)
    # The cheapest second tenant is alpha's (400 < 450), and only E2 lacks alpha.
    assert (repaired.tenancies & ~base.tenancies).nonzero() == (np.array([1]), np.array([0]))
    assert share_more(tiny, repaired, 0.3) is repaired
    assert evaluate(tiny, repaired).system_cost == pytest.approx(TINY_OPTIMUM)
    assert evaluate(tiny, share_more(tiny, base, 1.0)).shared_sites == 3


def test_against_optimal_cli(tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", ["alpha,C2,build", "alpha,E2,colocate"])
    worse = write_csv(tmp_path / "worse.csv", ["beta,C1,build"])
    assert main(["evaluate", str(TINY), "--proposal", str(good), "--against-optimal",
                 "--time-limit", "10", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)["against_optimal"]
    assert payload["premium"] == pytest.approx(0.0, abs=1e-6)
    assert payload["optimal"]["cost"] == pytest.approx(TINY_OPTIMUM)
    assert payload["marginal_price"]["price"] == pytest.approx(BETA_TENANCY)
    assert main(["evaluate", str(TINY), "--proposal", str(worse), "--against-optimal",
                 "--time-limit", "10", "--operator", "beta"]) == 0
    out = capsys.readouterr().out
    assert "premium            550.0" in out and "marginal price of sharing: 852.6" in out
    assert "beta's own NPV" in out


def test_premium_is_never_below_zero_for_a_solved_optimum(tiny):
    optimum = solve(tiny, EXACT)
    prop = Proposal.from_plan(tiny, optimum.plan)
    result = compare_with_optimal(tiny, prop, EXACT, marginal=False)
    assert result.premium == pytest.approx(0.0, abs=1e-6)
    assert ALPHA_TENANCY < BETA_TENANCY  # the tie-break the hand figures rely on
