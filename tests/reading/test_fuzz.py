"""Fuzzing the readers: any input gives a ScenarioError or a valid ProblemData.

Whatever bytes or text end up in a cell, a whole table, the TOML file or a
GeoJSON document, reading must never raise anything but
:class:`~btsopt.errors.ScenarioError`, whose message fits on one line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btsopt.data import ProblemData
from btsopt.errors import ScenarioError
from btsopt.reading import read_scenario
from btsopt.reading.tables import _parse_exact, _parse_fast, read_table, sniff_separator

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny"
FILES = {name: (TINY / name).read_text("utf-8")
         for name in ("scenario.toml", "hamlets.csv", "sites.csv", "tenancies.csv")}
# BTSOPT_FUZZ_EXAMPLES=5000 for a deeper run.
EXAMPLES = int(os.environ.get("BTSOPT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Cells that are likely to hit special cases, mixed with arbitrary text.
TRICKY = st.sampled_from([
    "", " ", "nan", "NaN", "-inf", "inf", "1e999", "-0", "0", "3.0", "1,5", '"', '""', ";",
    "\n", "\r\n", "\x00", "\ufeff", "\u00a0", "EXISTING", "Rural", "in", "OUT", "alpha;beta",
    "alpha", "beta", "E1", "C1", "H1", "106,12", "1_000", "١٢", "Thôn_Đông", "𝟙", "-1", "1e-400",
    "99999999999999999999", "existing", "candidate", "dense urban",
])
CELL = st.one_of(TRICKY, st.text(max_size=30))


@contextmanager
def scenario(files: dict[str, str | bytes]) -> Iterator[Path]:
    """A temporary copy of tiny with some files replaced; yields its TOML path."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in {**FILES, **files}.items():
            data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
            (root / name).write_bytes(data)
        yield root / "scenario.toml"


def check(path: Path) -> ProblemData | None:
    """Read; a ScenarioError is fine (one line), anything else fails the test."""
    try:
        data = read_scenario(path)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc), repr(str(exc))
        return None
    assert_valid(data)
    return data


def assert_valid(data: ProblemData) -> None:
    """What downstream code relies on in a ProblemData."""
    h, s = data.hamlets, data.sites
    assert len(h) >= 1 and len(s) >= 1 and data.num_operators >= 1
    for values in (h.lon, h.lat, h.population, s.lon, s.lat, s.height_m, s.capex,
                   s.opex_per_year, s.rent_per_year):
        assert np.isfinite(values).all()
    assert (np.abs(h.lat) <= 90).all() and (np.abs(h.lon) <= 180).all()
    assert (np.abs(s.lat) <= 90).all() and (np.abs(s.lon) <= 180).all()
    assert (h.population >= 0).all() and (s.height_m > 0).all() and (s.capex >= 0).all()
    assert ((h.min_operators >= 0) & (h.min_operators <= data.num_operators)).all()
    assert (s.max_tenants >= 1).all()
    assert len(set(h.ids)) == len(h) and len(set(s.ids)) == len(s)
    assert all(i.strip() == i and i for i in h.ids + s.ids)
    assert s.allowed.shape == data.tenancies.shape == (len(s), data.num_operators)
    assert (data.tenancies.sum(axis=1) <= s.max_tenants).all()
    assert not (data.tenancies & ~s.existing[:, None]).any()
    assert all("\n" not in w for w in data.warnings)
    e = data.economics
    assert 0 <= e.horizon_years <= 100 and 0 <= e.discount_rate <= 1
    assert math.isfinite(e.annuity_factor)


def _replace_cell(text: str, row: int, column: int, value: str, quote: bool) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    row %= len(rows)
    column %= len(rows[row])
    if quote:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([value])
        value = buffer.getvalue()
    rows[row][column] = value
    return "\n".join(",".join(r) for r in rows) + "\n"


@FUZZ
@given(table=st.sampled_from(["hamlets.csv", "sites.csv", "tenancies.csv"]),
       row=st.integers(0, 10), column=st.integers(0, 10), value=CELL, quote=st.booleans())
def test_any_cell(table: str, row: int, column: int, value: str, quote: bool) -> None:
    with scenario({table: _replace_cell(FILES[table], row, column, value, quote)}) as path:
        check(path)


@FUZZ
@given(table=st.sampled_from(["hamlets.csv", "sites.csv", "tenancies.csv"]),
       cells=st.lists(st.tuples(st.integers(1, 5), st.integers(0, 9), CELL), max_size=6))
def test_several_cells(table: str, cells: list[tuple[int, int, str]]) -> None:
    text = FILES[table]
    for row, column, value in cells:
        text = _replace_cell(text, row, column, value, quote=True)
    with scenario({table: text}) as path:
        check(path)


