"""The report's map driven in headless Chromium: switches, hover, zoom, render time.

Uses the DevTools protocol over a pipe (``browser.py``); skipped when no
Chromium is installed (``apt-get install -y chromium`` on Debian).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from btsopt.outputs import render_html
from btsopt.outputs.mapview import SITE_STYLES
from btsopt.plan import Plan
from btsopt.reading import read_scenario

from .browser import Browser, chromium
from .tiny_plan import NAM_DINH, make_result

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not NAM_DINH.exists(), reason="Nam Định scenario missing")]

NEW_SITE_FILL = SITE_STYLES["new"][1].fill


@pytest.fixture(scope="module")
def province_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of the bundled province: today's network plus a co-location on every
    second single-tenant site and two candidate sites built (no solve needed)."""
    data = read_scenario(NAM_DINH)
    x = data.tenancies.copy()
    for j in [j for j in range(data.num_sites) if x[j].sum() == 1][::2]:
        x[j, (int(x[j].argmax()) + 1) % data.num_operators] = True
    candidates = np.flatnonzero(~data.sites.existing)
    x[candidates[:2], 0] = True
    page = tmp_path_factory.mktemp("province") / "report.html"
    page.write_text(render_html(data, make_result(data, Plan(x), status="feasible")),
                    encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium binary found")
    with Browser(binary, tmp_path_factory.mktemp("profile"), width=1400, height=1000) as b:
        yield b


def _pixels(png: Path) -> np.ndarray:
    return np.round(mpimg.imread(png)[..., :3] * 255.0)


def _count(pixels: np.ndarray, hex_colour: str, tolerance: float = 6.0) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return int((np.abs(pixels - rgb).max(axis=-1) <= tolerance).sum())


def test_size_and_every_mark_drawn(province_page: Path, browser: Browser) -> None:
    """Under 5 MB, and every hamlet and active site drawn (the time it takes the
    renderer is measured by benchmarks/timings.py)."""
    assert province_page.stat().st_size < 5_000_000
    browser.open(province_page)
    drawn = browser.evaluate("document.querySelectorAll('#map .m').length")
    assert drawn > 3200 + 2050  # every hamlet and every active site


def test_switch_hides_a_layer(province_page: Path, browser: Browser, tmp_path: Path) -> None:
    browser.open(province_page)
    before = _pixels(browser.screenshot(tmp_path / "before.png", "#map"))
    assert _count(before, NEW_SITE_FILL) > 40  # two new sites: orange triangles
    assert browser.evaluate("getComputedStyle(document.getElementById('lyr-sites-new'))"
                            ".display") != "none"
    browser.click('input[data-layer="lyr-sites-new"]')
    assert browser.evaluate("document.querySelector('input[data-layer=\"lyr-sites-new\"]')"
                            ".checked") is False
    assert browser.evaluate("getComputedStyle(document.getElementById('lyr-sites-new'))"
                            ".display") == "none"
    after = _pixels(browser.screenshot(tmp_path / "after.png", "#map"))
    assert _count(after, NEW_SITE_FILL) == 0
    # Only the new sites went: the rest of the map is unchanged almost everywhere.
    changed = np.abs(after - before).max(axis=-1) > 0
    assert 0 < changed.mean() < 0.02
    browser.click('input[data-layer="lyr-sites-new"]')  # and back
    again = _pixels(browser.screenshot(tmp_path / "again.png", "#map"))
    assert _count(again, NEW_SITE_FILL) == _count(before, NEW_SITE_FILL)


def test_hover_zoom_and_coordinates(province_page: Path, browser: Browser) -> None:
    browser.open(province_page)
    centre = browser.evaluate(
        "(() => {const e = document.querySelector('#lyr-sites-new .m');"
        "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
        "return [r.left + r.width / 2, r.top + r.height / 2];})()")
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=centre[0], y=centre[1])
    tip = browser.evaluate("(() => {const t = document.getElementById('maptip');"
                           "return t.hidden ? '' : t.textContent;})()")
    assert re.match(r"site \S+: new", tip) and "tenants: " in tip and "district: " in tip
    coords = browser.evaluate("document.getElementById('mapcoord').textContent")
    lat, lon = (float(v) for v in re.findall(r"[\d.]+", coords))
    assert 19.9 < lat < 20.6 and 105.8 < lon < 106.7  # Nam Định

    scale = browser.evaluate("document.querySelector('#mapscale span').textContent")
    width = browser.evaluate("document.getElementById('map').viewBox.baseVal.width")
    for _ in range(4):
        browser.click('button[data-zoom="in"]')
    zoomed = browser.evaluate("document.getElementById('map').viewBox.baseVal.width")
    assert zoomed == pytest.approx(width * 0.67**4, rel=1e-3)
    assert browser.evaluate("document.getElementById('map').classList.contains('zoomed')")
    assert browser.evaluate("document.querySelector('#mapscale span').textContent") != scale
    browser.click('button[data-zoom="reset"]')
    assert browser.evaluate("document.getElementById('map').viewBox.baseVal.width") == width
