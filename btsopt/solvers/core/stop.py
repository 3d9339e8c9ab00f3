"""Stopping criteria that compose, handed to every phase of the core.

A criterion is called with the best plan's cost and the best bound known
(``inf`` and ``-inf`` when there are none) and answers whether the search
must stop now::

    stop = Deadline(60.0) | Interrupt(progress) | GapReached(1e-4)
    while not stop(incumbent_cost, bound):
        ...

:class:`Deadline` counts wall-clock seconds; :class:`Interrupt` reads the
stop flag of a :class:`btsopt.progress.Progress` (set by Ctrl-C, and by the
signals the command line handles); :class:`MaxIterations` and
:class:`NoImprovement` count the calls made to them, so a test that stops on
them does not depend on the machine's speed. :class:`AnyOf` (or ``a | b``)
stops when one of its members does. :meth:`StoppingCriterion.remaining` is
the time left (``inf`` without a deadline): phases size their own time
budgets by it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from btsopt.solvers.base import relative_gap


class StoppingCriterion:
    """Base of the criteria: ``criterion(objective, bound) -> bool``."""

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        raise NotImplementedError

    def remaining(self) -> float:
        """Seconds left before a deadline (``inf``: none)."""
        return math.inf

    def __or__(self, other: StoppingCriterion) -> AnyOf:
        return AnyOf(self, other)


class Deadline(StoppingCriterion):
    """Stops once ``seconds`` have passed since it was made (or at ``at``, a
    :func:`time.perf_counter` value)."""

    def __init__(self, seconds: float | None = None, *, at: float | None = None) -> None:
        if (seconds is None) == (at is None):
            raise ValueError("give seconds or at")
        self.at = at if at is not None else time.perf_counter() + seconds

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        return time.perf_counter() >= self.at

    def remaining(self) -> float:
        return max(self.at - time.perf_counter(), 0.0)


class GapReached(StoppingCriterion):
    """Stops once the relative gap between plan and bound is at most ``gap``."""

    def __init__(self, gap: float) -> None:
        if not gap >= 0:
            raise ValueError("gap must be at least 0")
        self.gap = gap

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        return relative_gap(objective, bound) <= self.gap


class Interrupt(StoppingCriterion):
    """Stops once ``progress`` (anything with a ``stop_requested`` flag, e.g. a
    :class:`btsopt.progress.Progress`; ``None``: never) asks for it."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        return bool(self.progress is not None and self.progress.stop_requested)


class MaxIterations(StoppingCriterion):
    """Stops at the ``limit``-th call (a budget independent of the clock)."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("limit must be at least 0")
        self.limit = limit
        self.calls = 0

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        self.calls += 1
        return self.calls > self.limit


class NoImprovement(StoppingCriterion):
    """Stops after ``limit`` calls in a row without a cheaper plan."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("limit must be at least 0")
        self.limit = limit
        self.best = math.inf
        self.stalled = 0

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        if objective < self.best - 1e-9 * max(1.0, abs(objective)):
            self.best, self.stalled = objective, 0
        else:
            self.stalled += 1
        return self.stalled > self.limit


class AnyOf(StoppingCriterion):
    """Stops when any of ``criteria`` does (each is asked every time, so that
    counting criteria count every call)."""

    def __init__(self, *criteria: StoppingCriterion) -> None:
        flat: list[StoppingCriterion] = []
        for criterion in criteria:
            flat.extend(criterion.criteria if isinstance(criterion, AnyOf) else [criterion])
        self.criteria = tuple(flat)

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        answers = [criterion(objective, bound) for criterion in self.criteria]
        return any(answers)

    def remaining(self) -> float:
        return min((criterion.remaining() for criterion in self.criteria), default=math.inf)


class Never(StoppingCriterion):
    """Never stops (the identity of :class:`AnyOf`)."""

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        return False


__all__ = [
    "AnyOf", "Deadline", "GapReached", "Interrupt", "MaxIterations", "Never", "NoImprovement",
    "StoppingCriterion",
]
