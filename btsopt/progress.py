"""Live progress of long solves, and the flag that stops them gracefully.

Solvers call :meth:`Progress.update` with what they know (best cost, bound,
a solution vector); a :class:`Progress` prints one line with elapsed time,
best cost, bound, gap and shared-site ratio (rewritten in place on a
terminal), writes the same events as JSON lines, keeps the incumbent for
checkpoints, and carries the stop request that Ctrl-C, ``SIGTERM`` or
``SIGHUP`` raises (:func:`stop_on_signals`), so a run ends with its best plan
instead of a traceback.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from btsopt.errors import OutputError
from btsopt.solvers.base import relative_gap


@dataclass(frozen=True, eq=False)
class Incumbent:
    """The best solution reported so far in one lexicographic level.

    Attributes
    ----------
    values
        The solution vector (a copy), over the model's columns.
    objective
        Its value in the level's objective.
    level
        The level's name (see :meth:`Progress.reset_level`).
    elapsed
        Seconds since the progress started, when it was reported.
    number
        Counts incumbents: a new one has a higher number.
    """

    values: Any
    objective: float
    level: str
    elapsed: float
    number: int


class Progress:
    """Collects solver events; reports them; holds the stop request.

    Parameters
    ----------
    stream
        Where the live line goes (``None``: nowhere, e.g. ``--quiet``).
    json_path
        File for one JSON object per event (``--log-json``).
    min_interval
        Seconds between printed lines when nothing improved.
    keep_incumbent
        Keep a copy of each improving solution vector (:attr:`incumbent`),
        e.g. for checkpoints.

    Attributes
    ----------
    incumbent
        The latest improving solution (with ``keep_incumbent``), else ``None``.
    level
        The lexicographic level being solved.
    plan_of, cost_of, cost_level
        Set by :func:`btsopt.solve`: the plan a solution vector encodes, its
        system cost, and the name of the level whose objective is the system
        cost (whose bound is a bound on cost).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        json_path: str | Path | None = None,
        min_interval: float = 1.0,
        keep_incumbent: bool = False,
    ) -> None:
        self.stream = stream
        self.min_interval = min_interval
        self._json = open(json_path, "w", encoding="utf-8") if json_path else None  # noqa: SIM115
        self._start = time.perf_counter()
        self._last_print = -math.inf
        self._stop = threading.Event()
        self.best_objective = math.inf
        self.best_bound = -math.inf
        self.shared_ratio: float | None = None
        self.phase = ""
        self.ratio_of: Callable[[Any], float | None] | None = None
        self.plan_of: Callable[[Any], Any] | None = None
        self.cost_of: Callable[[Any], float] | None = None
        self.cost_level = ""
        self.level = ""
        self.keep_incumbent = keep_incumbent
        self.incumbent: Incumbent | None = None
        self._incumbents = 0
        self._tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    # --- stopping ------------------------------------------------------
    def request_stop(self) -> None:
        """Ask every solver to stop at its next check and return its best."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # --- events --------------------------------------------------------
    def reset_level(self, phase: str) -> None:
        """A new lexicographic level starts: its values are not comparable."""
        self.phase = self.level = phase
        self.best_objective, self.best_bound = math.inf, -math.inf

    def update(
        self,
        phase: str,
        objective: float | None = None,
        bound: float | None = None,
        values: Any = None,
    ) -> None:
        """Record what a solver knows now (any argument may be missing)."""
        improved = False
        if objective is not None and objective < self.best_objective - 1e-9:
            self.best_objective, improved = float(objective), True
            if values is not None and self.ratio_of is not None:
                self.shared_ratio = self.ratio_of(values)
            if values is not None and self.keep_incumbent:
                self._incumbents += 1
                # One assignment: a checkpoint thread reads it whole.
                self.incumbent = Incumbent(
                    values=np.array(values, dtype=float), objective=float(objective),
                    level=self.level, elapsed=time.perf_counter() - self._start,
                    number=self._incumbents)
        if bound is not None and math.isfinite(bound) and bound > self.best_bound + 1e-9:
            self.best_bound, improved = float(bound), True
        self.phase = phase or self.phase
        now = time.perf_counter()
        event = self.snapshot()
        if self._json is not None:
            self._json.write(json.dumps(event) + "\n")
            self._json.flush()
        if self.stream is not None and (improved or now - self._last_print >= self.min_interval):
            self._print(event)
            self._last_print = now

    @property
    def elapsed(self) -> float:
        """Seconds since this progress started."""
        return time.perf_counter() - self._start

    def snapshot(self) -> dict[str, Any]:
        """The current state as a JSON-ready dict."""
        gap = relative_gap(self.best_objective, self.best_bound)
        return {
            "elapsed_s": round(time.perf_counter() - self._start, 3),
            "phase": self.phase,
            "objective": self.best_objective if math.isfinite(self.best_objective) else None,
            "bound": self.best_bound if math.isfinite(self.best_bound) else None,
            "gap": gap if math.isfinite(gap) else None,
            "shared_site_ratio": self.shared_ratio,
        }

    def _print(self, event: dict[str, Any]) -> None:
        def fmt(value, spec):
            return "-" if value is None else format(value, spec)

        line = (
            f"{event['elapsed_s']:7.1f}s  {event['phase']:<10} best {fmt(event['objective'], ',.1f')}"
            f"  bound {fmt(event['bound'], ',.1f')}  gap {fmt(event['gap'], '.3%')}"
            f"  shared {fmt(event['shared_site_ratio'], '.2%')}"
        )
        if self._tty:
            self.stream.write("\r" + line.ljust(100))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the live line and close the JSON file."""
        if self.stream is not None and self._tty:
            self.stream.write("\n")
            self.stream.flush()
        if self._json is not None:
            self._json.close()
            self._json = None


STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that ask a solve to stop with its best plan (a second one aborts)."""


class Aborted(KeyboardInterrupt):
    """A second stop signal: the run ends at once (clean-up still runs).

    Attributes
    ----------
    signum
        The signal's number (the command line exits with ``128 + signum``).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals(progress: Progress):
    """While inside, the first of Ctrl-C, ``SIGTERM`` or ``SIGHUP`` asks the
    solver to stop and keep its best plan (:meth:`Progress.request_stop`); a
    second one raises :class:`Aborted` (a ``KeyboardInterrupt``), so that
    ``finally`` blocks and context managers still end workers and remove
    temporary files.

    Only in the main thread (elsewhere signals cannot be handled), and a
    signal that is ignored (``nohup`` ignores ``SIGHUP``) stays ignored.
    The previous handlers come back on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame) -> None:
        if progress.stop_requested:
            raise Aborted(signum)
        progress.request_stop()

    previous = {}
    try:
        for number in STOP_SIGNALS:
            if signal.getsignal(number) is not signal.SIG_IGN:
                previous[number] = signal.signal(number, handler)
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def terminal_progress(quiet: bool, json_path: str | None, keep_incumbent: bool = False
                      ) -> Progress:
    """The progress reporter of the command line."""
    try:
        return Progress(stream=None if quiet else sys.stderr, json_path=json_path,
                        keep_incumbent=keep_incumbent)
    except OSError as exc:
        raise OutputError.from_os_error(json_path, exc) from exc
