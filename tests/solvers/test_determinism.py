"""Same scenario, seed and settings: the same plan and the same bounds on the way.

Runs that end by their own criteria (iteration limits, the gap closed) must
not depend on the clock: the search may read it only to stop, never to
decide what to do next (issue 15).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from btsopt import read_scenario
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.reading.orlib import read_orlib
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import CoreSettings, MaxIterations, solve_core

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny" / "scenario.toml"
SCP41 = REPO / ".." / "shared" / "data" / "scp" / "scp41.txt"
SCP41_OPTIMUM = 429.0
TINY_OPTIMUM = 5826.0488

# Every phase bounded by counts; the clock's budgets far away.
COUNTED = CoreSettings().with_values({
    "subgradient.iterations": 300, "local_search.max_moves": 20_000, "lns.max_steps": 5,
    "time.subgradient_max_seconds": 1e9, "time.local_search_max_seconds": 1e9,
})
# Country scale: regional LPs, components and a large-neighbourhood search of
# 5 steps whose growth is counted in nodes, not seconds (a short ascent and no
# local search leave it a gap to close).
COUNTRY = COUNTED.with_values({
    "scale.country_columns": 0, "regions.rows_per_region": 2, "lns.fast_nodes": 50,
    "lns.step_max_nodes": 1000, "subgradient.iterations": 30, "local_search.enabled": False,
})
NO_DEADLINE = 1e9


class Recorder:
    """A progress that keeps every report (phase, plan cost, bound)."""

    stop_requested = False

    def __init__(self) -> None:
        self.events: list[tuple[str, float | None, float | None]] = []

    def update(self, phase: str, objective=None, bound=None, values=None) -> None:
        self.events.append((phase, objective, bound))


def model_of(name: str):
    if name == "scp41":
        if not SCP41.is_file():
            pytest.skip(f"OR-Library instances not found at {SCP41.parent}")
        data = read_orlib(SCP41)
    else:
        data = read_scenario(TINY)
    return data, build_model(data, compute_coverage(data))


def run(name: str, settings: CoreSettings = COUNTED):
    """The core with iteration limits: (plan, objective, reports). (One worker:
    no LP beside the search at country scale, which would finish when it does.)"""
    data, model = model_of(name)
    recorder = Recorder()
    params = BackendParams(time_limit=NO_DEADLINE, gap=0.0, workers=1, progress=recorder)
    result = solve_core(model, data, params, None, settings, MaxIterations(10_000))
    return result.values, result.objective, recorder.events


@pytest.mark.parametrize(("name", "optimum"), [("scp41", SCP41_OPTIMUM), ("tiny", TINY_OPTIMUM)])
def test_two_runs_give_the_same_plan_and_bound_sequence(name: str, optimum: float) -> None:
    first, second = run(name), run(name)
    assert first[1] == pytest.approx(optimum, abs=1e-3)
    assert np.array_equal(first[0], second[0])
    assert first[2] == second[2]
    bounds = [bound for _, _, bound in first[2] if bound is not None]
    assert bounds and max(bounds) <= optimum + 1e-3


class StoppedClock:
    """``time.perf_counter`` standing still: every phase looks free."""

    def __init__(self) -> None:
        self.now = time.perf_counter()

    def __call__(self) -> float:
        return self.now


class SlowClock(StoppedClock):
    """``time.perf_counter`` that moves a second at every reading: the phase
    that reads it most (the ascent, once a step) looks the slowest."""

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("clock", [StoppedClock, SlowClock], ids=["stopped", "slow"])
@pytest.mark.parametrize("scale", ["province", "country"])
@pytest.mark.parametrize("name", ["scp41", "tiny"])
def test_the_search_does_not_decide_by_the_clock(name: str, scale: str, clock,
                                                 monkeypatch) -> None:
    # A clock that says the phases took nothing, or ages, changes no choice
    # the search makes (no deadline is near with either).
    settings = COUNTED if scale == "province" else COUNTRY
    expected = run(name, settings)
    monkeypatch.setattr(time, "perf_counter", clock())
    faked = run(name, settings)
    assert np.array_equal(expected[0], faked[0])
    assert expected[2] == faked[2]
