"""The example proposals of the Nam Định scenario: effects, timing, premium.

The expected figures are those of ``scenarios/nam-dinh/proposals/README.md``
(scenario seed 137); they fail loudly if the scenario or a proposal changes.
"""

from __future__ import annotations

import json

import pytest

from btsopt import SolveParams, read_scenario, solve
from btsopt.cli import main
from btsopt.proposals import compare_with_optimal, evaluate_proposal, read_proposal
from btsopt.radio import compute_coverage

from .helpers import NAM_DINH, NAM_DINH_PROPOSALS

pytestmark = pytest.mark.skipif(
    not (NAM_DINH_PROPOSALS / "optimal.csv").exists(), reason="Nam Định scenario not present"
)

TODAY_COST = 2_586_736.4
OPTIMAL_COST = 2_965_716.4
DEAD_SPOTS_SHARED_COST = 2_985_165.9


@pytest.fixture(scope="module")
def data():
    return read_scenario(NAM_DINH)


@pytest.fixture(scope="module")
def coverage(data):
    return compute_coverage(data)


def load(data, name):
    return read_proposal(NAM_DINH_PROPOSALS / f"{name}.csv", data)


def test_optimal_proposal_effects(data):
    # (Its speed is measured by benchmarks/timings.py.)
    result = evaluate_proposal(data, load(data, "optimal"))
    assert result.admissible
    assert result.before.system_cost == pytest.approx(TODAY_COST, abs=0.1)
    assert result.after.system_cost == pytest.approx(OPTIMAL_COST, abs=0.1)
    assert (result.hamlets_gained.size, result.hamlets_lost.size) == (300, 0)
    assert result.after.covered_hamlets == 3200
    assert result.after.shared_site_ratio >= 0.30
    assert result.proposal.counts() == {"colocate": 387, "build": 22, "remove": 0}


def test_dead_spots_alone_misses_the_sharing_target(data):
    result = evaluate_proposal(data, load(data, "dead-spots"))
    assert result.hamlets_gained.size == 300 and result.after.covered_hamlets == 3200
    assert result.details == ()  # it breaks no rule ...
    (violation,) = result.violations  # ... it only misses the 30% target
    assert "shared-site ratio" in violation and "below the target 0.3000" in violation
    assert result.after.shared_site_ratio < result.before.shared_site_ratio  # new sites unshared


def test_dead_spots_completion_is_the_shared_version(data, coverage):
    # The cheapest way to finish dead-spots.csv is the cheapest colocations,
    # which is exactly dead-spots-shared.csv.
    optimum = solve(data, SolveParams(time_limit=30), coverage=coverage,
                    hint=load(data, "optimal").apply(data))
    result = compare_with_optimal(data, load(data, "dead-spots"), SolveParams(time_limit=30),
                                  coverage=coverage, marginal=False, optimal=optimum)
    assert result.completion_cost == pytest.approx(DEAD_SPOTS_SHARED_COST, abs=0.1)
    assert {c.action for c in result.further} == {"colocate"}
    assert len(result.further) == 388
    shared = compare_with_optimal(data, load(data, "dead-spots-shared"),
                                  SolveParams(time_limit=30), coverage=coverage,
                                  marginal=False, optimal=optimum)
    assert shared.further == ()
    # The greedy cover builds 28 sites where 22 do: a premium of ~19,450.
    assert shared.premium == pytest.approx(DEAD_SPOTS_SHARED_COST - optimum.objective)
    assert shared.premium > 19_000
    optimal = compare_with_optimal(data, load(data, "optimal"), SolveParams(time_limit=30),
                                   coverage=coverage, marginal=False, optimal=optimum)
    assert optimal.premium == pytest.approx(0.0, abs=1e-6 * OPTIMAL_COST)
    assert optimal.further == ()


def test_rule_breaking_proposal(data, capsys):
    result = evaluate_proposal(data, load(data, "breaks-rules"))
    assert {v.kind for v in result.details} == {
        "not_allowed", "tenant_limit", "relocation", "coverage_lost"}
    assert {v.rows for v in result.details} == {(1,), (2,), (3,)}
    assert result.hamlets_lost.size == 2
    assert main(["evaluate", str(NAM_DINH), "--proposal",
                 str(NAM_DINH_PROPOSALS / "breaks-rules.csv"), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["violations"]) == 6 and payload["admissible"] is False


@pytest.mark.slow
def test_against_optimal_cli_on_nam_dinh(capsys):
    assert main(["evaluate", str(NAM_DINH), "--proposal",
                 str(NAM_DINH_PROPOSALS / "optimal.csv"), "--against-optimal",
                 "--time-limit", "60", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)["against_optimal"]
    assert payload["premium"] <= 1e-3 * OPTIMAL_COST
    assert payload["marginal_price"]["price"] is not None
