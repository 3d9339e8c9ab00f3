"""New fibre after the plan: shared trenches for the built sites and FTTH.

``scenario-format.md`` (v2, ``[network]``): once the plan is chosen, new fibre
is laid as ONE tree on the graph, the fibre network counting as one node (a
Steiner tree, :mod:`btsopt.network.steiner`). Its terminals are the nodes of
the built candidates backhauled by fibre (``fibre_cost < microwave_capex``)
and of the hamlets that need fibre for ``ftth_target``. A tree's cost is its
edges' cost plus its terminals' drops.

Which hamlets need fibre: none when the hamlets with fibre today already meet
the target; every hamlet without it when the target is 1; otherwise the
cheapest to connect on their own (drop + least-cost path to today's fibre),
as many as the target asks. Hamlets that cannot reach fibre are left out
(reading warned about them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from btsopt.data import NetworkData, ProblemData
from btsopt.network.backhaul import fibre_distances
from btsopt.network.steiner import Graph, SteinerParams, SteinerResult, steiner_tree
from btsopt.plan import Plan


@dataclass(frozen=True, eq=False)
class ContractedGraph:
    """The network with today's fibre contracted to node 0 (the root).

    ``node_of`` maps each network node to its node here; ``edge_of`` maps each
    edge of ``graph`` to the network edge it stands for.
    """

    graph: Graph
    node_of: np.ndarray
    edge_of: np.ndarray

    @classmethod
    def of(cls, network: NetworkData) -> ContractedGraph:
        others = ~network.fibre_node
        node_of = np.zeros(network.num_nodes, dtype=np.int64)
        node_of[others] = 1 + np.arange(int(others.sum()))
        graph, edge_of = Graph.from_edges(
            1 + int(others.sum()), node_of[network.edge_from], node_of[network.edge_to],
            network.edge_cost)
        return cls(graph, node_of, edge_of)


@dataclass(frozen=True, eq=False)
class FibreTree:
    """One tree of new fibre and its drops.

    Attributes
    ----------
    steiner
        The tree on the contracted graph (edges, cost, lower bound).
    edges
        Network edges of the tree.
    site_drops, hamlet_drops
        The sites and hamlets it reaches by a drop.
    cost
        Edges plus drops.
    lower_bound
        Proven lower bound on any tree for the same terminals (edges + drops).
    km
        Length of new fibre: edges plus drops.
    """

    steiner: SteinerResult
    edges: np.ndarray
    site_drops: np.ndarray
    hamlet_drops: np.ndarray
    cost: float
    lower_bound: float
    km: float


@dataclass(frozen=True, eq=False)
class FibrePlan:
    """The fibre a plan needs: backhaul, FTTH and the shared tree.

    Attributes
    ----------
    built
        Built candidates (indices of sites).
    fibre_sites, microwave_sites
        Built candidates backhauled by fibre and by microwave.
    ftth_hamlets
        Hamlets the FTTH plan brings fibre to.
    unreachable_hamlets
        Hamlets without fibre that no path links to today's network.
    hamlets_with_fibre_before
        Hamlets with fibre today.
    backhaul_cost
        Sum of ``b_j`` over the built candidates.
    shared
        The one tree for the fibre sites and the FTTH hamlets.
    ftth
        The tree for the FTTH hamlets alone.
    """

    network: NetworkData
    built: np.ndarray
    fibre_sites: np.ndarray
    microwave_sites: np.ndarray
    ftth_hamlets: np.ndarray
    unreachable_hamlets: np.ndarray
    hamlets_with_fibre_before: int
    backhaul_cost: float
    shared: FibreTree
    ftth: FibreTree

    @property
    def hamlets_with_fibre_after(self) -> int:
        return self.hamlets_with_fibre_before + len(self.ftth_hamlets)

    @property
    def sharing_saving(self) -> float:
        """Fibre sites' ``b_j`` + the FTTH tree - the shared tree."""
        fibre_b = float(self.network.backhaul[self.fibre_sites].sum())
        return fibre_b + self.ftth.cost - self.shared.cost

    def summary(self) -> dict[str, Any]:
        """The ``ftth`` and ``backhaul`` keys of ``summary.json``."""
        return {
            "ftth": {
                "hamlets_with_fibre_before": self.hamlets_with_fibre_before,
                "hamlets_with_fibre_after": self.hamlets_with_fibre_after,
                "new_fibre_km": round(self.ftth.km, 3),
                "cost": self.ftth.cost,
                "target": self.network.ftth_target,
                "unreachable_hamlets": len(self.unreachable_hamlets),
            },
            "backhaul": {
                "fibre_sites": len(self.fibre_sites),
                "microwave_sites": len(self.microwave_sites),
                "cost": self.backhaul_cost,
                "tree_cost": self.shared.cost,
                "sharing_saving": self.sharing_saving,
                "tree_lower_bound": self.shared.lower_bound,
                "tree_new_fibre_km": round(self.shared.km, 3),
            },
        }


