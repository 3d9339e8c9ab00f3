"""What every exact backend takes and returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN = "optimal", "feasible", "infeasible", "unknown"


@dataclass(frozen=True)
class BackendParams:
    """Settings handed to an exact backend.

    Attributes
    ----------
    time_limit
        Wall-clock seconds for this call.
    seed
        Random seed of the backend.
    workers
        Threads the backend may use.
    gap
        Relative gap at which the search stops as optimal.
    extra
        Backend-specific options (``name -> value``), passed through as is.
    log
        Print the backend's own log.
    progress
        A :class:`btsopt.progress.Progress` receiving events and carrying
        the stop request, or ``None``.
    """

    time_limit: float = 180.0
    seed: int = 0
    workers: int = 2
    gap: float = 1e-4
    extra: dict[str, object] = field(default_factory=dict)
    log: bool = False
    progress: Any = None

    @property
    def stop_requested(self) -> bool:
        """True once the user asked the run to stop (Ctrl-C)."""
        return bool(self.progress is not None and self.progress.stop_requested)

    def report(self, phase: str, objective=None, bound=None, values=None) -> None:
        """Pass what the backend knows to the progress reporter, if any."""
        if self.progress is not None:
            self.progress.update(phase, objective=objective, bound=bound, values=values)


@dataclass(frozen=True, eq=False)
class BackendResult:
    """Outcome of one backend call on a :class:`~btsopt.model.LinearModel`.

    ``objective`` and ``bound`` include the model's offset; ``values`` is the
    best solution found (``None`` when there is none); ``nodes`` the
    branch-and-bound nodes explored (``-1``: not reported), a measure of the
    work that, unlike ``wall_time``, does not depend on the machine.
    """

    status: str
    values: np.ndarray | None
    objective: float
    bound: float
    wall_time: float
    backend: str
    nodes: int = -1

    @property
    def has_solution(self) -> bool:
        return self.values is not None


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective|, 0 when equal, inf without a finite pair."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    if abs(objective - bound) <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return max(0.0, (objective - bound) / max(abs(objective), 1e-12))
