"""Derived plan layers: border belt and border counties, railway economic belt, channel
influence zones, the 三区 zones, and the county membership table.

:func:`derive_plan_layers` is called by the main job on the output of
:func:`gisxz.plan.build.build_layers`. Everything is derived from geometry and the plan files
(the official border-county list is policy data kept in the plan files). Defaults:

==========================  ======================  ==============================================
structure                   default                 where it comes from / rule
==========================  ======================  ==============================================
border belt (边境沿线发展带)  bands 0–10, 10–30,      ``plan_framework.border_belt.bands_km`` in
                            30–50 km                ``layers/plan/framework.yaml``; one-sided: the
                                                    bands around ``border_line`` clipped to Xizang
border county (边境县)       the official list of    ``plan_framework.border_belt.
``border_county``           21 border counties      official_border_counties`` (policy data, cited)
touches the boundary        polygon shares ≥ 1 km   ``border_line`` (itself derived from geometry);
``touches_boundary``        of boundary with the    tolerance 100 m; 18 counties (隆子, 米林, 朗县
                            international border    are drawn off the line in the standard map)
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
    "official_border_adcodes",
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
            "official_border_counties": list(fw.official_border_counties),
            "railway_belt_km": fw.railway_belt_km,
            "railway_ids": list(fw.railway_ids)}


def official_border_adcodes(counties: gpd.GeoDataFrame, names: list[str] | None = None
                            ) -> set[int]:
    """Adcodes of the official border counties (边境县, policy data in ``framework.yaml``).

    Examples
    --------
    >>> from gisxz.base.geography import admin_counties
    >>> len(official_border_adcodes(admin_counties()))
    21
    """
    names = names if names is not None else plan_defaults()["official_border_counties"]
    known = dict(zip(counties["name_zh"], counties["adcode"].astype("int64"), strict=True))
    missing = [n for n in names if n not in known]
    if missing and len(missing) == len(names):
        log.warning("none of the official border counties is among the counties given "
                    "(other data?); border_county is false everywhere")
        return set()
    if missing:
        from gisxz.exceptions import PlanFileError

        raise PlanFileError(f"official_border_counties names {missing[0]!r}, which is no county "
                            "of the boundary data; use the full name, e.g. 错那市")
    return {int(known[n]) for n in names}


def _border_county_layer(counties: gpd.GeoDataFrame, bc: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Official border counties and counties touching the boundary, with both flags."""
    official = official_border_adcodes(counties)
    touching = set(bc["adcode"].astype("int64"))
    codes = counties["adcode"].astype("int64")
    out = counties[codes.isin(official | touching)].copy()
    out["border_county"] = out["adcode"].astype("int64").isin(official)
    out["touches_boundary"] = out["adcode"].astype("int64").isin(touching)
    extra = bc.drop(columns="geometry").set_index(bc["adcode"].astype("int64"))
    for col in ("border_length_km", "countries"):
        out[col] = out["adcode"].astype("int64").map(extra[col])
    out["border_length_km"] = out["border_length_km"].fillna(0.0)
    out["countries"] = out["countries"].fillna("")
    return out


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


class _Base:
    """Inputs every derivation step shares (metric CRS)."""

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame],
                 population: pd.DataFrame | None):
        self.counties = to_metric(layers["admin_county"], name="admin_county")
        self.province = to_metric(layers["admin_province"], name="admin_province")
        places = to_metric(layers["places"], name="places")
        self.border_line = to_metric(layers["border_line"], name="border_line")
        if population is None:
            from gisxz.base.population import county_population

            population = county_population(counties=self.counties)
        self.population = population
        self.pop = population.set_index(population["adcode"].astype("int64"))
        self.seats = places[places["kind"] == "county_seat"]
        self.area = pd.Series(self.counties.area.to_numpy() / 1e6,
                              index=self.counties["adcode"].astype("int64"))
        self.total_area = float(self.area.sum())
        self.total_pop = float(self.pop["population_2020"].sum())
        self.point_sets = {"county_seat": self.seats,
                           "land_port": places[places["kind"] == "land_port"],
                           "airport": places[places["kind"] == "airport"],
                           "station": places[places["kind"] == "station"]}


