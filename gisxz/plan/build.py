"""Assemble every layer of the plan GeoPackage: base geography, gazetteer, plan layers.

:func:`build_layers` returns a mapping of stable layer names to GeoDataFrames in
EPSG:4490; :data:`LAYER_ORDER` lists them in the order they are written.
"""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import pandas as pd

from gisxz import settings
from gisxz.base import geography as basedata
from gisxz.base.gazetteer import Gazetteer, default_gazetteer
from gisxz.exceptions import OutsideRegionError
from gisxz.plan.features import build_plan_layers

log = logging.getLogger(__name__)

__all__ = ["LAYER_ORDER", "build_layers", "places_layer", "check_places_in_counties"]

#: Stable names of the layers ``gisxz build`` writes, in order.
LAYER_ORDER = (
    "admin_province", "admin_prefecture", "admin_county", "neighbour_provinces",
    "neighbour_countries", "border_line", "rivers", "lakes", "water_network", "zones",
    "transport_channels", "highways", "railways", "places", "border_towns", "ports",
    "airports", "hubs", "energy_water_projects", "plan_framework",
)


def check_places_in_counties(places: gpd.GeoDataFrame, counties: gpd.GeoDataFrame
                             ) -> pd.DataFrame:
    """Places whose point is not inside the county their ``adcode`` names.

    Returns a frame ``id, name_zh, adcode, found_adcode`` (empty when all agree);
    ``found_adcode`` is the county actually containing the point (or NA outside Xizang).
    """
    pts = places[places["adcode"].notna()]
    joined = gpd.sjoin(pts[["id", "name_zh", "adcode", "geometry"]],
                       counties[["adcode", "geometry"]].rename(columns={"adcode": "found"}),
                       how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    bad = joined[joined["found"].astype("Int64") != joined["adcode"].astype("Int64")]
    bad = pd.concat([bad, joined[joined["found"].isna()]]).drop_duplicates("id")
    return pd.DataFrame({"id": bad["id"], "name_zh": bad["name_zh"],
                         "adcode": bad["adcode"].astype("Int64"),
                         "found_adcode": bad["found"].astype("Int64")}).reset_index(drop=True)


def places_layer(gazetteer: Gazetteer, counties: gpd.GeoDataFrame, *,
                 province: gpd.GeoDataFrame | None = None, strict: bool = True
                 ) -> gpd.GeoDataFrame:
    """The gazetteer as a layer, with the county name joined and locations checked.

    A place that claims a Xizang county but lies outside Xizang raises
    :class:`OutsideRegionError` (with file and line); one in the wrong Xizang county is
    a warning (an error when ``strict``).
    """
    p = gazetteer.places
    bad = check_places_in_counties(p, counties)
    for row in bad.itertuples():
        src = p.loc[p["id"] == row.id].iloc[0]
        if pd.isna(row.found_adcode):
            raise OutsideRegionError(
                f"place {row.id!r} ({row.name_zh}) has adcode {row.adcode} but its point "
                f"({src['lon']}, {src['lat']}) lies outside Xizang. Check the coordinates "
                "(longitude first) or set adcode: null and its province",
                path=src["_path"], line=int(src["_line"]))
        found = counties.loc[counties["adcode"] == row.found_adcode, "name_zh"].iloc[0]
        msg = (f"{src['_path']}:{src['_line']}: place {row.id!r} ({row.name_zh}) names county "
               f"{row.adcode} but lies in {found} ({row.found_adcode})")
        if strict:
            raise OutsideRegionError(msg + "; fix its adcode or its coordinates")
        warnings.warn(msg, stacklevel=2)
    names = counties.set_index("adcode")["name_zh"]
    out = p.drop(columns=["_path", "_line"]).copy()
    out["county_zh"] = out["adcode"].map(names).fillna("")
    out["aliases"] = out["aliases"].map(lambda a: ";".join(a))
    for col in ("province", "seat_zh", "seat_en", "note"):
        out[col] = out[col].fillna("")
    cols = ["id", "name_zh", "name_en", "kind", "adcode", "county_zh", "province", "seat_zh",
            "seat_en", "lon", "lat", "aliases", "source", "accuracy", "note", "geometry"]
    return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=settings.store_crs)


def build_layers(*, data_source: str | None = None, yihe: str | None = None,
                 gazetteer: Gazetteer | None = None, strict: bool = True
                 ) -> dict[str, gpd.GeoDataFrame]:
    """Build every layer of the plan GeoPackage.

    Parameters
    ----------
    data_source : {"tianditu", "amap"}, optional
        Boundary edition (default :data:`gisxz.settings.data_source`).
    yihe : str, optional
        The 一河 of 四江一河 (default from ``layers/plan/water.yaml``).
    gazetteer : Gazetteer, optional
        Place lookup (default: the project's gazetteer).
    strict : bool
        Refuse a gazetteer place that lies outside the county it names.

    Returns
    -------
    dict of str to GeoDataFrame
        In the order of :data:`LAYER_ORDER` (plus any extra plan layers).

    Examples
    --------
    >>> layers = build_layers()
    >>> layers["places"].crs.to_epsg(), int((layers["places"]["kind"] == "county_seat").sum())
    (4490, 74)
    """
    gz = gazetteer or default_gazetteer()
    counties = basedata.admin_counties(data_source=data_source)
    layers: dict[str, gpd.GeoDataFrame] = {
        "admin_province": basedata.admin_province(data_source=data_source),
        "admin_prefecture": basedata.admin_prefectures(data_source=data_source),
        "admin_county": counties,
        "neighbour_provinces": basedata.neighbour_provinces(data_source=data_source),
        "neighbour_countries": basedata.neighbour_countries(data_source=data_source),
        "border_line": basedata.border_line(data_source=data_source),
        "rivers": basedata.rivers(data_source=data_source),
        "lakes": basedata.lakes(data_source=data_source),
        "places": places_layer(gz, counties, strict=strict),
    }
    plan = build_plan_layers(gazetteer=gz, yihe=yihe, data_source=data_source)
    layers.update(plan)
    ordered = {k: layers[k] for k in LAYER_ORDER if k in layers}
    ordered.update({k: v for k, v in layers.items() if k not in ordered})
    return ordered
