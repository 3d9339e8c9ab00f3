"""The evaluator's own radio formulas and coverage search.

This module is deliberately written from the text of the scenario format
(``shared/spec/scenario-format.md``, beside the checkout) and shares nothing with
``btsopt.radio``: the evaluator is the independent check of the solver, so a
disagreement between the two is a bug found in one of them.

Conventions (from the spec): distance ``d`` is great-circle (haversine, Earth
radius 6371.0088 km) in km; frequency ``f`` in MHz; heights in m; ``log`` is
log10. The formulas are applied at every distance (no clamping to their
validity range) and a hamlet at the site itself (``d == 0``) is covered.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES, ProblemData

EARTH_RADIUS_KM: float = 6371.0088
"""Mean Earth radius used by the haversine distance."""

DENSE_URBAN, URBAN, SUBURBAN, RURAL = 0, 1, 2, 3
"""Clutter codes, in the order of ``btsopt.data.AREA_TYPES``."""

_HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
_MAX_HEIGHT_GROUPS = 6  # trees per operator; more groups = tighter search radii
_HAMLET_CHUNK = 20_000  # hamlets per chunk, bounds the candidate-pair memory

assert AREA_TYPES == ("dense_urban", "urban", "suburban", "rural")


def haversine_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Longitudes and latitudes in degrees; broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances in km (exactly 0 for identical points).
    """
    lam1, phi1 = np.radians(lon1), np.radians(lat1)
    lam2, phi2 = np.radians(lon2), np.radians(lat2)
    h = (
        np.sin((phi2 - phi1) / 2.0) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2.0) ** 2
    )
    # Rounding can push h a hair above 1 for antipodal points.
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def mobile_correction_db(
    frequency_mhz: ArrayLike, mobile_height_m: ArrayLike
) -> np.ndarray:
    """Hata's mobile antenna correction ``a(hm) = (1.1 log f - 0.7) hm - (1.56 log f - 0.8)``."""
    log_f = np.log10(frequency_mhz)
    return (1.1 * log_f - 0.7) * np.asarray(mobile_height_m, dtype=float) - (
        1.56 * log_f - 0.8
    )


def path_loss_db(
    model: str,
    distance_km: ArrayLike,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike,
    area_type: ArrayLike,
) -> np.ndarray:
    """Path loss in dB of the ``okumura-hata`` or ``cost231-hata`` model.

    Parameters
    ----------
    model
        ``"okumura-hata"`` or ``"cost231-hata"``.
    distance_km
        Great-circle distance in km (``0`` gives ``-inf``: always covered).
    frequency_mhz
        Carrier frequency in MHz.
    base_height_m
        Site antenna height ``hb`` in m.
    mobile_height_m
        Receiver height ``hm`` in m.
    area_type
        Clutter codes 0..3 (dense_urban, urban, suburban, rural).

    Returns
    -------
    numpy.ndarray
        Loss in dB, broadcast over the inputs.
    """
    d = np.asarray(distance_km, dtype=float)
    f = np.asarray(frequency_mhz, dtype=float)
    hb = np.asarray(base_height_m, dtype=float)
    clutter = np.asarray(area_type)
    log_f = np.log10(f)
    log_hb = np.log10(hb)
    a_hm = mobile_correction_db(f, mobile_height_m)
    with np.errstate(divide="ignore"):  # log10(0) = -inf: the site itself
        log_d = np.log10(d)
    slope = 44.9 - 6.55 * log_hb
    # At d == 0 the slope term is -inf * slope; avoid nan for a zero slope.
    distance_term = np.where(d > 0.0, slope * np.where(d > 0.0, log_d, 0.0), -np.inf)
    suburban = 2.0 * np.log10(f / 28.0) ** 2 + 5.4
    rural = 4.78 * log_f**2 - 18.33 * log_f + 40.94
    if model == "okumura-hata":
        # dense_urban is treated as urban: no extra term.
        loss = 69.55 + 26.16 * log_f - 13.82 * log_hb - a_hm + distance_term
        correction = np.select(
            [clutter == SUBURBAN, clutter == RURAL], [suburban, rural], 0.0
        )
    elif model == "cost231-hata":
        loss = 46.3 + 33.9 * log_f - 13.82 * log_hb - a_hm + distance_term
        correction = np.select(
            [clutter == DENSE_URBAN, clutter == SUBURBAN, clutter == RURAL],
            [-3.0, suburban, rural],
            0.0,
        )
    else:
        raise ValueError(f"no path-loss formula for radio model '{model}'")
    return loss - correction


