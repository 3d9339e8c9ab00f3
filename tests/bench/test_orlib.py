"""The OR-Library set-covering reader: both layouts, counts of all 45 visible files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from btsopt.errors import ScenarioError
from btsopt.reading.orlib import (
    COLUMN_FORMAT,
    ROW_FORMAT,
    looks_like_orlib,
    parse_orlib,
    read_orlib,
    read_orlib_instance,
)

from .conftest import TINY_SCP


def _readme_table(scp_dir: Path) -> dict[str, tuple[int, int, int]]:
    """instance -> (rows, cols, nonzeros) from the data README's table."""
    table = {}
    for line in (scp_dir / "README.md").read_text().splitlines():
        if re.match(r"^\| scp\w+ \|", line):
            cells = [c.strip() for c in line.strip("|").split("|")]
            table[cells[0]] = (int(cells[1]), int(cells[2]), int(cells[3]))
    return table


def _to_column_layout(instance) -> str:
    """The same instance written in the rail (column) layout."""
    csc = instance.matrix.tocsc()
    lines = [f"{instance.num_rows} {instance.num_cols}"]
    for j in range(instance.num_cols):
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]] + 1
        lines.append(" ".join(str(v) for v in [int(instance.costs[j]), rows.size, *rows]))
    return "\n".join(lines) + "\n"


def test_counts_match_readme_for_all_45(scp_dir: Path) -> None:
    table = _readme_table(scp_dir)
    assert len(table) == 45
    for name, (rows, cols, nnz) in table.items():
        instance = read_orlib_instance(scp_dir / f"{name}.txt")
        assert (instance.num_rows, instance.num_cols, instance.nnz) == (rows, cols, nnz), name
        assert instance.layout == ROW_FORMAT
        # Every row can be covered and every column covers something (README).
        assert np.diff(instance.matrix.indptr).min() >= 1
        assert np.bincount(instance.matrix.indices, minlength=cols).min() >= 1


def test_tiny_file_with_irregular_line_breaks() -> None:
    instance = read_orlib_instance(TINY_SCP)
    assert (instance.num_rows, instance.num_cols, instance.nnz) == (6, 5, 17)
    assert instance.costs.tolist() == [3, 2, 4, 2, 9]
    assert instance.matrix[3].indices.tolist() == [1, 3, 4]  # row 4: columns 2, 4, 5


def test_column_layout_is_recognised(scp_dir: Path) -> None:
    row = read_orlib_instance(scp_dir / "scp41.txt")
    column = parse_orlib(_to_column_layout(row), name="scp41-rail")
    assert column.layout == COLUMN_FORMAT
    assert np.array_equal(column.costs, row.costs)
    assert (column.matrix != row.matrix).nnz == 0


def test_column_layout_tiny() -> None:
    row = read_orlib_instance(TINY_SCP)
    column = parse_orlib(_to_column_layout(row).replace("\n", " "))
    assert column.layout == COLUMN_FORMAT
    assert (column.matrix != row.matrix).nnz == 0


def test_problem_data_is_pure_set_covering() -> None:
    data = read_orlib(TINY_SCP)
    assert data.name == "tiny_scp"
    assert data.hamlets.ids[:2] == ("r1", "r2") and data.sites.ids[-1] == "c5"
    assert data.num_operators == 1 and data.targets.shared_site_ratio == 0
    assert data.targets.coverage == "any"
    assert data.sites.capex.tolist() == [3, 2, 4, 2, 9]
    assert not data.sites.existing.any() and not data.tenancies.any()
    assert data.sites.opex_per_year.sum() == 0 and data.economics.decommission_cost == 0
    assert data.operators[0].tenancy_capex == 0 and data.operators[0].tenancy_opex_per_year == 0
    assert data.explicit_coverage.shape == (6, 5)
    assert np.all(data.hamlets.population == 1)


@pytest.mark.parametrize(
    "text",
    ["", "3", "2 2\n1 1\n1 1\n1 3\n", "2 2\n1 1\n1 1\n1 2 5\n", "2 2\n1 x\n", "0 3\n"],
)
def test_bad_files_are_named_errors(text: str) -> None:
    with pytest.raises(ScenarioError):
        parse_orlib(text, path="bad.txt")


def test_looks_like_orlib(tmp_path: Path) -> None:
    toml = tmp_path / "a.toml"
    toml.write_text('name = "x"\n')
    assert looks_like_orlib(TINY_SCP)
    assert not looks_like_orlib(toml)
