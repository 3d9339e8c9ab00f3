"""Reading [network]: the graph, and one clear error per kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from btsopt.errors import ScenarioError
from btsopt.reading import read_scenario
from tests.network.helpers import ROADS, write_network_scenario


def _geojson(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _line(coordinates, **properties) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "LineString", "coordinates": coordinates}}


ROAD_LINE = _line([[106.0, 20.0], [106.04, 20.0], [106.08, 20.01], [106.11, 20.0],
                   [106.12, 20.0]], kind="road", fibre=False)


def test_geojson_lines_become_nodes_and_edges(tmp_path):
    fibre_line = _line([[106.0, 20.0], [106.0000001, 20.0], [105.99, 20.0]], fibre=True)
    path = write_network_scenario(tmp_path, roads=_geojson(ROAD_LINE, fibre_line),
                                  edges_name="roads.geojson")
    network = read_scenario(path).network
    # The fibre line's second point is 1 cm from the first: one node.
    assert network.num_nodes == 6
    assert len(network.edge_from) == 5
    assert network.fibre_node.tolist() == [True, False, False, False, False, True]
    assert network.edge_fibre.tolist() == [False] * 4 + [True]
    assert network.edge_line.tolist() == [0, 0, 0, 0, 1]


def test_length_m_is_shared_over_the_segments(tmp_path):
    line = _line([[106.0, 20.0], [106.04, 20.0], [106.12, 20.0]], length_m=12000)
    path = write_network_scenario(tmp_path, roads=_geojson(line),
                                  edges_name="roads.geojson")
    network = read_scenario(path).network
    np.testing.assert_allclose(network.edge_length_km, [4.0, 8.0], rtol=1e-6)
    assert network.edge_length_km.sum() == pytest.approx(12.0, rel=1e-12)


def test_hamlet_ftth_column_and_fibre_nodes(tmp_path):
    hamlets = ("id,lon,lat,population,ftth\nH1,106.00,20.0,400,\nH2,106.025,20.0,300,no\n"
               "H3,106.04,20.0,500,TRUE\nH4,106.10,20.0,200,0\nH5,106.12,20.0,250,\n")
    data = read_scenario(write_network_scenario(tmp_path, hamlets=hamlets))
    # H1 sits on the OLT's node; H3 has fibre today.
    assert data.network.hamlet_ftth.tolist() == [True, False, True, False, False]


@pytest.mark.parametrize(
    ("roads", "name", "message"),
    [
        (_geojson(ROAD_LINE, _line([[106.0, 20.0]])), "roads.geojson",
         r"roads\.geojson, row 2, column 'geometry': a LineString needs at least 2 points, "
         r"got 1"),
        (_geojson(_line([[106.0, 20.0], [206.0, 20.0]])), "roads.geojson",
         r"row 1, column 'geometry': 206\.0 is outside the longitude range"),
        (_geojson(ROAD_LINE, _line([[106.0, 20.0], [106.0, 95.0]])), "roads.geojson",
         r"row 2, column 'geometry': 95\.0 is outside the latitude range"),
        (_geojson(_line([[106.0, 20.0], ["x", 20.0]])), "roads.geojson",
         r"row 1, column 'geometry': point 2 must be \[lon, lat\]"),
        (_geojson({"type": "Feature", "properties": {},
                   "geometry": {"type": "Point", "coordinates": [106, 20]}}),
         "roads.geojson", r"row 1, column 'geometry': geometry must be a LineString"),
        (_geojson(_line([[106.0, 20.0], [106.1, 20.0]], kind="railway")), "roads.geojson",
         r"row 1, column 'kind': 'railway' is not an edge kind \(road, aerial, duct\)"),
        (ROADS.replace("106.12,20.00,duct", "106.12,20.00,cable"), "roads.csv",
         r"roads\.csv, line 6, column 'kind': 'cable' is not an edge kind"),
        (ROADS.replace("106.04,20.00,106.08,20.01", "106.04,20.00,106.08,120.01"),
         "roads.csv", r"roads\.csv, line 4, column 'to_lat': '120\.01' is above the maximum 90"),
        (ROADS.replace("fibre\n", "fibre\n", 1).replace(",4000,", ",-4,"), "roads.csv",
         r"line 2, column 'length_m': '-4' is below the minimum 0"),
        (ROADS.replace(",false", ",maybe"), "roads.csv",
         r"line 3, column 'fibre': 'maybe' is not true or false"),
        ("from_lon,from_lat,to_lon\n106,20,106.1\n", "roads.csv",
         r"column 'to_lat': missing required column"),
    ],
)
def test_bad_edges_name_file_row_and_field(tmp_path, roads, name, message):
    path = write_network_scenario(tmp_path, roads=roads, edges_name=name)
    with pytest.raises(ScenarioError, match=message):
        read_scenario(path)


def test_fibre_point_far_from_every_edge(tmp_path):
    path = write_network_scenario(tmp_path, fibre="id,lon,lat\nOLT1,106.0,20.0\n"
                                  "OLT9,106.3,20.2\n")
    with pytest.raises(ScenarioError, match=r"fibre\.csv, line 3, column 'lon': fibre point "
                       r"'OLT9' is \d+\.\d\d km from the nearest node of the edges "
                       r"\(network\.fibre_snap_km = 1\)"):
        read_scenario(path)


CUT = ROADS + "106.30,20.10,106.31,20.10,road,,\n"
CUT_SITES = "id,lon,lat,status\nE1,106.01,20.0,existing\nE2,106.04,20.0,existing\n" \
    "C1,106.11,20.0,candidate\nC9,106.305,20.1,candidate\n"


def test_site_that_cannot_reach_fibre_is_an_error_without_microwave(tmp_path):
    path = write_network_scenario(tmp_path, roads=CUT, sites=CUT_SITES, microwave="inf")
    with pytest.raises(ScenarioError, match=r"roads\.csv: candidate sites 'C9' cannot reach "
                       r"the fibre network .*microwave_capex = inf"):
        read_scenario(path)


def test_site_that_cannot_reach_fibre_takes_microwave(tmp_path):
    data = read_scenario(write_network_scenario(tmp_path, roads=CUT, sites=CUT_SITES,
                                                microwave="250"))
    assert any("candidate sites 'C9' cannot reach the fibre network" in w
               for w in data.warnings)
    assert data.network.backhaul[3] == 250.0
    assert not np.isfinite(data.network.fibre_cost[3])


def test_hamlets_that_cannot_reach_fibre_against_the_target(tmp_path):
    hamlets = ("id,lon,lat,population\nH1,106.00,20.0,400\nH2,106.02,20.0,300\n"
               "H3,106.04,20.0,500\nH4,106.10,20.0,200\nH5,106.305,20.1,250\n")
    path = write_network_scenario(tmp_path, roads=CUT, hamlets=hamlets)
    with pytest.raises(ScenarioError, match=r"roads\.csv: hamlets 'H5' cannot reach the fibre"
                       r" network .*ftth_target = 1 cannot be met \(4 of 5"):
        read_scenario(path)
    data = read_scenario(write_network_scenario(tmp_path, roads=CUT, hamlets=hamlets,
                                                target="0.8"))
    assert any("hamlets 'H5' cannot reach" in w for w in data.warnings)


@pytest.mark.parametrize(
    ("toml_change", "message"),
    [
        (('edges = "roads.csv"\n', ""), r"column 'network\.edges': required key is missing"),
        (("microwave_capex = 2000", "microwave_capex = -1"),
         r"column 'network\.microwave_capex': must be at least 0"),
        (("ftth_target = 1.0", "ftth_target = 1.5"),
         r"column 'network\.ftth_target': must be at most 1"),
        (('fibre = "fibre.csv"\n', ""), r"column 'network\.fibre': no fibre network"),
    ],
)
def test_bad_network_keys(tmp_path, toml_change, message):
    path = write_network_scenario(tmp_path)
    path.write_text(path.read_text().replace(*toml_change))
    with pytest.raises(ScenarioError, match=message):
        read_scenario(path)


def test_unknown_network_key_warns(tmp_path):
    path = write_network_scenario(tmp_path)
    path.write_text(path.read_text().replace("ftth_target", "trench_cost_per_km = 300\n"
                                             "duct_cost_km = 5\nftth_target"))
    data = read_scenario(path)
    assert any("unknown key 'network.duct_cost_km'" in w for w in data.warnings)


def test_cli_exit_2_on_bad_network(tmp_path, capsys):
    from btsopt.cli import main

    path = write_network_scenario(tmp_path, roads=ROADS.replace("duct", "cable"))
    assert main(["solve", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "roads.csv, line 6, column 'kind'" in err
    assert "Traceback" not in err
