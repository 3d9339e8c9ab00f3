"""The process that solves an LP relaxation for :class:`.lp.BackgroundLp`.

Run as ``python -m btsopt.solvers.core.lp_worker FOLDER``: it reads
``FOLDER/model.pickle`` (the model, time limit and seed) and writes
``FOLDER/outcome.pickle`` (the :class:`~btsopt.solvers.highs.LpRelaxation`,
or ``None``). A fresh interpreter, not a multiprocessing child: those
re-run the caller's script when it lacks a ``__main__`` guard.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from btsopt.solvers.base import BackendParams
from btsopt.solvers.highs import solve_lp_relaxation

MODEL_FILE = "model.pickle"
OUTCOME_FILE = "outcome.pickle"


def main(folder: Path) -> None:
    with open(folder / MODEL_FILE, "rb") as stream:
        linear, time_limit, seed = pickle.load(stream)
    params = BackendParams(time_limit=time_limit, seed=seed, workers=1, log=False)
    outcome = solve_lp_relaxation(linear, params, interior=True)
    partial = folder / (OUTCOME_FILE + ".part")
    with open(partial, "wb") as stream:
        pickle.dump(outcome, stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, folder / OUTCOME_FILE)  # whole or absent


if __name__ == "__main__":
    main(Path(sys.argv[1]))
