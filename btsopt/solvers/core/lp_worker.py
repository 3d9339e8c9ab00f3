"""The process that solves an LP relaxation for :class:`.lp.BackgroundLp`.

Run as ``python -m btsopt.solvers.core.lp_worker FOLDER PARENT_PID``: it reads
``FOLDER/model.pickle`` (the model, time limit, seed and
:class:`~.settings.BackgroundLpSettings`) and writes
``FOLDER/outcome.pickle`` (the :class:`~btsopt.solvers.highs.LpRelaxation`,
or ``None``, also when the solve failed), then waits to be ended. With
``first_order`` (PDLP, :mod:`.first_order`) it also writes the iterate of
every chunk to ``FOLDER/chunk.pickle`` (an :class:`~.first_order.LpChunk`,
replaced whole) as soon as the chunk ends. A fresh interpreter, not a multiprocessing child: those
re-run the caller's script when it lacks a ``__main__`` guard.

Once the parent is gone (even killed with ``SIGKILL``), or on ``SIGTERM`` or
``SIGHUP``, the worker removes ``FOLDER`` and ends at once
(:func:`btsopt.lifeline.exit_with_parent`): no orphan solves on, no folder
stays behind.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import threading
import time
from pathlib import Path

from btsopt.lifeline import exit_with_parent
from btsopt.model.linear import LinearModel
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core.first_order import pdlp_chunks
from btsopt.solvers.core.settings import BackgroundLpSettings
from btsopt.solvers.highs import LpRelaxation, solve_lp_relaxation

FOLDER_PREFIX = "btsopt-lp-"
MODEL_FILE = "model.pickle"
OUTCOME_FILE = "outcome.pickle"
CHUNK_FILE = "chunk.pickle"


def write_whole(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` so that a reader sees all of it or nothing."""
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as stream:
        pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)


def first_order(folder: Path, linear: LinearModel, time_limit: float,
                settings: BackgroundLpSettings) -> LpRelaxation | None:
    """PDLP in chunks, each chunk's iterate written as it comes; the last
    iterate as the outcome (optimal or not)."""
    start = time.perf_counter()
    last = None
    for last in pdlp_chunks(linear, chunk_iterations=settings.chunk_iterations,
                            chunk_growth=settings.chunk_growth,
                            tolerance=settings.first_order_tolerance, time_limit=time_limit):
        write_whole(folder / CHUNK_FILE, last)
    if last is None:
        return None
    return LpRelaxation(optimal=last.optimal, objective=float(linear.value(last.col_values)),
                        col_values=last.col_values, row_duals=last.row_duals,
                        wall_time=time.perf_counter() - start)


def main(folder: Path, parent_pid: int) -> None:
    exit_with_parent(parent_pid, lambda: shutil.rmtree(folder, ignore_errors=True))
    outcome = None
    try:
        with open(folder / MODEL_FILE, "rb") as stream:
            linear, time_limit, seed, settings = pickle.load(stream)
        if settings.first_order:
            outcome = first_order(folder, linear, time_limit, settings)
        else:
            params = BackendParams(time_limit=time_limit, seed=seed, workers=1, log=False)
            outcome = solve_lp_relaxation(linear, params, interior=True)
    finally:
        write_whole(folder / OUTCOME_FILE, outcome)
    # Stay until the parent ends this process or dies: either way the
    # watcher removes the folder, which the parent may not live to do.
    threading.Event().wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
