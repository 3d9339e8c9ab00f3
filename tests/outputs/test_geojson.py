"""sites.geojson and hamlets.geojson: RFC 7946 structure and the plan's attributes."""

from __future__ import annotations

import json
from pathlib import Path

from btsopt.outputs.geojson import feature_collection_text


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _check_collection(doc: dict, count: int) -> None:
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946 removed it: WGS84 only
    assert len(doc["features"]) == count
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        # [lon, lat] order: Nam Định's longitudes are ~106, latitudes ~20.
        assert 105 < lon < 107 and 19 < lat < 21
        assert isinstance(feature["properties"], dict)


def test_sites_geojson(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    doc = _load(out / "sites.geojson")
    _check_collection(doc, 4)
    by_id = {f["properties"]["site_id"]: f for f in doc["features"]}
    assert by_id["E2"]["id"] == "E2"
    assert by_id["E2"]["geometry"]["coordinates"] == [106.04, 20.0]
    e2 = by_id["E2"]["properties"]
    assert e2["status"] == "colocated"
    assert e2["tenants"] == "alpha;beta" and e2["tenant_count"] == 2
    assert e2["new_tenants"] == "alpha"
    assert e2["shared"] is True and e2["existing"] is True and e2["owner"] == "beta"
    assert (e2["commune"], e2["district"]) == ("Xã B", "Huyện X")
    statuses = {k: f["properties"]["status"] for k, f in by_id.items()}
    assert statuses == {"E1": "kept", "E2": "colocated", "C1": "unused", "C2": "new"}
    assert by_id["C2"]["properties"]["shared"] is False
    assert by_id["C1"]["properties"]["tenants"] == ""


def test_hamlets_geojson(tiny_out: tuple[Path, list[Path]]) -> None:
    out, _ = tiny_out
    text = (out / "hamlets.geojson").read_text(encoding="utf-8")
    assert "Thôn Ba" in text  # UTF-8, not \\u escapes
    doc = json.loads(text)
    _check_collection(doc, 5)
    by_id = {f["id"]: f for f in doc["features"]}
    h3 = by_id["H3"]
    assert h3["geometry"]["coordinates"] == [106.04, 20.0]
    props = h3["properties"]
    assert props["name"] == "Thôn Ba"
    assert (props["commune"], props["district"]) == ("Xã B", "Huyện X")
    assert props["population"] == 500
    assert props["covered"] is True
    assert props["operator_count"] == 2
    assert props["operators"] == "alpha;beta"
    assert props["sites"] == "E2:alpha;E2:beta"
    assert [by_id[h]["properties"]["operator_count"] for h in ("H1", "H2", "H3", "H4", "H5")] \
        == [1, 2, 2, 1, 1]
    assert all(f["properties"]["covered"] for f in doc["features"])


def test_empty_collection_is_valid_json() -> None:
    doc = json.loads(feature_collection_text([], "empty"))
    assert doc == {"type": "FeatureCollection", "name": "empty", "features": []}


def test_nan_becomes_null() -> None:
    import pandas as pd

    from btsopt.outputs.geojson import features

    frame = pd.DataFrame({"id": ["a"], "lon": [106.0], "lat": [20.0], "v": [float("nan")]})
    (feature,) = features(frame, ("id", "v"), "id")
    assert feature["properties"] == {"id": "a", "v": None}  # JSON has no NaN
