"""The gazetteer: named places of Xizang and its gateways, read from ``layers/gazetteer``.

Each place has ``id``, ``name_zh``, ``name_en``, ``kind``, ``adcode`` (of the Xizang
county containing it, or empty outside Xizang), coordinates, ``source`` and
``accuracy``. Plan files and the trunk network refer to places by name; names are
resolved here, and an unknown name gets an error listing the closest known names.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz import settings
from gisxz.core.vocab import ACCURACY, PLACE_KINDS
from gisxz.exceptions import DuplicateIdError, PlanFileError, UnknownPlaceError
from gisxz.io.documents import Node, check_choice, check_keys, load_yaml, require

log = logging.getLogger(__name__)

__all__ = ["KINDS", "ACCURACY", "Gazetteer", "load_gazetteer", "default_gazetteer",
           "normalize_name"]

KINDS = PLACE_KINDS

_FIELDS = ("id", "name_zh", "name_en", "kind", "adcode", "province", "seat_zh", "seat_en",
           "lon", "lat", "aliases", "source", "accuracy", "note")
_SCHEMA = "gisxz.gazetteer/1"


def normalize_name(name: str) -> str:
    """Normalise a place name for lookup (width, case, spaces, bracket style).

    Examples
    --------
    >>> normalize_name(" Lhasa ") == normalize_name("lhasa")
    True
    >>> normalize_name("青藏界(G345)") == normalize_name("青藏界（G345）")
    True
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    return " ".join(text.split())


def _compact(text: str) -> str:
    """Letters and digits only, lower case, tone marks dropped (``Lhünzhub`` → ``lhunzhub``).

    Examples
    --------
    >>> _compact("Ri Ka-ze"), _compact("Lhünzhub")
    ('rikaze', 'lhunzhub')
    """
    text = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def _pinyin_keys(name: str, limit: int = 16) -> list[str]:
    """Toneless pinyin spellings of a Chinese name, every reading of polyphonic characters
    (at most ``limit`` combinations); ``[]`` for a name without Chinese characters."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return []
    import itertools

    from pypinyin import Style, pinyin

    readings = [sorted({_compact(r) for r in opts}) for opts in
                pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore")]
    combos = itertools.islice(itertools.product(*readings), limit)
    return ["".join(c) for c in combos]


def _read_file(path: Path) -> list[Node]:
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise PlanFileError("a gazetteer file must be a mapping with 'schema' and 'places'",
                            path=str(path), line=1)
    schema = doc.get("schema")
    if schema != _SCHEMA:
        raise doc.error(f"schema is {schema!r}; expected {_SCHEMA!r}", key="schema")
    places = require(doc, "places", list)
    return places


def _row(node: Node) -> dict:
    if not isinstance(node, Node):
        raise PlanFileError(f"each place must be a mapping, got {node!r}")
    check_keys(node, _FIELDS, what="gazetteer place")
    row = {k: node.get(k) for k in _FIELDS}
    for key in ("id", "name_zh", "name_en", "source"):
        require(node, key, str)
    check_choice(node, "kind", KINDS)
    check_choice(node, "accuracy", ACCURACY, default="surveyed")
    row["accuracy"] = row["accuracy"] or "surveyed"
    for key, lo, hi in (("lon", 60.0, 110.0), ("lat", 15.0, 45.0)):
        value = require(node, key, (int, float))
        if not lo <= float(value) <= hi:
            raise node.error(f"{key} = {value} is outside {lo}..{hi}; coordinates are decimal "
                             "degrees (longitude east, latitude north)", key=key)
    adcode = node.get("adcode")
    if adcode is not None and not (isinstance(adcode, int) and 540000 < adcode < 550000):
        raise node.error(f"adcode {adcode!r} is not a Xizang county adcode (54xxxx); use null "
                         "for places outside Xizang", key="adcode")
    aliases = node.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise node.error("aliases must be a list of names", key="aliases")
    row["aliases"] = list(aliases)
    row["province"] = row["province"] or ("西藏" if adcode is not None else "")
    row["_path"] = node.path
    row["_line"] = node.line
    return row


class _Rec(dict):
    __getattr__ = dict.__getitem__


class Gazetteer:
    """Named places with lookup by Chinese name, English name, alias or id.

    Parameters
    ----------
    places : geopandas.GeoDataFrame
        One row per place, as returned by :func:`load_gazetteer`.

    Examples
    --------
    >>> gz = default_gazetteer()
    >>> gz.resolve("拉萨")["kind"]
    'prefecture_seat'
    """

    def __init__(self, places: gpd.GeoDataFrame):
        self.places = places
        self._index: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._compact: dict[str, int] = {}
        for pos, rec in enumerate(places.to_dict("records")):
            row = _Rec(rec)
            names = [row.id, row.name_zh, row.name_en, *row.aliases]
            if row.kind == "county_seat" and isinstance(row.name_en, str):
                names.append(row.name_en + " County")
            for name in names:
                if not isinstance(name, str) or not name:
                    continue
                key = normalize_name(name)
                other = self._index.get(key)
                if other is not None and other != pos:
                    prev = places.iloc[other]
                    if name in (row.name_en,) or normalize_name(prev["name_en"]) == key:
                        continue  # English names may repeat (a county and its seat town)
                    raise DuplicateIdError(
                        f"name {name!r} of place {row.id!r} is already used by place "
                        f"{prev['id']!r} ({prev['_path']}:{prev['_line']}); names and aliases "
                        "must be unique: rename one or drop the alias",
                        path=rec["_path"], line=rec["_line"])
                self._index[key] = pos
                self._labels.setdefault(key, name)
                self._compact.setdefault(_compact(key), pos)
        self._pinyin: dict[str, set[int]] | None = None

    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, name: str) -> bool:
        return normalize_name(name) in self._index

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Up to ``n`` known names close to ``name`` in spelling or in sound (Hanyu pinyin),
        as ``中文 (English)``; places in Xizang come before gateway cities outside it.

        Examples
        --------
        >>> default_gazetteer().suggest("林之")[0]
        '林芝 (Nyingchi)'
        """
        key = normalize_name(name)
        cjk = bool(_pinyin_keys(key, limit=1))
        scored: dict[int, float] = {}
        for cand in difflib.get_close_matches(key, list(self._index), n=3 * n,
                                              cutoff=0.5 if cjk else 0.6):
            ratio = difflib.SequenceMatcher(None, key, cand).ratio()
            scored[self._index[cand]] = max(scored.get(self._index[cand], 0.0), ratio)
        table = self._pinyin_index()
        for sound in _pinyin_keys(key) if cjk else [_compact(key)]:
            for cand in difflib.get_close_matches(sound, list(table), n=3 * n, cutoff=0.75):
                ratio = difflib.SequenceMatcher(None, sound, cand).ratio()
                for pos in table[cand]:
                    scored[pos] = max(scored.get(pos, 0.0), ratio)
        inside = self.places["province"].to_numpy() == "西藏"
        best = max(scored.values(), default=0.0)
        near = [p for p in scored if scored[p] >= best - 0.15]  # not a tail of weak matches
        order = sorted(near, key=lambda p: (-scored[p] - 0.1 * bool(inside[p]), p))
        return [self._display(p) for p in order[:n]]

    def _display(self, pos: int) -> str:
        row = self.places.iloc[pos]
        return f"{row['name_zh']} ({row['name_en']})"

    def _pinyin_index(self) -> dict[str, set[int]]:
        """Hanyu pinyin of every Chinese name (all readings of polyphonic characters),
        built on the first lookup that needs it (``changdu`` → 昌都, ``rikaze`` → 日喀则)."""
        if self._pinyin is None:
            self._pinyin = {}
            for pos, rec in enumerate(self.places[["name_zh", "aliases"]].to_numpy()):
                for name in [rec[0], *(rec[1] or [])]:
                    for key in _pinyin_keys(str(name)):
                        self._pinyin.setdefault(key, set()).add(pos)
        return self._pinyin

    def resolve(self, name: str, *, path: str | None = None, line: int | None = None
                ) -> pd.Series:
        """The row of the place called ``name`` (Chinese, English, alias, id or Hanyu pinyin
        such as ``Changdu`` or ``Rikaze``).

        Raises
        ------
        UnknownPlaceError
            With the closest known names and, when given, the file and line; also when a
            pinyin spelling fits several places (they are listed).
        """
        key = normalize_name(name)
        pos = self._index.get(key)
        if pos is None:
            pos = self._compact.get(_compact(key))
        if pos is None and _compact(key):
            hits = sorted(self._pinyin_index().get(_compact(key), ()))
            if len(hits) == 1:
                pos = hits[0]
            elif hits:
                raise UnknownPlaceError(str(name), [self._display(p) for p in hits],
                                        path=path, line=line)
        if pos is None:
            raise UnknownPlaceError(str(name), self.suggest(str(name)), path=path, line=line)
        return self.places.iloc[pos]

    def point(self, name: str, **where):
        """The point geometry (EPSG:4490) of the place called ``name``."""
        return self.resolve(name, **where).geometry

    def resolve_many(self, names: Iterable[str], **where) -> gpd.GeoDataFrame:
        """Rows for ``names``, in order, as a GeoDataFrame."""
        rows = [self.resolve(n, **where) for n in names]
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=self.places.crs)


