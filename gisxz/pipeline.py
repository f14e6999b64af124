"""The main job: build the plan layers, run the analyses, write maps and a GeoPackage.

``gisxz run`` calls :func:`run_main`. Everything that can be checked is checked before any
work (output folder writable, existing outputs refused unless ``overwrite``, map recipes
readable), so a refused run leaves nothing behind. The outputs are written into a staging
folder and moved into place together when all are written
(:func:`gisxz.io.staging.staged_outputs`): a run killed at any moment leaves the old
outputs or the new ones, and the next run removes what a killed run left.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from gisxz.exceptions import OutputExistsError
from gisxz.io.geopackage import write_layers
from gisxz.io.staging import staged_outputs

log = logging.getLogger(__name__)

__all__ = ["run_main", "MAIN_OUTPUTS"]

#: Files the main job writes in its output folder.
MAIN_OUTPUTS = ("xizang_plan.gpkg", "county_membership.csv", "county_membership.xlsx",
                "three_hour_circle.csv", "calibration.csv", "scenario_comparison.csv",
                "scenario_comparison.xlsx", "seat_access.csv", "check_report.csv")
#: Tables written at the top of the output folder; every table is also written under
#: ``tables/`` as CSV and XLSX. All have bilingual headers (``名称 name_zh``) and translated
#: codes; ``gisxz.io.tables.read_table`` reads them back with field names and codes.
_TOP_TABLES = ("county_membership", "three_hour_circle", "calibration")


def run_main(*, out_dir: str | Path = "out", yihe: str | None = None,
             data_source: str | None = None, overwrite: bool = False, maps: bool = True,
             gpkg_version: str = "1.2") -> list[Path]:
    """Run the main job on the embedded data.

    Writes ``out_dir/xizang_plan.gpkg`` (all layers, analyses included),
    ``county_membership.csv``, ``three_hour_circle.csv``, ``calibration.csv``, the travel-time
    surfaces, areas and tables under ``out_dir/raster`` and, with
    ``maps``, web maps and figures under ``out_dir/maps``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = Path(out_dir)
    _check_before_work(out_dir, overwrite=overwrite, maps=maps)
    from gisxz.check import gate

    check_report = gate(out_dir, data_source=data_source)  # stops with the report on errors
    layers, tables, comparison = _compute(data_source=data_source, yihe=yihe)
    tables["check_report"] = check_report
    with staged_outputs(out_dir) as stage:
        written = _write_outputs(stage, layers, tables, comparison, maps=maps,
                                 gpkg_version=gpkg_version)
        return [out_dir / p.relative_to(stage) for p in written]


def _check_before_work(out_dir: Path, *, overwrite: bool, maps: bool) -> None:
    """Everything that can be checked before computing: the output folder is writable, no
    output would be replaced without ``overwrite``, the map recipes read."""
    from gisxz.io.files import check_output_dir

    check_output_dir(out_dir, what="--out-dir")
    existing = [out_dir / n for n in MAIN_OUTPUTS if (out_dir / n).exists()]
    for sub in ("tables", "maps", "report", "raster") if maps else ("tables", "report",
                                                                      "raster"):
        if (out_dir / sub).exists() and any((out_dir / sub).iterdir()):
            existing.append(out_dir / sub)
    if existing and not overwrite:
        raise OutputExistsError(
            f"outputs exist: {', '.join(map(str, existing))}; pass --overwrite to replace "
            "them or choose another --out-dir")
    if maps:
        from gisxz.maps.recipes import load_recipes

        load_recipes()  # a broken recipe fails now, not after the GeoPackage is written


def _compute(*, data_source: str | None, yihe: str | None
             ) -> tuple[dict, dict[str, pd.DataFrame], object]:
    """Build the layers and run the analyses (nothing is written)."""
    from gisxz.plan.build import build_layers

    log.info("building plan layers")
    layers = build_layers(data_source=data_source, yihe=yihe)
    tables: dict[str, pd.DataFrame] = {}
    from gisxz.network.seats import network_step

    network_step(layers, tables)  # network_roads / network_rail layers, seat_access table

    from gisxz.network.calibration import calibrate
    from gisxz.network.circle import three_hour_circle
    from gisxz.plan.derived import derive_plan_layers
    from gisxz.plan.options import framework_options

    fw = framework_options()
    log.info("computing the three-hour economic circle (%s, %g h)", fw.circle_centre,
             fw.circle_hours)
    iso, circle_table = three_hour_circle(centre=fw.circle_centre, hours=fw.circle_hours)
    layers["three_hour_circle"] = iso
    tables["three_hour_circle"] = circle_table
    tables["calibration"] = calibrate()

    log.info("deriving belts, zones and county membership")
    from gisxz.network.circle import circle_membership

    new_layers, new_tables = derive_plan_layers(
        layers, circle_table=circle_membership(circle_table, fw.circle_hours))
    layers.update(new_layers)
    tables.update(new_tables)

    from gisxz.report.main import comparison_step

    comparison, comp_layers, comp_tables = comparison_step(layers)
    layers.update(comp_layers)
    tables.update(comp_tables)
    return layers, tables, comparison


def _write_outputs(out_dir: Path, layers: dict, tables: dict[str, pd.DataFrame], comparison,
                   *, maps: bool, gpkg_version: str = "1.2") -> list[Path]:
    """Write the GeoPackage, the tables, the maps and the report into ``out_dir`` (the
    staging folder)."""
    from gisxz.io.tables import write_table
    from gisxz.raster.pipeline import three_hour_area
    from gisxz.report.main import report_step

    log.info("travel time everywhere: the three-hour circle as an area")
    area_layers, written = three_hour_area(layers, out_dir / "raster", overwrite=True,
                                           figures=maps)
    layers = {**layers, **area_layers}
    written.insert(0, write_layers(layers, out_dir / "xizang_plan.gpkg", version=gpkg_version))
    for name in _TOP_TABLES:
        written.append(write_table(tables[name], out_dir / f"{name}.csv"))
    written.append(write_table(tables["county_membership"], out_dir / "county_membership.xlsx"))
    from gisxz.network.seats import write_network_tables

    written.extend(write_network_tables(tables, out_dir))  # seat_access.csv, check_report.csv
    for name, df in tables.items():
        for suffix in (".csv", ".xlsx"):
            written.append(write_table(df, out_dir / "tables" / f"{name}{suffix}",
                                       sheet_name=name[:31]))
    if maps:
        from gisxz.maps import write_main_maps

        written.extend(write_main_maps(layers, out_dir / "maps"))
    written.extend(report_step(layers, tables, comparison, out_dir,
                               maps_dir=out_dir / "maps" if maps else None))
    return written
