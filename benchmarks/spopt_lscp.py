"""PySAL spopt's LSCP on the bundled province, as a spopt user would run it.

The comparison of benchmarks/README.md ("The closest open peer"): every one of
the province's sites a candidate at unit cost, a fixed radius for every
clutter class, the hamlets no site reaches left out; spopt builds its PuLP
model from the hamlets x sites distance matrix and CBC solves it. btsopt's
side is the same instance as an OR-Library file (``btsopt bench lscp-nam-dinh``).

spopt is not a dependency of btsopt: run this in an environment that has it::

    python -m venv .venv-spopt && .venv-spopt/bin/pip install spopt pulp pandas
    .venv-spopt/bin/python benchmarks/spopt_lscp.py --time-limit 300

It prints one line: sites chosen, CBC's status, the model-building and the
solving time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
from spopt.locate import LSCP

EARTH_RADIUS_KM = 6371.0088


def distance_matrix_km(hamlets: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Great-circle (haversine) distances, hamlets x sites, in km."""
    lon1, lat1 = np.radians(hamlets["lon"].to_numpy())[:, None], np.radians(
        hamlets["lat"].to_numpy())[:, None]
    lon2, lat2 = np.radians(sites["lon"].to_numpy())[None, :], np.radians(
        sites["lat"].to_numpy())[None, :]
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def main() -> int:
    here = Path(__file__).resolve().parent.parent / "scenarios" / "nam-dinh"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario-dir", default=str(here), help="folder of hamlets.csv and "
                        "sites.csv (default: the bundled province)")
    parser.add_argument("--radius-km", type=float, default=2.0, help="service radius (default 2)")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="CBC's time limit in seconds (default 300)")
    args = parser.parse_args()
    folder = Path(args.scenario_dir)
    hamlets = pd.read_csv(folder / "hamlets.csv")
    sites = pd.read_csv(folder / "sites.csv")
    start = time.perf_counter()
    distance = distance_matrix_km(hamlets, sites)
    reachable = (distance <= args.radius_km).any(axis=1)
    model = LSCP.from_cost_matrix(distance[reachable], args.radius_km)
    built = time.perf_counter() - start
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=args.time_limit)
    model = model.solve(solver)
    solved = time.perf_counter() - start - built
    chosen = int(sum(1 for var in model.fac_vars if (var.varValue or 0) > 0.5))
    status = pulp.LpStatus[model.problem.status]
    print(f"spopt LSCP: {int(reachable.sum())} hamlets, {len(sites)} sites, radius "
          f"{args.radius_km} km: {chosen} sites ({status}); model built in {built:.1f} s, "
          f"solved in {solved:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
