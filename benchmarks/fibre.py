"""Fibre benchmarks: backhaul time, the shared tree against networkx's Mehlhorn.

Usage::

    python benchmarks/fibre.py backhaul SCENARIO.toml
    python benchmarks/fibre.py tree SCENARIO.toml [--time-limit S] [--plan PLAN.csv]
        [--target-gap G]

``backhaul`` reads the scenario (which builds the graph and computes every
site's b_j) and times the one multi-source Dijkstra alone. ``tree`` takes the
plan (solved with ``--time-limit``, or read from ``--plan``), makes the shared
tree's terminals (fibre-backhauled built sites and the FTTH hamlets) and
compares networkx's ``steiner_tree(method="mehlhorn")`` with
:func:`btsopt.network.steiner.steiner_tree` on the same terminals: cost, time
and the proven lower bound.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from btsopt import SolveParams, read_scenario, solve
from btsopt.network.backhaul import fibre_distances
from btsopt.network.fibre import ContractedGraph, ftth_hamlets
from btsopt.network.steiner import SteinerParams, networkx_mehlhorn, steiner_tree
from btsopt.plan import read_plan_csv


def backhaul(path: str) -> None:
    started = time.perf_counter()
    data = read_scenario(path)
    read_s = time.perf_counter() - started
    network = data.network
    started = time.perf_counter()
    fibre_distances(network.num_nodes, network.edge_from, network.edge_to, network.edge_cost,
                    network.fibre_node)
    dijkstra_s = time.perf_counter() - started
    candidates = ~data.sites.existing
    print(f"{data.describe()}")
    print(f"graph: {network.num_nodes:,} nodes, {len(network.edge_from):,} edges, "
          f"{int(network.fibre_node.sum()):,} on fibre")
    print(f"read_scenario (tables + graph + b_j): {read_s:.2f} s; multi-source Dijkstra "
          f"alone: {dijkstra_s:.3f} s")
    print(f"candidates: {int(candidates.sum()):,}, fibre-backhauled "
          f"{int((network.fibre_sites & candidates).sum()):,}, mean b_j "
          f"{float(network.backhaul[candidates].mean()):,.1f}")


def tree(path: str, time_limit: float, plan_path: str | None, target_gap: float) -> None:
    data = read_scenario(path)
    network = data.network
    if plan_path:
        plan = read_plan_csv(plan_path, data)
    else:
        plan = solve(data, SolveParams(time_limit=time_limit)).plan
    active = np.asarray(plan.tenancies).any(axis=1)
    built = np.flatnonzero(active & ~data.sites.existing)
    sites = built[network.fibre_sites[built]]
    distance = fibre_distances(network.num_nodes, network.edge_from, network.edge_to,
                               network.edge_cost, network.fibre_node)
    reach = network.hamlet_drop_km * network.drop_cost_per_km + distance[network.hamlet_node]
    hamlets, _ = ftth_hamlets(network, reach)
    contracted = ContractedGraph.of(network)
    graph = contracted.graph
    terminals = np.unique(np.concatenate([
        [0], contracted.node_of[network.site_node[sites]],
        contracted.node_of[network.hamlet_node[hamlets]]]).astype(np.int64))
    print(f"{data.describe()}")
    print(f"contracted graph: {graph.num_nodes:,} nodes, {graph.num_edges:,} edges; "
          f"terminals {len(terminals):,} ({len(sites)} fibre sites, {len(hamlets)} hamlets)")
    started = time.perf_counter()
    reference = graph.cost(np.flatnonzero(networkx_mehlhorn(graph, terminals)))
    nx_s = time.perf_counter() - started
    result = steiner_tree(graph, terminals, 0, SteinerParams(target_gap=target_gap))
    print(f"networkx mehlhorn: edges {reference:,.1f} in {nx_s:.1f} s")
    print(f"btsopt steiner_tree: edges {result.cost:,.1f} in {result.seconds:.1f} s "
          f"(start {result.start_cost:,.1f}, {result.moves} moves, {result.method}); "
          f"{1 - result.cost / reference:.3%} below networkx")
    print(f"lower bound {result.lower_bound:,.1f}: tree within "
          f"{result.cost / result.lower_bound - 1:.3%}, networkx within "
          f"{reference / result.lower_bound - 1:.3%}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("backhaul")
    b.add_argument("scenario")
    t = sub.add_parser("tree")
    t.add_argument("scenario")
    t.add_argument("--time-limit", type=float, default=60.0)
    t.add_argument("--plan")
    t.add_argument("--target-gap", type=float, default=SteinerParams().target_gap,
                   help="local search while the tree is this share above the bound")
    args = parser.parse_args(argv)
    if args.what == "backhaul":
        backhaul(args.scenario)
    else:
        tree(args.scenario, args.time_limit, args.plan, args.target_gap)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
