"""Soak: many consecutive solves in one process through the Python API, with the
process's resident memory after each, to show that nothing accumulates.

Usage: ``python benchmarks/soak.py [--runs 50] [--time-limit 60] [SCENARIO]``
(default: the bundled Nam Định province). Prints one JSON object: the RSS
after each solve (MiB), the peak RSS (``ru_maxrss``), the growth after the
first five solves and the wall time.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from pathlib import Path

import psutil

from btsopt import SolveParams, solve
from btsopt.reading import read_scenario

NAM_DINH = Path(__file__).resolve().parents[1] / "scenarios" / "nam-dinh" / "scenario.toml"
WARM_UP = 5
"""Solves after which memory must be steady (caches, imports, allocator pools)."""


def soak(scenario: Path, runs: int, time_limit: float) -> dict:
    data = read_scenario(scenario)
    params = SolveParams(time_limit=time_limit)
    process = psutil.Process()
    rss, objectives = [], []
    start = time.perf_counter()
    for _ in range(runs):
        result = solve(data, params)
        objectives.append(result.objective)
        del result
        gc.collect()
        rss.append(process.memory_info().rss / 2**20)
    wall = time.perf_counter() - start
    base = rss[min(WARM_UP, runs) - 1]
    return {
        "scenario": str(scenario.name if scenario != NAM_DINH else "nam-dinh"),
        "runs": runs,
        "wall_time_s": round(wall, 1),
        "seconds_per_solve": round(wall / runs, 2),
        "rss_mib": [round(value, 1) for value in rss],
        "growth_after_warm_up": max(rss[WARM_UP:], default=base) / base - 1.0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "distinct_objectives": len(set(objectives)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(NAM_DINH))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args(argv)
    print(json.dumps(soak(Path(args.scenario), args.runs, args.time_limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
