"""Loading the scenario's tables (CSV, Parquet, GeoJSON) as text cells.

Every cell is read as text and converted column by column, so that a bad
value is reported with its file, line and column instead of being silently
coerced. Messages name the line as an editor or spreadsheet shows it (the
header is line 1, so the first data row is line 2; blank lines and Excel's
``sep=`` line before the header count; a quoted value spanning several lines
counts as one); ``ScenarioError.row`` keeps the 1-based data row. Files
without lines (Parquet, GeoJSON) name the row.

CSV files are read as a spreadsheet writes them: UTF-8 with or without a byte
order mark (UTF-16 with a mark too), any line ending, quoted fields, and the
separator sniffed from the header line. A ``;``- or tab-separated file is taken
for a European-locale export, so decimal commas (``106,12``) are accepted in
its numeric columns; in a ``,``-separated file a decimal comma is ambiguous and
reported as such.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from btsopt.errors import ScenarioError

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".geojson", ".json")
"""File name endings :func:`read_table` knows, by kind."""

_DELIMITED = (".csv", ".tsv", ".txt")
_NON_FINITE = {"nan", "inf", "infinity"}
# Two neighbouring fields that look like the halves of a decimal comma: '106' and '12'.
_DIGITS = re.compile(r"[+-]?\d+")
_EXCEL_SEP = re.compile(r"^sep=(.)$")


def show(value: Any, limit: int = 40) -> str:
    """A value quoted for a one-line message: escaped and cut to ``limit`` characters.

    Messages end up on one line of stderr, so newlines and control characters
    in a cell are escaped (``repr``), and a runaway cell (say, an unclosed quote
    that swallowed the rest of the file) is shortened.
    """
    # str() first: numpy's str_ would show as "np.str_('x')".
    text = str(value) if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if isinstance(value, str) else one_line(text, limit)


def one_line(text: str, limit: int = 40) -> str:
    """``text`` without line breaks or control characters, cut to ``limit`` characters.

    For names put into messages unquoted (a column name in ``column '...'``).
    """
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise_text(value: str) -> str:
    """Strip and NFC-normalise a cell, so ids typed on different systems compare equal.

    macOS writes decomposed accents (NFD); a site id 'Thôn_Đông' from one file
    must match the same id from another.
    """
    value = value.strip()
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _to_float(cells: np.ndarray) -> np.ndarray:
    """Text cells to floats; NaN where a cell is not a number.

    ``float()`` over the array is fastest, but it also takes '1_000' and
    non-ASCII digits, so it is used only on plain ASCII columns without '_'.
    """
    joined = "".join(cells)
    if joined.isascii() and "_" not in joined:
        try:
            return cells.astype(float)
        except (ValueError, TypeError):
            pass
    return pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


class Table:
    """A table of text cells with the file it came from, for precise errors.

    Parameters
    ----------
    columns
        Column name to cells: an object array (or sequence) of stripped text,
        ``""`` for a missing value. A :class:`pandas.DataFrame` is accepted too.
    path
        The file, named in every error.
    rows
        The 1-based data row number of each table row (default 1, 2, ...).
    decimal_comma
        Whether numeric cells may use a decimal comma (``106,12``).
    header_line
        The line of the header in a text file (1 unless blank lines or Excel's
        ``sep=`` line come first): data row ``r`` is then on line
        ``header_line + r`` (a value quoted across several lines counts as
        one). ``None`` for files without lines (Parquet, GeoJSON), whose
        messages name the row.
    """

    def __init__(
        self,
        columns: Mapping[str, Sequence[str]] | pd.DataFrame,
        path: Path | str,
        rows: np.ndarray | None = None,
        *,
        decimal_comma: bool = False,
        header_line: int | None = None,
    ) -> None:
        if isinstance(columns, pd.DataFrame):
            columns = _frame_as_text(columns)
        self.columns: dict[str, np.ndarray] = {
            str(name): np.asarray(cells, dtype=object) for name, cells in columns.items()
        }
        self.path = Path(path)
        lengths = {len(cells) for cells in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError("columns of different lengths")
        length = lengths.pop() if lengths else (0 if rows is None else len(rows))
        self.rows = np.arange(1, length + 1) if rows is None else np.asarray(rows)
        self.decimal_comma = decimal_comma
        self.header_line = header_line
        # Exact names win; a case-insensitive match ('LON', 'Population') is a fallback.
        folded: dict[str, list[str]] = {}
        for name in self.columns:
            folded.setdefault(name.casefold(), []).append(name)
        self._folded = {key: names[0] for key, names in folded.items() if len(names) == 1}

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as a :class:`pandas.DataFrame` of text (for inspection)."""
        return pd.DataFrame({name: cells for name, cells in self.columns.items()})

    def error(
        self, message: str, row: int | None = None, column: str | None = None
    ) -> ScenarioError:
        """A :class:`ScenarioError` located in this table (``row`` is 0-based)."""
        return ScenarioError(
            message, file=str(self.path),
            row=None if row is None else int(self.rows[row]), column=column,
            line=None if row is None else self.line(row),
        )

    def line(self, row: int) -> int | None:
        """The line of table row ``row`` (0-based) as an editor shows it, or ``None``."""
        return None if self.header_line is None else self.header_line + int(self.rows[row])

    def where(self, row: int) -> str:
        """``line N`` (text files) or ``row N`` (files without lines) of table row ``row``."""
        line = self.line(row)
        return f"line {line}" if line is not None else f"row {int(self.rows[row])}"

    def _name(self, column: str) -> str | None:
        if column in self.columns:
            return column
        return self._folded.get(column.casefold())

    def has(self, column: str) -> bool:
        """Whether the table has ``column`` (case-insensitive fallback)."""
        return self._name(column) is not None

    def require(self, *columns: str) -> None:
        """Raise when a required column is absent, listing the columns found."""
        for column in columns:
            if not self.has(column):
                found = ", ".join(one_line(c, 20) for c in list(self.columns)[:8]) or "none"
                if len(self.columns) > 8:
                    found += ", ..."
                raise self.error(f"missing required column (columns found: {found})",
                                 column=column)

    def text(self, column: str, default: str = "") -> np.ndarray:
        """Stripped text cells (``default`` when the column is absent)."""
        name = self._name(column)
        if name is None:
            return np.full(len(self), default, dtype=object)
        return self.columns[name]

    def required_text(self, column: str) -> np.ndarray:
        """Text cells of a required column; an empty cell is an error."""
        self.require(column)
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
        hint: str = "",
    ) -> np.ndarray:
        """Parse a numeric column; empty cells take ``default`` (error if ``None``).

        Vectorised: the whole column is converted at once and only the first
        offending row is looked at in Python, to word the error. ``hint`` is
        appended to range errors (say, "longitude and latitude swapped?").
        """
        cells = self.text(column, default="")
        empty = cells == ""
        if default is None and empty.any():
            raise self.error("empty value in a required column", int(np.flatnonzero(empty)[0]),
                             column)
        given = cells[~empty] if empty.any() else cells
        if self.decimal_comma:
            given = self._decimal_points(given, np.flatnonzero(~empty), column)
        parsed = _to_float(given)
        out = np.full(len(cells), np.nan if default is None else float(default))
        out[~empty] = parsed
        self._check_numbers(out, cells, column, minimum, maximum, strictly_positive, integer,
                            hint)
        return out

    def _decimal_points(self, cells: np.ndarray, rows: np.ndarray, column: str) -> np.ndarray:
        """'106,12' -> '106.12'; a cell with both ',' and '.' is ambiguous."""
        series = pd.Series(cells, dtype=object).astype(str)
        has_comma = series.str.contains(",", regex=False).to_numpy()
        if not has_comma.any():
            return cells
        both = has_comma & series.str.contains(".", regex=False).to_numpy()
        if both.any():
            i = int(np.flatnonzero(both)[0])
            raise self.error(f"{show(cells[i])} mixes ',' and '.': thousands separators are "
                             "not supported", int(rows[i]), column)
        return series.str.replace(",", ".", regex=False).to_numpy(dtype=object)

    def _check_numbers(
        self,
        values: np.ndarray,
        cells: np.ndarray,
        column: str,
        minimum: float | None,
        maximum: float | None,
        strictly_positive: bool,
        integer: bool,
        hint: str,
    ) -> None:
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise self.error(self._why_not_a_number(str(cells[row])), row, column)
        suffix = f" ({hint})" if hint else ""
        checks: list[tuple[np.ndarray, str]] = []
        if integer:
            checks.append((values != np.floor(values), "is not a whole number"))
        if minimum is not None:
            checks.append((values < minimum, f"is below the minimum {minimum:g}{suffix}"))
        if maximum is not None:
            checks.append((values > maximum, f"is above the maximum {maximum:g}{suffix}"))
        if strictly_positive:
            checks.append((values <= 0, "must be greater than 0"))
        for mask, what in checks:
            if mask.any():
                row = int(np.flatnonzero(mask)[0])
                raise self.error(f"{show(cells[row])} {what}", row, column)

    def _why_not_a_number(self, cell: str) -> str:
        bare = cell.lower().lstrip("+-")
        if bare in _NON_FINITE:
            return f"{show(cell)} is not a finite number"
        if self.decimal_comma:
            candidate = cell.replace(",", ".")
        else:
            candidate = cell
        try:
            if math.isinf(float(candidate)):
                return f"{show(cell)} is too large"
        except ValueError:
            pass
        if not self.decimal_comma and "," in cell and all(
            part.strip().lstrip("+-").isdigit() for part in cell.split(",")
        ):
            return (f"{show(cell)} is ambiguous in a ','-separated file (decimal comma or "
                    "thousands separator?): write it with a '.' decimal point")
        return f"{show(cell)} is not a number"

    def integers(self, column: str, default: int | None = None, *, minimum: int | None = None,
                 maximum: int | None = None) -> np.ndarray:
        """A whole-number column ('3.0' is accepted) as ``int64``; huge values are clipped."""
        values = self.number(column, None if default is None else float(default),
                             minimum=minimum, maximum=maximum, integer=True)
        return np.clip(values, -(2**31), 2**31 - 1).astype(np.int64)

    def choice(
        self,
        column: str,
        choices: Sequence[str],
        default: str | None,
        *,
        aliases: Mapping[str, str] | None = None,
        what: str = "",
    ) -> np.ndarray:
        """Codes (indices into ``choices``) of a categorical column, case-insensitive.

        Empty cells take ``default``; with ``default=None`` they are an error.
        ``aliases`` maps extra spellings (lower case) to a choice.
        """
        cells = self.text(column, default="" if default is None else default)
        lookup = {c.lower(): k for k, c in enumerate(choices)}
        for alias, target in (aliases or {}).items():
            lookup[alias] = choices.index(target)
        if default is not None:
            lookup[""] = choices.index(default)
        codes = np.empty(len(cells), dtype=np.int8)
        # Few distinct values in a long column: map the distinct ones, then broadcast.
        inverse, uniques = pd.factorize(cells.astype(object))
        mapped = np.empty(len(uniques), dtype=np.int16)
        for u, value in enumerate(uniques):
            # 'Rural', ' EXISTING ', 'dense-urban' and 'Dense Urban' all match.
            key = "_".join(str(value).lower().replace("-", " ").replace("_", " ").split())
            code = lookup.get(str(value).lower(), lookup.get(key, -1))
            if code < 0:
                row = int(np.flatnonzero(inverse == u)[0])
                if value == "":
                    raise self.error("empty value in a required column", row, column)
                listed = ", ".join(c for c in choices if c)
                raise self.error(f"{show(value)} is not {what or 'one of'} ({listed})", row,
                                 column)
            mapped[u] = code
        codes[:] = mapped[inverse.reshape(-1)]
        return codes

    def unique_ids(self, column: str = "id") -> tuple[str, ...]:
        """The ids of ``column``: required, non-empty and unique."""
        ids = self.required_text(column)
        if len(set(ids)) < len(ids):
            seen: dict[str, int] = {}
            for row, value in enumerate(ids):
                if value in seen:
                    raise self.error(
                        f"duplicate id {show(value)} (first on {self.where(seen[value])})",
                        row, column,
                    )
                seen[value] = row
        return tuple(str(v) for v in ids)

    def unused_columns(self, known: Iterable[str]) -> list[tuple[str, str]]:
        """Columns that look like misspellings of ``known`` ones: (found, meant)."""
        known = list(known)
        present = {k.casefold() for k in known if self.has(k)}
        out = []
        for name in self.columns:
            if self._name(name) and name.casefold() in {k.casefold() for k in known}:
                continue
            close = difflib.get_close_matches(name.casefold(), known, n=1, cutoff=0.8)
            if close and close[0].casefold() not in present:
                out.append((name, close[0]))
        return out


