"""The main job: build the plan layers, run the analyses, write maps and a GeoPackage.

``gisxz run`` calls :func:`run_main`. Every output goes to a temporary file first and is
moved into place; existing outputs are refused unless ``overwrite`` is true, and that is
checked for all outputs before any work starts, so a refused run leaves nothing behind.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from gisxz.exceptions import OutputExistsError
from gisxz.io.geopackage import write_layers

log = logging.getLogger(__name__)

__all__ = ["run_main", "MAIN_OUTPUTS"]

#: Files the main job writes in its output folder.
MAIN_OUTPUTS = ("xizang_plan.gpkg", "county_membership.csv", "county_membership.xlsx",
                "three_hour_circle.csv", "calibration.csv", "scenario_comparison.csv",
                "scenario_comparison.xlsx")
#: Tables written at the top of the output folder; every table is also written under
#: ``tables/`` as CSV and XLSX. All have bilingual headers (``名称 name_zh``) and translated
#: codes; ``gisxz.io.tables.read_table`` reads them back with field names and codes.
_TOP_TABLES = ("county_membership", "three_hour_circle", "calibration")


def run_main(*, out_dir: str | Path = "out", yihe: str | None = None,
             data_source: str | None = None, overwrite: bool = False, maps: bool = True,
             gpkg_version: str = "1.2") -> list[Path]:
    """Run the main job on the embedded data.

    Writes ``out_dir/xizang_plan.gpkg`` (all layers, analyses included),
    ``county_membership.csv``, ``three_hour_circle.csv``, ``calibration.csv`` and, with
    ``maps``, web maps and figures under ``out_dir/maps``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = Path(out_dir)
    existing = [out_dir / n for n in MAIN_OUTPUTS if (out_dir / n).exists()]
    for sub in ("tables", "maps", "report") if maps else ("tables", "report"):
        if (out_dir / sub).exists() and any((out_dir / sub).iterdir()):
            existing.append(out_dir / sub)
    if existing and not overwrite:
        raise OutputExistsError(
            f"outputs exist: {', '.join(map(str, existing))}; pass --overwrite to replace "
            "them or choose another --out-dir")
    out_dir.mkdir(parents=True, exist_ok=True)

    from gisxz.plan.build import build_layers

    log.info("building plan layers")
    layers = build_layers(data_source=data_source, yihe=yihe)
    tables: dict[str, pd.DataFrame] = {}

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

    from gisxz.report.main import comparison_step, report_step

    comparison, comp_layers, comp_tables = comparison_step(layers)
    layers.update(comp_layers)
    tables.update(comp_tables)

    from gisxz.io.tables import write_table

    written = [write_layers(layers, out_dir / "xizang_plan.gpkg", overwrite=overwrite,
                            version=gpkg_version)]
    for name in _TOP_TABLES:
        written.append(write_table(tables[name], out_dir / f"{name}.csv",
                                   overwrite=overwrite))
    written.append(write_table(tables["county_membership"], out_dir / "county_membership.xlsx",
                               overwrite=overwrite))
    for name, df in tables.items():
        for suffix in (".csv", ".xlsx"):
            written.append(write_table(df, out_dir / "tables" / f"{name}{suffix}",
                                       overwrite=overwrite, sheet_name=name[:31]))

    if maps:
        from gisxz.maps import write_main_maps

        written.extend(write_main_maps(layers, out_dir / "maps", overwrite=overwrite))
    written.extend(report_step(layers, tables, comparison, out_dir, overwrite=overwrite,
                               maps_dir=out_dir / "maps" if maps else None))
    return written
