"""Map recipes: one YAML file per figure in ``maps/``, so a planner adds a figure without code.

A recipe names the title, the page, the extent and the layers with their styles, filters
and labels. :func:`load_recipe` reads and checks one; schema errors name the file and the
line to fix. The same recipe drives the static figure (:mod:`gisxz.maps.static`) and the
theme's web map (:mod:`gisxz.maps.web`). ``maps/README.md`` documents every field.

The recipe folder is ``maps/`` beside ``layers/`` in the repository, or the folder named by
the environment variable ``GISXZ_MAPS_DIR``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gisxz.exceptions import MissingDataError, MissingLayerError, PlanFileError
from gisxz.io.documents import Node, check_choice, check_keys, load_yaml, require

log = logging.getLogger(__name__)

__all__ = ["Recipe", "load_recipe", "load_recipes", "find_recipe", "recipe_paths", "resolve_extent",
           "default_recipe_dir", "PAGE_SIZES_MM", "RECIPE_KEYS", "LAYER_KEYS"]

#: Paper sizes in millimetres (portrait width, height).
PAGE_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}

#: Fields of a recipe.
RECIPE_KEYS = ("name", "title", "title_en", "description", "page", "orientation", "extent",
               "layers", "note", "inset", "north_arrow", "scale_bar", "formats", "dpi",
               "simplify_m", "web", "scenario", "compare", "title_block")
#: Fields of one layer entry of a recipe.
LAYER_KEYS = ("layer", "title_zh", "title_en", "filter", "style", "labels", "label_field",
              "label_filter", "label_size", "label_priority", "legend", "required", "show",
              "split_by", "popup_fields", "z", "web", "static")
_STYLE_KEYS = ("geom", "color", "width", "dash", "fill_opacity", "outline", "label", "field",
               "categories", "breaks", "colors")
_WEB_KEYS = ("simplify_m", "all_layers")
#: Fields of a recipe's ``title_block`` (图签).
TITLE_BLOCK_KEYS = ("organization", "date", "number", "review_number", "sources", "crs")
_FORMATS = ("png", "pdf", "svg")


def default_recipe_dir() -> Path:
    """The folder of the map recipes: :data:`gisxz.settings.recipes_dir` (``$GISXZ_MAPS_DIR``,
    else the recipes shipped with gisxz).

    Examples
    --------
    >>> default_recipe_dir().name
    'maps'
    """
    from gisxz import settings

    return Path(settings.recipes_dir)


@dataclass(frozen=True)
class Recipe:
    """A checked map recipe (see ``maps/README.md`` for the fields)."""

    name: str
    title: str
    title_en: str = ""
    description: str = ""
    page: str = "A4"
    orientation: str = "landscape"
    extent: Any = "xizang"
    layers: tuple[Mapping[str, Any], ...] = ()
    note: str = ""
    inset: bool = True
    north_arrow: bool = True
    scale_bar: bool = True
    formats: tuple[str, ...] = _FORMATS
    dpi: int = 300
    simplify_m: float = 0.0
    web_simplify_m: float = 500.0
    web_all_layers: bool = False
    path: str | None = None
    scenario: str = ""
    compare: Any = None
    title_block: Any = None

    def entries(self, target: str) -> list[dict[str, Any]]:
        """Layer entries with the ``web:`` or ``static:`` overrides of ``target`` applied.

        Examples
        --------
        >>> r = Recipe("x", "X", layers=({"layer": "a", "show": True, "web": {"show": False}},))
        >>> r.entries("web")[0]["show"], r.entries("static")[0]["show"]
        (False, True)
        """
        out = []
        for entry in self.layers:
            merged = {k: v for k, v in entry.items() if k not in ("web", "static")}
            merged.update(entry.get(target) or {})
            out.append(merged)
        return out

    def present_entries(self, target: str, layers: Mapping[str, Any]
                        ) -> tuple[list[dict[str, Any]], list[str]]:
        """The entries of ``target`` whose layer is in ``layers``, and the names left out.

        A missing layer marked ``required`` is an error; the others are logged and left out.

        Examples
        --------
        >>> r = Recipe("x", "X", layers=({"layer": "a"}, {"layer": "b"}))
        >>> [e["layer"] for e in r.present_entries("web", {"a": None})[0]]
        ['a']
        """
        what = "map" if target == "web" else "figure"
        present, missing = [], []
        for entry in self.entries(target):
            name = entry["layer"]
            if name in layers:
                present.append(entry)
                continue
            if entry.get("required"):
                raise MissingLayerError(
                    f"{what} {self.name!r} needs the layer {name!r}, which is not among the "
                    f"layers given ({', '.join(sorted(layers))})")
            log.info("%s %s: layer %s not available, left out", what, self.name, name)
            missing.append(name)
        return present, missing

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """(width, height) of the page in mm, in the recipe's orientation."""
        w, h = PAGE_SIZES_MM[self.page]
        return (h, w) if self.orientation == "landscape" else (w, h)

    def layer_names(self) -> list[str]:
        """The layers the recipe draws."""
        return [e["layer"] for e in self.layers]

    def required_layers(self) -> list[str]:
        """The layers without which the figure makes no sense (``required: true``)."""
        return [e["layer"] for e in self.layers if e.get("required")]


