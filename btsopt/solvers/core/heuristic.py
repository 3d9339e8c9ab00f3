"""Primal heuristics: greedy cover, redundancy removal, sharing repair.

They work on the per-site structure: a boolean (sites x operators) matrix of
installed pairs plus token counts. The greedy is Chvatal's ratio rule with
lazy re-scoring (a heap of stale scores re-checked on pop); the costs it
ranks by may be the true costs or Lagrangian-adjusted ones, which is how the
multipliers steer it toward the core of the problem.

Their tolerances are float guards, not knobs: a row is open while its need
exceeds 1e-9, and a popped score is stale only when it grew by more than 1e-12.
"""

from __future__ import annotations

import heapq

import numpy as np

from btsopt.solvers.core.structure import CoreStructure


def _subset_index(chosen: np.ndarray) -> np.ndarray:
    """Index into ``core.subsets`` of each site's operator set."""
    weights = 1 << np.arange(chosen.shape[1])
    return (chosen.astype(np.int64) * weights).sum(axis=1)


def _initial(core: CoreStructure) -> np.ndarray:
    """Fixed pairs, plus the cheapest subset for sites that must be active."""
    chosen = np.zeros(core.x_col.shape, dtype=bool)
    empty_ok = core.feasible[:, 0]
    for n in np.flatnonzero(~empty_ok):
        feasible = np.flatnonzero(core.feasible[n])
        if feasible.size == 0:
            continue
        costs = core.site_cost[n] + core.subsets[feasible].astype(float) @ core.pair_cost[n]
        chosen[n] = core.subsets[feasible[np.argmin(costs)]]
    return chosen


def _can_take(core: CoreStructure, n: int, row: np.ndarray) -> bool:
    return bool(core.feasible[n, _subset_index(row[None, :])[0]])


def greedy_cover(core: CoreStructure, multipliers: np.ndarray | None = None,
                 start: np.ndarray | None = None) -> np.ndarray | None:
    """Cover every row, best pair per newly covered row first.

    Parameters
    ----------
    start
        Pairs (sites x operators) to start from, each site's set allowed
        (the greedy then covers what they leave open).
    multipliers
        Lagrangian multipliers (cover rows, then site-cover rows). Without
        them a pair is ranked by cost per newly covered row (Chvatal); with
        them by its reduced cost ``gamma`` over the rows still open, as in
        Caprara-Fischetti-Toth: ``gamma / gain`` when positive, else
        ``gamma * gain``.
    """
    chosen = _initial(core)
    if start is not None:
        chosen |= start
    csc = core.cover.tocsc()
    need = core.demand.copy()
    has = core.x_col >= 0
    x = np.zeros(core.x_site.size)
    x[core.x_col[has]] = chosen[has]
    need -= core.cover @ x
    pair_rank = core.pair_cost[core.x_site, core.x_op]
    site_rank = core.site_cost
    u_cover = None
    if multipliers is not None:
        u_cover = multipliers[: core.cover.shape[0]]
        site_rank = core.site_cost - core.site_cover.T @ multipliers[core.cover.shape[0] :]
    active = chosen.any(axis=1)

    def score(col: int) -> float:
        rows = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
        open_rows = rows[need[rows] > 1e-9]
        gain = open_rows.size
        if gain == 0:
            return np.inf
        site = core.x_site[col]
        gamma = pair_rank[col] + (0.0 if active[site] else site_rank[site])
        if u_cover is None:
            return max(gamma, 0.0) / gain
        gamma -= float(u_cover[open_rows].sum())
        return gamma / gain if gamma > 0 else gamma * gain

    heap = [(score(c), c) for c in range(core.x_site.size) if x[c] < 0.5]
    heap = [item for item in heap if np.isfinite(item[0])]
    heapq.heapify(heap)
    # Counted, not re-scanned: a scan of every row per pop took 80% of the
    # greedy on a country-scale model (hundreds of thousands of rows).
    open_count = int(np.count_nonzero(need > 1e-9))
    while open_count:
        if not heap:
            return None
        old, col = heapq.heappop(heap)
        if x[col] > 0.5:
            continue
        new = score(col)
        if not np.isfinite(new):
            continue
        if new > old + 1e-12:
            heapq.heappush(heap, (new, col))
            continue
        site, op = core.x_site[col], core.x_op[col]
        trial = chosen[site].copy()
        trial[op] = True
        if not _can_take(core, site, trial):
            continue
        was_active = active[site]
        chosen[site] = trial
        active[site] = True
        x[col] = 1.0
        rows = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
        was_open = need[rows] > 1e-9
        need[rows] -= 1
        open_count -= np.unique(rows[was_open & (need[rows] <= 1e-9)]).size
        if not was_active:
            # The site's other pairs just got cheaper: re-rank them.
            for other in core.x_col[site]:
                if other >= 0 and x[other] < 0.5:
                    s = score(int(other))
                    if np.isfinite(s):
                        heapq.heappush(heap, (s, int(other)))
    return chosen