# --------------------------------------------------------------------------------------
# Text files


def decode_text(raw: bytes, path: Path | str, *, table: bool = False) -> str:
    """UTF-8 (a byte order mark is dropped) or, with its mark, UTF-16.

    Parameters
    ----------
    raw
        The file's bytes.
    path
        The file, for messages.
    table
        Whether the file is a table with a header line: a bad byte is then
        located by data row rather than by line.

    Raises
    ------
    ScenarioError
        On bytes that are not UTF-8.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ScenarioError("not valid UTF-16 text", file=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = "not UTF-8 text: save the file with UTF-8 encoding"
        if table and line > 1:
            raise ScenarioError(message, file=str(path), row=line - 1, line=line) from None
        raise ScenarioError(message.replace(":", f" (line {line}):", 1), file=str(path)) from None


def sniff_separator(header: str) -> str:
    """The separator of a delimited file, from its header line.

    ``;`` when the line has more ``;`` than ``,`` outside quotes (a spreadsheet
    in a decimal-comma locale), tab likewise, else ``,``.
    """
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    if counts[";"] > counts[","] and counts[";"] >= counts["\t"]:
        return ";"
    if counts["\t"] > counts[","]:
        return "\t"
    return ","


def _first_line(text: str) -> str:
    end = len(text)
    for stop in ("\n", "\r"):
        at = text.find(stop)
        if at >= 0:
            end = min(end, at)
    return text[:end]


def _looks_like_decimal_comma(cells: list[str]) -> bool:
    return any(
        _DIGITS.fullmatch(a.strip()) and b.strip().isdigit() for a, b in zip(cells, cells[1:], strict=False)
    )


def _read_delimited(path: Path, raw: bytes) -> Table:
    text = decode_text(raw, path, table=True)
    if not text.strip():
        raise ScenarioError("the file is empty (a header row is required)", file=str(path))
    # Leading blank lines are skipped; the first line with content is the header.
    text = text.lstrip("\ufeff")
    stripped = text.lstrip("\r\n")
    header_line = 1 + _line_breaks(text[:len(text) - len(stripped)])
    text = stripped
    first = _first_line(text)
    match = _EXCEL_SEP.fullmatch(first.strip())
    if match:
        # Excel's 'sep=;' hint line names the separator; the header follows it.
        separator = match.group(1)
        rest = text[len(first):]
        text = rest.lstrip("\r\n")
        header_line += _line_breaks(rest[:len(rest) - len(text)])
    else:
        separator = sniff_separator(first)
    if not text.isascii():
        # NFC once for the whole file rather than per cell (separators are ASCII and
        # never compose with a neighbour, so this equals normalising each cell).
        text = unicodedata.normalize("NFC", text)
    parsed = _parse_fast(text, separator)
    if parsed is None:
        parsed = _parse_exact(text, separator, path, header_line)
    header, cells, numbers = parsed
    if text.count('"') % 2 and len(numbers) and any(
        "\n" in str(values[-1]) or "\r" in str(values[-1]) for values in cells
    ):
        # A quote left open swallows the rest of the file into the last row's cell.
        raise ScenarioError("a quote opened in this row is never closed", file=str(path),
                            row=int(numbers[-1]), line=header_line + int(numbers[-1]))

    columns: dict[str, np.ndarray] = {}
    for position, (name, values) in enumerate(zip(header, cells, strict=True)):
        name = name.strip().lstrip("\ufeff")
        if not name:
            if (values != "").any():
                # Data under a nameless column cannot be meant for any known column.
                name = f"column {position + 1}"
            else:
                continue
        if "\n" in name or "\r" in name:
            raise ScenarioError("the header has a line break inside a column name (a quote "
                                "that is never closed?)", file=str(path))
        if name in columns:
            raise ScenarioError("the header names this column twice", file=str(path),
                                column=one_line(name))
        columns[name] = values
    return Table(columns, path, numbers, decimal_comma=separator != ",",
                 header_line=header_line)


def _line_breaks(text: str) -> int:
    """Line breaks in ``text`` (``\\r\\n``, ``\\n`` or a lone ``\\r`` each count once)."""
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")) - 1


_Parsed = tuple[list[str], list[np.ndarray], np.ndarray]
# Characters str.strip() removes that Unicode's White_Space (used by Arrow) does not.
_PYTHON_ONLY_SPACE = re.compile("[\x1c-\x1f]")


def _parse_fast(text: str, separator: str) -> _Parsed | None:
    """Parse a well-formed delimited text with Arrow's CSV reader, or ``None``.

    The common case (a rectangular file) in C; anything unusual (ragged rows,
    padding, whitespace-only lines, a parse error) returns ``None`` so that
    :func:`_parse_exact` reads it and words the error. Both give the same
    result on every file this one accepts.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if _PYTHON_ONLY_SPACE.search(text):
        return None
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except (csv.Error, StopIteration):
        return None
    if not "".join(header).strip():
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            # No Arrow thread pool: its threads, torn down at interpreter exit,
            # abort the process now and then ("terminate called without an
            # active exception", apache/arrow#34314); one thread reads fast enough.
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=separator, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError, OSError):
        return None
    if table.num_rows == 0 or [table.column(n)[0].as_py() for n in names] != header:
        return None
    table = table.slice(1)
    trimmed = [pc.utf8_trim_whitespace(table.column(n)) for n in names]
    blank = np.ones(table.num_rows, dtype=bool)
    for column in trimmed:
        blank &= pc.equal(column, "").to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(~blank)
    cells = [column.to_numpy(zero_copy_only=False).astype(object) for column in trimmed]
    if blank.any():
        cells = [values[keep] for values in cells]
    return header, cells, keep + 1


