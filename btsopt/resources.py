"""Whether this machine can hold a scenario's model.

:func:`estimate_memory` / :func:`check_resources` predict the peak memory of
a solve before any of it is spent. Calibration: peak RSS (``ru_maxrss``) of
a process that reads the scenario and solves it with the default backend
(2-core machine, Python 3.11, HiGHS)::

    scenario         hamlets  sites   coverage nnz  model nnz  peak RSS  estimate
    nam-dinh           3,200   2,621      316,996     50,071    357 MB    362 MB
    family L brown    20,000  16,342    1,992,172    367,332    690 MB    690 MB
    family XL brown   80,000  85,131    2,280,602  1,107,583  >=1118 MB  1120 MB

(XL: RSS while searching; the import alone is ~165 MB.) ``compute_coverage``
alone peaks at ~78 bytes per nonzero (the k-d tree's candidate pairs, 24
bytes each, plus int64 COO indices) and ``build_model`` at ~28 bytes per
coverage nonzero (tracemalloc); the search adds the backend's copy of the
model, whose size follows the sites and hamlets more than the coverage. Nam
Dinh and L differ by the same factor (~6.25) in every size, which fixes the
base (~300 MB with the solver libraries loaded); XL, with few pairs per
hamlet, separates the per-pair from the per-row terms. The fitted model is::

    bytes = BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * hamlets
            + BYTES_PER_SITE_OPERATOR * sites * operators

with ``nnz`` from exact coverage of a 1% random sample of the hamlets (at
least :data:`_MIN_SAMPLE`), scaled up: within 3% of the true nonzeros on the
three scenarios above, in 0.1 s (Nam Dinh, L) to 0.5 s (XL).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import psutil

from btsopt.data import Hamlets, ProblemData
from btsopt.errors import ScenarioError
from btsopt.radio import compute_coverage

BASE_BYTES = 300_000_000
"""Interpreter, numpy/scipy/pandas and solver libraries once a solve runs (fitted)."""

BYTES_PER_PAIR = 150
"""Peak bytes per coverage nonzero over coverage, model and search (fitted)."""

BYTES_PER_HAMLET = 1_150
"""Hamlet table, labels, coverage rows and the backend's copy of them (fitted)."""

BYTES_PER_SITE_OPERATOR = 1_150
"""Site tables, x/y/s columns and the backend's copy of them (fitted)."""

_SAMPLE_SHARE = 0.01
_MIN_SAMPLE = 400


def estimate_coverage_nnz(data: ProblemData, seed: int = 0) -> int:
    """Estimated nonzeros of :func:`~btsopt.radio.compute_coverage`'s matrix.

    Exact coverage of a random 1% sample of the hamlets (at least
    :data:`_MIN_SAMPLE`; all of them in small scenarios), scaled up.
    """
    n = data.num_hamlets
    if data.explicit_coverage is not None:
        return int(data.explicit_coverage.nnz)
    if n == 0 or data.num_sites == 0 or data.num_operators == 0:
        return 0
    m = min(n, max(_MIN_SAMPLE, math.ceil(_SAMPLE_SHARE * n)))
    if m == n:
        keep = np.arange(n)
    else:
        keep = np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False))
    h = data.hamlets
    sample = Hamlets(
        ids=tuple(h.ids[i] for i in keep), lon=h.lon[keep], lat=h.lat[keep],
        population=h.population[keep], area_type=h.area_type[keep],
        min_operators=h.min_operators[keep], name=("",) * m, commune=("",) * m,
        district=("",) * m,
    )
    nnz = compute_coverage(replace(data, hamlets=sample, warnings=())).matrix.nnz
    return int(round(nnz * n / m))


def estimate_memory(data: ProblemData) -> int:
    """Estimated peak memory of solving ``data``, in bytes.

    ``BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * hamlets +
    BYTES_PER_SITE_OPERATOR * sites * operators``, ``nnz`` from
    :func:`estimate_coverage_nnz` (module docstring: calibration).
    """
    return _memory_from_nnz(data, estimate_coverage_nnz(data))


def _memory_from_nnz(data: ProblemData, nnz: int) -> int:
    return int(
        BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * data.num_hamlets
        + BYTES_PER_SITE_OPERATOR * data.num_sites * max(1, data.num_operators)
    )


class ResourceError(ScenarioError):
    """The scenario needs more memory than this machine has available."""


def check_resources(data: ProblemData, limit_bytes: int | None = None) -> int:
    """Refuse a scenario whose estimated memory exceeds what is available.

    Parameters
    ----------
    data
        The scenario.
    limit_bytes
        The memory it may use; default ``psutil.virtual_memory().available``.

    Returns
    -------
    int
        The estimate, in bytes, when it fits.

    Raises
    ------
    ResourceError
        With the estimate and the limit in GB.
    """
    nnz = estimate_coverage_nnz(data)
    estimate = _memory_from_nnz(data, nnz)
    if limit_bytes is None:
        limit_bytes = int(psutil.virtual_memory().available)
    if estimate > limit_bytes:
        raise ResourceError(
            f"solving '{data.name}' needs an estimated {estimate / 1e9:.1f} GB of memory "
            f"({data.num_hamlets} hamlets, {data.num_sites} sites, "
            f"~{nnz:,} coverage pairs), more than the "
            f"{limit_bytes / 1e9:.1f} GB available; split the scenario (by district) or run "
            "it on a larger machine",
            file=None if data.source is None else str(data.source),
        )
    return estimate
