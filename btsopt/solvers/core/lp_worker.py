"""The process that solves an LP relaxation for :class:`.lp.BackgroundLp`.

Run as ``python -m btsopt.solvers.core.lp_worker FOLDER PARENT_PID``: it reads
``FOLDER/model.pickle`` (the model, time limit and seed) and writes
``FOLDER/outcome.pickle`` (the :class:`~btsopt.solvers.highs.LpRelaxation`,
or ``None``, also when the solve failed), then waits to be ended. A fresh interpreter, not a multiprocessing child: those
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
from pathlib import Path

from btsopt.lifeline import exit_with_parent
from btsopt.solvers.base import BackendParams
from btsopt.solvers.highs import solve_lp_relaxation

FOLDER_PREFIX = "btsopt-lp-"
MODEL_FILE = "model.pickle"
OUTCOME_FILE = "outcome.pickle"


def main(folder: Path, parent_pid: int) -> None:
    exit_with_parent(parent_pid, lambda: shutil.rmtree(folder, ignore_errors=True))
    outcome = None
    try:
        with open(folder / MODEL_FILE, "rb") as stream:
            linear, time_limit, seed = pickle.load(stream)
        params = BackendParams(time_limit=time_limit, seed=seed, workers=1, log=False)
        outcome = solve_lp_relaxation(linear, params, interior=True)
    finally:
        partial = folder / (OUTCOME_FILE + ".part")
        with open(partial, "wb") as stream:
            pickle.dump(outcome, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, folder / OUTCOME_FILE)  # whole or absent
    # Stay until the parent ends this process or dies: either way the
    # watcher removes the folder, which the parent may not live to do.
    threading.Event().wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
