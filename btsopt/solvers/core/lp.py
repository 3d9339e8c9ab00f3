"""The LP relaxation: its duals as Lagrangian multipliers, its solution as a guide.

With a sharing row, subgradient ascent converges badly: on the M
consolidation family it stalls at 896,870 while the LP bound of the same
formulation is 927,245 (the optimum is about 931,500). The Lagrangian dual is
at least the LP bound (each site's subproblem is solved over whole operator
subsets), so the LP's row duals, used as multipliers, give a Lagrangian bound
as strong as the LP's. Unlike the LP objective, that bound is valid for any
multipliers: an LP stopped by its time limit still gives a valid one. The
duals of coverage rows the core dropped (rows another row implies) move to
the row implying them, which can only raise the bound.

The LP solution guides a plan too: fixing every column the LP sets to 0 or 1
and solving the few fractional ones exactly (Berthold's relaxation enforced
neighbourhood search, RENS) gives a plan within 0.3-0.8% of the best known
on the M family in a fraction of a second.

At country scale the whole LP takes minutes (XL greenfield: 210 s with the
interior point method, which runs on one core), so :class:`BackgroundLp`
solves it in a separate process while the search goes on with the other. By
default that process runs PDLP in chunks (:mod:`.first_order`) and hands
over every chunk's duals, so the bound rises while the LP runs instead of
hinging on its end.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from btsopt.lifeline import end_process
from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel, restrict_to
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import lp_worker
from btsopt.solvers.core.first_order import LpChunk
from btsopt.solvers.core.lagrangian import LagrangianState, evaluate_relaxation
from btsopt.solvers.core.settings import (
    BackgroundLpSettings,
    LpSettings,
    SubgradientSettings,
)
from btsopt.solvers.core.structure import CoreStructure
from btsopt.solvers.highs import LpRelaxation, solve_highs, solve_lp_relaxation


@dataclass(frozen=True, eq=False)
class LpGuide:
    """What the LP relaxation gives the core.

    Attributes
    ----------
    state
        The Lagrangian at the LP's duals (a valid bound in any case).
    values
        The LP's column values.
    optimal
        Whether HiGHS solved the LP to optimality.
    """

    state: LagrangianState
    values: np.ndarray
    optimal: bool


def lp_multipliers(core: CoreStructure, model: SitingModel, duals: np.ndarray) -> np.ndarray:
    """Multipliers of the core's relaxed rows (cover rows, then site-cover rows)
    from the row duals of the model's LP."""
    cover_duals = np.maximum(duals[model.coverage_rows], 0.0)
    u_cover = np.bincount(core.cover_row_of, weights=cover_duals, minlength=core.cover.shape[0])
    u_site = np.maximum(duals[model.site_cover_rows], 0.0)
    return np.concatenate([u_cover, u_site])


def solve_lp(core: CoreStructure, model: SitingModel, params: BackendParams,
             time_limit: float, subgradient: SubgradientSettings | None = None
             ) -> LpGuide | None:
    """Solve the LP relaxation of ``model`` within ``time_limit`` seconds;
    ``None`` when HiGHS gives no duals. The Lagrangian at its duals searches
    the sharing price as ``subgradient`` says."""
    relaxation = solve_lp_relaxation(
        model.linear, replace(params, time_limit=time_limit, progress=None, log=False)
    )
    if relaxation is None:
        return None
    state = evaluate_relaxation(core, lp_multipliers(core, model, relaxation.row_duals),
                                settings=subgradient)
    return LpGuide(state=state, values=relaxation.col_values, optimal=relaxation.optimal)


def relaxation_neighbourhood(linear: LinearModel, lp_values: np.ndarray, params: BackendParams,
                             time_limit: float, incumbent: np.ndarray | None = None,
                             tolerance: float = LpSettings().integral_tolerance
                             ) -> np.ndarray | None:
    """A plan from the LP solution: the integer columns the LP sets integrally
    (within ``tolerance`` of a whole number) are fixed (where an incumbent is
    given, only those on which it agrees, so that it stays feasible and
    starts the search); HiGHS solves the rest.

    Returns the plan's column vector, or ``None`` when the neighbourhood
    holds no plan found in time.
    """
    rounded = np.round(lp_values)
    fixed = linear.integer & (np.abs(lp_values - rounded) <= tolerance)
    start = None
    if incumbent is not None:
        fixed &= np.abs(incumbent - rounded) < 0.5  # the incumbent's columns are whole
        start = incumbent
    values = np.where(fixed, rounded, 0.0 if start is None else start)
    sub, columns = restrict_to(linear, ~fixed, values)
    # 1e-7: HiGHS's primal feasibility tolerance (its plans must pass): not a knob.
    if sub.num_cols == 0:
        return values if linear.max_violation(values) <= 1e-7 else None
    outcome = solve_highs(sub, replace(params, time_limit=time_limit, progress=None, log=False),
                          None if start is None else start[columns])
    if not outcome.has_solution:
        return None
    values = values.copy()
    values[columns] = np.where(sub.integer, np.round(outcome.values), outcome.values)
    return values if linear.max_violation(values) <= 1e-7 else None


