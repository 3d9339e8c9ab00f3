"""The frontier's report.html: headed by the point it shows, its chart above the map."""

from __future__ import annotations

import csv
from pathlib import Path

from btsopt.cli import main

from .tiny_plan import TINY


def test_frontier_report(tmp_path: Path) -> None:
    out = tmp_path / "frontier"
    assert main(["frontier", str(TINY), "--out", str(out), "--ratios", "0,0.3",
                 "--time-limit", "10"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    header = page.split("</header>")[0]
    assert "no solve" not in header and "evaluation of a given plan" not in header
    assert "the frontier&#x27;s plan for a shared-site ratio of at least 30%" in header
    assert "status optimal" in header
    assert page.index('<svg class="frontier"') < page.index('<svg id="map"')
    with open(out / "worklist.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["party"], r["action"], r["site_id"]) for r in rows] == [
        ("alpha", "build", "C2"), ("alpha", "colocate", "E2")]  # the tiny optimum at 30%