def ftth_hamlets(network: NetworkData, reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hamlets the FTTH plan connects, and the unreachable ones without fibre.

    ``reach`` is each hamlet's own cost to fibre (drop + least-cost path).
    """
    n = len(network.hamlet_ftth)
    without = ~network.hamlet_ftth
    unreachable = np.flatnonzero(without & ~np.isfinite(reach))
    candidates = np.flatnonzero(without & np.isfinite(reach))
    needed = max(0, math.ceil(network.ftth_target * n - 1e-9) - int(network.hamlet_ftth.sum()))
    if needed >= len(candidates):
        return candidates, unreachable
    order = np.lexsort((candidates, reach[candidates]))
    return np.sort(candidates[order[:needed]]), unreachable


def lay_tree(
    network: NetworkData, contracted: ContractedGraph, sites: np.ndarray,
    hamlets: np.ndarray, params: SteinerParams,
) -> FibreTree:
    """One least-cost tree from today's fibre to the nodes of ``sites`` and ``hamlets``."""
    site_nodes = contracted.node_of[network.site_node[sites]]
    hamlet_nodes = contracted.node_of[network.hamlet_node[hamlets]]
    terminals = np.unique(np.concatenate([[0], site_nodes, hamlet_nodes]).astype(np.int64))
    result = steiner_tree(contracted.graph, terminals, 0, params)
    drop_km = float(network.site_drop_km[sites].sum() + network.hamlet_drop_km[hamlets].sum())
    drops = drop_km * network.drop_cost_per_km
    edges = contracted.edge_of[result.edges]
    return FibreTree(
        steiner=result, edges=edges, site_drops=sites, hamlet_drops=hamlets,
        cost=result.cost + drops, lower_bound=result.lower_bound + drops,
        km=float(network.edge_length_km[edges].sum()) + drop_km,
    )


def fibre_plan(
    data: ProblemData, plan: Plan, params: SteinerParams | None = None
) -> FibrePlan | None:
    """Backhaul, FTTH and shared trenches of a plan; ``None`` without ``[network]``."""
    network = data.network
    if network is None:
        return None
    params = params or SteinerParams()
    active = np.asarray(plan.tenancies).any(axis=1)
    built = np.flatnonzero(active & ~data.sites.existing)
    fibre = built[network.fibre_sites[built]]
    microwave = built[~network.fibre_sites[built]]
    distance = fibre_distances(network.num_nodes, network.edge_from, network.edge_to,
                               network.edge_cost, network.fibre_node)
    reach = network.hamlet_drop_km * network.drop_cost_per_km + distance[network.hamlet_node]
    hamlets, unreachable = ftth_hamlets(network, reach)
    contracted = ContractedGraph.of(network)
    no_sites = np.zeros(0, dtype=np.int64)
    return FibrePlan(
        network=network, built=built, fibre_sites=fibre, microwave_sites=microwave,
        ftth_hamlets=hamlets, unreachable_hamlets=unreachable,
        hamlets_with_fibre_before=int(network.hamlet_ftth.sum()),
        backhaul_cost=float(network.backhaul[built].sum()),
        shared=lay_tree(network, contracted, fibre, hamlets, params),
        ftth=lay_tree(network, contracted, no_sites, hamlets, params),
    )
