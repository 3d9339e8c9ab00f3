"""report.html: self-contained, escaped, with KPIs, map, tables and the frontier."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from btsopt.data import ProblemData
from btsopt.evaluation import evaluate
from btsopt.outputs import render_html, write_result
from btsopt.outputs.html import ChartPoint, frontier_points
from btsopt.outputs.mapview import HAMLET_COLOURS, UNCOVERED
from btsopt.plan import Plan
from btsopt.reading import read_scenario
from btsopt.result import Result

from .tiny_plan import NAM_DINH, make_result

EXTERNAL = [
    re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I),  # remote URLs
    re.compile(r"<link\b", re.I),  # external stylesheets, fonts, icons
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.I),  # external scripts
    re.compile(r"@import|url\(", re.I),  # CSS pulling anything in
    re.compile(r"<(?:img|iframe|object|embed)\b", re.I),  # tiles, images
]


def _page(tiny_out: tuple[Path, list[Path]]) -> str:
    return (tiny_out[0] / "report.html").read_text(encoding="utf-8")


def test_self_contained(tiny_out: tuple[Path, list[Path]]) -> None:
    page = _page(tiny_out)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    for pattern in EXTERNAL:
        assert not pattern.search(page), pattern.pattern
    # The only URLs are SVG namespace names, which browsers never fetch.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_kpis_and_costs(tiny_out: tuple[Path, list[Path]]) -> None:
    page = _page(tiny_out)
    assert "Hamlets covered" in page and "100.00%" in page
    assert "Shared-site ratio" in page and "33.33%" in page and "30.0%" in page
    assert "5,826.0" in page  # system cost
    assert "no budget cap" in page
    assert "not met" not in page
    for item in ("site capex", "site opex", "tenancy capex", "tenancy opex", "decommission"):
        assert item in page
    assert "Alpha Mobile (alpha)" in page and "Beta Telecom (beta)" in page
    assert "rent paid" in page


def _layer(page: str, name: str) -> str:
    """The SVG group of one map layer (layers do not nest)."""
    found = re.search(rf'<g id="lyr-{name}".*?</g>(?=<g id="lyr-|</svg>)', page, re.S)
    assert found is not None, name
    return found.group(0)


def test_map(tiny_out: tuple[Path, list[Path]]) -> None:
    page = _page(tiny_out)
    svg = re.search(r'<svg id="map".*?</svg>', page, re.S)
    assert svg is not None
    hamlets = _layer(page, "hamlets")
    assert hamlets.count("<circle") == 5
    assert hamlets.count(f'fill="{HAMLET_COLOURS["h1"][0]}"') == 3  # H1, H4, H5: one operator
    assert hamlets.count(f'fill="{HAMLET_COLOURS["h2"][0]}"') == 2  # H2, H3: alpha and beta
    assert _layer(page, "sites-kept").count("<rect") == 1
    assert _layer(page, "sites-colocated").count("<rect") == 1
    assert _layer(page, "sites-new").count("<path") == 1
    assert 'data-tip="site C2: new\nowner: alpha (builder)\ntenants: alpha' in page
    assert _layer(page, "shared").count("<circle") == 1  # one ring: the shared site E2
    assert 'data-tip="Thôn Một (H1), Xã A, Huyện X' in svg.group(0)  # diacritics kept
    assert 'data-layer="lyr-sites-new" checked' in page  # a switch per layer
    assert 'data-layer="lyr-sites-unused">' in page  # off at first
    for name in ("land", "districts", "district-names", "grid"):
        _layer(page, name)
    assert ">Huyện X</text>" in _layer(page, "district-names")


def test_area_tables(tiny_out: tuple[Path, list[Path]]) -> None:
    page = _page(tiny_out)
    district = re.search(r'<table id="district-table".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", district.split("<tbody>")[1])
    assert len(rows) == 2
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", rows[0])]
    # district, hamlets, population, covered, covered population, coverage,
    # active sites, shared sites, new sites
    assert cells == ["Huyện X", "3", "1,200", "3", "1,200", "100.0%", "2", "1", "0"]
    commune = re.search(r'<table id="commune-table".*?</table>', page, re.S).group(0)
    assert "Xã C" in commune and len(re.findall(r"<tr>", commune)) == 1 + 3


def test_text_is_escaped(tiny_copy: Path) -> None:
    hamlets = tiny_copy.parent / "hamlets.csv"
    text = hamlets.read_text(encoding="utf-8").replace(
        "Thôn Một", '"<script>alert(1)</script> & <b>Thôn</b>"')
    hamlets.write_text(text, encoding="utf-8")
    data = read_scenario(tiny_copy)
    page = render_html(data, make_result(data, Plan.existing(data), status="feasible"))
    assert "<script>alert" not in page and "<b>Thôn</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Thôn&lt;/b&gt;" in page
    assert page.count("<script>") == 1  # only the page's own inline script


def test_uncovered_hamlets_stand_out(tiny_data: ProblemData) -> None:
    plan = Plan.existing(tiny_data)  # E1 alpha, E2 beta: H4 and H5 out of reach
    ev = evaluate(tiny_data, plan)
    page = render_html(tiny_data, ev, plan)
    uncovered = _layer(page, "uncovered")
    assert uncovered.count(f'fill="{UNCOVERED}"') == 2
    assert "Hamlets short of coverage (2)" in page
    assert "Rule violations" in page  # coverage target broken
    assert "not met" in page
    assert "evaluation of a given plan" in page


def test_removed_site_and_tooltip_limit(tiny_data: ProblemData,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from btsopt.outputs import html as html_module

    x = tiny_data.tenancies.copy()
    x[0, 0] = False  # E1 emptied (a violation here, but it must still be drawn)
    x[1, 0] = True   # alpha moves to E2
    plan = Plan(x)
    page = render_html(tiny_data, evaluate(tiny_data, plan), plan)
    removed = _layer(page, "sites-removed")
    assert removed.count("<path") == 1
    assert 'data-tip="site E1: removed' in removed
    monkeypatch.setattr(html_module, "TOOLTIP_LIMIT", 2)
    page = render_html(tiny_data, evaluate(tiny_data, plan), plan)
    hamlets = _layer(page, "hamlets")
    assert "data-tip" not in hamlets and hamlets.count("<circle") == 2  # H2, H3
    assert _layer(page, "uncovered").count("data-tip") == 3  # H1, H4, H5 keep theirs
    assert "carry no tooltip" in page


def test_evaluation_needs_plan(tiny_data: ProblemData) -> None:
    ev = evaluate(tiny_data, Plan.existing(tiny_data))
    with pytest.raises(ValueError, match="plan"):
        render_html(tiny_data, ev)


def test_frontier_chart(tiny_data: ProblemData, tiny_result: Result) -> None:
    frontier = [
        {"ratio": 0.0, "cost": 5500.0, "status": "optimal"},
        (0.3, 5826.05, "optimal"),
        {"target": 0.5, "objective": 6400.0, "lower_bound": 6390.0},
        {"shared_site_ratio": 1.0, "cost": None, "status": "infeasible"},
    ]
    points = frontier_points(frontier)
    assert [p.ratio for p in points] == [0.0, 0.3, 0.5, 1.0]
    assert frontier_points({0.5: 2.0, 0.1: 1.0}) == [
        ChartPoint(0.1, 1.0), ChartPoint(0.5, 2.0)]
    page = render_html(tiny_data, tiny_result, frontier=frontier)
    chart = re.search(r'<svg class="frontier".*?</svg>', page, re.S).group(0)
    assert chart.count("<polyline") == 1
    assert len(re.findall(r'<circle cx="[\d.]+" cy="[\d.]+" r="4"', chart)) == 3
    assert "no plan (infeasible)" in chart  # the point without a cost
    assert "target 30%" in chart and "this plan" in chart
    assert "Sharing/cost frontier" in page
    assert "Sharing/cost frontier" not in render_html(tiny_data, tiny_result)


def test_frontier_shapes_of_the_frontier_command() -> None:
    """``Frontier`` objects (``.points`` with ``target``/``ratio``/``cost``) and
    ``frontier.csv`` read by pandas (achieved ratio empty without a plan)."""
    from types import SimpleNamespace

    point = SimpleNamespace
    frontier = SimpleNamespace(points=(
        point(target=0.3, ratio=0.3333, cost=5826.0, lower_bound=5826.0, status="optimal"),
        point(target=0.9, ratio=None, cost=None, lower_bound=None, status="infeasible"),
    ))
    points = frontier_points(frontier)
    assert [(p.ratio, p.target, p.status) for p in points] == [
        (0.3333, 0.3, "optimal"), (0.9, 0.9, "infeasible")]
    assert math.isnan(points[1].cost)
    csv_rows = pd.DataFrame({"ratio_target": [0.0, 0.5], "achieved_ratio": [0.1, np.nan],
                             "cost": [5000.0, np.nan], "status": ["optimal", "unknown"]})
    assert [(p.ratio, p.target) for p in frontier_points(csv_rows)] == [(0.1, 0.0), (0.5, 0.5)]


def test_write_result_passes_frontier(tiny_data: ProblemData, tiny_result: Result,
                                      tmp_path: Path) -> None:
    write_result(tiny_data, tiny_result, tmp_path, frontier=[(0.0, 5000.0), (0.5, 7000.0)])
    assert '<svg class="frontier"' in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not NAM_DINH.exists(), reason="Nam Định scenario not generated")
def test_nam_dinh_size_and_marks(tmp_path: Path) -> None:
    """Under 5 MB on the province, every hamlet drawn (its time is measured by
    benchmarks/timings.py). The plan needs no solve: today's network plus a
    co-location on every second single-tenant site."""
    data = read_scenario(NAM_DINH)
    x = data.tenancies.copy()
    for j in [j for j in range(data.num_sites) if x[j].sum() == 1][::2]:
        x[j, (int(x[j].argmax()) + 1) % data.num_operators] = True
    result = make_result(data, Plan(x), status="feasible")
    page = render_html(data, result)
    assert len(page.encode("utf-8")) < 5_000_000
    drawn = sum(_layer(page, name).count('class="m"') for name in ("hamlets", "uncovered"))
    assert drawn == data.num_hamlets
    written = write_result(data, result, tmp_path)
    assert len(written) == 9


def test_context_heads_an_evaluation(tiny_data: ProblemData) -> None:
    plan = Plan.existing(tiny_data)
    page = render_html(tiny_data, evaluate(tiny_data, plan), plan,
                       context="the network after the proposal (evaluated, no solve)")
    header = page.split("</header>")[0]
    assert "the network after the proposal" in header
    assert "evaluation of a given plan" not in header
    assert "stopping gap" not in header  # no solve, no gap to explain


def test_operator_table_adds_up(tiny_out: tuple[Path, list[Path]], tiny_result: Result) -> None:
    page = _page(tiny_out)
    section = page.split("<h2>Per operator")[1].split("</table>")[0]
    total = re.search(r'<tr class="total"><td>total</td><td class="num" data-v="([\d.e+-]+)"',
                      section)
    assert float(total.group(1)) == pytest.approx(tiny_result.objective)