def _parse_exact(text: str, separator: str, path: Path, header_line: int = 1) -> _Parsed:
    """Parse with Python's csv module, record by record, reporting ragged rows
    (on their line: the header is on line ``header_line``)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: list[str] | None = None
    number = 0
    records: list[list[str]] = []
    numbers: list[int] = []
    try:
        for line in reader:
            blank = not "".join(line).strip()
            if header is None:
                if not blank:
                    header = line
                continue
            number += 1
            if blank:
                continue
            records.append(line)
            numbers.append(number)
    except csv.Error as exc:
        raise ScenarioError(f"cannot read CSV: {exc}", file=str(path),
                            row=(number + 1) if header is not None else None,
                            line=header_line + number + 1 if header is not None else None
                            ) from None
    if header is None:
        raise ScenarioError("the file is empty (a header row is required)", file=str(path))

    width = len(header)
    for index, cells in enumerate(records):
        if len(cells) == width:
            continue
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            # Trailing empty cells that a spreadsheet pads rows with.
            records[index] = cells[:width]
            continue
        message = f"row has {len(cells)} values but the header has {width} columns"
        if separator == "," and len(cells) > width and _looks_like_decimal_comma(cells):
            message += (" (a decimal comma such as '1,5'? write 1.5, quote the value, or "
                        "save the file with ';' separators)")
        elif any("\n" in c or "\r" in c for c in cells):
            message += " (an unclosed quote?)"
        raise ScenarioError(message, file=str(path), row=numbers[index],
                            line=header_line + numbers[index])
    transposed = list(zip(*records, strict=True)) if records else [()] * width
    cells = [np.array([c.strip() for c in column], dtype=object) for column in transposed]
    return header, cells, np.asarray(numbers, dtype=np.int64)


# --------------------------------------------------------------------------------------
# Parquet and GeoJSON


def _cell_text(value: Any) -> str:
    """One JSON or Parquet value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, bytes):
        return normalise_text(value.decode("utf-8", "replace"))
    return normalise_text(str(value))