def _number(node: Node, key: str, *, minimum: float = 0.0) -> float | None:
    if key not in node or node[key] is None:
        return None
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise node.error(f"field {key!r} must be a number >= {minimum:g}, got {value!r}",
                         key=key)
    return float(value)


def _bool(node: Node, key: str, default: bool) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise node.error(f"field {key!r} must be true or false, got {value!r}", key=key)
    return value


def _check_extent(node: Node) -> Any:
    ext = node.get("extent", "xizang")
    if isinstance(ext, str):
        return ext  # "xizang" or a layer name; checked against the layers when drawing
    if isinstance(ext, list):
        ok = (len(ext) == 4 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                    for v in ext))
        if not ok or not (ext[0] < ext[2] and ext[1] < ext[3]):
            raise node.error("field 'extent' must be [lon_min, lat_min, lon_max, lat_max] in "
                             f"degrees with min < max, got {ext!r}", key="extent")
        if not (-180 <= ext[0] <= 180 and -90 <= ext[1] <= 90 and -180 <= ext[2] <= 180
                and -90 <= ext[3] <= 90):
            raise node.error(f"field 'extent' is not longitude/latitude in degrees: {ext!r}",
                             key="extent")
        return tuple(float(v) for v in ext)
    if isinstance(ext, Node):
        check_keys(ext, ("layer", "margin_km"), what="extent")
        require(ext, "layer", str)
        _number(ext, "margin_km")
        return dict(ext)
    raise node.error("field 'extent' must be 'xizang', a layer name, [lon_min, lat_min, "
                     f"lon_max, lat_max] or {{layer: NAME, margin_km: N}}; got {ext!r}",
                     key="extent")


def _check_mapping_of_values(node: Node, key: str) -> None:
    value = node.get(key)
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise node.error(f"field {key!r} must be a mapping of field: value (or [values]), got "
                         f"{value!r}", key=key)


def _check_style(entry: Node) -> None:
    style = entry.get("style")
    if style is None:
        return
    if not isinstance(style, Node):
        raise entry.error(f"field 'style' must be a mapping, got {style!r}", key="style")
    check_keys(style, _STYLE_KEYS, what="style")
    check_choice(style, "geom", ("line", "fill", "marker"), required=False)
    check_choice(style, "dash", ("solid", "dash", "dot"), required=False)
    for key in ("width", "fill_opacity"):
        _number(style, key)
    for key in ("color", "outline"):
        value = style.get(key)
        if value is not None and not (isinstance(value, str) and len(value) == 7
                                      and value.startswith("#")):
            raise style.error(f"field {key!r} must be a hex colour like '#d7301f' (quoted in "
                              f"YAML), got {value!r}", key=key)
    cats = style.get("categories")
    if cats is not None:
        if not isinstance(cats, Node):
            raise style.error("field 'categories' must map each value to a style", key="categories")
        for value, sym in cats.items():
            if not isinstance(sym, Node):
                raise cats.error(f"category {value!r} must be a mapping of color, width, ...",
                                 key=str(value))
            check_keys(sym, ("color", "width", "dash", "fill_opacity", "outline", "label"),
                       what=f"category {value!r}")
    breaks = style.get("breaks")
    if breaks is not None and (not isinstance(breaks, list) or not all(
            isinstance(b, int | float) and not isinstance(b, bool) for b in breaks)):
        raise style.error(f"field 'breaks' must be a list of numbers, got {breaks!r}",
                          key="breaks")
    colors = style.get("colors")
    if colors is not None and (not isinstance(colors, list) or not all(
            isinstance(c, str) and c.startswith("#") for c in colors)):
        raise style.error(f"field 'colors' must be a list of hex colours, got {colors!r}",
                          key="colors")


