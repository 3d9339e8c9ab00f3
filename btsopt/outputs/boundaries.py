"""Province outline and district areas drawn from the hamlets alone.

The scenario format gives hamlets a district but no district shapes, so the
map derives them: every point of a raster over the province takes the
district of its nearest hamlet (a discrete Voronoi partition), the province
is the land within reach of the hamlets with small gaps closed (a
morphological closing, like an alpha shape), and each district's area is
traced by contouring its smoothed indicator at one half. Two neighbouring
districts' indicators add up to one along their shared border, so both trace
the same line there.

The shapes are a drawing aid, not administrative boundaries: they follow
the hamlets, within about one raster cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from contourpy import FillType, contour_generator
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = ["Area", "BoundarySettings", "Boundaries", "derive_boundaries"]


@dataclass(frozen=True)
class BoundarySettings:
    """How the outline and the district areas are derived.

    Attributes
    ----------
    cells
        Raster cells along the longer side of the hamlets' extent (finer
        traces cost time quadratically).
    reach
        Land reaches this many typical hamlet spacings (median distance to
        the nearest hamlet) beyond the outermost hamlets.
    closing
        Gaps between hamlets narrower than twice this many spacings are
        closed (rivers between communes stay land; a bay stays open).
    smoothing
        Gaussian smoothing of the traces, in raster cells.
    min_area
        Specks smaller than this many squared spacings are left out (a
        district's hamlet that is nearest to a few cells inside another).
    """

    cells: int = 400
    reach: float = 1.2
    closing: float = 3.0
    smoothing: float = 1.2
    min_area: float = 6.0


@dataclass(frozen=True)
class Area:
    """One traced area: rings of ``(lon, lat)`` arrays and a label point.

    Attributes
    ----------
    name
        District name (empty for the province outline).
    rings
        Closed rings, outer ones and holes alike (draw with the even-odd rule).
    label_lon, label_lat
        The point deepest inside the area, where its name reads best (for
        the province outline: the hamlets' mean position).
    """

    name: str
    rings: tuple[tuple[np.ndarray, np.ndarray], ...]
    label_lon: float
    label_lat: float


@dataclass(frozen=True)
class Boundaries:
    """The province outline and its districts' areas."""

    outline: Area
    districts: tuple[Area, ...]
    neighbours: tuple[tuple[int, int], ...]
    """Index pairs of districts that share a border (for colouring)."""


def _ring_area(xs: np.ndarray, ys: np.ndarray) -> float:
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))


