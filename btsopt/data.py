"""Immutable, validated problem data.

Everything downstream (radio coverage, the model, the solvers, the evaluator)
reads a :class:`ProblemData`; nothing writes to it. Tables are held column-wise
as read-only numpy arrays so that a province of 80,000 hamlets stays compact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

AREA_TYPES: tuple[str, ...] = ("dense_urban", "urban", "suburban", "rural")
"""Clutter classes, in the order of the integer codes in ``Hamlets.area_type``."""

RADIO_MODELS: tuple[str, ...] = ("okumura-hata", "cost231-hata", "fixed-radius")

LOCK_NONE, LOCK_IN, LOCK_OUT = 0, 1, -1


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Targets:
    """What the plan must achieve (``[targets]``).

    Attributes
    ----------
    coverage
        ``"any"``, ``"each"`` or an integer k: distinct operators per hamlet.
    hamlet_coverage
        Share of hamlets that must meet their coverage rule.
    shared_site_ratio
        Shared active sites over active sites must reach this.
    sharing
        ``"hard"`` (a constraint) or ``"soft"`` (minimise the shortfall first).
    budget
        Cap on the system cost (NPV); ``inf`` for none.
    coverage_mode
        Extension of the format: ``"hard"`` (default) or ``"soft"``, which
        maximises covered population first instead of requiring coverage.
    """

    coverage: str | int = "any"
    hamlet_coverage: float = 1.0
    shared_site_ratio: float = 0.30
    sharing: str = "hard"
    budget: float = math.inf
    coverage_mode: str = "hard"


@dataclass(frozen=True)
class Economics:
    """Cost defaults (``[economics]``); money in the scenario's currency."""

    horizon_years: int = 10
    discount_rate: float = 0.08
    new_site_capex: float = 1500.0
    site_opex_per_year: float = 120.0
    tenancy_capex: float = 400.0
    tenancy_opex_per_year: float = 60.0
    decommission_cost: float = 100.0
    rent_per_year: float = 90.0

    @property
    def annuity_factor(self) -> float:
        """Present value of one unit paid at the end of each year of the horizon."""
        r = self.discount_rate
        years = range(1, self.horizon_years + 1)
        return float(sum(1.0 / (1.0 + r) ** t for t in years))


@dataclass(frozen=True)
class Policy:
    """Structural and regulatory rules (``[policy]``)."""

    max_tenants: int = 3
    allow_decommission: bool = False
    allow_relocation: bool = False


@dataclass(frozen=True)
class Radio:
    """Propagation model settings (``[radio]``)."""

    model: str = "cost231-hata"
    rx_height_m: float = 1.5


@dataclass(frozen=True)
class Operator:
    """One mobile operator and its link budget.

    ``radius_km`` maps clutter class to radius, used by ``fixed-radius``.
    ``tenancy_capex`` and ``tenancy_opex_per_year`` are already resolved
    against the economics defaults.
    """

    id: str
    name: str
    frequency_mhz: float
    max_path_loss_db: float
    radius_km: dict[str, float] | None
    tenancy_capex: float
    tenancy_opex_per_year: float


@dataclass(frozen=True, eq=False)
class Hamlets:
    """Hamlet table, column-wise. ``area_type`` holds indices into ``AREA_TYPES``;
    ``min_operators`` holds the resolved number of distinct operators each
    hamlet needs (the per-hamlet override or the scenario's rule)."""

    ids: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    area_type: np.ndarray
    min_operators: np.ndarray
    name: tuple[str, ...]
    commune: tuple[str, ...]
    district: tuple[str, ...]

    def __post_init__(self) -> None:
        for attr in ("lon", "lat", "population", "area_type", "min_operators"):
            object.__setattr__(self, attr, _frozen(getattr(self, attr)))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Sites:
    """Site table, column-wise, with every default resolved.

    ``allowed`` is a (sites x operators) boolean matrix; ``locked`` holds
    ``LOCK_NONE``, ``LOCK_IN`` or ``LOCK_OUT``; ``owner`` is the owner text
    (an operator id, a tower company, or empty).
    """

    ids: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    existing: np.ndarray
    height_m: np.ndarray
    owner: tuple[str, ...]
    max_tenants: np.ndarray
    capex: np.ndarray
    opex_per_year: np.ndarray
    rent_per_year: np.ndarray
    allowed: np.ndarray
    locked: np.ndarray

    def __post_init__(self) -> None:
        for attr in (
            "lon", "lat", "existing", "height_m", "max_tenants", "capex",
            "opex_per_year", "rent_per_year", "allowed", "locked",
        ):
            object.__setattr__(self, attr, _frozen(getattr(self, attr)))

    def __len__(self) -> int:
        return len(self.ids)


EDGE_KINDS: tuple[str, ...] = ("road", "aerial", "duct")
"""Kinds of ground-network edge, in the order of the codes in ``NetworkData.edge_kind``."""


