"""The region's outline, a local plane in km, and sampling points inside it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from btsopt.generate.params import _KM_PER_DEG, GeneratorParams
from btsopt.radio.pathloss import EARTH_RADIUS_KM, haversine_km


def _densify(poly: np.ndarray, per_edge: int = 64) -> np.ndarray:
    t = np.arange(per_edge) / per_edge
    nxt = np.roll(poly, -1, axis=0)
    return (poly[:, None, :] + (nxt - poly)[:, None, :] * t[None, :, None]).reshape(-1, 2)


def region_area_km2(polygon: np.ndarray | tuple) -> float:
    """Area of a lon/lat polygon in km2.

    Edges are straight in lon/lat; they are densified and projected with the
    equal-area sinusoidal projection, then measured with the shoelace formula.
    """
    p = _densify(np.asarray(polygon, dtype=float))
    lat = np.radians(p[:, 1])
    x = EARTH_RADIUS_KM * np.radians(p[:, 0]) * np.cos(lat)
    y = EARTH_RADIUS_KM * lat
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def region_polygon(params: GeneratorParams) -> np.ndarray:
    """The region outline (lon/lat vertices) scaled to ``params.area_km2``.

    Raises
    ------
    ValueError
        If the scaled region does not fit in ``params.bbox``.
    """
    if params.polygon is not None:
        poly = np.asarray(params.polygon, dtype=float)
    else:
        lon0, lat0, lon1, lat1 = params.bbox
        poly = np.array([(lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1)])
    centre = poly.mean(axis=0)
    # Area is not exactly quadratic in the scale on the sphere: a few fixed-point steps.
    for _ in range(4):
        factor = math.sqrt(params.area_km2 / region_area_km2(poly))
        poly = centre + (poly - centre) * factor
    lon0, lat0, lon1, lat1 = params.bbox
    tol = 1e-6 * max(lon1 - lon0, lat1 - lat0)  # a rectangle scaled to its own area
    if (poly[:, 0].min() < lon0 - tol or poly[:, 0].max() > lon1 + tol
            or poly[:, 1].min() < lat0 - tol or poly[:, 1].max() > lat1 + tol):
        raise ValueError("the region scaled to area_km2 does not fit in the bbox")
    return poly


class _Plane:
    """Local equirectangular plane in km around the region's centre (for placement)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = _KM_PER_DEG * math.cos(math.radians(lat0))

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack(((lon - self.lon0) * self.kx, (lat - self.lat0) * _KM_PER_DEG))

    def to_lonlat(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return xy[:, 0] / self.kx + self.lon0, xy[:, 1] / _KM_PER_DEG + self.lat0


def _inside(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, vectorised over points."""
    x, y = xy[:, 0:1], xy[:, 1:2]
    x0, y0 = poly[:, 0][None, :], poly[:, 1][None, :]
    x1, y1 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return (np.count_nonzero(crosses & (x < x_at), axis=1) % 2) == 1


def _edge_distance(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Distance (plane km) from each point to the polygon's boundary."""
    a = poly[None, :, :]
    ab = np.roll(poly, -1, axis=0)[None, :, :] - a
    ap = xy[:, None, :] - a
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    return np.sqrt(((ap - t[..., None] * ab) ** 2).sum(-1)).min(axis=1)


def _sample_inside(rng: np.random.Generator, n: int, poly_xy: np.ndarray) -> np.ndarray:
    """``n`` points uniform in the (plane) polygon, by rejection."""
    lo, hi = poly_xy.min(axis=0), poly_xy.max(axis=0)
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform(lo, hi, size=(2 * (n - len(out)) + 16, 2))
        out = np.vstack((out, pts[_inside(pts, poly_xy)]))
    return out[:n]


def _keep_inside(
    rng: np.random.Generator, centres: np.ndarray, sigma: np.ndarray, poly_xy: np.ndarray
) -> np.ndarray:
    """Gaussian points around ``centres`` (per-point sigma), redrawn until inside."""
    pts = centres + rng.normal(size=centres.shape) * sigma[:, None]
    for _ in range(50):
        bad = np.flatnonzero(~_inside(pts, poly_xy))
        if bad.size == 0:
            return pts
        pts[bad] = centres[bad] + rng.normal(size=(bad.size, 2)) * sigma[bad, None]
    # A centre outside the polygon cannot give inside points: pull those in.
    bad = ~_inside(pts, poly_xy)
    pts[bad] = _sample_inside(rng, int(bad.sum()), poly_xy)
    return pts


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _pairs(
    h_lon: np.ndarray, h_lat: np.ndarray, s_lon: np.ndarray, s_lat: np.ndarray, reach_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hamlet, site, great-circle km) for all pairs within ``reach_km``."""
    chord = 2.0 * math.sin(min(reach_km / (2.0 * EARTH_RADIUS_KM), math.pi / 2))
    hamlet_tree = cKDTree(_unit(h_lon, h_lat))
    site_tree = cKDTree(_unit(s_lon, s_lat))
    pairs = site_tree.sparse_distance_matrix(
        hamlet_tree, chord * (1 + 1e-9) + 1e-12, output_type="ndarray"
    )
    sj, hi = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    return hi, sj, haversine_km(s_lon[sj], s_lat[sj], h_lon[hi], h_lat[hi])
