"""Checkpoints: the incumbent plan and its summary, written while the search goes on.

A long solve may be killed (``kill -9``, a crash, a machine going down)
before it writes its result. With a checkpoint every ``period`` seconds, such
a run loses at most that period: ``plan.csv`` and ``summary.json`` in the
output folder always hold the best plan found by the last checkpoint, each
written atomically (see :func:`~btsopt.outputs.files.atomic_write_text`).
The final result then overwrites them.

The incumbent comes from the solver's progress events
(:attr:`btsopt.progress.Progress.incumbent`); the independent evaluator
checks it before it is written, and only a plan that meets every hard rule
is. The summary says ``"status": "feasible"`` and carries a ``checkpoint``
object (``"final": false``, when, in which level); its ``lower_bound`` is
the bound proven by then, given only for the cost level (an earlier level's
bound says nothing about cost).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

from btsopt.data import ProblemData
from btsopt.errors import OutputError
from btsopt.evaluation import evaluate
from btsopt.outputs.files import atomic_write_text, plan_csv_text, summary_text
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
        """Write the incumbent now if it is new and admissible; whether it was."""
        progress = self.progress
        incumbent = progress.incumbent
        if incumbent is None or incumbent.number <= self._last_number or progress.plan_of is None:
            return False
        plan = progress.plan_of(incumbent.values)
        evaluation = evaluate(self.data, plan)
        if evaluation.violations:
            return False
        result = Result(
            status=FEASIBLE, plan=plan, objective=float(evaluation.system_cost),
            lower_bound=self._bound(incumbent, float(evaluation.system_cost)),
            wall_time=progress.elapsed, backend=self.backend, evaluation=evaluation,
            message="checkpoint: the best plan found by then, the search still running",
        )
        marker = {"final": False, "found_at_s": round(incumbent.elapsed, 3),
                  "level": incumbent.level}
        try:
            # The summary last: a summary never describes a plan not yet written.
            atomic_write_text(self.out / "plan.csv", plan_csv_text(self.data, plan))
            atomic_write_text(self.out / "summary.json",
                              summary_text(self.data, result, checkpoint=marker))
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