class BackgroundLp:
    """The LP relaxation of a model, solved in a separate process by PDLP in
    chunks (``settings.first_order``, see :mod:`.first_order`) or by HiGHS's
    interior point method (one thread, no crossover).

    The process (:mod:`.lp_worker`, a fresh interpreter) is started at once;
    :meth:`poll` hands over its outcome without waiting, and :meth:`close`
    ends the process (which waits, its outcome written, to be ended: so it is
    there to remove the folder should this process die) and removes its folder (a context manager does so on
    exit, and so does the interpreter's exit for one never closed). With
    PDLP, :meth:`chunk` hands over each new chunk's iterate as it comes. Should
    this process die without closing it (``kill -9``), the worker notices,
    removes the folder and ends (see :func:`btsopt.lifeline.exit_with_parent`).

    Parameters
    ----------
    linear
        The model whose LP relaxation is solved.
    time_limit
        Seconds HiGHS may take (it returns no duals when it runs out).
    seed
        HiGHS's random seed.
    settings
        The method and its chunks (default :class:`.settings.BackgroundLpSettings`).
    """

    def __init__(self, linear: LinearModel, time_limit: float, seed: int = 0,
                 settings: BackgroundLpSettings | None = None) -> None:
        settings = settings if settings is not None else BackgroundLpSettings()
        folder = Path(tempfile.mkdtemp(prefix=lp_worker.FOLDER_PREFIX))
        try:
            with open(folder / lp_worker.MODEL_FILE, "wb") as stream:
                pickle.dump((linear, time_limit, seed, settings), stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            process = subprocess.Popen(
                [sys.executable, "-m", lp_worker.__name__, str(folder), str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # e.g. a full disk
            raise
        self._folder, self._process = folder, process
        # Runs on close(), on garbage collection and at interpreter exit.
        self._end = weakref.finalize(self, _end_worker, process, folder)
        self._done = False
        self._chunk_stamp: tuple[int, int] | None = None

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self._process.pid

    @property
    def folder(self) -> Path:
        """The worker's folder (model in, outcome out); gone once closed."""
        return self._folder

    def poll(self) -> LpRelaxation | None:
        """The LP's outcome once the process has finished and only then (once);
        ``None`` while it runs, or when it gave no duals."""
        if self._done:
            return None
        outcome_file = self._folder / lp_worker.OUTCOME_FILE
        outcome = None
        if outcome_file.is_file():  # renamed into place whole
            with open(outcome_file, "rb") as stream:
                outcome = pickle.load(stream)
        elif self._process.poll() is None:
            return None
        self.close()
        return outcome

    def chunk(self) -> LpChunk | None:
        """The latest chunk's iterate (PDLP) if it came in since the last
        call, else ``None`` (also once closed, and with the interior point
        method, which has no chunks)."""
        if self._done:
            return None
        chunk_file = self._folder / lp_worker.CHUNK_FILE
        try:
            status = chunk_file.stat()
            stamp = (status.st_ino, status.st_mtime_ns)  # a new file for every chunk
            if stamp == self._chunk_stamp:
                return None
            with open(chunk_file, "rb") as stream:  # replaced whole: an open file stays whole
                chunk = pickle.load(stream)
        except FileNotFoundError:
            return None
        self._chunk_stamp = stamp
        return chunk

    @property
    def closed(self) -> bool:
        """Whether the process was ended (by :meth:`close`, or by :meth:`poll`
        once it had finished or died)."""
        return self._done

    @property
    def running(self) -> bool:
        """Whether the process is still at work (not finished, not closed)."""
        return (not self._done and self._process.poll() is None
                and not (self._folder / lp_worker.OUTCOME_FILE).is_file())

    def close(self) -> None:
        """End the process, finished or not, and remove its files."""
        self._done = True
        self._end()

    def __enter__(self) -> BackgroundLp:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _end_worker(process: subprocess.Popen, folder: Path) -> None:
    """End a :class:`BackgroundLp`'s process and remove its folder."""
    end_process(process)
    shutil.rmtree(folder, ignore_errors=True)
