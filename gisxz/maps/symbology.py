"""How a layer is drawn in one map: styles from :mod:`gisxz.maps.styles`, recipe overrides, classes.

Web maps (:mod:`gisxz.maps.web`) and static figures (:mod:`gisxz.maps.static`) both ask
this module which symbol each feature gets and what the legend says, so a layer looks
the same in the browser, in a printed figure and in QGIS (whose styles come from the same
:data:`gisxz.maps.styles.LAYER_STYLES`).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.core.vocab import VALUE_LABELS, value_label
from gisxz.exceptions import MapError
from gisxz.maps.styles import LAYER_STYLES, STATUS_LABELS, Symbol, style_for

log = logging.getLogger(__name__)

__all__ = ["LayerSpec", "LegendItem", "spec_for", "filter_frame", "classify", "category_key",
           "mm_to_pt", "mm_to_px", "dash_pattern_web", "dash_pattern_mpl", "mix",
           "FIELD_LABELS", "display_value"]

#: Bilingual headers of the attributes shown in popups and tables.
FIELD_LABELS: dict[str, str] = {
    "name_zh": "名称",
    "name_en": "Name",
    "kind": "类型 Kind",
    "rank_zh": "等级 Rank",
    "orientation_zh": "走向 Orientation",
    "ref": "编号 Ref",
    "status": "状态 Status",
    "period": "规划期 Plan period",
    "opened": "开通 Opened",
    "highways": "公路 Highways",
    "railways": "铁路 Railways",
    "role": "类别 Role",
    "zone_code": "分区 Zone",
    "prefecture_zh": "所属地市 Prefecture",
    "county_zh": "所属县 County",
    "adcode": "区划代码 Adcode",
    "counterpart": "对应口岸 Counterpart",
    "iata": "IATA",
    "level_zh": "等级 Level",
    "members": "成员 Members",
    "scenario": "情景 Scenario",
    "mode": "方式 Mode",
    "hours": "时间 Hours",
    "hours_class": "县城通行时间 Seat travel time (h)",
    "band_label": "距离带 Band",
    "countries": "相邻国家 Neighbouring countries",
    "border_length_km": "边境线长度 Border length (km)",
    "width_km": "宽度 Width (km)",
    "n_counties": "县数 Counties",
    "counties": "涉及县 Counties",
    "n_seats": "县城数 Seats",
    "seats": "县城 Seats",
    "share_of_xizang": "占全区比例 Share of Xizang",
    "share_of_unit": "占本县比例 Share of county",
    "population_2020": "常住人口2020 Population 2020",
    "population_in": "带内人口 Population inside",
    "n_channels": "服务通道数 Channels served",
    "channels_served": "服务通道 Channels served",
    "nearest_facility": "最近设施 Nearest facility",
    "nearest_facility_min": "通行时间（分钟） Travel time (min)",
    "length_km": "长度 Length (km)",
    "area_km2": "面积 Area (km²)",
    "population": "人口 Population",
    "accuracy": "精度 Accuracy",
    "source": "来源 Source",
    "note": "备注 Note",
}

_QUALITATIVE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99"]
_SEQUENTIAL = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026", "#800026"]
_DASHES = ("solid", "dash", "dot")
_GEOMS = ("line", "fill", "marker")


@dataclass(frozen=True)
class LegendItem:
    """One legend row: the symbol and its (bilingual) label."""

    label: str
    symbol: Symbol


@dataclass(frozen=True)
class LayerSpec:
    """A layer as drawn in one map: style, filter, labels, legend and visibility.

    Built by :func:`spec_for` from :data:`gisxz.maps.styles.LAYER_STYLES` and the layer's
    entry in a map recipe (see ``maps/README.md``).
    """

    layer: str
    title_zh: str
    title_en: str
    geom: str
    default: Symbol
    field: str | None = None
    categories: Mapping[str, Symbol] = dc_field(default_factory=dict)
    breaks: tuple[float, ...] = ()
    colors: tuple[str, ...] = ()
    ramp: tuple[str, ...] = ()
    label_field: str | None = None
    labels: bool = False
    label_filter: Mapping[str, Any] | None = None
    label_size: float = 7.0
    label_priority: int = 0
    filter: Mapping[str, Any] | None = None
    split_by: tuple[str, ...] = ()
    popup_fields: tuple[str, ...] = ()
    legend: bool = True
    required: bool = False
    show: bool = True
    z: int = 0

    @property
    def title(self) -> str:
        """``"中文 English"`` title used in layer controls and legends."""
        if self.title_en and self.title_en != self.title_zh:
            return f"{self.title_zh} {self.title_en}"
        return self.title_zh


def _symbol_from(base: Symbol, over: Mapping[str, Any] | None, *, where: str) -> Symbol:
    if not over:
        return base
    allowed = {"color", "width", "dash", "fill_opacity", "outline", "label"}
    unknown = set(over) - allowed
    if unknown:
        raise MapError(f"{where}: unknown style key(s) {sorted(unknown)}; allowed: "
                       f"{', '.join(sorted(allowed))}")
    kw: dict[str, Any] = {}
    for key, value in over.items():
        if key in ("color", "outline"):
            if not (isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value)):
                raise MapError(f"{where}: {key} must be a colour like '#d7301f', got {value!r}")
            kw[key] = value
        elif key in ("width", "fill_opacity"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise MapError(f"{where}: {key} must be a number >= 0, got {value!r}")
            if key == "fill_opacity" and value > 1:
                raise MapError(f"{where}: fill_opacity must be between 0 and 1, got {value!r}")
            kw[key] = float(value)
        elif key == "dash":
            if value not in _DASHES:
                raise MapError(f"{where}: dash must be one of {', '.join(_DASHES)}, got "
                               f"{value!r}")
            kw[key] = value
        else:
            kw[key] = str(value)
    return replace(base, **kw)


def spec_for(layer: str, entry: Mapping[str, Any] | None = None) -> LayerSpec:
    """The drawing spec of ``layer``: its :data:`LAYER_STYLES` entry with ``entry`` applied.

    Parameters
    ----------
    layer : str
        Layer name (a key of the layers dict / GeoPackage).
    entry : mapping, optional
        The layer's entry of a recipe: ``title_zh``, ``title_en``, ``filter``, ``style``
        (``color``, ``width``, ``dash``, ``fill_opacity``, ``outline``, ``field``,
        ``categories``, ``breaks``, ``colors``, ``geom``), ``labels``, ``label_field``,
        ``label_filter``, ``label_size``, ``label_priority``, ``legend``, ``required``,
        ``show``, ``split_by``, ``popup_fields``, ``z``.

    Examples
    --------
    >>> s = spec_for("railways", {"style": {"width": 2}})
    >>> s.geom, s.default.width, s.field
    ('line', 2.0, 'status')
    """
    entry = dict(entry or {})
    base = style_for(layer)
    style = dict(entry.get("style") or {})
    where = f"layer {layer!r}"
    geom = style.pop("geom", base.geom)
    if geom not in _GEOMS:
        raise MapError(f"{where}: geom must be one of {', '.join(_GEOMS)}, got {geom!r}")
    field = style.pop("field", base.field)
    cats_over = style.pop("categories", None)
    breaks = tuple(float(b) for b in style.pop("breaks", ()) or ())
    colors = tuple(style.pop("colors", ()) or ())
    if list(breaks) != sorted(breaks):
        raise MapError(f"{where}: breaks must increase, got {list(breaks)}")
    if colors and breaks and len(colors) != len(breaks) + 1:
        raise MapError(f"{where}: give {len(breaks) + 1} colours for {len(breaks)} breaks "
                       f"(one per class), got {len(colors)}")
    default = _symbol_from(base.default, style, where=where)
    if field == base.field:
        categories: dict[str, Symbol] = {
            k: _symbol_from(v, {kk: vv for kk, vv in style.items()
                                if kk not in ("color", "label")},
                            where=where) for k, v in base.categories.items()}
    else:
        categories = {}
    for key, over in (cats_over or {}).items():
        start = categories.get(str(key), default)
        categories[str(key)] = _symbol_from(start, over, where=f"{where} category {key!r}")
    label_field = entry.get("label_field", base.label_field)
    labels = entry.get("labels", False)
    if isinstance(labels, str):  # labels: name_en
        label_field, labels = labels, True
    return LayerSpec(
        layer=layer,
        title_zh=str(entry.get("title_zh", base.title_zh)),
        title_en=str(entry.get("title_en", base.title_en)),
        geom=geom,
        default=default,
        field=field,
        categories=categories,
        breaks=breaks,
        colors=colors,
        ramp=tuple(base.ramp),
        label_field=label_field,
        labels=bool(labels) and label_field is not None,
        label_filter=entry.get("label_filter"),
        label_size=float(entry.get("label_size", 7.0)),
        label_priority=int(entry.get("label_priority", base.z)),
        filter=entry.get("filter"),
        split_by=tuple(entry.get("split_by", ()) or ()),
        popup_fields=tuple(entry.get("popup_fields", ()) or ()),
        legend=bool(entry.get("legend", True)),
        required=bool(entry.get("required", False)),
        show=bool(entry.get("show", True)),
        z=int(entry.get("z", base.z)),
    )


def default_specs(names: Sequence[str]) -> list[LayerSpec]:
    """Specs with default styles for ``names``, in drawing order (``z``, then name order)."""
    specs = [spec_for(n) for n in names]
    order = {n: i for i, n in enumerate(names)}
    return sorted(specs, key=lambda s: (s.z, order[s.layer]))


def category_key(value: Any) -> str:
    """The string key of a category value (``1.0`` becomes ``"1"``).

    Examples
    --------
    >>> category_key(3.0), category_key("main"), category_key(True)
    ('3', 'main', 'True')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _natural(key: str) -> tuple:
    m = re.match(r"\s*(-?\d+(?:\.\d+)?)", key)
    return (0, float(m.group(1)), key) if m else (1, 0.0, key)


