"""What to generate: :class:`GeneratorParams`, its parts and the presets
(:func:`nam_dinh`, :func:`family_params`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from btsopt.data import AREA_TYPES
from btsopt.generate.demand import DemandSpec, vietnam_demand
from btsopt.generate.network import NetworkSpec
from btsopt.radio.pathloss import EARTH_RADIUS_KM

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
    demand
        ``[demand]`` and the operators' capacity keys (scenario format v2);
        ``None`` writes a v1 scenario. The tables are the same either way.
    network
        ``[network]`` (scenario format v2) declared in ``scenario.toml``.
    ground_network
        The ground network written beside the tables (``roads.geojson``,
        ``fibre.csv``, the hamlet column ``ftth``) without declaring it: a v1
        scenario whose companions declare it. ``network`` implies it.
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
    demand: DemandSpec | None = None
    network: NetworkSpec | None = None
    ground_network: NetworkSpec | None = None

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
        if self.demand is not None and len(self.demand.carriers) != len(self.operators):
            raise ValueError("demand needs one CarrierSpec per operator")


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
        ground_network=NetworkSpec(),
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
        return replace(base, name=f"family-M-{variant}-s{seed}", ground_network=None)
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


def with_demand(params: GeneratorParams, demand: DemandSpec | None = None) -> GeneratorParams:
    """The same scenario declared with ``[demand]`` (same tables, name ending ``-demand``).

    Parameters
    ----------
    params
        A v1 scenario's parameters.
    demand
        What to declare; default :func:`~btsopt.generate.demand.vietnam_demand`
        for the parameters' operators.
    """
    demand = demand or vietnam_demand(tuple(op.id for op in params.operators))
    return replace(
        params, demand=demand, name=f"{params.name}-demand",
        description=f"{params.description} With [demand]: {demand.summary()}.",
    )


def with_network(params: GeneratorParams, network: NetworkSpec | None = None) -> GeneratorParams:
    """The same scenario declared with ``[network]`` (same tables, name ending ``-network``)."""
    network = network or params.ground_network or NetworkSpec()
    return replace(
        params, network=network, ground_network=network, name=f"{params.name}-network",
        description=f"{params.description} With [network]: synthetic roads, poles, ducts "
        "and fibre (btsopt.generate.network).",
    )


NAM_DINH_COMPANIONS: tuple[str, ...] = (
    "demand.toml", "consolidation.toml", "consolidation-demand.toml", "network.toml",
)
"""Files written beside the Nam Định ``scenario.toml``: the same tables declared
with ``[demand]``, as a consolidation, and both (see :func:`nam_dinh_companions`)."""


def nam_dinh_companions(seed: int = 137) -> dict[str, GeneratorParams]:
    """The Nam Định declarations that share the brownfield scenario's tables.

    Returns
    -------
    dict
        File name (:data:`NAM_DINH_COMPANIONS`) -> parameters: ``demand.toml``
        (the network as it is, with ``[demand]``), ``consolidation.toml``
        (decommissioning and relocation allowed) and ``consolidation-demand.toml``
        (both), for the side-by-side of the Nam Định README; ``network.toml`` (the
        network as it is, with ``[network]``: backhaul priced, FTTH planned).
    """
    consolidation = nam_dinh(seed, "consolidation")
    return dict(zip(NAM_DINH_COMPANIONS, (
        with_demand(nam_dinh(seed)), consolidation, with_demand(consolidation),
        with_network(nam_dinh(seed)),
    ), strict=True))
