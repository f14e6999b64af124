"""Argument validation at the boundary: every command and public function checks here first.

One place for the checks a careless input needs before any computing: numbers (finite,
positive, physically bounded), coordinates (range, finite, ``LAT,LON`` order detected),
names (closest valid names listed), lists typed with full-width punctuation, snap
distances, populations, and file formats sniffed from their content, not their suffix.
Every failure is an :class:`~gisxz.exceptions.InvalidArgumentError` (or another
:class:`~gisxz.exceptions.GisxzError`) whose message names the argument, the value and the fix.

Examples
--------
>>> parse_lonlat("91.13,29.66")
(91.13, 29.66)
>>> parse_lonlat("91.13，29.66")  # a full-width comma is fine
(91.13, 29.66)
>>> check_positive("2", what="--hours", maximum=MAX_HOURS)
2.0
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from gisxz.exceptions import (
    FileFormatError,
    InvalidArgumentError,
    MissingDataError,
    SnapDistanceError,
    UnknownNameError,
)

__all__ = [
    "MAX_HOURS", "MAX_BUFFER_KM", "MAX_ISO_BUFFER_M", "EARTH_HALF_CIRCUMFERENCE_KM",
    "XIZANG_BOUNDS", "closest_names", "check_name", "check_names", "parse_number",
    "check_positive", "check_durations", "check_cutoff", "parse_lonlat", "split_list",
    "check_finite_points", "check_snap_distances", "snap_limit_m", "check_population", "sniff_format", "check_network_file",
]

#: Longest travel time gisxz accepts (hours): a week of driving.
MAX_HOURS = 168.0
#: Largest buffer distance (km): beyond it the metric (Albers) CRS of China is meaningless.
MAX_BUFFER_KM = 5000.0
#: Largest half-width of an isochrone band around reached roads (metres).
MAX_ISO_BUFFER_M = 50_000.0
#: Half the Earth's circumference (km): no distance on Earth is longer.
EARTH_HALF_CIRCUMFERENCE_KM = 20_037.5
#: Bounding box of Xizang (west, south, east, north), degrees, with a small margin.
XIZANG_BOUNDS = (78.0, 26.5, 99.5, 36.7)

_SEPARATORS = ",，、;；"


def closest_names(name: object, choices: Iterable[str], n: int = 3) -> list[str]:
    """The ``n`` names of ``choices`` closest to ``name`` (case-insensitive).

    Examples
    --------
    >>> closest_names("airprt", ["airport", "station", "land_port"])
    ['airport', 'land_port']
    """
    choices = [str(c) for c in choices]
    folded = {c.casefold(): c for c in choices}
    keys = difflib.get_close_matches(str(name).casefold(), list(folded), n=n, cutoff=0.5)
    return [folded[k] for k in keys]


def check_name(value: object, choices: Sequence[str], *, what: str) -> str:
    """``value`` if it is one of ``choices``; else :class:`UnknownNameError` listing the
    closest names and all choices.

    Examples
    --------
    >>> check_name("road", ["road", "multimodal"], what="--mode")
    'road'
    >>> check_name("raod", ["road", "multimodal"], what="--mode")
    Traceback (most recent call last):
    ...
    gisxz.exceptions.UnknownNameError: --mode 'raod' is unknown; did you mean 'road'? ...
    """
    if isinstance(value, str) and value in choices:
        return value
    close = closest_names(value, choices)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    raise UnknownNameError(f"{what} {value!r} is unknown; {hint}Use one of: "
                           f"{', '.join(choices)}")


def check_names(values: Iterable[object], choices: Sequence[str], *, what: str) -> list[str]:
    """:func:`check_name` for each value (lists split with :func:`split_list`)."""
    return [check_name(v, choices, what=what) for v in split_list(values)]


def split_list(values: object) -> list[str]:
    """Items of a list given as several values and/or ``a,b``, ``a，b``, ``a、b``.

    Examples
    --------
    >>> split_list(["拉萨，日喀则", "林芝"])
    ['拉萨', '日喀则', '林芝']
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for item in values:
        text = str(item)
        for sep in _SEPARATORS[1:]:
            text = text.replace(sep, ",")
        out.extend(p.strip() for p in text.split(",") if p.strip())
    return out


