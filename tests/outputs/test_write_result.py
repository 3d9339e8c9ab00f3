"""write_result on the tiny optimum: every file, plan.csv, summary.json, report.md."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from btsopt.data import ProblemData
from btsopt.outputs import OUTPUT_MARKER, write_result
from btsopt.result import Result

from .tiny_plan import TINY_OPTIMUM, TINY_PLAN_ROWS, make_result

ALL_FILES = {
    "plan.csv", "summary.json", "sites.csv", "hamlets.csv", "report.md", "report.html",
    "sites.geojson", "hamlets.geojson", "worklist.csv",
}


def test_writes_every_file(tiny_out: tuple[Path, list[Path]]) -> None:
    out, written = tiny_out
    assert {p.name for p in written} == ALL_FILES
    # No temporary files left; the marker lists exactly what was written.
    assert {p.name for p in out.iterdir()} == ALL_FILES | {OUTPUT_MARKER}
    assert set((out / OUTPUT_MARKER).read_text(encoding="utf-8").split()) == ALL_FILES
    for path in written:
        assert path.stat().st_size > 0
        path.read_text(encoding="utf-8")  # all UTF-8 text


def test_plan_csv(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    with open(out / "plan.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["site_id", "operator_id", "action"]
    assert [tuple(r) for r in rows[1:]] == TINY_PLAN_ROWS


def test_summary_json(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert summary["gap"] == 0.0
    assert summary["hamlet_coverage"] == 1.0
    assert summary["shared_site_ratio"] == pytest.approx(1 / 3)
    assert (summary["active_sites"], summary["shared_sites"]) == (3, 1)
    assert sum(summary["cost"].values()) == pytest.approx(TINY_OPTIMUM, abs=1e-3)
    assert summary["scenario"] == "tiny"


def test_sites_csv_status(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    with open(out / "sites.csv", newline="", encoding="utf-8") as handle:
        rows = {r["site_id"]: r for r in csv.DictReader(handle)}
    assert {k: r["status"] for k, r in rows.items()} == {
        "E1": "kept", "E2": "colocated", "C1": "unused", "C2": "new"}
    assert rows["E2"]["tenants"] == "alpha;beta"
    assert rows["E2"]["shared"] == "True"
    assert rows["E1"]["district"] == "Huyện X"


def test_report_md_has_kpis(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## KPIs against the targets" in text
    assert "100.00% (5 of 5)" in text  # hamlet coverage
    assert "33.33% (1 of 3)" in text  # shared-site ratio
    assert "30.0%" in text  # its target
    assert "5,826.0" in text  # system cost
    assert "| no |" not in text  # every target met


def test_files_are_replaced_atomically(tiny_data: ProblemData, tiny_result: Result,
                                       tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("old", encoding="utf-8")
    write_result(tiny_data, tiny_result, tmp_path)
    write_result(tiny_data, tiny_result, tmp_path)  # a second run overwrites cleanly
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [OUTPUT_MARKER]


def test_without_plan(tiny_data: ProblemData, tmp_path: Path) -> None:
    result = make_result(tiny_data, None, status="infeasible")
    written = {p.name for p in write_result(tiny_data, result, tmp_path)}
    assert written == {"plan.csv", "summary.json", "report.md", "report.html"}
    assert (tmp_path / "plan.csv").read_text(encoding="utf-8") == "site_id,operator_id,action\n"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No plan (status infeasible)" in page
    assert "out of reach" in page  # the solver's message
    assert "today's network" in page
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible" and summary["objective"] is None
    assert not math.isfinite(result.objective)
