"""Random weighted set-covering instances in OR-Library format (scpnrg/scpnrh-shaped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def generate_set_cover(
    rows: int, cols: int, density: float, seed: int, out_path: str | Path,
    max_cost: int = 100,
) -> Path:
    """Write a random weighted set-covering instance in OR-Library row format.

    Shaped like Beasley's scpnrg/scpnrh classes (1000 rows x 10000 columns,
    2% and 5% density, costs 1..100): every column covers at least one row and
    every row at least two columns.

    Parameters
    ----------
    rows, cols
        Instance size.
    density
        Share of nonzeros in the rows x columns matrix.
    seed
        Seed of ``numpy.random.default_rng``: the same seed writes the same file.
    out_path
        The file to write.
    max_cost
        Costs are drawn uniformly from 1..max_cost.
    """
    rng = np.random.default_rng(seed)
    per_row = np.maximum(rng.binomial(cols, density, size=rows), 2)
    members = [np.sort(rng.choice(cols, size=int(k), replace=False)) for k in per_row]
    covered = np.zeros(cols, dtype=bool)
    for m in members:
        covered[m] = True
    # Columns no row picked get one random row, so that every column is useful.
    for col in np.flatnonzero(~covered):
        row = int(rng.integers(rows))
        members[row] = np.unique(np.append(members[row], col))
    costs = rng.integers(1, max_cost + 1, size=cols)
    lines = [f"{rows} {cols}", " ".join(map(str, costs))]
    lines += [f"{m.size} " + " ".join(str(int(c) + 1) for c in m) for m in members]
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