def _check_entry(entry: Any, parent: Node, index: int) -> dict[str, Any]:
    if isinstance(entry, str):  # "- rivers" is short for "- layer: rivers"
        return {"layer": entry}
    if not isinstance(entry, Node):
        raise parent.error(f"layers[{index}] must be a layer name or a mapping with 'layer', "
                           f"got {entry!r}", key="layers")
    check_keys(entry, LAYER_KEYS, what="layer entry")
    require(entry, "layer", str)
    for key in ("title_zh", "title_en", "label_field"):
        if key in entry and not isinstance(entry[key], str):
            raise entry.error(f"field {key!r} must be text, got {entry[key]!r}", key=key)
    labels = entry.get("labels", False)
    if not isinstance(labels, bool | str):
        raise entry.error(f"field 'labels' must be true, false or a field name, got {labels!r}",
                          key="labels")
    for key in ("legend", "required", "show"):
        _bool(entry, key, True)
    for key in ("filter", "label_filter"):
        _check_mapping_of_values(entry, key)
    _number(entry, "label_size", minimum=3)
    for key in ("label_priority", "z"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int)):
            raise entry.error(f"field {key!r} must be a whole number, got {entry[key]!r}",
                              key=key)
    for key in ("split_by", "popup_fields"):
        value = entry.get(key)
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise entry.error(f"field {key!r} must be a list of field names, got {value!r}",
                              key=key)
    _check_style(entry)
    out = dict(entry)
    for target in ("web", "static"):
        sub = entry.get(target)
        if sub is None:
            continue
        if not isinstance(sub, Node):
            raise entry.error(f"field {target!r} must be a mapping of overrides", key=target)
        check_keys(sub, [k for k in LAYER_KEYS if k not in ("layer", "web", "static")],
                   what=f"{target} overrides")
        _check_style(sub)
        out[target] = dict(sub)
    return out


def load_recipe(path: str | Path) -> Recipe:
    """Read and check one map recipe.

    Raises
    ------
    PlanFileError
        With the file and line of the first problem (unknown field, wrong type, bad value).

    Examples
    --------
    >>> r = load_recipe(default_recipe_dir() / "zones.yaml")
    >>> r.name, r.page, r.layer_names()[:1]
    ('zones', 'A4', ['neighbour_countries'])
    """
    path = Path(path)
    doc = load_yaml(path)
    if not isinstance(doc, Node):
        raise PlanFileError("a map recipe must be a mapping with title and layers",
                            path=str(path), line=1)
    check_keys(doc, RECIPE_KEYS, what="map recipe")
    title = require(doc, "title", str)
    layers = require(doc, "layers", list)
    if not layers:
        raise doc.error("field 'layers' is empty; list at least one layer", key="layers")
    entries = tuple(_check_entry(e, doc, i) for i, e in enumerate(layers))
    names = [e["layer"] for e in entries]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise doc.error(f"layer(s) {', '.join(dup)} listed twice; draw each layer once (use "
                        "'filter' on one entry)", key="layers")
    name = doc.get("name", path.stem)
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
        raise doc.error(f"field 'name' must be a file name without spaces or slashes, got "
                        f"{name!r}", key="name")
    page = check_choice(doc, "page", tuple(PAGE_SIZES_MM), default="A4")
    orientation = check_choice(doc, "orientation", ("portrait", "landscape"),
                               default="landscape")
    formats = doc.get("formats", list(_FORMATS))
    if not isinstance(formats, list) or not formats or any(f not in _FORMATS for f in formats):
        raise doc.error(f"field 'formats' must be a list from {', '.join(_FORMATS)}, got "
                        f"{formats!r}", key="formats")
    dpi = doc.get("dpi", 300)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 72 <= dpi <= 1200:
        raise doc.error(f"field 'dpi' must be a whole number from 72 to 1200, got {dpi!r}",
                        key="dpi")
    web = doc.get("web") or {}
    if web and not isinstance(web, Node):
        raise doc.error("field 'web' must be a mapping (simplify_m, all_layers)", key="web")
    if web:
        check_keys(web, _WEB_KEYS, what="web options")
    web_simplify = _number(web, "simplify_m") if web else None
    for key in ("title_en", "description", "note", "scenario"):
        if key in doc and not isinstance(doc[key], str):
            raise doc.error(f"field {key!r} must be text, got {doc[key]!r}", key=key)
    compare, title_block = _check_compare(doc), _check_title_block(doc)
    return Recipe(
        name=name, title=title, title_en=doc.get("title_en", ""),
        description=doc.get("description", ""), page=page, orientation=orientation,
        extent=_check_extent(doc), layers=entries, note=doc.get("note", ""),
        inset=_bool(doc, "inset", True), north_arrow=_bool(doc, "north_arrow", True),
        scale_bar=_bool(doc, "scale_bar", True), formats=tuple(formats), dpi=dpi,
        simplify_m=_number(doc, "simplify_m") or 0.0,
        web_simplify_m=500.0 if web_simplify is None else web_simplify,
        web_all_layers=_bool(web, "all_layers", False) if web else False,
        path=str(path), scenario=doc.get("scenario", ""), compare=compare,
        title_block=title_block)


