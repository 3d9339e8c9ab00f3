"""Paths shared by the benchmark-tool tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny" / "scenario.toml"
TINY_SCP = Path(__file__).resolve().parent / "data" / "tiny_scp.txt"
SCP_DIR = REPO / ".." / "shared" / "data" / "scp"
TINY_OPTIMUM = 5826.0488
TINY_SCP_OPTIMUM = 8.0


@pytest.fixture
def scp_dir() -> Path:
    """The visible OR-Library folder; skips the test when it is absent."""
    if not (SCP_DIR / "README.md").is_file():
        pytest.skip(f"OR-Library instances not found at {SCP_DIR}")
    return SCP_DIR.resolve()
