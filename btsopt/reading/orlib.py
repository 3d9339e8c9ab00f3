"""OR-Library set-covering files read into a one-operator :class:`ProblemData`.

Two layouts are read, told apart by their content (not by the file name):

* **row format** (``scp*``)::

      m n
      c_1 ... c_n                 # column costs
      for each row i: k_i j_1 ... j_k_i   # columns covering row i (1-based)

* **column format** (``rail*``)::

      m n
      for each column j: c_j k_j i_1 ... i_k_j   # cost, count, rows (1-based)

Line breaks are not significant: the file is read as one stream of numbers.
The result is the pure weighted set-covering problem of ``model.md``: hamlets
are the rows (population 1), sites are candidate columns whose build cost is
the column cost, everything else costs nothing, no sharing target, coverage
``any``, and ``explicit_coverage`` holds the 0/1 rows x columns matrix.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from btsopt.data import (
    AREA_TYPES,
    LOCK_NONE,
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.errors import ScenarioError

ROW_FORMAT, COLUMN_FORMAT = "row", "column"
OPERATOR_ID = "op"


@dataclass(frozen=True, eq=False)
class SetCoverInstance:
    """A parsed set-covering instance (before it becomes :class:`ProblemData`).

    Attributes
    ----------
    name
        Instance name (the file stem).
    costs
        Column costs, length n.
    matrix
        CSR 0/1 matrix, rows x columns (int8).
    layout
        ``"row"`` or ``"column"``: the layout the file was written in.
    """

    name: str
    costs: np.ndarray
    matrix: sparse.csr_matrix
    layout: str

    @property
    def num_rows(self) -> int:
        return self.matrix.shape[0]

    @property
    def num_cols(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


def _numbers(text: str, path: str) -> np.ndarray:
    """All whitespace-separated numbers of a file (int64, or float64 if costs are fractional)."""
    for dtype in (np.int64, np.float64):
        # numpy only warns (and truncates) on unparsable text: make that an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                return np.fromstring(text, dtype=dtype, sep=" ")
            except (ValueError, DeprecationWarning):
                continue
    raise ScenarioError("not an OR-Library set-covering file: it holds non-numeric text",
                        file=path)


def _walk(values: list, start: int, records: int, head: int) -> np.ndarray | None:
    """Positions of the records of a length-prefixed stream, or ``None`` if it does not fit.

    Each record is ``head`` numbers, the last of which is the count k of the
    ``k`` indices that follow. Returns the start of each record; the walk must
    end exactly at the end of the stream.
    """
    # The walk is inherently sequential (each count says where the next record
    # starts); a plain loop over Python numbers touches only one per record.
    size = len(values)
    starts = [0] * records
    pos = start
    for r in range(records):
        if pos + head > size:
            return None
        starts[r] = pos
        k = values[pos + head - 1]
        if k < 0 or k != int(k):
            return None
        pos += head + int(k)
    if pos != size:
        return None
    return np.asarray(starts, dtype=np.int64)


def _gather(tokens: np.ndarray, starts: np.ndarray, head: int) -> tuple[np.ndarray, np.ndarray]:
    """(record of each index, index values) for records found by :func:`_walk`."""
    counts = tokens[starts + head - 1].astype(np.int64)
    owner = np.repeat(np.arange(starts.size, dtype=np.int64), counts)
    # Position of each index: its record's first index plus its rank within the record.
    first = starts + head
    offsets = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, tokens[first[owner] + offsets]


def parse_orlib(text: str, name: str = "scp", path: str | None = None) -> SetCoverInstance:
    """Parse the text of an OR-Library set-covering file (either layout).

    Parameters
    ----------
    text
        File content.
    name
        Instance name for the result.
    path
        File name used in error messages.

    Raises
    ------
    ScenarioError
        When the numbers fit neither layout, or indices are out of range.
    """
    where = path or name
    tokens = _numbers(text, where)
    if tokens.size < 2:
        raise ScenarioError("not an OR-Library set-covering file: expected 'rows columns' first",
                            file=where)
    m, n = tokens[0], tokens[1]
    if m != int(m) or n != int(n) or m < 1 or n < 1:
        raise ScenarioError("the first two numbers must be positive counts of rows and columns",
                            file=where)
    m, n = int(m), int(n)

    layout = None
    values = tokens.tolist()
    starts = _walk(values, 2 + n, m, 1) if tokens.size >= 2 + n + m else None
    if starts is not None:
        layout = ROW_FORMAT
        costs = tokens[2 : 2 + n]
        rows, cols = _gather(tokens, starts, 1)
        limit = n
    else:
        starts = _walk(values, 2, n, 2) if tokens.size >= 2 + 2 * n else None
        if starts is not None:
            layout = COLUMN_FORMAT
            costs = tokens[starts]
            cols, rows = _gather(tokens, starts, 2)
            limit = m
    if layout is None:
        raise ScenarioError(
            f"numbers fit neither the OR-Library row layout nor the column (rail) layout "
            f"for {m} rows and {n} columns",
            file=where,
        )
    indices = cols if layout == ROW_FORMAT else rows
    if indices.size and (indices.min() < 1 or indices.max() > limit or
                         not np.array_equal(indices, np.round(indices))):
        raise ScenarioError(f"an index lies outside 1..{limit}", file=where)
    if layout == ROW_FORMAT:
        cols = cols.astype(np.int64) - 1
    else:
        rows = rows.astype(np.int64) - 1
    matrix = sparse.csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(m, n)
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1  # a repeated index still means "covers"
    costs = np.asarray(costs, dtype=np.float64)
    if (costs < 0).any():
        raise ScenarioError("column costs must not be negative", file=where)
    return SetCoverInstance(name=name, costs=costs, matrix=matrix, layout=layout)


def read_orlib_instance(path: str | Path) -> SetCoverInstance:
    """Read an OR-Library set-covering file into a :class:`SetCoverInstance`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    return parse_orlib(text, name=path.stem, path=str(path))


