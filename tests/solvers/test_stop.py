"""Stopping criteria: each alone, and combined."""

from __future__ import annotations

import math
import time

import pytest

from btsopt.progress import Progress
from btsopt.solvers.core.stop import (
    AnyOf,
    Deadline,
    GapReached,
    Interrupt,
    MaxIterations,
    Never,
    NoImprovement,
)


def test_max_iterations_stops_at_the_call_after_the_limit() -> None:
    stop = MaxIterations(3)
    assert [stop() for _ in range(5)] == [False, False, False, True, True]
    assert MaxIterations(0)()


def test_no_improvement_counts_calls_since_the_last_cheaper_plan() -> None:
    stop = NoImprovement(2)
    answers = [stop(cost) for cost in (10, 10, 10, 9, 9, 9, 9)]
    assert answers == [False, False, False, False, False, False, True]


def test_gap_reached_uses_the_relative_gap() -> None:
    stop = GapReached(0.01)
    assert not stop(100.0, 98.0)
    assert stop(100.0, 99.0)
    assert not stop(math.inf, 99.0) and not stop(100.0, -math.inf)
    with pytest.raises(ValueError):
        GapReached(-1)


def test_deadline_counts_wall_clock_seconds() -> None:
    assert Deadline(0.0)()
    later = Deadline(60.0)
    assert not later() and 59.0 < later.remaining() <= 60.0
    assert Deadline(at=time.perf_counter() - 1).remaining() == 0.0
    with pytest.raises(ValueError):
        Deadline()


def test_interrupt_reads_the_progress_flag() -> None:
    progress = Progress()
    stop = Interrupt(progress)
    assert not stop()
    progress.request_stop()
    assert stop()
    assert not Interrupt(None)()


def test_combined_criteria_stop_when_one_does_and_keep_counting() -> None:
    iterations = MaxIterations(2)
    stop = Never() | iterations | GapReached(0.0)
    assert isinstance(stop, AnyOf) and len(stop.criteria) == 3
    assert not stop(10.0, 5.0)
    assert stop(10.0, 10.0)  # the gap is closed
    assert iterations.calls == 2  # asked although the gap answered too
    assert stop(10.0, 5.0)  # third call: over the limit
    assert stop.remaining() == math.inf
    assert 0 < (stop | Deadline(30.0)).remaining() <= 30.0
