"""Proposals on a scenario with [demand]: the carriers column and action, checked by hand.

The capacitated tiny scenario (``write_tiny_demand``): one carrier carries
5 Mb/s; each operator's demand is H1 3, H2 2.25, H3 3.75, H4 1.5, H5 1.875 Mb/s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import btsopt
from btsopt.errors import PlanError
from btsopt.proposals import (
    Proposal,
    evaluate_proposal,
    format_proposal_text,
    read_proposal,
    saturated_plan,
    share_more,
)

from .helpers import ALPHA_TENANCY, BETA_TENANCY, SITE_OPEX, TINY, A, write_csv

HEADER = "operator_id,site_id,action,carriers"
CARRIER = 150 + 15 * A  # one added carrier, NPV


@pytest.fixture
def data(tiny_demand: Path):
    return btsopt.read_scenario(tiny_demand)


def test_carriers_and_a_shared_site_fix_the_network(data, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [
        "alpha,E1,carriers,2", "beta,E2,carriers,2", "alpha,C1,build,", "beta,C1,colocate,1",
    ], HEADER)
    proposal = read_proposal(path, data)
    assert proposal.counts() == {"colocate": 1, "build": 1, "remove": 0, "carriers": 2}
    result = evaluate_proposal(data, proposal)
    before, after = result.before.demand, result.after.demand
    # Today alpha's E1 carries 5.25 and beta's E2 6 Mb/s on one 5 Mb/s carrier each.
    assert any("alpha" in v for v in result.before.violations)
    assert any("beta" in v for v in result.before.violations)
    # After: 5.25 / 10, 6 / 10, and C1 carries 3.375 of 5 for each operator.
    assert result.admissible, result.violations
    assert after["max_load"] == pytest.approx(0.675)
    assert after["carriers_added"] == 2 and before["carriers_added"] == 0
    # Served: alpha H1, H2, H4, H5 (575) and beta H2-H5 (625). Before: 350 + 400
    # covered, less 0.25 + 1 Mb/s that do not fit (83.3 subscriptions of 0.015 Mb/s).
    assert before["served_subscriptions"] == pytest.approx(750 - 1.25 / 0.015)
    assert after["served_subscriptions"] == pytest.approx(1200)
    assert after["served_share"] == pytest.approx(1200 / 1650)
    expected = 1500 + SITE_OPEX + ALPHA_TENANCY + BETA_TENANCY + 2 * CARRIER
    assert result.cost_delta == pytest.approx(expected)
    out = result.to_dict()
    assert out["demand"]["carriers_added"] == 2
    assert out["delta"]["demand"]["served_subscriptions"] == pytest.approx(450 + 1.25 / 0.015)
    assert out["delta"]["demand"]["operators"]["beta"]["carriers_added"] == 1
    plan = result.plan
    e1, c1 = data.sites.ids.index("E1"), data.sites.ids.index("C1")
    assert plan.carrier_counts(data)[e1, 0] == 2 and plan.carrier_counts(data)[c1, 1] == 1


def test_too_few_carriers_is_a_violation_naming_the_operator(data, tmp_path: Path) -> None:
    # Only alpha is given a second carrier: beta's E2 stays over capacity.
    result = evaluate_proposal(data, read_proposal(
        write_csv(tmp_path / "p.csv", ["alpha,E1,carriers,2"], HEADER), data))
    capacity = [v for v in result.violations if "beta" in v and "Mb/s" in v]
    assert capacity and not [v for v in result.violations if "alpha" in v and "Mb/s" in v]
    assert result.cost_delta == pytest.approx(CARRIER)


@pytest.mark.parametrize(("row", "message"), [
    ("alpha,E1,carriers,", "needs a value"),
    ("alpha,E1,carriers,4", "above max_carriers"),
    ("alpha,E1,carriers,0", "at least 1"),
    ("alpha,E1,carriers,1.5", "whole number"),
    ("beta,E1,carriers,2", "no tenancy on site E1 today"),
    ("alpha,E1,remove,2", "removed tenancy has no carriers"),
])
def test_bad_carriers_rows(data, tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(PlanError, match=message) as info:
        read_proposal(write_csv(tmp_path / "p.csv", [row], HEADER), data)
    assert info.value.row == 1


def test_carriers_need_demand(tmp_path: Path) -> None:
    v1 = btsopt.read_scenario(TINY)
    with pytest.raises(PlanError, match=r"\[demand\]"):
        read_proposal(write_csv(tmp_path / "p.csv", ["beta,E1,colocate,2"], HEADER), v1)


def test_from_plan_round_trip_keeps_carriers(data, tmp_path: Path) -> None:
    proposal = read_proposal(write_csv(tmp_path / "p.csv", [
        "beta,E2,carriers,3", "alpha,C2,build,2",
    ], HEADER), data)
    plan = proposal.apply(data)
    again = Proposal.from_plan(data, plan)
    assert {(c.operator_id, c.site_id, c.action, c.carriers) for c in again.changes} == {
        ("beta", "E2", "carriers", 3), ("alpha", "C2", "build", 2)}
    again.write_csv(tmp_path / "again.csv")
    assert read_proposal(tmp_path / "again.csv", data).apply(data) == plan


def test_text_report_shows_service_and_carriers(data, tmp_path: Path) -> None:
    proposal = read_proposal(write_csv(tmp_path / "p.csv", ["beta,E2,carriers,2"], HEADER), data)
    text = format_proposal_text(data, evaluate_proposal(data, proposal))
    assert "subscriptions served" in text and "carriers added" in text
    assert "highest load" in text
    assert "carriers added                             0                     1" in text


def test_frontier_helpers_give_added_tenancies_full_carriers(data) -> None:
    saturated = saturated_plan(data)
    assert (saturated.carriers[saturated.tenancies] == 3).all()
    plan = Proposal.from_changes(data, []).apply(data)  # today's network
    more = share_more(data, plan, 0.5)  # one of the two sites must become shared
    added = more.tenancies & ~plan.tenancies
    assert added.sum() == 1 and (more.carriers[added] == 3).all()
    assert (more.carriers[plan.tenancies] == 1).all()