def load_gazetteer(paths: Iterable[str | Path] | None = None) -> gpd.GeoDataFrame:
    """Read gazetteer YAML files into a GeoDataFrame of points in EPSG:4490.

    Parameters
    ----------
    paths : iterable of path, optional
        Files to read; by default every ``*.yaml`` in ``layers/gazetteer``.

    Raises
    ------
    PlanFileError
        Syntax or schema errors, with file and line.
    DuplicateIdError
        Two places share an id.
    """
    if paths is None:
        paths = sorted((Path(settings.layers_dir) / "gazetteer").glob("*.yaml"))
    rows: list[dict] = []
    seen: dict[str, dict] = {}
    for path in paths:
        for node in _read_file(Path(path)):
            row = _row(node)
            if row["id"] in seen:
                prev = seen[row["id"]]
                raise DuplicateIdError(
                    f"duplicate place id {row['id']!r} (first at {prev['_path']}:"
                    f"{prev['_line']}); give each place its own id",
                    path=row["_path"], line=row["_line"])
            seen[row["id"]] = row
            rows.append(row)
    df = pd.DataFrame(rows, columns=[*_FIELDS, "_path", "_line"])
    df["adcode"] = df["adcode"].astype("Int64")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                           crs=settings.store_crs)
    return gdf


@lru_cache(maxsize=4)
def _cached(files: tuple[tuple[str, float], ...]) -> Gazetteer:
    return Gazetteer(load_gazetteer([f for f, _ in files]))


def default_gazetteer() -> Gazetteer:
    """The gazetteer read from ``layers/gazetteer`` (cached until the files change)."""
    files = sorted((Path(settings.layers_dir) / "gazetteer").glob("*.yaml"))
    return _cached(tuple((str(f), f.stat().st_mtime) for f in files))