def _seat_lists(part_summary: pd.DataFrame, key: str | None = None) -> dict:
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


def _one_width(value, default, name: str) -> float:
    km = parse_distances(value if value is not None else default, name=name)
    if len(km) != 1:
        raise GisxzError(f"{name} must be one distance, not {km}")
    return km[0]


def _border_step(b: _Base, bands: list[float], new: dict, tables: dict) -> tuple:
    """Border counties (official list and geometry) and the border belt bands."""
    bc = _border_county_layer(b.counties, border_counties(b.counties, b.border_line))
    bc["population_2020"] = bc["adcode"].astype("int64").map(
        b.pop["population_2020"]).astype("Int64")
    bc["area_km2"] = bc["adcode"].astype("int64").map(b.area)
    keep_cols = [c for c in ("adcode", "name_zh", "name_en", "prefecture_zh", "prefecture_en")
                 if c in bc.columns]
    bc = bc[[*keep_cols, "border_county", "touches_boundary", "border_length_km", "countries",
             "area_km2", "population_2020", "geometry"]]
    new["border_counties"] = _describe(bc, "边境县（官方名单）与接壤国界的县 border counties: "
                                           "border_county = official list of 21; "
                                           "touches_boundary = polygon shares the boundary")
    log.info("border counties: %d (%s)", len(bc), ", ".join(bc["name_zh"]))
    belt = buffer_bands(b.border_line, bands, dissolve=True, within=b.province,
                        name="border_line")
    bsum = summarize_by_unit(b.counties, belt, by="band_label", points=b.point_sets,
                             population=b.population, carry=("prefecture_zh",))
    band_no = dict(zip(belt["band_label"], belt["band"], strict=True))
    bsum.insert(4, "band", bsum["band_label"].map(band_no).astype("int64"))
    bsum = bsum.sort_values(["adcode", "band"]).reset_index(drop=True)
    info = _seat_lists(bsum, "band_label")
    for col in ("counties", "n_counties", "seats", "n_seats", "population_in"):
        belt[col] = belt["band_label"].map(lambda lab, c=col: info.get(lab, {}).get(c))
    belt["share_of_xizang"] = belt["area_km2"] / b.total_area
    new["border_belt"] = _describe(belt, f"边境沿线发展带（距国界 {bands} km，境内一侧） border "
                                         "belt bands inside Xizang")
    new["border_belt_counties"] = _describe(bsum.copy(), "边境带分县 border belt by county "
                                                         "and band")
    tables["border_belt_summary"] = pd.DataFrame(bsum.drop(columns="geometry"))
    return bc, belt, bsum


def _railway_step(b: _Base, layers: Mapping, rb_km: float, railway_ids: list,
                  new: dict, tables: dict) -> pd.DataFrame:
    """The railway economic belt and its county summary."""
    rails = to_metric(layers["railways"], name="railways")
    if "economic_belt" in rails.columns:
        sel = rails["economic_belt"].fillna(False).astype(bool)
    else:
        sel = rails["id"].isin(railway_ids)
    belt_rails = rails[sel]
    if belt_rails.empty:
        log.warning("no railway has economic_belt true: the railway belt is empty")
    rb = buffer_bands(belt_rails[["geometry"]], rb_km, dissolve=True, within=b.province,
                      name="railways")
    rsum = summarize_by_unit(b.counties, rb, points=b.point_sets, population=b.population)
    rsum = rsum.sort_values("adcode").reset_index(drop=True)
    rb = rb.drop(columns=["band", "band_from_km", "band_to_km"])  # band_label styles it
    rb.insert(0, "width_km", rb_km)
    rb.insert(0, "railways", _names(belt_rails["name_zh"]))
    if len(rb):
        for col, val in _seat_lists(rsum)[None].items():
            rb[col] = [val]
        rb["share_of_xizang"] = rb["area_km2"] / b.total_area
    new["railway_belt"] = _describe(rb, f"铁路经济带（铁路两侧 {rb_km:g} km） railway economic "
                                        "belt")
    new["railway_belt_counties"] = _describe(rsum.copy(), "铁路经济带分县 railway belt by "
                                                          "county")
    tables["railway_belt_summary"] = pd.DataFrame(rsum.drop(columns="geometry"))
    return rsum


