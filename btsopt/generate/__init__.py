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

The package is split by job: :mod:`~btsopt.generate.params` (parameters and
presets), :mod:`~btsopt.generate.geometry` (outline and sampling),
:mod:`~btsopt.generate.build` (hamlets, sites, dead spots, candidates),
:mod:`~btsopt.generate.write` (files), :mod:`~btsopt.generate.demand`
(``[demand]``: market shares, traffic, carriers), :mod:`~btsopt.generate.network`
(``[network]``: roads, poles, ducts, fibre, FTTH), :mod:`~btsopt.generate.facts`
(measuring a written scenario) and :mod:`~btsopt.generate.set_cover`
(OR-Library-shaped set covering). The command line is ``btsopt generate``
(:mod:`btsopt.cli.generate`).
"""

from btsopt.generate.demand import VIETNAM_MARKET_SHARE, CarrierSpec, DemandSpec, vietnam_demand
from btsopt.generate.facts import scenario_facts
from btsopt.generate.geometry import region_area_km2, region_polygon
from btsopt.generate.network import NetworkSpec, make_road_network, write_road_network
from btsopt.generate.params import (
    FAMILY_SIZES,
    NAM_DINH_COMPANIONS,
    VARIANTS,
    GeneratorParams,
    OperatorSpec,
    Town,
    family_params,
    nam_dinh,
    nam_dinh_companions,
    with_demand,
    with_network,
)
from btsopt.generate.set_cover import (
    cycle_instance,
    generate_set_cover,
    location_instance,
    rail_instance,
    write_orlib,
)
from btsopt.generate.write import (
    generate_command,
    generate_family,
    generate_scenario,
    write_companions,
)

__all__ = [
    "FAMILY_SIZES",
    "NAM_DINH_COMPANIONS",
    "VARIANTS",
    "VIETNAM_MARKET_SHARE",
    "CarrierSpec",
    "DemandSpec",
    "GeneratorParams",
    "NetworkSpec",
    "OperatorSpec",
    "Town",
    "family_params",
    "generate_command",
    "generate_family",
    "generate_scenario",
    "generate_set_cover",
    "cycle_instance",
    "location_instance",
    "rail_instance",
    "write_orlib",
    "make_road_network",
    "nam_dinh",
    "nam_dinh_companions",
    "region_area_km2",
    "region_polygon",
    "scenario_facts",
    "vietnam_demand",
    "with_demand",
    "with_network",
    "write_companions",
    "write_road_network",
]
