"""Empirical path-loss models of the scenario format (Okumura-Hata, COST-231 Hata).

Both are affine in log10 of the distance, ``L(d) = intercept + slope * log10(d)``,
which gives each (operator, clutter, antenna height) a closed-form maximum
range: the radius the spatial index searches within.
"""

from __future__ import annotations

import numpy as np

from btsopt.data import AREA_TYPES

EARTH_RADIUS_KM = 6371.0088

DENSE_URBAN, URBAN, SUBURBAN, RURAL = (AREA_TYPES.index(a) for a in AREA_TYPES)


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km (haversine, Earth radius 6371.0088 km)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _mobile_correction(log_f: np.ndarray, rx_height_m: float) -> np.ndarray:
    """a(hm) = (1.1 log f - 0.7) hm - (1.56 log f - 0.8)."""
    return (1.1 * log_f - 0.7) * rx_height_m - (1.56 * log_f - 0.8)


def hata_coefficients(
    model: str,
    frequency_mhz: float,
    tx_height_m,
    rx_height_m: float,
    area_type,
) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of ``L = intercept + slope * log10(d_km)``.

    Parameters
    ----------
    model
        ``"okumura-hata"`` or ``"cost231-hata"``.
    frequency_mhz
        Carrier frequency.
    tx_height_m
        Base-station antenna height(s).
    rx_height_m
        Mobile antenna height.
    area_type
        Clutter code(s), indices into ``AREA_TYPES`` (broadcast with heights).
    """
    log_f = np.log10(frequency_mhz)
    log_hb = np.log10(np.asarray(tx_height_m, dtype=float))
    area = np.asarray(area_type)
    a_hm = _mobile_correction(log_f, rx_height_m)
    if model == "okumura-hata":
        base = 69.55 + 26.16 * log_f - 13.82 * log_hb - a_hm
    elif model == "cost231-hata":
        base = 46.3 + 33.9 * log_f - 13.82 * log_hb - a_hm + np.where(area == DENSE_URBAN, 3.0, 0.0)
    else:
        raise ValueError(f"no Hata coefficients for radio model '{model}'")
    suburban = 2.0 * np.log10(frequency_mhz / 28.0) ** 2 + 5.4
    rural = 4.78 * log_f**2 - 18.33 * log_f + 40.94
    intercept = base - np.where(area == SUBURBAN, suburban, 0.0) - np.where(area == RURAL, rural, 0.0)
    slope = 44.9 - 6.55 * log_hb
    return np.broadcast_arrays(intercept, slope + 0.0 * intercept)


def path_loss_db(
    model: str,
    distance_km,
    frequency_mhz: float,
    tx_height_m,
    rx_height_m: float,
    area_type,
) -> np.ndarray:
    """Path loss in dB at the given distances (``-inf`` at distance 0).

    Formulas as in the scenario format, applied at every distance.
    """
    intercept, slope = hata_coefficients(model, frequency_mhz, tx_height_m, rx_height_m, area_type)
    with np.errstate(divide="ignore"):
        return intercept + slope * np.log10(np.asarray(distance_km, dtype=float))


def max_range_km(
    model: str,
    frequency_mhz: float,
    max_path_loss_db: float,
    tx_height_m,
    rx_height_m: float,
    area_type,
) -> np.ndarray:
    """Largest distance at which the path loss is within the budget."""
    intercept, slope = hata_coefficients(model, frequency_mhz, tx_height_m, rx_height_m, area_type)
    return 10.0 ** ((max_path_loss_db - intercept) / slope)