def _channel_step(b: _Base, layers: Mapping, ch_km: float, new: dict,
                  tables: dict) -> pd.DataFrame:
    """The influence zone of each 三横三纵 channel and its county summary."""
    ch = to_metric(layers["transport_channels"], name="transport_channels")
    ch_cols = [c for c in ("id", "name_zh", "name_en", "rank", "rank_zh", "orientation",
                           "orientation_zh") if c in ch.columns]
    cz = buffer_bands(ch[[*ch_cols, "geometry"]], ch_km, within=b.province,
                      name="transport_channels")
    cz = cz.drop(columns=["band", "band_from_km", "band_to_km", "band_label"])
    cz.insert(len(ch_cols), "width_km", ch_km)
    csum = summarize_by_unit(b.counties, cz, by="id", points=b.point_sets,
                             population=b.population)
    csum = csum.merge(ch[["id", "name_zh"]].rename(columns={"name_zh": "channel_zh"}), on="id",
                      how="left")
    csum = csum.sort_values(["id", "adcode"]).reset_index(drop=True)
    info = _seat_lists(csum, "id")
    for col in ("counties", "n_counties", "seats", "n_seats", "population_in"):
        cz[col] = cz["id"].map(lambda i, c=col: info.get(i, {}).get(c))
    new["channel_zones"] = _describe(cz, f"三横三纵通道影响区（两侧 {ch_km:g} km） channel "
                                         "influence zones")
    tables["channel_zone_summary"] = pd.DataFrame(csum.drop(columns="geometry"))
    return csum


def _zone_step(b: _Base, layers: Mapping, new: dict, tables: dict) -> dict:
    """Area and population of the 三区; returns adcode → [(zone name, zone code)]."""
    zones = to_metric(layers["zones"], name="zones")
    zone_of: dict[int, list[tuple[str, str]]] = {}
    zrows = []
    for z in zones.itertuples():
        members = [int(a) for a in str(z.member_adcodes).replace(",", ";").split(";") if a]
        for a in members:
            zone_of.setdefault(a, []).append((z.name_zh, getattr(z, "zone_code", "")))
        zpop = float(b.pop["population_2020"].reindex(members).fillna(0).sum())
        zarea = float(b.area.reindex(members).fillna(0).sum())
        zseats = b.seats[b.seats["adcode"].astype("Int64").isin(members)]
        zrows.append({"zone_code": getattr(z, "zone_code", ""), "name_zh": z.name_zh,
                      "name_en": getattr(z, "name_en", ""), "n_counties": len(members),
                      "area_km2": zarea, "share_of_area": zarea / b.total_area,
                      "population_2020": int(zpop),
                      "share_of_population": zpop / b.total_pop if b.total_pop else np.nan,
                      "density_per_km2": zpop / zarea if zarea else np.nan,
                      "n_seats": len(zseats), "counties": _names(
                          b.counties.loc[b.counties["adcode"].astype("int64").isin(members),
                                         "name_zh"])})
    zsum = pd.DataFrame(zrows)
    zlayer = gpd.GeoDataFrame(zsum.copy(), geometry=zones.geometry.to_numpy(), crs=zones.crs)
    new["zone_summary"] = _describe(zlayer, "三区面积与人口 the three zones: area and "
                                            "population")
    tables["zone_summary"] = zsum
    return zone_of


def _flags(bc: pd.DataFrame, col: str) -> set[int]:
    return set(bc.loc[bc[col], "adcode"].astype("int64"))