@FUZZ
@given(table=st.sampled_from(["hamlets.csv", "sites.csv", "tenancies.csv"]),
       content=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_any_table(table: str, content: str | bytes) -> None:
    with scenario({table: content}) as path:
        check(path)


@FUZZ
@given(header=st.lists(st.sampled_from(["id", "lon", "lat", "population", "area_type",
                                        "min_operators", "ID", "", "x"]), max_size=7),
       body=st.lists(st.lists(CELL, max_size=7), max_size=6),
       separator=st.sampled_from([",", ";", "\t"]))
def test_any_hamlet_table_shape(header: list[str], body: list[list[str]], separator: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(header)
    writer.writerows(body)
    with scenario({"hamlets.csv": buffer.getvalue()}) as path:
        check(path)


@FUZZ
@given(content=st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_any_toml(content: str | bytes) -> None:
    with scenario({"scenario.toml": content}) as path:
        check(path)


def _toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else
                                                "-inf" if value == -math.inf else repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_literal(v)}" for k, v in value.items()) + "}"


TOML_VALUE = st.recursive(
    st.one_of(st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=20),
              st.sampled_from(["any", "each", "soft", "hard", "fixed-radius", "okumura-hata",
                               "alpha", "hamlets.csv", "sites.csv", "tenancies.csv"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["rural", "urban", "x"]), inner,
                                            max_size=3)),
    max_leaves=6,
)
TOML_LINES = [n for n, line in enumerate(FILES["scenario.toml"].splitlines())
              if " = " in line and not line.startswith("#")]


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(TOML_LINES), TOML_VALUE), min_size=1,
                      max_size=3))
def test_any_toml_value(edits: list[tuple[int, object]]) -> None:
    lines = FILES["scenario.toml"].splitlines()
    for number, value in edits:
        key = lines[number].split(" = ", 1)[0]
        lines[number] = f"{key} = {_toml_literal(value)}"
    with scenario({"scenario.toml": "\n".join(lines) + "\n"}) as path:
        check(path)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["type", "features", "geometry", "coordinates", "properties",
                                 "id", "population", "Point", "lon"]), inner, max_size=4)),
    max_leaves=12,
)


@FUZZ
@given(document=JSON, wrap=st.booleans())
def test_any_geojson(document: object, wrap: bool) -> None:
    if wrap:
        document = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.0, 20.0]},
             "properties": {"id": "H1", "population": 1}}, document]}
    toml = FILES["scenario.toml"].replace('"hamlets.csv"', '"hamlets.geojson"')
    with scenario({"scenario.toml": toml, "hamlets.geojson": json.dumps(document)}) as path:
        check(path)


ARROW_COLUMN = st.sampled_from([
    pa.array(["H1", "H2"]), pa.array([106.0, 106.1]), pa.array([1, 2]),
    pa.array([None, 3.5]), pa.array([float("nan"), 1.0]), pa.array([True, False]),
    pa.array([b"\x01\x01", None]), pa.array([[1], []]), pa.array([{"a": 1}, None]),
    pa.array(["rural", "Urban"]).dictionary_encode(), pa.array([10**18, -1]),
    pa.array(["", " "]), pa.array([None, None], type=pa.null()),
])


@FUZZ
@given(columns=st.dictionaries(
    st.sampled_from(["id", "lon", "lat", "population", "area_type", "min_operators",
                     "geometry", "name"]), ARROW_COLUMN, max_size=8))
def test_any_parquet(columns: dict[str, pa.Array]) -> None:
    toml = FILES["scenario.toml"].replace('"hamlets.csv"', '"hamlets.parquet"')
    with scenario({"scenario.toml": toml}) as path:
        table = pa.table(columns) if columns else pa.table({"x": pa.array([], pa.int8())})
        pq.write_table(table, path.parent / "hamlets.parquet")
        check(path)


# The fast (Arrow) path must read exactly what the exact (csv module) path reads.
CSV_TEXT = st.text(alphabet=st.sampled_from(list("ab1.,;\"\t \n\r\u00a0é\u0301\x1c")),
                   max_size=60)


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(text=CSV_TEXT)
def test_fast_parser_agrees_with_exact(text: str) -> None:
    text = text.lstrip("\r\n")
    if not text.strip():
        return
    separator = sniff_separator(text.splitlines()[0] if text.splitlines() else text)
    fast = _parse_fast(text, separator)
    if fast is None:
        return
    try:
        exact = _parse_exact(text, separator, Path("t.csv"))
    except ScenarioError as exc:  # pragma: no cover - a disagreement
        raise AssertionError(f"fast path accepted what the exact path rejects: {exc}") from None
    assert fast[0] == exact[0]
    assert [c.tolist() for c in fast[1]] == [c.tolist() for c in exact[1]]
    assert fast[2].tolist() == exact[2].tolist()


@settings(max_examples=EXAMPLES, deadline=None)
@given(content=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".tsv", ".geojson"]))
def test_read_table_any_bytes(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t{suffix}"
        path.write_bytes(content)
        try:
            table = read_table(path)
        except ScenarioError as exc:
            assert "\n" not in str(exc)
            return
        for column in table.columns:
            try:
                table.number(column, 0.0)
                table.choice(column, ("a", "b"), "a")
            except ScenarioError as exc:
                assert "\n" not in str(exc)


def test_fuzz_helpers_accept_tiny() -> None:
    with scenario({}) as path:
        assert check(path) is not None
    shutil.rmtree(Path(tempfile.gettempdir()) / "nonexistent-btsopt", ignore_errors=True)
