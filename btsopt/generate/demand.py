"""Traffic and carrier capacity of generated scenarios (``[demand]``, format v2).

A :class:`DemandSpec` is what :class:`~btsopt.generate.params.GeneratorParams`
carries when a scenario is written with ``[demand]``: the scenario keys and,
per operator, a :class:`CarrierSpec` (market share and what one LTE carrier of
a tenancy is made of). :func:`vietnam_demand` gives the figures of the bundled
Nam Định and of the capacitated benchmark families; ``scenarios/nam-dinh/README.md``
states their sources and works the arithmetic.

The busy-hour load of one subscription comes from its monthly traffic::

    busy_hour_mbps = monthly_gb x 8,000 Mb/GB / days_per_month x busy_hour_share / 3,600 s
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

__all__ = [
    "VIETNAM_MARKET_SHARE",
    "CarrierSpec",
    "DemandSpec",
    "capacity_shortfall",
    "demand_mbps",
    "full_capacity_mbps",
    "vietnam_demand",
]

VIETNAM_MARKET_SHARE: dict[str, float] = {
    "viettel": 0.55,
    "vinaphone": 0.25,
    "mobifone": 0.17,
    "vietnamobile": 0.03,
}
"""Approximate shares of Vietnam's mobile subscriptions (Ministry of Information and
Communications / VNTA public figures, 2022-2023, rounded; see the Nam Định README)."""


@dataclass(frozen=True)
class CarrierSpec:
    """One operator's market share and the LTE carrier of its tenancies.

    Attributes
    ----------
    market_share
        Share of the subscriptions (0..1).
    sectors
        Sectors of one tenancy.
    carrier_mhz
        Bandwidth of one carrier, MHz.
    spectral_efficiency
        Mean cell spectral efficiency, bit/s/Hz.
    peak_mbps
        Rate of a single user on an idle carrier, Mb/s.
    max_carriers
        Carriers one tenancy can hold.
    carrier_capex, carrier_opex_per_year
        Cost of one carrier added to one tenancy (all its sectors).
    """

    market_share: float
    sectors: int = 3
    carrier_mhz: float = 20.0
    spectral_efficiency: float = 1.6
    peak_mbps: float = 150.0
    max_carriers: int = 3
    carrier_capex: float = 150.0
    carrier_opex_per_year: float = 15.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.market_share <= 1.0:
            raise ValueError(f"market_share must be in [0, 1], got {self.market_share}")
        if self.sectors < 1 or self.max_carriers < 1:
            raise ValueError("sectors and max_carriers must be at least 1")
        if min(self.carrier_mhz, self.spectral_efficiency, self.peak_mbps) <= 0:
            raise ValueError("carrier_mhz, spectral_efficiency and peak_mbps must be positive")

    def toml_lines(self) -> list[str]:
        """The operator keys of ``[[operators]]``, with fixed decimals."""
        return [
            f"market_share = {self.market_share:.2f}",
            f"sectors = {self.sectors}",
            f"carrier_mhz = {self.carrier_mhz:g}",
            f"spectral_efficiency = {self.spectral_efficiency:g}",
            f"peak_mbps = {self.peak_mbps:g}",
            f"max_carriers = {self.max_carriers}",
            f"carrier_capex = {self.carrier_capex:g}",
            f"carrier_opex_per_year = {self.carrier_opex_per_year:g}",
        ]


@dataclass(frozen=True)
class DemandSpec:
    """``[demand]`` of a generated scenario.

    Attributes
    ----------
    carriers
        One :class:`CarrierSpec` per operator, in the order of the operators.
    subscriptions_per_100
        Mobile broadband subscriptions per 100 people (Plan 137's target: 85).
    monthly_gb
        Mobile data of one subscription per month, GB (10^9 bytes).
    busy_hour_share
        Share of a day's traffic carried in the busy hour.
    days_per_month
        Days over which the monthly traffic spreads.
    user_mbps
        Mean download rate users must get in the busy hour (Plan 137: 70).
    keep_service
        Every (hamlet, operator) pair covered today stays covered.
    """

    carriers: tuple[CarrierSpec, ...]
    subscriptions_per_100: float = 85.0
    monthly_gb: float = 12.0
    busy_hour_share: float = 0.08
    days_per_month: float = 30.0
    user_mbps: float = 70.0
    keep_service: bool = True

    def __post_init__(self) -> None:
        if sum(c.market_share for c in self.carriers) > 1.0 + 1e-9:
            raise ValueError("market shares add up to more than 1")
        if any(c.peak_mbps <= self.user_mbps for c in self.carriers):
            raise ValueError("every peak_mbps must exceed user_mbps")
        if not 0.0 < self.busy_hour_share <= 1.0 or self.monthly_gb < 0:
            raise ValueError("busy_hour_share must be in (0, 1] and monthly_gb >= 0")

    @property
    def busy_hour_mbps(self) -> float:
        """Mean busy-hour load of one subscription, Mb/s, rounded to 3 decimals."""
        megabits_per_day = self.monthly_gb * 8_000.0 / self.days_per_month
        return round(megabits_per_day * self.busy_hour_share / 3_600.0, 3)

    def summary(self) -> str:
        """One line for a scenario's description."""
        return (f"{self.subscriptions_per_100:g} subscriptions per 100 people, "
                f"{self.monthly_gb:g} GB a month each, {self.busy_hour_share:.0%} of a day's "
                f"traffic in the busy hour ({self.busy_hour_mbps:g} Mb/s), "
                f"{self.user_mbps:g} Mb/s per user")

    def toml_lines(self) -> list[str]:
        """The ``[demand]`` section (operator keys: :meth:`CarrierSpec.toml_lines`)."""
        return [
            "[demand]",
            f"subscriptions_per_100 = {self.subscriptions_per_100:g}",
            f"busy_hour_mbps = {self.busy_hour_mbps:g}",
            f"user_mbps = {self.user_mbps:g}",
            f"keep_service = {'true' if self.keep_service else 'false'}",
        ]


def vietnam_demand(operator_ids: tuple[str, ...] = tuple(VIETNAM_MARKET_SHARE)) -> DemandSpec:
    """Demand of a Vietnamese province today (Plan 137's 85 subscriptions per 100).

    Parameters
    ----------
    operator_ids
        Operators in scenario order; each must be one of :data:`VIETNAM_MARKET_SHARE`.

    Returns
    -------
    DemandSpec
        12 GB per subscription and month, 8% of a day's traffic in the busy
        hour (0.071 Mb/s), 70 Mb/s per user; one 20 MHz LTE carrier of 3
        sectors at 1.6 bit/s/Hz and 150 Mb/s peak (2x2 MIMO), up to 3 per
        tenancy, each added one 150 + 15/year (VND million).
    """
    unknown = [op for op in operator_ids if op not in VIETNAM_MARKET_SHARE]
    if unknown:
        raise ValueError(f"no Vietnamese market share for operators {unknown}")
    return DemandSpec(tuple(CarrierSpec(VIETNAM_MARKET_SHARE[op]) for op in operator_ids))


def demand_mbps(spec: DemandSpec, population: np.ndarray) -> np.ndarray:
    """(hamlets, operators) busy-hour demand D[i,k] the written ``[demand]`` declares."""
    subscriptions = np.asarray(population, dtype=float) * spec.subscriptions_per_100 / 100.0
    shares = np.array([c.market_share for c in spec.carriers])
    return np.outer(subscriptions, shares) * spec.busy_hour_mbps


def full_capacity_mbps(spec: DemandSpec) -> np.ndarray:
    """(operators,) what one tenancy carries at ``max_carriers``, Mb/s."""
    return np.array([
        c.max_carriers * c.sectors * c.carrier_mhz * c.spectral_efficiency
        * (1.0 - spec.user_mbps / c.peak_mbps)
        for c in spec.carriers
    ])


def capacity_shortfall(
    pair_hamlet: np.ndarray, pair_site: np.ndarray, demand: np.ndarray,
    site_capacity: float, num_sites: int, resolution: float = 0.01,
) -> np.ndarray:
    """Per hamlet, the demand no split over its reaching sites can carry.

    A maximum flow from the hamlets (their demand) through the (hamlet, site)
    pairs within reach to the sites (``site_capacity`` each). Amounts are
    counted in steps of ``resolution`` Mb/s, demand rounded up and capacity
    down, so a zero shortfall is a proof that everything fits.

    Parameters
    ----------
    pair_hamlet, pair_site
        The pairs within reach (equal lengths).
    demand
        (hamlets,) demand of one operator, Mb/s.
    site_capacity
        What each site carries, Mb/s.
    num_sites
        Number of sites (pair_site indexes them).

    Returns
    -------
    numpy.ndarray
        (hamlets,) Mb/s left over (0 where the demand fits).
    """
    num_hamlets = demand.size
    need = np.ceil(np.asarray(demand, dtype=float) / resolution).astype(np.int64)
    cap = int(math.floor(site_capacity / resolution))
    if need.sum() >= 2**31 // 2 or cap >= 2**31 // 2:
        raise ValueError("demand too large for the flow's 32-bit capacities: raise resolution")
    # Nodes: source 0, hamlets 1..H, sites H+1..H+J, sink H+J+1.
    sink = num_hamlets + num_sites + 1
    hamlets = np.flatnonzero(need > 0)
    sites = np.unique(pair_site)
    rows = np.concatenate((np.zeros(hamlets.size, np.int64), pair_hamlet + 1, sites + 1
                           + num_hamlets))
    cols = np.concatenate((hamlets + 1, pair_site + 1 + num_hamlets,
                           np.full(sites.size, sink)))
    caps = np.concatenate((need[hamlets], np.full(pair_hamlet.size, 2**30),
                           np.full(sites.size, cap))).astype(np.int32)
    graph = sparse.csr_matrix((caps, (rows, cols)), shape=(sink + 1, sink + 1))
    flow = maximum_flow(graph, 0, sink).flow.tocsr()
    sent = np.asarray(flow[0, 1:num_hamlets + 1].todense()).ravel()
    return np.maximum(need - sent, 0) * resolution
