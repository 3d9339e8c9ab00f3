"""Errors raised on bad input, on scenarios without a feasible plan and on
outputs that cannot be written."""

from __future__ import annotations

from pathlib import Path


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


class OutputError(OSError):
    """An output file could not be written (disk full, no permission, a file
    where a folder should be). The command line reports it on one line and
    exits with status 3.

    Parameters
    ----------
    path
        The file or folder that could not be written.
    reason
        Why, in words (e.g. the system's ``No space left on device``).
    errno
        The system error number, when there is one.
    """

    def __init__(self, path: str | Path, reason: str, errno: int | None = None) -> None:
        super().__init__(errno, reason, str(path))
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"

    @classmethod
    def from_os_error(cls, path: str | Path, error: OSError) -> OutputError:
        """The :class:`OutputError` of a failed write of ``path``."""
        return cls(path, error.strerror or str(error), error.errno)