def _arrow_text(column: Any) -> np.ndarray:
    """An Arrow column as an object array of text ('' for null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind)):
        cast = pc.cast(column, pa.string()).fill_null("")
        return cast.to_numpy(zero_copy_only=False).astype(object)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = column.fill_null("").to_numpy(zero_copy_only=False).astype(object)
        return np.array([normalise_text(v) for v in values], dtype=object)
    return np.array([_cell_text(v) for v in column.to_pylist()], dtype=object)


def _wkb_point(value: Any) -> tuple[float, float] | None:
    """Longitude and latitude of a 2-D WKB Point (GeoParquet), else ``None``."""
    import struct

    if not isinstance(value, bytes | bytearray) or len(value) < 21:
        return None
    order = "<" if value[0] == 1 else ">"
    kind = struct.unpack_from(order + "I", value, 1)[0]
    if kind not in (1, 1001, 2001, 3001):
        return None
    return struct.unpack_from(order + "dd", value, 5)


def _read_parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path, use_threads=False)  # no thread pool: see _parse_fast
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError(f"not a readable Parquet file: {first[:120]}", file=str(path)) from None
    columns: dict[str, np.ndarray] = {}
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        name = normalise_text(str(name))
        if name in columns:
            raise ScenarioError("the file names this column twice", file=str(path),
                                column=one_line(name))
        columns[name] = _arrow_text(column)
    geometry = [n for n in arrow.column_names if n.lower() == "geometry"]
    if geometry and "lon" not in columns and "lat" not in columns:
        # GeoParquet: Points stored as WKB; lon/lat columns take precedence.
        points = [_wkb_point(v) for v in arrow.column(geometry[0]).to_pylist()]
        columns["lon"] = np.array(["" if p is None else repr(p[0]) for p in points], dtype=object)
        columns["lat"] = np.array(["" if p is None else repr(p[1]) for p in points], dtype=object)
    return Table(columns, path, np.arange(1, arrow.num_rows + 1))


def _read_geojson(path: Path, raw: bytes) -> Table:
    text = decode_text(raw, path)
    if not text.strip():
        raise ScenarioError("the file is empty (a GeoJSON FeatureCollection is expected)",
                            file=str(path))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not valid JSON: {exc.msg} (line {exc.lineno})",
                            file=str(path)) from None
    except (RecursionError, ValueError):
        raise ScenarioError("not valid JSON (nested too deeply or unreadable)",
                            file=str(path)) from None
    features = document.get("features") if isinstance(document, dict) else document
    if not isinstance(features, list):
        raise ScenarioError("a GeoJSON FeatureCollection with 'features' is expected",
                            file=str(path))
    records: list[dict[str, str]] = []
    names: dict[str, None] = {}
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise ScenarioError("each feature must be a JSON object", str(path), row)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ScenarioError("'properties' must be a JSON object", str(path), row,
                                "properties")
        record = {normalise_text(str(k)): _cell_text(v) for k, v in properties.items()}
        if "id" not in record and feature.get("id") is not None:
            record["id"] = _cell_text(feature["id"])
        geometry = feature.get("geometry")
        if geometry is not None:
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coordinates, list)
                or len(coordinates) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool)
                           for c in coordinates[:2])
            ):
                raise ScenarioError("feature geometry must be a Point [lon, lat]", str(path),
                                    row, "geometry")
            record["lon"], record["lat"] = _cell_text(coordinates[0]), _cell_text(coordinates[1])
        records.append(record)
        names.update(dict.fromkeys(record))
    columns = {
        name: np.array([r.get(name, "") for r in records], dtype=object) for name in names
    }
    return Table(columns, path, np.arange(1, len(records) + 1))


def _frame_as_text(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A data frame's cells as text columns (missing values become '')."""
    out = {}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=object)
        out[normalise_text(str(column))] = np.array(
            ["" if v is None or (isinstance(v, float) and math.isnan(v)) else _cell_text(v)
             for v in values], dtype=object,
        )
    return out


def read_table(path: Path | str) -> Table:
    """Read a CSV, Parquet or GeoJSON table as text cells.

    Parameters
    ----------
    path
        ``.csv`` (also ``.tsv``/``.txt``), ``.parquet`` or ``.geojson``/``.json``.

    Returns
    -------
    Table
        Stripped, NFC-normalised text cells with their data row numbers.

    Raises
    ------
    ScenarioError
        When the file is missing, empty, of an unknown kind or unreadable, or a
        row has more or fewer values than the header.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ScenarioError("is a folder, not a table file", file=str(path))
    if not path.is_file():
        raise ScenarioError("file not found", file=str(path))
    if suffix not in TABLE_SUFFIXES:
        hint = " (save the sheet as CSV UTF-8)" if suffix in (".xls", ".xlsx", ".ods") else ""
        raise ScenarioError(
            f"unknown table format '{suffix or path.name}'{hint}; expected .csv, .parquet "
            "or .geojson", file=str(path),
        )
    if suffix == ".parquet":
        return _read_parquet(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    if suffix in _DELIMITED:
        return _read_delimited(path, raw)
    return _read_geojson(path, raw)
