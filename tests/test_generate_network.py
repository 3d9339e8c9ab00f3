"""The generated ground network: committed Nam Định files, what it is made of."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from btsopt.generate import generate_command, nam_dinh_companions, with_network
from btsopt.reading import read_scenario

COMMITTED = Path(__file__).resolve().parents[1] / "scenarios" / "nam-dinh"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nam-dinh-network")
    generate_command("nam-dinh", out)
    return out


def _lines(path: Path) -> tuple[list[dict], np.ndarray]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    coordinates = np.concatenate([np.array(f["geometry"]["coordinates"]) for f in features])
    return [f["properties"] for f in features], coordinates


def test_committed_network_equals_fresh_generation(fresh: Path) -> None:
    assert (COMMITTED / "network.toml").read_bytes() == (fresh / "network.toml").read_bytes()
    committed_props, committed_xy = _lines(COMMITTED / "roads.geojson")
    fresh_props, fresh_xy = _lines(fresh / "roads.geojson")
    assert committed_props == fresh_props
    # 6 decimals; numpy builds may differ in the last bit of their trigonometry.
    np.testing.assert_allclose(committed_xy, fresh_xy, rtol=0, atol=1.5e-6)
    pd.testing.assert_frame_equal(pd.read_csv(COMMITTED / "fibre.csv"),
                                  pd.read_csv(fresh / "fibre.csv"), rtol=0, atol=1.5e-6,
                                  check_exact=False)


def test_v1_scenario_ignores_the_network(fresh: Path) -> None:
    data = read_scenario(fresh / "scenario.toml")
    assert data.network is None
    assert not data.warnings


def test_nam_dinh_network_is_realistic(fresh: Path) -> None:
    data = read_scenario(fresh / "network.toml")
    network = data.network
    assert not data.warnings
    km = float(network.edge_length_km.sum())
    # Red River delta: about 2 km of road per km2 (1,668.8 km2).
    assert 2500 < km < 5000
    kinds = np.bincount(network.edge_kind, minlength=3)
    assert kinds.min() > 0  # roads, poles and ducts all present
    assert 0.2 < network.hamlet_ftth.mean() < 0.6
    candidates = ~data.sites.existing
    fibre = network.fibre_sites & candidates
    assert 0 < fibre.sum() < candidates.sum()  # some candidates take microwave
    assert np.all(network.backhaul[candidates] <= network.microwave_capex)
    assert np.all(network.backhaul[data.sites.existing] == 0)


def test_companion_declares_the_network() -> None:
    companions = nam_dinh_companions()
    assert companions["network.toml"].network is not None
    assert with_network(companions["demand.toml"]).name.endswith("-demand-network")
