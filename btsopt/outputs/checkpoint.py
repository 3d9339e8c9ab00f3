"""Checkpoints: the incumbent plan and its summary, written while the search goes on.

A long solve may be killed (``kill -9``, a crash, a machine going down)
before it writes its result. With a checkpoint every ``period`` seconds, such
a run loses at most that period: ``plan.csv`` and ``summary.json`` in the
output folder always hold the best plan found by the last checkpoint, each
written atomically (see :func:`~btsopt.outputs.files.atomic_write_text`).
The final result then overwrites them.

The incumbent comes from the solver's progress events
(:attr:`btsopt.progress.Progress.incumbent`): solvers report only solutions
that meet every row of the model, so the plan meets every hard rule. The
independent evaluator is not run on it: on the country-scale XL scenarios it
takes seconds (its own propagation over 80,000 hamlets), 15% of a 60 s
period, where writing the plan takes a fraction of a second; the final
result is verified as always, and ``btsopt evaluate`` checks a checkpoint
after a crash. The summary says ``"status": "feasible"`` and carries a
``checkpoint`` object (``"final": false``, ``"evaluated": false``, when the
plan was found, in which level); its ``objective`` is the model's system
cost of the plan, its ``lower_bound`` the bound proven by then, given only
in the cost level (an earlier level's bound says nothing about cost);
coverage figures, which need the evaluator, are ``null``.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from btsopt.data import ProblemData
from btsopt.errors import OutputError
from btsopt.outputs.files import atomic_write_text, mark_outputs, plan_csv_text, summary_text
from btsopt.progress import Incumbent, Progress
from btsopt.result import Result
from btsopt.solvers.base import FEASIBLE

DEFAULT_CHECKPOINT_SECONDS = 60.0
"""Checkpoint period of long runs (see :func:`default_checkpoint_period`)."""

CHECKPOINT_FROM_TIME_LIMIT = 120.0
"""Runs with a longer time limit get checkpoints by default; shorter ones none
(they lose little, and most end before a first checkpoint would be due)."""


def default_checkpoint_period(time_limit: float) -> float:
    """The checkpoint period of a run with this time limit (0: none)."""
    return DEFAULT_CHECKPOINT_SECONDS if time_limit > CHECKPOINT_FROM_TIME_LIMIT else 0.0


class Checkpoint:
    """Writes the incumbent's ``plan.csv`` and ``summary.json`` into ``out_dir``
    every ``period`` seconds (when there is a new one) while inside the
    ``with`` block, from a background thread.

    Parameters
    ----------
    data
        The scenario being solved.
    progress
        The solve's progress (created with ``keep_incumbent=True``).
    out_dir
        The output folder.
    period
        Seconds between checkpoints.
    backend
        Name of the backend, for the summary.

    Attributes
    ----------
    written
        How many checkpoints were written.
    error
        The first write that failed (a full disk, say), or ``None``; later
        checkpoints are still tried, the solve goes on.
    """

    def __init__(self, data: ProblemData, progress: Progress, out_dir: str | Path,
                 period: float, backend: str = "") -> None:
        if not period > 0:
            raise ValueError("the checkpoint period must be positive")
        self.data, self.progress, self.period = data, progress, float(period)
        self.out = Path(out_dir)
        self.backend = backend
        self.written = 0
        self.error: OutputError | None = None
        self._last_number = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Checkpoint:
        self._thread = threading.Thread(target=self._run, name="btsopt-checkpoint", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.write()

    def write(self) -> bool:
        """Write the incumbent now if there is a new one; whether it was."""
        progress = self.progress
        incumbent = progress.incumbent
        if (incumbent is None or incumbent.number <= self._last_number
                or progress.plan_of is None or progress.cost_of is None):
            return False
        plan = progress.plan_of(incumbent.values)
        cost = float(progress.cost_of(incumbent.values))
        result = Result(
            status=FEASIBLE, plan=plan, objective=cost,
            lower_bound=self._bound(incumbent, cost), wall_time=progress.elapsed,
            backend=self.backend,
            message="checkpoint: the best plan found by then, the search still running "
                    "(not yet checked by the evaluator)",
        )
        tenants = np.asarray(plan.tenancies).sum(axis=1)
        active, shared = int((tenants >= 1).sum()), int((tenants >= 2).sum())
        extra = {
            "shared_site_ratio": shared / active if active else 0.0,
            "active_sites": active, "shared_sites": shared, "tenancies": int(tenants.sum()),
            "checkpoint": {"final": False, "evaluated": False,
                           "found_at_s": round(incumbent.elapsed, 3), "level": incumbent.level},
        }
        try:
            # The summary last: a summary never describes a plan not yet written.
            atomic_write_text(self.out / "plan.csv", plan_csv_text(self.data, plan))
            atomic_write_text(self.out / "summary.json", summary_text(self.data, result, **extra))
            if not self.written:  # a later run may replace them (see foreign_files)
                mark_outputs(self.out, ["plan.csv", "summary.json"])
        except OutputError as exc:
            self.error = self.error or exc
            return False
        self._last_number = incumbent.number
        self.written += 1
        return True

    def _bound(self, incumbent: Incumbent, cost: float) -> float:
        """The bound on cost proven by now: only the cost level's counts."""
        progress = self.progress
        if incumbent.level != progress.cost_level or progress.level != incumbent.level:
            return -math.inf
        return min(progress.best_bound, cost)
