"""Measuring a written scenario with the reader and the radio model, not the
generator's own code (what the tests check the generator's promises with).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from btsopt.data import AREA_TYPES
from btsopt.generate.params import SUBURBAN
from btsopt.radio import compute_coverage
from btsopt.reading import read_scenario


def scenario_facts(toml_path: str | Path) -> dict[str, object]:
    """Read a scenario back and measure what the generator promises.

    Uses :func:`btsopt.reading.read_scenario` and
    :func:`btsopt.radio.compute_coverage`, not the generator's own code.

    Returns
    -------
    dict
        ``hamlets``, ``population``, ``rural_share``, ``area_types`` (counts),
        ``existing_sites``, ``candidates``, ``sites_by_owner``,
        ``tenancies``, ``tenancies_by_operator``, ``shared_existing``,
        ``shared_ratio`` (shared / active existing sites), ``dead_spots``
        (hamlets no existing tenancy covers), ``unreachable`` (hamlets no
        site reaches under any operator) and ``unreachable_each`` (hamlets
        some operator cannot reach from any site).
    """

    data = read_scenario(toml_path)
    cov = compute_coverage(data)
    k = data.num_operators
    ten = data.tenancies
    today = cov.matrix @ ten.reshape(-1).astype(np.int32)
    reach = np.column_stack([
        np.asarray(cov.for_operator(op) @ data.sites.allowed[:, op].astype(np.int32)).ravel()
        for op in range(k)
    ]) > 0
    existing = data.sites.existing
    tenants = ten.sum(axis=1)
    active = existing & (tenants > 0)
    owners: dict[str, int] = {}
    for j in np.flatnonzero(existing).tolist():
        owners[data.sites.owner[j]] = owners.get(data.sites.owner[j], 0) + 1
    pop = data.hamlets.population
    rural = data.hamlets.area_type >= SUBURBAN
    return {
        "hamlets": data.num_hamlets,
        "population": int(pop.sum()),
        "rural_share": float(pop[rural].sum() / max(pop.sum(), 1)),
        "area_types": {
            a: int((data.hamlets.area_type == c).sum()) for c, a in enumerate(AREA_TYPES)
        },
        "existing_sites": int(existing.sum()),
        "candidates": int((~existing).sum()),
        "sites_by_owner": dict(sorted(owners.items())),
        "tenancies": int(ten.sum()),
        "tenancies_by_operator": {
            op: int(ten[:, i].sum()) for i, op in enumerate(data.operator_ids)
        },
        "shared_existing": int((active & (tenants >= 2)).sum()),
        "shared_ratio": float((active & (tenants >= 2)).sum() / max(active.sum(), 1)),
        "dead_spots": int((today == 0).sum()),
        "unreachable": int((~reach.any(axis=1)).sum()),
        "unreachable_each": int((~reach.all(axis=1)).sum()),
    }
