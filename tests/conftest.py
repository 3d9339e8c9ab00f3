"""Shared fixtures: paths of the bundled scenarios and a scenario copier; the
hypothesis profile of CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# CI draws the same cases on every run (seeded from each test's own code), so
# a red build is never a fresh random draw nobody can repeat; locally the
# default profile keeps drawing new cases (and replays its failures from
# .hypothesis). `.ci/run` sets CI; CI=1 python -m pytest does the same here.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

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


TINY_CARRIER_KEYS = (
    "market_share = 0.5\nsectors = 1\ncarrier_mhz = 10\nspectral_efficiency = 1.0\n"
    "peak_mbps = 140\nmax_carriers = 3\ncarrier_capex = 150\ncarrier_opex_per_year = 15"
)
"""Operator keys of the capacitated tiny scenario: c = 1 x 10 x 1.0 x (1 - 70/140) = 5 Mb/s."""


def write_tiny_demand(directory: Path, busy_hour_mbps: float = 0.015) -> Path:
    """The tiny scenario with ``[demand]`` (subscriptions = population), in ``directory``.

    With the default 0.015 Mb/s per subscription, each operator's demand in a
    hamlet is population x 0.0075 Mb/s (H1 3, H2 2.25, H3 3.75, H4 1.5,
    H5 1.875) and one carrier carries 5 Mb/s: today alpha's E1 (H1 + H2 =
    5.25) and beta's E2 (H2 + H3 = 6) are both over capacity.
    """
    demand = (f"subscriptions_per_100 = 100\nbusy_hour_mbps = {busy_hour_mbps}\n"
              "user_mbps = 70\nkeep_service = true")
    return tiny_with_demand(directory, demand, (TINY_CARRIER_KEYS, TINY_CARRIER_KEYS))


@pytest.fixture
def tiny_demand(tmp_path: Path) -> Path:
    """A capacitated copy of the tiny scenario (see :func:`write_tiny_demand`)."""
    return write_tiny_demand(tmp_path / "tiny-demand")