def _rings(field: np.ndarray, gx: np.ndarray, gy: np.ndarray, cos_lat: float,
           min_area: float) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Rings of the area where ``field >= 0.5``, those smaller than ``min_area`` left out.

    Dropping small rings alike from every area keeps the areas a tiling: a
    speck of district B inside A is dropped from B, and its hole from A.
    """
    generator = contour_generator(gx, gy, field, fill_type=FillType.OuterCode)
    points_list, codes_list = generator.filled(0.5, math.inf)
    rings = []
    for points, codes in zip(points_list, codes_list, strict=True):
        starts = np.flatnonzero(codes == 1)  # MOVETO opens each ring
        for begin, end in zip(starts, [*starts[1:], len(codes)], strict=True):
            ring = points[begin:end]
            if len(ring) >= 4 and _ring_area(ring[:, 0], ring[:, 1]) >= min_area:
                rings.append((ring[:, 0] / cos_lat, ring[:, 1].copy()))
    return tuple(rings)


def _label_point(mask: np.ndarray, gx: np.ndarray, gy: np.ndarray, cos_lat: float
                 ) -> tuple[float, float]:
    """The cell deepest inside ``mask`` (searched in its bounding box, for speed)."""
    box = ndimage.find_objects(mask.astype(np.int8))[0]
    depth = ndimage.distance_transform_edt(np.pad(mask[box], 1))[1:-1, 1:-1]
    row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return float(gx[box[1].start + col] / cos_lat), float(gy[box[0].start + row])


def derive_boundaries(
    lon: np.ndarray,
    lat: np.ndarray,
    district: np.ndarray | list[str] | tuple[str, ...],
    settings: BoundarySettings | None = None,
) -> Boundaries | None:
    """Trace the province outline and the district areas from hamlet positions.

    Parameters
    ----------
    lon, lat
        Hamlet positions (WGS84 degrees).
    district
        Each hamlet's district name (empty names form no district).
    settings
        Raster size and distances; defaults to :class:`BoundarySettings`.

    Returns
    -------
    Boundaries or None
        ``None`` with fewer than three hamlets (nothing to outline).
    """
    settings = settings or BoundarySettings()
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if len(lon) < 3:
        return None
    cos_lat = max(math.cos(math.radians(float(np.mean(lat)))), 0.05)
    x, y = lon * cos_lat, lat
    points = np.column_stack([x, y])
    tree = cKDTree(points)
    nearest_other, _ = tree.query(points, k=2)
    spacing = float(np.median(nearest_other[:, 1]))
    extent = max(float(np.ptp(x)), float(np.ptp(y)), 1e-6)
    spacing = max(spacing, extent / 2000)  # coincident hamlets
    margin = (settings.reach + settings.closing) * spacing
    cell = max(extent + 2 * margin, 1e-9) / settings.cells
    gx = np.arange(x.min() - margin, x.max() + margin + cell, cell)
    gy = np.arange(y.min() - margin, y.max() + margin + cell, cell)
    # Nearest hamlet of every cell, to the cell: a Euclidean distance
    # transform from the cells holding hamlets (much faster than a k-d tree
    # query per cell; where two hamlets share a cell, the later one holds it).
    holder = np.full((len(gy), len(gx)), -1, dtype=np.int64)
    holder[np.rint((y - gy[0]) / cell).astype(int),
           np.rint((x - gx[0]) / cell).astype(int)] = np.arange(len(x))
    distance, (rows, cols) = ndimage.distance_transform_edt(holder < 0, return_indices=True)
    distance = distance * cell
    nearest = holder[rows, cols]

    # Land: within reach + closing of a hamlet, then eroded back by the
    # closing distance, which fills gaps narrower than twice of it.
    grown = distance <= (settings.reach + settings.closing) * spacing
    land = ndimage.distance_transform_edt(grown) * cell > settings.closing * spacing
    land |= distance <= settings.reach * spacing
    land = ndimage.binary_fill_holes(land)  # lakes and empty fields inside stay land
    sigma = settings.smoothing
    min_area = settings.min_area * spacing**2
    outline = Area("", _rings(ndimage.gaussian_filter(land.astype(float), sigma), gx, gy,
                              cos_lat, min_area), float(np.mean(lon)), float(np.mean(lat)))

    names = np.asarray(district, dtype=object)
    labels, codes = np.unique(names, return_inverse=True)
    cell_district = np.where(land, codes[nearest], -1)
    areas, kept = [], []
    pad = int(math.ceil(4 * sigma)) + 1  # the gaussian's reach (scipy truncates at 4 sigma)
    boxes = ndimage.find_objects(cell_district + 1)  # label code + 1 -> its bounding box
    for code, name in enumerate(labels):
        if not name or code >= len(boxes) or boxes[code] is None:
            continue
        rows, cols = boxes[code]
        rows = slice(max(rows.start - pad, 0), min(rows.stop + pad, len(gy)))
        cols = slice(max(cols.start - pad, 0), min(cols.stop + pad, len(gx)))
        mask = cell_district[rows, cols] == code  # the district, in its box
        field = ndimage.gaussian_filter(mask.astype(float), sigma, mode="constant")
        areas.append(Area(str(name), _rings(field, gx[cols], gy[rows], cos_lat, min_area),
                          *_label_point(mask, gx[cols], gy[rows], cos_lat)))
        kept.append(code)
    # Neighbours: districts on either side of a horizontal or vertical cell step.
    index = {code: i for i, code in enumerate(kept)}
    pairs = set()
    for a, b in ((cell_district[:, :-1], cell_district[:, 1:]),
                 (cell_district[:-1, :], cell_district[1:, :])):
        step = (a != b) & (a >= 0) & (b >= 0)
        found = np.unique(np.column_stack([a[step], b[step]]), axis=0)
        for u, v in found.tolist():
            if u in index and v in index:
                pairs.add((min(index[u], index[v]), max(index[u], index[v])))
    return Boundaries(outline=outline, districts=tuple(areas), neighbours=tuple(sorted(pairs)))