def mix(color: str, other: str, t: float) -> str:
    """Blend two hex colours: ``t = 0`` gives ``color``, ``t = 1`` gives ``other``.

    Examples
    --------
    >>> mix("#000000", "#ffffff", 0.5)
    '#808080'
    """
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    c = [round(x + (y - x) * t) for x, y in zip(a, b, strict=True)]
    return "#" + "".join(f"{v:02x}" for v in c)


def filter_frame(gdf: gpd.GeoDataFrame, filt: Mapping[str, Any] | None, *,
                 layer: str) -> gpd.GeoDataFrame:
    """Rows of ``gdf`` whose fields match ``filt`` (``{field: value or [values]}``).

    A value ``{"not": [...]}`` excludes values instead. Never modifies ``gdf``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"kind": ["a", "b"]}, geometry=[Point(0, 0)] * 2, crs=4490)
    >>> len(filter_frame(g, {"kind": ["a"]}, layer="x"))
    1
    """
    if not filt:
        return gdf
    keep = np.ones(len(gdf), dtype=bool)
    for fld, want in filt.items():
        if fld not in gdf.columns:
            fields = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise MapError(f"layer {layer!r}: filter field {fld!r} is not in the layer; its "
                           f"fields are {fields}")
        keys = gdf[fld].map(category_key)
        negate = isinstance(want, Mapping) and "not" in want
        values = want["not"] if negate else want
        values = values if isinstance(values, list | tuple | set) else [values]
        hit = keys.isin([category_key(v) for v in values]).to_numpy()
        keep &= ~hit if negate else hit
    return gdf.loc[keep]


