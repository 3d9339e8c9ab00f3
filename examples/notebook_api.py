"""Solve the tiny scenario and look at the plan as pandas DataFrames.

Run from the repository root::

    PYTHONPATH=. python examples/notebook_api.py

The same calls work cell by cell in a Jupyter notebook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import btsopt
from btsopt.frames import result_frames
from btsopt.outputs import render_html

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "tiny" / "scenario.toml"


def main() -> None:
    data = btsopt.read_scenario(SCENARIO)
    result = btsopt.solve(data, btsopt.SolveParams(time_limit=30))
    print(result, end="\n\n")

    frames = result_frames(data, result)
    print(frames, end="\n\n")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        for name, frame in frames.as_dict().items():
            print(f"--- {name}")
            print(frame.head(), end="\n\n")

        # Typical questions, answered with ordinary pandas:
        print("--- shared sites")
        print(frames.sites.loc[frames.sites["shared"], ["site_id", "status", "tenants"]])
        print("--- KPIs against the targets")
        print(frames.kpis.loc[["hamlet_coverage", "shared_site_ratio", "system_cost"]])

    # The same plan as a self-contained HTML page (open it in any browser).
    page = render_html(data, result)
    print(f"\nreport.html would be {len(page.encode('utf-8')):,} bytes")


if __name__ == "__main__":
    main()
