"""The work list: per party, what to build, install and remove, with costs that add up."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt.data import ProblemData
from btsopt.evaluation import annuity, evaluate
from btsopt.outputs import render_html, worklist_frame
from btsopt.outputs.report import render_report
from btsopt.plan import Plan
from btsopt.reading import read_scenario
from btsopt.result import Result

from .tiny_plan import TINY, make_result

A = annuity(10, 0.08)  # the tiny scenario's horizon and rate


def test_tiny_optimum(tiny_data: ProblemData, tiny_result: Result) -> None:
    work = worklist_frame(tiny_data, tiny_result.plan)
    assert work[["party", "action", "site_id", "site_owner"]].values.tolist() == [
        ["alpha", "build", "C2", "alpha"],  # builder of a candidate without owner owns it
        ["alpha", "colocate", "E2", "beta"],
    ]
    build, colocate = work.to_dict("records")
    # C2: capex 1000 + alpha's tenancy 400; opex (site 120 + tenancy 60) a year.
    assert build["capex"] == pytest.approx(1400.0)
    assert build["opex_npv"] == pytest.approx(180.0 * A)
    assert build["cost"] == pytest.approx(1400.0 + 180.0 * A)
    assert build["rent_npv"] == 0.0
    # E2 (beta's): alpha's tenancy 400 and 60 a year, rent 90 a year to beta.
    assert colocate["cost"] == pytest.approx(400.0 + 60.0 * A)
    assert colocate["rent_npv"] == pytest.approx(90.0 * A)
    assert (build["commune"], build["district"]) == ("Xã C", "Huyện Y")
    assert (build["lon"], build["lat"]) == (106.12, 20.0)


@pytest.fixture(scope="module")
def towerco_data(tmp_path_factory: pytest.TempPathFactory) -> ProblemData:
    """The tiny scenario with candidate C2 owned by a tower company and decommissioning on."""
    folder = tmp_path_factory.mktemp("towerco") / "tiny"
    shutil.copytree(TINY.parent, folder)
    sites = folder / "sites.csv"
    sites.write_text(sites.read_text(encoding="utf-8").replace(
        "C2,106.12,20.0,candidate,30,,1000", "C2,106.12,20.0,candidate,30,towerco,1000"),
        encoding="utf-8")
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "allow_decommission = false", "allow_decommission = true"), encoding="utf-8")
    return read_scenario(toml)


def test_tower_company_and_removals(towerco_data: ProblemData) -> None:
    data = towerco_data
    x = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    x[data.sites.ids.index("E1"), 0] = True   # alpha stays on E1
    x[data.sites.ids.index("C2"), 1] = True   # beta leaves E2 (emptied) for C2
    work = worklist_frame(data, Plan(x))
    rows = {(r["party"], r["action"], r["site_id"]): r for r in work.to_dict("records")}
    assert set(rows) == {("beta", "build", "C2"), ("beta", "remove", "E2"),
                         ("towerco", "site_build", "C2")}
    assert rows["beta", "remove", "E2"]["decommission"] == 200.0  # tenancy and its own site
    assert rows["towerco", "site_build", "C2"]["capex"] == 1000.0
    assert rows["beta", "build", "C2"]["capex"] == 450.0  # beta's tenancy capex
    assert rows["beta", "build", "C2"]["rent_npv"] == pytest.approx(90.0 * A)
    assert list(work["party"]) == ["beta", "beta", "towerco"]  # operators first


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=8, max_size=8))
def test_sums_match_the_system_cost_items(towerco_data: ProblemData, cells: list[bool]
                                          ) -> None:
    data = towerco_data
    plan = Plan(np.array(cells, dtype=bool).reshape(data.num_sites, data.num_operators))
    ev = evaluate(data, plan)
    work = worklist_frame(data, plan, evaluation=ev)
    assert work["capex"].sum() == pytest.approx(ev.cost["site_capex"] + ev.cost["tenancy_capex"])
    assert work["decommission"].sum() == pytest.approx(ev.cost["decommission"])
    assert (work["cost"] == work["capex"] + work["opex_npv"] + work["decommission"]).all()
    changed = sum(1 for _, _, action in plan.rows(data) if action != "keep")
    assert len(work[work["action"].isin(["build", "colocate", "remove"])]) == changed


def test_csv_and_reports(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    with open(out / "worklist.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["party", "action", "site_id", "site_owner", "commune",
                             "district", "lon", "lat", "capex", "opex_npv", "decommission",
                             "cost", "rent_npv"]
    assert [(r["party"], r["action"], r["site_id"]) for r in rows] == [
        ("alpha", "build", "C2"), ("alpha", "colocate", "E2")]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Work list" in md and "### Alpha Mobile (alpha): 1 build, 1 colocate" in md
    assert "| build | C2 | Xã C | Huyện Y | 106.12000 | 20.00000 |" in md
    page = (out / "report.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="worklist-table".*?</table>', page, re.S).group(0)
    assert table.count("<tr>") == 1 + 2 and "Xã C" in table
    assert "Work list (2 items)" in page


def test_report_md_parties_add_up_to_the_system_cost(towerco_data: ProblemData) -> None:
    data = towerco_data
    x = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    x[data.sites.ids.index("E1"), 0] = True
    x[data.sites.ids.index("E2"), 1] = True
    x[data.sites.ids.index("C2"), :] = True  # towerco's new site, shared by both
    result = make_result(data, Plan(x), status="feasible")
    md = render_report(data, result)
    section = md.split("## Per operator")[1].split("##")[0]
    own = {}
    for line in section.splitlines():
        cells = [c.strip(" *") for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1][:1].isdigit():
            own[cells[0]] = float(cells[1].replace(",", ""))
    assert set(own) == {"alpha", "beta", "third party (tower companies, other owners)",
                        "total"}
    assert own["third party (tower companies, other owners)"] == pytest.approx(
        1000.0 + 120.0 * A, abs=0.05)  # towerco: C2's capex and opex
    parts = sum(v for k, v in own.items() if k != "total")
    assert parts == pytest.approx(own["total"], abs=0.15)
    assert own["total"] == pytest.approx(result.objective, abs=0.05)
    assert "stored as a fraction in `summary.json`" in md
    assert "exact optimum only at gap 0" in md
    assert "exact optimum only at gap 0" in render_html(data, result)