def classify(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> tuple[pd.Series, dict[str, Symbol],
                                                              list[LegendItem]]:
    """Category key of each feature, the symbol of each key, and the legend rows.

    Features are grouped by ``spec.field`` (numeric classes when ``spec.breaks`` is set).
    Values without a symbol of their own get colours from a palette: a ramp of the
    default colour for numbered bands (``"0-10 km"``), qualitative colours otherwise.
    Without a field (or when the layer lacks it) every feature gets the default symbol.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"status": ["operating", "planned"]},
    ...                      geometry=[Point(0, 0)] * 2, crs=4490)
    >>> keys, symbols, legend = classify(g, spec_for("railways"))
    >>> [item.label for item in legend]
    ['运营 operating', '规划 planned']
    """
    fld = spec.field
    if not fld or fld not in gdf.columns:
        if fld and len(gdf):
            log.debug("layer %s has no field %r: one symbol", spec.layer, fld)
        keys = pd.Series([""] * len(gdf), index=gdf.index, dtype=object)
        sym = replace(spec.default, label=spec.default.label or spec.title_zh)
        return keys, {"": sym}, [LegendItem(spec.title_zh, sym)]
    if spec.breaks:
        return _classify_breaks(gdf, spec)
    keys = gdf[fld].map(category_key)
    present = list(dict.fromkeys(keys))
    ordered = [k for k in spec.categories if k in present]
    extra = sorted((k for k in present if k not in spec.categories), key=_natural)
    symbols: dict[str, Symbol] = {}
    numeric = bool(extra) and all(_natural(k)[0] == 0 for k in extra)
    for i, key in enumerate(extra):
        if spec.colors:
            color = spec.colors[i % len(spec.colors)]
        elif numeric and spec.ramp:  # bands: a sequential ramp, nearest band darkest
            color = spec.ramp[round(i * (len(spec.ramp) - 1) / max(len(extra) - 1, 1))]
        elif numeric:
            color = mix(spec.default.color, "#ffffff", 0.65 * i / max(len(extra) - 1, 1))
        else:
            color = _QUALITATIVE[i % len(_QUALITATIVE)]
        outline = spec.default.outline if spec.geom == "fill" else color
        symbols[key] = replace(spec.default, color=color, outline=outline,
                               label=_key_label(spec.field, key))
    for key in ordered:
        sym = spec.categories[key]
        symbols[key] = replace(sym, label=sym.label or _key_label(spec.field, key))
    legend = [LegendItem(symbols[k].label, symbols[k]) for k in [*ordered, *extra]]
    return keys, symbols, legend


def _classify_breaks(gdf: gpd.GeoDataFrame, spec: LayerSpec):
    vals = pd.to_numeric(gdf[spec.field], errors="coerce").to_numpy(dtype=float)
    b = spec.breaks
    n = len(b) + 1
    colors = list(spec.colors) or [_SEQUENTIAL[round(i * (len(_SEQUENTIAL) - 1) / max(n - 1, 1))]
                                   for i in range(n)]

    def fmt(v: float) -> str:
        return f"{v:g}"

    labels = ([f"≤ {fmt(b[0])}"] + [f"{fmt(b[i - 1])}–{fmt(b[i])}" for i in range(1, len(b))]
              + [f"> {fmt(b[-1])}"])
    idx = np.searchsorted(np.asarray(b), vals, side="left")
    keys = pd.Series([labels[i] if np.isfinite(v) else "" for i, v in zip(idx, vals,
                                                                           strict=True)],
                     index=gdf.index, dtype=object)
    symbols = {lab: replace(spec.default, color=c, label=lab)
               for lab, c in zip(labels, colors, strict=True)}
    if (keys == "").any():
        symbols[""] = replace(spec.default, color="#dddddd", label="无数据 no data")
    legend = [LegendItem(lab, symbols[lab]) for lab in labels]
    if "" in symbols:
        legend.append(LegendItem(symbols[""].label, symbols[""]))
    return keys, symbols, legend


def _key_label(field: str | None, key: str) -> str:
    if not key:
        return "—"
    if field in VALUE_LABELS:
        return value_label(field, key)
    return STATUS_LABELS.get(key, key)


def display_value(field: str, value: Any) -> str:
    """A value as shown to a person: status labels, rounded numbers, no ``nan``.

    Examples
    --------
    >>> display_value("status", "planned"), display_value("length_km", 1234.5678)
    ('规划 planned', '1,234.6')
    """
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if float(value).is_integer() and field not in ("length_km", "area_km2"):
            return str(int(value))
        return f"{value:,.1f}"
    if isinstance(value, bool | np.bool_):
        return "是 yes" if value else "否 no"
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    text = str(value)
    if text in ("<NA>", "nan", "None"):
        return ""
    if field in VALUE_LABELS:
        return value_label(field, text)
    return text


def mm_to_pt(mm: float) -> float:
    """Millimetres to typographic points (matplotlib line widths and font sizes)."""
    return mm * 72.0 / 25.4


def mm_to_px(mm: float, *, minimum: float = 0.8) -> float:
    """A style width in mm to screen pixels for web maps (a compact screen scale)."""
    return max(minimum, round(mm * 2.6, 1))


def dash_pattern_web(dash: str, width_px: float) -> str | None:
    """Leaflet ``dashArray`` for a dash style, scaled to the line width."""
    w = max(width_px, 1.0)
    return {"solid": None, "dash": f"{3 * w:g} {2 * w:g}", "dot": f"{w:g} {1.6 * w:g}"}[dash]


def dash_pattern_mpl(dash: str):
    """matplotlib linestyle for a dash style."""
    return {"solid": "solid", "dash": (0, (4.0, 2.5)), "dot": (0, (1.0, 1.6))}[dash]


def known_layers() -> list[str]:
    """Names of the layers that have a style of their own."""
    return list(LAYER_STYLES)
