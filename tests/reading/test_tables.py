"""Tables: CSV dialects, Parquet, GeoJSON, cell conversion and speed."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from btsopt.errors import ScenarioError
from btsopt.reading import read_scenario, read_table
from btsopt.reading.tables import Table, _parse_exact, _parse_fast, show, sniff_separator

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny"


def _csv(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Table:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_table(path)


# ---------------------------------------------------------------------------------------
# Dialects


@pytest.mark.parametrize(("header", "separator"), [
    ("id,lon,lat", ","),
    ("id;lon;lat", ";"),
    ("id\tlon\tlat", "\t"),
    ('"a;b",lon,lat', ","),          # ';' inside quotes does not count
    ("id;lon,x;lat", ";"),           # more ';' than ','
    ("id", ","),
])
def test_sniff_separator(header: str, separator: str) -> None:
    assert sniff_separator(header) == separator


def test_semicolon_file_allows_decimal_commas(tmp_path: Path) -> None:
    table = _csv(tmp_path, "id;lon;pop\nA;106,12;3\nB; -0,5 ;4,0\n")
    assert table.decimal_comma
    assert table.number("lon").tolist() == [106.12, -0.5]
    assert table.integers("pop").tolist() == [3, 4]


def test_comma_file_decimal_comma_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="decimal comma") as caught:
        _csv(tmp_path, "id,lon,lat\nA,106,12,20.5\n")
    assert caught.value.row == 1
    table = _csv(tmp_path, 'id,lon,lat\nA,"106,12",20.5\n')
    with pytest.raises(ScenarioError, match="ambiguous") as caught:
        table.number("lon")
    assert (caught.value.row, caught.value.column) == (1, "lon")


def test_whitespace_and_zero_rows(tmp_path: Path) -> None:
    table = _csv(tmp_path, " id , lon \n  A  ,  1.5  \n")
    assert list(table.columns) == ["id", "lon"]
    assert table.text("id").tolist() == ["A"] and table.number("lon").tolist() == [1.5]
    empty = _csv(tmp_path, "id,lon,kind\n")
    assert len(empty) == 0
    assert empty.number("lon").shape == (0,)
    assert empty.integers("lon", 3).shape == (0,)
    assert empty.unique_ids() == ()
    assert empty.choice("kind", ("a", "b"), "a").shape == (0,)
    assert empty.required_text("id").shape == (0,)


def test_integers_accept_whole_floats(tmp_path: Path) -> None:
    table = _csv(tmp_path, "n\n3.0\n4\n+5\n1e1\n")
    assert table.integers("n").tolist() == [3, 4, 5, 10]
    with pytest.raises(ScenarioError, match="not a whole number"):
        _csv(tmp_path, "n\n3.5\n").integers("n")


@pytest.mark.parametrize(("cell", "message"), [
    ("NaN", "not a finite number"), ("nan", "not a finite number"),
    ("inf", "not a finite number"), ("-inf", "not a finite number"),
    ("Infinity", "not a finite number"), ("1e400", "too large"),
    ("abc", "not a number"), ("1_000", "not a number"), ("0x10", "not a number"),
    ("١٢", "not a number"), ("1.2.3", "not a number"), ("true", "not a number"),
])
def test_bad_numbers(tmp_path: Path, cell: str, message: str) -> None:
    table = _csv(tmp_path, f"id,x\nA,1\nB,{cell}\n")
    with pytest.raises(ScenarioError, match=message) as caught:
        table.number("x")
    assert (caught.value.row, caught.value.column) == (2, "x")


def test_choice_is_case_and_space_insensitive(tmp_path: Path) -> None:
    table = _csv(tmp_path, "k\nRural\n DENSE URBAN \ndense-urban\n\n")
    assert table.choice("k", ("dense_urban", "urban", "suburban", "rural"), "rural").tolist() == [
        3, 0, 0]
    with pytest.raises(ScenarioError, match="'forest' is not"):
        _csv(tmp_path, "k\nurban\nforest\n").choice("k", ("urban", "rural"), None)


def test_case_insensitive_column_fallback(tmp_path: Path) -> None:
    table = _csv(tmp_path, "ID,Lon,lon2\nA,1,2\n")
    assert table.has("id") and table.has("lon")
    assert table.text("id").tolist() == ["A"]
    both = _csv(tmp_path, "name,Name\na,b\n")
    assert both.text("name").tolist() == ["a"] and both.text("NAME").tolist() == [""]


def test_empty_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="empty"):
        _csv(tmp_path, "")
    with pytest.raises(ScenarioError, match="empty"):
        _csv(tmp_path, "\n\r\n  \n")
    with pytest.raises(ScenarioError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "t.xls").write_text("x")
    with pytest.raises(ScenarioError, match="CSV UTF-8"):
        read_table(tmp_path / "t.xls")
    (tmp_path / "noext").write_text("x")
    with pytest.raises(ScenarioError, match="unknown table format 'noext'"):
        read_table(tmp_path / "noext")


def test_unclosed_quote(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="never closed") as caught:
        _csv(tmp_path, 'id,name\nA,"open\nB,x\n')
    assert caught.value.row == 1
    with pytest.raises(ScenarioError, match="unclosed quote") as caught:
        _csv(tmp_path, 'id,name\nA,"open\nB,x",y\n')
    assert caught.value.row == 1
    assert _csv(tmp_path, 'id,size\nA,12" mast\n').text("size").tolist() == ['12" mast']


def test_nameless_columns(tmp_path: Path) -> None:
    table = _csv(tmp_path, "id,,x,\nA,,1,\nB,,2,\n")
    assert list(table.columns) == ["id", "x"]
    table = _csv(tmp_path, "id,\nA,note\n")
    assert list(table.columns) == ["id", "column 2"]


def test_lone_cr_line_endings(tmp_path: Path) -> None:
    table = _csv(tmp_path, "id,x\rA,1\rB,2\r")
    assert table.text("id").tolist() == ["A", "B"]


def test_messages_are_one_short_line() -> None:
    assert show("a\nb") == "'a\\nb'"
    assert len(show("x" * 1000)) < 50
    assert show(5) == "5"


# ---------------------------------------------------------------------------------------
# The fast (Arrow) and exact (csv module) parsers agree


@pytest.mark.parametrize("text", [
    "id,x\nA,1\nB,2\n",
    "id,x\r\nA,1\r\n\r\nB,2",
    'id,x\n"A, ""quoted""",1\n"multi\nline",2\n',
    "id,x\n,\nA,1\n,\n",
    "id;x\nA;1,5\n",
    "id,x\n a , 1 \n\u00a0b\u00a0,\u30002\u3000\n",
])
def test_fast_and_exact_parsers_agree(text: str) -> None:
    separator = sniff_separator(text.splitlines()[0])
    fast = _parse_fast(text, separator)
    assert fast is not None
    exact = _parse_exact(text, separator, Path("t.csv"))
    assert fast[0] == exact[0]
    assert [c.tolist() for c in fast[1]] == [c.tolist() for c in exact[1]]
    assert fast[2].tolist() == exact[2].tolist()


