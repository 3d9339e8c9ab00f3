"""Instance names, sets, the family cache and the best-known table."""

from __future__ import annotations

from pathlib import Path

import pytest

from btsopt.bench.instances import (
    ORLIB,
    SCENARIO,
    instance_sets,
    load_best_known,
    resolve_instances,
)
from btsopt.bench.runner import load_settings
from btsopt.errors import ScenarioError

from .conftest import TINY, TINY_SCP


def test_paths_and_tiny() -> None:
    tiny, scp = resolve_instances([str(TINY), str(TINY_SCP)])
    assert (tiny.name, tiny.kind) == ("tiny", SCENARIO)
    assert (scp.name, scp.kind) == ("tiny_scp", ORLIB)
    (named,) = resolve_instances(["tiny"])
    assert named.path.resolve() == TINY.resolve()


def test_scp_sets_in_natural_order(scp_dir: Path) -> None:
    sets = instance_sets()
    assert len(sets["scp"]) == 45
    assert sets["scp4"] == [f"scp4{n}" for n in range(1, 11)]
    resolved = resolve_instances(["scp4", "scp41"])  # duplicates dropped
    assert [i.name for i in resolved] == sets["scp4"]
    assert resolved[0].best_known == 429


def test_best_known_table() -> None:
    best = load_best_known()
    assert len(best) >= 45
    assert best["scp41"] == 429 and best["scpc5"] == 215 and best["scpd5"] == 61


def test_family_is_generated_once_and_cached(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("btsopt.generate")
    monkeypatch.setenv("BTSOPT_BENCH_CACHE", str(tmp_path))
    (first,) = resolve_instances(["S-greenfield"])
    assert first.kind == SCENARIO and first.path.is_file()
    assert first.path.parent.name == "S-greenfield-seed1"
    stamp = first.path.parent / ".stamp"
    mtime = first.path.stat().st_mtime_ns
    (again,) = resolve_instances(["S-greenfield"])
    assert again.path == first.path and first.path.stat().st_mtime_ns == mtime
    stamp.write_text("stale")  # the generator changed: the member is made again
    (third,) = resolve_instances(["S-greenfield@2", "S-greenfield"])[1:]
    assert third.path == first.path and stamp.read_text() != "stale"
    assert [i.name for i in resolve_instances(["S"])] == [
        "S-brownfield", "S-consolidation", "S-each", "S-greenfield"]


def test_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[default]\n\n[lp2]\nthreads = 2\n"plain-cpsat" = { linearization_level = 2 }\n')
    settings = load_settings(str(path), {"gap": 0.01})
    assert list(settings) == ["default", "lp2"]
    assert settings["lp2"]["plain-cpsat"] == {"linearization_level": 2}
    assert settings["default"] == {"gap": 0.01}
    assert load_settings(None, {"a": 1}) == {"default": {"a": 1}}
    path.write_text("x = 1\n")
    with pytest.raises(ScenarioError):
        load_settings(str(path), {})


def test_demand_members_are_cached_apart(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BTSOPT_BENCH_CACHE", str(tmp_path))
    plain, capacitated = resolve_instances(["S-consolidation", "S-consolidation-demand"])
    assert capacitated.name == "S-consolidation-demand"
    assert capacitated.path.parent.name == "S-consolidation-demand-seed1"
    assert "[demand]" in capacitated.path.read_text()
    assert "[demand]" not in plain.path.read_text()
    assert instance_sets()["demand"] == [
        "M-brownfield-demand", "M-consolidation-demand", "M-greenfield-demand",
        "XL-consolidation-demand"]