def looks_like_orlib(path: str | Path) -> bool:
    """Cheap test: does the file start with two positive integers (and no TOML)?"""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            head = handle.read(256)
    except OSError:
        return False
    words = head.split()[:2]
    return len(words) == 2 and all(w.isdigit() and int(w) > 0 for w in words)


def instance_to_problem(instance: SetCoverInstance, source: Path | None = None) -> ProblemData:
    """The one-operator siting problem whose optimum is the set cover's optimum."""
    m, n = instance.num_rows, instance.num_cols
    zeros_m, zeros_n = np.zeros(m), np.zeros(n)
    hamlets = Hamlets(
        ids=tuple(f"r{i}" for i in range(1, m + 1)),
        lon=zeros_m, lat=zeros_m.copy(),
        population=np.ones(m),
        area_type=np.full(m, AREA_TYPES.index("rural"), dtype=np.int8),
        min_operators=np.ones(m, dtype=np.int64),
        name=("",) * m, commune=("",) * m, district=("",) * m,
    )
    sites = Sites(
        ids=tuple(f"c{j}" for j in range(1, n + 1)),
        lon=zeros_n, lat=zeros_n.copy(),
        existing=np.zeros(n, dtype=bool),
        height_m=np.full(n, 30.0),
        owner=("",) * n,
        max_tenants=np.ones(n, dtype=np.int64),
        capex=instance.costs.astype(np.float64),
        opex_per_year=zeros_n.copy(),
        rent_per_year=zeros_n.copy(),
        allowed=np.ones((n, 1), dtype=bool),
        locked=np.full(n, LOCK_NONE, dtype=np.int8),
    )
    operator = Operator(
        id=OPERATOR_ID, name="set cover", frequency_mhz=0.0, max_path_loss_db=0.0,
        # The radio model is never consulted: explicit_coverage replaces it.
        radius_km=dict.fromkeys(AREA_TYPES, 0.0), tenancy_capex=0.0,
        tenancy_opex_per_year=0.0,
    )
    return ProblemData(
        name=instance.name,
        description=f"OR-Library set covering ({instance.layout} layout): {m} rows, "
                    f"{n} columns, {instance.nnz} nonzeros",
        currency="cost",
        targets=Targets(coverage="any", hamlet_coverage=1.0, shared_site_ratio=0.0,
                        sharing="hard"),
        economics=Economics(
            new_site_capex=0.0, site_opex_per_year=0.0, tenancy_capex=0.0,
            tenancy_opex_per_year=0.0, decommission_cost=0.0, rent_per_year=0.0,
        ),
        policy=Policy(max_tenants=1),
        radio=Radio(model="fixed-radius"),
        operators=(operator,),
        hamlets=hamlets,
        sites=sites,
        tenancies=np.zeros((n, 1), dtype=bool),
        source=source,
        explicit_coverage=instance.matrix,
    )


def read_orlib(path: str | Path) -> ProblemData:
    """Read an OR-Library set-covering file (row or rail layout) as :class:`ProblemData`.

    Parameters
    ----------
    path
        The file; its layout is recognised from the numbers it holds.

    Returns
    -------
    ProblemData
        One operator, hamlets ``r1..rm`` (population 1), candidate sites
        ``c1..cn`` with capex = column cost and no other cost, coverage
        ``any``, no sharing target, and ``explicit_coverage`` set.
    """
    path = Path(path)
    return instance_to_problem(read_orlib_instance(path), source=path)
