"""The command line end to end: solve, evaluate, validate, exit statuses."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import NAM_DINH, TINY

from btsopt.cli import main

SUMMARY_KEYS = {
    "status", "objective", "lower_bound", "gap", "shared_site_ratio", "hamlet_coverage",
    "active_sites", "shared_sites", "wall_time_s", "cost",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_solve_tiny_writes_every_output(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--time-limit", "30"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    assert row[0] == "tiny" and row[1] == "optimal"
    for name in ("plan.csv", "summary.json", "sites.csv", "hamlets.csv", "report.md"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["objective"] == pytest.approx(5826.0488, abs=1e-3)
    plan = _rows(out / "plan.csv")
    assert {(r["site_id"], r["operator_id"]) for r in plan} >= {("E1", "alpha"), ("C2", "alpha")}
    assert {r["action"] for r in plan} <= {"keep", "colocate", "build", "remove"}


def test_evaluate_plan_json_agrees_with_solve(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(TINY), "--plan", str(out / "plan.csv"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["system_cost"] == pytest.approx(5826.0488, abs=1e-3)
    assert report["violations"] == []
    assert report["shared_sites"] == 1 and report["active_sites"] == 3
    assert set(report["operators"]) == {"alpha", "beta"}
    # Beta owns E2 and receives alpha's rent there: 90 a year over 10 years at 8%.
    assert report["operators"]["beta"]["rent_received"] == pytest.approx(90 * 6.7100814, rel=1e-6)


def test_refuses_a_folder_with_foreign_files_with_exit_3(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["solve", str(TINY), "--out", str(out)]) == 3  # an output problem
    err = capsys.readouterr().err
    assert "keep.txt" in err and "did not write" in err and "--force" in err
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert main(["solve", str(TINY), "--out", str(out), "--force", "--quiet"]) == 0
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_unreachable_hamlet_exits_1_and_names_it(tiny_copy: Path, capsys) -> None:
    hamlets = tiny_copy.parent / "hamlets.csv"
    hamlets.write_text(
        hamlets.read_text(encoding="utf-8") + "H9,107.50,20.0,80,rural,Xóm Xa,Xã Z,Huyện Z\n",
        encoding="utf-8",
    )
    out = tiny_copy.parent.parent / "out"
    assert main(["solve", str(tiny_copy), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "infeasible" in captured.out
    assert "H9" in captured.err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible" and "H9" in summary["message"]


def test_bad_input_exits_2_without_traceback(tiny_copy: Path, capsys) -> None:
    tenancies = tiny_copy.parent / "tenancies.csv"
    tenancies.write_text("site_id,operator_id\nE1,gamma\n", encoding="utf-8")
    assert main(["validate", str(tiny_copy)]) == 2
    err = capsys.readouterr().err
    # The line as an editor shows it: the header is line 1, the first data row line 2.
    assert "tenancies.csv" in err and "line 2" in err and "operator_id" in err
    assert "Traceback" not in err


@pytest.mark.skipif(not NAM_DINH.exists(), reason="bundled scenario missing")
def test_validate_nam_dinh_prints_the_baseline(capsys) -> None:
    assert main(["validate", str(NAM_DINH)]) == 0
    out = capsys.readouterr().out
    assert "3200 hamlets" in out
    assert "coverage 90.62%" in out and "shared-site ratio 11.51%" in out


@pytest.mark.skipif(not NAM_DINH.exists(), reason="bundled scenario missing")
def test_solve_nam_dinh_smoke(tmp_path: Path, capsys) -> None:
    # The bundled province: every hamlet covered and 30% shared, checked by the
    # evaluator on the written plan (not only by the solver's own summary).
    out = tmp_path / "nd"
    status = main(["solve", str(NAM_DINH), "--out", str(out), "--time-limit", "60"])
    assert status == 0
    capsys.readouterr()
    assert main(["evaluate", str(NAM_DINH), "--plan", str(out / "plan.csv"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hamlet_coverage"] == 1.0
    assert report["shared_site_ratio"] >= 0.30
    assert report["violations"] == []
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(report["system_cost"], rel=1e-9)
    assert summary["gap"] < 0.01


def test_evaluate_and_frontier_write_html_reports(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == 0
    html = tmp_path / "plan.html"
    assert main(["evaluate", str(TINY), "--plan", str(out / "plan.csv"), "--html", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text
    # Offline: no external scripts, styles or images (an xmlns URI is only a name).
    for attribute in ('src="http', "src='http", 'href="http', "href='http", "url(http"):
        assert attribute not in text
    frontier = tmp_path / "frontier"
    assert main(["frontier", str(TINY), "--out", str(frontier), "--points", "3",
                 "--time-limit", "10"]) == 0
    report = (frontier / "report.html").read_text(encoding="utf-8")
    assert "frontier" in report.lower() and "<svg" in report