@pytest.mark.parametrize("text", [
    "id,x\nA,1,\n",            # padding
    "id,x\nA\n",               # short row
    "id,x\n   \nA,1\n",        # whitespace-only line
    "id,x\nA\x1c,1\n",         # a space to str.strip() but not to Arrow
])
def test_fast_parser_declines_odd_files(text: str) -> None:
    assert _parse_fast(text, ",") is None


# ---------------------------------------------------------------------------------------
# Parquet and GeoJSON versions of the tiny tables


def _tiny_frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(TINY / f"{name}.csv", keep_default_na=False, dtype=str)
            for name in ("hamlets", "sites", "tenancies")}


def _retarget(folder: Path, **tables: str) -> Path:
    toml = folder / "scenario.toml"
    text = toml.read_text("utf-8")
    for key, name in tables.items():
        text = text.replace(f'{key} = "{key}.csv"', f'{key} = "{name}"')
    toml.write_text(text, "utf-8")
    return toml


def test_parquet_tables_read_like_csv(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    shutil.copytree(TINY, folder)
    frames = _tiny_frames()
    hamlets = frames["hamlets"].astype({"lon": float, "lat": float, "population": "int64"})
    hamlets.to_parquet(folder / "hamlets.parquet")
    sites = frames["sites"].astype({"lon": float, "lat": float, "height_m": "int32"})
    sites["capex"] = pd.array([None, None, 1500.0, 1000.0], dtype="Float64")
    sites["status"] = sites["status"].astype("category")  # dictionary-encoded
    sites.to_parquet(folder / "sites.parquet")
    frames["tenancies"].to_parquet(folder / "tenancies.parquet")
    toml = _retarget(folder, hamlets="hamlets.parquet", sites="sites.parquet",
                     tenancies="tenancies.parquet")
    data, expected = read_scenario(toml), read_scenario(TINY / "scenario.toml")
    for attr in ("lon", "lat", "population", "area_type"):
        np.testing.assert_array_equal(getattr(data.hamlets, attr),
                                      getattr(expected.hamlets, attr))
    assert data.hamlets.name == expected.hamlets.name
    for attr in ("lon", "lat", "existing", "capex", "height_m", "max_tenants"):
        np.testing.assert_array_equal(getattr(data.sites, attr), getattr(expected.sites, attr))
    np.testing.assert_array_equal(data.tenancies, expected.tenancies)


def test_parquet_nan_is_an_error_and_null_a_default(tmp_path: Path) -> None:
    table = pa.table({"id": ["A", "B"], "x": pa.array([1.0, float("nan")]),
                      "y": pa.array([None, 2], type=pa.int64()), "flag": [True, False],
                      "tags": [["a"], []]})
    pq.write_table(table, tmp_path / "t.parquet")
    read = read_table(tmp_path / "t.parquet")
    with pytest.raises(ScenarioError, match="'nan' is not a finite number") as caught:
        read.number("x")
    assert caught.value.row == 2
    assert read.number("y", 7.0).tolist() == [7.0, 2.0]
    assert read.text("flag").tolist() == ["true", "false"]
    assert read.text("tags").tolist() == ["['a']", "[]"]


def test_geoparquet_points(tmp_path: Path) -> None:
    wkb = [struct.pack("<BIdd", 1, 1, 106.5, 20.25), None]
    pq.write_table(pa.table({"id": ["A", "B"], "geometry": pa.array(wkb, type=pa.binary())}),
                   tmp_path / "g.parquet")
    read = read_table(tmp_path / "g.parquet")
    assert read.text("lon").tolist() == ["106.5", ""]
    assert read.number("lat", 0.0).tolist() == [20.25, 0.0]


def test_not_a_parquet_file(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ScenarioError, match="not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet")


def test_geojson_tables_read_like_csv(tmp_path: Path) -> None:
    folder = tmp_path / "geo"
    shutil.copytree(TINY, folder)
    frames = _tiny_frames()
    for name in ("hamlets", "sites"):
        features = []
        for record in frames[name].to_dict("records"):
            lon, lat = float(record.pop("lon")), float(record.pop("lat"))
            features.append({"type": "Feature", "properties": record,
                             "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        (folder / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    toml = _retarget(folder, hamlets="hamlets.geojson", sites="sites.geojson")
    data, expected = read_scenario(toml), read_scenario(TINY / "scenario.toml")
    np.testing.assert_array_equal(data.hamlets.lon, expected.hamlets.lon)
    np.testing.assert_array_equal(data.sites.capex, expected.sites.capex)
    assert data.hamlets.name == expected.hamlets.name


@pytest.mark.parametrize(("document", "message"), [
    ("{", "not valid JSON"),
    ("[1, 2]", "each feature must be a JSON object"),
    ('{"type": "FeatureCollection"}', "FeatureCollection"),
    ('{"features": [{"geometry": {"type": "Point", "coordinates": ["a", 1]}}]}', "Point"),
    ('{"features": [{"properties": [1]}]}', "'properties' must be a JSON object"),
    ("[" * 100000, "not valid JSON"),
])
def test_bad_geojson(tmp_path: Path, document: str, message: str) -> None:
    (tmp_path / "t.geojson").write_text(document, "utf-8")
    with pytest.raises(ScenarioError, match=message):
        read_table(tmp_path / "t.geojson")


def test_geojson_nan_coordinate(tmp_path: Path) -> None:
    (tmp_path / "t.geojson").write_text(
        '{"features": [{"id": 7, "geometry": {"type": "Point", "coordinates": [NaN, 1]}}]}')
    table = read_table(tmp_path / "t.geojson")
    assert table.text("id").tolist() == ["7"]
    with pytest.raises(ScenarioError, match="not a finite number"):
        table.number("lon")


# ---------------------------------------------------------------------------------------
# Speed


def _write_big_scenario(folder: Path, n: int, odd: bool = False) -> Path:
    shutil.copytree(TINY, folder)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "id": [f"Thôn_{i}" for i in range(n)],
        "lon": np.round(105.9 + rng.random(n) * 0.5, 5),
        "lat": np.round(20.0 + rng.random(n) * 0.5, 5),
        "population": rng.integers(50, 900, n),
        "area_type": np.array(["rural", "urban", "suburban", "dense_urban"])[
            rng.integers(0, 4, n)],
        "name": [f"Xóm {i}" for i in range(n)],
        "commune": [f"Xã {i % 300}" for i in range(n)],
        "district": [f"Huyện {i % 9}" for i in range(n)],
    })
    text = frame.to_csv(index=False)
    if odd:
        # Blank lines and padding send the file down the exact (csv module) path.
        header, body = text.split("\n", 1)
        text = header + "\n" + body.replace("\n", ",\n", 1000).replace("Xã 5\n", "Xã 5\n\n")
    (folder / "hamlets.csv").write_text(text, "utf-8")
    return folder / "scenario.toml"


@pytest.mark.parametrize("odd", [False, True], ids=["rectangular", "blank-lines-and-padding"])
def test_80000_hamlets_read_by_either_path(tmp_path: Path, odd: bool) -> None:
    # The time it takes is a micro-benchmark (tests/benchmarks/test_kernels.py),
    # not a clock assertion that a busy machine would fail.
    toml = _write_big_scenario(tmp_path / "big", 80_000, odd)
    data = read_scenario(toml)
    assert data.num_hamlets == 80_000
    assert data.hamlets.ids[-1] == "Thôn_79999"
    assert data.hamlets.commune[-1] == f"Xã {79_999 % 300}"
