"""GeoJSON (RFC 7946) of a plan's sites and hamlets, for QGIS and web maps.

Each file is a ``FeatureCollection`` of ``Point`` features with
``[lon, lat]`` WGS84 coordinates and no ``crs`` member (RFC 7946 fixes the
CRS). Properties mirror ``sites.csv`` and ``hamlets.csv``: lists of operators
are ``;``-separated text, as in the CSVs, because many GIS formats (shapefile,
GeoPackage) have no list fields.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

_DECIMALS = 6  # ~0.1 m: RFC 7946 section 11.2 advises against more precision

SITE_PROPERTIES: tuple[str, ...] = (
    "site_id", "status", "existing", "owner", "tenants", "tenant_count", "new_tenants",
    "removed_tenants", "shared", "max_tenants", "commune", "district",
)
"""Columns of :func:`~btsopt.outputs.tables.sites_frame` kept as site properties."""

HAMLET_PROPERTIES: tuple[str, ...] = (
    "hamlet_id", "name", "commune", "district", "population", "area_type",
    "required_operators", "covered", "operator_count", "operators", "sites",
)
"""Columns of :func:`~btsopt.outputs.tables.hamlets_frame` kept as hamlet properties."""


def _plain(value: Any) -> Any:
    """A JSON-native value (numpy scalars to Python; NaN to null)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def features(frame: pd.DataFrame, properties: tuple[str, ...], id_column: str) -> list[dict]:
    """GeoJSON ``Feature`` objects, one per row of ``frame``.

    Parameters
    ----------
    frame
        A table with ``lon`` and ``lat`` columns.
    properties
        Columns to carry as properties (missing ones are skipped).
    id_column
        Column used as the feature ``id`` too.
    """
    columns = [c for c in properties if c in frame.columns]
    lon = np.round(frame["lon"].to_numpy(dtype=float), _DECIMALS)
    lat = np.round(frame["lat"].to_numpy(dtype=float), _DECIMALS)
    values = [frame[c].tolist() for c in columns]  # tolist: Python scalars, fast
    out = []
    for row in range(len(frame)):
        props = {c: _plain(values[n][row]) for n, c in enumerate(columns)}
        out.append({
            "type": "Feature",
            "id": props.get(id_column, row),
            "geometry": {"type": "Point", "coordinates": [float(lon[row]), float(lat[row])]},
            "properties": props,
        })
    return out


def feature_collection_text(feats: list[dict], name: str | None = None) -> str:
    """Serialise features as a ``FeatureCollection``, one feature per line.

    One feature per line keeps the file readable and diffs small, while
    staying valid JSON. ``name`` is a foreign member (allowed by RFC 7946,
    shown by QGIS as the layer name).
    """
    head = {"type": "FeatureCollection"}
    if name:
        head["name"] = name
    opening = json.dumps(head, ensure_ascii=False)[:-1]  # drop the closing brace
    body = ",\n".join(
        json.dumps(f, ensure_ascii=False, allow_nan=False, separators=(",", ":")) for f in feats
    )
    return f'{opening}, "features": [\n{body}\n]}}\n'


def sites_geojson(sites: pd.DataFrame, name: str | None = "sites") -> str:
    """``sites.geojson`` text from a :func:`~btsopt.outputs.tables.sites_frame`."""
    return feature_collection_text(features(sites, SITE_PROPERTIES, "site_id"), name)


def hamlets_geojson(hamlets: pd.DataFrame, name: str | None = "hamlets") -> str:
    """``hamlets.geojson`` text from a :func:`~btsopt.outputs.tables.hamlets_frame`."""
    return feature_collection_text(features(hamlets, HAMLET_PROPERTIES, "hamlet_id"), name)
