"""A solve stopped for any reason keeps its best plan, and leaves nothing running
or lying about: the cases of issue 17, each with its expected result.

Every run gets a temporary directory of its own (``TMPDIR``), so that "no
folder left" means no ``btsopt-*`` entry there, whatever else the machine runs.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import NAM_DINH, ROOT, TINY
from processes import alive, btsopt_leftovers, child_env, descendants, wait_until

from btsopt.outputs import OUTPUT_MARKER

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
    pytest.mark.skipif(not NAM_DINH.exists(), reason="bundled scenario missing"),
]

CLI = [sys.executable, "-m", "btsopt.cli"]


def _solve(scenario: Path, out: Path, tmp: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "solve", str(scenario), "--out", str(out), "--quiet",
                             *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env(tmp))


def _has_plan(events: Path) -> bool:
    return events.exists() and any(
        json.loads(line).get("objective") for line in events.read_text().splitlines() if line)


def _evaluate(scenario: Path, plan: Path, tmp: Path) -> dict:
    check = subprocess.run([*CLI, "evaluate", str(scenario), "--plan", str(plan), "--json"],
                           capture_output=True, text=True, env=child_env(tmp), timeout=300,
                           check=True)
    return json.loads(check.stdout)


def _half_written(out: Path) -> list[str]:
    """Temporary files of atomic writes (``.NAME.*``; the output marker is no such file)."""
    return [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != OUTPUT_MARKER]


def _assert_nothing_left(process: subprocess.Popen, helpers: list[int], tmp: Path) -> None:
    assert wait_until(lambda: not any(alive(pid) for pid in helpers), 15), helpers
    assert wait_until(lambda: btsopt_leftovers(tmp) == [], 15), btsopt_leftovers(tmp)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_write_the_best_plan(tmp_path: Path, signum) -> None:
    out, events = tmp_path / "out", tmp_path / "events.jsonl"
    # --gap 0 asks for a full proof, which takes minutes: the signal comes first.
    process = _solve(NAM_DINH, out, tmp_path, "--gap", "0", "--time-limit", "300",
                     "--log-json", str(events))
    assert wait_until(lambda: _has_plan(events), 120)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] in ("feasible", "optimal")
    assert summary["lower_bound"] is None or summary["lower_bound"] <= summary["objective"]
    report = _evaluate(NAM_DINH, out / "plan.csv", tmp_path)
    assert report["violations"] == []
    assert report["system_cost"] == pytest.approx(summary["objective"], rel=1e-9)
    assert btsopt_leftovers(tmp_path) == []


def test_a_second_signal_aborts_and_cleans_up(tmp_path: Path) -> None:
    out, events = tmp_path / "out", tmp_path / "events.jsonl"
    process = _solve(NAM_DINH, out, tmp_path, "--gap", "0", "--time-limit", "300",
                     "--log-json", str(events))
    assert wait_until(lambda: _has_plan(events), 120)
    helpers = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=180)
    # Either the second signal aborted (128 + 15), or the first had already
    # ended the search and the plan was written.
    assert process.returncode in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    _assert_nothing_left(process, helpers, tmp_path)
    if out.exists():
        assert not _half_written(out)


def test_kill_9_loses_at_most_one_checkpoint_period(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _solve(NAM_DINH, out, tmp_path, "--gap", "0", "--time-limit", "300",
                     "--checkpoint", "1")
    assert wait_until(lambda: (out / "summary.json").exists(), 120)
    process.kill()
    process.communicate(timeout=60)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "feasible" and summary["checkpoint"]["final"] is False
    report = _evaluate(NAM_DINH, out / "plan.csv", tmp_path)
    assert report["violations"] == []
    assert report["system_cost"] == pytest.approx(summary["objective"], rel=1e-9)
    assert summary["lower_bound"] is None or summary["lower_bound"] <= summary["objective"]
    assert not _half_written(out)


def test_start_from_a_plan_that_breaks_the_rules(tmp_path: Path) -> None:
    # An empty plan removes both existing tenancies and covers nothing.
    start = tmp_path / "start.csv"
    start.write_text("site_id,operator_id,action\n", encoding="utf-8")
    process = subprocess.run([*CLI, "solve", str(TINY), "--out", str(tmp_path / "out"),
                              "--quiet", "--start", str(start)],
                             capture_output=True, text=True, env=child_env(tmp_path), timeout=120)
    assert process.returncode == 0, process.stderr
    lines = [line for line in process.stderr.splitlines() if line.startswith("start plan:")]
    assert lines == [
        "start plan: restored existing tenancies that must be kept: 2 (E1:alpha, E2:beta)",
        "start plan: added tenancies to complete coverage: 1 (C2:alpha)",
        "start plan: added co-tenants to reach the sharing target: 1 (E2:alpha)",
    ]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"


def test_start_names_a_bad_row(tmp_path: Path) -> None:
    start = tmp_path / "start.csv"
    start.write_text("site_id,operator_id,action\nE1,alpha,keep\nNOPE,alpha,keep\n")
    process = subprocess.run([*CLI, "solve", str(TINY), "--out", str(tmp_path / "out"),
                              "--quiet", "--start", str(start)],
                             capture_output=True, text=True, env=child_env(tmp_path), timeout=120)
    assert process.returncode == 2
    assert "NOPE" in process.stderr and "Traceback" not in process.stderr


# Settings under which the bundled province counts as country scale and the
# whole LP starts in a process of its own at once (not a monkeypatch).
BACKGROUND_LP_AT_ONCE = """
[scale]
country_columns = 0

