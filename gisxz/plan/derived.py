"""Derived plan layers: border belt and border counties, railway economic belt, channel
influence zones, the 三区 zones, and the county membership table.

:func:`derive_plan_layers` is called by the main job on the output of
:func:`gisxz.plan.build.build_layers`. Everything is derived from geometry and the plan files;
nothing is typed by hand. Defaults:

==========================  ======================  ==============================================
structure                   default                 where it comes from / rule
==========================  ======================  ==============================================
border belt (边境沿线发展带)  bands 0–10, 10–30,      ``plan_framework.border_belt.bands_km`` in
                            30–50 km                ``layers/plan/framework.yaml``; one-sided: the
                                                    bands around ``border_line`` clipped to Xizang
border county (边境县)       polygon shares ≥ 1 km   ``border_line`` (itself derived from geometry);
                            of boundary with the    tolerance 100 m
                            international border
railway economic belt       30 km either side of    ``plan_framework.railway_belt.width_km``;
(铁路经济带)                 the railways with       railways with ``economic_belt`` true (青藏, 拉日,
                            ``economic_belt``       拉林, 川藏雅林); clipped to Xizang; a county is
                                                    ``railway_belt`` when its seat lies inside
channel influence zone      50 km either side of    an assumption of gisxz (the plan gives no
(三横三纵 通道影响区)          each channel line       width); clipped to Xizang
一核 core                   城关区, 堆龙德庆区, 达孜区   the municipal districts (区) of Lhasa city,
                                                    where the plan's 一核 elements lie (经开区,
                                                    柳梧新区, 文创园区); ``core_adcodes=`` overrides
三区 zones                   ``zones`` layer          membership from ``layers/plan/zones.yaml``
three-hour circle           scenario ``current``,    ``circle_table`` from the network module;
                            mode ``multimodal``      empty when not given
==========================  ======================  ==============================================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisxz.core.crs import to_metric, to_store
from gisxz.exceptions import GisxzError, MissingDataError
from gisxz.spatial.buffers import buffer_bands, parse_distances, polygonal
from gisxz.spatial.overlay import summarize_by_unit

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BORDER_BANDS_KM",
    "DEFAULT_RAILWAY_BELT_KM",
    "DEFAULT_CHANNEL_ZONE_KM",
    "derive_plan_layers",
    "border_counties",
    "core_adcodes_default",
    "plan_defaults",
]

#: Fallbacks used only when ``layers/plan/framework.yaml`` gives no value.
DEFAULT_BORDER_BANDS_KM = (10.0, 30.0, 50.0)
DEFAULT_RAILWAY_BELT_KM = 30.0
#: Half-width of each 三横三纵 channel's influence zone (a gisxz assumption).
DEFAULT_CHANNEL_ZONE_KM = 50.0
#: Counties whose area share in a channel zone is below this are not listed as served.
MIN_CHANNEL_SHARE = 0.005

_NEEDED = ("admin_province", "admin_county", "border_line", "railways", "transport_channels",
           "zones", "places")


def plan_defaults() -> dict:
    """The belt definitions of the plan files: ``border_bands_km``, ``railway_belt_km``,
    ``railway_ids`` (:func:`gisxz.plan.options.framework_options`).

    Examples
    --------
    >>> plan_defaults()["border_bands_km"]
    [10.0, 30.0, 50.0]
    """
    from gisxz.plan.options import framework_options

    fw = framework_options()
    return {"border_bands_km": list(fw.border_bands_km),
            "railway_belt_km": fw.railway_belt_km,
            "railway_ids": list(fw.railway_ids)}


def core_adcodes_default(counties: gpd.GeoDataFrame) -> list[int]:
    """The 一核 (Lhasa core): the municipal districts (区) of Lhasa city.

    Examples
    --------
    >>> from gisxz.base.geography import admin_counties
    >>> sorted(core_adcodes_default(admin_counties()))
    [540102, 540103, 540104]
    """
    sel = (counties["prefecture_zh"] == "拉萨市") & counties["name_zh"].str.endswith("区")
    return sorted(int(a) for a in counties.loc[sel, "adcode"])


def border_counties(counties: gpd.GeoDataFrame, border: gpd.GeoDataFrame, *,
                    tolerance_m: float = 100.0, min_shared_km: float = 1.0
                    ) -> gpd.GeoDataFrame:
    """Counties whose polygon touches the international boundary, from geometry.

    A county is a border county when at least ``min_shared_km`` of its boundary lies
    within ``tolerance_m`` of the boundary line (so a corner touch does not count).

    Parameters
    ----------
    counties : GeoDataFrame
        County polygons (``adcode``, ``name_zh`` …).
    border : GeoDataFrame
        The international boundary as lines (e.g. ``border_line``), with ``country_zh``
        when known.
    tolerance_m, min_shared_km : float
        Snapping tolerance and the shortest shared boundary that counts.

    Returns
    -------
    GeoDataFrame
        The border counties with the counties' columns plus ``border_length_km`` and
        ``countries`` (``;``-joined neighbours faced), in the counties' CRS.

    Examples
    --------
    >>> from shapely.geometry import box, LineString
    >>> c = gpd.GeoDataFrame({"adcode": [1, 2], "name_zh": ["甲", "乙"]},
    ...                      geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)],
    ...                      crs="EPSG:32645")
    >>> b = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (0, 1e4)])], crs="EPSG:32645")
    >>> border_counties(c, b)["name_zh"].tolist()
    ['甲']
    """
    from gisxz.core.crs import align_crs

    border = align_crs(counties, border, names=("counties", "border"))
    cm = to_metric(counties, name="counties")
    bm = to_metric(border, name="border")
    ring = shapely.boundary(polygonal(np.asarray(cm.geometry.values, dtype=object)))
    groups = (list(bm.groupby("country_zh", sort=True)) if "country_zh" in bm.columns
              else [("", bm)])
    total = np.zeros(len(cm))
    faced: list[list[str]] = [[] for _ in range(len(cm))]
    for country, g in groups:
        zone = shapely.buffer(shapely.union_all(np.asarray(g.geometry.values)), tolerance_m)
        shapely.prepare(zone)
        shared = shapely.length(shapely.intersection(ring, zone))
        total += shared
        for i in np.flatnonzero(shared >= min_shared_km * 1000):
            if country:
                faced[i].append(str(country))
    keep = total >= min_shared_km * 1000
    out = counties.loc[keep].copy()
    out["border_length_km"] = total[keep] / 1000.0
    out["countries"] = [";".join(faced[i]) for i in np.flatnonzero(keep)]
    log.info("%d border counties (shared boundary >= %s km)", int(keep.sum()), min_shared_km)
    return out.reset_index(drop=True)


def _need(layers: Mapping[str, gpd.GeoDataFrame], names: Iterable[str]) -> None:
    missing = [n for n in names if n not in layers]
    if missing:
        raise MissingDataError(f"layers lacks {', '.join(missing)}; pass the output of "
                               "gisxz.plan.build.build_layers()")


def _names(values: Iterable) -> str:
    return ";".join(str(v) for v in values if str(v))


def _circle_columns(circle_table: pd.DataFrame | None, adcodes: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame(index=adcodes.index)
    out["three_hour_circle"] = pd.array([pd.NA] * len(adcodes), dtype="boolean")
    if circle_table is None:
        return out
    need = {"adcode", "scenario", "mode"}
    flag = next((c for c in circle_table.columns if str(c).startswith("within_")), None)
    if not need <= set(circle_table.columns) or flag is None:
        raise GisxzError("circle_table needs columns adcode, scenario, mode and within_3h "
                         f"(it has {', '.join(map(str, circle_table.columns))}); pass the "
                         "table of gisxz.network.circle.three_hour_circle()")
    t = circle_table.dropna(subset=["adcode"]).copy()
    t["adcode"] = t["adcode"].astype("int64")
    t[flag] = t[flag].astype("boolean")
    multi = t[t["mode"] == "multimodal"]
    if multi.empty:
        log.warning("circle_table has no multimodal rows; three_hour_circle left empty")
        return out
    codes = adcodes.astype("int64")
    for scen in sorted(multi["scenario"].unique(), key=lambda s: (s != "current", s)):
        per = multi[multi["scenario"] == scen].groupby("adcode")[flag].any()
        col = pd.array(codes.map(per), dtype="boolean")
        out[f"three_hour_circle_{scen}"] = col
        if scen == "current":
            out["three_hour_circle"] = col
    if "current" not in set(multi["scenario"]):
        log.warning("circle_table has no scenario 'current'; three_hour_circle left empty")
    return out


def _store(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """To EPSG:4490; polygons that reprojection left slightly invalid are fixed quietly."""
    out = to_store(gdf)
    arr = np.asarray(out.geometry.values, dtype=object)
    bad = ~shapely.is_valid(arr)
    if bad.any():
        arr = arr.copy()
        arr[bad] = polygonal(shapely.make_valid(arr[bad]))
        out = out.copy()
        out[out.geometry.name] = gpd.GeoSeries(arr, index=out.index, crs=out.crs)
    out.attrs.update(gdf.attrs)
    return out


def _describe(gdf: gpd.GeoDataFrame, text: str) -> gpd.GeoDataFrame:
    gdf.attrs["description"] = text
    return gdf


def derive_plan_layers(layers: Mapping[str, gpd.GeoDataFrame], *,
                       border_bands_km: Iterable[float] | None = None,
                       railway_belt_km: float | None = None,
                       channel_zone_km: float = DEFAULT_CHANNEL_ZONE_KM,
                       population: pd.DataFrame | None = None,
                       circle_table: pd.DataFrame | None = None,
                       core_adcodes: Iterable[int] | None = None,
                       ) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame]]:
    """Derive the belt, zone and membership layers of the plan.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The output of :func:`gisxz.plan.build.build_layers` (needs ``admin_province``,
        ``admin_county``, ``border_line``, ``railways``, ``transport_channels``, ``zones``,
        ``places``). Not modified.
    border_bands_km : sequence of float, optional
        Outer distances of the border-belt bands (default from the plan files: 10, 30,
        50 km). The bands are rings measured from the border, inside Xizang only.
    railway_belt_km : float, optional
        Distance either side of the economic-belt railways (default from the plan files:
        30 km).
    channel_zone_km : float
        Distance either side of each 三横三纵 channel (default 50 km, a gisxz assumption).
    population : DataFrame, optional
        ``adcode, population_2020`` per county (default :func:`county_population`).
    circle_table : DataFrame, optional
        ``adcode, scenario, mode, within_3h`` from the network module; the membership
        column uses scenario ``current`` and mode ``multimodal`` and one column
        ``three_hour_circle_<scenario>`` is added per scenario. ``None``: left empty.
    core_adcodes : iterable of int, optional
        Counties of the 一核 (default :func:`core_adcodes_default`: 城关区, 堆龙德庆区,
        达孜区).

    Returns
    -------
    (dict of str to GeoDataFrame, dict of str to DataFrame)
        Layers ``border_belt``, ``border_counties``, ``border_belt_counties``,
        ``railway_belt``, ``railway_belt_counties``, ``channel_zones``, ``zone_summary``,
        ``county_membership`` (EPSG:4490, ASCII fields) and tables ``county_membership``,
        ``border_belt_summary``, ``railway_belt_summary``, ``channel_zone_summary``,
        ``zone_summary``.

    Examples
    --------
    >>> from gisxz.plan.build import build_layers
    >>> new, tables = derive_plan_layers(build_layers())
    >>> len(tables["county_membership"]), int(tables["county_membership"]["border_county"].sum())
    (74, 18)
    """
    _need(layers, _NEEDED)
    defaults = plan_defaults()
    bands = parse_distances(border_bands_km if border_bands_km is not None
                            else defaults["border_bands_km"], name="border_bands_km")
    rb_km = parse_distances(railway_belt_km if railway_belt_km is not None
                            else defaults["railway_belt_km"], name="railway_belt_km")
    if len(rb_km) != 1:
        raise GisxzError(f"railway_belt_km must be one distance, not {rb_km}")
    rb_km = rb_km[0]
    ch_km = parse_distances(channel_zone_km, name="channel_zone_km")
    if len(ch_km) != 1:
        raise GisxzError(f"channel_zone_km must be one distance, not {ch_km}")
    ch_km = ch_km[0]

    # all work in the metric CRS (no round trips through degrees); stored back at the end
    counties = to_metric(layers["admin_county"], name="admin_county")
    province = to_metric(layers["admin_province"], name="admin_province")
    places = to_metric(layers["places"], name="places")
    border_line = to_metric(layers["border_line"], name="border_line")
    if population is None:
        from gisxz.base.population import county_population

        population = county_population(counties=counties)
    pop = population.set_index(population["adcode"].astype("int64"))
    seats = places[places["kind"] == "county_seat"]
    area = pd.Series(counties.area.to_numpy() / 1e6, index=counties["adcode"].astype("int64"))
    total_area = float(area.sum())
    total_pop = float(pop["population_2020"].sum())
    point_sets = {"county_seat": seats,
                  "land_port": places[places["kind"] == "land_port"],
                  "airport": places[places["kind"] == "airport"],
                  "station": places[places["kind"] == "station"]}
    new: dict[str, gpd.GeoDataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}

    def seat_lists(part_summary: pd.DataFrame, key: str | None = None) -> dict:
        """Per group: counties reached and seats inside."""
        res = {}
        groups = part_summary.groupby(key, sort=False) if key else [(None, part_summary)]
        for k, g in groups:
            g = g[g["area_km2"] > 0]
            res[k] = {"counties": _names(g["name_zh"]), "n_counties": len(g),
                      "seats": _names(g.loc[g["seat_inside"], "name_zh"]),
                      "n_seats": int(g["seat_inside"].sum()),
                      "population_in": float(g["population_in"].sum())}
        return res

    # --- border counties and border belt -----------------------------------------------
    bc = border_counties(counties, border_line)
    bc["population_2020"] = bc["adcode"].astype("int64").map(pop["population_2020"]).astype(
        "Int64")
    bc["area_km2"] = bc["adcode"].astype("int64").map(area)
    keep_cols = [c for c in ("adcode", "name_zh", "name_en", "prefecture_zh", "prefecture_en")
                 if c in bc.columns]
    bc = bc[[*keep_cols, "border_length_km", "countries", "area_km2", "population_2020",
             "geometry"]]
    new["border_counties"] = _describe(bc, "边境县（由国界线几何推导） border counties: county "
                                           "polygon shares the international boundary")
    log.info("border counties: %d (%s)", len(bc), ", ".join(bc["name_zh"]))

    belt = buffer_bands(border_line, bands, dissolve=True, within=province,
                        name="border_line")
    bsum = summarize_by_unit(counties, belt, by="band_label", points=point_sets,
                             population=population, carry=("prefecture_zh",))
    band_no = dict(zip(belt["band_label"], belt["band"], strict=True))
    bsum.insert(4, "band", bsum["band_label"].map(band_no).astype("int64"))
    bsum = bsum.sort_values(["adcode", "band"]).reset_index(drop=True)
    info = seat_lists(bsum, "band_label")
    for col in ("counties", "n_counties", "seats", "n_seats", "population_in"):
        belt[col] = belt["band_label"].map(lambda lab, c=col: info.get(lab, {}).get(c))
    belt["share_of_xizang"] = belt["area_km2"] / total_area
    new["border_belt"] = _describe(belt, f"边境沿线发展带（距国界 {bands} km，境内一侧） border "
                                         "belt bands inside Xizang")
    new["border_belt_counties"] = _describe(bsum.copy(), "边境带分县 border belt by county "
                                                         "and band")
    tables["border_belt_summary"] = pd.DataFrame(bsum.drop(columns="geometry"))

    # --- railway economic belt ---------------------------------------------------------
    rails = to_metric(layers["railways"], name="railways")
    if "economic_belt" in rails.columns:
        sel = rails["economic_belt"].fillna(False).astype(bool)
    else:
        sel = rails["id"].isin(defaults["railway_ids"])
    belt_rails = rails[sel]
    if belt_rails.empty:
        log.warning("no railway has economic_belt true: the railway belt is empty")
    rb = buffer_bands(belt_rails[["geometry"]], rb_km, dissolve=True, within=province,
                      name="railways")
    rsum = summarize_by_unit(counties, rb, points=point_sets, population=population)
    rsum = rsum.sort_values("adcode").reset_index(drop=True)
    rb = rb.drop(columns=["band", "band_from_km", "band_to_km"])  # band_label styles it
    rb.insert(0, "width_km", rb_km)
    rb.insert(0, "railways", _names(belt_rails["name_zh"]))
    if len(rb):
        info = seat_lists(rsum)[None]
        for col, val in info.items():
            rb[col] = [val]
        rb["share_of_xizang"] = rb["area_km2"] / total_area
    new["railway_belt"] = _describe(rb, f"铁路经济带（铁路两侧 {rb_km:g} km） railway economic "
                                        "belt")
    new["railway_belt_counties"] = _describe(rsum.copy(), "铁路经济带分县 railway belt by "
                                                          "county")
    tables["railway_belt_summary"] = pd.DataFrame(rsum.drop(columns="geometry"))

    # --- channel influence zones -------------------------------------------------------
    ch = to_metric(layers["transport_channels"], name="transport_channels")
    ch_cols = [c for c in ("id", "name_zh", "name_en", "rank", "rank_zh", "orientation",
                           "orientation_zh") if c in ch.columns]
    cz = buffer_bands(ch[[*ch_cols, "geometry"]], ch_km, within=province,
                      name="transport_channels")
    cz = cz.drop(columns=["band", "band_from_km", "band_to_km", "band_label"])
    cz.insert(len(ch_cols), "width_km", ch_km)
    csum = summarize_by_unit(counties, cz, by="id", points=point_sets, population=population)
    csum = csum.merge(ch[["id", "name_zh"]].rename(columns={"name_zh": "channel_zh"}), on="id",
                      how="left")
    csum = csum.sort_values(["id", "adcode"]).reset_index(drop=True)
    info = seat_lists(csum, "id")
    for col in ("counties", "n_counties", "seats", "n_seats", "population_in"):
        cz[col] = cz["id"].map(lambda i, c=col: info.get(i, {}).get(c))
    new["channel_zones"] = _describe(cz, f"三横三纵通道影响区（两侧 {ch_km:g} km） channel "
                                         "influence zones")
    tables["channel_zone_summary"] = pd.DataFrame(csum.drop(columns="geometry"))

    # --- 三区 zones ----------------------------------------------------------------------
    zones = to_metric(layers["zones"], name="zones")
    zone_of: dict[int, list[tuple[str, str]]] = {}
    zrows = []
    for z in zones.itertuples():
        members = [int(a) for a in str(z.member_adcodes).replace(",", ";").split(";") if a]
        for a in members:
            zone_of.setdefault(a, []).append((z.name_zh, getattr(z, "zone_code", "")))
        zpop = float(pop["population_2020"].reindex(members).fillna(0).sum())
        zarea = float(area.reindex(members).fillna(0).sum())
        zseats = seats[seats["adcode"].astype("Int64").isin(members)]
        zrows.append({"zone_code": getattr(z, "zone_code", ""), "name_zh": z.name_zh,
                      "name_en": getattr(z, "name_en", ""), "n_counties": len(members),
                      "area_km2": zarea, "share_of_area": zarea / total_area,
                      "population_2020": int(zpop),
                      "share_of_population": zpop / total_pop if total_pop else np.nan,
                      "density_per_km2": zpop / zarea if zarea else np.nan,
                      "n_seats": len(zseats), "counties": _names(
                          counties.loc[counties["adcode"].astype("int64").isin(members),
                                       "name_zh"])})
    zsum = pd.DataFrame(zrows)
    zlayer = gpd.GeoDataFrame(zsum.copy(), geometry=zones.geometry.to_numpy(), crs=zones.crs)
    new["zone_summary"] = _describe(zlayer, "三区面积与人口 the three zones: area and "
                                            "population")
    tables["zone_summary"] = zsum

    # --- county membership -------------------------------------------------------------
    codes = counties["adcode"].astype("int64")
    core = set(int(a) for a in (core_adcodes if core_adcodes is not None
                                else core_adcodes_default(counties)))
    m = pd.DataFrame({"adcode": codes.to_numpy(),
                      "name_zh": counties["name_zh"].to_numpy(),
                      "prefecture_zh": counties["prefecture_zh"].to_numpy()})
    m["border_county"] = m["adcode"].isin(set(bc["adcode"].astype("int64")))
    m["core"] = m["adcode"].isin(core)
    circ = _circle_columns(circle_table, m["adcode"])
    m["three_hour_circle"] = circ["three_hour_circle"].to_numpy()
    reached = bsum[bsum["area_km2"] > 0].groupby("adcode")["band"].min()
    m["border_belt_band"] = m["adcode"].map(reached).map(
        lambda b: "" if pd.isna(b) else belt.loc[belt["band"] == b, "band_label"].iloc[0])
    seat_band = bsum[bsum["seat_inside"]].groupby("adcode")["band_label"].first()
    m["seat_border_band"] = m["adcode"].map(lambda a: seat_band.get(a, ""))
    m["border_belt_share"] = m["adcode"].map(bsum.groupby("adcode")["share_of_unit"].sum()
                                             ).fillna(0.0).clip(0, 1)
    rs = rsum.set_index(rsum["adcode"].astype("int64"))
    m["railway_belt"] = m["adcode"].map(rs["seat_inside"]).fillna(False).astype(bool)
    m["railway_belt_share"] = m["adcode"].map(rs["share_of_unit"]).fillna(0.0)
    m["zone"] = m["adcode"].map(lambda a: _names(n for n, _ in zone_of.get(a, [])))
    m["zone_code"] = m["adcode"].map(lambda a: _names(c for _, c in zone_of.get(a, [])))
    served = csum[csum["share_of_unit"] >= MIN_CHANNEL_SHARE].sort_values(
        ["adcode", "share_of_unit"], ascending=[True, False])
    m["channels_served"] = m["adcode"].map(
        served.groupby("adcode").apply(
            lambda g: "; ".join(f"{n} ({s:.2f})" for n, s in zip(g["channel_zh"],
                                                                  g["share_of_unit"],
                                                                  strict=True)),
            include_groups=False)).fillna("")
    m["n_channels"] = m["adcode"].map(served.groupby("adcode").size()).fillna(0).astype(
        "int64")
    m["population_2020"] = m["adcode"].map(pop["population_2020"]).astype("Int64")
    if "population_quality" in pop.columns:
        m["population_quality"] = m["adcode"].map(pop["population_quality"]).fillna("")
    m["area_km2"] = m["adcode"].map(area)
    for col in circ.columns:
        if col != "three_hour_circle":
            m[col] = circ[col].to_numpy()
    tables["county_membership"] = m
    ml = gpd.GeoDataFrame(m.copy(), geometry=counties.geometry.to_numpy(), crs=counties.crs)
    new["county_membership"] = _describe(ml, "县域规划结构归属 county membership of the plan "
                                             "structures")
    return {k: _store(v) for k, v in new.items()}, tables
