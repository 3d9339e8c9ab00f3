"""The tiny scenario and its known optimal plan, shared by the output tests.

The optimum is built by hand (not solved) so that these tests check the
outputs alone; ``test_frames.py`` also checks that a real solve agrees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from btsopt.data import ProblemData
from btsopt.evaluation import evaluate
from btsopt.plan import Plan
from btsopt.result import Result

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny" / "scenario.toml"
NAM_DINH = ROOT / "scenarios" / "nam-dinh" / "scenario.toml"

TINY_OPTIMUM = 5826.0488
"""System cost (NPV) of the tiny scenario's optimal plan."""

TINY_PLAN_ROWS = [
    ("E1", "alpha", "keep"),
    ("E2", "alpha", "colocate"),
    ("E2", "beta", "keep"),
    ("C2", "alpha", "build"),
]
"""``plan.csv`` rows of the tiny optimum."""


def plan_from_rows(data: ProblemData, rows: list[tuple[str, str, str]]) -> Plan:
    """A plan holding the non-``remove`` rows."""
    x = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    for site, op, action in rows:
        if action != "remove":
            x[data.sites.ids.index(site), data.operator_index(op)] = True
    return Plan(x)


def make_result(data: ProblemData, plan: Plan | None, status: str = "optimal") -> Result:
    """A Result as ``solve`` would return it for ``plan`` (bound = cost: optimal)."""
    if plan is None:
        return Result(status=status, plan=None, objective=float("inf"),
                      lower_bound=float("-inf"), wall_time=0.5, backend="test",
                      message="no plan meets the targets: hamlets H4, H5 are out of reach")
    ev = evaluate(data, plan)
    return Result(status=status, plan=plan, objective=ev.system_cost,
                  lower_bound=ev.system_cost, wall_time=0.25, backend="test", evaluation=ev)
