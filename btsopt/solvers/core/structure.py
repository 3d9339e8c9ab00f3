"""The site-by-site structure of a :class:`SitingModel`, as the core sees it.

Relaxing the coverage rows and the sharing row leaves one tiny problem per
site: which subset T of operators to install. With K operators there are
2**K subsets, so every site's best choice is a row minimum over a small
(sites x subsets) matrix — the whole Lagrangian subproblem is a handful of
numpy operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from btsopt.data import ProblemData
from btsopt.model import SitingModel
from btsopt.model.reduction import SHARE_NEW
from btsopt.solvers.core.settings import ScaleSettings


@dataclass(frozen=True, eq=False)
class CoreStructure:
    """Per-site view of a model whose coverage rows are plain covers.

    Modelled sites are those with a ``y`` column; index ``n`` below runs over them.

    Attributes
    ----------
    site : (n,) data site index.
    y_col, s_col : (n,) columns of y and s (``-1``: no s).
    x_col : (n, K) column of x (``-1``: pair not modelled).
    site_cost : (n,) cost of y.
    pair_cost : (n, K) cost of x (0 where not modelled).
    subsets : (M, K) membership of the 2**K operator subsets.
    feasible : (n, M) subsets a site may take on its own.
    cover : CSR coverage rows x x-columns; ``demand`` their right-hand sides.
    cover_rows : per cover row, its row in the model (offset in ``model.coverage_rows``).
    cover_row_of : (model coverage rows,) the cover row that implies each of the
        model's coverage rows (the rows no other row implies are kept).
    site_cover : CSR site-cover rows (some covering site active) x modelled sites.
    x_site, x_op : per x column, its modelled site and operator.
    token_cost, token_coef, token_ub, token_col : aggregated sharing tokens.
    p, q : sharing target p/q (``q == 0``: no sharing row).
    """

    site: np.ndarray
    y_col: np.ndarray
    s_col: np.ndarray
    x_col: np.ndarray
    site_cost: np.ndarray
    pair_cost: np.ndarray
    subsets: np.ndarray
    feasible: np.ndarray
    cover: sparse.csr_matrix
    demand: np.ndarray
    cover_rows: np.ndarray
    cover_row_of: np.ndarray
    site_cover: sparse.csr_matrix
    site_demand: np.ndarray
    x_site: np.ndarray
    x_op: np.ndarray
    token_cost: np.ndarray
    token_coef: np.ndarray
    token_ub: np.ndarray
    token_col: np.ndarray
    p: int
    q: int
    offset: float

    @property
    def num_sites(self) -> int:
        return self.site.size

    @property
    def size(self) -> np.ndarray:
        """Tenants in each subset."""
        return self.subsets.sum(axis=1)

    def chosen_from_values(self, values: np.ndarray) -> np.ndarray:
        """Installed pairs (sites x operators) of a column vector: the inverse
        of :meth:`values_from_choice` on the x part."""
        chosen = np.zeros(self.x_col.shape, dtype=bool)
        has = self.x_col >= 0
        chosen[has] = values[self.x_col[has]] > 0.5
        return chosen

    def values_from_choice(self, choice: np.ndarray, tokens: np.ndarray, num_cols: int) -> np.ndarray:
        """Full column vector for a subset per site and token counts."""
        values = np.zeros(num_cols)
        chosen = self.subsets[choice]  # (n, K)
        has = self.x_col >= 0
        values[self.x_col[has]] = chosen[has]
        size = chosen.sum(axis=1)
        values[self.y_col] = size >= 1
        with_s = self.s_col >= 0
        values[self.s_col[with_s]] = size[with_s] >= 2
        values[self.token_col] = tokens
        return values


def core_structure(model: SitingModel, data: ProblemData,
                   max_overlaps: int = ScaleSettings().max_row_overlaps,
                   max_operators: int = ScaleSettings().max_operators) -> CoreStructure | None:
    """Extract the per-site structure, or ``None`` when the model is not of that form.

    The core needs plain cover rows (no partial or soft coverage, no
    k-of-K rules with auxiliary columns, no soft sharing) and at most
    ``max_operators`` operators (each site gets a row of 2**K subsets). Rows
    implied by others are dropped when the row overlaps number at most
    ``max_overlaps`` (see :func:`implying_rows`).
    """
    if not model.plain_coverage or len(model.levels) != 1:
        return None
    linear = model.linear
    num_ops = data.num_operators
    if num_ops > max_operators:
        return None
    modelled = np.flatnonzero(model.y_index >= 0)
    y_col = model.y_index[modelled]
    s_col = model.s_index[modelled]
    x_col = model.x_index[modelled]
    cost = linear.objective
    has = x_col >= 0
    pair_cost = np.where(has, cost[np.where(has, x_col, 0)], 0.0)
    site_cost = cost[y_col]
    # Forced pairs: fixed by the model, or the only pair that can serve some
    # hamlet (every plan holds them).
    cover_rows = linear.matrix[model.coverage_rows].tocsr()
    single = (np.diff(cover_rows.indptr) == 1) & (linear.row_lb[model.coverage_rows] > 0.5)
    forced_pair = linear.col_lb > 0.5
    forced_pair[cover_rows.indices[cover_rows.indptr[:-1][single]]] = True
    fixed = has & forced_pair[np.where(has, x_col, 0)]
    forced = linear.col_lb[y_col] > 0.5

    subsets = ((np.arange(2**num_ops)[:, None] >> np.arange(num_ops)[None, :]) & 1).astype(bool)
    size = subsets.sum(axis=1)
    allowed = ~(subsets[None, :, :] & ~has[:, None, :]).any(axis=2)
    keeps_fixed = ~(fixed[:, None, :] & ~subsets[None, :, :]).any(axis=2)
    within_cap = size[None, :] <= data.sites.max_tenants[modelled][:, None]
    feasible = allowed & keeps_fixed & within_cap
    feasible[forced, 0] = False
    policy = data.policy
    if policy.allow_decommission and not policy.allow_relocation:
        # A site's existing tenancies go only together with the whole site.
        must = data.tenancies[modelled] & has
        together = ~(must[:, None, :] & ~subsets[None, :, :]).any(axis=2)
        feasible &= together | (size[None, :] == 0)

    num_x = int((model.x_index >= 0).sum())
    block = linear.matrix[model.coverage_rows]
    if block.shape[0] and block[:, num_x:].nnz:
        return None
    cover = block[:, :num_x].tocsr()
    demand = linear.row_lb[model.coverage_rows].astype(float)
    representative = implying_rows(cover, demand, max_overlaps)
    kept = np.flatnonzero(representative == np.arange(representative.size))
    position = np.full(representative.size, -1, dtype=np.int64)
    position[kept] = np.arange(kept.size)
    cover, demand = cover[kept], demand[kept]
    x_site = np.empty(num_x, dtype=np.int64)
    x_op = np.empty(num_x, dtype=np.int64)
    rows_n, cols_k = np.nonzero(has)
    x_site[x_col[rows_n, cols_k]] = rows_n
    x_op[x_col[rows_n, cols_k]] = cols_k

    site_block = linear.matrix[model.site_cover_rows].tocsc()
    y_position = np.full(linear.num_cols, -1, dtype=np.int64)
    y_position[y_col] = np.arange(y_col.size)
    site_coo = site_block.tocoo()
    if site_coo.nnz and np.any(y_position[site_coo.col] < 0):
        return None
    site_cover = sparse.csr_matrix(
        (site_coo.data, (site_coo.row, y_position[site_coo.col])),
        shape=(site_block.shape[0], y_col.size),
    )
    ratio = model.ratio
    p, q = (ratio.numerator, ratio.denominator) if model.sharing_row >= 0 else (0, 0)
    groups = model.token_groups
    token_coef = np.array(
        [q - (p if g.kind == SHARE_NEW else 0) for g in groups], dtype=float
    )
    return CoreStructure(
        site=modelled, y_col=y_col, s_col=s_col, x_col=x_col, site_cost=site_cost,
        pair_cost=pair_cost, subsets=subsets, feasible=feasible, cover=cover,
        demand=demand, cover_rows=kept, cover_row_of=position[representative], site_cover=site_cover,
        site_demand=linear.row_lb[model.site_cover_rows].astype(float), x_site=x_site, x_op=x_op,
        token_cost=cost[model.token_index].astype(float), token_coef=token_coef,
        token_ub=linear.col_ub[model.token_index].astype(float),
        token_col=model.token_index, p=int(p), q=int(q), offset=float(linear.offset),
    )



def implying_rows(cover: sparse.csr_matrix, demand: np.ndarray,
                  max_overlaps: int = 20_000_000) -> np.ndarray:
    """Per cover row, a row that implies it and that no other row implies
    (the row itself when none does).

    A row that asks for one of a set of pairs is implied by a row asking for
    one of a subset of them (every plan meeting the smaller row meets the
    larger): dropping it changes no plan's feasibility, and the Lagrangian,
    the greedy and the local search all get fewer rows. Of identical rows the
    first is kept. Only rows with demand 1 take part; the check is skipped
    (every row maps to itself) when the row-overlap matrix would be too large.

    The implying row chosen is the shortest (then the first): nothing implies
    it, since a row implying it would imply the longer row as well.
    """
    rows = cover.shape[0]
    representative = np.arange(rows)
    unit = np.abs(demand - 1.0) < 1e-9  # float guard (demands are whole numbers)
    if rows < 2 or not unit.any():
        return representative
    pattern = cover.copy()
    pattern.data = np.ones_like(pattern.data)
    pattern = pattern[unit]
    col_counts = np.diff(pattern.tocsc().indptr)
    if float(col_counts.astype(np.float64) @ col_counts) > max_overlaps:
        return representative
    overlap = (pattern @ pattern.T).tocoo()
    length = np.diff(pattern.indptr)
    i, j, shared = overlap.row, overlap.col, overlap.data
    # Row i is implied by row j when j's pairs all lie in i (shared == |j|),
    # j != i, and j is strictly smaller or an identical earlier row.
    implied = (i != j) & (np.abs(shared - length[j]) < 0.5) & (
        (length[j] < length[i]) | (j < i)
    )
    i, j = i[implied], j[implied]
    order = np.lexsort((j, length[j], i))  # per i, the shortest then first j
    i, j = i[order], j[order]
    first = np.ones(i.size, dtype=bool)
    first[1:] = i[1:] != i[:-1]
    unit_rows = np.flatnonzero(unit)
    representative[unit_rows[i[first]]] = unit_rows[j[first]]
    return representative


def undominated_rows(cover: sparse.csr_matrix, demand: np.ndarray,
                     max_overlaps: int = 20_000_000) -> np.ndarray:
    """Indices of the cover rows that no other row implies (see :func:`implying_rows`)."""
    representative = implying_rows(cover, demand, max_overlaps)
    return np.flatnonzero(representative == np.arange(representative.size))
