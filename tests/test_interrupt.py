"""Ctrl-C during a long solve writes the best plan so far, and it is admissible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import NAM_DINH, ROOT


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.skipif(not NAM_DINH.exists(), reason="bundled scenario missing")
def test_ctrl_c_writes_the_best_plan_so_far(tmp_path: Path) -> None:
    out = tmp_path / "out"
    events = tmp_path / "events.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # --gap 0 asks for a full proof, which takes minutes: the interrupt comes first.
    process = subprocess.Popen(
        [sys.executable, "-m", "btsopt.cli", "solve", str(NAM_DINH), "--out", str(out),
         "--gap", "0", "--time-limit", "300", "--log-json", str(events)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 120
    # Wait until the solver has a plan (a progress event with an objective).
    while time.monotonic() < deadline:
        if events.exists() and any(
            json.loads(line).get("objective") for line in events.read_text().splitlines() if line
        ):
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] in ("feasible", "optimal")
    assert "interrupted" in summary["message"] or summary["status"] == "optimal"
    assert summary["wall_time_s"] < 150
    # The evaluator, run separately on the written plan, accepts it.
    check = subprocess.run(
        [sys.executable, "-m", "btsopt.cli", "evaluate", str(NAM_DINH), "--plan",
         str(out / "plan.csv"), "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )
    report = json.loads(check.stdout)
    assert report["violations"] == []
    assert report["hamlet_coverage"] == 1.0 and report["shared_site_ratio"] >= 0.30
    assert report["system_cost"] == pytest.approx(summary["objective"], rel=1e-9)
    assert summary["lower_bound"] is None or summary["lower_bound"] <= summary["objective"]