def max_range_km(
    model: str,
    frequency_mhz: float,
    max_path_loss_db: float,
    base_heights_m: ArrayLike,
    mobile_height_m: float,
    area_type: ArrayLike,
    iterations: int = 80,
) -> np.ndarray:
    """A safe upper bound on the covered distance, by bisection on the path loss.

    Path loss grows with distance, so the set of covered distances is an
    interval ``[0, R]``. Bisection on ``log d`` brackets ``R`` and the upper
    end of the bracket, widened by a small margin, is returned: every covered
    hamlet lies within it. The exact formula is applied afterwards.

    Parameters
    ----------
    model
        ``"okumura-hata"`` or ``"cost231-hata"``.
    frequency_mhz, max_path_loss_db
        The operator's link budget.
    base_heights_m
        Site heights.
    mobile_height_m
        Receiver height.
    area_type
        Clutter codes 0..3; broadcast against ``base_heights_m``.
    iterations
        Bisection steps on ``log d``.

    Returns
    -------
    numpy.ndarray
        Range in km per (broadcast) height and clutter, at most half the
        Earth's circumference.
    """
    hb, clutter = np.broadcast_arrays(
        np.atleast_1d(np.asarray(base_heights_m, dtype=float)), np.asarray(area_type)
    )

    def covered(d: np.ndarray) -> np.ndarray:
        loss = path_loss_db(model, d, frequency_mhz, hb, mobile_height_m, clutter)
        return loss <= max_path_loss_db

    lo = np.full(hb.shape, math.log(1e-12))  # ~1 nm: below it only d == 0 counts
    hi = np.full(hb.shape, math.log(_HALF_CIRCUMFERENCE_KM))
    everywhere = covered(np.exp(hi))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        ok = covered(np.exp(mid))
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    bound = np.exp(hi) * (1.0 + 1e-6) + 1e-9
    bound = np.minimum(bound, _HALF_CIRCUMFERENCE_KM)
    return np.where(everywhere, _HALF_CIRCUMFERENCE_KM, bound)


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """3D points on the unit sphere, so a chord bound is a great-circle bound."""
    lam, phi = np.radians(lon), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _chord(range_km: np.ndarray) -> np.ndarray:
    """Chord length on the unit sphere of a great-circle range, with a margin."""
    angle = np.minimum(np.asarray(range_km, dtype=float) / EARTH_RADIUS_KM, math.pi)
    return 2.0 * np.sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12


def _height_groups(heights: np.ndarray) -> list[np.ndarray]:
    """Split the distinct heights into at most ``_MAX_HEIGHT_GROUPS`` contiguous groups."""
    distinct = np.unique(heights)
    count = min(len(distinct), _MAX_HEIGHT_GROUPS)
    return [group for group in np.array_split(distinct, count) if len(group)]


def _operator_ranges(
    data: ProblemData, k: int, groups: list[np.ndarray]
) -> np.ndarray:
    """Search range in km per (height group, clutter) for operator ``k``."""
    operator = data.operators[k]
    model = data.radio.model
    num_clutter = len(AREA_TYPES)
    if model == "fixed-radius":
        table = operator.radius_km or {}
        radius = np.array([float(table.get(name, 0.0)) for name in AREA_TYPES])
        radius = np.minimum(radius, _HALF_CIRCUMFERENCE_KM) * (1.0 + 1e-9) + 1e-9
        return np.broadcast_to(radius, (len(groups), num_clutter)).copy()
    # One vectorised bisection over every (distinct height, clutter) pair.
    heights = np.concatenate(groups)
    per_height = max_range_km(
        model, operator.frequency_mhz, operator.max_path_loss_db,
        heights[:, None], data.radio.rx_height_m, np.arange(num_clutter)[None, :],
    )
    # A group's tree is searched with the widest member's range.
    bounds = np.cumsum([0] + [len(g) for g in groups])
    return np.maximum.reduceat(per_height, bounds[:-1], axis=0)


def _exactly_covered(
    data: ProblemData, k: int, hamlets: np.ndarray, sites: np.ndarray
) -> np.ndarray:
    """Apply the exact rule of operator ``k`` to candidate (hamlet, site) pairs."""
    h, s = data.hamlets, data.sites
    operator = data.operators[k]
    d = haversine_km(h.lon[hamlets], h.lat[hamlets], s.lon[sites], s.lat[sites])
    clutter = h.area_type[hamlets]
    if data.radio.model == "fixed-radius":
        table = operator.radius_km or {}
        radius = np.array([float(table.get(name, 0.0)) for name in AREA_TYPES])
        return (d == 0.0) | (d <= radius[clutter])
    loss = path_loss_db(
        data.radio.model, d, operator.frequency_mhz, s.height_m[sites],
        data.radio.rx_height_m, clutter,
    )
    return (d == 0.0) | (loss <= operator.max_path_loss_db)


