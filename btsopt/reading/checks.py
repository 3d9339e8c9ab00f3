"""Plausibility checks on coordinates that are valid but probably wrong.

A point typed with longitude and latitude swapped, or with a digit dropped,
is often still within [-180, 180] x [-90, 90]; it then lies far away from all
the others. Such points are reported as warnings (the scenario may really
span two islands), never as errors.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088
FAR_FACTOR = 10.0
"""A point is far when it is this many times the median distance from the centre..."""
FAR_MIN_KM = 50.0
"""...and at least this far, so a tight cluster does not flag its own edge."""


def distance_to_centre_km(
    lon: np.ndarray, lat: np.ndarray, centre_lon: float, centre_lat: float
) -> np.ndarray:
    """Great-circle (haversine) distance of each point to a centre, in km."""
    phi1, phi2 = np.radians(lat), np.radians(centre_lat)
    dphi = phi2 - phi1
    dlmb = np.radians(centre_lon - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def robust_centre(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float]:
    """Median centre of the points and the median distance to it (km).

    Medians, not means, so that a few stray points do not pull the centre.
    """
    centre_lon, centre_lat = float(np.median(lon)), float(np.median(lat))
    spread = float(np.median(distance_to_centre_km(lon, lat, centre_lon, centre_lat)))
    return centre_lon, centre_lat, spread


def far_points(
    lon: np.ndarray,
    lat: np.ndarray,
    centre: tuple[float, float, float],
    factor: float = FAR_FACTOR,
    minimum_km: float = FAR_MIN_KM,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of points far outside the bulk, and their distances (km).

    Parameters
    ----------
    lon, lat
        The points to check, in degrees.
    centre
        ``(lon, lat, median distance)`` from :func:`robust_centre` of the bulk.
    factor, minimum_km
        A point is far when its distance to the centre exceeds both
        ``factor`` times the median distance and ``minimum_km``.
    """
    centre_lon, centre_lat, spread = centre
    distance = distance_to_centre_km(lon, lat, centre_lon, centre_lat)
    threshold = max(factor * spread, minimum_km)
    index = np.flatnonzero(distance > threshold)
    return index, distance[index]