def _check_compare(doc: Node) -> dict[str, Any] | None:
    comp = doc.get("compare")
    if comp is None:
        return None
    if not isinstance(comp, Node):
        raise doc.error("field 'compare' must be a mapping {field: scenario, values: [current, "
                        f"plan]}}, got {comp!r}", key="compare")
    check_keys(comp, ("field", "values"), what="compare")
    fld = require(comp, "field", str)
    values = require(comp, "values", list)
    if len(values) != 2:
        raise comp.error(f"field 'values' must list two values (left | right), got {values!r}",
                         key="values")
    return {"field": fld, "values": [str(v) for v in values]}


def _check_title_block(doc: Node) -> dict[str, str]:
    tb = doc.get("title_block")
    if tb is None:
        return {}
    if not isinstance(tb, Node):
        raise doc.error("field 'title_block' must be a mapping of "
                        f"{', '.join(TITLE_BLOCK_KEYS)}", key="title_block")
    check_keys(tb, TITLE_BLOCK_KEYS, what="title_block")
    return {k: str(v) for k, v in tb.items()}


def recipe_paths(directory: str | Path | None = None) -> list[Path]:
    """The recipe files (``*.yaml``) of ``directory`` (default :func:`default_recipe_dir`)."""
    d = Path(directory) if directory is not None else default_recipe_dir()
    if not d.is_dir():
        raise MissingDataError(f"recipe folder {d} not found; pass the folder of the map "
                               "recipes or set GISXZ_MAPS_DIR")
    return sorted(p for p in d.glob("*.yaml") if not p.name.startswith("."))


def load_recipes(directory: str | Path | None = None) -> list[Recipe]:
    """All recipes of ``directory``, the overview first."""
    recipes = [load_recipe(p) for p in recipe_paths(directory)]
    return sorted(recipes, key=lambda r: (r.name != "overview", r.name))


def find_recipe(name_or_path: str | Path, *, directory: str | Path | None = None) -> Recipe:
    """A recipe by file path or by name (``"border_belt"``) in the recipe folder.

    Examples
    --------
    >>> find_recipe("overview").title
    '西藏自治区综合交通与国土空间规划总图'
    """
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return load_recipe(p)
    paths = recipe_paths(directory)
    for candidate in paths:
        if candidate.stem == str(name_or_path):
            return load_recipe(candidate)
    import difflib

    names = [c.stem for c in paths]
    close = difflib.get_close_matches(str(name_or_path), names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise MissingDataError(f"no map recipe named {str(name_or_path)!r}.{hint} Known recipes: "
                           f"{', '.join(names)}")


#: Bounds of Xizang in degrees, used when the province layer is absent.
XIZANG_BOUNDS = (78.39, 26.85, 99.12, 36.49)


def resolve_extent(extent: Any, layers: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """Longitude/latitude bounds ``(west, south, east, north)`` of a recipe's extent.

    ``"xizang"`` is the bounds of ``admin_province`` (or :data:`XIZANG_BOUNDS`); a layer
    name gives that layer's bounds; ``{layer: NAME, margin_km: N}`` adds a margin.

    Examples
    --------
    >>> resolve_extent([80, 27, 90, 33], {})
    (80.0, 27.0, 90.0, 33.0)
    """
    from gisxz.exceptions import MapError, MissingLayerError

    if isinstance(extent, list | tuple):
        return tuple(float(v) for v in extent)  # type: ignore[return-value]
    margin_km = 0.0
    name = extent
    if isinstance(extent, Mapping):
        name = extent["layer"]
        margin_km = float(extent.get("margin_km") or 0.0)
    if name == "xizang":
        if "admin_province" not in layers or len(layers["admin_province"]) == 0:
            return XIZANG_BOUNDS
        name = "admin_province"
    if not isinstance(name, str):
        raise MapError(f"extent must be 'xizang', a layer name or bounds, got {extent!r}")
    if name not in layers:
        raise MissingLayerError(f"extent layer {name!r} is not among the layers "
                                f"({', '.join(sorted(layers))}); use 'xizang' or bounds")
    gdf = layers[name]
    if len(gdf) == 0:
        raise MapError(f"extent layer {name!r} is empty; use 'xizang' or bounds")
    w, s, e, n = gdf.to_crs(4326).total_bounds
    if margin_km:
        import math

        dlat = margin_km / 111.0
        dlon = margin_km / (111.0 * math.cos(math.radians((s + n) / 2)))
        w, s, e, n = w - dlon, s - dlat, e + dlon, n + dlat
    return float(w), float(s), float(e), float(n)
