"""Exact reductions that remove the symmetry of "sharing-only" decisions.

In a brownfield province most co-location choices matter only through the
shared-site count: a new tenancy on an existing single-tenant site whose
coverage nobody needs changes nothing but the cost and S (+1). Every such
site is interchangeable with every other of the same cost, which leaves a
branch-and-bound search with millions of equivalent plans. We replace them
by *sharing tokens*: one integer column per distinct cost counting how many
such sites to share (type A: S+1), and likewise for unused sites that would
be built or lit only to be shared (type B: S+1 and Y+1). The reduction is
exact when costs are non-negative: a site's best use for the ratio is its
cheapest way of becoming shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

SHARE_EXISTING, SHARE_NEW = "share-existing", "share-new"


@dataclass(frozen=True, eq=False)
class TokenGroup:
    """Interchangeable sites that can each be made shared at the same cost.

    Attributes
    ----------
    kind
        ``share-existing`` (an active site gains a tenant: S+1) or
        ``share-new`` (an idle site gets two tenants: S+1, Y+1).
    cost
        NPV cost of one token.
    sites
        Site indices, in the order tokens are handed out.
    operators
        Per site, the operator indices to install (one or two).
    """

    kind: str
    cost: float
    sites: np.ndarray
    operators: tuple[tuple[int, ...], ...]


def relevant_pairs(
    cover_by_op: list[sparse.csc_matrix],
    fixed: np.ndarray,
    need: np.ndarray,
    has_c: np.ndarray,
) -> np.ndarray:
    """(sites x operators) mask of pairs that can help some coverage row.

    A pair is relevant when it covers a hamlet whose rule is not already met
    by tenancies that cannot go (or whose coverage is counted by ``c``).
    """
    num_ops = len(cover_by_op)
    fixed_count = np.column_stack(
        [np.asarray(cover_by_op[k] @ fixed[:, k].astype(np.int32)).ravel() > 0
         for k in range(num_ops)]
    ) if num_ops else np.zeros((need.size, 0), dtype=bool)
    served = fixed_count.sum(axis=1)
    unmet = served < need
    relevant = np.zeros(fixed.shape, dtype=bool)
    for k in range(num_ops):
        # Hamlets where one more operator-k column could count toward a row.
        wanted = has_c | (unmet & ~fixed_count[:, k] & (need > 0))
        hits = cover_by_op[k].T @ wanted.astype(np.int32)
        relevant[:, k] = np.asarray(hits).ravel() > 0
    return relevant


def find_token_groups(
    *,
    usable: np.ndarray,
    fixed: np.ndarray,
    existing: np.ndarray,
    relevant: np.ndarray,
    forced_active: np.ndarray,
    locked_in: np.ndarray,
    max_tenants: np.ndarray,
    pair_cost: np.ndarray,
    site_cost: np.ndarray,
    sharing: bool,
) -> tuple[list[TokenGroup], np.ndarray, np.ndarray]:
    """Sites whose decisions reduce to tokens, and the pairs and sites removed.

    Returns
    -------
    groups
        Token groups (empty when there is no sharing target).
    removed_pairs
        (sites x operators) mask of pairs no longer modelled explicitly.
    removed_sites
        Sites whose ``y`` and ``s`` columns are no longer modelled.
    """
    new_pairs = usable & ~fixed
    fixed_tenants = fixed.sum(axis=1)
    any_relevant_new = (relevant & new_pairs).any(axis=1)
    had_tenants = existing.any(axis=1)
    all_fixed = fixed_tenants == existing.sum(axis=1)
    # Type A: active for good, tenants all fixed, no new pair helps coverage.
    type_a = forced_active & (fixed_tenants >= 1) & ~any_relevant_new & all_fixed
    # Type B: idle unless chosen, nothing there to keep, no pair helps coverage.
    type_b = (
        ~forced_active & ~had_tenants & ~locked_in & usable.any(axis=1)
        & ~(relevant & usable).any(axis=1)
    )
    removed_pairs = np.zeros_like(usable)
    removed_pairs[type_a] = new_pairs[type_a]
    removed_pairs[type_b] = usable[type_b]
    removed_sites = type_b.copy()

    groups: dict[tuple[str, float], list[tuple[int, tuple[int, ...]]]] = {}
    if sharing:
        costs = np.where(new_pairs, pair_cost, np.inf)
        order = np.argsort(costs, axis=1, kind="stable")
        for j in np.flatnonzero(type_a & (fixed_tenants == 1) & (max_tenants >= 2)):
            best = int(order[j, 0])
            if np.isfinite(costs[j, best]):
                groups.setdefault((SHARE_EXISTING, float(costs[j, best])), []).append((j, (best,)))
        free_costs = np.where(usable, pair_cost, np.inf)
        free_order = np.argsort(free_costs, axis=1, kind="stable")
        for j in np.flatnonzero(type_b & (max_tenants >= 2)):
            first, second = int(free_order[j, 0]), int(free_order[j, 1]) if usable.shape[1] > 1 else -1
            if second < 0 or not np.isfinite(free_costs[j, second]):
                continue
            cost = float(site_cost[j] + free_costs[j, first] + free_costs[j, second])
            groups.setdefault((SHARE_NEW, cost), []).append((j, (first, second)))
    token_groups = [
        TokenGroup(
            kind=kind, cost=cost, sites=np.array([j for j, _ in members], dtype=np.int64),
            operators=tuple(ops for _, ops in members),
        )
        for (kind, cost), members in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return token_groups, removed_pairs, removed_sites
