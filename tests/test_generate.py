"""Tests of the seeded scenario generator and the committed Nam Định scenario."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from btsopt.cli import main
from btsopt.generate import (
    FAMILY_SIZES,
    VARIANTS,
    GeneratorParams,
    family_params,
    generate_command,
    generate_family,
    generate_scenario,
    nam_dinh,
    region_area_km2,
    region_polygon,
    scenario_facts,
)
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario

FILES = ("scenario.toml", "hamlets.csv", "sites.csv", "tenancies.csv")
COMMITTED = Path(__file__).resolve().parents[1] / "scenarios" / "nam-dinh"
OPERATORS = ("viettel", "vinaphone", "mobifone", "vietnamobile")


def _bytes(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def nam_dinh_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nam-dinh")
    generate_scenario(nam_dinh(), out)
    return out


@pytest.fixture(scope="module")
def nam_dinh_data(nam_dinh_dir: Path):
    return read_scenario(nam_dinh_dir / "scenario.toml")


@pytest.fixture(scope="module")
def nam_dinh_facts(nam_dinh_dir: Path) -> dict:
    return scenario_facts(nam_dinh_dir / "scenario.toml")


# --- determinism ---------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    params = family_params("S", seed=5)
    generate_scenario(params, tmp_path / "a")
    generate_scenario(params, tmp_path / "b")
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_different_seed_different_files(tmp_path: Path) -> None:
    generate_family("S", "brownfield", tmp_path / "a", seed=5)
    generate_family("S", "brownfield", tmp_path / "b", seed=6)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    for name in ("hamlets.csv", "sites.csv", "tenancies.csv"):
        assert a[name] != b[name]


def test_committed_nam_dinh_equals_fresh_generation(nam_dinh_dir: Path) -> None:
    # Coordinates are written to 6 decimals (0.1 m); numpy builds differ in the last
    # bit of their trigonometry, which can flip that last decimal. Everything else
    # must match exactly.
    assert (COMMITTED / "scenario.toml").read_bytes() == (
        nam_dinh_dir / "scenario.toml"
    ).read_bytes()
    for name in FILES[1:]:
        committed = pd.read_csv(COMMITTED / name, dtype_backend="numpy_nullable")
        fresh = pd.read_csv(nam_dinh_dir / name, dtype_backend="numpy_nullable")
        pd.testing.assert_frame_equal(committed, fresh, check_exact=False, rtol=0, atol=1.5e-6)


def test_params_are_frozen_and_validated() -> None:
    params = nam_dinh()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.seed = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="variant"):
        dataclasses.replace(params, variant="brownfeld")
    assert isinstance(params, GeneratorParams)


# --- the Nam Định facts ----------------------------------------------------------


def test_nam_dinh_region() -> None:
    params = nam_dinh()
    poly = region_polygon(params)
    assert region_area_km2(poly) == pytest.approx(1668.8, abs=0.5)
    lon0, lat0, lon1, lat1 = 105.92, 19.90, 106.75, 20.67
    assert poly[:, 0].min() >= lon0 and poly[:, 0].max() <= lon1
    assert poly[:, 1].min() >= lat0 and poly[:, 1].max() <= lat1
    names = {t.name for t in params.towns}
    assert len(params.towns) == 10 and {"Nam Định", "Cổ Lễ", "Liễu Đề"} <= names


def test_nam_dinh_hamlets(nam_dinh_data, nam_dinh_facts) -> None:
    h = nam_dinh_data.hamlets
    assert len(h) == 3200
    assert nam_dinh_facts["population"] == 1_880_000
    assert nam_dinh_facts["rural_share"] == pytest.approx(0.797, abs=0.001)
    assert h.lon.min() >= 105.92 and h.lon.max() <= 106.75
    assert h.lat.min() >= 19.90 and h.lat.max() <= 20.67
    # Every clutter class occurs; dense urban only in the city.
    assert all(n > 0 for n in nam_dinh_facts["area_types"].values())
    districts = np.array(h.district)
    assert set(districts[h.area_type == 0]) == {"Thành phố Nam Định"}
    assert len(set(districts)) == 10
    assert all(h.name) and all(h.commune)
    assert h.population.min() > 0


def test_nam_dinh_network(nam_dinh_data, nam_dinh_facts) -> None:
    data = nam_dinh_data
    assert data.operator_ids == OPERATORS
    assert {op.frequency_mhz for op in data.operators} == {1800.0, 2100.0}
    assert len({op.max_path_loss_db for op in data.operators}) == 4
    assert data.radio.model == "cost231-hata"
    t = data.targets
    assert (t.coverage, t.hamlet_coverage, t.shared_site_ratio, t.sharing) == (
        "any", 1.0, 0.30, "hard")
    assert data.policy.max_tenants == 3 and not data.policy.allow_relocation
    assert 2000 <= nam_dinh_facts["existing_sites"] <= 2200
    assert set(nam_dinh_facts["sites_by_owner"]) <= {*OPERATORS, "towerco"}
    assert all(nam_dinh_facts["tenancies_by_operator"][op] > 100 for op in OPERATORS)
    assert 0.10 <= nam_dinh_facts["shared_ratio"] <= 0.15
    s = data.sites
    assert s.height_m[s.existing].min() >= 25 and s.height_m[s.existing].max() <= 45
    assert s.height_m[~s.existing].min() >= 30 and s.height_m[~s.existing].max() <= 40
    assert s.allowed.all(axis=1).mean() > 0.95  # allowed_operators mostly empty
    assert nam_dinh_facts["candidates"] > 300
    assert not data.warnings


def test_nam_dinh_dead_spots_and_feasibility(nam_dinh_data, nam_dinh_facts) -> None:
    assert 250 <= nam_dinh_facts["dead_spots"] <= 350
    assert nam_dinh_facts["unreachable"] == 0
    assert nam_dinh_facts["unreachable_each"] == 0
    # Full coverage is feasible without touching today's towers: every dead
    # hamlet is reachable from a candidate by every operator.
    data = nam_dinh_data
    cov = compute_coverage(data)
    today = cov.matrix @ data.tenancies.reshape(-1).astype(np.int32)
    dead = today == 0
    candidates = np.flatnonzero(~data.sites.existing)
    for k in range(data.num_operators):
        hits = np.asarray(cov.for_operator(k)[:, candidates].sum(axis=1)).ravel()
        assert (hits[dead] > 0).all()


# --- families and the command ----------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_s_families_read_back(tmp_path: Path, variant: str) -> None:
    toml = generate_family("S", variant, tmp_path, seed=2)
    data = read_scenario(toml)
    assert data.num_hamlets == FAMILY_SIZES["S"]
    assert not data.warnings
    facts = scenario_facts(toml)
    assert facts["unreachable_each"] == 0
    if variant == "greenfield":
        assert not data.sites.existing.any() and not data.tenancies.any()
    else:
        assert data.sites.existing.sum() > 100 and data.tenancies.any()
    assert data.policy.allow_relocation == (variant == "consolidation")
    assert data.policy.allow_decommission == (variant == "consolidation")
    assert data.targets.coverage == ("each" if variant == "each" else "any")


def test_variants_share_geometry(tmp_path: Path) -> None:
    generate_family("S", "brownfield", tmp_path / "b", seed=2)
    generate_family("S", "greenfield", tmp_path / "g", seed=2)
    cols = [line.split(",")[:3] for line in
            (tmp_path / "b" / "sites.csv").read_text(encoding="utf-8").splitlines()]
    cols_g = [line.split(",")[:3] for line in
              (tmp_path / "g" / "sites.csv").read_text(encoding="utf-8").splitlines()]
    assert cols == cols_g
    assert (tmp_path / "b" / "hamlets.csv").read_bytes() == (
        tmp_path / "g" / "hamlets.csv").read_bytes()


def test_generate_command_prints_one_line(tmp_path: Path, capsys) -> None:
    toml = generate_command("family", tmp_path, seed=3, size="S", variant="each")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and str(toml) in out and "300 hamlets" in out
    args = ["generate", "--preset", "family", "--out", str(tmp_path / "x")]
    assert main([*args, "--size", "S"]) == 0
    assert main(args) == 2  # a family needs a size


def test_family_sizes() -> None:
    xl = family_params("XL")
    assert xl.n_hamlets == 80_000 and xl.n_existing_sites == 55_000
    assert region_area_km2(region_polygon(xl)) == pytest.approx(331_212, rel=1e-3)
    assert family_params("M").n_hamlets == 3_200
    with pytest.raises(ValueError):
        family_params("XXL")


def test_set_cover_generator_is_seeded_and_readable(tmp_path) -> None:
    from btsopt.generate import generate_set_cover
    from btsopt.reading.orlib import read_orlib

    first = generate_set_cover(50, 400, 0.05, 3, tmp_path / "a.txt")
    second = generate_set_cover(50, 400, 0.05, 3, tmp_path / "b.txt")
    assert first.read_bytes() == second.read_bytes()
    data = read_orlib(first)
    matrix = data.explicit_coverage
    assert matrix.shape == (50, 400)
    assert (matrix.sum(axis=1) >= 2).all() and (matrix.sum(axis=0) >= 1).all()
    assert 1 <= data.sites.capex.min() and data.sites.capex.max() <= 100