Triples = tuple[np.ndarray, np.ndarray, np.ndarray]


def iter_covering_pairs(data: ProblemData, tenancies: np.ndarray) -> Iterator[Triples]:
    """Yield the covering (hamlet, site, operator) index arrays chunk by chunk.

    Parameters
    ----------
    data
        The problem.
    tenancies
        (sites x operators) boolean matrix of outcome tenancies.

    Yields
    ------
    hamlet, site, operator : numpy.ndarray
        Index arrays of equal length, in no particular order; each covering
        triple is yielded exactly once over the whole iteration.

    Notes
    -----
    With ``data.explicit_coverage`` (a hamlets x sites 0/1 matrix, meant for
    one operator) the matrix replaces the radio model for every operator.
    Otherwise, per operator, a k-d tree of its active sites' unit vectors per
    site-height group is searched with a safe range per (group, clutter),
    found by bisection on the path loss; the exact formula then decides.
    Hamlets are processed in chunks so that candidate pairs stay bounded.
    """
    tenancies = np.asarray(tenancies, dtype=bool)
    if data.explicit_coverage is not None:
        matrix = sparse.csr_matrix(data.explicit_coverage)
        matrix.eliminate_zeros()
        for k in range(tenancies.shape[1]):
            columns = np.flatnonzero(tenancies[:, k])
            sub = matrix[:, columns].tocoo()
            yield (
                sub.row.astype(np.intp), columns[sub.col].astype(np.intp),
                np.full(sub.nnz, k, np.intp),
            )
        return
    yield from _radio_pairs(data, tenancies)


def covering_pairs(data: ProblemData, tenancies: np.ndarray) -> Triples:
    """Every (hamlet, site, operator) triple where a tenancy covers a hamlet.

    Parameters
    ----------
    data
        The problem.
    tenancies
        (sites x operators) boolean matrix of outcome tenancies.

    Returns
    -------
    hamlet, site, operator : numpy.ndarray
        Index arrays of equal length, sorted by hamlet, then site, then
        operator; ``tenancies[site, operator]`` is true for each triple.
        See :func:`iter_covering_pairs` for the method.
    """
    found = list(iter_covering_pairs(data, tenancies))
    if not found:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty.copy(), empty.copy()
    hamlet, site, operator = (np.concatenate(parts) for parts in zip(*found, strict=True))
    order = np.lexsort((operator, site, hamlet))
    return hamlet[order], site[order], operator[order]


def _radio_pairs(data: ProblemData, tenancies: np.ndarray) -> Iterator[Triples]:
    """Covering triples by the radio model, searched with k-d trees in chunks."""
    num_hamlets = data.num_hamlets
    if num_hamlets == 0:
        return
    site_xyz = _unit_vectors(data.sites.lon, data.sites.lat)
    hamlet_xyz = _unit_vectors(data.hamlets.lon, data.hamlets.lat)
    clutter_of = data.hamlets.area_type.astype(np.intp)

    # Per operator: one tree per height group and the chord radius per clutter.
    searches: list[tuple[int, np.ndarray, cKDTree, np.ndarray]] = []
    for k in range(tenancies.shape[1]):
        active = np.flatnonzero(tenancies[:, k])
        if not len(active):
            continue
        heights = data.sites.height_m[active]
        groups = _height_groups(heights)
        chords = _chord(_operator_ranges(data, k, groups))
        for g, members in enumerate(groups):
            in_group = active[np.isin(heights, members)]
            searches.append((k, in_group, cKDTree(site_xyz[in_group]), chords[g]))
    if not searches:
        return

    for start in range(0, num_hamlets, _HAMLET_CHUNK):
        chunk = np.arange(start, min(start + _HAMLET_CHUNK, num_hamlets))
        by_clutter = []
        for c in range(len(AREA_TYPES)):
            members = chunk[clutter_of[chunk] == c]
            if len(members):
                by_clutter.append((c, members, cKDTree(hamlet_xyz[members])))
        for k, site_index, site_tree, chord in searches:
            for c, members, hamlet_tree in by_clutter:
                pairs = site_tree.sparse_distance_matrix(
                    hamlet_tree, float(chord[c]), output_type="ndarray"
                )
                if not len(pairs):
                    continue
                sites = site_index[pairs["i"]]
                hamlets = members[pairs["j"]]
                keep = _exactly_covered(data, k, hamlets, sites)
                yield hamlets[keep], sites[keep], np.full(int(keep.sum()), k, np.intp)
