"""Paths and small builders shared by the proposal tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from btsopt.data import ProblemData

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny" / "scenario.toml"
NAM_DINH = ROOT / "scenarios" / "nam-dinh" / "scenario.toml"
NAM_DINH_PROPOSALS = ROOT / "scenarios" / "nam-dinh" / "proposals"

A = sum(1.08 ** -t for t in range(1, 11))
"""Annuity factor of the tiny scenario (10 years at 8%): 6.7100814."""
SITE_OPEX = 120 * A
ALPHA_TENANCY = 400 + 60 * A  # capex + opex NPV of a new alpha tenancy
BETA_TENANCY = 450 + 60 * A
RENT = 90 * A
TINY_OPTIMUM = 5826.048839364865
TINY_TODAY = 2 * SITE_OPEX + 2 * 60 * A  # two existing single-tenant sites


def write_csv(path: Path, rows: list[str], header: str = "operator_id,site_id,action") -> Path:
    """Write a proposal file with the given data rows."""
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def with_sites(data: ProblemData, **columns) -> ProblemData:
    """``data`` with some site columns replaced (arrays copied)."""
    return replace(data, sites=replace(data.sites, **{k: np.asarray(v) for k, v in
                                                      columns.items()}))
