"""The scenario comparison as layers and tables for the main job, maps and the report.

:func:`comparison_outputs` runs :func:`gisxz.network.compare.compare_scenarios` and returns

* ``scenario_comparison`` (layer): the county polygons with the seat table, plus
  ``lhasa_saving_min`` / ``pref_saving_min`` / ``airport_saving_min`` (minutes saved by the
  last scenario; positive = faster), drawn by ``maps/scenario_comparison.yaml``;
* ``plan_projects_network`` (layer): the road and rail segments of the last scenario that
  the first lacks (the projects), with ``ref``, ``status``, ``length_km``;
* tables ``scenario_comparison`` (seats) and ``scenario_population`` (prefectures, Xizang).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz.network.compare import Comparison, compare_scenarios, comparison_labels

log = logging.getLogger(__name__)

__all__ = ["comparison_outputs", "project_segments", "write_comparison_tables"]


def project_segments(scenarios: Sequence[str] = ("current", "plan"), *,
                     mode: str = "multimodal") -> gpd.GeoDataFrame:
    """Road and rail segments of the last scenario missing from the first (EPSG:4490).

    Examples
    --------
    >>> p = project_segments()
    >>> set(p["status"]) <= {"under_construction", "planned"}
    True
    """
    from gisxz.network.route import edge_refs
    from gisxz.network.trunk import trunk_edges

    first = trunk_edges(scenario=scenarios[0], mode=mode)
    last = trunk_edges(scenario=scenarios[-1], mode=mode)
    new = last[~last["id"].isin(set(first["id"])) & last["mode"].isin(["road", "rail"])]
    new = new.drop_duplicates("id").copy()
    new["ref"] = edge_refs(new)
    keep = ["id", "ref", "mode", "status", "opened", "length_km", "from_name", "to_name",
            "geometry"]
    return gpd.GeoDataFrame(new[[c for c in keep if c in new.columns]].reset_index(drop=True),
                            geometry="geometry", crs=new.crs)


def _county_layer(counties: gpd.GeoDataFrame, comp: Comparison) -> gpd.GeoDataFrame:
    seats = comp.seats.copy()
    for tgt in ("lhasa", "pref", "airport"):
        seats[f"{tgt}_saving_min"] = -seats[f"{tgt}_change_min"]
    seats["scenario"] = f"{comp.scenarios[0]}→{comp.scenarios[-1]}"
    poly = counties[["adcode", "geometry"]].copy()
    poly["adcode"] = poly["adcode"].astype("int64")
    out = poly.merge(seats, on="adcode", how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=counties.crs)


def comparison_outputs(layers: Mapping[str, gpd.GeoDataFrame],
                       scenarios: Sequence[str] = ("current", "plan"), *,
                       mode: str = "multimodal"
                       ) -> tuple[Comparison, dict[str, gpd.GeoDataFrame],
                                  dict[str, pd.DataFrame]]:
    """The comparison, its layers and its tables (see the module docstring)."""
    comp = compare_scenarios(scenarios, mode=mode)
    new_layers = {"plan_projects_network": project_segments(scenarios, mode=mode)}
    if "admin_county" in layers:
        new_layers["scenario_comparison"] = _county_layer(layers["admin_county"], comp)
    tables = {"scenario_comparison": comp.seats, "scenario_population": comp.population}
    return comp, new_layers, tables


def write_comparison_tables(comp: Comparison, out_dir: str | Path, *,
                            overwrite: bool = False) -> list[Path]:
    """``scenario_comparison.csv`` and ``.xlsx`` in ``out_dir``, bilingual headers (read
    them back with field names through :func:`gisxz.io.tables.read_table`)."""
    from gisxz.io.tables import write_table

    out = Path(out_dir)
    return [write_table(comp.seats, out / "scenario_comparison.csv", overwrite=overwrite,
                        labels=comparison_labels(comp.scenarios)),
            write_table(comp.seats, out / "scenario_comparison.xlsx", overwrite=overwrite,
                        labels=comparison_labels(comp.scenarios),
                        sheet_name="scenario_comparison")]
