"""OpenStreetMap ingestion on the West-Oakland extract (offline)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from gisxz.exceptions import MissingCRSError
from gisxz.network.isochrones import isochrones
from gisxz.network.od import od_matrix
from gisxz.network.osm import DEFAULT_SPEEDS_KMH, graph_from_file, parse_maxspeed

OAKLAND = Path(__file__).resolve().parents[2] / "shared/data/osm/West-Oakland.osm.bz2"
pytestmark = pytest.mark.skipif(
    not OAKLAND.exists(),
    reason=f"the West-Oakland OSM extract is not at {OAKLAND} (it lives in ../shared beside "
           "the repository on the project's machines)")


@pytest.fixture(scope="module")
def g():
    pytest.importorskip("osmnx")
    return graph_from_file(OAKLAND)


def test_graph_from_bz2(g):
    e = g.edges
    assert g.n_nodes > 20 and g.n_edges > 40
    assert g.crs.is_projected and g.out_crs.to_epsg() == 4326
    assert set(e["highway"]) <= set(DEFAULT_SPEEDS_KMH)  # no footway, no railway
    assert (e["travel_time"] > 0).all()
    # class speeds where maxspeed is absent: minutes = metres / (km/h) * 0.06
    expected = e["length_m"] / e["speed_kmh"] * 0.06
    assert np.allclose(e["travel_time"], expected)
    res = e[e["highway"] == "residential"]
    assert (res["speed_kmh"] == DEFAULT_SPEEDS_KMH["residential"]).all()


def test_routing_and_isochrone_on_osm(g):
    pts = gpd.GeoDataFrame({"name": ["a", "b"]},
                           geometry=[Point(-122.3, 37.808), Point(-122.2995, 37.807)], crs=4326)
    od = od_matrix(pts, graph=g)
    t = od.set_index(["origin", "destination"])["travel_time_min"]
    assert t["a", "a"] == 0 and 0 < t["a", "b"] < 10
    assert (od["origin_snap_m"] < 200).all()
    iso = isochrones(pts.iloc[:1], graph=g, minutes=[1, 2])
    assert iso.crs.to_epsg() == 4326
    assert iso.geometry.iloc[1].area > iso.geometry.iloc[0].area > 0


def test_maxspeed_parsing():
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("40;60") == 50.0
    assert math.isnan(parse_maxspeed("signals")) and math.isnan(parse_maxspeed(None))


def test_network_file_without_crs_is_refused(tmp_path, g):
    edges = g.edges_out()[["from_node", "to_node", "highway", "geometry"]].rename(
        columns={"from_node": "u", "to_node": "v"})
    edges["u"] = edges["u"].astype(str)
    edges["v"] = edges["v"].astype(str)
    path = tmp_path / "edges.gpkg"
    with pytest.warns(UserWarning, match="crs"):  # pyogrio warns that it writes no CRS
        edges.set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(MissingCRSError, match="no CRS"):
        graph_from_file(path)
    ok = tmp_path / "edges_ok.gpkg"
    edges.to_file(ok)
    assert graph_from_file(ok).n_edges == len(edges)


def test_graph_from_pbf_matches_xml(tmp_path, g):
    osmium = pytest.importorskip("osmium")
    import bz2

    xml = tmp_path / "west-oakland.osm"
    xml.write_bytes(bz2.decompress(OAKLAND.read_bytes()))
    pbf = tmp_path / "west-oakland.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    finally:
        writer.close()
    gp = graph_from_file(pbf)
    # osmnx simplifies the XML graph (fewer nodes); the same streets must come out
    assert gp.edges["length_m"].sum() == pytest.approx(g.edges["length_m"].sum(), rel=1e-3)
    assert set(gp.edges["highway"]) == set(g.edges["highway"])
    pts = gpd.GeoDataFrame({"name": ["a", "b"]},
                           geometry=[Point(-122.3, 37.808), Point(-122.2995, 37.807)], crs=4326)
    t_xml = od_matrix(pts, graph=g).set_index(["origin", "destination"])["travel_time_min"]
    t_pbf = od_matrix(pts, graph=gp).set_index(["origin", "destination"])["travel_time_min"]
    assert t_pbf["a", "b"] == pytest.approx(t_xml["a", "b"], rel=0.1)
