"""The main-job step *the three-hour circle as an area* (:func:`three_hour_area`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np

from gisxz.core.compat import progress
from gisxz.core.vocab import ZONAL_FIELD_ZH
from gisxz.exceptions import OutputExistsError

log = logging.getLogger(__name__)

__all__ = ["three_hour_area", "planned_outputs", "population_for", "AREA_LAYERS"]

#: Layers the step adds to the main GeoPackage.
AREA_LAYERS = ("three_hour_area", "travel_time_zonal")


def planned_outputs(out_dir: str | Path, scenarios: Sequence[str] = ("current", "plan"), *,
                    centre_slug: str = "lhasa", figures: bool = True) -> list[Path]:
    """The files :func:`three_hour_area` writes in ``out_dir``."""
    d = Path(out_dir)
    files = [d / f"traveltime_{centre_slug}_{s}.tif" for s in scenarios]
    files += [d / "population_2020.tif", d / "three_hour_area.geojson",
              d / "travel_time_zonal.csv", d / "travel_time_zonal.xlsx"]
    if figures:
        files += [d / "three_hour_area.png", d / "three_hour_area.html"]
        files += [d / f"three_hour_area_{s}.{x}" for s in scenarios for x in ("png", "json")]
    return files


def _context(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    from gisxz.base.geography import admin_prefectures, admin_province
    from gisxz.network.snap import places_as_points

    prov = layers.get("admin_province")
    pref = layers.get("admin_prefecture")
    places = layers.get("places")
    seats = (places[places["kind"] == "prefecture_seat"] if places is not None
             and "kind" in places.columns else places_as_points(kinds=["prefecture_seat"]))
    return {"province": prov if prov is not None else admin_province(),
            "prefectures": pref if pref is not None else admin_prefectures(),
            "seats": seats}


def _surfaces(grid, region, landcover, scenarios, centre, dem) -> dict[str, np.ndarray]:
    from gisxz.raster.costdistance import travel_time
    from gisxz.raster.friction import build_friction

    times = {}
    for scen in progress(list(scenarios), desc="travel-time surfaces"):
        f = build_friction(grid, scen, landcover=landcover, region=region, dem=dem)
        times[scen] = travel_time(f, centre)
    return times


def population_for(grid, landcover) -> np.ndarray:
    """The population surface with today's trunk roads (see :mod:`gisxz.raster.population`)."""
    from gisxz.raster.friction import _burn_roads, network_parts
    from gisxz.raster.population import population_surface

    roads, _, _ = network_parts("current", mode="road")
    return population_surface(grid, landcover, np.isfinite(_burn_roads(grid, roads)))


def _write_rasters(times, people, grid, d: Path, centre: str, slug: str, dem,
                   overwrite: bool) -> list[Path]:
    from gisxz.raster.costdistance import write_cog
    from gisxz.raster.friction import OFFROAD_SPEED_KMH
    from gisxz.raster.population import METHOD

    written = []
    for scen, minutes in times.items():
        tags = {"scenario": scen, "origin": centre, "units": "minutes",
                "crs_note": "project metric CRS: Albers equal-area 27/35N, 88E, CGCS2000/GRS80",
                "friction": "trunk roads at network pace; rail via stations with access time; "
                            "off-road by MODIS MCD12C1 2019 land cover",
                "offroad_speed_kmh": str(OFFROAD_SPEED_KMH), "dem": str(dem or "none")}
        written.append(write_cog(minutes, grid, d / f"traveltime_{slug}_{scen}.tif",
                                 overwrite=overwrite, tags=tags))
    written.append(write_cog(people, grid, d / "population_2020.tif", overwrite=overwrite,
                             tags={"units": "persons per cell", "method": METHOD},
                             description="population_2020", nodata=-1.0))
    return written


def three_hour_area(layers: Mapping[str, gpd.GeoDataFrame], out_dir: str | Path, *,
                    overwrite: bool = False, scenarios: Sequence[str] = ("current", "plan"),
                    centre: str = "拉萨", centre_slug: str = "lhasa",
                    hours: Sequence[float] = (1, 2, 3), resolution: float = 1000.0,
                    dem: str | Path | None = None, figures: bool = True
                    ) -> tuple[dict[str, gpd.GeoDataFrame], list[Path]]:
    """Travel time from Lhasa everywhere, per scenario, and the 1/2/3 h areas with people.

    Writes in ``out_dir`` (see :func:`planned_outputs`): one COG of minutes per scenario
    and the population COG (1 km, project metric CRS), the isochrone polygons (GeoJSON),
    the county/prefecture table (bilingual CSV and XLSX) and, with ``figures``, the static
    figure and a web map with the surfaces as overlays.

    Returns
    -------
    (dict, list)
        New layers for the main GeoPackage (``three_hour_area``: polygons;
        ``travel_time_zonal``: counties and prefectures with their statistics) and the
        files written.
    """
    from gisxz.base.geography import admin_province
    from gisxz.io.files import write_vector
    from gisxz.io.tables import write_table
    from gisxz.raster.costdistance import isochrone_polygons
    from gisxz.raster.grid import rasterize_mask, xizang_grid
    from gisxz.raster.landcover import read_landcover
    from gisxz.raster.zonal import zonal_layer, zonal_table

    d = Path(out_dir)
    planned = planned_outputs(d, scenarios, centre_slug=centre_slug, figures=figures)
    existing = [p for p in planned if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"outputs exist: {', '.join(map(str, existing))}; pass "
                                "--overwrite to replace them")
    d.mkdir(parents=True, exist_ok=True)
    grid = xizang_grid(resolution)
    region = rasterize_mask(grid, admin_province())
    landcover = read_landcover(grid)
    times = _surfaces(grid, region, landcover, scenarios, centre, dem)
    people = population_for(grid, landcover)
    written = _write_rasters(times, people, grid, d, centre, centre_slug, dem, overwrite)
    iso = gpd.GeoDataFrame(
        [row for scen, t in times.items() for _, row in isochrone_polygons(
            t, grid, hours, region=region, origin=centre, scenario=scen).iterrows()],
        crs="EPSG:4490")
    iso["population"] = [_pop_within(times[s], people, h) for s, h in
                         zip(iso["scenario"], iso["hours"], strict=True)]
    written.append(write_vector(iso, d / "three_hour_area.geojson", layer="three_hour_area",
                                overwrite=overwrite))
    table = zonal_table(times, grid, people, hours=hours)
    for suffix in (".csv", ".xlsx"):
        written.append(write_table(table, d / f"travel_time_zonal{suffix}",
                                   overwrite=overwrite, sheet_name="travel_time_zonal",
                                   labels=ZONAL_FIELD_ZH))
    if figures:
        from gisxz.raster.figures import traveltime_figure, traveltime_webmap

        shown = {s: np.where(region, t, np.nan) for s, t in times.items()}
        context = _context(layers)
        written.append(traveltime_figure(shown, grid, iso, d / "three_hour_area.png",
                                         context=context, origin=centre, overwrite=overwrite))
        written += traveltime_webmap(shown, grid, iso, d / "three_hour_area.html",
                                     context=context, overwrite=overwrite, origin=centre)
    return {"three_hour_area": iso, "travel_time_zonal": zonal_layer(table)}, written


def _pop_within(minutes: np.ndarray, people: np.ndarray, hours: float) -> int:
    return int(round(float(people[np.isfinite(minutes) & (minutes <= hours * 60.0)].sum())))
