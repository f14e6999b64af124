"""Writing and listing GeoPackages for GIS staff.

:func:`write_layers` writes several layers into one GeoPackage atomically (a temporary
file in the same folder, then a rename), in EPSG:4490, with ASCII field names, the QGIS
styles of :mod:`gisxz.maps.qml` in the ``layer_styles`` table, a ``gisxz_sources`` table of
data sources and licences, and per-layer metadata (title, abstract, keywords, licence,
sources, CRS, accuracy, plan period) in ``gpkg_metadata`` that QGIS shows in the layer
properties (:mod:`gisxz.io.layer_metadata`). An existing file is never replaced unless
``overwrite=True``.

The file is GeoPackage 1.2 by default (``version``), which GDAL 3.6 (Debian 12, QGIS 3.22 /
3.28) opens without warnings and its ``validate_gpkg.py`` accepts; 1.3 and 1.4 are
available for newer clients. Dataset metadata is kept in the GeoPackage itself, never in a
``.aux.xml`` sidecar.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from gisxz import settings
from gisxz.core.crs import require_crs
from gisxz.exceptions import GisxzError, MissingDataError
from gisxz.io.files import atomic_output
from gisxz.io.layer_metadata import add_layer_metadata, add_metadata, sources_table
from gisxz.maps.qml import qml
from gisxz.maps.styles import LAYER_STYLES, style_for

log = logging.getLogger(__name__)

__all__ = ["write_layers", "list_layers", "layer_names", "read_layer", "prepare_layer",
           "GPKG_VERSIONS"]

#: GeoPackage versions :func:`write_layers` writes (``PRAGMA user_version``).
GPKG_VERSIONS = {"1.2": 10200, "1.3": 10300, "1.4": 10400}

_DC = "http://purl.org/dc/elements/1.1/"
_ASCII_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def prepare_layer(gdf: gpd.GeoDataFrame, *, name: str = "layer") -> gpd.GeoDataFrame:
    """Return a copy ready for GeoPackage: EPSG:4490, ASCII fields, plain column types."""
    require_crs(gdf, name=f"layer {name!r}")
    out = gdf.copy() if gdf.crs == CRS(settings.store_crs) else gdf.to_crs(settings.store_crs)
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
        con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui, type) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, "
                    "'gisxz', '', 'vector')",
                    (name, name, qml(name, frame=gdf), f"{st.title_zh} {st.title_en}"))


def _dataset_metadata_xml(meta: Mapping[str, str]) -> str:
    """Dataset metadata as a Dublin Core record (not GDAL's own XML: GDAL would mirror
    that into a ``.aux.xml`` sidecar whenever it opens the file read-only)."""
    dc = {"TITLE": "title", "TOOL": "creator", "CREATED": "date", "CRS": "coverage"}
    items = "".join(f"<dc:{dc.get(k, 'description')}>"
                    f"{escape(str(v) if k in dc else f'{k}: {v}')}</dc:{dc.get(k, 'description')}>"
                    for k, v in meta.items())
    return f'<metadata xmlns:dc="{_DC}">{items}<dc:language>zh</dc:language></metadata>'


def _check_version(version: str) -> str:
    if str(version) not in GPKG_VERSIONS:
        raise GisxzError(f"GeoPackage version {version!r}: use one of "
                         f"{', '.join(GPKG_VERSIONS)} (1.2 opens warning-free in GDAL 3.6 / "
                         "QGIS 3.22+)")
    return str(version)


def _write_features(prepared: Mapping[str, gpd.GeoDataFrame], tmp: Path, version: str,
                    descriptions: Mapping[str, str]) -> None:
    import pyogrio

    for i, (name, gdf) in enumerate(prepared.items()):
        st = style_for(name)
        desc = descriptions.get(name) or gdf.attrs.get("description") or (
            f"{st.title_zh} {st.title_en}")
        pyogrio.write_dataframe(
            gdf, tmp, layer=name, driver="GPKG", append=i > 0,
            dataset_options={"VERSION": version} if i == 0 else None,
            layer_options={"DESCRIPTION": desc, "IDENTIFIER": f"{st.title_zh} {st.title_en}"
                           if name in LAYER_STYLES else name, "GEOMETRY_NAME": "geom"})


def _finish(tmp: Path, prepared: Mapping[str, gpd.GeoDataFrame], *, version: str,
            styles: bool, meta: Mapping[str, str], descriptions: Mapping[str, str]) -> None:
    """Add the non-feature tables and metadata with sqlite, and pin the version."""
    from gisxz import __version__

    con = sqlite3.connect(tmp)
    try:
        _add_attribute_table(con, "gisxz_sources", sources_table(__version__),
                             "Data sources, licences and tool version")
        add_layer_metadata(con, prepared, descriptions=descriptions,
                           tool=f"gisxz {__version__}")
        add_metadata(con, _dataset_metadata_xml(meta), uri=_DC)
        if styles:
            _add_styles(con, prepared)
        con.execute(f"PRAGMA user_version = {GPKG_VERSIONS[version]}")
        con.commit()
    finally:
        con.close()


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
                 overwrite: bool = False, styles: bool = True,
                 descriptions: Mapping[str, str] | None = None,
                 metadata: Mapping[str, str] | None = None, version: str = "1.2") -> Path:
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
        Layer descriptions (``gpkg_contents.description`` and the metadata abstract).
    metadata : mapping, optional
        Extra dataset metadata (key → value).
    version : {"1.2", "1.3", "1.4"}
        GeoPackage version; 1.2 (default) for GDAL 3.6 / QGIS 3.22 and ArcGIS Pro.

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
    from gisxz import __version__

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise GisxzError(f"output {path} must end in .gpkg")
    if not layers:
        raise GisxzError("no layers to write")
    version = _check_version(version)
    descriptions = dict(descriptions or {})
    prepared = {}
    for name, gdf in layers.items():
        if not _ASCII_FIELD.match(name):
            raise GisxzError(f"layer name {name!r} must be ASCII (letters, digits, _)")
        prepared[name] = prepare_layer(gdf, name=name)
    meta = {"TITLE": "gisxz: Xizang plan layers", "TOOL": f"gisxz {__version__}",
            "CRS": str(settings.store_crs), "GPKG_VERSION": version,
            "CREATED": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    meta.update(metadata or {})
    with atomic_output(path, overwrite=overwrite) as tmp:
        _write_features(prepared, tmp, version, descriptions)
        _finish(tmp, prepared, version=version, styles=styles, meta=meta,
                descriptions=descriptions)
    log.info("wrote %d layers to %s (GeoPackage %s)", len(prepared), path, version)
    return path


def _listing(path: str | Path) -> list[tuple[str, str]]:
    """``(name, geometry type)`` of every table of a GeoPackage, with a clear error."""
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"{path}: no such file")
    try:
        return [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError for non-GeoPackages
        raise MissingDataError(f"{path} cannot be read as a GeoPackage: {exc}") from exc


def list_layers(path: str | Path) -> pd.DataFrame:
    """What a GeoPackage holds: ``name, geometry_type, features, crs, fields, styled``."""
    import pyogrio

    info = _listing(path)
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
        rows.append({"name": name, "geometry_type": gtype if gtype != "None" and gtype
                     else "None", "features": int(li["features"]), "crs": crs,
                     "fields": ",".join(li["fields"]), "styled": name in styled})
    return pd.DataFrame(rows)


def layer_names(path: str | Path) -> list[str]:
    """The data layers of a GeoPackage (one cheap listing; no per-layer scan).

    Examples
    --------
    >>> import os, tempfile
    >>> from shapely.geometry import Point
    >>> p = os.path.join(tempfile.mkdtemp(), "a.gpkg")
    >>> _ = write_layers({"pts": gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4490)}, p)
    >>> layer_names(p)
    ['pts']
    """
    return [name for name, _ in _listing(path) if name not in ("layer_styles", "gisxz_sources")]


def read_layer(path: str | Path, layer: str, *, names: list[str] | None = None
               ) -> gpd.GeoDataFrame:
    """Read one layer of a GeoPackage, with a clear error when it is absent.

    ``names`` (from :func:`layer_names`) saves listing the file again when reading many.
    """
    names = layer_names(path) if names is None else names
    if layer not in names:
        raise MissingDataError(f"{path} has no layer {layer!r}; it has {', '.join(names)}")
    return gpd.read_file(path, layer=layer)