def parse_number(value: object, *, what: str) -> float:
    """A finite float from a number or a string (full-width digits accepted).

    Examples
    --------
    >>> parse_number("１.５", what="--hours")
    1.5
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be a number, got {value!r}")
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InvalidArgumentError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidArgumentError(f"{what} must be a finite number, got {value!r}")
    return number


def check_positive(value: object, *, what: str, unit: str = "", maximum: float | None = None,
                   allow_zero: bool = False, why: str = "") -> float:
    """A finite number > 0 (or >= 0 with ``allow_zero``) and <= ``maximum``.

    Examples
    --------
    >>> check_positive(-5, what="--minutes")
    Traceback (most recent call last):
    ...
    gisxz.exceptions.InvalidArgumentError: --minutes must be greater than 0, got -5
    """
    number = parse_number(value, what=what)
    unit_text = f" {unit}" if unit else ""
    if number < 0 or (number == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "greater than 0"
        raise InvalidArgumentError(f"{what} must be {bound}, got {value}{unit_text}")
    if maximum is not None and number > maximum:
        reason = f" ({why})" if why else ""
        raise InvalidArgumentError(f"{what} = {value}{unit_text} is larger than "
                                   f"{maximum:g}{unit_text}{reason}; check the unit")
    return number


def check_durations(*, hours: Iterable[object] = (), minutes: Iterable[object] = (),
                    hours_what: str = "hours", minutes_what: str = "minutes") -> list[float]:
    """Travel-time thresholds in minutes, each positive and at most :data:`MAX_HOURS`.

    Examples
    --------
    >>> check_durations(hours=[1, "2"], minutes=[30])
    [60.0, 120.0, 30.0]
    """
    out = [check_positive(h, what=hours_what, unit="h", maximum=MAX_HOURS,
                          why="a week of travel") * 60.0 for h in hours or ()]
    out += [check_cutoff(m, what=minutes_what) for m in minutes or ()]
    return out


def check_cutoff(minutes: object, *, what: str = "minutes") -> float:
    """A search cut-off (minutes): positive, finite, at most a week (:data:`MAX_HOURS`)."""
    return check_positive(minutes, what=what, unit="min", maximum=MAX_HOURS * 60.0,
                          why="a week of travel")


def parse_lonlat(text: object, *, what: str = "coordinates") -> tuple[float, float]:
    """``(lon, lat)`` from ``"LON,LAT"`` (ASCII or full-width comma, or a space).

    A pair that is clearly ``LAT,LON`` (the first value a latitude of Xizang, the second a
    longitude, or a second value beyond ±90) is refused with the swapped pair to use.

    Examples
    --------
    >>> parse_lonlat("29.66,91.13")
    Traceback (most recent call last):
    ...
    gisxz.exceptions.InvalidArgumentError: coordinates '29.66,91.13' look like LAT,LON; gisxz takes LON,LAT (longitude first): use 91.13,29.66
    """
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
    if len(parts) != 2:
        raise InvalidArgumentError(f"{what} {text!r} must be LON,LAT in degrees, e.g. "
                                   "91.13,29.66 (Lhasa)")
    lon = parse_number(parts[0], what=f"{what} {text!r}: longitude")
    lat = parse_number(parts[1], what=f"{what} {text!r}: latitude")
    w, s, e, n = XIZANG_BOUNDS
    swapped = abs(lat) > 90 and abs(lon) <= 90 or (s <= lon <= n and w <= lat <= e)
    if swapped:
        raise InvalidArgumentError(f"{what} {text!r} look like LAT,LON; gisxz takes LON,LAT "
                                   f"(longitude first): use {parts[1]},{parts[0]}")
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise InvalidArgumentError(f"{what} {text!r} are out of range: longitude must be "
                                   "within -180..180 and latitude within -90..90 degrees")
    return lon, lat


def check_finite_points(xy: np.ndarray, labels: Sequence[str], *, what: str = "points"
                        ) -> None:
    """Refuse points whose coordinates are missing or cannot be projected (NaN, infinite:
    e.g. a latitude beyond ±90 given as longitude), naming them.

    Examples
    --------
    >>> check_finite_points(np.array([[1.0, 2.0], [np.inf, 0.0]]), ["a", "b"])
    Traceback (most recent call last):
    ...
    gisxz.exceptions.InvalidArgumentError: 1 of 2 points have no usable coordinates: b; check they are LON,LAT degrees within range (or in the layer's CRS)
    """
    bad = np.flatnonzero(~np.isfinite(np.asarray(xy, dtype=float)).all(axis=1))
    if len(bad):
        shown = ", ".join(str(labels[i]) for i in bad[:8])
        raise InvalidArgumentError(f"{len(bad)} of {len(xy)} {what} have no usable "
                                   f"coordinates: {shown}; check they are LON,LAT degrees "
                                   "within range (or in the layer's CRS)")


def check_snap_distances(snap_m: Sequence[float], labels: Sequence[str], *, limit_m: float,
                         what: str = "points", option: str = "--max-snap-km") -> None:
    """Refuse points farther than ``limit_m`` from the network, naming each distance.

    Examples
    --------
    >>> check_snap_distances([120.0, 1.3e6], ["a", "b"], limit_m=50_000, what="origins")
    Traceback (most recent call last):
    ...
    gisxz.exceptions.SnapDistanceError: 1 of 2 origins lie farther from the network than the limit of 50 km: b (1300.0 km). ...
    """
    dist = np.asarray(snap_m, dtype=float)
    far = ~(dist <= limit_m)  # NaN counts as far
    if not far.any():
        return
    idx = np.flatnonzero(far)
    shown = ", ".join(f"{labels[i]} ({dist[i] / 1000:.1f} km)" for i in idx[:8])
    more = f" and {len(idx) - 8} more" if len(idx) > 8 else ""
    raise SnapDistanceError(
        f"{len(idx)} of {len(dist)} {what} lie farther from the network than the limit of "
        f"{limit_m / 1000:g} km: {shown}{more}. Check the coordinates (LON,LAT) and that the "
        f"network covers them, or raise the limit with {option}")


def snap_limit_m(meta: dict) -> float:
    """The largest snap distance (m) allowed on a graph: ``meta["snap_limit_m"]``, or 25 times
    its warning distance ``max_snap_m`` and at least 5 km (500 km on the trunk network,
    12.5 km on an OpenStreetMap street network).

    Examples
    --------
    >>> snap_limit_m({"max_snap_m": 20_000.0}), snap_limit_m({"max_snap_m": 500.0})
    (500000.0, 12500.0)
    """
    if meta.get("snap_limit_m") is not None:
        return float(meta["snap_limit_m"])
    return max(25.0 * float(meta.get("max_snap_m", 1000.0)), 5000.0)


def check_population(values: Iterable[object], labels: Sequence[str] | None = None, *,
                     what: str = "population") -> np.ndarray:
    """Populations as floats: finite and not negative (NaN allowed: unknown).

    Examples
    --------
    >>> check_population([1.0, -3], ["a", "b"])
    Traceback (most recent call last):
    ...
    gisxz.exceptions.InvalidArgumentError: population: 1 negative or infinite value(s): b = -3.0; populations must be 0 or more
    """
    import pandas as pd

    arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"
                        ).to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isnan(arr) & ((arr < 0) | ~np.isfinite(arr)))
    if len(bad):
        names = labels if labels is not None else [str(i) for i in range(len(arr))]
        shown = ", ".join(f"{names[i]} = {arr[i]}" for i in bad[:5])
        raise InvalidArgumentError(f"{what}: {len(bad)} negative or infinite value(s): "
                                   f"{shown}; populations must be 0 or more")
    return arr


def warn_unmatched(keys: Iterable[object], table: dict, *, what: str) -> int:
    """Warn (one line) when some of ``keys`` have no row in ``table``; return how many.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_unmatched([1, 2, 3], {1: 10}, what="population")
    2
    >>> str(w[0].message)
    'population: 2 of 3 units have no matching row (e.g. 2, 3); their values are left empty'
    """
    keys = list(keys)
    missing = [k for k in keys if k not in table]
    if missing:
        import warnings

        from gisxz.exceptions import GisxzWarning

        shown = ", ".join(map(str, missing[:5]))
        warnings.warn(f"{what}: {len(missing)} of {len(keys)} units have no matching row "
                      f"(e.g. {shown}); their values are left empty", GisxzWarning,
                      stacklevel=2)
    return len(missing)


def sniff_format(path: str | Path) -> str:
    """What a file holds, from its first bytes: ``empty``, ``gzip``, ``bz2``, ``zip``,
    ``sqlite`` (GeoPackage), ``pbf``, ``osm-xml``, ``graphml``, ``html``, ``xml``,
    ``json`` or ``unknown``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.osm.pbf")
    >>> _ = open(p, "w").write("<?xml version='1.0'?><osm version='0.6'></osm>")
    >>> sniff_format(p)
    'osm-xml'
    """
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head.strip():
        return "empty"
    for magic, kind in ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"PK\x03\x04", "zip"),
                        (b"SQLite format 3\x00", "sqlite")):
        if head.startswith(magic):
            return kind
    if b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        for tag, kind in ((b"<osm", "osm-xml"), (b"<graphml", "graphml"), (b"<html", "html"),
                          (b"<!doctype html", "html")):
            if tag in text:
                return kind
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    return "unknown"


_NETWORK_KINDS = {  # suffix → formats its content may have
    ".osm.pbf": ("pbf",), ".pbf": ("pbf",), ".osm.bz2": ("bz2",), ".xml.bz2": ("bz2",),
    ".osm.gz": ("gzip",), ".osm": ("osm-xml",), ".xml": ("osm-xml",),
    ".graphml": ("graphml",), ".gpkg": ("sqlite",), ".geojson": ("json",), ".json": ("json",),
}
_FORMAT_NAMES = {"pbf": "OpenStreetMap PBF", "bz2": "bzip2-compressed data",
                 "gzip": "gzip-compressed data", "osm-xml": "OpenStreetMap XML",
                 "graphml": "GraphML", "sqlite": "a GeoPackage/SQLite database",
                 "json": "JSON", "html": "an HTML page (a download error page?)",
                 "xml": "XML that is not OpenStreetMap", "zip": "a ZIP archive",
                 "empty": "nothing (the file is empty)", "unknown": "no known format"}
_RENAME = {"pbf": ".osm.pbf", "bz2": ".osm.bz2", "gzip": ".osm.gz", "osm-xml": ".osm",
           "graphml": ".graphml", "sqlite": ".gpkg", "json": ".geojson"}


def check_network_file(path: str | Path) -> str:
    """Sniff a network file and check its content matches its suffix; return the format.

    Raises :class:`FileFormatError` naming what the file really holds and the fix
    (rename, re-download), and for plain XML a file cut short (no closing ``</osm>``).
    """
    p = Path(path)
    if not p.exists():
        raise MissingDataError(f"{p}: network file not found")
    if p.is_dir():
        raise MissingDataError(f"{p}: is a folder; give a network file")
    found = sniff_format(p)
    name = p.name.lower()
    suffix = next((s for s in _NETWORK_KINDS if name.endswith(s)), None)
    if suffix is None or found in _NETWORK_KINDS[suffix]:
        if found == "osm-xml" and not _xml_complete(p, b"</osm>"):
            raise FileFormatError(f"{p}: OpenStreetMap XML cut short (no closing </osm>); "
                                  "the download or copy was interrupted: fetch the file again")
        if found in ("empty", "html"):
            raise FileFormatError(f"{p}: holds {_FORMAT_NAMES[found]}, not a network; "
                                  "fetch the file again")
        return found
    fix = (f"rename it to {p.name[: -len(suffix)]}{_RENAME[found]}" if found in _RENAME
           else "fetch the file again or export it as .osm.pbf, .osm or .graphml")
    raise FileFormatError(f"{p}: named {suffix} but holds {_FORMAT_NAMES[found]}; {fix}")


def _xml_complete(path: Path, closing: bytes) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        return closing in fh.read()
