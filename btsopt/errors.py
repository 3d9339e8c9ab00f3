"""Errors raised on bad input and on scenarios without a feasible plan."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario file is malformed or inconsistent.

    The message names the file, and where known the row (1-based data row,
    as a spreadsheet user counts them below the header) and the column.

    Parameters
    ----------
    message
        What is wrong, in words a planner understands.
    file
        The file that holds the problem.
    row
        The 1-based data row, when the problem is in one row.
    column
        The column or TOML key, when the problem is in one field.
    """

    def __init__(
        self,
        message: str,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class PlanError(ScenarioError):
    """A plan or proposal file is malformed or refers to unknown ids."""
