"""Tests of the generated [demand]: arithmetic, realism bounds, determinism, committed files."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import numpy as np
import pytest

from btsopt.generate import (
    NAM_DINH_COMPANIONS,
    VIETNAM_MARKET_SHARE,
    CarrierSpec,
    DemandSpec,
    family_params,
    generate_command,
    generate_family,
    generate_scenario,
    nam_dinh,
    nam_dinh_companions,
    vietnam_demand,
    with_demand,
)
from btsopt.generate.demand import capacity_shortfall, full_capacity_mbps
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario

COMMITTED = Path(__file__).resolve().parents[1] / "scenarios" / "nam-dinh"
TABLES = ("hamlets.csv", "sites.csv", "tenancies.csv")


def test_busy_hour_load_from_monthly_traffic() -> None:
    # 12 GB a month = 96,000 Mb over 30 days = 3,200 Mb a day; 8% in the busy
    # hour = 256 Mb over 3,600 s = 0.0711 Mb/s.
    spec = vietnam_demand()
    assert spec.busy_hour_mbps == pytest.approx(0.071)
    assert dataclasses.replace(spec, monthly_gb=15.0).busy_hour_mbps == pytest.approx(0.089)


def test_vietnam_figures_are_realistic() -> None:
    spec = vietnam_demand()
    shares = [c.market_share for c in spec.carriers]
    assert sum(shares) == pytest.approx(1.0)
    assert shares == sorted(shares, reverse=True)  # Viettel leads, Vietnamobile last
    assert VIETNAM_MARKET_SHARE["viettel"] == pytest.approx(0.55, abs=0.05)
    assert 10 <= spec.monthly_gb <= 15 and 0.07 <= spec.busy_hour_share <= 0.10
    assert spec.subscriptions_per_100 == 85 and spec.user_mbps == 70  # Plan 137
    for carrier in spec.carriers:
        assert carrier.carrier_mhz == 20 and carrier.sectors == 3  # one 20 MHz LTE carrier
        assert 1.5 <= carrier.spectral_efficiency <= 2.0
        assert carrier.peak_mbps == 150  # LTE 20 MHz, 2x2 MIMO
        # What one carrier of a tenancy carries while users still get 70 Mb/s.
        capacity = (carrier.sectors * carrier.carrier_mhz * carrier.spectral_efficiency
                    * (1 - spec.user_mbps / carrier.peak_mbps))
        assert capacity == pytest.approx(51.2)


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="more than 1"):
        DemandSpec((CarrierSpec(0.6), CarrierSpec(0.5)))
    with pytest.raises(ValueError, match="peak_mbps"):
        DemandSpec((CarrierSpec(0.5, peak_mbps=60.0),))
    with pytest.raises(ValueError, match="market share"):
        vietnam_demand(("viettel", "orange"))
    with pytest.raises(ValueError, match="one CarrierSpec per operator"):
        dataclasses.replace(nam_dinh(), demand=DemandSpec((CarrierSpec(0.5),)))


def test_demand_family_is_seeded_and_reads_back(tmp_path: Path) -> None:
    a = generate_family("S", "consolidation", tmp_path / "a", seed=4, demand=True)
    b = generate_family("S", "consolidation", tmp_path / "b", seed=4, demand=True)
    plain = generate_family("S", "consolidation", tmp_path / "c", seed=4)
    assert a.read_bytes() == b.read_bytes()
    for name in TABLES:  # [demand] is a declaration over the same tables
        assert (a.parent / name).read_bytes() == (plain.parent / name).read_bytes()
    data = read_scenario(a)
    assert data.demand is not None and read_scenario(plain).demand is None
    assert data.name == "family-S-consolidation-s4-demand"
    np.testing.assert_allclose(data.demand.market_share, [0.55, 0.25, 0.17, 0.03])
    np.testing.assert_allclose(data.demand.subscriptions, data.hamlets.population * 0.85)
    assert data.demand.busy_hour_mbps == pytest.approx(0.071)
    np.testing.assert_allclose(data.demand.carrier_capacity_mbps, 51.2)
    # One carrier per tenancy today (tenancies.carriers defaults to 1).
    np.testing.assert_array_equal(data.demand.carriers_today, data.tenancies.astype(int))


def test_committed_companions_equal_fresh_generation(tmp_path: Path, capsys) -> None:
    generate_command("nam-dinh", tmp_path)
    assert "also demand.toml, consolidation.toml, consolidation-demand.toml" in (
        capsys.readouterr().out)
    for name in ("scenario.toml", *NAM_DINH_COMPANIONS):
        assert (COMMITTED / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_companions_declare_what_their_names_say() -> None:
    companions = nam_dinh_companions()
    assert companions["demand.toml"] == with_demand(nam_dinh())
    assert companions["consolidation.toml"].variant == "consolidation"
    assert companions["consolidation-demand.toml"].demand is not None
    docs = {name: tomllib.loads((COMMITTED / name).read_text()) for name in NAM_DINH_COMPANIONS}
    base = tomllib.loads((COMMITTED / "scenario.toml").read_text())
    assert "demand" not in base and "demand" not in docs["consolidation.toml"]
    for name, doc in docs.items():
        assert doc["tables"] == base["tables"]
        assert doc["policy"]["allow_relocation"] is name.startswith("consolidation")
        assert [op["id"] for op in doc["operators"]] == [op["id"] for op in base["operators"]]
    ops = docs["demand.toml"]["operators"]
    assert [op["market_share"] for op in ops] == [0.55, 0.25, 0.17, 0.03]


def test_family_params_with_demand_keeps_the_family() -> None:
    params = with_demand(family_params("M", "greenfield"))
    assert params.variant == "greenfield" and params.n_hamlets == 3_200
    assert params.name.endswith("-demand") and "[demand]" in params.description


def test_capacity_repair_adds_candidates_where_traffic_does_not_fit(tmp_path: Path) -> None:
    # Ten times the traffic: S's towers cannot carry it, so candidates are added
    # until the maximum flow of every operator fits (checked on the files read back).
    heavy = dataclasses.replace(vietnam_demand(), monthly_gb=120.0)
    base = family_params("S", "brownfield", seed=4)
    plain = generate_family("S", "brownfield", tmp_path / "plain", seed=4)
    toml = generate_scenario(with_demand(base, heavy), tmp_path / "heavy")
    data, sites_before = read_scenario(toml), read_scenario(plain).num_sites
    assert data.num_sites > sites_before
    coverage = compute_coverage(data)
    allowed = data.sites.allowed | data.tenancies
    full = full_capacity_mbps(heavy)
    for k in range(data.num_operators):
        pairs = coverage.for_operator(k).tocoo()
        ok = allowed[pairs.col, k]
        left = capacity_shortfall(pairs.row[ok], pairs.col[ok], data.demand.demand_mbps[:, k],
                                  float(full[k]), data.num_sites)
        assert left.sum() == 0
