"""The map's layer mechanism: extra layers, switches, styles, tooltips, order."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import btsopt
from btsopt.data import ProblemData
from btsopt.outputs import render_html
from btsopt.outputs.mapview import (
    LAYER_BUILDERS,
    LegendEntry,
    MapFeature,
    MapLayer,
    MapStyle,
    Projection,
    render_map,
)
from btsopt.plan import Plan
from btsopt.result import Result

from .tiny_plan import TINY_PLAN_ROWS, make_result, plan_from_rows


def _fibre(lon: tuple[float, ...], lat: tuple[float, ...]) -> MapLayer:
    return MapLayer("fibre", "fibre routes", "line",
                    (MapFeature(lon=lon, lat=lat, title="route E1-N1\n4.2 km"),),
                    MapStyle(stroke="#e07b00", stroke_width=2.5), z=25, group="Network")


def test_extra_layer_gets_a_switch_and_is_drawn_in_z_order(tiny_data: ProblemData,
                                                           tiny_result: Result) -> None:
    lon, lat = tuple(tiny_data.sites.lon[:2]), tuple(tiny_data.sites.lat[:2])
    load = MapLayer("load", "site load", "point",
                    (MapFeature(lon=lon[0], lat=lat[0], fill="#d7301f", title="load 93%"),),
                    MapStyle(fill="#fee8c8", size=2.0), visible=False, z=48,
                    legend=(LegendEntry("over 90%", "#d7301f", 1),
                            LegendEntry("under 50%", "#fee8c8", 0)), group="Network")
    page = render_html(tiny_data, tiny_result, layers=[_fibre(lon, lat), load])
    order = re.findall(r'<g id="lyr-([a-z-]+)"', page)
    assert order.index("hamlets") < order.index("fibre") < order.index("sites-kept")
    assert order.index("sites-colocated") < order.index("load") < order.index("sites-new")
    fibre = re.search(r'<g id="lyr-fibre".*?</g>', page, re.S).group(0)
    assert fibre.count("<path d=\"M") == 1 and 'data-tip="route E1-N1\n4.2 km"' in fibre
    assert "stroke:#e07b00" in fibre and "stroke-width:2.5px" in fibre
    loaded = re.search(r'<g id="lyr-load".*?</g>', page, re.S).group(0)
    assert "display:none" in loaded and 'fill="#d7301f"' in loaded
    assert '<h3>Network</h3>' in page
    assert 'data-layer="lyr-fibre" checked' in page and 'data-layer="lyr-load">' in page
    assert "over 90%" in page and "under 50%" in page


def test_layer_names_are_checked() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        MapLayer("bad name", "x", "point", ())
    with pytest.raises(ValueError, match="kind"):
        MapLayer("ok", "x", "raster", ())  # type: ignore[arg-type]
    proj = Projection.fit(np.array([106.0, 106.1]), np.array([20.0, 20.1]))
    layer = MapLayer("a", "a", "point", ())
    with pytest.raises(ValueError, match="unique"):
        render_map([layer, layer], proj, 3.0)


def test_projection_round_trip() -> None:
    proj = Projection.fit(np.array([106.0, 106.5]), np.array([20.0, 20.4]))
    x, y = proj.xy(106.2, 20.3)
    assert proj.lonlat(float(x), float(y)) == pytest.approx((106.2, 20.3))
    assert 0 < x < proj.width and 0 < y < proj.height


def test_builders_are_listed() -> None:
    names = [build.__name__ for build in LAYER_BUILDERS]
    assert names == ["boundary_layers", "hamlet_layers", "site_layers", "load_layers"]


def test_site_hover_shows_load_with_demand(tiny_demand: Path) -> None:
    data = btsopt.read_scenario(tiny_demand)
    tenancies = plan_from_rows(data, TINY_PLAN_ROWS).tenancies
    carriers = tenancies.astype(np.int64)
    carriers[data.sites.ids.index("E2"), data.operator_index("beta")] = 2
    page = render_html(data, make_result(data, Plan(tenancies, carriers)))
    tip = re.search(r'data-tip="(site E2: colocated[^"]*)"', page).group(1)
    assert "carriers added: 1" in tip
    assert re.search(r"highest tenancy load: \d+%", tip)
    assert re.search(r"lowest mean user rate: [\d.]+ Mb/s", tip)
