"""Shared fixtures: paths of the bundled scenarios and a scenario copier."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny" / "scenario.toml"
NAM_DINH = ROOT / "scenarios" / "nam-dinh" / "scenario.toml"
SHARED_DATA = ROOT.parent / "shared" / "data" / "scp"


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny scenario; returns its TOML path."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY.parent, target)
    return target / "scenario.toml"


def tiny_with_demand(
    folder: Path,
    demand: str | None = "",
    operator_keys: tuple[str, str] = ("", ""),
    subscriptions: list[str] | None = None,
    carriers: list[str] | None = None,
) -> Path:
    """scenarios/tiny with ``[demand]`` (its body is ``demand``) and capacity keys.

    ``operator_keys`` are TOML lines added to alpha's and beta's entries;
    ``subscriptions`` and ``carriers`` fill those columns (None: no column).
    """
    shutil.copytree(TINY.parent, folder)
    toml = (folder / "scenario.toml").read_text("utf-8")
    toml = toml.replace('name = "Alpha Mobile"\n', f'name = "Alpha Mobile"\n{operator_keys[0]}\n')
    toml = toml.replace('name = "Beta Telecom"\n', f'name = "Beta Telecom"\n{operator_keys[1]}\n')
    if demand is not None:
        toml += f"\n[demand]\n{demand}\n"
    (folder / "scenario.toml").write_text(toml, "utf-8")
    if subscriptions is not None:
        lines = (folder / "hamlets.csv").read_text("utf-8").splitlines()
        lines = [f"{line},{cell}" for line, cell in zip(lines, ["subscriptions", *subscriptions],
                                                          strict=True)]
        (folder / "hamlets.csv").write_text("\n".join(lines) + "\n", "utf-8")
    if carriers is not None:
        lines = (folder / "tenancies.csv").read_text("utf-8").splitlines()
        lines = [f"{line},{cell}" for line, cell in zip(lines, ["carriers", *carriers],
                                                          strict=True)]
        (folder / "tenancies.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return folder / "scenario.toml"
