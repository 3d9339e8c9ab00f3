"""Moves per second of the core's local search, and when it finds each
better cover, on a set-covering instance: a fixed number of moves from the
greedy cover, no clock in the search (its moves do not depend on the machine).

Usage: ``python benchmarks/local_search_moves.py rail-1 --moves 2000000 [--seed 0]
[--tenure 3] [--pairs-per-row 60] [--module OTHER.py]``. ``--module`` times another version of
``btsopt/solvers/core/local_search.py`` (e.g. ``git show REV:btsopt/solvers/core/local_search.py
> old.py``) on the same start. Prints one JSON object: the kernel's wall and CPU
seconds (its compilation excluded), moves a second of each (on a shared
machine the CPU figure is the fairer one), the start and best cost, and
the move count (to the chunk) at which each better cost was first held;
the best plan is checked to be a cover at that cost.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from dataclasses import replace

import numpy as np

from btsopt.bench.instances import load_problem, resolve_instances
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.solvers.core import local_search as default_module
from btsopt.solvers.core.heuristic import construct, plan_cost
from btsopt.solvers.core.lagrangian import pair_increase, subgradient
from btsopt.solvers.core.phases import core_columns
from btsopt.solvers.core.settings import LocalSearchSettings
from btsopt.solvers.core.structure import core_structure


def load_module(path: str | None):
    """The local-search module to time: the installed one, or the file ``path``."""
    if path is None:
        return default_module
    spec = importlib.util.spec_from_file_location("other_local_search", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's disk cache imports it by name
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", help="an instance token of btsopt bench, e.g. rail-1")
    parser.add_argument("--moves", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tenure", type=int, default=LocalSearchSettings().tenure)
    parser.add_argument("--chunk", type=int, default=LocalSearchSettings().chunk)
    parser.add_argument("--module", help="another local_search.py to time instead")
    parser.add_argument("--pairs-per-row", type=int, default=0,
                        help="search only a Lagrangian core of this many pairs per row "
                        "(after --ascent-iterations of subgradient ascent); 0: all pairs")
    parser.add_argument("--ascent-iterations", type=int, default=300)
    args = parser.parse_args(argv)
    module = load_module(args.module)
    (instance,) = resolve_instances([args.instance])
    data = load_problem(instance.path, instance.kind)
    core = core_structure(build_model(data, compute_coverage(data)), data)
    chosen, _, start_cost = construct(core)
    settings = replace(LocalSearchSettings(), max_moves=args.moves, stall_moves=10**12,
                       tenure=args.tenure, chunk=args.chunk)
    columns = None
    if args.pairs_per_row:
        relaxation = subgradient(core, start_cost, iterations=args.ascent_iterations)
        columns = core_columns(core, pair_increase(core, relaxation), args.pairs_per_row)
    module.local_search(core, chosen, seed=args.seed, settings=replace(settings, max_moves=1))
    found: list[tuple[int, float]] = []

    def record(moves: int, best: float) -> None:
        if not found or best < found[-1][1]:
            found.append((moves, best))

    began, began_cpu = time.perf_counter(), time.process_time()
    best = module.local_search(core, chosen, seed=args.seed, settings=settings,
                               columns=columns, on_chunk=record)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
    if best is not None:  # checked apart from the search: a cover, at its cost
        x = best[core.x_site, core.x_op].astype(float)
        assert np.all(core.cover @ x >= core.demand - 1e-9), "not a cover"
        assert abs(plan_cost(core, best, np.zeros(0)) - found[-1][1]) < 1e-6
    print(json.dumps({
        "instance": instance.name, "seed": args.seed, "tenure": args.tenure,
        "moves": args.moves, "seconds": round(seconds, 3),
        "moves_per_second": round(args.moves / seconds), "cpu_seconds": round(cpu_seconds, 3),
        "moves_per_cpu_second": round(args.moves / cpu_seconds),
        "start_cost": float(start_cost), "best_cost": found[-1][1] if found else start_cost,
        "better_at_moves": [[moves, best] for moves, best in found],
        "rows": int(core.cover.shape[0]), "pairs": int(np.count_nonzero(core.x_col >= 0)),
        "usable_pairs": None if columns is None else int(columns.sum()),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
