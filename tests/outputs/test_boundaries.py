"""Province outline and district areas traced from hamlet positions."""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath

from btsopt.outputs.boundaries import derive_boundaries


def _inside(area, lon: float, lat: float) -> bool:
    """Even-odd rule over all rings, as the map draws them."""
    hits = sum(MplPath(np.column_stack(ring)).contains_point((lon, lat)) for ring in area.rings)
    return hits % 2 == 1


def _two_districts() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A 10 x 10 grid of hamlets 0.01 degrees apart: west half A, east half B."""
    gx, gy = np.meshgrid(np.arange(10) * 0.01 + 106.0, np.arange(10) * 0.01 + 20.0)
    lon, lat = gx.ravel(), gy.ravel()
    return lon, lat, ["A" if x < 106.045 else "B" for x in lon]


def test_two_districts_split_down_the_middle() -> None:
    lon, lat, district = _two_districts()
    traced = derive_boundaries(lon, lat, district)
    assert [a.name for a in traced.districts] == ["A", "B"]
    assert traced.neighbours == ((0, 1),)
    a, b = traced.districts
    for x, y in zip(lon, lat, strict=True):  # every hamlet lies in its own district
        assert _inside(a, x, y) == (x < 106.045)
        assert _inside(b, x, y) == (x > 106.045)
        assert _inside(traced.outline, x, y)
    assert _inside(a, 106.03, 20.05) and not _inside(b, 106.03, 20.05)
    assert not _inside(traced.outline, 106.3, 20.05)  # far away: outside the province
    assert a.label_lon < 106.045 < b.label_lon


def test_gap_inside_is_filled_and_few_hamlets_give_none() -> None:
    lon, lat, district = _two_districts()
    keep = ~((np.abs(lon - 106.045) < 0.03) & (np.abs(lat - 20.045) < 0.03))  # a hole
    traced = derive_boundaries(lon[keep], lat[keep], np.array(district)[keep])
    assert len(traced.outline.rings) == 1  # no hole in the province
    assert _inside(traced.outline, 106.045, 20.045)
    assert derive_boundaries(lon[:2], lat[:2], district[:2]) is None
