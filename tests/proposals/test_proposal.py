"""Proposal files: reading errors, applying, before/after figures on tiny by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from btsopt import PlanError, evaluate, read_scenario
from btsopt.cli import main
from btsopt.data import LOCK_IN, LOCK_OUT
from btsopt.plan import Plan
from btsopt.proposals import (
    Change,
    Proposal,
    evaluate_proposal,
    format_proposal_text,
    read_proposal,
    rent_flows,
)

from .helpers import (
    ALPHA_TENANCY,
    BETA_TENANCY,
    RENT,
    SITE_OPEX,
    TINY,
    TINY_OPTIMUM,
    TINY_TODAY,
    with_sites,
    write_csv,
)


@pytest.fixture(scope="module")
def tiny():
    return read_scenario(TINY)


# --------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("rows", "row", "column", "words"),
    [
        (["gamma,C2,build"], 1, "operator_id", "unknown operator 'gamma'"),
        (["alpha,C9,build"], 1, "site_id", "unknown site 'C9'"),
        (["alpha,C2,erect"], 1, "action", "unknown action 'erect'"),
        (["alpha,,build"], 1, "site_id", "empty value"),
        (["alpha,C2,build", "beta,E1,build"], 2, "site_id", "already exists"),
        (["alpha,C2,build", "beta,C2,build"], 2, "site_id", "already built by line 2"),
        (["alpha,E1,colocate"], 1, "site_id", "already on site E1"),
        (["beta,E1,remove"], 1, "site_id", "no tenancy on site E1"),
        (["alpha,C2,build", "alpha,C2,colocate"], 2, "site_id", "already changed by line 2"),
    ],
)
def test_malformed_rows_name_file_row_column(tmp_path, tiny, rows, row, column, words):
    path = write_csv(tmp_path / "p.csv", rows)
    with pytest.raises(PlanError) as info:
        read_proposal(path, tiny)
    error = info.value
    assert (error.row, error.column, error.file) == (row, column, str(path))
    assert words in str(error)


def test_missing_column_and_missing_file(tmp_path, tiny):
    path = write_csv(tmp_path / "p.csv", ["alpha,C2"], header="operator_id,site_id")
    with pytest.raises(PlanError, match="missing required column") as info:
        read_proposal(path, tiny)
    assert info.value.column == "action"
    with pytest.raises(PlanError, match="cannot open"):
        read_proposal(tmp_path / "nope.csv", tiny)


def test_row_numbers_count_blank_lines_and_ignore_extra_columns(tmp_path, tiny):
    path = tmp_path / "p.csv"
    path.write_text("operator_id,site_id,action,comment\nalpha,C2,BUILD,new\n\n"
                    "alpha,XX,colocate,typo\n", encoding="utf-8")
    with pytest.raises(PlanError) as info:
        read_proposal(path, tiny)
    assert info.value.row == 3


def test_cli_malformed_proposal_exits_2(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "alpha,E9,colocate"])
    assert main(["evaluate", str(TINY), "--proposal", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "line 3" in err and "column 'site_id'" in err
    assert "Traceback" not in err


def test_from_plan_round_trip(tiny, tmp_path):
    plan = Plan(np.array([[1, 0], [1, 1], [0, 0], [1, 1]], dtype=bool))
    proposal = Proposal.from_plan(tiny, plan)
    assert [(c.operator_id, c.site_id, c.action) for c in proposal.changes] == [
        ("alpha", "E2", "colocate"), ("alpha", "C2", "build"), ("beta", "C2", "colocate")]
    assert proposal.apply(tiny) == plan
    proposal.write_csv(tmp_path / "p.csv")
    assert read_proposal(tmp_path / "p.csv", tiny).apply(tiny) == plan


# ------------------------------------------------------------ before and after


def test_optimal_proposal_before_after_by_hand(tiny, tmp_path):
    # The tiny optimum as changes: alpha builds C2 and colocates on E2.
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "alpha,E2,colocate"])
    result = evaluate_proposal(tiny, read_proposal(path, tiny))
    assert result.admissible and result.violations == ()
    b, a = result.before, result.after
    assert (b.covered_hamlets, a.covered_hamlets) == (3, 5)
    assert [a.hamlet_ids[i] for i in result.hamlets_gained] == ["H4", "H5"]
    assert result.hamlets_lost.size == 0
    assert a.covered_population - b.covered_population == 450  # H4 200 + H5 250
    assert (b.shared_sites, b.active_sites, a.shared_sites, a.active_sites) == (0, 2, 1, 3)
    assert b.system_cost == pytest.approx(TINY_TODAY)
    assert a.system_cost == pytest.approx(TINY_OPTIMUM)
    # C2: capex 1000 + opex; two new alpha tenancies.
    assert result.cost_delta == pytest.approx(1000 + SITE_OPEX + 2 * ALPHA_TENANCY)
    alpha = result.operator_coverage("alpha")
    assert (alpha["hamlets_before"], alpha["hamlets_after"]) == (2, 5)
    assert alpha["gained_ids"] == ["H3", "H4", "H5"] and alpha["population_gained"] == 950
    beta = result.operator_coverage("beta")
    assert (beta["hamlets_before"], beta["hamlets_after"], beta["hamlets_lost"]) == (2, 2, 0)
    # Alpha pays beta one rent (on E2); it owns C2 alone.
    ops = a.operators
    assert ops["alpha"]["rent_paid"] == pytest.approx(RENT)
    assert ops["beta"]["rent_received"] == pytest.approx(RENT)
    assert ops["alpha"]["capex"] == pytest.approx(1000 + 2 * 400)
    assert ops["beta"]["npv"] == pytest.approx(SITE_OPEX + 60 * 6.7100814 - RENT, rel=1e-7)
    assert rent_flows(tiny, result.proposal, result.plan) == {
        ("alpha", "beta"): pytest.approx(RENT)}


def test_builder_owns_the_site_it_builds(tiny):
    # Beta builds C2 although alpha comes first in operator order: beta pays
    # the capex and alpha pays beta rent.
    proposal = Proposal.from_changes(tiny, [Change("beta", "C2", "build"),
                                            Change("alpha", "C2", "colocate")])
    result = evaluate_proposal(tiny, proposal)
    ops = result.after.operators
    assert ops["beta"]["capex"] == pytest.approx(1000 + 450)
    assert ops["alpha"]["capex"] == pytest.approx(400)
    assert ops["alpha"]["rent_paid"] == pytest.approx(RENT)
    assert ops["beta"]["rent_received"] == pytest.approx(RENT)
    flows = rent_flows(tiny, proposal, result.plan)
    assert sum(v for (payer, _), v in flows.items() if payer == "alpha") == pytest.approx(
        ops["alpha"]["rent_paid"])
    # The system cost does not depend on who owns the site.
    assert result.after.system_cost == pytest.approx(
        TINY_TODAY + 1000 + SITE_OPEX + ALPHA_TENANCY + BETA_TENANCY)


def test_empty_proposal_is_today(tiny, tmp_path):
    path = write_csv(tmp_path / "p.csv", [])
    result = evaluate_proposal(tiny, read_proposal(path, tiny))
    assert result.after.system_cost == pytest.approx(result.before.system_cost)
    # Today's network misses two hamlets and the sharing target.
    assert len(result.violations) == 2 and result.details == ()


# ------------------------------------------------------------------ violations


def kinds(result) -> set[str]:
    return {v.kind for v in result.details}


def test_tenant_limit(tiny):
    data = with_sites(tiny, max_tenants=[3, 1, 3, 3])
    result = evaluate_proposal(data, Proposal.from_changes(data, [
        Change("alpha", "C2", "build", 1), Change("alpha", "E2", "colocate", 2)]))
    assert kinds(result) == {"tenant_limit"}
    (violation,) = result.details
    assert violation.rows == (2,) and violation.site_id == "E2"
    assert any("more than its limit of 1" in v for v in result.violations)


def test_not_allowed_and_locked_out(tiny):
    allowed = np.array(tiny.sites.allowed)
    allowed[3, 1] = False  # beta may not use C2
    locked = np.array(tiny.sites.locked)
    locked[2] = LOCK_OUT  # C1 is out
    data = with_sites(tiny, allowed=allowed, locked=locked)
    result = evaluate_proposal(data, Proposal.from_changes(data, [
        Change("beta", "C2", "build", 1), Change("alpha", "C1", "build", 2)]))
    assert kinds(result) == {"not_allowed", "locked_out"}
    by_kind = {v.kind: v for v in result.details}
    assert by_kind["not_allowed"].rows == (1,) and by_kind["locked_out"].rows == (2,)
    assert any("not allowed on site C2" in v for v in result.violations)
    assert any("C1 is locked out" in v for v in result.violations)


def test_removal_breaks_policy_and_loses_coverage(tiny, tmp_path):
    # Beta on E2 alone covers H3: removing it loses H3 and empties E2.
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "beta,E2,remove"])
    result = evaluate_proposal(tiny, read_proposal(path, tiny))
    assert kinds(result) == {"relocation", "decommission", "coverage_lost"}
    lost = [v for v in result.details if v.kind == "coverage_lost"]
    assert lost[0].rows == (2,) and "H3" in lost[0].message
    assert [result.after.hamlet_ids[i] for i in result.hamlets_lost] == ["H3"]
    assert any("no longer covered (by line 3): H3" in v for v in result.violations)
    assert result.operator_coverage("beta")["lost_ids"] == ["H2", "H3"]
    # Decommissioning E2 and its tenancy is charged; H4, H5 gained, H3 lost.
    assert result.after.cost["decommission"] == pytest.approx(200)
    assert result.after.covered_hamlets == 4


def test_locked_in_site_emptied(tiny):
    policy = replace(tiny.policy, allow_relocation=True, allow_decommission=True)
    locked = np.array(tiny.sites.locked)
    locked[0] = LOCK_IN
    data = replace(with_sites(tiny, locked=locked), policy=policy)
    result = evaluate_proposal(data, Proposal.from_changes(data, [
        Change("alpha", "E1", "remove", 1)]))
    assert "locked_in" in kinds(result)
    assert "relocation" not in kinds(result) and "decommission" not in kinds(result)
    assert any("locked in but not active" in v for v in result.violations)


def test_evaluate_cli_exits_1_on_rule_breaches(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", ["beta,E2,remove"])
    assert main(["evaluate", str(TINY), "--proposal", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NOT ADMISSIBLE: the proposal breaks" in out
    assert "[relocation]" in out and "[coverage_lost]" in out


def test_evaluate_cli_exits_0_when_only_targets_are_missed(tmp_path, capsys):
    # Building C2 breaks no rule; the province still misses the sharing target.
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build"])
    assert main(["evaluate", str(TINY), "--proposal", str(path)]) == 0
    out = capsys.readouterr().out
    breaches, targets = out.split("province-wide targets not met after the proposal")
    assert "rule breaches: none (the proposal is admissible)" in breaches
    assert "shared-site ratio" in targets and "below the target" in targets


# ------------------------------------------------------------------- reporting

SPEC_KEYS = {"hamlet_coverage", "covered_hamlets", "shared_site_ratio", "active_sites",
             "shared_sites", "system_cost", "operators", "violations"}


def test_json_keys(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "beta,E2,remove"])
    assert main(["evaluate", str(TINY), "--proposal", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert SPEC_KEYS <= set(payload)
    assert payload["rule_breaches"] and set(payload["target_shortfalls"]) <= set(
        payload["violations"])
    assert {"before", "after", "delta", "violation_details"} <= set(payload)
    assert SPEC_KEYS <= set(payload["before"]) and SPEC_KEYS <= set(payload["after"])
    for op in ("alpha", "beta"):
        entry = payload["operators"][op]
        assert {"cost", "capex", "opex", "rent_paid", "rent_received", "npv"} <= set(entry)
        assert {"hamlets_before", "hamlets_after", "hamlets_gained", "hamlets_lost",
                "population_gained", "population_lost"} <= set(entry["coverage"])
    assert payload["covered_hamlets"] == payload["after"]["covered_hamlets"] == 4
    assert payload["delta"]["hamlets_gained_ids"] == ["H4", "H5"]
    assert payload["delta"]["hamlets_lost_ids"] == ["H3"]
    assert all(isinstance(v, str) for v in payload["violations"])
    assert payload["violations"] and payload["admissible"] is False


def test_operator_view(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "alpha,E2,colocate"])
    assert main(["evaluate", str(TINY), "--proposal", str(path), "--json",
                 "--operator", "beta"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload["operators"]) == ["beta"]
    assert list(payload["before"]["operators"]) == list(payload["after"]["operators"]) == ["beta"]
    beta = payload["operators"]["beta"]
    assert beta["rent_received"] == pytest.approx(RENT)
    assert beta["delta"]["npv"] == pytest.approx(-RENT)
    assert "third_party" not in payload["after"]
    assert main(["evaluate", str(TINY), "--proposal", str(path), "--operator", "beta"]) == 0
    out = capsys.readouterr().out
    assert "operator beta" in out and "operator alpha" not in out
    assert "receives rent from alpha" in out
    assert main(["evaluate", str(TINY), "--proposal", str(path), "--operator", "zeta"]) == 2


def test_text_report_names_before_and_after(tiny, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["alpha,C2,build", "alpha,E2,colocate"])
    text = format_proposal_text(tiny, evaluate_proposal(tiny, read_proposal(path, tiny)))
    assert "3 of 5" in text and "5 of 5" in text and "33.33% (1/3)" in text
    assert "rule breaches: none" in text and "province-wide targets: all met" in text


def test_after_matches_the_evaluator(tiny):
    plan = Plan(np.array([[1, 1], [1, 1], [0, 0], [1, 0]], dtype=bool))
    result = evaluate_proposal(tiny, Proposal.from_plan(tiny, plan))
    direct = evaluate(tiny, plan)
    assert result.after.system_cost == pytest.approx(direct.system_cost)
    assert result.after.violations == direct.violations
