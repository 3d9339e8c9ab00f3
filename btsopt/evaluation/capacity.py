"""The evaluator's own check of carriers and capacity (``[demand]``).

Written from the text of ``scenario-format.md`` ("[demand]") and sharing no
code with the model: wherever operator k covers hamlet i, k's whole demand
D[i, k] must be carried by k's outcome tenancies that reach i, in any split,
each tenancy carrying at most its carriers x c_k. Whether such a split exists
is a maximum flow per operator: source -> hamlet i (capacity D[i, k]) ->
each tenancy of k reaching i -> sink (capacity n x c_k); the demand fits
exactly when the flow carries all of it.

Two ways to solve it. First a fast path: an integer max flow (Dinic's
algorithm, ``scipy.sparse.csgraph.maximum_flow``) in units of
``unit_mbps``, with every demand rounded up and every capacity rounded down
to whole units. When it carries all the (rounded-up) demand, scaling each
hamlet's flow back to its true demand gives a split within the true
capacities: the demand certainly fits, and that is the verdict. Only when it
does not carry it all (the plan may not fit, or only the rounding is in the
way) is the flow solved exactly as its linear program (HiGHS through scipy),
which names the operator and the Mb/s left over. On Nam Định's ``[demand]``
plan the LPs took about 5 s, the integer flows a few hundredths of that;
networkx's preflow-push took 30 s.

Loads: a tenancy's load is what it carries over its capacity. The split of a
hamlet's demand among tenancies is not unique; the one reported is one
feasible split: tenancies that can carry every hamlet they reach carry them
(see :func:`_absorbed`), the rest is split with the highest load among the
rest minimised when it fits (on the fast path by bisection on a common load
cap, to within ``2 ** -LOAD_BISECTIONS``; after the LP by a second small LP).
The verdict (fits or not, Mb/s left over) does not depend on the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from btsopt.data import Demand, ProblemData

_FIT_TOL_MBPS = 1e-6
"""Mb/s per covered hamlet that may stay unplaced (solver round-off), not a violation."""

_MAX_NAMED = 10

FLOW_UNIT_MBPS = 1e-3
"""Unit of the fast path's integer max flow (1 kb/s): demand is rounded up and
capacity down to whole units, so a tenancy loses less than a unit of room. The
unit grows where the demand would otherwise overflow 32-bit capacities."""

LOAD_BISECTIONS = 12
"""Halvings of the load cap when the fast path balances a split that fits."""

_MAX_UNITS = 2**31 - 1  # csgraph's capacities are 32-bit integers


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
) -> tuple[float, np.ndarray, np.ndarray]:
    """Max flow of one operator, and its split: value, Mb/s per (hamlet, site) pair, and
    per hamlet the Mb/s left unplaced (a token amount on the bottleneck's other hamlets).

    ``hamlets``/``sites`` are the (hamlet, site) pairs where the operator's
    outcome tenancy on the site reaches the covered hamlet; ``demand`` and
    ``capacity`` are indexed by hamlet and by site. The bipartite max flow is
    solved as its linear program (a transportation problem: HiGHS through
    scipy, exact for a network matrix). When everything fits, the split
    returned is one that minimises the highest load.
    """
    if hamlets.size == 0:
        return 0.0, np.zeros(0), np.zeros(demand.shape)
    h_ids, h_row = np.unique(hamlets, return_inverse=True)
    s_ids, s_row = np.unique(sites, return_inverse=True)
    m = hamlets.size
    by_hamlet = sparse.csr_matrix((np.ones(m), (h_row, np.arange(m))), shape=(h_ids.size, m))
    by_site = sparse.csr_matrix((np.ones(m), (s_row, np.arange(m))), shape=(s_ids.size, m))
    need, room = demand[h_ids], capacity[s_ids]
    # Max flow: maximise sum f, each hamlet sends at most its demand, each tenancy
    # takes at most its capacity.
    result = linprog(-np.ones(m), A_ub=sparse.vstack([by_hamlet, by_site]),
                     b_ub=np.r_[need, room], bounds=(0, None), method="highs")
    flow = np.maximum(result.x, 0.0)
    value = float(flow.sum())
    unplaced = np.zeros(demand.shape)
    unplaced[h_ids] = np.maximum(need - by_hamlet @ flow, 0.0)
    short = unplaced[h_ids] > _FIT_TOL_MBPS
    if short.any():
        # The bottleneck: hamlets whose demand could move to the same full
        # tenancies (reachable from a short hamlet in the residual graph: hamlet ->
        # any tenancy it reaches -> any hamlet that sends that tenancy flow).
        n_h, n_s = h_ids.size, s_ids.size
        moved = flow > _FIT_TOL_MBPS
        residual = sparse.csr_matrix(
            (np.ones(m + int(moved.sum()) + int(short.sum())),
             (np.r_[h_row, n_h + s_row[moved], np.full(int(short.sum()), n_h + n_s)],
              np.r_[n_h + s_row, h_row[moved], np.flatnonzero(short)])),
            shape=(n_h + n_s + 1, n_h + n_s + 1),
        )
        reached = breadth_first_order(residual, n_h + n_s, return_predecessors=False)
        unplaced[h_ids[reached[reached < n_h]]] = np.maximum(
            unplaced[h_ids[reached[reached < n_h]]], 2 * _FIT_TOL_MBPS)
    if value >= need.sum() - _FIT_TOL_MBPS * h_ids.size:
        # It fits: the split with the least highest load (t = that load).
        balanced = linprog(
            np.r_[np.zeros(m), 1.0],
            A_ub=sparse.hstack([by_site, sparse.csr_matrix(-room.reshape(-1, 1))]),
            b_ub=np.zeros(s_ids.size),
            A_eq=sparse.hstack([by_hamlet, sparse.csr_matrix((h_ids.size, 1))]), b_eq=need,
            bounds=(0, None), method="highs",
        )
        if balanced.status == 0:
            flow = np.maximum(balanced.x[:m], 0.0)
    return value, flow, unplaced


def _absorbed(
    demand: np.ndarray, hamlets: np.ndarray, sites: np.ndarray, capacity: np.ndarray,
) -> np.ndarray:
    """Per (hamlet, site) pair, the Mb/s fixed by a safe reduction before the LP.

    A tenancy that can carry the whole demand of every hamlet it reaches
    carries it (a hamlet reached by several such goes to the first in site
    order): moving those hamlets' flow onto it frees capacity elsewhere, so
    some max flow does the same. Its hamlets and it then leave the problem,
    and the rule is applied again. On a plan with room to spare this leaves
    little or nothing for the LP.
    """
    fixed = np.zeros(hamlets.size)
    open_pair = np.ones(hamlets.size, dtype=bool)
    while open_pair.any():
        reach = np.bincount(sites[open_pair], weights=demand[hamlets[open_pair]],
                            minlength=capacity.size)
        absorbing = np.zeros(capacity.size, dtype=bool)
        absorbing[sites[open_pair]] = True
        absorbing &= reach <= capacity * (1 + 1e-12)
        takes = open_pair & absorbing[sites]
        if not takes.any():
            break
        # One absorbing tenancy per hamlet: the first pair in (hamlet, site) order.
        order = np.flatnonzero(takes)
        order = order[np.lexsort((sites[order], hamlets[order]))]
        first = order[np.r_[True, hamlets[order][1:] != hamlets[order][:-1]]]
        fixed[first] = demand[hamlets[first]]
        done = np.zeros(demand.size, dtype=bool)
        done[hamlets[first]] = True
        open_pair &= ~done[hamlets] & ~absorbing[sites]
    return fixed


def _integer_flow(
    need_units: np.ndarray, h_row: np.ndarray, s_row: np.ndarray, room_units: np.ndarray,
) -> tuple[int, np.ndarray]:
    """Integer max flow source -> hamlet -> tenancy -> sink (Dinic's algorithm).

    ``need_units`` and ``room_units`` are whole units per hamlet and per
    tenancy (rows of ``h_row`` and ``s_row``); returns the value and the
    units on each (hamlet, tenancy) pair.
    """
    n_h, n_s, m = need_units.size, room_units.size, h_row.size
    sink = n_h + n_s + 1
    graph = sparse.csr_array(
        (np.r_[need_units, need_units[h_row], room_units].astype(np.int32),
         (np.r_[np.zeros(n_h, dtype=np.int64), 1 + h_row, 1 + n_h + np.arange(n_s)],
          np.r_[1 + np.arange(n_h), 1 + n_h + s_row, np.full(n_s, sink)])),
        shape=(sink + 1, sink + 1),
    )
    result = maximum_flow(graph, 0, sink, method="dinic")
    pair_units = np.asarray(result.flow[1 + h_row, 1 + n_h + s_row]).reshape(m)
    return int(result.flow_value), pair_units.astype(np.int64)


def integer_flow_fits(
    demand: np.ndarray, hamlets: np.ndarray, sites: np.ndarray, capacity: np.ndarray,
    *, unit_mbps: float = FLOW_UNIT_MBPS, balance: bool = True,
) -> tuple[float, np.ndarray | None]:
    """The fast path: an integer max flow with demand rounded up, capacity down.

    Parameters
    ----------
    demand, hamlets, sites, capacity
        As for :func:`max_flow_split`.
    unit_mbps
        The flow's unit; raised where the total demand would overflow 32 bits.
    balance
        When it fits, bisect a common load cap on the tenancies so that the
        split returned has (nearly) the least highest load.

    Returns
    -------
    value, flow
        The integer flow's value in Mb/s (units x unit: within (hamlets +
        tenancies) units of the exact max flow); and, when that flow carries
        every hamlet's rounded-up demand, Mb/s on each pair: each hamlet's
        units scaled to its true demand, so within every true capacity.
        ``None`` when it does not carry it all (the demand may still fit).
    """
    if hamlets.size == 0:
        return 0.0, np.zeros(0)
    h_ids, h_row = np.unique(hamlets, return_inverse=True)
    s_ids, s_row = np.unique(sites, return_inverse=True)
    need, room = demand[h_ids], np.maximum(capacity[s_ids], 0.0)
    unit = max(unit_mbps, float(need.sum()) / (_MAX_UNITS // 2))
    # The safe way: round demand up and room down, then correct the float division
    # where it rounded the wrong way.
    need_units = np.ceil(need / unit)
    need_units += need_units * unit < need
    room_units = np.minimum(np.floor(room / unit), _MAX_UNITS)
    room_units -= (room_units * unit > room) & (room_units > 0)
    need_units, room_units = need_units.astype(np.int64), room_units.astype(np.int64)
    total = int(need_units.sum())
    value, pair_units = _integer_flow(need_units, h_row, s_row, room_units)
    if value < total:
        return value * unit, None
    if balance and s_ids.size > 1:
        # The least common load cap t (a share of each room) that still carries it all.
        low, high = min(total / max(int(room_units.sum()), 1), 1.0), 1.0
        for _ in range(LOAD_BISECTIONS):
            middle = (low + high) / 2
            capped, units = _integer_flow(need_units, h_row, s_row,
                                          np.floor(room_units * middle).astype(np.int64))
            if capped == total:
                high, pair_units = middle, units
            else:
                low = middle
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(need_units > 0, need / need_units, 0.0)
    return float(need.sum()), pair_units * scale[h_row]


def max_flow_split(
    demand: np.ndarray, hamlets: np.ndarray, sites: np.ndarray, capacity: np.ndarray,
    *, reduce: bool = True, unit_mbps: float = FLOW_UNIT_MBPS, fast: bool = True,
) -> tuple[float, np.ndarray, np.ndarray]:
    """One operator's max flow from hamlets to the tenancies reaching them.

    Parameters
    ----------
    demand
        Mb/s per hamlet (indexed by hamlet number).
    hamlets, sites
        The (hamlet, site) reach pairs of the operator's tenancies, each pair once.
    capacity
        Mb/s per site (indexed by site number).
    reduce
        Fix the tenancies that can carry all they reach first (fast); without
        it, a split that fits has the least highest load over all tenancies.
    unit_mbps
        Unit of the fast path's integer flow (see :func:`integer_flow_fits`).
    fast
        Try the integer flow first and solve the LP only when it does not
        carry all the demand; ``False`` always solves the LP.

    Returns
    -------
    value, flow, unplaced
        Mb/s carried in all; Mb/s on each pair; per hamlet, Mb/s left over
        (a token amount on the other hamlets of a bottleneck).
    """
    fixed = (_absorbed(demand, hamlets, sites, capacity) if reduce
             else np.zeros(hamlets.size))
    done = np.zeros(demand.size, dtype=bool)
    done[hamlets[fixed > 0]] = True
    left = ~done[hamlets]
    room = np.maximum(capacity - np.bincount(sites, weights=fixed, minlength=capacity.size),
                      0.0)
    rest = None
    if fast:
        value, rest = integer_flow_fits(demand, hamlets[left], sites[left], room,
                                        unit_mbps=unit_mbps)
        unplaced = np.zeros(demand.shape)
    if rest is None:
        value, rest, unplaced = _operator_flow(demand, hamlets[left], sites[left], room)
    flow = fixed.copy()
    flow[left] = rest
    return value + float(fixed.sum()), flow, unplaced


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
        mine = np.flatnonzero((op_of == k) & (d[hamlet_of, k] > 0))
        capacity = np.maximum(carriers[:, k], 0) * c[k]
        value, flow, unplaced = max_flow_split(d[:, k], hamlet_of[mine], site_of[mine],
                                               capacity)
        np.add.at(carried[:, k], site_of[mine], flow)
        np.add.at(served[:, k], hamlet_of[mine], flow)
        needed = float(d[covering[:, k], k].sum())
        unmet[k] = max(needed - value, 0.0)
        if unmet[k] > _FIT_TOL_MBPS * max(int(covering[:, k].sum()), 1):
            stuck = np.flatnonzero(unplaced > _FIT_TOL_MBPS)
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
