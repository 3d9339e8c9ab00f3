"""Loading the scenario's tables (CSV, Parquet, GeoJSON) as text cells.

Every cell is read as text and converted column by column, so that a bad
value is reported with its file, row and column instead of being silently
coerced. Row numbers are 1-based data rows (the first row under the header).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from btsopt.errors import ScenarioError

TABLE_SUFFIXES = (".csv", ".parquet", ".geojson", ".json")


class Table:
    """A table of text cells with the file it came from, for precise errors."""

    def __init__(self, frame: pd.DataFrame, path: Path) -> None:
        self.frame = frame
        self.path = path

    def __len__(self) -> int:
        return len(self.frame)

    def error(self, message: str, row: int | None = None, column: str | None = None):
        """A :class:`ScenarioError` located in this table (``row`` is 0-based)."""
        return ScenarioError(
            message, file=str(self.path), row=None if row is None else row + 1, column=column
        )

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def require(self, *columns: str) -> None:
        for column in columns:
            if not self.has(column):
                raise self.error("missing required column", column=column)

    def text(self, column: str, default: str = "") -> np.ndarray:
        """Stripped text cells (``default`` when the column is absent)."""
        if not self.has(column):
            return np.full(len(self), default, dtype=object)
        return self.frame[column].to_numpy(dtype=object)

    def required_text(self, column: str) -> np.ndarray:
        values = self.text(column)
        empty = np.flatnonzero(values == "")
        if empty.size:
            raise self.error("empty value in a required column", int(empty[0]), column)
        return values

    def number(
        self,
        column: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        strictly_positive: bool = False,
        integer: bool = False,
    ) -> np.ndarray:
        """Parse a numeric column; empty cells take ``default`` (error if ``None``)."""
        cells = self.text(column, default="")
        out = np.empty(len(cells), dtype=float)
        for row, cell in enumerate(cells):
            if cell == "":
                if default is None:
                    raise self.error("empty value in a required column", row, column)
                out[row] = default
                continue
            try:
                value = float(cell)
            except ValueError:
                raise self.error(f"'{cell}' is not a number", row, column) from None
            if not math.isfinite(value):
                raise self.error(f"'{cell}' is not a finite number", row, column)
            if integer and value != int(value):
                raise self.error(f"'{cell}' is not a whole number", row, column)
            if minimum is not None and value < minimum:
                raise self.error(f"{cell} is below the minimum {minimum:g}", row, column)
            if maximum is not None and value > maximum:
                raise self.error(f"{cell} is above the maximum {maximum:g}", row, column)
            if strictly_positive and value <= 0:
                raise self.error(f"{cell} must be greater than 0", row, column)
            out[row] = value
        return out

    def unique_ids(self, column: str = "id") -> tuple[str, ...]:
        ids = self.required_text(column)
        seen: dict[str, int] = {}
        for row, value in enumerate(ids):
            if value in seen:
                raise self.error(
                    f"duplicate id '{value}' (first on row {seen[value] + 1})", row, column
                )
            seen[value] = row
        return tuple(str(v) for v in ids)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text; missing values become empty strings."""
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=object)
        frame[column] = [
            "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
            for v in values
        ]
    return frame


def _read_geojson(path: Path) -> pd.DataFrame:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"not valid JSON: {exc.msg} (line {exc.lineno})", file=str(path)
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise ScenarioError("a GeoJSON FeatureCollection with 'features' is expected", str(path))
    records = []
    for row, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(
            coordinates
        ) < 2:
            raise ScenarioError("feature geometry must be a Point", str(path), row, "geometry")
        record = dict(feature.get("properties") or {})
        record["lon"], record["lat"] = coordinates[0], coordinates[1]
        records.append(record)
    return pd.DataFrame.from_records(records)


def read_table(path: Path) -> Table:
    """Read a CSV, Parquet or GeoJSON table as text cells.

    Raises
    ------
    ScenarioError
        When the file is missing, of an unknown kind or unreadable.
    """
    if not path.is_file():
        raise ScenarioError("file not found", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                skipinitialspace=True,
            )
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".geojson", ".json"):
            frame = _read_geojson(path)
        else:
            raise ScenarioError(
                f"unknown table format '{suffix}' (expected one of {', '.join(TABLE_SUFFIXES)})",
                file=str(path),
            )
    except ScenarioError:
        raise
    except pd.errors.EmptyDataError:
        raise ScenarioError("the file is empty (a header row is required)", str(path)) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError(f"cannot read table: {first_line}", file=str(path)) from None
    return Table(_as_text(frame), path)
