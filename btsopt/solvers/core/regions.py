"""Regional LPs: LP-quality multipliers for country-scale models.

The LP relaxation of a country (XL: 840,000 rows, 509,000 columns) takes
HiGHS many minutes, even over a core of 8 columns per row. But the
Lagrangian is a valid bound for *any* multipliers, so they may come from
many small LPs instead of one large one:

1. The hamlet rows are split into compact regions by recursive coordinate
   bisection of their positions (the mean of the sites that can serve them).
2. Each region's LP holds its own rows plus a halo (the rows its sites also
   serve), the core columns of its sites (the pairs of smallest Lagrangian
   increase per row and the incumbent's), each site's own rows,
   and the sharing target over the region's sites.
3. The duals of each region's own rows are the multipliers.

Covering LPs are highly dual-degenerate: two regions may charge a boundary
site's cost each to their own rows, so the regions' duals together overpay
it and the Lagrangian at them is weak (XL consolidation: 30.7 million).
Subgradient ascent started from them repairs that quickly (32.5 million in
90 s, against 31.0 million from its own start; the LP over a core of 8 pairs
per row, solved whole by HiGHS's interior point method in 135 s, is 32.56
million). The regions' LP solutions, put together by each site's home
region, guide the large-neighbourhood search.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from btsopt.data import ProblemData
from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core.lagrangian import LagrangianState, evaluate_relaxation
from btsopt.solvers.core.lns import site_columns
from btsopt.solvers.core.lp import relaxation_neighbourhood
from btsopt.solvers.core.settings import LpSettings, RegionsSettings, SubgradientSettings
from btsopt.solvers.core.structure import CoreStructure
from btsopt.solvers.highs import solve_lp_relaxation


@dataclass(frozen=True)
class Bisection:
    """A recursive coordinate bisection of points in the plane.

    ``cuts`` holds, per internal node in depth-first order, ``(axis,
    threshold, left parts)``; leaves are numbered left to right.
    """

    cuts: tuple[tuple[int, float, int], ...]
    parts: int

    def classify(self, points: np.ndarray) -> np.ndarray:
        """Region of each point (``points`` is ``(n, 2)``)."""
        labels = np.zeros(points.shape[0], dtype=np.int64)
        self._walk(points, np.arange(points.shape[0]), self.parts, 0, 0, labels)
        return labels

    def _walk(self, points, idx, parts, node, first_label, labels) -> None:
        if parts == 1:
            labels[idx] = first_label
            return
        axis, threshold, left_parts = self.cuts[node]
        left = points[idx, axis] <= threshold
        # Depth first: the left subtree's left_parts - 1 cuts come next.
        self._walk(points, idx[left], left_parts, node + 1, first_label, labels)
        self._walk(points, idx[~left], parts - left_parts, node + left_parts,
                   first_label + left_parts, labels)


def bisect(points: np.ndarray, parts: int) -> Bisection:
    """Cut ``points`` into ``parts`` regions of (nearly) equal counts, each cut
    across the longer side of its box (longitude scaled by the latitude)."""
    cuts: list[tuple[int, float, int]] = []

    def split(idx: np.ndarray, parts: int) -> None:
        if parts == 1:
            return
        left_parts = parts // 2
        xs, ys = points[idx, 0], points[idx, 1]
        scale = math.cos(math.radians(float(ys.mean()))) if idx.size else 1.0
        axis = 0 if idx.size and (np.ptp(xs) * scale >= np.ptp(ys)) else 1
        order = idx[np.argsort(points[idx, axis], kind="stable")]
        cut = int(round(order.size * left_parts / parts))
        if 0 < cut < order.size:
            threshold = 0.5 * (points[order[cut - 1], axis] + points[order[cut], axis])
        else:
            threshold = float(points[order[-1], axis]) if order.size else 0.0
        # Ties at the threshold go left; keep the counts that classify() gives.
        left = points[order, axis] <= threshold
        cuts.append((axis, float(threshold), left_parts))
        split(order[left], left_parts)
        split(order[~left], parts - left_parts)

    split(np.arange(points.shape[0]), parts)
    return Bisection(cuts=tuple(cuts), parts=parts)


@dataclass(frozen=True, eq=False)
class RegionalOutcome:
    """What the regional LPs give.

    Attributes
    ----------
    state
        The Lagrangian at the regions' duals.
    lp_values
        The regions' LP values put together (each site's columns from its
        home region).
    solved
        How many region LPs were solved.
    plan_pairs
        With ``plans``: the pairs (x columns) of the union of the regions'
        plans, which covers the rows of every region that gave a plan.
    """

    state: LagrangianState
    lp_values: np.ndarray
    solved: int
    plan_pairs: np.ndarray | None


class RegionalLp:
    """Region LPs of a country-scale model, and the multipliers they give."""

    def __init__(self, core: CoreStructure, model: SitingModel, data: ProblemData,
                 rows_per_region: int = RegionsSettings().rows_per_region) -> None:
        self.core, self.model = core, model
        linear = model.linear
        site_xy = np.column_stack([data.sites.lon[core.site], data.sites.lat[core.site]])
        cover = core.cover.tocoo()
        num_rows = core.cover.shape[0]
        # Rows x sites incidence (a row served by several operators of one site counts once).
        incidence = sparse.csr_matrix(
            (np.ones(cover.nnz), (cover.row, core.x_site[cover.col])),
            shape=(num_rows, core.num_sites))
        incidence.sum_duplicates()
        incidence.data[:] = 1.0
        row_xy = _mean_position(incidence, site_xy)
        site_cover = core.site_cover.tocsr()
        site_cover_xy = _mean_position(site_cover, site_xy)
        parts = max(1, int(round(num_rows / rows_per_region)))
        self.bisection = bisect(row_xy, parts)
        self.parts = parts
        self.row_label = self.bisection.classify(row_xy)
        self.site_cover_label = self.bisection.classify(site_cover_xy)
        self.site_cover = site_cover
        # Each site's home: the region of most of the rows it serves.
        counts = (incidence.T @ sparse.csr_matrix(
            (np.ones(num_rows), (np.arange(num_rows), self.row_label)),
            shape=(num_rows, parts))).toarray()
        self.site_home = np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)
        # Rows of single sites (linking, capacity, sharing indicator rows).
        col_site = site_columns(core, linear.num_cols)
        self.col_site = col_site
        matrix = linear.matrix.tocsr()
        local = np.ones(linear.num_rows, dtype=bool)
        local[model.coverage_rows] = False
        local[model.site_cover_rows] = False
        local[[r for r in (model.sharing_row, model.budget_row) if r >= 0]] = False
        lengths = np.diff(matrix.indptr)
        first_site = np.full(linear.num_rows, -1, dtype=np.int64)
        nonempty = lengths > 0
        first_site[nonempty] = col_site[matrix.indices[matrix.indptr[:-1][nonempty]]]
        local &= first_site >= 0
        self.local_rows = np.flatnonzero(local)
        self.local_site = first_site[self.local_rows]
        order = np.argsort(self.local_site, kind="stable")
        self.local_rows, self.local_site = self.local_rows[order], self.local_site[order]
        self.matrix = matrix
        share = np.zeros(linear.num_cols)
        if model.sharing_row >= 0:
            row = matrix.getrow(model.sharing_row)
            share[row.indices] = row.data
        self.share = share

    def multipliers(self, start: LagrangianState, core_pairs: np.ndarray, params: BackendParams,
                    deadline: float, plans: bool = False,
                    rounding_seconds: float = RegionsSettings().rounding_seconds,
                    integral_tolerance: float = LpSettings().integral_tolerance,
                    subgradient: SubgradientSettings | None = None) -> RegionalOutcome:
        """Solve the region LPs over the ``core_pairs`` (a mask of x columns)
        until ``deadline`` (``start``'s multipliers stay where a region was not
        solved); with ``plans``, each region's LP is rounded to a plan of its
        own within ``rounding_seconds`` (RENS, LP values within
        ``integral_tolerance`` of a whole number fixed). The Lagrangian at the
        regions' multipliers searches the sharing price as ``subgradient`` says."""
        core, linear = self.core, self.model.linear
        num_rows = core.cover.shape[0]
        u = start.u.copy()
        values = np.zeros(linear.num_cols)
        pair_mask = sparse.diags(core_pairs.astype(float))
        core_incidence = core.cover @ pair_mask  # rows x core pairs
        core_incidence.eliminate_zeros()
        row_sites = sparse.csr_matrix(
            (np.ones(core_incidence.nnz),
             (np.repeat(np.arange(num_rows), np.diff(core_incidence.indptr)),
              core.x_site[core_incidence.indices])),
            shape=(num_rows, core.num_sites))
        row_sites.sum_duplicates()
        site_rows = row_sites.T.tocsr()
        solved = 0
        num_x = core.x_site.size
        union = np.zeros(num_x, dtype=bool)
        for region in range(self.parts):
            if time.perf_counter() >= deadline or params.stop_requested:
                break
            own = self.row_label == region
            sites = np.unique(row_sites[own].indices)
            rows = np.unique(site_rows[sites].indices)  # own rows and the halo
            in_region = np.zeros(core.num_sites, dtype=bool)
            in_region[sites] = True
            cols = self._columns(in_region, core_pairs)
            site_cover_rows = self._site_cover_rows(in_region, region)
            local = self.local_rows[in_region[self.local_site]]
            model_rows = np.concatenate([
                self.model.coverage_rows.start + core.cover_rows[rows],
                self.model.site_cover_rows.start + site_cover_rows,
                local,
            ])
            block = self.matrix[model_rows][:, cols]
            row_lb, row_ub = linear.row_lb[model_rows], linear.row_ub[model_rows]
            if self.model.sharing_row >= 0:
                # The sharing target holds in each region: the global price is
                # then re-maximised for the regions' multipliers together.
                block = sparse.vstack([block, sparse.csr_matrix(self.share[cols][None, :])])
                row_lb, row_ub = np.append(row_lb, 0.0), np.append(row_ub, np.inf)
            sub = LinearModel(
                objective=linear.objective[cols], matrix=block.tocsr(), row_lb=row_lb,
                row_ub=row_ub, col_lb=linear.col_lb[cols],
                col_ub=linear.col_ub[cols], integer=linear.integer[cols],
            )
            remaining = deadline - time.perf_counter()
            # (0.01 s: HiGHS needs a positive limit; the deadline was checked
            # above, so it is not a knob.)
            relaxation = solve_lp_relaxation(
                sub, replace(params, time_limit=max(remaining, 0.01), progress=None, log=False,
                             workers=1))
            if relaxation is None or not relaxation.optimal:
                continue
            solved += 1
            duals = np.maximum(relaxation.row_duals, 0.0)
            own_rows = own[rows]
            u[rows[own_rows]] = duals[: rows.size][own_rows]
            own_site_cover = self.site_cover_label[site_cover_rows] == region
            u[num_rows + site_cover_rows[own_site_cover]] = duals[
                rows.size : rows.size + site_cover_rows.size][own_site_cover]
            home = self.site_home[self.col_site[cols]] == region
            values[cols[home]] = relaxation.col_values[home]
            if plans:
                # The region's own plan (RENS on its LP): every row is its own
                # region's, so the union of the plans covers every row.
                remaining = deadline - time.perf_counter()
                plan = relaxation_neighbourhood(sub, relaxation.col_values, replace(
                    params, workers=1), max(min(remaining, rounding_seconds), 0.01),
                    tolerance=integral_tolerance)
                if plan is not None:
                    is_x = cols < num_x
                    union[cols[is_x & (plan > 0.5)]] = True
        return RegionalOutcome(state=evaluate_relaxation(core, u, settings=subgradient),
                               lp_values=values,
                               solved=solved, plan_pairs=union if plans else None)

    def _columns(self, in_region: np.ndarray, core_pairs: np.ndarray) -> np.ndarray:
        """The region's core pairs, its sites' y and s columns, and any column
        the model forces (kept free so the region LP stays feasible)."""
        core, linear = self.core, self.model.linear
        site = self.col_site
        mask = np.zeros(linear.num_cols, dtype=bool)
        num_x = core.x_site.size
        mask[:num_x] = core_pairs & in_region[core.x_site]
        mask[core.y_col[in_region]] = True
        s = core.s_col[in_region]
        mask[s[s >= 0]] = True
        forced = (linear.col_lb > 0) & (site >= 0)
        forced[forced] = in_region[site[forced]]
        mask |= forced
        return np.flatnonzero(mask)

    def _site_cover_rows(self, in_region: np.ndarray, region: int) -> np.ndarray:
        """Site-cover rows of the region's own hamlets, and those whose sites
        all lie in the region."""
        block = self.site_cover
        inside = np.asarray(block @ in_region.astype(float)).ravel()
        total = np.diff(block.indptr)
        own = self.site_cover_label == region
        return np.flatnonzero((own & (inside > 0)) | ((inside == total) & (total > 0)))


def _mean_position(incidence: sparse.csr_matrix, site_xy: np.ndarray) -> np.ndarray:
    """Mean position of the sites in each row of a rows x sites 0/1 matrix."""
    counts = np.maximum(np.diff(incidence.indptr), 1)[:, None]
    return np.asarray(incidence @ site_xy) / counts
