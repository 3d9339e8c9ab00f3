"""report.html in headless Chromium: the page renders and the map is drawn.

Skipped when no Chromium is installed (``apt-get install -y chromium`` on
Debian); set ``BTSOPT_CHROMIUM`` to use another binary.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from btsopt.data import ProblemData
from btsopt.evaluation import evaluate
from btsopt.outputs import render_html
from btsopt.outputs.html import MAP_BACKGROUND
from btsopt.outputs.mapview import HAMLET_COLOURS, UNCOVERED
from btsopt.plan import Plan

from .browser import FLAGS, chromium

pytestmark = pytest.mark.browser

WINDOW = (1200, 900)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _screenshot(page: Path, tmp_path: Path) -> np.ndarray:
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium binary found")
    png = tmp_path / "shot.png"
    command = [
        binary, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}", page.resolve().as_uri(),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0 and png.exists(), run.stderr[-2000:]
    pixels = mpimg.imread(png)  # float RGB(A) in [0, 1] for PNG
    return np.round(pixels[..., :3] * 255.0)


def _near(pixels: np.ndarray, hex_colour: str, tolerance: float = 8.0) -> np.ndarray:
    return np.abs(pixels - _rgb(hex_colour)).max(axis=-1) <= tolerance


@pytest.fixture(scope="module")
def existing_network_page(tiny_data: ProblemData, tmp_path_factory: pytest.TempPathFactory
                          ) -> Path:
    """Today's tiny network: H1-H3 covered (green), H4 and H5 out of reach (red)."""
    plan = Plan.existing(tiny_data)
    page = tmp_path_factory.mktemp("html") / "report.html"
    page.write_text(render_html(tiny_data, evaluate(tiny_data, plan), plan), encoding="utf-8")
    return page


def test_screenshot_shows_map(existing_network_page: Path, tmp_path: Path) -> None:
    pixels = _screenshot(existing_network_page, tmp_path)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    assert pixels.std() > 10  # not blank
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # text, cards, markers

    # The map: the bounding box of its background colour, which nothing else uses.
    rows, cols = np.nonzero(_near(pixels, MAP_BACKGROUND, tolerance=2))
    assert len(rows) > 10_000, "map background not on screen"
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    assert bottom - top > 200 and right - left > 400
    inside = pixels[top : bottom + 1, left : right + 1]
    red = _near(inside, UNCOVERED).sum()
    green = sum(_near(inside, HAMLET_COLOURS[c][0]).sum() for c in ("h1", "h2", "h3"))
    assert red > 200, f"uncovered hamlets not drawn ({red} red pixels)"
    assert green > 80, f"covered hamlets not drawn ({green} green pixels)"


def test_screenshot_of_written_report(tiny_out: tuple[Path, list[Path]], tmp_path: Path
                                      ) -> None:
    pixels = _screenshot(tiny_out[0] / "report.html", tmp_path)
    rows, cols = np.nonzero(_near(pixels, MAP_BACKGROUND, tolerance=2))
    inside = pixels[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    green = sum(_near(inside, HAMLET_COLOURS[c][0]).sum() for c in ("h1", "h2", "h3"))
    assert green > 80
    assert _near(inside, UNCOVERED).sum() == 0  # the optimum covers all