@dataclass(frozen=True, eq=False)
class NetworkData:
    """The ground network of ``[network]`` (scenario format v2), as a graph.

    Built once on reading (:mod:`btsopt.reading.network`): nodes are the lines'
    vertices with points within 1 m merged, edges are the lines' segments.
    ``backhaul`` is derived data, like a resolved default: the model and the
    evaluator both add it to a built candidate's cost.

    Attributes
    ----------
    node_lon, node_lat
        Node positions (degrees).
    edge_from, edge_to
        End nodes of each edge (one per line segment).
    edge_kind
        Indices into ``EDGE_KINDS``.
    edge_length_km
        Length (``length_m`` of its line shared over its segments, else haversine).
    edge_fibre
        Whether the edge already carries fibre.
    edge_line
        The 0-based feature (GeoJSON) or row (CSV) each edge comes from.
    fibre_node
        Nodes on today's fibre network (ends of fibre edges, nodes nearest a fibre point).
    site_node, site_drop_km, hamlet_node, hamlet_drop_km
        The node each site and hamlet attaches to, and the straight drop's length.
    hamlet_ftth
        Hamlets with fibre today (column ``ftth`` or a node on the fibre network).
    cost_per_km
        New fibre per km along each edge kind, in ``EDGE_KINDS`` order.
    drop_cost_per_km, microwave_capex, ftth_target
        As in ``[network]``.
    fibre_cost
        Per site: drop + least-cost path to the fibre network (``inf`` if none).
    backhaul
        Per site: ``b_j = min(fibre_cost, microwave_capex)``, 0 for existing sites.
    edges_file
        The edge file, named in messages and outputs.
    """

    node_lon: np.ndarray
    node_lat: np.ndarray
    edge_from: np.ndarray
    edge_to: np.ndarray
    edge_kind: np.ndarray
    edge_length_km: np.ndarray
    edge_fibre: np.ndarray
    edge_line: np.ndarray
    fibre_node: np.ndarray
    site_node: np.ndarray
    site_drop_km: np.ndarray
    hamlet_node: np.ndarray
    hamlet_drop_km: np.ndarray
    hamlet_ftth: np.ndarray
    cost_per_km: tuple[float, float, float] = (300.0, 80.0, 20.0)
    drop_cost_per_km: float = 300.0
    microwave_capex: float = 250.0
    ftth_target: float = 1.0
    fibre_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    backhaul: np.ndarray = field(default_factory=lambda: np.zeros(0))
    edges_file: Path | None = None

    def __post_init__(self) -> None:
        for attr in (
            "node_lon", "node_lat", "edge_from", "edge_to", "edge_kind", "edge_length_km",
            "edge_fibre", "edge_line", "fibre_node", "site_node", "site_drop_km",
            "hamlet_node", "hamlet_drop_km", "hamlet_ftth", "fibre_cost", "backhaul",
        ):
            object.__setattr__(self, attr, _frozen(getattr(self, attr)))

    @property
    def num_nodes(self) -> int:
        return len(self.node_lon)

    @property
    def edge_cost(self) -> np.ndarray:
        """Cost of new fibre along each edge: length x its kind's cost per km."""
        return self.edge_length_km * np.asarray(self.cost_per_km)[self.edge_kind]

    @property
    def fibre_sites(self) -> np.ndarray:
        """Candidate sites whose backhaul is fibre (cheaper than microwave)."""
        return np.isfinite(self.fibre_cost) & (self.fibre_cost < self.microwave_capex)


