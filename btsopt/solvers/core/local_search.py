"""Row-weighting local search over operator-site pairs.

A plan is a set of pairs (columns); a site's cost is paid once any of its
pairs is chosen, and a site may only hold the operator subsets its
``feasible`` row allows (tenant limits, fixed tenancies, policies). The
search is the weighted-cost form of Gao, Weise and Li's row-weighting local
search for set covering (RWLS, 2015):

* while the plan covers every row, record it if it is the cheapest yet and
  drop the pair that loses the least row weight per unit of cost saved;
* otherwise swap: drop such a pair, then add, for a random uncovered row,
  the pair that covers the most uncovered row weight per unit of cost among
  those whose configuration changed since they were dropped (configuration
  checking, which stops the search from cycling) and which keep the plan
  cheaper than the best; ties go to the pair left alone longest;
* every uncovered row's weight grows by one at each step, so rows that stay
  hard to cover pull the search towards them.

Every pair keeps its score (as in RWLS): the row weight it would newly cover
if added, or that only it keeps covered if chosen. A score changes only when
one of its rows crosses its demand (the pairs of that row are updated) or an
uncovered row's weight grows; a row covered once names its only coverer by
the XOR of its chosen pairs, so covering it twice costs one update, not a
scan. Picking a pair then reads one score instead of summing its rows: on
rail-shaped models (825 pairs a row) two to three times the moves a second,
with exactly the same moves (whole-number weights keep the sums exact). The
loop is compiled with numba (a measured need: on an scpnrh-shaped instance
127,000 moves a second compiled, 828 with numba's compiler off). It runs in chunks of moves so that Python can check the
clock and Ctrl-C between chunks, and draws from its own xorshift generator,
so a seed and a move count give the same plan on every run.

Its tolerances are float guards, not knobs: 1e-9 on costs (a plan is
cheaper only by more than rounding noise), 1e-12 and 1e12 for pairs that cost
nothing (their score is infinite in exact arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from btsopt.solvers.core.settings import LocalSearchSettings
from btsopt.solvers.core.stop import StoppingCriterion
from btsopt.solvers.core.structure import CoreStructure

try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; keep working without it
    numba = None


def _jit(function):
    """Compile with numba when it is there (lazily, on first call; cached on disk)."""
    return numba.njit(cache=True, nogil=True)(function) if numba is not None else function


@_jit
def _best_drop(col_cost, col_group, col_bit, group_cost, feasible, score, group_mask,
               group_count, stamp, sel_list, n_sel, exclude):
    """The chosen pair losing least row weight per unit of cost saved (-1: none may go)."""
    drop = -1
    drop_score = np.inf
    for t in range(n_sel):
        j = sel_list[t]
        if j == exclude:
            continue
        g = col_group[j]
        if not feasible[g, group_mask[g] & ~col_bit[j]]:
            continue
        saving = col_cost[j]
        if group_count[g] == 1:
            saving += group_cost[g]
        loss = score[j]
        ratio = loss / saving if saving > 1e-12 else (loss * 1e12 if loss > 0 else -1.0)
        if ratio < drop_score or (ratio == drop_score and stamp[j] < stamp[drop]):
            drop = j
            drop_score = ratio
    return drop


@_jit
def _best_add(row, row_ptr, row_cols, col_cost, col_group, col_bit, group_cost, feasible,
              state_x, score, group_mask, group_count, stamp, step, tenure):
    """The pair covering ``row`` with most uncovered weight per unit of cost (-1: none)."""
    add = -1
    add_score = -1.0
    for q in range(row_ptr[row], row_ptr[row + 1]):
        k = row_cols[q]
        if state_x[k] == 1 or stamp[k] > step - tenure:
            continue
        g = col_group[k]
        if not feasible[g, group_mask[g] | col_bit[k]]:
            continue
        price = col_cost[k]
        if group_count[g] == 0:
            price += group_cost[g]
        gain = score[k]
        ratio = gain / price if price > 1e-12 else gain * 1e12
        if ratio > add_score or (ratio == add_score and stamp[k] < stamp[add]):
            add = k
            add_score = ratio
    return add


@_jit
def _shift_row(i, chosen, delta, skip, row_ptr, row_cols, state_x, score):
    """Add ``delta`` to the score of the pairs of row ``i`` that are chosen
    (``chosen`` 1) or not (0), except ``skip``."""
    for q in range(row_ptr[i], row_ptr[i + 1]):
        k = row_cols[q]
        if state_x[k] == chosen and k != skip:
            score[k] += delta


@_jit
def _fresh_score(j, col_ptr, col_rows, demand, state_x, cov, weight):
    """Pair ``j``'s score from scratch: the weight of the rows it would newly
    cover (not chosen) or that it alone keeps covered (chosen)."""
    slack = state_x[j]  # a chosen pair counts the rows at their demand too
    total = 0.0
    for p in range(col_ptr[j], col_ptr[j + 1]):
        i = col_rows[p]
        if cov[i] < demand[i] + slack:
            total += weight[i]
    return total


@_jit
def _fresh_scores(col_ptr, col_rows, demand, state_x, cov, weight, score):
    for j in range(score.size):
        score[j] = _fresh_score(j, col_ptr, col_rows, demand, state_x, cov, weight)


@_jit
def _flip(j, on, step, row_ptr, row_cols, col_ptr, col_rows, demand, col_cost, col_group,
          col_bit, group_cost, state_x, cov, weight, score, row_xor, group_mask, group_count,
          stamp, unc_list, unc_pos, sel_list, sel_pos, counts):
    """Add (``on``) or drop pair ``j``; returns the change in cost.
    ``counts`` holds [uncovered rows, chosen pairs].

    Scores change only where a row crosses its demand: between demand - 1
    and demand for the pairs not chosen, between demand and demand + 1 for
    the chosen ones. For a row of demand 1 the second is the row's only
    coverer, the XOR of its chosen pairs (``row_xor``): no scan."""
    g = col_group[j]
    stamp[j] = step
    n_unc = counts[0]
    n_sel = counts[1]
    if on:
        delta = col_cost[j] + (group_cost[g] if group_count[g] == 0 else 0.0)
        state_x[j] = 1
        group_count[g] += 1
        group_mask[g] |= col_bit[j]
        sel_list[n_sel] = j
        sel_pos[j] = n_sel
        n_sel += 1
        for p in range(col_ptr[j], col_ptr[j + 1]):
            i = col_rows[p]
            cov[i] += 1
            if cov[i] == demand[i]:
                _shift_row(i, 0, -weight[i], j, row_ptr, row_cols, state_x, score)
                pos = unc_pos[i]
                last = unc_list[n_unc - 1]
                unc_list[pos] = last
                unc_pos[last] = pos
                unc_pos[i] = -1
                n_unc -= 1
            elif cov[i] == demand[i] + 1:
                if demand[i] == 1:
                    score[row_xor[i]] -= weight[i]
                else:
                    _shift_row(i, 1, -weight[i], j, row_ptr, row_cols, state_x, score)
            row_xor[i] ^= j
    else:
        delta = -col_cost[j] - (group_cost[g] if group_count[g] == 1 else 0.0)
        state_x[j] = 0
        group_count[g] -= 1
        group_mask[g] &= ~col_bit[j]
        pos = sel_pos[j]
        last = sel_list[n_sel - 1]
        sel_list[pos] = last
        sel_pos[last] = pos
        sel_pos[j] = -1
        n_sel -= 1
        for p in range(col_ptr[j], col_ptr[j + 1]):
            i = col_rows[p]
            cov[i] -= 1
            row_xor[i] ^= j
            if cov[i] == demand[i] - 1:
                _shift_row(i, 0, weight[i], j, row_ptr, row_cols, state_x, score)
                unc_list[n_unc] = i
                unc_pos[i] = n_unc
                n_unc += 1
            elif cov[i] == demand[i]:
                if demand[i] == 1:
                    score[row_xor[i]] += weight[i]
                else:
                    _shift_row(i, 1, weight[i], j, row_ptr, row_cols, state_x, score)
    score[j] = _fresh_score(j, col_ptr, col_rows, demand, state_x, cov, weight)
    counts[0] = n_unc
    counts[1] = n_sel
    return delta


@_jit
def _kernel(row_ptr, row_cols, col_ptr, col_rows, demand, col_cost, col_group, col_bit,
            group_cost, feasible, state_x, cov, weight, score, row_xor, group_mask,
            group_count, tenure, stamp, unc_list, unc_pos, sel_list, sel_pos, scalars, counts,
            rng_state, best_x, moves):
    """Run ``moves`` steps; ``scalars`` = [cost, best cost, step, moves since the best]."""
    cost = scalars[0]
    best_cost = scalars[1]
    step = int(scalars[2])
    stall = int(scalars[3])
    rng = rng_state[0]
    for _ in range(moves):
        step += 1
        stall += 1
        if counts[0] == 0:
            if cost < best_cost - 1e-9:
                best_cost = cost
                stall = 0
                best_x[:] = state_x
            # Feasible: drop a pair to look for a cheaper cover.
            j = _best_drop(col_cost, col_group, col_bit, group_cost, feasible, score,
                           group_mask, group_count, stamp, sel_list, counts[1], -1)
            if j < 0:
                break
            cost += _flip(j, False, step, row_ptr, row_cols, col_ptr, col_rows, demand,
                          col_cost, col_group, col_bit, group_cost, state_x, cov, weight, score,
                          row_xor, group_mask, group_count, stamp, unc_list, unc_pos, sel_list,
                          sel_pos, counts)
            continue
        # Add the best pair for a random uncovered row ...
        rng ^= rng << np.uint64(13)
        rng ^= rng >> np.uint64(7)
        rng ^= rng << np.uint64(17)
        row = unc_list[int(rng % np.uint64(counts[0]))]
        k = _best_add(row, row_ptr, row_cols, col_cost, col_group, col_bit, group_cost,
                      feasible, state_x, score, group_mask, group_count, stamp, step, tenure)
        if k >= 0:
            cost += _flip(k, True, step, row_ptr, row_cols, col_ptr, col_rows, demand,
                          col_cost, col_group, col_bit, group_cost, state_x, cov, weight, score,
                          row_xor, group_mask, group_count, stamp, unc_list, unc_pos, sel_list,
                          sel_pos, counts)
        # ... then drop pairs until the plan is cheaper than the best again.
        while cost >= best_cost - 1e-9 and counts[1] > 0:
            j = _best_drop(col_cost, col_group, col_bit, group_cost, feasible, score,
                           group_mask, group_count, stamp, sel_list, counts[1], k)
            if j < 0:
                break
            cost += _flip(j, False, step, row_ptr, row_cols, col_ptr, col_rows, demand,
                          col_cost, col_group, col_bit, group_cost, state_x, cov, weight, score,
                          row_xor, group_mask, group_count, stamp, unc_list, unc_pos, sel_list,
                          sel_pos, counts)
        # Every uncovered row weighs one more, in the score of each of its
        # pairs (chosen or not: an uncovered row is below its demand).
        for t in range(counts[0]):
            i = unc_list[t]
            weight[i] += 1.0
            for q in range(row_ptr[i], row_ptr[i + 1]):
                score[row_cols[q]] += 1.0
    if counts[0] == 0 and cost < best_cost - 1e-9:
        best_cost = cost
        stall = 0
        best_x[:] = state_x
    rng_state[0] = rng
    scalars[0] = cost
    scalars[1] = best_cost
    scalars[2] = step
    scalars[3] = stall


class KernelState(NamedTuple):
    """The compiled search's arguments but the move count, in its order
    (``_kernel(*state, moves)``); arrays the kernel updates in place."""

    row_ptr: np.ndarray
    row_cols: np.ndarray
    col_ptr: np.ndarray
    col_rows: np.ndarray
    demand: np.ndarray
    col_cost: np.ndarray
    col_group: np.ndarray
    col_bit: np.ndarray
    group_cost: np.ndarray
    feasible: np.ndarray
    state_x: np.ndarray
    cov: np.ndarray
    weight: np.ndarray
    score: np.ndarray
    row_xor: np.ndarray
    group_mask: np.ndarray
    group_count: np.ndarray
    tenure: int
    stamp: np.ndarray
    unc_list: np.ndarray
    unc_pos: np.ndarray
    sel_list: np.ndarray
    sel_pos: np.ndarray
    scalars: np.ndarray
    counts: np.ndarray
    rng_state: np.ndarray
    best_x: np.ndarray


def start(core: CoreStructure, chosen: np.ndarray, seed: int, tenure: int,
          columns: np.ndarray | None = None) -> tuple[KernelState, np.ndarray] | None:
    """The search's state at the cover ``chosen`` and the usable pairs (as
    x columns), or ``None`` if ``chosen`` is no cover. ``columns`` as in
    :func:`local_search`."""
    has = core.x_col >= 0
    full_x = np.zeros(core.x_site.size, dtype=np.int8)
    full_x[core.x_col[has]] = chosen[has]
    usable = np.ones(core.x_site.size, dtype=bool) if columns is None else columns | (full_x > 0)
    index = np.flatnonzero(usable)
    csc = core.cover.tocsc()[:, index]
    csr = csc.tocsr()
    num_rows, num_cols = csr.shape
    demand = np.ceil(core.demand - 1e-9).astype(np.int64)
    col_group = core.x_site[index].astype(np.int64)
    col_bit = (np.int64(1) << core.x_op[index].astype(np.int64)).astype(np.int64)
    col_cost = core.pair_cost[core.x_site[index], core.x_op[index]].astype(np.float64)
    group_cost = core.site_cost.astype(np.float64)
    feasible = core.feasible.astype(np.bool_)
    state_x = full_x[index]
    cov = (csr @ state_x.astype(np.float64)).round().astype(np.int64)
    group_mask = (chosen.astype(np.int64) * (np.int64(1) << np.arange(chosen.shape[1]))).sum(axis=1)
    group_count = chosen.sum(axis=1).astype(np.int64)
    if np.any(cov < demand):
        return None
    cost = float(col_cost @ state_x + group_cost[group_count > 0].sum())
    unc_list = np.zeros(num_rows, dtype=np.int64)
    unc_pos = np.full(num_rows, -1, dtype=np.int64)
    selected = np.flatnonzero(state_x).astype(np.int64)
    sel_list = np.zeros(num_cols, dtype=np.int64)
    sel_list[: selected.size] = selected
    sel_pos = np.full(num_cols, -1, dtype=np.int64)
    sel_pos[selected] = np.arange(selected.size)
    # xorshift64 state: any non-zero value; the seed picks it.
    rng_state = np.array([(0x9E3779B97F4A7C15 ^ (seed * 0xBF58476D1CE4E5B9)) % 2**64 or 1],
                         dtype=np.uint64)
    scalars = np.array([cost, cost, 0.0, 0.0])
    counts = np.array([0, selected.size], dtype=np.int64)
    best_x = state_x.copy()
    weight = np.ones(num_rows, dtype=np.float64)
    row_ptr, row_cols = csr.indptr.astype(np.int64), csr.indices.astype(np.int64)
    col_ptr, col_rows = csc.indptr.astype(np.int64), csc.indices.astype(np.int64)
    score = np.zeros(num_cols, dtype=np.float64)
    _fresh_scores(col_ptr, col_rows, demand, state_x, cov, weight, score)
    # Per row, the XOR of its chosen pairs: a row covered once names its coverer.
    row_xor = np.bitwise_xor.reduceat(
        np.append(np.where(state_x[row_cols] > 0, row_cols, 0), 0), row_ptr[:-1])
    row_xor[np.diff(row_ptr) == 0] = 0
    stamp = np.full(num_cols, -(10**9), dtype=np.int64)
    return KernelState(row_ptr, row_cols, col_ptr, col_rows, demand, col_cost, col_group,
                       col_bit, group_cost, feasible, state_x, cov, weight, score, row_xor,
                       group_mask, group_count, tenure, stamp, unc_list, unc_pos, sel_list,
                       sel_pos, scalars, counts, rng_state, best_x), index


def available() -> bool:
    """True when the compiled search can run (numba is installed)."""
    return numba is not None


def local_search(
    core: CoreStructure,
    chosen: np.ndarray,
    stop: StoppingCriterion | None = None,
    seed: int = 0,
    settings: LocalSearchSettings | None = None,
    columns: np.ndarray | None = None,
    on_chunk: Callable[[int, float], None] | None = None,
) -> np.ndarray | None:
    """Improve a cover ``chosen`` (sites x operators); the cheapest cover found,
    or ``None`` if none beat it.

    Sharing and budget rows are not seen here: the caller repairs and checks.

    Parameters
    ----------
    stop
        Asked between chunks of moves with ``(cost of chosen, -inf)``: a
        deadline, an interrupt (``None``: only the move limits end it).
    settings
        Move limits, tenure and chunk size.
    columns
        Boolean mask of the pairs (x columns) the search may use, e.g. a
        core of small Lagrangian reduced cost; the pairs of ``chosen`` are
        always usable. All pairs when omitted.
    on_chunk
        Called after each chunk with the moves made and the best cost
        found so far (a trace for benchmarks).
    """
    settings = settings if settings is not None else LocalSearchSettings()
    if numba is None or core.x_site.size == 0:
        return None
    prepared = start(core, chosen, seed, settings.tenure, columns)
    if prepared is None:
        return None
    state, index = prepared
    scalars = state.scalars
    start_cost = float(scalars[0])
    num_cols = index.size
    moves = 0
    stall_moves = settings.stall_moves or int(np.clip(
        settings.stall_moves_per_pair * num_cols, settings.min_stall_moves,
        settings.max_stall_moves))
    while moves < settings.max_moves:
        if stop is not None and stop(start_cost):
            break
        chunk = min(settings.chunk, settings.max_moves - moves)
        _kernel(*state, chunk)
        moves += chunk
        if on_chunk is not None:
            on_chunk(moves, float(scalars[1]))
        if scalars[3] >= stall_moves:
            break
    if scalars[1] >= start_cost - 1e-9:
        return None
    result = np.zeros(chosen.shape, dtype=bool)
    picked = index[np.flatnonzero(state.best_x)]
    result[core.x_site[picked], core.x_op[picked]] = True
    return result

