"""compute_coverage: which (hamlet, site, operator) pairs are covered, and the matrix layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt.data import (
    AREA_TYPES,
    LOCK_NONE,
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.radio import compute_coverage, haversine_km, max_range_km, path_loss_db

KM = 1.0 / 111.19508  # degrees of longitude per km on the equator
RURAL = AREA_TYPES.index("rural")


def make_data(
    hamlets: list[tuple[float, float]],
    sites: list[tuple[float, float]],
    radii: list[dict[str, float] | float] | None = None,
    *,
    area: list[int] | None = None,
    model: str = "fixed-radius",
    heights: list[float] | None = None,
    frequencies: list[float] | None = None,
    max_loss: list[float] | None = None,
    explicit: sparse.csr_matrix | None = None,
) -> ProblemData:
    """Hamlets and sites at (lon, lat) in degrees; one operator per radius entry
    (a number is the same radius for every clutter), or per frequency."""
    num_ops = len(radii) if radii is not None else len(frequencies or [])
    radii = radii or [0.0] * num_ops
    operators = tuple(
        Operator(
            id=f"op{k}", name=f"Op {k}",
            frequency_mhz=(frequencies or [0.0] * num_ops)[k],
            max_path_loss_db=(max_loss or [math.inf] * num_ops)[k],
            radius_km=dict.fromkeys(AREA_TYPES, r) if isinstance(r, int | float) else r,
            tenancy_capex=400.0, tenancy_opex_per_year=60.0,
        )
        for k, r in enumerate(radii)
    )
    nh, ns = len(hamlets), len(sites)
    hlon, hlat = (np.array([p[i] for p in hamlets], dtype=float).reshape(nh) for i in (0, 1))
    slon, slat = (np.array([p[i] for p in sites], dtype=float).reshape(ns) for i in (0, 1))
    return ProblemData(
        name="radio", description="", currency="VND_million",
        targets=Targets(shared_site_ratio=0.0), economics=Economics(), policy=Policy(),
        radio=Radio(model=model), operators=operators,
        hamlets=Hamlets(
            ids=tuple(f"h{i}" for i in range(nh)), lon=hlon, lat=hlat,
            population=np.ones(nh),
            area_type=np.array(area if area is not None else [RURAL] * nh, dtype=np.int8),
            min_operators=np.ones(nh, dtype=np.int16),
            name=("",) * nh, commune=("",) * nh, district=("",) * nh,
        ),
        sites=Sites(
            ids=tuple(f"s{j}" for j in range(ns)), lon=slon, lat=slat,
            existing=np.zeros(ns, dtype=bool),
            height_m=np.array(heights if heights is not None else [30.0] * ns, dtype=float),
            owner=("",) * ns, max_tenants=np.full(ns, 3, dtype=np.int32),
            capex=np.full(ns, 1500.0), opex_per_year=np.full(ns, 120.0),
            rent_per_year=np.full(ns, 90.0), allowed=np.ones((ns, num_ops), dtype=bool),
            locked=np.full(ns, LOCK_NONE, dtype=np.int8),
        ),
        tenancies=np.zeros((ns, num_ops), dtype=bool),
        explicit_coverage=explicit,
    )


def on_line(*km: float) -> list[tuple[float, float]]:
    """Points on the equator at the given km east of 106 E."""
    return [(106.0 + x * KM, 0.0) for x in km]


def dense(data: ProblemData) -> np.ndarray:
    return compute_coverage(data).matrix.toarray()


# --------------------------------------------------------------------------- by hand


def test_three_hamlets_two_sites_two_operators() -> None:
    """op0 reaches 1 km, op1 3 km. h0 at 0, h1 at 2, h2 at 10; s0 at 0.5, s1 at 9.2.

    h0: s0 at 0.5 km (both operators). h1: s0 at 1.5 km (op1 only).
    h2: s1 at 0.8 km (both). Everything else is over 6 km away.
    Columns are site * 2 + operator: (s0,op0), (s0,op1), (s1,op0), (s1,op1).
    """
    data = make_data(on_line(0.0, 2.0, 10.0), on_line(0.5, 9.2), [1.0, 3.0])
    coverage = compute_coverage(data)
    assert sparse.isspmatrix_csc(coverage.matrix)
    assert coverage.matrix.shape == (3, 4)
    assert coverage.num_operators == 2
    assert coverage.matrix.toarray().tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]
    assert set(coverage.matrix.data.tolist()) == {1}  # 0/1, no duplicates summed up
    assert coverage.column(1, 0) == 2 and coverage.column(0, 1) == 1
    assert coverage.for_operator(0).toarray().tolist() == [[1, 0], [0, 0], [0, 1]]
    assert coverage.for_operator(1).toarray().tolist() == [[1, 0], [1, 0], [0, 1]]
    assert coverage.reachable().tolist() == [2, 1, 2]


def test_radius_follows_the_hamlets_clutter() -> None:
    """Four hamlets 1.2 km from a site, one per clutter: only suburban (1.5 km)
    and rural (2.5 km) are within reach; dense urban 0.5, urban 1.0 are not."""
    radius = {"dense_urban": 0.5, "urban": 1.0, "suburban": 1.5, "rural": 2.5}
    hamlets = [(106.0 + 1.2 * KM, 0.0), (106.0 - 1.2 * KM, 0.0),
               (106.0, 1.2 * KM), (106.0, -1.2 * KM)]
    data = make_data(hamlets, [(106.0, 0.0)], [radius], area=[0, 1, 2, 3])
    assert dense(data)[:, 0].tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    "offset", [(0.3, 0.2), (0.001, 0.0), (0.0, -0.004), (-1.7, 2.3), (0.0123, 0.0456)]
)
def test_hamlet_exactly_at_the_radius_is_covered(offset: tuple[float, float]) -> None:
    """d <= radius: with the radius equal to the hamlet's distance it is covered,
    with the radius one float below it is not (off both axes, 0.1 to 300 km)."""
    site = (106.1, 20.2)
    hamlet = (106.1 + offset[0], 20.2 + offset[1])
    distance = float(haversine_km(site[0], site[1], hamlet[0], hamlet[1]))
    assert 0.1 < distance < 320
    assert dense(make_data([hamlet], [site], [distance])).tolist() == [[1]]
    below = float(np.nextafter(distance, 0.0))
    assert dense(make_data([hamlet], [site], [below])).tolist() == [[0]]


def test_hamlet_on_the_site_is_covered() -> None:
    """Distance 0 is covered, for fixed radius and for Hata (loss -inf)."""
    point = [(105.9, 20.3)]
    assert dense(make_data(point, point, [0.5])).tolist() == [[1]]
    hata = make_data(point, point, model="cost231-hata", frequencies=[1800.0],
                     max_loss=[100.0])
    assert dense(hata).tolist() == [[1]]


def test_no_site_in_reach() -> None:
    """A hamlet far from every site has an empty row and is reachable by nobody."""
    data = make_data(on_line(0.0, 50.0), on_line(1.0, 2.0), [3.0, 3.0])
    coverage = compute_coverage(data)
    assert coverage.matrix.toarray()[1].tolist() == [0, 0, 0, 0]
    assert coverage.reachable().tolist() == [2, 0]


def test_no_sites_or_no_hamlets() -> None:
    """Empty tables give empty matrices of the right shape."""
    no_sites = compute_coverage(make_data(on_line(0.0, 1.0), [], [1.0, 2.0, 3.0]))
    assert no_sites.matrix.shape == (2, 0) and no_sites.matrix.nnz == 0
    assert no_sites.reachable().tolist() == [0, 0]
    no_hamlets = compute_coverage(make_data([], on_line(0.0, 1.0), [1.0, 2.0, 3.0]))
    assert no_hamlets.matrix.shape == (0, 6)


def test_explicit_coverage_is_used_as_is() -> None:
    """Set-covering instances bring their matrix: positions are ignored."""
    explicit = sparse.csr_matrix(np.array([[1, 0, 1], [0, 1, 0]]))
    data = make_data(on_line(0.0, 0.0), on_line(100.0, 200.0, 300.0), [1.0],
                     explicit=explicit)
    coverage = compute_coverage(data)
    assert coverage.matrix.toarray().tolist() == [[1, 0, 1], [0, 1, 0]]
    assert coverage.num_operators == 1


def test_cost231_hata_edge_of_the_link_budget() -> None:
    """A hamlet just inside the Hata range is covered, just outside it is not;
    the two operators' budgets give different ranges (140 dB vs 130 dB)."""
    reach = [float(max_range_km("cost231-hata", 1800.0, loss, 30.0, 1.5, RURAL))
             for loss in (140.0, 130.0)]
    assert reach[0] > reach[1] > 1.0
    hamlets = on_line(0.999 * reach[0], 1.001 * reach[0], 0.999 * reach[1], 1.001 * reach[1])
    data = make_data(hamlets, on_line(0.0), model="cost231-hata",
                     frequencies=[1800.0, 1800.0], max_loss=[140.0, 130.0])
    assert dense(data).tolist() == [[1, 0], [0, 0], [1, 1], [1, 0]]


