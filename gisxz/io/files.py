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
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz.exceptions import (
    FileFormatError,
    GisxzError,
    InvalidArgumentError,
    MissingDataError,
    OutputExistsError,
    OutputNotWritableError,
)

log = logging.getLogger(__name__)

__all__ = ["VECTOR_DRIVERS", "TABLE_SUFFIXES", "OUTPUT_SUFFIXES", "check_overwrite",
           "check_output", "check_output_dir", "atomic_output", "remove_stale_temporaries",
           "install_termination_handler", "Terminated", "temp_name", "read_vector",
           "write_vector", "output_kind", "shapefile_encoding"]

#: Vector suffixes and their OGR drivers (read and write).
VECTOR_DRIVERS: dict[str, str] = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON",
                                  ".shp": "ESRI Shapefile"}
#: Table suffixes (written by :func:`gisxz.io.tables.write_table`).
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Every output suffix gisxz writes vector or table data to.
OUTPUT_SUFFIXES = (".gpkg", ".geojson", ".json", ".csv", ".xlsx")
#: Tag in the names of temporary files and folders (followed by the process id).
_TEMP_TAG = "gisxz"
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


def check_overwrite(path: str | Path, overwrite: bool, *, what: str = "output") -> Path:
    """Return ``path`` as a Path; refuse an existing file unless ``overwrite``, and a folder
    that cannot be written. Creates the missing parent folders."""
    path = check_output(path, overwrite=overwrite, what=what)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


def check_output(path: str | Path, *, overwrite: bool = False,
                 suffixes: Sequence[str] | None = None, what: str = "output") -> Path:
    """Check an output path before any work: known suffix, not existing (unless
    ``overwrite``), not a folder, and its folder writable. Nothing is created.

    Raises
    ------
    InvalidArgumentError
        The suffix is not one of ``suffixes``.
    OutputExistsError
        The file exists and ``overwrite`` is false.
    OutputNotWritableError
        The folder (or the nearest existing one above it) cannot be written.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> check_output(os.path.join(d, "new", "iso.gpkg")).name
    'iso.gpkg'
    >>> check_output(os.path.join(d, "iso.shx"), suffixes=(".gpkg",))
    Traceback (most recent call last):
    ...
    gisxz.exceptions.InvalidArgumentError: output ....shx: unknown suffix '.shx'; use one of .gpkg
    """
    path = Path(path)
    if suffixes is not None and _suffix(path) not in {s.lower() for s in suffixes}:
        raise InvalidArgumentError(f"{what} {path}: unknown suffix {_suffix(path)!r}; use one "
                                   f"of {', '.join(suffixes)}")
    if path.is_dir():
        raise OutputExistsError(f"{what} {path} is a folder; give a file name inside it, e.g. "
                                f"{path / ('result' + (suffixes[0] if suffixes else '.gpkg'))}")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{what} {path} exists; pass --overwrite (overwrite=True) to "
                                "replace it, or choose another output path")
    _check_writable(path.parent, what=what, target=path)
    return path


def check_output_dir(path: str | Path, *, what: str = "output folder") -> Path:
    """Check an output folder can be created or written (nothing is created)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{what} {path} is a file, not a folder; choose another path")
    _check_writable(path, what=what, target=path)
    return path


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _check_writable(folder: Path, *, what: str, target: Path) -> None:
    """Try to create a file in ``folder`` (or the nearest existing folder above it)."""
    probe = folder if str(folder) else Path(".")
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputNotWritableError(f"{what} {target}: {probe} is a file, not a folder; "
                                     "choose another output path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".probe.{_TEMP_TAG}-{os.getpid()}-", dir=probe)
    except OSError as exc:
        raise OutputNotWritableError(
            f"{what} {target}: cannot write into {probe} ({exc.strerror}); choose a folder "
            "you can write to, or fix its permissions") from None
    os.close(fd)
    os.unlink(tmp)


def temp_name(path: Path) -> str:
    """A temporary name beside ``path`` that carries this process's id (see
    :func:`remove_stale_temporaries`)."""
    return f".{path.stem}.{_TEMP_TAG}-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}"


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporaries that a killed gisxz process left in ``folder``.

    A temporary is named ``.<stem>.gisxz-<pid>-<random><suffix>`` (plus SQLite's
    ``-journal``/``-wal``/``-shm`` files and staging folders); it is stale when process
    ``<pid>`` no longer runs. Temporaries of running processes are left alone.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for item in folder.glob(f".*{_TEMP_TAG}-*"):
        m = re.search(rf"{_TEMP_TAG}-(\d+)-", item.name)
        if m is None or _alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(item) if item.is_dir() else item.unlink()
            removed.append(item)
    if removed:
        log.warning("removed %d temporary file(s) left by an interrupted run in %s: %s",
                    len(removed), folder, ", ".join(p.name for p in removed[:5]))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (clean-up runs)."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def install_termination_handler() -> None:
    """Make SIGTERM (and SIGHUP) unwind like Ctrl-C, so temporaries are removed.

    Called by the command line when a command starts (not at import).
    """
    import signal

    def _raise(signum, frame):  # noqa: ARG001 - signal handler signature
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(sig, _raise)


@contextlib.contextmanager
def atomic_output(path: str | Path, *, overwrite: bool = False, suffix: str | None = None):
    """Yield a temporary path beside ``path``; move it into place only on success.

    The temporary is removed on any error, Ctrl-C or SIGTERM (with
    :func:`install_termination_handler`); one left by a killed process is removed by the
    next write into the same folder.

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
    remove_stale_temporaries(path.parent)
    tmp = str(path.parent / temp_name(path.with_suffix(suffix or path.suffix)))
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
    check_vector_file(path, what=what)
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
    if len(gdf) == 0:
        log.warning("%s %s has no features; the result will be empty", what, spec)
    return gdf


def check_vector_file(path: Path, *, what: str = "input") -> None:
    """Refuse a vector file whose content does not match its suffix (sniffed): a ``.gpkg``
    that is not SQLite, a ``.geojson`` that is not JSON, an empty file."""
    from gisxz.core.validate import sniff_format

    if path.is_dir():
        return  # a folder of shapefiles, a FileGDB: leave it to GDAL
    expected = {".gpkg": "sqlite", ".geojson": "json", ".json": "json"}.get(_suffix(path))
    found = sniff_format(path)
    if found == "empty" or (expected is not None and found != expected):
        raise FileFormatError(f"{what} {path}: named {path.suffix} but holds "
                              f"{'nothing (empty file)' if found == 'empty' else found + ' data'}"
                              "; the file is damaged or mis-named: write or fetch it again")


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
    shipped = settings.from_environment({})  # the defaults, whatever the environment says
    pairs = [(Path(shipped["layers_dir"]), directory / "layers"),
             (Path(shipped["recipes_dir"]), directory / "maps")]
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