def _channels_served(csum: pd.DataFrame, codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    served = csum[csum["share_of_unit"] >= MIN_CHANNEL_SHARE].sort_values(
        ["adcode", "share_of_unit"], ascending=[True, False])
    names = codes.map(served.groupby("adcode").apply(
        lambda g: "; ".join(f"{n} ({s:.2f})" for n, s in zip(g["channel_zh"],
                                                              g["share_of_unit"], strict=True)),
        include_groups=False)).fillna("")
    count = codes.map(served.groupby("adcode").size()).fillna(0).astype("int64")
    return names, count


def _membership_step(b: _Base, parts: dict, circle_table, core_adcodes) -> pd.DataFrame:
    """One row per county: border county, belts, zone, circle, channels served."""
    bc, belt, bsum = parts["bc"], parts["belt"], parts["bsum"]
    rsum, csum, zone_of = parts["rsum"], parts["csum"], parts["zone_of"]
    codes = b.counties["adcode"].astype("int64")
    core = set(int(a) for a in (core_adcodes if core_adcodes is not None
                                else core_adcodes_default(b.counties)))
    m = pd.DataFrame({"adcode": codes.to_numpy(),
                      "name_zh": b.counties["name_zh"].to_numpy(),
                      "prefecture_zh": b.counties["prefecture_zh"].to_numpy()})
    m["border_county"] = m["adcode"].isin(_flags(bc, "border_county"))
    m["touches_boundary"] = m["adcode"].isin(_flags(bc, "touches_boundary"))
    m["core"] = m["adcode"].isin(core)
    circ = _circle_columns(circle_table, m["adcode"])
    m["three_hour_circle"] = circ["three_hour_circle"].to_numpy()
    reached = bsum[bsum["area_km2"] > 0].groupby("adcode")["band"].min()
    m["border_belt_band"] = m["adcode"].map(reached).map(
        lambda v: "" if pd.isna(v) else belt.loc[belt["band"] == v, "band_label"].iloc[0])
    seat_band = bsum[bsum["seat_inside"]].groupby("adcode")["band_label"].first()
    m["seat_border_band"] = m["adcode"].map(lambda a: seat_band.get(a, ""))
    m["border_belt_share"] = m["adcode"].map(bsum.groupby("adcode")["share_of_unit"].sum()
                                             ).fillna(0.0).clip(0, 1)
    rs = rsum.set_index(rsum["adcode"].astype("int64"))
    m["railway_belt"] = m["adcode"].map(rs["seat_inside"]).fillna(False).astype(bool)
    m["railway_belt_share"] = m["adcode"].map(rs["share_of_unit"]).fillna(0.0)
    m["zone"] = m["adcode"].map(lambda a: _names(n for n, _ in zone_of.get(a, [])))
    m["zone_code"] = m["adcode"].map(lambda a: _names(c for _, c in zone_of.get(a, [])))
    m["channels_served"], m["n_channels"] = _channels_served(csum, m["adcode"])
    m["population_2020"] = m["adcode"].map(b.pop["population_2020"]).astype("Int64")
    if "population_quality" in b.pop.columns:
        m["population_quality"] = m["adcode"].map(b.pop["population_quality"]).fillna("")
    m["area_km2"] = m["adcode"].map(b.area)
    for col in circ.columns:
        if col != "three_hour_circle":
            m[col] = circ[col].to_numpy()
    return m


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
    >>> m = tables["county_membership"]
    >>> len(m), int(m["border_county"].sum()), int(m["touches_boundary"].sum())
    (74, 21, 18)
    """
    _need(layers, _NEEDED)
    defaults = plan_defaults()
    bands = parse_distances(border_bands_km if border_bands_km is not None
                            else defaults["border_bands_km"], name="border_bands_km")
    rb_km = _one_width(railway_belt_km, defaults["railway_belt_km"], "railway_belt_km")
    ch_km = _one_width(channel_zone_km, None, "channel_zone_km")
    # all work in the metric CRS (no round trips through degrees); stored back at the end
    b = _Base(layers, population)
    new: dict[str, gpd.GeoDataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    bc, belt, bsum = _border_step(b, bands, new, tables)
    parts = {"bc": bc, "belt": belt, "bsum": bsum,
             "rsum": _railway_step(b, layers, rb_km, defaults["railway_ids"], new, tables),
             "csum": _channel_step(b, layers, ch_km, new, tables),
             "zone_of": _zone_step(b, layers, new, tables)}
    m = _membership_step(b, parts, circle_table, core_adcodes)
    tables["county_membership"] = m
    ml = gpd.GeoDataFrame(m.copy(), geometry=b.counties.geometry.to_numpy(),
                          crs=b.counties.crs)
    new["county_membership"] = _describe(ml, "县域规划结构归属 county membership of the plan "
                                             "structures")
    return {k: _store(v) for k, v in new.items()}, tables