[background_lp]
seconds_per_million_nonzeros = 0.0
"""


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_no_lp_worker_and_no_folder_outlive_a_killed_solve(tmp_path: Path, signum) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(BACKGROUND_LP_AT_ONCE, encoding="utf-8")
    out = tmp_path / "out"
    process = _solve(NAM_DINH, out, tmp_path, "--settings", str(settings), "--gap", "0",
                     "--time-limit", "300")
    assert wait_until(lambda: _lp_worker(process) is not None, 120)
    helpers = descendants(process.pid)
    assert any(name.startswith("btsopt-lp-") for name in btsopt_leftovers(tmp_path))
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=180)
    _assert_nothing_left(process, helpers, tmp_path)
    if signum == signal.SIGTERM:
        assert process.returncode == 0, stderr
        assert _evaluate(NAM_DINH, out / "plan.csv", tmp_path)["violations"] == []


# --- long runs -------------------------------------------------------------

@pytest.fixture(scope="module")
def family_l(tmp_path_factory) -> Path:
    """The L greenfield family member: big enough for the background LP
    (with a time limit over about 210 s)."""
    folder = tmp_path_factory.mktemp("family-L")
    subprocess.run([*CLI, "generate", "--preset", "family", "--size", "L", "--variant",
                    "greenfield", "--out", str(folder)], check=True, capture_output=True,
                   env=child_env(folder), timeout=600)
    return folder / "scenario.toml"


def _lp_worker(process: subprocess.Popen) -> int | None:
    for pid in descendants(process.pid):
        try:
            if "lp_worker" in " ".join(psutil.Process(pid).cmdline()):
                return pid
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_the_background_lp_ends_with_its_solve(family_l: Path, tmp_path: Path, signum) -> None:
    out = tmp_path / "out"
    process = _solve(family_l, out, tmp_path, "--time-limit", "600", "--checkpoint", "0")
    assert wait_until(lambda: _lp_worker(process) is not None, 300)
    helpers = descendants(process.pid)
    assert any(name.startswith("btsopt-lp-") for name in btsopt_leftovers(tmp_path))
    process.send_signal(signum)
    process.communicate(timeout=300)
    _assert_nothing_left(process, helpers, tmp_path)
    if signum == signal.SIGTERM:
        assert process.returncode == 0
        assert _evaluate(family_l, out / "plan.csv", tmp_path)["violations"] == []


@pytest.mark.slow
def test_kills_at_random_moments_leave_nothing_behind(tmp_path: Path) -> None:
    rng = random.Random(17)
    for run in range(6):
        signum = (signal.SIGTERM, signal.SIGKILL)[run % 2]
        moment = rng.uniform(0.5, 30.0)
        tmp = tmp_path / f"run{run}"
        tmp.mkdir()
        out = tmp / "out"
        process = _solve(NAM_DINH, out, tmp, "--gap", "0", "--time-limit", "300",
                         "--checkpoint", "2")
        stop = time.monotonic() + moment
        helpers: set[int] = set()
        while time.monotonic() < stop and process.poll() is None:
            helpers.update(descendants(process.pid))
            time.sleep(0.1)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=300)
        _assert_nothing_left(process, sorted(helpers), tmp)
        assert "Traceback" not in stderr, (moment, stderr)
        if signum == signal.SIGTERM:
            # Before the first plan: none ("no feasible plan found", exit 1).
            assert process.returncode in (0, 1), (moment, stderr)
            if process.returncode == 0:
                assert _evaluate(NAM_DINH, out / "plan.csv", tmp)["violations"] == []
        elif (out / "plan.csv").exists():
            assert _evaluate(NAM_DINH, out / "plan.csv", tmp)["violations"] == []


@pytest.mark.slow
def test_fifty_solves_in_one_process_keep_memory_steady(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--runs", "50"],
                         capture_output=True, text=True, env=child_env(tmp_path), timeout=7200,
                         check=True)
    figures = json.loads(run.stdout)
    assert figures["growth_after_warm_up"] < 0.10, figures
    assert figures["distinct_objectives"] == 1  # deterministic: the same plan every time
    assert btsopt_leftovers(tmp_path) == []
