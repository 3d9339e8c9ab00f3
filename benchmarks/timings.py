"""Timings of the fast paths on the bundled province, each against its budget.

The unit tests check what these functions give; how fast they give it is
measured here (issue 15: no clock assertions in the default test run). On the
Nam Dinh scenario (3,200 hamlets, 2,621 sites, 4 operators):

* ``estimate_memory`` (the check run before every solve): budget 1 s;
* ``evaluate`` of a plan (today's network plus a co-location on every second
  single-tenant site, as in the report tests): budget 3 s;
* ``evaluate_proposal`` of the bundled optimal proposal: budget 2 s;
* ``render_html`` of that plan: budget 5 s of CPU;
* the report drawn in headless Chromium: budget 2 s of the renderer's CPU,
  from a fresh renderer process to the second frame after the load event
  (skipped when no Chromium is installed).

Each figure is the best of ``--repeat`` runs after a warm-up (the browser:
``--repeat`` fresh browsers), CPU time where the budget says CPU (on a shared
machine the wall clock measures the other jobs too). Usage, from the repository's root::

    python -m benchmarks.timings [--repeat 3] [--json]

Exit status 1 when a figure is over its budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from btsopt.diagnose import estimate_memory
from btsopt.evaluation import evaluate
from btsopt.outputs import render_html
from btsopt.plan import Plan
from btsopt.proposals import evaluate_proposal, read_proposal
from btsopt.reading import read_scenario
from btsopt.result import Result

try:  # the browser tests' DevTools helper (run from the repository's root)
    from tests.outputs.browser import Browser, chromium
except ImportError:
    Browser = chromium = None

ROOT = Path(__file__).resolve().parents[1]
NAM_DINH = ROOT / "scenarios" / "nam-dinh" / "scenario.toml"
OPTIMAL_PROPOSAL = ROOT / "scenarios" / "nam-dinh" / "proposals" / "optimal.csv"

BUDGETS = {
    "estimate_memory": 1.0,
    "evaluate": 3.0,
    "evaluate_proposal": 2.0,
    "render_html (CPU)": 5.0,
    "browser render (CPU)": 2.0,
}
"""Seconds each step may take on the province."""


def best_of(function: Callable[[], object], repeat: int, clock=time.perf_counter) -> float:
    """Least seconds of ``repeat`` calls of ``function`` after one warm-up call."""
    function()
    times = []
    for _ in range(repeat):
        start = clock()
        function()
        times.append(clock() - start)
    return min(times)


def province_plan(data) -> Plan:
    """Today's network plus a co-location on every second single-tenant site."""
    x = data.tenancies.copy()
    for j in [j for j in range(data.num_sites) if x[j].sum() == 1][::2]:
        x[j, (int(x[j].argmax()) + 1) % data.num_operators] = True
    return Plan(x)


def browser_seconds(page: Path, repeat: int) -> float | None:
    """The renderer's least CPU seconds to draw ``page``, each time in a fresh
    browser (``None``: no Chromium)."""
    binary = chromium() if chromium is not None else None
    if binary is None:
        return None
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as profile, \
                Browser(binary, Path(profile), width=1400, height=1000) as browser:
            browser.send("Performance.enable")
            browser.open(page)  # a file page after about:blank: a new renderer process
            browser.evaluate("new Promise(r => requestAnimationFrame(() => "
                             "requestAnimationFrame(() => r(performance.now()))))")
            metrics = {m["name"]: m["value"]
                       for m in browser.send("Performance.getMetrics")["metrics"]}
            times.append(metrics["ProcessTime"])
    return min(times)


def measure(repeat: int) -> dict[str, float | None]:
    """Seconds of every step (``None``: not measured here)."""
    data = read_scenario(NAM_DINH)
    plan = province_plan(data)
    evaluation = evaluate(data, plan)
    result = Result(status="feasible", plan=plan, objective=evaluation.system_cost,
                    lower_bound=evaluation.system_cost, wall_time=0.0, backend="timings",
                    evaluation=evaluation)
    proposal = read_proposal(OPTIMAL_PROPOSAL, data)
    figures: dict[str, float | None] = {
        "estimate_memory": best_of(lambda: estimate_memory(data), repeat),
        "evaluate": best_of(lambda: evaluate(data, plan), repeat),
        "evaluate_proposal": best_of(lambda: evaluate_proposal(data, proposal), repeat),
        "render_html (CPU)": best_of(lambda: render_html(data, result), repeat,
                                     time.process_time),
    }
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(render_html(data, result), encoding="utf-8")
        figures["browser render (CPU)"] = browser_seconds(page, repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    figures = measure(max(args.repeat, 1))
    over = [name for name, seconds in figures.items()
            if seconds is not None and seconds > BUDGETS[name]]
    if args.json:
        print(json.dumps({"seconds": figures, "budgets": BUDGETS, "over": over}))
    else:
        print(f"{'step':<22} {'seconds':>8} {'budget':>7}")
        for name, seconds in figures.items():
            shown = "skipped" if seconds is None else f"{seconds:.3f}"
            flag = "  OVER" if name in over else ""
            print(f"{name:<22} {shown:>8} {BUDGETS[name]:>7.1f}{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
