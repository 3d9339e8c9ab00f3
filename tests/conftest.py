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


TINY_CARRIER_KEYS = (
    "market_share = 0.5\nsectors = 1\ncarrier_mhz = 10\nspectral_efficiency = 1.0\n"
    "peak_mbps = 140\nmax_carriers = 3\ncarrier_capex = 150\ncarrier_opex_per_year = 15\n"
)
"""Operator keys of the capacitated tiny scenario: c = 1 x 10 x 1.0 x (1 - 70/140) = 5 Mb/s."""


def write_tiny_demand(directory: Path, busy_hour_mbps: float = 0.015) -> Path:
    """The tiny scenario with ``[demand]`` (subscriptions = population), in ``directory``.

    With the default 0.015 Mb/s per subscription, each operator's demand in a
    hamlet is population x 0.0075 Mb/s (H1 3, H2 2.25, H3 3.75, H4 1.5,
    H5 1.875) and one carrier carries 5 Mb/s: today alpha's E1 (H1 + H2 =
    5.25) and beta's E2 (H2 + H3 = 6) are both over capacity.
    """
    shutil.copytree(TINY.parent, directory, dirs_exist_ok=True)
    toml = directory / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    demand = (f"[demand]\nsubscriptions_per_100 = 100\nbusy_hour_mbps = {busy_hour_mbps}\n"
              "user_mbps = 70\nkeep_service = true\n\n")
    text = text.replace("[[operators]]", "[[operators]]\n" + TINY_CARRIER_KEYS.rstrip("\n"))
    text = text.replace("[[operators]]", demand + "[[operators]]", 1)
    toml.write_text(text.replace('name = "tiny"', 'name = "tiny-demand"'), encoding="utf-8")
    return toml


@pytest.fixture
def tiny_demand(tmp_path: Path) -> Path:
    """A capacitated copy of the tiny scenario (see :func:`write_tiny_demand`)."""
    return write_tiny_demand(tmp_path / "tiny-demand")
