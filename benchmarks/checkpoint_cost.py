"""The cost of one checkpoint (``btsopt solve --checkpoint``) on a scenario: the
time to evaluate a plan and write its ``plan.csv`` and ``summary.json``, and
the share of a run it takes at the default period.

Usage: ``python benchmarks/checkpoint_cost.py SCENARIO [--plan PLAN.csv] [--repeat 5]``
(without ``--plan``: the existing network, repaired where it breaks the
rules by :func:`btsopt.solvers.repair.repair_plan`: an admissible plan of
the size a solve ends with). Prints one JSON object, with wall and CPU
seconds per checkpoint (on a busy machine the CPU time is the fairer
figure: the checkpoint thread takes that much from the search).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from btsopt.outputs import Checkpoint
from btsopt.outputs.checkpoint import DEFAULT_CHECKPOINT_SECONDS
from btsopt.plan import Plan, read_plan_csv
from btsopt.progress import Progress
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario
from btsopt.solvers.repair import repair_plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--plan")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = read_scenario(args.scenario)
    plan = read_plan_csv(args.plan, data) if args.plan else Plan.existing(data)
    plan = repair_plan(data, plan, compute_coverage(data)).plan
    # The solver's vector is the plan itself here: model.plan() (an index
    # lookup) and the cost (a dot product) are left out; the two files are timed.
    progress = Progress(keep_incumbent=True)
    progress.plan_of = lambda values: plan
    progress.cost_of = lambda values: 0.0
    progress.cost_level = progress.level = "cost"
    seconds, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="btsopt-checkpoint-cost-") as out:
        checkpoint = Checkpoint(data, progress, out, period=DEFAULT_CHECKPOINT_SECONDS)
        for run in range(args.repeat):
            progress.update("bench", objective=-run, values=[float(run)])
            tic, cpu_tic = time.perf_counter(), time.process_time()
            assert checkpoint.write()
            seconds.append(time.perf_counter() - tic)
            cpu.append(time.process_time() - cpu_tic)
        sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
    per_write = statistics.median(seconds)
    print(json.dumps({
        "scenario": data.name, "tenancies": int(plan.tenancies.sum()),
        "seconds_per_checkpoint": [round(s, 3) for s in seconds],
        "median_s": round(per_write, 3), "median_cpu_s": round(statistics.median(cpu), 3),
        "period_s": DEFAULT_CHECKPOINT_SECONDS,
        "share_of_run": per_write / DEFAULT_CHECKPOINT_SECONDS,
        "cpu_share_of_run": statistics.median(cpu) / DEFAULT_CHECKPOINT_SECONDS, "bytes": sizes,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
