"""The evaluator's own check of carriers and capacity (``[demand]``).

Written from the text of ``scenario-format.md`` ("[demand]") and sharing no
code with the model: wherever operator k covers hamlet i, k's whole demand
D[i, k] must be carried by k's outcome tenancies that reach i, in any split,
each tenancy carrying at most its carriers x c_k. Whether such a split exists
is a maximum flow per operator (networkx): source -> hamlet i (capacity
D[i, k]) -> each tenancy of k reaching i -> sink (capacity n x c_k); the
demand fits exactly when the flow carries all of it.

Loads: a tenancy's load is what it carries in the flow found, over its
capacity. The split of a hamlet's demand among tenancies is not unique, so
the load is one feasible split (the flow's), not the least-loaded one; the
verdict (fits or not, Mb/s left over) does not depend on the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from btsopt.data import Demand, ProblemData

_SCALE = 10**9
"""Flows are computed on whole numbers of 1e-9 Mb/s: exact arithmetic in networkx."""

_FIT_TOL_MBPS = 1e-6
"""Mb/s per covered hamlet that may stay unplaced (solver round-off), not a violation."""

_MAX_NAMED = 10


@dataclass(frozen=True, eq=False)
class CapacityCheck:
    """Carriers, loads and capacity verdict of one plan.

    Attributes
    ----------
    carriers
        (sites x operators) carriers of each outcome tenancy (0 elsewhere).
    carriers_added
        (sites x operators) carriers paid for: beyond those of today (the
        first carrier of a new tenancy comes with its tenancy).
    carried_mbps
        (sites x operators) Mb/s each tenancy carries in the flow found.
    tenancy_load
        (sites x operators) carried / (carriers x c_k); NaN where no tenancy.
    served_mbps
        (hamlets x operators) demand carried (the whole D[i, k] wherever it
        fits; less where the flow falls short).
    unmet_mbps
        (operators,) covered demand that no split fits into the capacities.
    demand
        The spec's ``demand`` keys (see :func:`check_capacity`).
    violations
        Broken capacity rules, in words.
    """

    carriers: np.ndarray
    carriers_added: np.ndarray
    carried_mbps: np.ndarray
    tenancy_load: np.ndarray
    served_mbps: np.ndarray
    unmet_mbps: np.ndarray
    demand: dict[str, Any]
    violations: tuple[str, ...]


def _operator_flow(
    demand: np.ndarray, hamlets: np.ndarray, sites: np.ndarray, capacity: np.ndarray,
) -> tuple[float, dict[Any, dict[Any, int]], set[Any]]:
    """Max flow of one operator: value (Mb/s), flow per edge, source side of a min cut.

    ``hamlets``/``sites`` are the (hamlet, site) pairs where the operator's
    outcome tenancy on the site reaches the covered hamlet; ``demand`` and
    ``capacity`` are indexed by hamlet and by site.
    """
    graph = nx.DiGraph()
    for i in np.unique(hamlets):
        graph.add_edge("s", ("h", int(i)), capacity=round(demand[i] * _SCALE))
    for i, j in zip(hamlets.tolist(), sites.tolist(), strict=True):
        graph.add_edge(("h", i), ("t", j))  # no capacity attribute: unbounded
    for j in np.unique(sites):
        graph.add_edge(("t", int(j)), "t", capacity=round(capacity[j] * _SCALE))
    if graph.number_of_nodes() == 0:
        return 0.0, {}, set()
    residual = nx.algorithms.flow.preflow_push(graph, "s", "t")
    value = residual.graph["flow_value"]
    flows = {u: {v: attr["flow"] for v, attr in residual[u].items() if attr["flow"] > 0}
             for u in graph}
    # Source side of the minimum cut: reachable from s in the residual graph.
    reach = {"s"}
    stack = ["s"]
    while stack:
        u = stack.pop()
        for v, attr in residual[u].items():
            if v not in reach and attr["flow"] < attr["capacity"]:
                reach.add(v)
                stack.append(v)
    return value / _SCALE, flows, reach


def _carriers_added(demand: Demand, x: np.ndarray, carriers: np.ndarray) -> np.ndarray:
    """Carriers paid for: n - 1 - max(today - 1, 0) on outcome tenancies, at least 0."""
    free = 1 + np.maximum(demand.carriers_today - 1, 0)
    return np.where(x, np.maximum(carriers - free, 0), 0)


def _count_summary(subscriptions: float, served: float, added: int, load: float) -> dict:
    return {
        "subscriptions": float(subscriptions),
        "served_subscriptions": float(served),
        "served_share": float(served / subscriptions) if subscriptions > 0 else 1.0,
        "carriers_added": int(added),
        "max_load": float(load),
    }


def check_capacity(
    data: ProblemData,
    x: np.ndarray,
    carriers: np.ndarray,
    covering: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> CapacityCheck:
    """Check a plan's carriers and capacity, and measure what it serves.

    Parameters
    ----------
    data
        The problem; ``data.demand`` must be set.
    x
        (sites x operators) outcome tenancies.
    carriers
        (sites x operators) carriers of each outcome tenancy.
    covering
        (hamlets x operators): operator k covers hamlet i in the outcome.
    pairs
        (hamlet, site, operator) triples: outcome tenancy (site, operator)
        reaches the hamlet.

    Returns
    -------
    CapacityCheck
        ``demand`` holds ``subscriptions`` (of the scenario's operators:
        subscriptions x their market shares), ``served_subscriptions``
        (carried demand over busy_hour_mbps, so a shortfall serves fewer),
        ``served_share``, ``carriers_added``, ``max_load`` (0 with no
        tenancy), and ``operators``: the same per operator id.
    """
    demand = data.demand
    assert demand is not None, "check_capacity needs a scenario with [demand]"
    ops, sites_ids = data.operators, data.sites.ids
    d = demand.demand_mbps
    c = demand.carrier_capacity_mbps
    carriers = np.where(x, carriers, 0)
    violations: list[str] = []

    for j, k in zip(*np.nonzero(x & (carriers < 1)), strict=True):
        violations.append(f"tenancy of {ops[k].id} on site {sites_ids[j]} has "
                          f"{carriers[j, k]} carriers (at least 1)")
    for j, k in zip(*np.nonzero(carriers > demand.max_carriers[None, :]), strict=True):
        violations.append(f"tenancy of {ops[k].id} on site {sites_ids[j]} has "
                          f"{carriers[j, k]} carriers, above max_carriers "
                          f"({demand.max_carriers[k]})")

    hamlet_of, site_of, op_of = pairs
    carried = np.zeros(x.shape)
    served = np.zeros(d.shape)
    unmet = np.zeros(len(ops))
    for k in range(len(ops)):
        mine = op_of == k
        capacity = np.maximum(carriers[:, k], 0) * c[k]
        value, flows, cut = _operator_flow(d[:, k], hamlet_of[mine], site_of[mine], capacity)
        for (kind, j), out in ((u, f) for u, f in flows.items() if isinstance(u, tuple)):
            if kind == "t":
                carried[j, k] = out.get("t", 0) / _SCALE
        for v, amount in flows.get("s", {}).items():
            served[v[1], k] = amount / _SCALE
        needed = float(d[covering[:, k], k].sum())
        unmet[k] = max(needed - value, 0.0)
        if unmet[k] > _FIT_TOL_MBPS * max(int(covering[:, k].sum()), 1):
            stuck = sorted(v[1] for v in cut if isinstance(v, tuple) and v[0] == "h")
            names = ", ".join(data.hamlets.ids[i] for i in stuck[:_MAX_NAMED])
            more = f" and {len(stuck) - _MAX_NAMED} more" if len(stuck) > _MAX_NAMED else ""
            violations.append(
                f"operator {ops[k].id}: {unmet[k]:.6g} Mb/s of the demand it covers does not "
                f"fit its tenancies' capacity (hamlets {names}{more})"
            )
        else:
            served[covering[:, k], k] = d[covering[:, k], k]

    with np.errstate(invalid="ignore", divide="ignore"):
        load = np.where(x, carried / (carriers * c[None, :]), np.nan)
    load = np.where(x & (carriers * c[None, :] <= 0), np.nan, load)
    added = _carriers_added(demand, x, carriers)

    # Subscriptions served: the carried share of each covered pair's demand.
    shares = np.outer(demand.subscriptions, demand.market_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(d > 0, served / d, covering.astype(float))
    served_subscriptions = (shares * np.clip(fraction, 0.0, 1.0)).sum(axis=0)

    def peak(values: np.ndarray) -> float:
        values = values[np.isfinite(values)]
        return float(values.max()) if values.size else 0.0

    per_operator = {
        op.id: _count_summary(shares[:, k].sum(), served_subscriptions[k],
                              added[:, k].sum(), peak(load[:, k]))
        for k, op in enumerate(ops)
    }
    summary = _count_summary(shares.sum(), served_subscriptions.sum(), added.sum(),
                             peak(load))
    summary["operators"] = per_operator
    return CapacityCheck(
        carriers=carriers,
        carriers_added=added,
        carried_mbps=carried,
        tenancy_load=load,
        served_mbps=served,
        unmet_mbps=unmet,
        demand=summary,
        violations=tuple(violations),
    )


def lost_service(data: ProblemData, covering: np.ndarray,
                 covering_today: np.ndarray) -> list[str]:
    """keep_service: (hamlet, operator) pairs covered today that the plan leaves uncovered."""
    lost = covering_today & ~covering
    messages = []
    for k in np.flatnonzero(lost.any(axis=0)):
        hamlets = np.flatnonzero(lost[:, k])
        names = ", ".join(data.hamlets.ids[i] for i in hamlets[:_MAX_NAMED])
        more = f" and {len(hamlets) - _MAX_NAMED} more" if len(hamlets) > _MAX_NAMED else ""
        messages.append(
            f"keep_service: operator {data.operators[k].id} no longer covers "
            f"{len(hamlets)} hamlets it covers today ({names}{more})"
        )
    return messages
