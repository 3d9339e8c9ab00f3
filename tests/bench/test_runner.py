"""Sweeps through the runner and the command line, files written, Dask cluster."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from btsopt.bench.instances import ORLIB, SCENARIO, Instance, resolve_instances
from btsopt.bench.plot import plot_csv
from btsopt.bench.runner import (
    RECORD_FIELDS,
    RunTask,
    execute,
    load_settings,
    make_tasks,
    run_sweep,
    summarize,
    write_csv,
    write_json,
)
from btsopt.cli import main
from btsopt.errors import ScenarioError

from .conftest import TINY, TINY_OPTIMUM, TINY_SCP, TINY_SCP_OPTIMUM

INSTANCES = [
    Instance("tiny", TINY, SCENARIO, TINY_OPTIMUM),
    Instance("tiny_scp", TINY_SCP, ORLIB, TINY_SCP_OPTIMUM),
]


def _check_rows(rows: list[dict], solvers: list[str]) -> None:
    assert len(rows) == len(INSTANCES) * len(solvers)
    for row in rows:
        assert row["status"] == "optimal", row
        expected = TINY_OPTIMUM if row["instance"] == "tiny" else TINY_SCP_OPTIMUM
        assert row["objective"] == pytest.approx(expected, abs=1e-3)
        assert row["gap"] == pytest.approx(0.0, abs=1e-4)
        assert abs(row["gap_to_best"]) < 1e-6
        assert 0 <= row["wall_time_s"] < 30
        assert row["peak_rss_mb"] > 10  # measured in the run's own process


def test_sweep_writes_csv_and_json(tmp_path: Path) -> None:
    solvers = ["btsopt:highs", "plain-highs"]
    tasks = make_tasks(INSTANCES, solvers, {"default": {}}, [0], time_limit=20)
    seen: list[dict] = []
    rows = run_sweep(tasks, workers=2, on_record=seen.append)
    _check_rows(rows, solvers)
    assert len(seen) == len(rows)
    assert [(r["instance"], r["solver"]) for r in rows] == [
        (t.instance, t.solver) for t in tasks]  # task order, whatever the finishing order

    write_csv(rows, tmp_path / "runs.csv")
    write_json(rows, tmp_path / "runs.json", {"note": "test"})
    with open(tmp_path / "runs.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert tuple(table[0]) == RECORD_FIELDS
    assert {"instance", "solver", "seed", "status", "objective", "lower_bound", "gap",
            "wall_time_s"} <= set(table[0])
    assert float(table[0]["objective"]) == pytest.approx(rows[0]["objective"])
    payload = json.loads((tmp_path / "runs.json").read_text())
    assert payload["meta"] == {"note": "test"}
    assert len(payload["runs"]) == 4
    assert {s["solver"] for s in payload["summary"]} == set(solvers)
    assert all(s["optimal"] == 2 for s in payload["summary"])


def test_execute_in_process_and_errors() -> None:
    task = RunTask("tiny", str(TINY), SCENARIO, "plain-cpsat", time_limit=10)
    row = execute(task)
    assert row["status"] == "optimal"
    assert row["objective"] == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    with pytest.raises(ScenarioError):
        make_tasks(INSTANCES, ["btsopt:nonsense"], {"default": {}}, [0], 1)
    with pytest.raises(ScenarioError):
        resolve_instances(["no-such-instance"])


def test_settings_reach_the_backend() -> None:
    # A per-solver table applies to that solver only; a bad option is a row, not a crash.
    settings = {"odd": {"plain-highs": {"no_such_highs_option": 1}}}
    tasks = make_tasks(INSTANCES[:1], ["plain-highs", "plain-cpsat"], settings, [3], 10)
    assert tasks[0].options == {"no_such_highs_option": 1} and tasks[1].options == {}
    assert tasks[0].seed == 3 and tasks[0].settings == "odd"


def test_core_settings_reach_the_btsopt_solvers_only(tmp_path: Path) -> None:
    path = tmp_path / "ablation.toml"
    path.write_text("[default]\n\n[no-lns.core.lns]\nenabled = false\n")
    settings = load_settings(str(path), {})
    tasks = make_tasks(INSTANCES[1:], ["btsopt:core", "plain-highs"], settings, [0], 10)
    by_key = {(t.solver, t.settings): t.options for t in tasks}
    assert by_key[("btsopt:core", "no-lns")] == {"core": {"lns": {"enabled": False}}}
    assert by_key[("plain-highs", "no-lns")] == {}
    row = execute(next(t for t in tasks if t.settings == "no-lns" and t.solver == "btsopt:core"))
    assert row["status"] == "optimal"
    assert row["objective"] == pytest.approx(TINY_SCP_OPTIMUM)


@pytest.mark.parametrize(("text", "column"), [
    ("[a.core.lns]\nrows_share = 2.0\n", "a.core.lns.rows_share"),
    ("[a.core.lsn]\nenabled = false\n", "a.core.lsn"),
    ("[a]\ncore = 1\n", "a.core"),
])
def test_bad_core_settings_in_a_bench_file_name_the_table(tmp_path: Path, text, column) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_settings(str(path), {})
    assert caught.value.column == column and caught.value.file == str(path)


def test_cli_bench_and_plot(tmp_path: Path, capsys) -> None:
    out_csv, out_json, out_png = tmp_path / "b.csv", tmp_path / "b.json", tmp_path / "p.png"
    code = main(["bench", str(TINY), str(TINY_SCP), "--solver", "plain-cpsat",
                 "--time-limit", "20", "--workers", "2", "--param", "log_search_progress=false",
                 "--csv", str(out_csv), "--json", str(out_json), "--plot", str(out_png)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "tiny_scp" in printed and "plain-cpsat" in printed and "mean_gap" in printed
    rows = json.loads(out_json.read_text())["runs"]
    assert [r["status"] for r in rows] == ["optimal", "optimal"]
    assert rows[0]["options"] == '{"log_search_progress": false}'
    assert out_png.stat().st_size > 1000
    again = tmp_path / "again.png"
    assert main(["bench-plot", str(out_csv), str(again)]) == 0
    assert again.read_bytes()[:4] == b"\x89PNG"
    assert main(["bench", "no-such-instance"]) == 2


def test_summary_counts() -> None:
    rows = [
        {"solver": "a", "settings": "d", "status": "optimal", "objective": 1.0, "gap": 0.0,
         "gap_to_best": 0.0, "wall_time_s": 1.0, "peak_rss_mb": 5.0},
        {"solver": "a", "settings": "d", "status": "unknown", "objective": None, "gap": None,
         "gap_to_best": None, "wall_time_s": 3.0, "peak_rss_mb": None},
    ]
    (summary,) = summarize(rows)
    assert summary["runs"] == 2 and summary["optimal"] == 1 and summary["with_plan"] == 1
    assert summary["mean_gap_all"] == pytest.approx(0.5)
    assert summary["mean_time_s"] == pytest.approx(2.0)
    assert math.isclose(summary["sgm_time_s"], math.sqrt(2 * 4) - 1)


def test_plot_from_csv(tmp_path: Path) -> None:
    rows = [
        {k: None for k in RECORD_FIELDS} | {
            "instance": f"i{n}", "solver": solver, "settings": "default", "seed": 0,
            "status": "optimal", "objective": 1.0, "lower_bound": 1.0, "gap": gap,
            "wall_time_s": 0.5 + n, "time_limit": 10.0}
        for n in range(3) for solver, gap in (("s1", 0.0), ("s2", 0.02))
    ]
    write_csv(rows, tmp_path / "r.csv")
    out = plot_csv(tmp_path / "r.csv", tmp_path / "r.png")
    assert out.stat().st_size > 1000


def test_dask_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    tasks = make_tasks(INSTANCES, ["btsopt:highs"], {"default": {}}, [0], time_limit=20)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        rows = run_sweep(tasks, scheduler=cluster)
    _check_rows(rows, ["btsopt:highs"])
