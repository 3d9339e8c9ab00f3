"""A lower bound for the capacitated model that counts carriers.

The bound without ``[demand]`` knows nothing of carriers. This one prices
capacity by a Lagrangian relaxation of the operators' capacity: for each
operator k, the demand its plan must carry fits in its tenancies' carriers,

    sum_i D[i,k] v[i,k]  <=  c_k sum_j n[j,k]  <=  c_k sum_j (m[j,k] x[j,k] + e[j,k]),

where m[j,k] = max(n0[j,k], 1) is what a tenancy carries for free (``e``'s
row in ``model.md``). Moved into the objective with a price tau_k >= 0 per
Mb/s and tau_k c_k at most a carrier's NPV (so that no carrier becomes
worth buying for its own sake), it leaves

* a constant tau_k D[i,k] for each pair (i, k) that every plan covers
  (keep_service: v = 1);
* on each tenancy (j, k): minus tau_k c_k m[j,k] (what its free carriers
  carry), plus tau_k times the demand it brings: v[i,k] >= x[j,k] for every
  j reaching i, so v[i,k] >= sum_j alpha[i,j,k] x[j,k] for any shares
  alpha >= 0 summing to at most 1 over j (here: in proportion to a plan's
  tenancies, so the demand is charged where plans put it).

What is left is the scenario without ``[demand]`` at these changed pair
costs, whose lower bound (the core's) plus the constant bounds the
capacitated optimum from below, for any tau in range. tau_k is the full
carrier price where the plan's tenancies of k leave demand over at their
free carriers (capacity is short: carriers or more tenancies must come) and
0 where they do not, scaled down where a pair's cost would go negative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from btsopt.model import SitingModel


@dataclass(frozen=True, eq=False)
class CarrierPrices:
    """The Lagrangian's prices and what they do to the model without ``[demand]``.

    Attributes
    ----------
    tau
        (operators,) price per Mb/s of each operator's capacity row.
    pair_delta
        Change of each ``x`` column's cost (in column order).
    constant
        What the kept pairs' demand adds to the bound.
    """

    tau: np.ndarray
    pair_delta: np.ndarray
    constant: float

    @property
    def active(self) -> bool:
        """Whether any price is above 0 (otherwise the bound is the plain one)."""
        return bool((self.tau > 0).any())

    def priced(self, plain: SitingModel) -> SitingModel:
        """``plain`` with the pair costs changed (same feasible set)."""
        level = plain.levels[-1]
        objective = level.objective.copy()
        objective[:self.pair_delta.size] += self.pair_delta
        return replace(plain, linear=plain.linear.with_objective(objective, level.offset),
                       levels=(replace(level, objective=objective),))


def carrier_prices(capacitated: SitingModel, plain: SitingModel, plan_x: np.ndarray,
                   scale: float = 1.0) -> CarrierPrices:
    """Prices for the capacity rows from a plan of the model without ``[demand]``.

    Parameters
    ----------
    capacitated
        The model with ``[demand]`` (its capacity columns give D, c, n0, the
        carrier prices and which pairs are kept).
    plain
        The model without ``[demand]``, with the same ``x`` columns first.
    plan_x
        That plan's ``x`` values (column order): where demand is charged, and
        whether an operator's capacity is short.
    scale
        tau_k as a share of the carrier price per Mb/s (0: no prices).
    """
    cap = capacitated.capacity
    assert cap is not None and capacitated.cover is not None
    num_x = int((plain.x_index >= 0).sum())
    xj, xk = np.nonzero(plain.x_index >= 0)
    order = np.argsort(plain.x_index[xj, xk])
    xj, xk = xj[order], xk[order]
    num_ops = cap.demand.shape[1]
    kept = np.zeros(cap.v_index.shape, dtype=bool)
    has_v = cap.v_index >= 0
    kept[has_v] = capacitated.linear.col_lb[cap.v_index[has_v]] > 0.5
    free = cap.capacity[xk] * np.maximum(cap.carriers_today[xj, xk], 1)
    reach = sparse.coo_matrix(capacitated.cover)
    k_of = xk[reach.col]
    brought = np.where(kept[reach.row, k_of], 0.0, cap.demand[reach.row, k_of])
    # alpha: each (hamlet, operator)'s demand shared over the tenancies reaching
    # it in proportion to the plan (a little on the others, so none is free).
    weight = np.clip(plan_x[reach.col], 0.0, 1.0) + 0.1
    total = np.zeros(cap.demand.shape)
    np.add.at(total, (reach.row, k_of), weight)
    load = np.bincount(reach.col, weights=brought * weight / total[reach.row, k_of],
                       minlength=num_x)
    kept_demand = (cap.demand * kept).sum(axis=0)
    on = plan_x > 0.5
    carried = np.bincount(xk[on], weights=free[on], minlength=num_ops)
    brought_by_plan = np.bincount(xk[on], weights=load[on], minlength=num_ops)
    short = kept_demand + brought_by_plan > carried
    carrier_price = capacitated.levels[-1].objective[cap.e_index[xj, xk]]
    tau = np.zeros(num_ops)
    cost = plain.levels[-1].objective[:num_x]
    for k in np.flatnonzero(short):
        mine = xk == k
        tau[k] = scale * carrier_price[mine].min() / cap.capacity[k]
        cut = free[mine] - load[mine]  # how much tau takes off each pair, per unit
        positive = cut > 0
        if positive.any():
            # No pair's cost below 0: the bound's core expects costs >= 0.
            tau[k] = min(tau[k], float((cost[mine][positive] / cut[positive]).min()))
        tau[k] = max(tau[k], 0.0)
    pair_delta = tau[xk] * (load - free)
    constant = float(tau @ kept_demand)
    return CarrierPrices(tau, pair_delta, constant)
