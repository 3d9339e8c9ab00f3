"""Diagnosis of infeasible scenarios and the memory estimate (btsopt.diagnose)."""

from __future__ import annotations

import importlib
import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from btsopt import read_scenario, solve
from btsopt.data import Hamlets, Operator, Radio
from btsopt.diagnose import (
    Diagnosis,
    ResourceError,
    check_resources,
    estimate_memory,
    explain_infeasibility,
)
from btsopt.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny"
NAM_DINH = ROOT / "scenarios" / "nam-dinh" / "scenario.toml"


def tiny_copy(tmp_path: Path, *, toml_edit=None, sites_edit=None, extra_hamlet: str = ""):
    """A copy of scenarios/tiny with optional edits, read back."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    if toml_edit is not None:
        path = folder / "scenario.toml"
        path.write_text(toml_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    if sites_edit is not None:
        path = folder / "sites.csv"
        path.write_text(sites_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    if extra_hamlet:
        path = folder / "hamlets.csv"
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra_hamlet + "\n"
        path.write_text(text, encoding="utf-8")
    return read_scenario(folder / "scenario.toml")


FAR = "H9,107.5,20.0,100,rural,Xóm Xa,Xã Z,Huyện Z"


def test_far_hamlet_fixed_radius_names_nearest_site_and_radius(tmp_path):
    data = tiny_copy(tmp_path, extra_hamlet=FAR)
    assert solve(data).status == "infeasible"
    diag = explain_infeasibility(data, time_limit=5)
    assert isinstance(diag, Diagnosis)
    assert diag.unreachable_count == 1
    far = diag.unreachable[0]
    assert far.id == "H9" and far.nearest_site == "C2"
    assert far.distance_km == pytest.approx(144.6, abs=0.5)
    assert far.radius_km == 2.5
    message = diag.message
    assert "H9 (Xóm Xa): nearest usable site C2 at" in message
    assert "beyond the 2.5 km rural radius of alpha" in message
    # The remaining hamlets are feasible: no other reason is invented.
    assert len(diag.reasons) == 1


def test_far_hamlet_hata_names_path_loss_and_limit(tmp_path):
    data = tiny_copy(tmp_path, extra_hamlet=FAR)
    # The same scenario under COST-231 Hata, 1800 MHz, 135 dB budget.
    ops = tuple(replace(op, frequency_mhz=1800.0, max_path_loss_db=135.0, radius_km=None)
                for op in data.operators)
    data = replace(data, radio=Radio(model="cost231-hata"), operators=ops)
    diag = explain_infeasibility(data, time_limit=5)
    far = next(u for u in diag.unreachable if u.id == "H9")
    assert far.path_loss_db is not None and far.path_loss_db > 135.0
    assert far.limit_db == 135.0 and far.operator == "alpha"
    assert f"path loss {far.path_loss_db:.1f} dB > 135 dB limit of alpha" in diag.message


def test_sharing_impossible_reports_zero_and_tenant_limit(tmp_path):
    def one_tenant(text: str) -> str:
        return text.replace("max_tenants = 3", "max_tenants = 1")

    data = tiny_copy(tmp_path, toml_edit=one_tenant)
    assert data.targets.shared_site_ratio == pytest.approx(0.3)
    assert solve(data).status == "infeasible"
    diag = explain_infeasibility(data, time_limit=5)
    assert diag.sharing is not None
    assert diag.sharing.highest == 0.0 and diag.sharing.upper_bound == 0.0
    assert diag.sharing.at_tenant_limit == 4
    assert diag.sharing.forced_unshareable == 2
    assert "highest reachable shared-site ratio is 0.0%" in diag.message
    assert "tenant limit" in diag.message


def test_budget_too_small_names_least_cost(tmp_path):
    def small_budget(text: str) -> str:
        return text.replace('sharing = "hard"', 'sharing = "hard"\nbudget = 3000')

    data = tiny_copy(tmp_path, toml_edit=small_budget)
    assert data.targets.budget == 3000
    assert solve(data).status == "infeasible"
    diag = explain_infeasibility(data, time_limit=10)
    assert diag.budget is not None and diag.budget.too_small
    assert diag.budget.least_cost == pytest.approx(5826.05, abs=0.01)
    assert "5826.05" in diag.message and "budget of 3000.00" in diag.message
    assert diag.sharing is None and not diag.unreachable


def test_locked_out_conflict_uses_precheck_wording(tmp_path):
    def lock_e1(text: str) -> str:
        lines = text.strip().splitlines()
        lines[0] += ",locked"
        lines[1:] = [line + (",out" if line.startswith("E1,") else ",") for line in lines[1:]]
        return "\n".join(lines) + "\n"

    data = tiny_copy(tmp_path, sites_edit=lock_e1)
    result = solve(data)
    diag = explain_infeasibility(data, time_limit=5)
    assert diag.policy_conflicts
    assert diag.policy_conflicts[0] in result.message


def test_feasible_scenario_says_so():
    data = read_scenario(TINY / "scenario.toml")
    diag = explain_infeasibility(data, time_limit=5)
    assert diag.feasible is True
    assert "5826.05" in diag.message


def test_joint_conflict_relaxations_name_binding_constraints(tmp_path):
    # Sharing reachable without the budget, budget met without sharing:
    # the closed form and the least cost pass only when relaxed together.
    data = read_scenario(TINY / "scenario.toml")
    relaxed = replace(data, targets=replace(data.targets, shared_site_ratio=0.0))
    cheapest = solve(relaxed).objective
    assert cheapest < 5826.05
    budget = (cheapest + 5826.04) / 2
    squeezed = replace(data, targets=replace(data.targets, budget=budget))
    diag = explain_infeasibility(squeezed, time_limit=5)
    # Here the budget reason (least cost under the targets) already explains it.
    assert diag.budget is not None and diag.budget.binding
    assert not diag.relaxations


def _scaled(data, copies: int):
    """``data`` with its hamlets repeated ``copies`` times (same places, more rows)."""
    h = data.hamlets
    idx = np.tile(np.arange(len(h)), copies)
    hamlets = Hamlets(
        ids=tuple(f"{h.ids[i]}#{c}" for c in range(copies) for i in range(len(h))),
        lon=h.lon[idx], lat=h.lat[idx], population=h.population[idx],
        area_type=h.area_type[idx], min_operators=h.min_operators[idx],
        name=tuple(h.name[i] for i in idx), commune=tuple(h.commune[i] for i in idx),
        district=tuple(h.district[i] for i in idx),
    )
    return replace(data, hamlets=hamlets)


def test_estimate_memory_monotone():
    # (Its speed is measured by benchmarks/timings.py.)
    tiny = read_scenario(TINY / "scenario.toml")
    nam_dinh = read_scenario(NAM_DINH)
    small = estimate_memory(nam_dinh)
    big = estimate_memory(_scaled(nam_dinh, 3))
    assert estimate_memory(tiny) < small < big
    # Measured: a Nam Dinh solve peaks at 357 MB RSS (module docstring).
    assert 0.3e9 < small < 0.45e9


def test_check_resources_raises_on_small_limit():
    data = read_scenario(TINY / "scenario.toml")
    assert check_resources(data, limit_bytes=10**15) == estimate_memory(data)
    with pytest.raises(ResourceError, match=r"needs an estimated \d+\.\d GB") as info:
        check_resources(data, limit_bytes=1000)
    assert isinstance(info.value, ScenarioError)


def test_operator_dataclass_unchanged():
    # Guards the replace() calls above against a renamed field.
    assert {"frequency_mhz", "max_path_loss_db", "radius_km"} <= set(Operator.__dataclass_fields__)
    assert math.isinf(read_scenario(TINY / "scenario.toml").targets.budget)


def test_search_false_needs_no_solve(tmp_path, monkeypatch):
    def one_tenant(text: str) -> str:
        return text.replace("max_tenants = 3", "max_tenants = 1")

    data = tiny_copy(tmp_path, toml_edit=one_tenant, extra_hamlet=FAR)

    def no_solve(*args, **kwargs):
        raise AssertionError("search=False must not solve")

    for module in ("btsopt.solve", "btsopt.diagnose", "btsopt.proposals.frontier"):
        monkeypatch.setattr(importlib.import_module(module), "solve", no_solve)
    diag = explain_infeasibility(data, search=False)
    assert len(diag.reasons) == 2
    assert "H9 (Xóm Xa)" in diag.reasons[0]
    assert diag.reasons[0].startswith(
        "1 hamlet(s) cannot meet their coverage rule from any usable site: ")
    assert "at most 0.0% of active sites can be shared" in diag.reasons[1]


def test_relaxations_name_the_binding_constraint():
    # H4 needs both operators; only C1 reaches it for both (C2 locked out)
    # and C1 takes one tenant: every cheap check passes, coverage binds.
    data = read_scenario(TINY / "scenario.toml")
    sites = data.sites
    c1, c2 = sites.ids.index("C1"), sites.ids.index("C2")
    cap = sites.max_tenants.copy()
    cap[c1] = 1
    locked = sites.locked.copy()
    locked[c2] = -1
    need = data.hamlets.min_operators.copy()
    need[data.hamlets.ids.index("H4")] = 2
    data = replace(
        data, sites=replace(sites, max_tenants=cap, locked=locked),
        hamlets=replace(data.hamlets, min_operators=need),
        targets=replace(data.targets, shared_site_ratio=0.0),
    )
    assert solve(data).status == "infeasible"
    diag = explain_infeasibility(data, time_limit=5)
    assert diag.binding == ("hamlet coverage",)
    assert "the binding constraint is the hamlet coverage" in diag.message
    assert "4 of 5 hamlets" in diag.message
