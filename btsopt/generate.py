"""Seeded generator of synthetic provincial scenarios (and the Nam Định preset).

The generator writes a scenario in format v1 (``scenario.toml``, ``hamlets.csv``,
``sites.csv``, ``tenancies.csv``) from a frozen :class:`GeneratorParams`. All
randomness comes from one ``numpy.random.default_rng(seed)`` stream consumed in
a fixed order, and every number is written with fixed decimals, so the same
parameters give the same bytes.

How a scenario is built (all steps vectorised; spatial queries use k-d trees):

1. The region is a polygon (or the bounding box) scaled about its centroid so
   that its area is ``area_km2``.
2. Hamlets: a share sits around the towns (Gaussian, spread growing with the
   town's weight), the rest in commune clusters spread uniformly over the
   region. The clutter class follows the distance to the nearest town scaled
   by the town's size; populations are log-normal, rescaled so that the total
   and the urban share are exact.
3. Existing sites follow demand: a weighted random order of the hamlets
   (urban first, in expectation) gives a pool of anchors; each site sits near
   its anchor within a fraction of the weakest operator's range there, so the
   anchor is covered by any tenant. Owners and co-tenants follow the operators'
   site shares and today's shared ratio.
4. Dead spots: a few pockets, mostly at the region's edge (the coast and
   borders) and far from towns, are left without towers. One scale factor of
   the pocket radii is found by bisection so that the number of hamlets no
   existing tenancy covers lands on ``target_dead_hamlets``.
5. Candidates: some near the dead hamlets, some spread with demand, then a
   repair pass adds candidates until full coverage is feasible: every hamlet
   is reachable by every operator from some site that admits it, and every
   dead hamlet by every operator from a candidate.

Variants share the geometry of a seed and differ only in how it is declared:
``brownfield`` (the network as it is), ``consolidation`` (existing sites may be
decommissioned and tenancies relocated), ``each`` (every operator must cover
every hamlet; ``max_tenants`` rises to the number of operators so that one
tower can carry all of them) and ``greenfield`` (no network yet: every site is
a candidate and there are no tenancies).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES
from btsopt.radio.pathloss import EARTH_RADIUS_KM, haversine_km, max_range_km

__all__ = [
    "FAMILY_SIZES",
    "VARIANTS",
    "GeneratorParams",
    "OperatorSpec",
    "Town",
    "family_params",
    "generate_command",
    "generate_family",
    "generate_scenario",
    "main_generate",
    "nam_dinh",
    "region_area_km2",
    "region_polygon",
    "scenario_facts",
]

VARIANTS: tuple[str, ...] = ("brownfield", "consolidation", "each", "greenfield")
"""Scenario variants; see the module docstring."""

FAMILY_SIZES: dict[str, int] = {"S": 300, "M": 3_200, "L": 20_000, "XL": 80_000}
"""Number of hamlets of each benchmark family size."""

DENSE_URBAN, URBAN, SUBURBAN, RURAL = range(len(AREA_TYPES))

_KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0

# Vietnamese syllables used to name synthetic communes, hamlets and towns.
_SYLLABLES: tuple[str, ...] = (
    "An", "Bình", "Hòa", "Phúc", "Thành", "Tân", "Hưng", "Yên", "Trung", "Đông",
    "Tây", "Bắc", "Hồng", "Quang", "Minh", "Thịnh", "Lộc", "Thọ", "Phong", "Hiệp",
    "Lạc", "Thiện", "Tiến", "Đồng", "Liên", "Vĩnh", "Kim", "Thanh", "Cát", "Long",
    "Phú", "Định", "Hà", "Sơn", "Hải", "Châu", "Nghĩa", "Khánh", "Thái", "Tường",
    "Lợi", "Mỹ", "Hùng", "Cường", "Dương", "Phương", "Tín", "Lâm", "Hạ", "Thượng",
)
_WARDS: tuple[str, ...] = (
    "Trần Hưng Đạo", "Quang Trung", "Bà Triệu", "Ngô Quyền", "Nguyễn Du", "Hạ Long",
    "Cửa Bắc", "Cửa Nam", "Năng Tĩnh", "Văn Miếu", "Trường Thi", "Vị Hoàng", "Vị Xuyên",
    "Lộc Hạ", "Lộc Vượng", "Lộc Hòa", "Mỹ Xá", "Thống Nhất", "Phan Đình Phùng",
    "Trần Tế Xương", "Trần Đăng Ninh", "Lê Lợi", "Hoàng Văn Thụ", "Lý Thường Kiệt",
)


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    """A town or city that attracts hamlets and sets the clutter class.

    Attributes
    ----------
    name
        Short name ("Cổ Lễ").
    lon, lat
        Centre, degrees.
    weight
        Relative size. Hamlet share, spread and urban radius grow with it;
        ``weight >= GeneratorParams.city_weight`` makes a city with a
        ``dense_urban`` core and wards (phường).
    district
        District label of the hamlets nearest to this town.
    commune_prefix
        First syllable of the district's rural commune names ("Hải" gives
        "Xã Hải An", ...); empty for two-syllable names.
    """

    name: str
    lon: float
    lat: float
    weight: float = 1.0
    district: str = ""
    commune_prefix: str = ""


@dataclass(frozen=True)
class OperatorSpec:
    """One operator: band, link budget and share of today's towers.

    Attributes
    ----------
    id, name
        Operator id (lower case) and display name.
    frequency_mhz
        Carrier frequency of the coverage layer.
    max_path_loss_db
        Maximum allowable path loss of the link budget.
    site_share
        Share of existing sites the operator owns (renormalised).
    """

    id: str
    name: str
    frequency_mhz: float
    max_path_loss_db: float
    site_share: float


@dataclass(frozen=True)
class GeneratorParams:
    """Everything that defines a synthetic scenario; same params, same bytes.

    Attributes
    ----------
    name, description
        Written to ``scenario.toml``.
    seed
        Seed of ``numpy.random.default_rng``.
    n_hamlets
        Number of hamlets.
    bbox
        ``(lon_min, lat_min, lon_max, lat_max)``; the region must fit inside.
    area_km2
        Area of the region; the polygon (or the bbox) is scaled to it.
    polygon
        Region outline as ``(lon, lat)`` vertices; ``None`` uses the bbox.
    population
        Total population (distributed exactly over the hamlets).
    rural_share
        Share of the population outside urban clutter (``rural`` and
        ``suburban`` hamlets); the rest lives in ``dense_urban``/``urban`` ones.
    towns
        Towns and cities (at least one).
    operators
        Operators, bands and link budgets.
    n_existing_sites
        Existing towers (all active).
    target_dead_hamlets
        Hamlets that no existing tenancy should cover.
    existing_shared_ratio
        Today's shared existing sites over existing sites.
    target_shared_ratio
        ``targets.shared_site_ratio`` of the scenario (the plan's goal).
    candidates_per_dead_hamlet
        Candidates placed near dead hamlets, per dead hamlet.
    extra_candidates
        Candidates spread with demand over the region.
    variant
        One of :data:`VARIANTS`.
    towerco_share
        Share of existing towers owned by a tower company.
    restricted_share
        Share of single-tenant existing towers that admit only their owner.
    town_hamlet_share
        Share of hamlets placed around the towns.
    hamlets_per_commune
        Mean rural commune size (hamlets).
    hamlets_per_pocket
        Dead hamlets per unserved pocket (sets the number of pockets).
    existing_height_m, candidate_height_m
        Ranges of antenna heights.
    city_weight
        Town weight from which a town is a city (dense-urban core, wards).
    radio_model, rx_height_m
        Radio settings written to ``[radio]``.
    """

    name: str
    seed: int
    n_hamlets: int
    bbox: tuple[float, float, float, float]
    area_km2: float
    population: int
    rural_share: float
    towns: tuple[Town, ...]
    operators: tuple[OperatorSpec, ...]
    n_existing_sites: int
    target_dead_hamlets: int
    description: str = ""
    polygon: tuple[tuple[float, float], ...] | None = None
    existing_shared_ratio: float = 0.125
    target_shared_ratio: float = 0.30
    candidates_per_dead_hamlet: float = 0.5
    extra_candidates: int = 0
    variant: str = "brownfield"
    towerco_share: float = 0.02
    restricted_share: float = 0.01
    town_hamlet_share: float = 0.2
    hamlets_per_commune: float = 14.0
    hamlets_per_pocket: float = 60.0
    existing_height_m: tuple[float, float] = (25.0, 45.0)
    candidate_height_m: tuple[float, float] = (30.0, 40.0)
    city_weight: float = 3.0
    radio_model: str = "cost231-hata"
    rx_height_m: float = 1.5

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.n_hamlets < 1 or self.n_existing_sites < 0 or self.target_dead_hamlets < 0:
            raise ValueError("n_hamlets must be >= 1; site and dead-spot counts >= 0")
        if not self.towns or not self.operators:
            raise ValueError("at least one town and one operator are required")
        if not 0.0 <= self.rural_share <= 1.0:
            raise ValueError(f"rural_share must be in [0, 1], got {self.rural_share}")
        if self.radio_model == "fixed-radius":
            raise ValueError("the generator writes link budgets: use a Hata radio model")


# --------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------

_ND_AREA_KM2 = 1668.8
_ND_HAMLETS = 3_200

# Rough outline of Nam Định (Red River to the north-east, the coast to the
# south-east, the Đáy river to the west); scaled to 1,668.8 km2 at run time.
_ND_POLYGON: tuple[tuple[float, float], ...] = (
    (105.94, 20.40), (105.99, 20.47), (106.07, 20.53), (106.14, 20.55), (106.20, 20.50),
    (106.23, 20.44), (106.29, 20.38), (106.38, 20.34), (106.47, 20.31), (106.57, 20.31),
    (106.62, 20.26), (106.55, 20.20), (106.45, 20.15), (106.36, 20.10), (106.27, 20.05),
    (106.18, 19.99), (106.10, 19.94), (106.04, 19.93), (106.02, 20.00), (106.04, 20.08),
    (106.01, 20.16), (105.97, 20.24), (105.93, 20.32),
)

_ND_TOWNS: tuple[Town, ...] = (
    Town("Nam Định", 106.170, 20.420, 6.0, "Thành phố Nam Định", "Nam"),
    Town("Mỹ Lộc", 106.117, 20.462, 1.0, "Huyện Mỹ Lộc", "Mỹ"),
    Town("Gôi", 106.069, 20.333, 1.0, "Huyện Vụ Bản", ""),
    Town("Lâm", 106.018, 20.313, 1.2, "Huyện Ý Yên", "Yên"),
    Town("Nam Giang", 106.178, 20.340, 1.0, "Huyện Nam Trực", "Nam"),
    Town("Cổ Lễ", 106.265, 20.318, 1.0, "Huyện Trực Ninh", "Trực"),
    Town("Xuân Trường", 106.356, 20.297, 1.0, "Huyện Xuân Trường", "Xuân"),
    Town("Ngô Đồng", 106.438, 20.264, 1.0, "Huyện Giao Thủy", "Giao"),
    Town("Yên Định", 106.292, 20.183, 1.2, "Huyện Hải Hậu", "Hải"),
    Town("Liễu Đề", 106.175, 20.226, 1.0, "Huyện Nghĩa Hưng", "Nghĩa"),
)

# Link budgets of the indoor mobile-broadband layer (outdoor budget minus
# ~15-20 dB building loss), which is what "covered" means for Plan 137.
_VN_OPERATORS: tuple[OperatorSpec, ...] = (
    OperatorSpec("viettel", "Viettel", 1800.0, 122.0, 0.42),
    OperatorSpec("vinaphone", "VinaPhone", 2100.0, 121.0, 0.25),
    OperatorSpec("mobifone", "MobiFone", 2100.0, 120.0, 0.23),
    OperatorSpec("vietnamobile", "Vietnamobile", 1800.0, 117.0, 0.10),
)


def nam_dinh(seed: int = 137, variant: str = "brownfield") -> GeneratorParams:
    """Parameters of the synthetic Nam Định scenario (Plan 137).

    Parameters
    ----------
    seed
        Generator seed; the committed ``scenarios/nam-dinh`` uses 137.
    variant
        One of :data:`VARIANTS`.

    Returns
    -------
    GeneratorParams
        1,668.8 km2, 1.88 million people (79.7 % rural), 3,200 hamlets, the
        city and nine district towns, 2,050 existing towers of four operators,
        ~300 dead-spot hamlets and a 30 % sharing target.
    """
    return GeneratorParams(
        name="nam-dinh-2025" if variant == "brownfield" else f"nam-dinh-2025-{variant}",
        description=(
            "Synthetic Nam Định province for Plan 137 (100% of hamlets with mobile "
            "broadband, 30% of BTS sites shared). Generated by btsopt.generate "
            f"(preset nam-dinh, seed {seed}, variant {variant}); not real network data."
        ),
        seed=seed,
        n_hamlets=_ND_HAMLETS,
        bbox=(105.92, 19.90, 106.75, 20.67),
        area_km2=_ND_AREA_KM2,
        polygon=_ND_POLYGON,
        population=1_880_000,
        rural_share=0.797,
        towns=_ND_TOWNS,
        operators=_VN_OPERATORS,
        n_existing_sites=2_050,
        target_dead_hamlets=300,
        existing_shared_ratio=0.125,
        target_shared_ratio=0.30,
        candidates_per_dead_hamlet=0.5,
        extra_candidates=400,
        variant=variant,
    )


def _rect_bbox(lon: float, lat: float, area_km2: float, aspect: float) -> tuple[float, ...]:
    """Lon/lat rectangle centred on (lon, lat) of exactly ``area_km2`` on the sphere.

    ``aspect`` is the north-south extent over the east-west one (roughly).
    """
    half_lat = math.sqrt(area_km2 * aspect) / 2 / _KM_PER_DEG
    lat0, lat1 = lat - half_lat, lat + half_lat
    band = EARTH_RADIUS_KM**2 * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))
    half_lon = math.degrees(area_km2 / band) / 2
    return (lon - half_lon, lat0, lon + half_lon, lat1)


def _synthetic_towns(n_towns: int, bbox: tuple[float, ...], seed: int) -> tuple[Town, ...]:
    """Towns spread uniformly in the bbox, Pareto weights; the largest is a city."""
    rng = np.random.default_rng([seed, 7])  # own stream: towns do not shift the rest
    lon_min, lat_min, lon_max, lat_max = bbox
    # Keep towns off the very edge so that their hamlets mostly fall inside.
    margin_lon, margin_lat = 0.06 * (lon_max - lon_min), 0.06 * (lat_max - lat_min)
    lon = rng.uniform(lon_min + margin_lon, lon_max - margin_lon, n_towns)
    lat = rng.uniform(lat_min + margin_lat, lat_max - margin_lat, n_towns)
    weight = np.minimum(1.0 + rng.pareto(2.5, n_towns), 8.0)
    weight[0] = 6.0 if n_towns >= 5 else 1.5  # a provincial city, or a district town
    syll = np.array(_SYLLABLES)
    towns = []
    used: set[str] = set()
    for t in range(n_towns):
        a, b = rng.choice(len(syll), 2, replace=False)
        name = f"{syll[a]} {syll[b]}"
        if name in used:
            name = f"{name} {t + 1}"
        used.add(name)
        kind = "Thành phố" if weight[t] >= 3.0 else "Huyện"
        towns.append(
            Town(name, round(float(lon[t]), 4), round(float(lat[t]), 4),
                 round(float(weight[t]), 2), f"{kind} {name}", str(syll[a]))
        )
    return tuple(towns)


def family_params(size: str, variant: str = "brownfield", seed: int = 1) -> GeneratorParams:
    """Parameters of a benchmark family member.

    Parameters
    ----------
    size
        ``"S"`` (300 hamlets), ``"M"`` (3,200), ``"L"`` (20,000) or ``"XL"`` (80,000).
    variant
        One of :data:`VARIANTS`.
    seed
        Generator seed.

    Returns
    -------
    GeneratorParams
        ``M`` is the Nam Định preset itself. ``S`` and ``L`` keep Nam Định's
        density and ratios (hamlets per km2, towers, dead spots and candidates
        per hamlet) on a rectangle centred on Nam Định city. ``XL`` is
        Vietnam-sized: a north-south strip over lat 8.5-23.4 whose width makes
        331,212 km2, with 55,000 towers and about 30,000 candidates.
    """
    if size not in FAMILY_SIZES:
        raise ValueError(f"size must be one of {tuple(FAMILY_SIZES)}, got {size!r}")
    if size == "M":
        base = nam_dinh(seed=seed, variant=variant)
        return replace(base, name=f"family-M-{variant}-s{seed}")
    n = FAMILY_SIZES[size]
    scale = n / _ND_HAMLETS
    if size == "XL":
        lat_min, lat_max = 8.5, 23.4
        area = 331_212.0
        # Width of the strip whose spherical area is `area`.
        width_deg = math.degrees(
            area / (EARTH_RADIUS_KM**2 * (math.sin(math.radians(lat_max))
                                         - math.sin(math.radians(lat_min))))
        )
        bbox = (105.75 - width_deg / 2, lat_min, 105.75 + width_deg / 2, lat_max)
        population, rural, n_existing = 100_300_000, 0.62, 55_000
        dead, extra, cpd = round(300 * scale), 22_000, 1.0
    else:
        area = _ND_AREA_KM2 * scale
        bbox = _rect_bbox(106.17, 20.30, area, 1.0)
        population, rural, n_existing = round(1_880_000 * scale), 0.797, round(2_050 * scale)
        dead, extra, cpd = round(300 * scale), round(400 * scale), 0.5
    towns = _synthetic_towns(max(1, round(n / 320)), bbox, seed)
    return GeneratorParams(
        name=f"family-{size}-{variant}-s{seed}",
        description=(
            f"Synthetic benchmark scenario, size {size} ({n} hamlets), variant {variant}, "
            f"seed {seed}; generated by btsopt.generate.generate_family."
        ),
        seed=seed,
        n_hamlets=n,
        bbox=tuple(bbox),
        area_km2=area,
        polygon=None,
        population=population,
        rural_share=rural,
        towns=towns,
        operators=_VN_OPERATORS,
        n_existing_sites=n_existing,
        target_dead_hamlets=dead,
        candidates_per_dead_hamlet=cpd,
        extra_candidates=extra,
        variant=variant,
    )


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------


def _densify(poly: np.ndarray, per_edge: int = 64) -> np.ndarray:
    t = np.arange(per_edge) / per_edge
    nxt = np.roll(poly, -1, axis=0)
    return (poly[:, None, :] + (nxt - poly)[:, None, :] * t[None, :, None]).reshape(-1, 2)


def region_area_km2(polygon: np.ndarray | tuple) -> float:
    """Area of a lon/lat polygon in km2.

    Edges are straight in lon/lat; they are densified and projected with the
    equal-area sinusoidal projection, then measured with the shoelace formula.
    """
    p = _densify(np.asarray(polygon, dtype=float))
    lat = np.radians(p[:, 1])
    x = EARTH_RADIUS_KM * np.radians(p[:, 0]) * np.cos(lat)
    y = EARTH_RADIUS_KM * lat
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def region_polygon(params: GeneratorParams) -> np.ndarray:
    """The region outline (lon/lat vertices) scaled to ``params.area_km2``.

    Raises
    ------
    ValueError
        If the scaled region does not fit in ``params.bbox``.
    """
    if params.polygon is not None:
        poly = np.asarray(params.polygon, dtype=float)
    else:
        lon0, lat0, lon1, lat1 = params.bbox
        poly = np.array([(lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1)])
    centre = poly.mean(axis=0)
    # Area is not exactly quadratic in the scale on the sphere: a few fixed-point steps.
    for _ in range(4):
        factor = math.sqrt(params.area_km2 / region_area_km2(poly))
        poly = centre + (poly - centre) * factor
    lon0, lat0, lon1, lat1 = params.bbox
    tol = 1e-6 * max(lon1 - lon0, lat1 - lat0)  # a rectangle scaled to its own area
    if (poly[:, 0].min() < lon0 - tol or poly[:, 0].max() > lon1 + tol
            or poly[:, 1].min() < lat0 - tol or poly[:, 1].max() > lat1 + tol):
        raise ValueError("the region scaled to area_km2 does not fit in the bbox")
    return poly


class _Plane:
    """Local equirectangular plane in km around the region's centre (for placement)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = _KM_PER_DEG * math.cos(math.radians(lat0))

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack(((lon - self.lon0) * self.kx, (lat - self.lat0) * _KM_PER_DEG))

    def to_lonlat(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return xy[:, 0] / self.kx + self.lon0, xy[:, 1] / _KM_PER_DEG + self.lat0


def _inside(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, vectorised over points."""
    x, y = xy[:, 0:1], xy[:, 1:2]
    x0, y0 = poly[:, 0][None, :], poly[:, 1][None, :]
    x1, y1 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return (np.count_nonzero(crosses & (x < x_at), axis=1) % 2) == 1


def _edge_distance(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Distance (plane km) from each point to the polygon's boundary."""
    a = poly[None, :, :]
    ab = np.roll(poly, -1, axis=0)[None, :, :] - a
    ap = xy[:, None, :] - a
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    return np.sqrt(((ap - t[..., None] * ab) ** 2).sum(-1)).min(axis=1)


def _sample_inside(rng: np.random.Generator, n: int, poly_xy: np.ndarray) -> np.ndarray:
    """``n`` points uniform in the (plane) polygon, by rejection."""
    lo, hi = poly_xy.min(axis=0), poly_xy.max(axis=0)
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform(lo, hi, size=(2 * (n - len(out)) + 16, 2))
        out = np.vstack((out, pts[_inside(pts, poly_xy)]))
    return out[:n]


def _keep_inside(
    rng: np.random.Generator, centres: np.ndarray, sigma: np.ndarray, poly_xy: np.ndarray
) -> np.ndarray:
    """Gaussian points around ``centres`` (per-point sigma), redrawn until inside."""
    pts = centres + rng.normal(size=centres.shape) * sigma[:, None]
    for _ in range(50):
        bad = np.flatnonzero(~_inside(pts, poly_xy))
        if bad.size == 0:
            return pts
        pts[bad] = centres[bad] + rng.normal(size=(bad.size, 2)) * sigma[bad, None]
    # A centre outside the polygon cannot give inside points: pull those in.
    bad = ~_inside(pts, poly_xy)
    pts[bad] = _sample_inside(rng, int(bad.sum()), poly_xy)
    return pts


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _pairs(
    h_lon: np.ndarray, h_lat: np.ndarray, s_lon: np.ndarray, s_lat: np.ndarray, reach_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hamlet, site, great-circle km) for all pairs within ``reach_km``."""
    chord = 2.0 * math.sin(min(reach_km / (2.0 * EARTH_RADIUS_KM), math.pi / 2))
    hamlet_tree = cKDTree(_unit(h_lon, h_lat))
    site_tree = cKDTree(_unit(s_lon, s_lat))
    pairs = site_tree.sparse_distance_matrix(
        hamlet_tree, chord * (1 + 1e-9) + 1e-12, output_type="ndarray"
    )
    sj, hi = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    return hi, sj, haversine_km(s_lon[sj], s_lat[sj], h_lon[hi], h_lat[hi])


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------


def _fixed(values: np.ndarray, decimals: int) -> tuple[list[str], np.ndarray]:
    """Text with fixed decimals and the floats a reader parses back from it."""
    text = [f"{v:.{decimals}f}" for v in values.tolist()]
    return text, np.array([float(t) for t in text])


def _ranges(params: GeneratorParams, heights: np.ndarray) -> np.ndarray:
    """(sites, operators, area types) maximum range in km."""
    area = np.arange(len(AREA_TYPES))[None, :]
    return np.stack([
        max_range_km(params.radio_model, op.frequency_mhz, op.max_path_loss_db,
                     heights[:, None], params.rx_height_m, area)
        for op in params.operators
    ], axis=1)


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    if short:
        order = np.lexsort((np.arange(len(raw)), -(raw - out)))  # ties by index: stable
        out[order[:short]] += 1
    return out


def _weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A random order in which heavier items come first (Efraimidis-Spirakis keys)."""
    keys = np.log(rng.uniform(1e-300, 1.0, len(weights))) / weights
    return np.argsort(-keys, kind="stable")


@dataclass
class _Hamlets:
    lon: np.ndarray
    lat: np.ndarray
    lon_text: list[str]
    lat_text: list[str]
    xy: np.ndarray
    area: np.ndarray
    population: np.ndarray
    name: list[str]
    commune: list[str]
    district: list[str]
    town_distance: np.ndarray  # plane km to the nearest town
    edge_distance: np.ndarray  # plane km to the region boundary


@dataclass
class _Sites:
    lon: np.ndarray
    lat: np.ndarray
    lon_text: list[str]
    lat_text: list[str]
    height: np.ndarray
    height_text: list[str]
    existing: np.ndarray
    owner: list[str]
    tenants: np.ndarray  # (sites, operators) bool
    allowed_only_owner: np.ndarray
    ids: list[str] = field(default_factory=list)


def _make_hamlets(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, poly_xy: np.ndarray
) -> _Hamlets:
    n = params.n_hamlets
    towns = params.towns
    t_xy = plane.to_xy(np.array([t.lon for t in towns]), np.array([t.lat for t in towns]))
    t_w = np.array([t.weight for t in towns], dtype=float)
    radius = np.sqrt(t_w)  # km; urban radius scales with sqrt(weight)

    # Town hamlets: Gaussian around each town, count by weight.
    n_town = round(params.town_hamlet_share * n)
    per_town = _largest_remainder(t_w, n_town)
    town_of = np.repeat(np.arange(len(towns)), per_town)
    town_pts = _keep_inside(rng, t_xy[town_of], 1.3 * radius[town_of], poly_xy)

    # Rural hamlets: commune clusters spread over the region.
    n_rural = n - n_town
    n_communes = max(1, round(n_rural / params.hamlets_per_commune))
    area_plane = 0.5 * abs(np.dot(poly_xy[:, 0], np.roll(poly_xy[:, 1], -1))
                           - np.dot(poly_xy[:, 1], np.roll(poly_xy[:, 0], -1)))
    centres = _sample_inside(rng, n_communes, poly_xy)
    commune_of = rng.integers(0, n_communes, n_rural)
    sigma = np.full(n_rural, 0.45 * math.sqrt(area_plane / n_communes))
    rural_pts = _keep_inside(rng, centres[commune_of], sigma, poly_xy)

    xy = np.vstack((town_pts, rural_pts))
    lon, lat = plane.to_lonlat(xy)
    lon_text, lon = _fixed(lon, 6)
    lat_text, lat = _fixed(lat, 6)
    xy = plane.to_xy(lon, lat)

    # Clutter from the nearest town in scaled distance.
    town_tree = cKDTree(t_xy)
    k = min(8, len(towns))
    dist, idx = town_tree.query(xy, k=k)
    dist, idx = dist.reshape(n, k), idx.reshape(n, k)
    scaled = dist / radius[idx]
    best = np.argmin(scaled, axis=1)
    u = scaled[np.arange(n), best]
    near_town = idx[np.arange(n), best]
    is_city = t_w[near_town] >= params.city_weight
    area = np.full(n, RURAL, dtype=np.int8)
    area[u < 3.2] = SUBURBAN
    area[u < 1.6] = URBAN
    area[(u < 0.9) & is_city] = DENSE_URBAN

    # Districts: the town nearest in distance discounted by size.
    district_town = np.empty(n, dtype=np.int64)
    district_town[:n_town] = town_of
    c_dist, c_idx = town_tree.query(centres, k=k)
    c_dist, c_idx = c_dist.reshape(n_communes, k), c_idx.reshape(n_communes, k)
    c_town = c_idx[np.arange(n_communes), np.argmin(c_dist / t_w[c_idx] ** 0.25, axis=1)]
    district_town[n_town:] = c_town[commune_of]

    commune, district = _name_communes(rng, params, town_of, commune_of, c_town, xy, n_town)
    population = _populations(rng, params, area)
    # Readable order (district, commune, north to south), then number the hamlets.
    o = np.array(sorted(range(n), key=lambda i: (district[i], commune[i], -lat[i], lon[i])))
    ol = o.tolist()
    commune = [commune[i] for i in ol]
    return _Hamlets(
        lon=lon[o], lat=lat[o], lon_text=[lon_text[i] for i in ol],
        lat_text=[lat_text[i] for i in ol], xy=xy[o], area=area[o], population=population[o],
        name=_name_hamlets(commune, area[o]), commune=commune,
        district=[district[i] for i in ol], town_distance=dist.min(axis=1)[o],
        edge_distance=_edge_distance(xy[o], poly_xy),
    )


def _name_communes(
    rng: np.random.Generator, params: GeneratorParams, town_of: np.ndarray,
    commune_of: np.ndarray, c_town: np.ndarray, xy: np.ndarray, n_town: int,
) -> tuple[list[str], list[str]]:
    """Commune and district labels: wards in cities, a town commune, rural communes."""
    towns = params.towns
    commune = [""] * len(xy)
    district = [""] * len(xy)
    for t, town in enumerate(towns):
        members = np.flatnonzero(town_of == t)
        dname = town.district or f"Huyện {town.name}"
        if town.weight >= params.city_weight and members.size:
            n_wards = max(1, round(members.size / params.hamlets_per_commune))
            seeds = members[rng.choice(members.size, n_wards, replace=False)]
            ward = cKDTree(xy[seeds]).query(xy[members])[1]
            ward = np.asarray(ward).reshape(-1)
            for m, w in zip(members.tolist(), ward.tolist(), strict=True):
                base = _WARDS[w % len(_WARDS)]
                label = base if w < len(_WARDS) else f"{base} {w // len(_WARDS) + 1}"
                commune[m], district[m] = f"Phường {label}", dname
        else:
            for m in members.tolist():
                commune[m], district[m] = f"Thị trấn {town.name}", dname
    # Rural communes: unique names within each district.
    names: list[str] = []
    used: dict[int, set[str]] = {}
    syll = len(_SYLLABLES)
    for c, t in enumerate(c_town.tolist()):
        prefix = towns[t].commune_prefix
        taken = used.setdefault(t, set())
        for attempt in range(64):
            a, b = rng.integers(0, syll, 2).tolist()
            label = f"{prefix} {_SYLLABLES[b]}" if prefix else f"{_SYLLABLES[a]} {_SYLLABLES[b]}"
            if attempt >= 32:
                label = f"{label} {c + 1}"
            if label not in taken and _SYLLABLES[b] != prefix:
                break
        taken.add(label)
        names.append(f"Xã {label}")
    for m, c in enumerate(commune_of.tolist()):
        t = int(c_town[c])
        commune[n_town + m] = names[c]
        district[n_town + m] = towns[t].district or f"Huyện {towns[t].name}"
    return commune, district


def _name_hamlets(commune: list[str], area: np.ndarray) -> list[str]:
    """'Tổ dân phố n' in wards and towns, 'Xóm n' in rural communes."""
    counter: dict[str, int] = {}
    out = []
    for c, a in zip(commune, area.tolist(), strict=True):
        counter[c] = counter.get(c, 0) + 1
        urban_unit = c.startswith(("Phường", "Thị trấn")) and a != RURAL
        out.append(f"{'Tổ dân phố' if urban_unit else 'Xóm'} {counter[c]}")
    return out


def _populations(
    rng: np.random.Generator, params: GeneratorParams, area: np.ndarray
) -> np.ndarray:
    """Log-normal sizes, rescaled so that the total and the urban share are exact."""
    weight = rng.lognormal(0.0, 0.45, len(area))
    urban = area <= URBAN
    total_urban = round(params.population * (1.0 - params.rural_share)) if urban.any() else 0
    pop = np.zeros(len(area), dtype=np.int64)
    pop[urban] = _largest_remainder(weight[urban], total_urban)
    pop[~urban] = _largest_remainder(weight[~urban], params.population - total_urban)
    return pop


def _place_near(
    rng: np.random.Generator, anchors_xy: np.ndarray, max_km: np.ndarray, poly_xy: np.ndarray
) -> np.ndarray:
    """Points uniform in a disc of radius ``max_km`` around anchors, kept inside."""
    r = max_km * np.sqrt(rng.uniform(0.0, 1.0, len(anchors_xy)))
    phi = rng.uniform(0.0, 2 * math.pi, len(anchors_xy))
    pts = anchors_xy + np.column_stack((r * np.cos(phi), r * np.sin(phi)))
    outside = ~_inside(pts, poly_xy)
    pts[outside] = anchors_xy[outside]  # anchors are inside the region
    return pts


def _site_block(
    params: GeneratorParams, plane: _Plane, xy: np.ndarray, height: np.ndarray, existing: bool
) -> _Sites:
    lon, lat = plane.to_lonlat(xy)
    lon_text, lon = _fixed(lon, 6)
    lat_text, lat = _fixed(lat, 6)
    height_text, height = _fixed(height, 1)
    n, k = len(xy), len(params.operators)
    return _Sites(
        lon=lon, lat=lat, lon_text=lon_text, lat_text=lat_text, height=height,
        height_text=height_text, existing=np.full(n, existing), owner=[""] * n,
        tenants=np.zeros((n, k), dtype=bool), allowed_only_owner=np.zeros(n, dtype=bool),
    )


def _take(s: _Sites, idx: np.ndarray) -> _Sites:
    ix = idx.tolist()
    return _Sites(
        lon=s.lon[idx], lat=s.lat[idx], lon_text=[s.lon_text[i] for i in ix],
        lat_text=[s.lat_text[i] for i in ix], height=s.height[idx],
        height_text=[s.height_text[i] for i in ix], existing=s.existing[idx],
        owner=[s.owner[i] for i in ix], tenants=s.tenants[idx],
        allowed_only_owner=s.allowed_only_owner[idx],
    )


def _concat(a: _Sites, b: _Sites) -> _Sites:
    return _Sites(
        lon=np.concatenate((a.lon, b.lon)), lat=np.concatenate((a.lat, b.lat)),
        lon_text=a.lon_text + b.lon_text, lat_text=a.lat_text + b.lat_text,
        height=np.concatenate((a.height, b.height)), height_text=a.height_text + b.height_text,
        existing=np.concatenate((a.existing, b.existing)), owner=a.owner + b.owner,
        tenants=np.vstack((a.tenants, b.tenants)),
        allowed_only_owner=np.concatenate((a.allowed_only_owner, b.allowed_only_owner)),
    )


def _existing_pool(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, poly_xy: np.ndarray,
    h: _Hamlets, weakest: np.ndarray,
) -> _Sites:
    """Two demand-weighted passes over the hamlets: anchors of would-be towers, in order."""
    n = params.n_hamlets
    # Urban hamlets are served first: small cells need more towers per hamlet.
    w = np.array([4.0, 3.0, 1.5, 1.0])[h.area] * np.sqrt(h.population / h.population.mean() + 0.1)
    passes = 1 + (params.n_existing_sites > 0.6 * n)
    order = np.concatenate([_weighted_order(rng, w) for _ in range(passes)])
    heights = rng.uniform(*params.existing_height_m, len(order))
    # Within half the weakest operator's range, so any tenant covers its anchor.
    xy = _place_near(rng, h.xy[order], 0.5 * weakest[h.area[order]], poly_xy)
    pool = _site_block(params, plane, xy, heights, existing=True)

    # Owners by site share; a few tower-company towers.
    ops = params.operators
    share = np.array([op.site_share for op in ops], dtype=float)
    share /= share.sum()
    m = len(order)
    owner_k = rng.choice(len(ops), m, p=share)
    towerco = rng.uniform(size=m) < params.towerco_share
    pool.tenants[np.arange(m), owner_k] = True
    # Low-discrepancy flags: any prefix of the pool has the shared ratio.
    pos = np.arange(m)
    shared = (np.floor((pos + 1) * params.existing_shared_ratio)
              - np.floor(pos * params.existing_shared_ratio)) > 0
    third = shared & (rng.uniform(size=m) < 0.15)
    for extra in (shared, third):
        p = np.where(pool.tenants, 0.0, share[None, :])
        p /= p.sum(axis=1, keepdims=True)
        pick = (rng.uniform(size=(m, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
        pick = np.minimum(pick, len(ops) - 1)
        pool.tenants[np.flatnonzero(extra), pick[extra]] = True
    pool.owner = ["towerco" if t else ops[k].id for t, k in zip(towerco.tolist(),
                                                                owner_k.tolist(), strict=True)]
    single = pool.tenants.sum(axis=1) == 1
    pool.allowed_only_owner = single & ~towerco & (rng.uniform(size=m) < params.restricted_share)
    return pool


def _choose_existing(
    rng: np.random.Generator, params: GeneratorParams, h: _Hamlets, pool: _Sites,
    plane: _Plane,
) -> np.ndarray:
    """Pool indices of the existing towers, with pockets left unserved."""
    n = params.n_hamlets
    ranges = _ranges(params, pool.height)  # (pool, ops, areas)
    hi, sj, d = _pairs(h.lon, h.lat, pool.lon, pool.lat, float(ranges.max()))
    # A pair covers when some tenant of the site reaches the hamlet.
    reach = ranges[sj, :, h.area[hi]]  # (pairs, ops)
    covers = (pool.tenants[sj] & (d[:, None] <= reach)).any(axis=1)
    hi, sj = hi[covers], sj[covers]
    n_take = min(params.n_existing_sites, len(pool.lon))

    def select(q: np.ndarray, s: float) -> np.ndarray:
        return np.flatnonzero(q >= s)[:n_take]

    def dead(chosen: np.ndarray) -> int:
        on = np.zeros(len(pool.lon), dtype=bool)
        on[chosen] = True
        hit = np.zeros(n, dtype=bool)
        hit[hi[on[sj]]] = True
        return int(n - hit.sum())

    target = params.target_dead_hamlets
    n_pockets = max(1, round(target / params.hamlets_per_pocket)) if target else 0
    if n_pockets == 0:
        return np.arange(n_take)
    # Pocket centres: rural hamlets in the remoter half (from the towns) and the
    # outer quarter (near the coast and borders), farther ones more likely.
    eligible = np.flatnonzero(h.area == RURAL)
    if eligible.size == 0:
        eligible = np.arange(n)
    far = h.town_distance[eligible] >= np.median(h.town_distance[eligible])
    outer = h.edge_distance[eligible] <= np.quantile(h.edge_distance[eligible], 0.25)
    if np.count_nonzero(far & outer) >= 5 * n_pockets:
        eligible = eligible[far & outer]
    elif np.count_nonzero(far) >= n_pockets:
        eligible = eligible[far]
    order = eligible[_weighted_order(rng, h.town_distance[eligible] ** 2 + 1e-9)]
    base = rng.uniform(0.7, 1.3, n_pockets)
    # Spread the pockets: at least a pocket's typical diameter apart.
    min_gap = 2.0 * math.sqrt(params.area_km2 * target / n / n_pockets / math.pi)
    centres: list[int] = []
    for i in order.tolist():
        if len(centres) == n_pockets:
            break
        if centres and np.min(np.hypot(*(h.xy[centres] - h.xy[i]).T)) < min_gap:
            continue
        centres.append(i)
    base = base[: len(centres)]
    pool_xy = plane.to_xy(pool.lon, pool.lat)
    kq = min(8, len(centres))
    dist, idx = cKDTree(h.xy[centres]).query(pool_xy, k=kq)
    dist, idx = dist.reshape(len(pool_xy), kq), idx.reshape(len(pool_xy), kq)
    q = (dist / base[idx]).min(axis=1)  # pocket-radius scale at which a tower goes

    lo, hi_s = 0.0, float(q.max()) + 1.0
    best = select(q, 0.0)
    best_gap = abs(dead(best) - target)
    for _ in range(40):
        mid = 0.5 * (lo + hi_s)
        chosen = select(q, mid)
        count = dead(chosen)
        if abs(count - target) < best_gap or (
            abs(count - target) == best_gap and count <= target
        ):
            best, best_gap = chosen, abs(count - target)
        if count == target:
            break
        if count < target:
            lo = mid
        else:
            hi_s = mid
    return best


def _admissible(sites: _Sites, params: GeneratorParams) -> np.ndarray:
    """(sites, ops) whether an operator may be placed on a site under the written policy."""
    k = len(params.operators)
    ops = [op.id for op in params.operators]
    allowed = np.ones((len(sites.lon), k), dtype=bool)
    only = np.flatnonzero(sites.allowed_only_owner)
    allowed[only] = False
    for j in only.tolist():
        allowed[j, ops.index(sites.owner[j])] = True
    # Full towers admit only their tenants. The 3-tenant limit is used for every
    # variant so that all variants of a seed share the same sites.
    full = sites.tenants.sum(axis=1) >= 3
    allowed[full] = sites.tenants[full]
    return allowed


def _reach(
    params: GeneratorParams, h: _Hamlets, sites: _Sites, *masks: np.ndarray
) -> list[np.ndarray]:
    """Per (sites, ops) mask, (hamlets, ops): operator k covers hamlet i from a
    site j with ``mask[j, k]``. The pairs within reach are found once for all masks."""
    n, k = params.n_hamlets, len(params.operators)
    outs = [np.zeros((n, k), dtype=bool) for _ in masks]
    if len(sites.lon) == 0:
        return outs
    ranges = _ranges(params, sites.height)
    hi, sj, d = _pairs(h.lon, h.lat, sites.lon, sites.lat, float(ranges.max()))
    within = d[:, None] <= ranges[sj, :, h.area[hi]]
    for out, mask in zip(outs, masks, strict=True):
        ok = mask[sj] & within
        for op in range(k):
            out[hi[ok[:, op]], op] = True
    return outs


def _repair(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, h: _Hamlets,
    need: np.ndarray,
) -> _Sites:
    """Candidates at needy hamlets until each is reachable by every operator."""
    order = need[rng.permutation(need.size)]
    heights = rng.uniform(*params.candidate_height_m, order.size)
    _, heights = _fixed(heights, 1)
    rng_km = _ranges(params, heights).min(axis=1)  # (needy, areas): weakest operator
    own = rng_km[np.arange(order.size), h.area[order]]
    offset = 0.25 * own * np.sqrt(rng.uniform(size=order.size))
    phi = rng.uniform(0.0, 2 * math.pi, order.size)
    tree = cKDTree(h.xy[order])
    fixed = np.zeros(order.size, dtype=bool)
    chosen = []
    for m in range(order.size):
        if fixed[m]:
            continue
        chosen.append(m)
        # Neighbours within the weakest range (less the offset) are fixed as well.
        near = np.asarray(tree.query_ball_point(h.xy[order[m]], float(rng_km[m].max())))
        if near.size:
            d = np.hypot(*(h.xy[order[near]] - h.xy[order[m]]).T)
            fixed[near[d + offset[m] <= 0.9 * rng_km[m, h.area[order[near]]]]] = True
        fixed[m] = True
    chosen_ix = np.array(chosen, dtype=np.int64)
    xy = h.xy[order[chosen_ix]] + np.column_stack(
        (offset[chosen_ix] * np.cos(phi[chosen_ix]), offset[chosen_ix] * np.sin(phi[chosen_ix]))
    )
    return _site_block(params, plane, xy, heights[chosen_ix], existing=False)


@dataclass
class _Result:
    hamlets: _Hamlets
    sites: _Sites
    dead: int
    polygon: np.ndarray


def _build(params: GeneratorParams) -> _Result:
    rng = np.random.default_rng(params.seed)
    poly = region_polygon(params)
    centre = poly.mean(axis=0)
    plane = _Plane(float(centre[0]), float(centre[1]))
    poly_xy = plane.to_xy(poly[:, 0], poly[:, 1])
    h = _make_hamlets(rng, params, plane, poly_xy)

    # Weakest operator's range per clutter at the lowest existing height.
    weakest = _ranges(params, np.array([params.existing_height_m[0]]))[0].min(axis=0)
    pool = _existing_pool(rng, params, plane, poly_xy, h, weakest)
    chosen = _choose_existing(rng, params, h, pool, plane)
    existing = _take(pool, chosen)

    # Which hamlets today's tenancies leave uncovered.
    covered = _reach(params, h, existing, existing.tenants)[0].any(axis=1)
    dead = np.flatnonzero(~covered)

    # Candidates near dead spots (within a quarter of the weakest range) and with demand.
    n_near = round(params.candidates_per_dead_hamlet * dead.size)
    near_anchor = dead[np.resize(rng.permutation(dead.size), n_near)] if dead.size else dead
    w = np.sqrt(h.population / h.population.mean() + 0.1)
    extra_anchor = rng.choice(params.n_hamlets, params.extra_candidates, p=w / w.sum())
    anchors = np.concatenate((near_anchor, extra_anchor)).astype(np.int64)
    cand_height = rng.uniform(*params.candidate_height_m, anchors.size)
    spread = np.where(np.arange(anchors.size) < n_near, 0.25, 1.0)
    cand_xy = _place_near(rng, h.xy[anchors], spread * weakest[h.area[anchors]], poly_xy)
    sites = _concat(existing, _site_block(params, plane, cand_xy, cand_height, existing=False))

    # Repair until full coverage is feasible for every variant.
    for _ in range(10):
        admit = _admissible(sites, params) | sites.tenants
        reach_any, reach_cand = _reach(params, h, sites, admit, admit & ~sites.existing[:, None])
        need = np.flatnonzero(~reach_any.all(axis=1) | (~covered & ~reach_cand.all(axis=1)))
        if need.size == 0:
            break
        sites = _concat(sites, _repair(rng, params, plane, h, need))
    else:  # pragma: no cover - the repair places a site within range of each needy hamlet
        raise RuntimeError("could not make full coverage feasible")
    n_exist = int(sites.existing.sum())
    sites.ids = [f"S{j + 1:05d}" for j in range(n_exist)] + [
        f"C{j + 1:05d}" for j in range(len(sites.lon) - n_exist)
    ]
    return _Result(h, sites, int(dead.size), poly)


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _toml_text(params: GeneratorParams) -> str:
    v = params.variant
    coverage = '"each"' if v == "each" else '"any"'
    max_tenants = len(params.operators) if v == "each" else 3
    relocate = "true" if v == "consolidation" else "false"
    desc = params.description.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        f'name = "{params.name}"',
        f'description = "{desc}"',
        'currency = "VND_million"',
        "",
        "[targets]",
        f"coverage = {coverage}",
        "hamlet_coverage = 1.0",
        f"shared_site_ratio = {params.target_shared_ratio:.2f}",
        'sharing = "hard"',
        "",
        "[economics]",
        "horizon_years = 10",
        "discount_rate = 0.08",
        "new_site_capex = 1500",
        "site_opex_per_year = 120",
        "tenancy_capex = 400",
        "tenancy_opex_per_year = 60",
        "decommission_cost = 100",
        "rent_per_year = 90",
        "",
        "[policy]",
        f"max_tenants = {max_tenants}",
        f"allow_decommission = {relocate}",
        f"allow_relocation = {relocate}",
        "",
        "[radio]",
        f'model = "{params.radio_model}"',
        f"rx_height_m = {params.rx_height_m}",
    ]
    for op in params.operators:
        lines += [
            "",
            "[[operators]]",
            f'id = "{op.id}"',
            f'name = "{op.name}"',
            f"frequency_mhz = {op.frequency_mhz:g}",
            f"max_path_loss_db = {op.max_path_loss_db:g}",
        ]
    lines += [
        "",
        "[tables]",
        'hamlets = "hamlets.csv"',
        'sites = "sites.csv"',
        'tenancies = "tenancies.csv"',
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("utf-8"))


def _write_files(params: GeneratorParams, result: _Result, out_dir: Path) -> Path:
    h, s = result.hamlets, result.sites
    greenfield = params.variant == "greenfield"
    area_names = AREA_TYPES
    hamlet_rows = []
    for i in range(params.n_hamlets):
        for text in (h.name[i], h.commune[i], h.district[i]):
            if "," in text or '"' in text:  # pragma: no cover - names are generated
                raise ValueError(f"label {text!r} would need CSV quoting")
        hamlet_rows.append(
            f"H{i + 1:05d},{h.name[i]},{h.commune[i]},{h.district[i]},"
            f"{h.lon_text[i]},{h.lat_text[i]},{int(h.population[i])},{area_names[h.area[i]]}"
        )
    op_ids = [op.id for op in params.operators]
    site_rows, tenancy_rows = [], []
    for j in range(len(s.lon)):
        exists = bool(s.existing[j]) and not greenfield
        owner = s.owner[j] if exists else ""
        allowed = s.owner[j] if exists and s.allowed_only_owner[j] else ""
        status = "existing" if exists else "candidate"
        site_rows.append(
            f"{s.ids[j]},{s.lon_text[j]},{s.lat_text[j]},{status},{s.height_text[j]},"
            f"{owner},{allowed}"
        )
        if exists:
            tenancy_rows += [f"{s.ids[j]},{op_ids[k]}" for k in np.flatnonzero(s.tenants[j])]
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "hamlets.csv",
           "id,name,commune,district,lon,lat,population,area_type", hamlet_rows)
    _write(out_dir / "sites.csv",
           "id,lon,lat,status,height_m,owner,allowed_operators", site_rows)
    _write(out_dir / "tenancies.csv", "site_id,operator_id", tenancy_rows)
    toml = out_dir / "scenario.toml"
    toml.write_bytes(_toml_text(params).encode("utf-8"))
    return toml


def generate_scenario(params: GeneratorParams, out_dir: str | Path) -> Path:
    """Generate a scenario and write it into ``out_dir``.

    Parameters
    ----------
    params
        What to generate; the same params give byte-identical files.
    out_dir
        Directory to write ``scenario.toml``, ``hamlets.csv``, ``sites.csv``
        and ``tenancies.csv`` into (created if missing; files overwritten).

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    result = _build(params)
    return _write_files(params, result, Path(out_dir))


def generate_family(
    size: str, variant: str = "brownfield", out_dir: str | Path = ".", seed: int = 1
) -> Path:
    """Generate one benchmark family member (see :func:`family_params`).

    Parameters
    ----------
    size
        ``"S"``, ``"M"``, ``"L"`` or ``"XL"``.
    variant
        ``"brownfield"``, ``"consolidation"``, ``"each"`` or ``"greenfield"``.
    out_dir
        Output directory.
    seed
        Generator seed.

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    return generate_scenario(family_params(size, variant, seed), out_dir)


# --------------------------------------------------------------------------
# Facts and command line
# --------------------------------------------------------------------------


def scenario_facts(toml_path: str | Path) -> dict[str, object]:
    """Read a scenario back and measure what the generator promises.

    Uses :func:`btsopt.reading.read_scenario` and
    :func:`btsopt.radio.compute_coverage`, not the generator's own code.

    Returns
    -------
    dict
        ``hamlets``, ``population``, ``rural_share``, ``area_types`` (counts),
        ``existing_sites``, ``candidates``, ``sites_by_owner``,
        ``tenancies``, ``tenancies_by_operator``, ``shared_existing``,
        ``shared_ratio`` (shared / active existing sites), ``dead_spots``
        (hamlets no existing tenancy covers), ``unreachable`` (hamlets no
        site reaches under any operator) and ``unreachable_each`` (hamlets
        some operator cannot reach from any site).
    """
    from btsopt.radio import compute_coverage
    from btsopt.reading import read_scenario

    data = read_scenario(toml_path)
    cov = compute_coverage(data)
    k = data.num_operators
    ten = data.tenancies
    today = cov.matrix @ ten.reshape(-1).astype(np.int32)
    reach = np.column_stack([
        np.asarray(cov.for_operator(op) @ data.sites.allowed[:, op].astype(np.int32)).ravel()
        for op in range(k)
    ]) > 0
    existing = data.sites.existing
    tenants = ten.sum(axis=1)
    active = existing & (tenants > 0)
    owners: dict[str, int] = {}
    for j in np.flatnonzero(existing).tolist():
        owners[data.sites.owner[j]] = owners.get(data.sites.owner[j], 0) + 1
    pop = data.hamlets.population
    rural = data.hamlets.area_type >= SUBURBAN
    return {
        "hamlets": data.num_hamlets,
        "population": int(pop.sum()),
        "rural_share": float(pop[rural].sum() / max(pop.sum(), 1)),
        "area_types": {
            a: int((data.hamlets.area_type == c).sum()) for c, a in enumerate(AREA_TYPES)
        },
        "existing_sites": int(existing.sum()),
        "candidates": int((~existing).sum()),
        "sites_by_owner": dict(sorted(owners.items())),
        "tenancies": int(ten.sum()),
        "tenancies_by_operator": {
            op: int(ten[:, i].sum()) for i, op in enumerate(data.operator_ids)
        },
        "shared_existing": int((active & (tenants >= 2)).sum()),
        "shared_ratio": float((active & (tenants >= 2)).sum() / max(active.sum(), 1)),
        "dead_spots": int((today == 0).sum()),
        "unreachable": int((~reach.any(axis=1)).sum()),
        "unreachable_each": int((~reach.all(axis=1)).sum()),
    }


def generate_command(
    preset: str, out_dir: str | Path, seed: int | None = None, size: str | None = None,
    variant: str | None = None,
) -> Path:
    """Generate a preset or a family member and print one line about it.

    Parameters
    ----------
    preset
        ``"nam-dinh"`` or ``"family"`` (then ``size`` is required).
    out_dir
        Output directory.
    seed
        Seed; default 137 for Nam Định, 1 for families.
    size
        Family size ``S``, ``M``, ``L`` or ``XL``.
    variant
        One of :data:`VARIANTS` (default ``brownfield``).

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    variant = variant or "brownfield"
    if preset in ("nam-dinh", "nam_dinh"):
        params = nam_dinh(seed=137 if seed is None else seed, variant=variant)
    elif preset == "family":
        if size is None:
            raise ValueError("preset 'family' needs a size (S, M, L or XL)")
        params = family_params(size.upper(), variant, 1 if seed is None else seed)
    else:
        raise ValueError(f"unknown preset {preset!r} (expected 'nam-dinh' or 'family')")
    result = _build(params)
    toml = _write_files(params, result, Path(out_dir))
    s = result.sites
    greenfield = params.variant == "greenfield"
    n_exist = 0 if greenfield else int(s.existing.sum())
    tenancies = 0 if greenfield else int(s.tenants[s.existing].sum())
    dead = params.n_hamlets if greenfield else result.dead
    print(
        f"wrote {toml}: {params.name}, {params.n_hamlets} hamlets, {n_exist} existing sites, "
        f"{len(s.lon) - n_exist} candidates, {tenancies} tenancies, "
        f"{dead} hamlets without coverage today (seed {params.seed}, variant {params.variant})"
    )
    return toml


def main_generate(argv: list[str] | None = None) -> int:
    """Command line of this module, with the same options as ``btsopt generate``.

    ``python -m btsopt.generate --preset nam-dinh --out DIR [--seed N]`` or
    ``--preset family --size S|M|L|XL [--variant V]``. Returns the exit
    status (2 on bad options).
    """
    parser = argparse.ArgumentParser(
        prog="python -m btsopt.generate", description="Write a seeded synthetic scenario."
    )
    parser.add_argument("--preset", choices=("nam-dinh", "family"), default="nam-dinh")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--size", choices=tuple(FAMILY_SIZES), default=None)
    parser.add_argument("--variant", choices=VARIANTS, default="brownfield")
    args = parser.parse_args(argv)
    try:
        generate_command(args.preset, args.out, args.seed, args.size, args.variant)
    except ValueError as exc:
        print(f"btsopt generate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main_generate())


def generate_set_cover(
    rows: int, cols: int, density: float, seed: int, out_path: str | Path,
    max_cost: int = 100,
) -> Path:
    """Write a random weighted set-covering instance in OR-Library row format.

    Shaped like Beasley's scpnrg/scpnrh classes (1000 rows x 10000 columns,
    2% and 5% density, costs 1..100): every column covers at least one row and
    every row at least two columns.

    Parameters
    ----------
    rows, cols
        Instance size.
    density
        Share of nonzeros in the rows x columns matrix.
    seed
        Seed of ``numpy.random.default_rng``: the same seed writes the same file.
    out_path
        The file to write.
    max_cost
        Costs are drawn uniformly from 1..max_cost.
    """
    rng = np.random.default_rng(seed)
    per_row = np.maximum(rng.binomial(cols, density, size=rows), 2)
    members = [np.sort(rng.choice(cols, size=int(k), replace=False)) for k in per_row]
    covered = np.zeros(cols, dtype=bool)
    for m in members:
        covered[m] = True
    # Columns no row picked get one random row, so that every column is useful.
    for col in np.flatnonzero(~covered):
        row = int(rng.integers(rows))
        members[row] = np.unique(np.append(members[row], col))
    costs = rng.integers(1, max_cost + 1, size=cols)
    lines = [f"{rows} {cols}", " ".join(map(str, costs))]
    lines += [f"{m.size} " + " ".join(str(int(c) + 1) for c in m) for m in members]
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
