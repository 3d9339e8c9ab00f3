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
