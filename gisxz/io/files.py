"""Files: output checks, atomic writes, and one suffix→driver table for reading and writing.

:data:`VECTOR_DRIVERS` maps every vector suffix gisxz reads or writes to its OGR driver and
:data:`TABLE_SUFFIXES` lists the table formats; :func:`read_vector` reads ``FILE:layer``,
``FILE`` or ``@layer`` (a layer the project builds), :func:`write_vector` writes any output
by its suffix, atomically, after :func:`check_overwrite`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz.exceptions import GisxzError, MissingDataError, OutputExistsError

log = logging.getLogger(__name__)

__all__ = ["VECTOR_DRIVERS", "TABLE_SUFFIXES", "check_overwrite", "atomic_output",
           "read_vector", "write_vector", "output_kind", "shapefile_encoding"]

#: Vector suffixes and their OGR drivers (read and write).
VECTOR_DRIVERS: dict[str, str] = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON",
                                  ".shp": "ESRI Shapefile"}
#: Table suffixes (written by :func:`gisxz.io.tables.write_table`).
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Tables kept inside a GeoPackage that are not data layers.
_META_TABLES = ("layer_styles", "gisxz_sources")


def output_kind(path: str | Path, *, allowed: tuple[str, ...] | None = None) -> str:
    """``"vector"`` or ``"table"`` by the suffix of ``path``; an unknown suffix is an error.

    Examples
    --------
    >>> output_kind("a.gpkg"), output_kind("b.xlsx")
    ('vector', 'table')
    """
    suffix = Path(path).suffix.lower()
    known = tuple(VECTOR_DRIVERS) + TABLE_SUFFIXES
    if suffix not in (allowed or known):
        raise GisxzError(f"output {path} must end in one of {', '.join(allowed or known)}")
    return "table" if suffix in TABLE_SUFFIXES else "vector"


def check_overwrite(path: str | Path, overwrite: bool) -> Path:
    """Return ``path`` as a Path; refuse an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace "
                                "it, or choose another output path")
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_output(path: str | Path, *, overwrite: bool = False, suffix: str | None = None):
    """Yield a temporary path beside ``path``; move it into place only on success.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> with atomic_output(target) as tmp:
    ...     _ = open(tmp, "w").write("x\\n")
    >>> open(target).read()
    'x\\n'
    """
    path = check_overwrite(path, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # let the writer create it
    try:
        yield Path(tmp)
        if path.exists() and not overwrite:  # created meanwhile
            raise OutputExistsError(f"{path} appeared while writing; nothing was replaced")
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _dbf_sample(dbf: Path, limit: int = 1 << 20) -> bytes:
    """Field names and the first records of a DBF file (at most ``limit`` bytes), raw."""
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return b""
        header_len = int.from_bytes(head[8:10], "little")
        fields = fh.read(max(0, header_len - 32))
        names = b"".join(fields[i:i + 11].split(b"\x00")[0]
                         for i in range(0, len(fields) - 31, 32))
        return names + b" " + fh.read(limit)


def shapefile_encoding(path: str | Path, encoding: str | None = None) -> str | None:
    """The encoding to read the shapefile ``path`` with, or None to let GDAL decide.

    ``encoding`` (``--encoding``) wins. Otherwise a ``.cpg`` file or the DBF's language
    byte tells GDAL; without either, GDAL would read Latin-1 and garble Chinese, so the DBF is
    sniffed: UTF-8 if it decodes as such, else GB18030 (a superset of GBK/GB2312, the usual
    encoding of Chinese shapefiles), with a warning naming the file and the option.

    Examples
    --------
    >>> shapefile_encoding("roads.shp", "gbk")
    'gbk'
    """
    path = Path(path)
    if encoding:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise GisxzError(f"--encoding {encoding!r} is not a known encoding; use e.g. "
                             "utf-8, gbk, gb18030 or big5") from exc
        return encoding
    dbf = path.with_suffix(".dbf")
    if path.suffix.lower() != ".shp" or not dbf.exists():
        return None
    if any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    with open(dbf, "rb") as fh:
        ldid = fh.read(30)[29:30]
    if ldid not in (b"", b"\x00"):
        return None
    sample = _dbf_sample(dbf)
    if sample.isascii():
        return None
    for candidate in ("utf-8", "gb18030"):
        try:
            sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate != "utf-8":
            log.warning("%s has no .cpg file; its text looks like GBK and is read as %s. "
                        "Pass --encoding (e.g. --encoding gbk) if names look wrong.",
                        path, candidate.upper())
        return candidate
    log.warning("%s has no .cpg file and its text is neither UTF-8 nor GBK; read as Latin-1. "
                "Pass --encoding to choose.", path)
    return None


def read_vector(spec: str, *, what: str = "input", builtin=None,
                encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read ``FILE.gpkg:layer``, a file path, or ``@layer`` (``builtin(name)`` gives it).

    ``encoding`` is the text encoding of a shapefile's DBF (``--encoding``); without it a
    shapefile lacking a ``.cpg`` file is sniffed (:func:`shapefile_encoding`).

    Examples
    --------
    >>> import os, tempfile
    >>> from shapely.geometry import Point
    >>> p = os.path.join(tempfile.mkdtemp(), "p.geojson")
    >>> gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4490).to_file(p)
    >>> len(read_vector(p))
    1
    """
    import pyogrio

    if spec.startswith("@"):
        if builtin is None:
            raise GisxzError(f"{what} {spec!r}: @layer names a built-in layer, not available here")
        return builtin(spec[1:])
    path, layer = Path(spec), None
    if not path.exists() and ":" in spec:
        head, _, tail = spec.rpartition(":")
        path, layer = Path(head), tail or None
    if not path.exists():
        raise MissingDataError(f"{what} {spec!r}: no such file. Give FILE.gpkg:layer, a "
                               "file path (shp, geojson, gpkg) or @layer for a built-in "
                               "plan layer")
    try:
        names = [n for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise MissingDataError(f"{what} {path} cannot be read as vector data: {exc}") from exc
    names = [n for n in names if n not in _META_TABLES]
    if layer is None:
        if len(names) > 1:
            raise GisxzError(f"{what} {path} holds several layers ({', '.join(names)}); "
                             f"choose one: {path}:{names[0]}")
        layer = names[0] if names else None
    elif layer not in names:
        raise MissingDataError(f"{what} {path} has no layer {layer!r}; it has "
                               f"{', '.join(names)}")
    enc = shapefile_encoding(path, encoding)
    try:
        gdf = gpd.read_file(path, layer=layer, **({"encoding": enc} if enc else {}))
    except UnicodeDecodeError as exc:
        raise GisxzError(f"{what} {path}: its text cannot be read as {enc or 'UTF-8'} "
                         f"({exc.reason}); pass --encoding with the file's encoding, "
                         "e.g. --encoding gbk") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise GisxzError(f"{what} {spec} has no geometry")
    return gdf


def write_vector(gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str,
                 overwrite: bool = False) -> Path:
    """Write a result by the suffix of ``path``: gpkg, geojson, csv or xlsx (atomically).

    Examples
    --------
    >>> import os, tempfile
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(91, 29)], crs=4490)
    >>> write_vector(g, os.path.join(tempfile.mkdtemp(), "x.geojson"), layer="x").suffix
    '.geojson'
    """
    from gisxz.io.geopackage import write_layers
    from gisxz.io.tables import write_table

    path = Path(path)
    suffix = path.suffix.lower()
    if output_kind(path) == "table":
        return write_table(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), path,
                           overwrite=overwrite)
    if suffix == ".gpkg":
        return write_layers({layer: gdf}, path, overwrite=overwrite)
    if suffix == ".shp":
        raise GisxzError(f"{path}: shapefiles cannot hold Chinese field values safely; write "
                         ".gpkg or .geojson instead")
    with atomic_output(path, overwrite=overwrite) as tmp:
        gdf.to_crs(4326).to_file(tmp, driver=VECTOR_DRIVERS[suffix])
    return path


def copy_defaults(directory: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the plan data and the map recipes gisxz ships into ``directory/layers`` and
    ``directory/maps`` (refused if either exists, unless ``overwrite``).

    Examples
    --------
    >>> import tempfile
    >>> out = copy_defaults(Path(tempfile.mkdtemp()) / "my_plan")
    >>> [p.name for p in out]
    ['layers', 'maps']
    >>> (out[0] / "plan" / "framework.yaml").is_file()
    True
    """
    import shutil

    from gisxz import settings

    directory = Path(directory)
    pairs = [(Path(settings.from_environment({})["layers_dir"]), directory / "layers"),
             (Path(settings.from_environment({})["recipes_dir"]), directory / "maps")]
    for _, target in pairs:
        if target.exists() and not overwrite:
            raise OutputExistsError(f"{target} exists; pass --overwrite to replace it or "
                                    "choose another folder")
    written = []
    for source, target in pairs:
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        written.append(target)
    return written