def test_site_height_changes_the_range() -> None:
    """A taller mast reaches further: the same hamlet is covered from 60 m, not 15 m."""
    low = float(max_range_km("okumura-hata", 900.0, 120.0, 15.0, 1.5, RURAL))
    high = float(max_range_km("okumura-hata", 900.0, 120.0, 60.0, 1.5, RURAL))
    assert high > low
    km = (low + high) / 2
    data = make_data(on_line(km), on_line(0.0, 0.0), model="okumura-hata",
                     frequencies=[900.0], max_loss=[120.0], heights=[15.0, 60.0])
    assert dense(data).tolist() == [[0, 1]]


# --------------------------------------------------------------------------- brute force


@st.composite
def scattered(draw: st.DrawFn) -> ProblemData:
    """A few hamlets and sites in a 0.3 x 0.3 degree box, fixed radii or Hata."""
    coord = st.tuples(st.floats(105.9, 106.2), st.floats(20.0, 20.3))
    hamlets = draw(st.lists(coord, min_size=1, max_size=8))
    sites = draw(st.lists(coord, min_size=1, max_size=6))
    area = [draw(st.integers(0, 3)) for _ in hamlets]
    num_ops = draw(st.integers(1, 3))
    if draw(st.booleans()):
        radius = st.floats(0.5, 20.0)
        radii = [{a: draw(radius) for a in AREA_TYPES} for _ in range(num_ops)]
        return make_data(hamlets, sites, radii, area=area)
    return make_data(
        hamlets, sites, area=area, model=draw(st.sampled_from(["okumura-hata", "cost231-hata"])),
        heights=[draw(st.sampled_from([15.0, 30.0, 45.0])) for _ in sites],
        frequencies=[draw(st.sampled_from([900.0, 1800.0, 2100.0])) for _ in range(num_ops)],
        max_loss=[draw(st.floats(110.0, 140.0)) for _ in range(num_ops)],
    )


def brute_force(data: ProblemData) -> np.ndarray:
    """Every (hamlet, site, operator) checked directly from the spec's rule."""
    h, s = data.hamlets, data.sites
    result = np.zeros((data.num_hamlets, data.num_sites * data.num_operators), dtype=int)
    for i in range(data.num_hamlets):
        for j in range(data.num_sites):
            d = float(haversine_km(s.lon[j], s.lat[j], h.lon[i], h.lat[i]))
            for k, op in enumerate(data.operators):
                if data.radio.model == "fixed-radius":
                    ok = d <= op.radius_km[AREA_TYPES[h.area_type[i]]]
                else:
                    ok = float(path_loss_db(data.radio.model, d, op.frequency_mhz, s.height_m[j],
                                            data.radio.rx_height_m, h.area_type[i])
                               ) <= op.max_path_loss_db
                result[i, j * data.num_operators + k] = ok
    return result


@settings(max_examples=60, deadline=None)
@given(scattered())
def test_kd_tree_matches_brute_force(data: ProblemData) -> None:
    """The k-d tree search finds exactly the pairs a direct haversine check finds."""
    assert dense(data).tolist() == brute_force(data).tolist()
