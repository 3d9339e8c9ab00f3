"""Tests of the independent evaluator on small hand-checkable instances."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt.data import (
    AREA_TYPES,
    LOCK_IN,
    LOCK_NONE,
    LOCK_OUT,
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.evaluation import (
    THIRD_PARTY,
    annuity,
    covering_pairs,
    evaluate,
    hamlet_coverage_sets,
    haversine_km,
    max_range_km,
    path_loss_db,
)
from btsopt.plan import Plan

R = 6371.0088
KM_IN_DEGREES = math.degrees(1.0 / R)  # along the equator, 1 km of longitude


# --------------------------------------------------------------------------- builder


def op(
    id: str,
    frequency_mhz: float = 1800.0,
    max_path_loss_db: float = 135.0,
    radius_km: dict[str, float] | None = None,
    tenancy_capex: float = 400.0,
    tenancy_opex_per_year: float = 60.0,
) -> Operator:
    """An operator with the economics defaults."""
    return Operator(
        id=id, name=id.title(), frequency_mhz=frequency_mhz,
        max_path_loss_db=max_path_loss_db, radius_km=radius_km,
        tenancy_capex=tenancy_capex, tenancy_opex_per_year=tenancy_opex_per_year,
    )


def hamlet(id: str, lon: float = 0.0, lat: float = 0.0, **kw: Any) -> dict[str, Any]:
    return {"id": id, "lon": lon, "lat": lat, **kw}


def site(id: str, lon: float = 0.0, lat: float = 0.0, **kw: Any) -> dict[str, Any]:
    return {"id": id, "lon": lon, "lat": lat, **kw}


def make_data(
    hamlets: list[dict[str, Any]],
    sites: list[dict[str, Any]],
    operators: list[Operator] | None = None,
    tenancies: list[tuple[str, str]] = (),
    targets: Targets | None = None,
    economics: Economics | None = None,
    policy: Policy | None = None,
    radio: Radio | None = None,
    explicit_coverage: sparse.csr_matrix | None = None,
) -> ProblemData:
    """Build a ProblemData from rows of dicts, resolving defaults like the reader.

    Hamlet keys: id, lon, lat, population (100), area ("rural"), min_operators (1).
    Site keys: id, lon, lat, existing (False), height (30), owner (""),
    max_tenants (policy), capex (new_site_capex, 0 if existing), opex, rent,
    allowed (list of operator ids; None = all), locked (LOCK_NONE).
    """
    operators = operators or [op("a"), op("b")]
    economics = economics or Economics()
    policy = policy or Policy()
    op_ids = [o.id for o in operators]
    h = Hamlets(
        ids=tuple(r["id"] for r in hamlets),
        lon=np.array([r["lon"] for r in hamlets], dtype=float),
        lat=np.array([r["lat"] for r in hamlets], dtype=float),
        population=np.array([r.get("population", 100.0) for r in hamlets], dtype=float),
        area_type=np.array(
            [AREA_TYPES.index(r.get("area", "rural")) for r in hamlets], dtype=np.int8
        ),
        min_operators=np.array([r.get("min_operators", 1) for r in hamlets], dtype=np.int64),
        name=tuple(r["id"] for r in hamlets),
        commune=tuple("" for _ in hamlets),
        district=tuple("" for _ in hamlets),
    )
    existing = np.array([r.get("existing", False) for r in sites], dtype=bool)
    allowed = np.ones((len(sites), len(operators)), dtype=bool)
    for j, r in enumerate(sites):
        if r.get("allowed") is not None:
            allowed[j] = [k in r["allowed"] for k in op_ids]
    s = Sites(
        ids=tuple(r["id"] for r in sites),
        lon=np.array([r["lon"] for r in sites], dtype=float),
        lat=np.array([r["lat"] for r in sites], dtype=float),
        existing=existing,
        height_m=np.array([r.get("height", 30.0) for r in sites], dtype=float),
        owner=tuple(r.get("owner", "") for r in sites),
        max_tenants=np.array(
            [r.get("max_tenants", policy.max_tenants) for r in sites], dtype=np.int64
        ),
        capex=np.array(
            [r.get("capex", 0.0 if r.get("existing") else economics.new_site_capex)
             for r in sites], dtype=float,
        ),
        opex_per_year=np.array(
            [r.get("opex", economics.site_opex_per_year) for r in sites], dtype=float
        ),
        rent_per_year=np.array(
            [r.get("rent", economics.rent_per_year) for r in sites], dtype=float
        ),
        allowed=allowed,
        locked=np.array([r.get("locked", LOCK_NONE) for r in sites], dtype=np.int8),
    )
    before = np.zeros((len(sites), len(operators)), dtype=bool)
    for sid, oid in tenancies:
        before[s.ids.index(sid), op_ids.index(oid)] = True
    return ProblemData(
        name="test", description="", currency="VND_million",
        targets=targets or Targets(sharing="soft"),
        economics=economics, policy=policy, radio=radio or Radio(),
        operators=tuple(operators), hamlets=h, sites=s, tenancies=before,
        explicit_coverage=explicit_coverage,
    )


def plan_of(data: ProblemData, pairs: list[tuple[str, str]]) -> Plan:
    x = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    for sid, oid in pairs:
        x[data.sites.ids.index(sid), data.operator_index(oid)] = True
    return Plan(x)


# --------------------------------------------------------------------------- radio


def test_haversine_quarter_meridian_and_equator() -> None:
    # Pole to equator is a quarter of a great circle: pi/2 * R.
    assert haversine_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(math.pi / 2 * R, rel=1e-12)
    # 1 degree of longitude on the equator is R * pi / 180 = 111.19508 km.
    assert haversine_km(10.0, 0.0, 11.0, 0.0) == pytest.approx(111.19508023353292, rel=1e-12)
    assert haversine_km(105.0, 20.0, 105.0, 20.0) == 0.0


# Hand arithmetic, f = 1800 MHz, hb = 30 m, hm = 1.5 m:
#   log f = 3.2552725051;  log hb = 1.4771212547;  13.82 log hb = 20.4138157402
#   a(hm) = (1.1*3.2552725051 - 0.7)*1.5 - (1.56*3.2552725051 - 0.8)
#         = 4.3211996334 - 4.2782251080 = 0.0429745255
#   slope = 44.9 - 6.55*1.4771212547 = 35.2248557816
#   suburban corr = 2*(log(1800/28))^2 + 5.4 = 2*1.8080929^2 + 5.4 = 11.9385559004
#   rural corr    = 4.78*3.2552725^2 - 18.33*3.2552725 + 40.94 = 31.9235545957
# cost231, d = 1 km (log d = 0):
#   urban = 46.3 + 33.9*3.2552725051 - 20.4138157402 - 0.0429745255
#         = 46.3 + 110.3537379230 - 20.4138157402 - 0.0429745255 = 136.1969476573
#   dense_urban = urban + 3 = 139.1969476573
#   suburban = 136.1969476573 - 11.9385559004 = 124.2583917569
#   rural = 136.1969476573 - 31.9235545957 = 104.2733930616
# okumura, d = 1 km:
#   urban = 69.55 + 26.16*3.2552725051 - 20.4138157402 - 0.0429745255
#         = 69.55 + 85.1579287336 - 20.4138157402 - 0.0429745255 = 134.2511384678
#   dense_urban = urban; suburban = 122.3125825674; rural = 102.3275838721
# cost231 at d = 10 km adds slope*1: urban = 136.1969476573 + 35.2248557816 = 171.4218034389
COST231_1KM = {
    "dense_urban": 139.19694765731703, "urban": 136.19694765731703,
    "suburban": 124.25839175686836, "rural": 104.2733930615988,
}
OKUMURA_1KM = {
    "dense_urban": 134.25113846781744, "urban": 134.25113846781744,
    "suburban": 122.31258256736878, "rural": 102.32758387209921,
}


@pytest.mark.parametrize("clutter", AREA_TYPES)
def test_path_loss_by_hand_1800mhz_1km(clutter: str) -> None:
    c = AREA_TYPES.index(clutter)
    got = path_loss_db("cost231-hata", 1.0, 1800.0, 30.0, 1.5, c)
    assert got == pytest.approx(COST231_1KM[clutter], abs=1e-6)
    got = path_loss_db("okumura-hata", 1.0, 1800.0, 30.0, 1.5, c)
    assert got == pytest.approx(OKUMURA_1KM[clutter], abs=1e-6)


def test_path_loss_by_hand_other_distances() -> None:
    # cost231 urban at 10 km: 136.1969476573 + 35.2248557816 * log10(10).
    assert path_loss_db("cost231-hata", 10.0, 1800.0, 30.0, 1.5, 1) == pytest.approx(
        171.42180343890323, abs=1e-6
    )
    # Textbook okumura-hata, 900 MHz, 30 m, 1.5 m, 5 km, urban:
    #   log f = 2.9542425094; a(hm) = (3.2496667604-0.7)*1.5 - (4.6086183147-0.8)
    #         = 3.8245001406 - 3.8086183147 = 0.0158818258
    #   L = 69.55 + 77.2829840469 - 20.4138157402 - 0.0158818258
    #       + 35.2248557816*0.6989700043 = 126.4032864809 + 24.6211762 = 151.0244040792
    assert path_loss_db("okumura-hata", 5.0, 900.0, 30.0, 1.5, 1) == pytest.approx(
        151.02440407924843, abs=1e-6
    )
    # The site itself: -inf, always covered.
    assert path_loss_db("cost231-hata", 0.0, 1800.0, 30.0, 1.5, 3) == -np.inf
    with pytest.raises(ValueError):
        path_loss_db("free-space", 1.0, 1800.0, 30.0, 1.5, 1)


def test_max_range_brackets_the_threshold() -> None:
    # Loss 136.1969476573 is reached at exactly 1 km (urban, cost231).
    r = max_range_km("cost231-hata", 1800.0, COST231_1KM["urban"], [30.0], 1.5, 1)
    assert 1.0 <= r[0] < 1.0 + 1e-5
    # A loss budget below the loss at 1e-12 km (136.2 - 12*35.2 = -286.5 dB):
    # only the site itself.
    r = max_range_km("cost231-hata", 1800.0, -1000.0, [30.0], 1.5, 1)
    assert r[0] < 1e-8
    # A huge budget covers the whole Earth.
    r = max_range_km("cost231-hata", 1800.0, 1000.0, [30.0], 1.5, 1)
    assert r[0] == pytest.approx(math.pi * R)


@pytest.mark.parametrize(
    "model, table", [("cost231-hata", COST231_1KM), ("okumura-hata", OKUMURA_1KM)]
)
@pytest.mark.parametrize("clutter", AREA_TYPES)
def test_coverage_threshold_at_one_km(
    model: str, table: dict[str, float], clutter: str
) -> None:
    # Hamlet exactly 1 km east of the site on the equator.
    loss = table[clutter]
    for budget, expected in ((loss + 1e-6, True), (loss - 1e-6, False)):
        data = make_data(
            [hamlet("h", lon=KM_IN_DEGREES, area=clutter)], [site("s")],
            operators=[op("a", max_path_loss_db=budget)], radio=Radio(model=model),
            targets=Targets(coverage_mode="soft", sharing="soft"),
        )
        ev = evaluate(data, plan_of(data, [("s", "a")]))
        assert bool(ev.hamlet_covered[0]) is expected


def test_site_height_and_rx_height_are_used() -> None:
    # At 60 m the loss at 1 km urban is lower than at 30 m; budget in between.
    low = float(path_loss_db("cost231-hata", 1.0, 1800.0, 60.0, 1.5, 1))
    assert low < COST231_1KM["urban"]
    budget = (low + COST231_1KM["urban"]) / 2
    data = make_data(
        [hamlet("h", lon=KM_IN_DEGREES, area="urban")],
        [site("tall", height=60.0), site("short", height=30.0)],
        operators=[op("a", max_path_loss_db=budget)],
        targets=Targets(coverage_mode="soft", sharing="soft"),
    )
    assert evaluate(data, plan_of(data, [("tall", "a")])).covered_hamlets == 1
    assert evaluate(data, plan_of(data, [("short", "a")])).covered_hamlets == 0
    # A taller receiver (a(hm) grows with hm) lowers the loss below the budget.
    tall_rx = replace(data, radio=Radio(rx_height_m=10.0))
    assert evaluate(tall_rx, plan_of(tall_rx, [("short", "a")])).covered_hamlets == 1


def test_hamlet_at_site_is_covered_even_with_tiny_budget() -> None:
    data = make_data(
        [hamlet("here", lon=105.5, lat=20.5), hamlet("near", lon=105.5, lat=20.5001)],
        [site("s", lon=105.5, lat=20.5)],
        operators=[op("a", max_path_loss_db=0.0)],
        targets=Targets(coverage_mode="soft", sharing="soft"),
    )
    ev = evaluate(data, plan_of(data, [("s", "a")]))
    assert ev.hamlet_covered.tolist() == [True, False]


def test_fixed_radius() -> None:
    radius = {"dense_urban": 0.8, "urban": 1.5, "suburban": 2.5, "rural": 5.0}
    hamlets = [
        hamlet("u_in", lon=1.4 * KM_IN_DEGREES, area="urban"),
        hamlet("u_out", lon=1.6 * KM_IN_DEGREES, area="urban"),
        hamlet("r_in", lon=4.9 * KM_IN_DEGREES, area="rural"),
        hamlet("r_out", lon=-5.1 * KM_IN_DEGREES, area="rural"),
        hamlet("du_out", lon=0.9 * KM_IN_DEGREES, area="dense_urban"),
        hamlet("s_in", lat=2.4 * KM_IN_DEGREES, area="suburban"),
    ]
    data = make_data(
        hamlets, [site("s")], operators=[op("a", radius_km=radius)],
        radio=Radio(model="fixed-radius"),
        targets=Targets(coverage_mode="soft", sharing="soft"),
    )
    ev = evaluate(data, plan_of(data, [("s", "a")]))
    assert ev.hamlet_covered.tolist() == [True, False, True, False, False, True]
    assert ev.covered_hamlets == 3
    assert ev.hamlet_coverage == pytest.approx(0.5)


def test_explicit_coverage_replaces_radio() -> None:
    # Hamlets far away from all sites: only the explicit matrix can cover them.
    matrix = sparse.csr_matrix(np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1], [0, 0, 0]]))
    data = make_data(
        [hamlet(f"h{i}", lon=100.0, lat=float(i)) for i in range(4)],
        [site(f"s{j}", lon=-50.0) for j in range(3)],
        operators=[op("a")], explicit_coverage=matrix,
        targets=Targets(coverage_mode="soft", sharing="soft"),
    )
    ev = evaluate(data, plan_of(data, [("s0", "a"), ("s1", "a")]))
    assert ev.hamlet_covered.tolist() == [True, True, False, False]
    sets = hamlet_coverage_sets(data, plan_of(data, [("s1", "a"), ("s2", "a")]))
    assert sets.shape == (4, 3)
    assert [sets[i].indices.tolist() for i in range(4)] == [[], [1, 2], [2], []]


def test_min_operators_and_covering_operators() -> None:
    # Two operators at the same site; hamlet "two" needs 2 distinct operators.
    data = make_data(
        [hamlet("one", min_operators=1), hamlet("two", min_operators=2),
         hamlet("far", lon=10.0, min_operators=0)],
        [site("s"), site("t", lon=0.001)],
        targets=Targets(coverage_mode="soft", sharing="soft"),
    )
    ev = evaluate(data, plan_of(data, [("s", "a"), ("t", "a")]))
    assert ev.hamlet_operator_count.tolist() == [1, 1, 0]
    assert ev.hamlet_covered.tolist() == [True, False, True]  # min 0: always met
    ev = evaluate(data, plan_of(data, [("s", "a"), ("t", "b")]))
    assert ev.hamlet_operator_count.tolist() == [2, 2, 0]
    assert ev.covering_operator_ids(1) == ("a", "b")
    assert ev.covered_population == 300.0 and ev.total_population == 300.0
    sets = hamlet_coverage_sets(data, plan_of(data, [("s", "a"), ("t", "b"), ("t", "a")]))
    # Columns j*K + k with K = 2: (s,a) = 0, (t,a) = 2, (t,b) = 3.
    assert sets[0].indices.tolist() == [0, 2, 3]


def _random_data(
    seed: int, model: str, n_hamlets: int, n_sites: int, n_ops: int
) -> ProblemData:
    rng = np.random.default_rng(seed)
    # A cluster straddling the antimeridian tests that the 3D search wraps.
    lon = np.where(rng.random(n_hamlets) < 0.3, 179.9 + rng.random(n_hamlets) * 0.2,
                   105.0 + rng.random(n_hamlets) * 0.6)
    lon = (lon + 180.0) % 360.0 - 180.0
    slon = np.where(rng.random(n_sites) < 0.3, 179.9 + rng.random(n_sites) * 0.2,
                    105.0 + rng.random(n_sites) * 0.6)
    slon = (slon + 180.0) % 360.0 - 180.0
    hamlets = [
        hamlet(f"h{i}", lon=lon[i], lat=20.0 + rng.random() * 0.6,
               area=AREA_TYPES[rng.integers(4)], min_operators=int(rng.integers(1, 3)))
        for i in range(n_hamlets)
    ]
    sites = [
        site(f"s{j}", lon=slon[j], lat=20.0 + rng.random() * 0.6,
             height=float(rng.choice([15, 20, 25, 30, 35, 40, 45, 50, 60, 80]) + rng.random()))
        for j in range(n_sites)
    ]
    radius = {"dense_urban": 0.8, "urban": 1.5, "suburban": 2.5, "rural": 5.0}
    ops = [
        op(f"o{k}", frequency_mhz=[900.0, 1800.0, 2100.0][k % 3],
           max_path_loss_db=[130.0, 135.0, 140.0][k % 3], radius_km=radius)
        for k in range(n_ops)
    ]
    return make_data(hamlets, sites, operators=ops, radio=Radio(model=model),
                     targets=Targets(coverage_mode="soft", sharing="soft"))


@pytest.mark.parametrize("model", ["cost231-hata", "okumura-hata", "fixed-radius"])
def test_tree_search_matches_brute_force(model: str) -> None:
    data = _random_data(7, model, 500, 200, 3)
    x = np.random.default_rng(1).random((data.num_sites, data.num_operators)) < 0.5
    got = covering_pairs(data, x)
    # Brute force: every hamlet against every tenancy with the exact rule.
    h, s = data.hamlets, data.sites
    d = haversine_km(h.lon[:, None], h.lat[:, None], s.lon[None, :], s.lat[None, :])
    triples = []
    for k, o in enumerate(data.operators):
        if model == "fixed-radius":
            r = np.array([o.radius_km[c] for c in AREA_TYPES])[h.area_type]
            ok = d <= r[:, None]
        else:
            loss = path_loss_db(model, d, o.frequency_mhz, s.height_m[None, :], 1.5,
                                h.area_type[:, None])
            ok = loss <= o.max_path_loss_db
        ok &= x[None, :, k]
        for i, j in zip(*np.nonzero(ok), strict=True):
            triples.append((i, j, k))
    assert len(triples) > 100  # the instance is not trivially empty
    assert sorted(triples) == list(zip(*(a.tolist() for a in got), strict=True))


# --------------------------------------------------------------------------- costs


def test_annuity() -> None:
    # r = 0: ten years of 1 = 10.  r = 0.1, H = 2: 1/1.1 + 1/1.21 = 1.7355371901.
    assert annuity(10, 0.0) == 10.0
    assert annuity(2, 0.1) == pytest.approx(1.7355371900826446, rel=1e-12)
    # Closed form (1 - 1.08^-10) / 0.08 = (1 - 0.4631934881) / 0.08 = 6.7100813989.
    assert annuity(10, 0.08) == pytest.approx(6.710081398941442, rel=1e-12)
    assert annuity(10, 0.08) == pytest.approx(Economics().annuity_factor, rel=1e-12)


def test_single_new_site_discounted() -> None:
    # One candidate site with one tenancy, defaults, r = 0.08, H = 10, A = 6.7100813989:
    #   1500 (site capex) + 120*A (site opex) + 400 (tenancy capex) + 60*A (tenancy opex)
    #   = 1900 + 180 * 6.7100813989 = 1900 + 1207.8146518 = 3107.8146518
    data = make_data([hamlet("h")], [site("s")], operators=[op("a")])
    ev = evaluate(data, plan_of(data, [("s", "a")]))
    assert ev.system_cost == pytest.approx(3107.8146518094595, rel=1e-12)
    assert ev.operators["a"]["cost"] == pytest.approx(ev.system_cost, rel=1e-12)
    assert ev.operators["a"]["rent_paid"] == 0.0  # the builder owns the site
    assert ev.admissible and ev.sites_built == 1


def _network() -> ProblemData:
    # r = 0, H = 10 so the annuity factor is exactly 10.
    econ = Economics(horizon_years=10, discount_rate=0.0)
    sites = [
        site("S1", existing=True, owner="a", opex=120.0, rent=90.0),
        site("S2", lon=0.01, existing=True, owner="towerco", opex=100.0, rent=50.0),
        site("S3", lon=0.02, capex=1500.0, opex=120.0, rent=90.0),
        site("S4", lon=0.03, existing=True, owner="b", opex=80.0),
        site("S5", lon=0.04, capex=999.0),
    ]
    return make_data(
        [hamlet("h1")], sites,
        operators=[op("a"), op("b", tenancy_capex=450.0, tenancy_opex_per_year=70.0)],
        tenancies=[("S1", "a"), ("S2", "b"), ("S4", "a"), ("S4", "b")],
        economics=econ, policy=Policy(allow_decommission=True, allow_relocation=False),
    )


def test_costs_by_hand() -> None:
    data = _network()
    # Outcome: b colocates on a's S1, keeps S2 (towerco), a builds S3 with b,
    # S4 (owned by b, tenants a and b) is emptied, S5 unused.
    plan = plan_of(data, [("S1", "a"), ("S1", "b"), ("S2", "b"), ("S3", "a"), ("S3", "b")])
    ev = evaluate(data, plan)
    assert ev.violations == ()
    # site capex: S3 only = 1500
    # site opex: (120 S1 + 100 S2 + 120 S3) * 10 = 3400
    # tenancy capex (new): S1 b 450 + S3 a 400 + S3 b 450 = 1300
    # tenancy opex: a on S1,S3: 2*60*10 = 1200; b on S1,S2,S3: 3*70*10 = 2100 -> 3300
    # decommission: S4 a, S4 b removed + S4 emptied = 3 * 100 = 300
    # total = 1500 + 3400 + 1300 + 3300 + 300 = 9800
    assert ev.cost == pytest.approx({
        "site_capex": 1500.0, "site_opex": 3400.0, "tenancy_capex": 1300.0,
        "tenancy_opex": 3300.0, "decommission": 300.0,
    })
    assert ev.system_cost == pytest.approx(9800.0)
    # a owns S1 and (as builder, first in operator order) S3:
    #   capex 1500 (S3) + 400 (S3 tenancy) = 1900
    #   opex 1200 (S1) + 1200 (S3) + 2*600 (tenancies) = 3600
    #   decommission: its S4 tenancy = 100;  cost = 5600
    #   rent received: b on S1 90*10 + b on S3 90*10 = 1800; npv = 5600 - 1800 = 3800
    assert ev.operators["a"] == pytest.approx({
        "cost": 5600.0, "capex": 1900.0, "opex": 3600.0, "decommission": 100.0,
        "rent_paid": 0.0, "rent_received": 1800.0, "npv": 3800.0,
    })
    # b: capex 450 + 450 = 900; opex 3*700 = 2100; decommission: S4 tenancy 100 +
    #   S4 site (it owns it) 100 = 200; cost 3200.
    #   rent paid: S1 900 + S2 50*10 = 500 + S3 900 = 2300; npv = 3200 + 2300 = 5500
    assert ev.operators["b"] == pytest.approx({
        "cost": 3200.0, "capex": 900.0, "opex": 2100.0, "decommission": 200.0,
        "rent_paid": 2300.0, "rent_received": 0.0, "npv": 5500.0,
    })
    # towerco owns S2: opex 1000, receives 500 from b.
    assert ev.third_party == pytest.approx({
        "cost": 1000.0, "capex": 0.0, "opex": 1000.0, "decommission": 0.0,
        "rent_paid": 0.0, "rent_received": 500.0, "npv": 500.0,
    })
    # Sites: S1, S2, S3 active; S1 and S3 shared.
    assert (ev.active_sites, ev.shared_sites) == (3, 2)
    assert ev.shared_site_ratio == pytest.approx(2 / 3)
    assert ev.site_active.tolist() == [True, True, True, False, False]
    assert ev.site_shared.tolist() == [True, False, True, False, False]
    assert (ev.tenancies_kept, ev.tenancies_added, ev.tenancies_removed) == (2, 3, 2)
    assert (ev.sites_built, ev.sites_decommissioned) == (1, 1)

    out = ev.to_dict()
    for key in ("hamlet_coverage", "covered_hamlets", "shared_site_ratio", "active_sites",
                "shared_sites", "system_cost", "operators", "violations", "cost",
                "covered_population"):
        assert key in out
    assert out["operators"]["b"]["rent_paid"] == pytest.approx(2300.0)
    assert out[THIRD_PARTY]["rent_received"] == pytest.approx(500.0)
    assert out["violations"] == []
    json.dumps(out)  # JSON-ready


def test_existing_plan_costs_only_opex() -> None:
    data = _network()
    ev = evaluate(data, Plan.existing(data))
    # Sites S1, S2, S4 active: (120 + 100 + 80) * 10 = 3000; tenancies:
    # a on S1, S4: 2*600 = 1200; b on S2, S4: 2*700 = 1400 -> 5600; nothing new.
    assert ev.system_cost == pytest.approx(5600.0)
    assert ev.cost["site_capex"] == ev.cost["tenancy_capex"] == ev.cost["decommission"] == 0
    # S4 is owned by b: a pays it 90 * 10 = 900; b pays towerco 500.
    assert ev.operators["a"]["rent_paid"] == pytest.approx(900.0)
    assert ev.operators["b"]["rent_received"] == pytest.approx(900.0)
    assert ev.operators["b"]["rent_paid"] == pytest.approx(500.0)


# --------------------------------------------------------------------------- violations


def test_each_structural_violation_once() -> None:
    sites = [
        site("full", max_tenants=1),
        site("closed", allowed=["a"]),
        site("old", existing=True, allowed=["a"]),  # b already there: allowed
        site("out", locked=LOCK_OUT),
        site("in", locked=LOCK_IN),
    ]
    data = make_data([hamlet("h")], sites, tenancies=[("old", "b")])
    ev = evaluate(data, plan_of(data, [("full", "a"), ("full", "b"), ("closed", "b"),
                                       ("old", "b"), ("out", "a")]))
    assert len(ev.violations) == 4, ev.violations
    v = " | ".join(ev.violations)
    assert "site full hosts 2 tenants, more than its limit of 1" in v
    assert "operator b is not allowed on site closed" in v
    assert "site out is locked out but used" in v
    assert "site in is locked in but not active" in v
    assert not ev.admissible


@pytest.mark.parametrize(
    "relocation, decommission, partial, emptied",
    [
        # Counts of violations for (a) removing one of two tenancies, site stays
        # active, and (b) removing both (the site is emptied).
        (False, False, 1, 3),  # (b): two tenancies removed + site emptied
        (False, True, 1, 0),   # emptying a site excuses its removed tenancies
        (True, False, 0, 1),   # relocation fine, emptying is not
        (True, True, 0, 0),
    ],
)
def test_removals_under_each_policy(
    relocation: bool, decommission: bool, partial: int, emptied: int
) -> None:
    policy = Policy(allow_relocation=relocation, allow_decommission=decommission)
    data = make_data(
        [hamlet("h")], [site("E", existing=True, owner="a"), site("F", existing=True)],
        tenancies=[("E", "a"), ("E", "b"), ("F", "a")], policy=policy,
    )
    ev = evaluate(data, plan_of(data, [("E", "a"), ("F", "a")]))
    assert len(ev.violations) == partial, ev.violations
    if partial:
        assert "existing tenancy of b on site E is removed" in ev.violations[0]
    ev = evaluate(data, plan_of(data, [("F", "a")]))
    assert len(ev.violations) == emptied, ev.violations
    if emptied:
        assert "existing site E is emptied" in ev.violations[-1]
    # Decommission cost in both cases: 1 tenancy = 100; 2 tenancies + site = 300.
    assert ev.cost["decommission"] == pytest.approx(300.0)


def test_hard_coverage_names_uncovered_hamlets() -> None:
    hamlets = [hamlet("ok")] + [hamlet(f"far{i:02d}", lon=10.0 + i) for i in range(12)]
    data = make_data(hamlets, [site("s")], targets=Targets(sharing="soft"))
    ev = evaluate(data, plan_of(data, [("s", "a")]))
    assert len(ev.violations) == 1
    msg = ev.violations[0]
    assert "12 hamlets" in msg and "far00" in msg and "far09" in msg
    assert "far10" not in msg and "and 2 more" in msg
    assert ev.uncovered_hamlet_ids[:2] == ("far00", "far01")
    # Soft coverage: no violation; a low enough share target: none either.
    soft = replace(data, targets=Targets(sharing="soft", coverage_mode="soft"))
    assert evaluate(soft, plan_of(data, [("s", "a")])).admissible
    low = replace(data, targets=Targets(sharing="soft", hamlet_coverage=1 / 13))
    assert evaluate(low, plan_of(data, [("s", "a")])).admissible


def test_hard_sharing_with_tolerance() -> None:
    sites = [site("x"), site("y", lon=0.01), site("z", lon=0.02)]
    data = make_data([hamlet("h")], sites, targets=Targets(shared_site_ratio=1 / 3))
    # 1 shared of 3 active: 1 >= (1/3)*3 - 1e-9 -> fine despite rounding.
    ev = evaluate(data, plan_of(data, [("x", "a"), ("x", "b"), ("y", "a"), ("z", "b")]))
    assert ev.shared_site_ratio == pytest.approx(1 / 3) and ev.admissible
    ev = evaluate(data, plan_of(data, [("x", "a"), ("y", "a"), ("z", "b")]))
    assert ev.shared_site_ratio == 0.0
    assert len(ev.violations) == 1 and "shared-site ratio" in ev.violations[0]
    # No active site at all: ratio 0, and 0 >= 0.3 * 0 holds (coverage fails though).
    ev = evaluate(data, plan_of(data, []))
    assert ev.shared_site_ratio == 0.0 and ev.active_sites == 0
    assert not any("shared-site" in v for v in ev.violations)


def test_budget_with_relative_tolerance() -> None:
    # Cost of one new site with one tenancy, r = 0, H = 1: 1500 + 120 + 400 + 60 = 2080.
    econ = Economics(horizon_years=1, discount_rate=0.0)
    for budget, ok in ((2080.0, True), (2080.0 * (1 - 1e-12), True), (2079.0, False)):
        data = make_data([hamlet("h")], [site("s")], operators=[op("a")], economics=econ,
                         targets=Targets(sharing="soft", budget=budget))
        ev = evaluate(data, plan_of(data, [("s", "a")]))
        assert ev.system_cost == pytest.approx(2080.0)
        assert ev.admissible is ok, ev.violations
        if not ok:
            assert "budget" in ev.violations[0]


def test_plan_shape_mismatch() -> None:
    data = make_data([hamlet("h")], [site("s")])
    with pytest.raises(ValueError):
        evaluate(data, Plan(np.zeros((2, 2), dtype=bool)))


# --------------------------------------------------------------------------- invariants


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    model=st.sampled_from(["cost231-hata", "okumura-hata", "fixed-radius"]),
    density=st.floats(0.0, 1.0),
    extra=st.integers(0, 10_000),
)
def test_invariants(seed: int, model: str, density: float, extra: int) -> None:
    data = _random_data(seed, model, 40, 15, 3)
    rng = np.random.default_rng(seed)
    owners = ["o0", "o1", "o2", "", "towerco"]
    sites = replace(
        data.sites,
        existing=rng.random(15) < 0.5,
        owner=tuple(owners[i] for i in rng.integers(0, 5, 15)),
    )
    before = (rng.random((15, 3)) < 0.3) & sites.existing[:, None]
    data = replace(data, sites=sites, tenancies=before)
    x = rng.random((15, 3)) < density
    ev = evaluate(data, Plan(x))
    assert 0.0 <= ev.shared_site_ratio <= 1.0
    assert 0.0 <= ev.hamlet_coverage <= 1.0
    assert ev.shared_sites <= ev.active_sites
    # Costs partition between operators and third parties; rent is a transfer.
    parties = [*ev.operators.values(), ev.third_party]
    assert sum(p["cost"] for p in parties) == pytest.approx(ev.system_cost, rel=1e-9, abs=1e-9)
    assert sum(p["rent_paid"] for p in parties) == pytest.approx(
        sum(p["rent_received"] for p in parties), rel=1e-9, abs=1e-9)
    assert sum(ev.cost.values()) == pytest.approx(ev.system_cost)
    # Adding a tenancy never reduces coverage.
    j, k = divmod(extra % (15 * 3), 3)
    more = x.copy()
    more[j, k] = True
    ev2 = evaluate(data, Plan(more))
    assert np.all(ev2.hamlet_operator_count >= ev.hamlet_operator_count)
    assert np.all(ev2.hamlet_covered >= ev.hamlet_covered)
    assert ev2.covered_population >= ev.covered_population


# --------------------------------------------------------------------------- size


def test_medium_instance() -> None:
    # ~3,200 hamlets, ~2,500 sites, 4 operators: a province's size. (Its speed
    # is measured by benchmarks/timings.py, not here.)
    rng = np.random.default_rng(0)
    n_h, n_s, n_o = 3200, 2500, 4
    data = _random_data(0, "cost231-hata", 10, 10, n_o)
    hamlets = replace(
        data.hamlets, ids=tuple(f"h{i}" for i in range(n_h)),
        lon=105.0 + rng.random(n_h) * 1.0, lat=20.0 + rng.random(n_h) * 1.0,
        population=np.full(n_h, 100.0), area_type=rng.integers(0, 4, n_h).astype(np.int8),
        min_operators=np.ones(n_h, dtype=np.int64), name=("",) * n_h,
        commune=("",) * n_h, district=("",) * n_h,
    )
    sites = replace(
        data.sites, ids=tuple(f"s{j}" for j in range(n_s)),
        lon=105.0 + rng.random(n_s) * 1.0, lat=20.0 + rng.random(n_s) * 1.0,
        existing=rng.random(n_s) < 0.5, height_m=rng.choice([20.0, 30.0, 45.0], n_s),
        owner=("",) * n_s, max_tenants=np.full(n_s, 3), capex=np.full(n_s, 1500.0),
        opex_per_year=np.full(n_s, 120.0), rent_per_year=np.full(n_s, 90.0),
        allowed=np.ones((n_s, n_o), dtype=bool), locked=np.zeros(n_s, dtype=np.int8),
    )
    data = replace(data, hamlets=hamlets, sites=sites,
                   tenancies=np.zeros((n_s, n_o), dtype=bool))
    plan = Plan(rng.random((n_s, n_o)) < 0.4)
    ev = evaluate(data, plan)
    assert ev.covered_hamlets > 0
