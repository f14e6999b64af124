"""Tests of gisxz.raster: cost-distance against hand computation, the network, outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from gisxz.exceptions import MissingDataError, OutputExistsError
from gisxz.raster.costdistance import isochrone_polygons, travel_time, write_cog
from gisxz.raster.friction import Friction, build_friction, dem_factor, octile_km
from gisxz.raster.grid import grid_for_bounds, xizang_grid

CRS = "EPSG:3857"


def _grid(w: int, h: int, res: float = 1000.0):
    return grid_for_bounds((0, 0, w * res, h * res), res, crs=CRS)


def _origin(x: float, y: float) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(x, y)], crs=CRS)


def test_synthetic_grid_matches_hand_computation():
    # 3 x 3 cells of 1 km; friction in minutes per km:
    #   1 2 1
    #   1 9 1
    #   1 1 1      origin: top-left cell centre
    f = np.array([[1, 2, 1], [1, 9, 1], [1, 1, 1]], dtype=np.float32)
    g = _grid(3, 3)
    t = travel_time(Friction(g, f), _origin(500, 2500))
    r2 = np.sqrt(2.0)
    # a step costs (f_a + f_b) / 2 x length (1 km, or sqrt(2) km on a diagonal)
    hand = np.array([
        [0.0, 1.5, 3.0],                       # (1+2)/2; then + (2+1)/2
        [1.0, 6.0, 1.5 + 1.5 * r2],            # down; min(1 + (1+9)/2, 5 sqrt2 = 7.07);
                                               # diagonal from (0,1): 1.5 + (2+1)/2 sqrt2
        [2.0, 1.0 + r2, 2.0 + r2],             # down; diagonal from (1,0); then + 1
    ])
    np.testing.assert_allclose(t, hand, rtol=1e-6)


def test_impassable_and_unreached_cells():
    f = np.array([[1, np.inf, 1]], dtype=np.float32)
    t = travel_time(Friction(_grid(3, 1), f), _origin(500, 500))
    assert t[0, 0] == 0 and np.isnan(t[0, 1]) and np.isinf(t[0, 2])


def test_links_teleport_between_cells():
    # a 'railway' link from the first to the last cell of a long slow row
    g = _grid(10, 1)
    f = np.full((1, 10), 6.0, dtype=np.float32)
    links = pd.DataFrame({"u": [0], "v": [9], "minutes": [2.0]})
    t = travel_time(Friction(g, f, links=links), _origin(500, 500))
    assert t[0, 9] == pytest.approx(2.0)
    assert t[0, 8] == pytest.approx(8.0)  # back from the station cell


def test_matches_scikit_image_mcp_geometric():
    skimage_graph = pytest.importorskip("skimage.graph")
    rng = np.random.default_rng(1)
    f = rng.uniform(0.5, 5.0, (40, 50)).astype(np.float32)
    f[10:30, 20] = np.inf
    g = _grid(50, 40)
    ours = travel_time(Friction(g, f), _origin(5500, 35500))
    mcp = skimage_graph.MCP_Geometric(np.where(np.isfinite(f), f, -1.0).astype(np.float64))
    costs, _ = mcp.find_costs([(4, 5)])
    ok = np.isfinite(f)
    np.testing.assert_allclose(ours[ok], costs[ok], rtol=1e-5)


def test_octile_compensation():
    assert octile_km(LineString([(0, 0), (1000, 0)])) == pytest.approx(1.0)
    assert octile_km(LineString([(0, 0), (1000, 1000)])) == pytest.approx(np.sqrt(2))


def test_isochrones_nested_with_areas():
    g = _grid(20, 20)
    yy, xx = np.mgrid[0:20, 0:20]
    t = (np.hypot(yy - 10, xx - 10) * 10).astype(np.float32)  # 10 min per km
    iso = isochrone_polygons(t, g, [1, 2])
    assert iso.crs.to_epsg() == 4490
    assert iso["area_km2"].tolist()[0] < iso["area_km2"].tolist()[1]
    small, big = iso.to_crs(CRS).geometry
    assert small.buffer(1.0).within(big.buffer(1000.0))


def test_cog_layout(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    g = _grid(600, 600)
    p = write_cog(np.ones((600, 600), np.float32), g, tmp_path / "a.tif", tags={"k": "v"})
    with rasterio.open(p) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.block_shapes[0] == (512, 512) and ds.overviews(1)
        assert ds.tags()["k"] == "v" and ds.crs.to_epsg() == 3857
    with pytest.raises(OutputExistsError):
        write_cog(np.ones((600, 600), np.float32), g, p)


def test_dem_slows_offroad_only(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    g = xizang_grid(20_000)
    path = tmp_path / "dem.tif"
    elev = np.full((g.height, g.width), 4500.0, dtype=np.float32)
    with rasterio.open(path, "w", driver="GTiff", height=g.height, width=g.width, count=1,
                       dtype="float32", crs=g.crs, transform=Affine(*g.transform[:6])) as ds:
        ds.write(elev, 1)
    factor, _ = dem_factor(g, path)
    assert factor[g.height // 2, g.width // 2] == pytest.approx(1.016 * np.exp(-0.0001072 * 4500),
                                                                rel=1e-4)
    lc = np.full(g.shape, 10, dtype=np.uint8)
    flat = build_friction(g, "current", landcover=lc)
    high = build_friction(g, "current", landcover=lc, dem=path)
    road = flat.minutes_per_km < 4.0
    np.testing.assert_allclose(high.minutes_per_km[road], flat.minutes_per_km[road])
    off = np.isfinite(flat.minutes_per_km) & ~road
    ratio = high.minutes_per_km[off] / flat.minutes_per_km[off]
    assert (ratio >= 1.0 - 1e-6).all()
    assert np.median(ratio) == pytest.approx(1 / (1.016 * np.exp(-0.0001072 * 4500)), rel=1e-3)
    with pytest.raises(MissingDataError):
        dem_factor(g, tmp_path / "missing.tif")


@pytest.mark.slow
def test_surface_agrees_with_network_at_prefecture_seats():
    from gisxz.core.crs import metric_crs
    from gisxz.network.circle import circle_table
    from gisxz.network.snap import places_as_points

    grid = xizang_grid(1000)
    f = build_friction(grid, "current")
    t = travel_time(f, "拉萨")
    net = circle_table(scenarios=["current"], modes=["multimodal"])
    for name in ("日喀则", "山南", "林芝", "那曲"):
        p = places_as_points([name]).to_crs(metric_crs()).geometry.iloc[0]
        r, c = grid.rowcol([p.x], [p.y])
        surface = float(t[r[0], c[0]])
        network = float(net.loc[net["name_zh"] == name, "travel_time_min"].iloc[0])
        assert abs(surface - network) <= 0.10 * network, (name, surface, network)


@pytest.mark.slow
def test_population_surface_keeps_county_totals():
    from gisxz.base.population import county_population
    from gisxz.raster.grid import rasterize_values
    from gisxz.raster.landcover import read_landcover
    from gisxz.raster.pipeline import population_for

    grid = xizang_grid(5000)
    people = population_for(grid, read_landcover(grid))
    from gisxz.base.geography import admin_counties

    lab = rasterize_values(grid, admin_counties(), "adcode")
    pop = county_population().set_index("adcode")["population_2020"]
    sums = pd.Series(people.ravel()).groupby(lab.ravel()).sum()
    for code in (540102, 540221, 542521):
        assert sums[code] == pytest.approx(pop[code], rel=1e-4)
    assert people.sum() == pytest.approx(pop.sum(), rel=1e-5)


@pytest.mark.slow
def test_three_hour_area_step(tmp_path):
    from gisxz.raster.pipeline import planned_outputs, three_hour_area

    layers, files = three_hour_area({}, tmp_path, resolution=5000.0)
    assert set(planned_outputs(tmp_path)) <= set(files)
    iso = layers["three_hour_area"]
    assert set(iso["scenario"]) == {"current", "plan"} and (iso["population"] > 0).all()
    z = layers["travel_time_zonal"]
    assert {"share_pop_3h", "mean_time_h"} <= set(z.columns) and z.crs.to_epsg() == 4490
    with pytest.raises(OutputExistsError):
        three_hour_area({}, tmp_path, resolution=5000.0)


def test_cli_traveltime_small(tmp_path):
    from click.testing import CliRunner

    from gisxz.cli.main import cli

    out = tmp_path / "t.tif"
    r = CliRunner().invoke(cli, ["raster", "traveltime", "--from", "拉萨", "-o", str(out),
                                 "--resolution", "20000", "--isochrones",
                                 str(tmp_path / "i.geojson"), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "i.geojson").exists()
    r = CliRunner().invoke(cli, ["raster", "traveltime", "--from", "拉萨", "-o", str(out)])
    assert r.exit_code == 3 and "exists" in r.output and "Traceback" not in r.output


def test_network_adapter_tolerates_renamed_fields():
    from types import SimpleNamespace

    from gisxz.raster.friction import network_parts

    nodes = pd.DataFrame({"x": [0.0, 5000.0, 5000.0], "y": [500.0, 500.0, 600.0],
                          "layer": ["road", "road", "rail"]})
    edges = gpd.GeoDataFrame(
        {"u": [0, 1, 1, 2], "v": [1, 0, 2, 1], "minutes": [10.0, 10.0, 3.0, 3.0],
         "kind": ["road", "road", "access", "access"]},
        geometry=[LineString([(0, 500), (5000, 500)]), LineString([(5000, 500), (0, 500)]),
                  None, None], crs=CRS)
    roads, links, out_nodes = network_parts(graph=SimpleNamespace(edges=edges, nodes=nodes,
                                                                  crs=CRS))
    assert len(roads) == 1 and roads["minutes"].item() == 10.0
    assert len(links) == 2 and out_nodes["virtual"].tolist() == [False, False, True]


def test_origins_from_a_polygon_layer():
    from shapely.geometry import box

    g = _grid(5, 1)
    f = Friction(g, np.full((1, 5), 1.0, dtype=np.float32))
    layer = gpd.GeoDataFrame(geometry=[box(3100, 100, 4900, 900)], crs=CRS)
    t = travel_time(f, layer)
    assert t[0, 4] == 0 and t[0, 3] == 0 and t[0, 0] == pytest.approx(3.0)


def test_cli_friction_and_zonal_coarse(tmp_path):
    import pandas as pd
    from click.testing import CliRunner

    from gisxz.cli.main import cli

    runner = CliRunner()
    f = tmp_path / "f.tif"
    r = runner.invoke(cli, ["raster", "friction", "-o", str(f), "--resolution", "20000",
                            "--scenario", "plan", "--no-progress"])
    assert r.exit_code == 0, r.output
    z = tmp_path / "z.csv"
    r = runner.invoke(cli, ["raster", "zonal", "-o", str(z), "--resolution", "20000",
                            "--hours", "0.5,3", "--no-progress"])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(z, encoding="utf-8-sig")
    fields = [c.split()[-1] for c in table.columns]
    assert {"share_area_0_5h", "share_pop_3h", "population_3h"} <= set(fields)
    assert table.columns[0] == "层级 level"
    r = runner.invoke(cli, ["raster", "zonal", "-o", str(tmp_path / "z.txt")])
    assert r.exit_code == 2 and ".csv" in r.output


def test_cli_origins_by_kind(tmp_path):
    from click.testing import CliRunner

    from gisxz.cli.main import cli

    out = tmp_path / "seats.tif"
    r = CliRunner().invoke(cli, ["raster", "traveltime", "--from-kind", "prefecture_seat",
                                 "-o", str(out), "--resolution", "20000", "--no-progress"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["raster", "traveltime", "--from-kind", "volcano",
                                 "-o", str(tmp_path / "v.tif"), "--resolution", "20000"])
    assert r.exit_code == 2 and "volcano" in r.output and "Traceback" not in r.output