@dataclass(frozen=True, eq=False)
class Demand:
    """Traffic and carrier capacity (``[demand]``, scenario format v2), defaults resolved.

    Per-operator arrays are indexed like ``ProblemData.operators``; every
    array is read-only.

    Attributes
    ----------
    subscriptions_per_100
        Mobile broadband subscriptions per 100 people.
    busy_hour_mbps
        Mean busy-hour traffic of one subscription, Mb/s.
    user_mbps
        Mean download rate a user must get in the busy hour, Mb/s.
    keep_service
        Every (hamlet, operator) pair covered today stays covered.
    subscriptions
        (hamlets,) subscriptions of each hamlet.
    market_share
        (operators,) share of the subscriptions; the sum is at most 1.
    sectors, carrier_mhz, spectral_efficiency, peak_mbps
        (operators,) what one carrier of a tenancy is made of.
    max_carriers
        (operators,) carriers one tenancy can hold.
    carrier_capex, carrier_opex_per_year
        (operators,) cost of one carrier added to one tenancy.
    carriers_today
        (sites x operators) carriers installed today; 0 where no tenancy.
    """

    subscriptions_per_100: float
    busy_hour_mbps: float
    user_mbps: float
    keep_service: bool
    subscriptions: np.ndarray
    market_share: np.ndarray
    sectors: np.ndarray
    carrier_mhz: np.ndarray
    spectral_efficiency: np.ndarray
    peak_mbps: np.ndarray
    max_carriers: np.ndarray
    carrier_capex: np.ndarray
    carrier_opex_per_year: np.ndarray
    carriers_today: np.ndarray

    def __post_init__(self) -> None:
        for attr in (
            "subscriptions", "market_share", "sectors", "carrier_mhz", "spectral_efficiency",
            "peak_mbps", "max_carriers", "carrier_capex", "carrier_opex_per_year",
            "carriers_today",
        ):
            object.__setattr__(self, attr, _frozen(getattr(self, attr)))

    @property
    def demand_mbps(self) -> np.ndarray:
        """(hamlets x operators) busy-hour demand D[i, k], Mb/s."""
        return np.outer(self.subscriptions, self.market_share) * self.busy_hour_mbps

    @property
    def carrier_capacity_mbps(self) -> np.ndarray:
        """(operators,) c_k: what one carrier carries while users still get ``user_mbps``.

        A processor-sharing cell gives its users ``peak x (1 - load)`` on
        average, so the load may reach ``1 - user_mbps / peak_mbps``.
        """
        return (self.sectors * self.carrier_mhz * self.spectral_efficiency
                * (1.0 - self.user_mbps / self.peak_mbps))

    def carrier_cost_npv(self, economics: Economics) -> np.ndarray:
        """(operators,) NPV of one added carrier: capex plus opex over the horizon."""
        return self.carrier_capex + self.carrier_opex_per_year * economics.annuity_factor


@dataclass(frozen=True, eq=False)
class ProblemData:
    """A validated scenario: the single input of coverage, model and solvers.

    Attributes
    ----------
    tenancies
        (sites x operators) boolean matrix of the existing installations.
    source
        The scenario TOML it was read from, if any (used in messages and by
        the evaluator to name files).
    warnings
        Non-fatal remarks made while reading (unknown keys, odd values).
    explicit_coverage
        For set-covering instances only: a (hamlets x sites) 0/1 matrix that
        replaces the radio model (one operator). ``None`` for scenarios.
    forced_tenancies, forbidden_tenancies
        Optional (sites x operators) masks of tenancies every plan must have
        or must not have (a proposal's decisions locked in); ``None``: none.
    demand
        ``[demand]`` (scenario format v2): traffic and carrier capacity;
        ``None`` for a v1 scenario, whose plans ignore traffic.
    """

    name: str
    description: str
    currency: str
    targets: Targets
    economics: Economics
    policy: Policy
    radio: Radio
    operators: tuple[Operator, ...]
    hamlets: Hamlets
    sites: Sites
    tenancies: np.ndarray
    source: Path | None = None
    warnings: tuple[str, ...] = field(default=())
    explicit_coverage: sparse.csr_matrix | None = None
    forced_tenancies: np.ndarray | None = None
    forbidden_tenancies: np.ndarray | None = None
    demand: Demand | None = None
    network: NetworkData | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenancies", _frozen(self.tenancies))
        for attr in ("forced_tenancies", "forbidden_tenancies"):
            mask = getattr(self, attr)
            if mask is not None:
                mask = np.asarray(mask, dtype=bool)
                if mask.shape != self.tenancies.shape:
                    raise ValueError(f"{attr} must have shape {self.tenancies.shape}")
                object.__setattr__(self, attr, _frozen(mask))

    @property
    def forced(self) -> np.ndarray:
        """Tenancies every plan must contain (all False when none)."""
        if self.forced_tenancies is None:
            return np.zeros(self.tenancies.shape, dtype=bool)
        return self.forced_tenancies

    @property
    def forbidden(self) -> np.ndarray:
        """Tenancies no plan may contain (all False when none)."""
        if self.forbidden_tenancies is None:
            return np.zeros(self.tenancies.shape, dtype=bool)
        return self.forbidden_tenancies

    @property
    def num_hamlets(self) -> int:
        return len(self.hamlets)

    @property
    def num_sites(self) -> int:
        return len(self.sites)

    @property
    def num_operators(self) -> int:
        return len(self.operators)

    @property
    def operator_ids(self) -> tuple[str, ...]:
        return tuple(op.id for op in self.operators)

    def operator_index(self, operator_id: str) -> int:
        """Index of an operator id (``KeyError`` if unknown)."""
        return self.operator_ids.index(operator_id)

    def describe(self) -> str:
        """One line with the scenario's size."""
        existing = int(self.sites.existing.sum())
        return (
            f"{self.name}: {self.num_hamlets} hamlets, {self.num_sites} sites "
            f"({existing} existing, {self.num_sites - existing} candidates), "
            f"{self.num_operators} operators, {int(self.tenancies.sum())} tenancies"
        )
