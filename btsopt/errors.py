"""Errors raised on bad input and on outputs that cannot be written."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(ValueError):
    """A scenario file is malformed or inconsistent.

    The message names the file, and where known the line (as an editor shows
    it: the header of a CSV file is line 1, so its first data row is line 2)
    or, in a file without lines (Parquet), the row, and the column.

    Parameters
    ----------
    message
        What is wrong, in words a planner understands.
    file
        The file that holds the problem.
    row
        The 1-based data row (the first row under the header is 1), when the
        problem is in one row.
    column
        The column or TOML key, when the problem is in one field.
    line
        The line of a text file as an editor numbers it; the message names
        it rather than ``row`` when given.
    """

    def __init__(
        self,
        message: str,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class PlanError(ScenarioError):
    """A plan or proposal file is malformed or refers to unknown ids."""


class OutputError(OSError):
    """An output cannot be written where it was asked for (exit status 3): disk
    full, no permission, a file where a folder should be.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    file
        The file or folder concerned.
    errno
        The system error number, when there is one.
    """

    def __init__(self, message: str, file: str | None = None,
                 errno: int | None = None) -> None:
        super().__init__(errno, message, file)
        self.message = message
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file is not None else self.message

    @classmethod
    def from_os_error(cls, path: str | Path, error: OSError) -> OutputError:
        """The error of a failed write of ``path``: ``cannot write PATH: REASON``."""
        return cls(f"cannot write {path}: {error.strerror or error}", None, error.errno)