def remove_redundant(core: CoreStructure, chosen: np.ndarray) -> np.ndarray:
    """Drop pairs (dearest first) whose rows stay covered without them."""
    chosen = chosen.copy()
    csc = core.cover.tocsc()
    has = core.x_col >= 0
    x = np.zeros(core.x_site.size)
    x[core.x_col[has]] = chosen[has]
    covered = core.cover @ x
    cols = np.flatnonzero(x > 0.5)
    saving = core.pair_cost[core.x_site[cols], core.x_op[cols]]
    # A site's last pair also saves the site: rank by what removal could save.
    saving = saving + core.site_cost[core.x_site[cols]] / np.maximum(
        chosen[core.x_site[cols]].sum(axis=1), 1
    )
    for col in cols[np.argsort(-saving, kind="stable")]:
        rows = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
        if np.any(covered[rows] - 1 < core.demand[rows] - 1e-9):
            continue
        site, op = core.x_site[col], core.x_op[col]
        trial = chosen[site].copy()
        trial[op] = False
        if not _can_take(core, site, trial):
            continue
        chosen[site] = trial
        covered[rows] -= 1
    return chosen


def repair_sharing(core: CoreStructure, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Reach the sharing target at least cost: co-locations on active single-tenant
    sites, then tokens, cheapest per unit of ``q S - p Y`` first."""
    tokens = np.zeros(core.token_col.size)
    if not core.q:
        return chosen, tokens
    chosen = chosen.copy()
    size = chosen.sum(axis=1)
    shared = (size >= 2) & (core.s_col >= 0)
    deficit = core.p * int((size >= 1).sum()) - core.q * int(shared.sum())
    if deficit <= 0:
        return chosen, tokens
    # Candidate actions: (cost per unit, units, kind, index).
    actions: list[tuple[float, float, str, int]] = []
    single = np.flatnonzero((size == 1) & (core.s_col >= 0))
    best_add = np.full(single.size, np.inf)
    best_op = np.full(single.size, -1)
    for op in range(chosen.shape[1]):
        trial = chosen[single].copy()
        trial[:, op] = True
        ok = core.feasible[single, _subset_index(trial)] & ~chosen[single, op]
        cost = np.where(ok, core.pair_cost[single, op], np.inf)
        better = cost < best_add
        best_add[better], best_op[better] = cost[better], op
    for idx in np.flatnonzero(np.isfinite(best_add)):
        actions.append((best_add[idx] / core.q, core.q, "colocate", int(idx)))
    for t in range(core.token_col.size):
        if core.token_coef[t] > 0 and core.token_ub[t] > 0:
            actions.append((core.token_cost[t] / core.token_coef[t], core.token_coef[t], "token", t))
    actions.sort(key=lambda a: (a[0], a[2], a[3]))
    for _, units, kind, idx in actions:
        if deficit <= 0:
            break
        if kind == "colocate":
            chosen[single[idx], best_op[idx]] = True
            deficit -= units
        else:
            take = min(core.token_ub[idx], np.ceil(deficit / units))
            tokens[idx] = take
            deficit -= take * units
    if deficit > 0:
        return None
    return chosen, tokens


def plan_cost(core: CoreStructure, chosen: np.ndarray, tokens: np.ndarray) -> float:
    """Objective of a choice (with the model's constant)."""
    active = chosen.any(axis=1)
    return float(
        core.site_cost[active].sum() + (core.pair_cost * chosen).sum()
        + core.token_cost @ tokens + core.offset
    )


def construct(core: CoreStructure, multipliers: np.ndarray | None = None,
              start: np.ndarray | None = None):
    """Greedy cover (from the pairs ``start``, if given), redundancy removal,
    sharing repair: ``(chosen, tokens, cost)``, or ``None`` if it fails."""
    chosen = greedy_cover(core, multipliers, start)
    if chosen is None:
        return None
    chosen = remove_redundant(core, chosen)
    repaired = repair_sharing(core, chosen)
    if repaired is None:
        return None
    chosen, tokens = repaired
    return chosen, tokens, plan_cost(core, chosen, tokens)
