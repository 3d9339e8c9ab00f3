"""A hand-made ground network on the tiny scenario, with costs worked out by hand.

Nodes (lon, lat): F (106.00, 20.00) on fibre (an OLT), B (106.04, 20.00),
C (106.11, 20.00), D (106.12, 20.00), E (106.08, 20.01). Edges, with given
lengths so that costs are round numbers (road 300, aerial 80, duct 20 per km):

    F-B road 4 km = 1200     B-C road 7 km = 2100
    B-E aerial 5 km = 400    E-C aerial 4 km = 320     C-D duct 1 km = 20

Least cost to fibre: B 1200, E 1600, C 1920 (via E, not the 2100 road), D 1940.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"

ROADS = """from_lon,from_lat,to_lon,to_lat,kind,length_m,fibre
106.00,20.00,106.04,20.00,road,4000,
106.04,20.00,106.11,20.00,road,7000,false
106.04,20.00,106.08,20.01,aerial,5000,
106.08,20.01,106.11,20.00,Aerial,4000,
106.11,20.00,106.12,20.00,duct,1000,
"""

SITES = """id,lon,lat,status,height_m,owner,capex
E1,106.01,20.0,existing,30,alpha,
E2,106.04,20.0,existing,30,beta,
C1,106.11,20.0,candidate,30,,1500
C2,106.12,20.0,candidate,30,,1000
C3,106.08,20.011,candidate,30,,1500
"""

DROP_C3_KM = 6371.0088 * math.pi / 180 * 0.001
"""C3 is 0.001 degree of latitude north of E: its drop, in km."""

NETWORK = """
[network]
edges = "roads.csv"
fibre = "fibre.csv"
microwave_capex = {microwave}
ftth_target = {target}
"""


def write_network_scenario(
    folder: Path, *, roads: str = ROADS, microwave: str = "2000", target: str = "1.0",
    fibre: str = "id,lon,lat\nOLT1,106.0,20.0\n", sites: str = SITES,
    hamlets: str | None = None, edges_name: str = "roads.csv",
) -> Path:
    """The tiny scenario with the hand-made network in ``folder``: its TOML."""
    for name in ("hamlets.csv", "tenancies.csv"):
        shutil.copy(TINY / name, folder / name)
    if hamlets is not None:
        (folder / "hamlets.csv").write_text(hamlets, encoding="utf-8")
    (folder / "sites.csv").write_text(sites, encoding="utf-8")
    (folder / edges_name).write_text(roads, encoding="utf-8")
    (folder / "fibre.csv").write_text(fibre, encoding="utf-8")
    toml = (TINY / "scenario.toml").read_text(encoding="utf-8")
    section = NETWORK.format(microwave=microwave, target=target).replace("roads.csv",
                                                                        edges_name)
    toml = toml.replace("[tables]", section.strip() + "\n\n[tables]")
    path = folder / "scenario.toml"
    path.write_text(toml, encoding="utf-8")
    return path
