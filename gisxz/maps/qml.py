"""QGIS styles (QML) for the layers of :data:`gisxz.maps.styles.LAYER_STYLES`.

:func:`qml` turns a layer's style into a QGIS style document, stored by
:mod:`gisxz.io.geopackage` in the GeoPackage's ``layer_styles`` table so layers open styled
in QGIS 3.22 and later. The symbols come from :mod:`gisxz.maps.styles` (shared with the web
maps and figures); what only QGIS needs is decided here:

* **renderers** whose categories are exactly the values present in the data, with Chinese +
  English labels (:func:`gisxz.core.vocab.value_label`) and a distinct symbol per value;
  ``places`` is rule-based so that minor kinds appear only when zoomed in, and isochrone
  layers are rule-based by scenario and mode with only *current / multimodal* switched on;
* **labels** ranked by importance (:data:`LABEL_RULES`): prefecture seats above county seats
  above towns, roads and railways labelled along the line, polygons never label obstacles,
  dense layers labelled only when zoomed in;
* **fonts**: a per-platform choice across the Chinese fonts a Windows, macOS or Linux QGIS
  has (:data:`FONT_FAMILIES`);
* **fields**: Chinese aliases (:func:`gisxz.io.tables.field_label`) and value maps that show
  coded values (``operating``) as 运营 operating in the attribute table and forms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from gisxz.core.vocab import VALUE_LABELS, value_label
from gisxz.io.tables import field_label
from gisxz.maps.styles import LayerStyle, Symbol, style_for

__all__ = ["qml", "FONT_FAMILIES", "LABEL_RULES", "LabelRule", "font_expression",
           "qgis_value", "category_label"]

#: Chinese UI fonts in order of preference: Windows, macOS, Linux, Adobe/Google, old Windows.
FONT_FAMILIES = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
                 "SimHei")

#: A qualitative palette for values without a symbol of their own.
_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
            "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#6a3d9a", "#b15928", "#666666")
#: Extra width (mm) of a casing over its line (the figures' 1.3 pt), twice that round markers.
_CASING_MM = 0.46
_SHAPES = ("circle", "square", "triangle", "diamond", "pentagon", "hexagon", "star",
           "cross_fill")


@dataclass(frozen=True)
class LabelRule:
    """How labels of one layer (or of one value of its field) are placed.

    ``priority`` 0–10 (QGIS: higher wins a conflict); ``size`` in points; ``max_scale``
    the largest scale denominator at which labels show (0: always); ``obstacle`` whether
    the features push other labels away; ``z`` the label's drawing order; ``field`` the
    field labelled instead of the style's ``label_field``; ``repeat`` the distance (mm)
    between repeated labels along a line (0: once per line).
    """

    priority: int = 3
    size: float = 7.0
    bold: bool = False
    color: str = "#1e1e1e"
    max_scale: float = 0.0
    obstacle: bool = False
    z: float = 0.0
    field: str = ""
    repeat: float = 0.0


#: Label rules by layer (``places`` by kind). Layers not listed here are not labelled: the
#: county-level analysis layers would repeat the county names of ``admin_county``.
LABEL_RULES: dict[str, LabelRule | dict[str, LabelRule]] = {
    "places": {
        "prefecture_seat": LabelRule(10, 9.0, True, "#111111", obstacle=True, z=3),
        "county_seat": LabelRule(8, 7.0, False, "#1a1a1a", obstacle=True, z=2),
        "gateway_city": LabelRule(5, 7.0, False, "#333333", obstacle=True, z=1),
        "*": LabelRule(3, 6.5, False, "#444444", max_scale=3_000_000, obstacle=True),
    },
    "admin_prefecture": LabelRule(2, 10.0, True, "#7a7a7a", max_scale=0),
    "neighbour_provinces": LabelRule(1, 9.0, False, "#8c8c8c"),
    "neighbour_countries": LabelRule(1, 9.0, False, "#8c8c8c"),
    "zones": LabelRule(1, 9.0, True, "#8a6d3b", max_scale=6_000_000),
    "lakes": LabelRule(1, 6.5, False, "#2b6c9e", max_scale=4_000_000),
    "rivers": LabelRule(1, 6.5, False, "#2b6c9e", max_scale=4_000_000),
    "water_network": LabelRule(2, 7.0, False, "#1f5f99"),
    "transport_channels": LabelRule(2, 7.5, True, "#a4161a", max_scale=8_000_000),
    "highways": LabelRule(4, 6.5, False, "#7f3f12", max_scale=6_000_000, field="ref",
                          repeat=120),
    "railways": LabelRule(4, 6.5, False, "#1e1e1e", max_scale=6_000_000, repeat=150),
    "border_towns": LabelRule(5, 6.5, False, "#8e0152", obstacle=True),
    "ports": LabelRule(5, 6.5, False, "#4a2070", obstacle=True),
    "airports": LabelRule(5, 6.5, False, "#165e2b", obstacle=True, max_scale=6_000_000),
    "hubs": LabelRule(3, 6.5, False, "#a04000", obstacle=True, max_scale=3_000_000),
    "energy_water_projects": LabelRule(3, 6.5, False, "#045a8d", obstacle=True,
                                       max_scale=3_000_000),
    "plan_framework": LabelRule(6, 8.0, True, "#7f0000", obstacle=True),
}

#: Values of ``places.kind`` drawn at every scale; the others only below 1:3,000,000.
_MAJOR_PLACES = ("prefecture_seat", "county_seat", "gateway_city")
#: Isochrone layers: scenario and mode shown by default.
_DEFAULT_ISO = ("current", "multimodal")


def font_expression(families: Sequence[str] = FONT_FAMILIES) -> str:
    """A QGIS expression choosing the label font by platform (data-defined font family).

    QGIS keeps the style's own family when the chosen one is not installed.

    Examples
    --------
    >>> "PingFang SC" in font_expression()
    True
    """
    win, mac, linux = families[0], families[1], families[2]
    return (f"CASE WHEN @qgis_os_name = 'windows' THEN '{win}' "
            f"WHEN @qgis_os_name IN ('osx', 'macos') THEN '{mac}' ELSE '{linux}' END")


def qgis_value(value: object) -> str:
    """A value as QGIS writes it in a category (``1.0`` → ``"1"``).

    Examples
    --------
    >>> qgis_value(2.0), qgis_value("operating"), qgis_value(2.5)
    ('2', 'operating', '2.5')
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _has_latin(text: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in text)


def category_label(field: str, value: str, sym: Symbol | None = None) -> str:
    """Chinese + English legend label of ``value`` of ``field``.

    Examples
    --------
    >>> category_label("status", "operating")
    '运营 operating'
    >>> category_label("rank", "main", Symbol("#fff", label="主干通道"))
    '主干通道 main'
    >>> category_label("band_label", "0-10 km")
    '0–10 公里 km'
    """
    own = sym.label if sym is not None else ""
    if own and _has_latin(own):
        return own
    band = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*km", value)
    if band and not own:
        return f"{band[1]}–{band[2]} 公里 km"
    if field in ("hours", "minutes") and not own:
        return f"{value} 小时 h" if field == "hours" else f"{value} 分钟 min"
    coded = value_label(field, value)
    if own:
        en = coded.partition(" ")[2] if coded != value else value.replace("_", " ")
        return f"{own} {en}" if en and en != own else own
    return coded


# ---- symbols ----------------------------------------------------------------------------
def _rgba(hex_color: str, alpha: float = 1.0) -> str:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _opt(name: str, value) -> str:
    return f'<Option name="{name}" type="QString" value={quoteattr(str(value))}/>'


def _dash(sym: Symbol) -> str:
    return {"solid": "solid", "dash": "dash", "dot": "dot"}.get(sym.dash, "solid")


def _layer_xml(cls: str, opts: Sequence[str]) -> str:
    return (f'<layer class="{cls}" enabled="1" pass="0" locked="0">'
            f'<Option type="Map">{"".join(opts)}</Option></layer>')


def _line_layers(sym: Symbol) -> list[str]:
    out = []
    casing = getattr(sym, "casing", "")
    if casing:
        out.append(_layer_xml("SimpleLine", [
            _opt("line_color", _rgba(casing)), _opt("line_width", round(sym.width + _CASING_MM, 2)),
            _opt("line_width_unit", "MM"), _opt("line_style", "solid"),
            _opt("capstyle", "round"), _opt("joinstyle", "round")]))
    out.append(_layer_xml("SimpleLine", [
        _opt("line_color", _rgba(sym.color)), _opt("line_width", sym.width),
        _opt("line_width_unit", "MM"), _opt("line_style", _dash(sym)),
        _opt("capstyle", "round"), _opt("joinstyle", "round")]))
    return out


def _marker_layers(sym: Symbol, shape: str) -> list[str]:
    out = []
    casing = getattr(sym, "casing", "")
    if casing:
        out.append(_layer_xml("SimpleMarker", [
            _opt("name", shape), _opt("color", _rgba(casing)),
            _opt("size", round(sym.width + 2 * _CASING_MM, 2)), _opt("size_unit", "MM"),
            _opt("outline_style", "no")]))
    out.append(_layer_xml("SimpleMarker", [
        _opt("name", shape), _opt("color", _rgba(sym.color)), _opt("size", sym.width),
        _opt("size_unit", "MM"), _opt("outline_color", _rgba(sym.outline)),
        _opt("outline_style", _dash(sym)), _opt("outline_width", 0.25),
        _opt("outline_width_unit", "MM")]))
    return out


def _symbol_xml(geom: str, sym: Symbol, name: str, shape: str = "circle") -> str:
    if geom == "line":
        stype, layers = "line", _line_layers(sym)
    elif geom == "marker":
        stype, layers = "marker", _marker_layers(sym, shape)
    else:
        stype = "fill"
        layers = [_layer_xml("SimpleFill", [
            _opt("color", _rgba(sym.color, sym.fill_opacity)),
            _opt("style", "solid" if sym.fill_opacity > 0 else "no"),
            _opt("outline_color", _rgba(sym.outline)), _opt("outline_width", sym.width),
            _opt("outline_width_unit", "MM"), _opt("outline_style", _dash(sym))])]
    return (f'<symbol type="{stype}" name="{name}" alpha="1" clip_to_extent="1" '
            f'force_rhr="0">{"".join(layers)}</symbol>')


def _derived_symbol(st: LayerStyle, index: int, n: int) -> tuple[Symbol, str]:
    """A distinct symbol (and marker shape) for the ``index``-th of ``n`` unstyled values."""
    ramp = tuple(getattr(st, "ramp", ()) or ())
    base = st.default
    if ramp:
        color = ramp[min(len(ramp) - 1, round(index * (len(ramp) - 1) / max(1, n - 1)))]
    else:
        color = _PALETTE[index % len(_PALETTE)]
    outline = base.outline if st.geom == "fill" else "#222222"
    sym = Symbol(color, base.width, base.dash, base.fill_opacity, outline)
    shape = _SHAPES[(index // len(_PALETTE) + index) % len(_SHAPES)] if not ramp else "circle"
    return sym, shape


def _value_symbols(st: LayerStyle, values: Sequence[str]) -> list[tuple[str, Symbol, str]]:
    """``(value, symbol, marker shape)`` for each value present, defined ones first."""
    ordered = [v for v in st.categories if v in values]
    ordered += [v for v in values if v not in st.categories]
    unstyled = [v for v in ordered if v not in st.categories]
    out = []
    for v in ordered:
        if v in st.categories:
            out.append((v, st.categories[v], "circle"))
        else:
            sym, shape = _derived_symbol(st, unstyled.index(v), len(unstyled))
            out.append((v, sym, shape))
    return out


# ---- renderers --------------------------------------------------------------------------
def _natural_key(value: str) -> tuple:
    head = value.split("-")[0].split()[0] if value.strip() else value
    try:
        return (0, float(head), value)
    except ValueError:
        return (1, 0.0, value)


def _categorized(st: LayerStyle, values: Sequence[str]) -> str:
    cats, syms = [], []
    for i, (v, sym, shape) in enumerate(_value_symbols(st, values)):
        cats.append(f'<category symbol="{i}" value={quoteattr(v)} '
                    f'label={quoteattr(category_label(st.field, v, st.categories.get(v)))} '
                    'render="true"/>')
        syms.append(_symbol_xml(st.geom, sym, str(i), shape))
    return (f'<renderer-v2 type="categorizedSymbol" attr="{st.field}" symbollevels="0" '
            f'enableorderby="0" forceraster="0"><categories>{"".join(cats)}'
            f'</categories><symbols>{"".join(syms)}</symbols></renderer-v2>')


def _single(st: LayerStyle) -> str:
    return ('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><symbols>{_symbol_xml(st.geom, st.default, "0")}'
            '</symbols></renderer-v2>')


def _rule(key: str, label: str, *, filt: str = "", symbol: int | None = None,
          max_scale: float = 0, active: bool = True, children: str = "") -> str:
    attrs = f'key="{{{key}}}" label={quoteattr(label)}'
    if filt:
        attrs += f" filter={quoteattr(filt)}"
    if symbol is not None:
        attrs += f' symbol="{symbol}"'
    if max_scale:
        attrs += f' scalemaxdenom="{int(max_scale)}" scalemindenom="1"'
    if not active:
        attrs += ' checkstate="0"'
    return f"<rule {attrs}>{children}</rule>" if children else f"<rule {attrs}/>"


def _rule_based(rules: str, syms: Sequence[str]) -> str:
    return ('<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><rules key="{{root}}">{rules}</rules>'
            f'<symbols>{"".join(syms)}</symbols></renderer-v2>')


def _sql(field: str, value: str) -> str:
    return f"\"{field}\" = '{value.replace(chr(39), chr(39) * 2)}'"


def _places_renderer(st: LayerStyle, values: Sequence[str]) -> str:
    """Rule per kind present; minor kinds only when zoomed in beyond 1:3,000,000."""
    rules, syms = [], []
    for i, (v, sym, shape) in enumerate(_value_symbols(st, values)):
        rules.append(_rule(f"kind_{i}", category_label(st.field, v, st.categories.get(v)),
                           filt=_sql(st.field, v), symbol=i,
                           max_scale=0 if v in _MAJOR_PLACES else 3_000_000))
        syms.append(_symbol_xml(st.geom, sym, str(i), shape))
    return _rule_based("".join(rules), syms)


def _iso_renderer(st: LayerStyle, combos: Sequence[tuple[str, str]],
                  hours: Sequence[str]) -> str:
    """Isochrones: one group per scenario × mode present (only current/multimodal on),
    one rule per hour band inside it."""
    rules, syms = [], []
    on = tuple(_DEFAULT_ISO) if tuple(_DEFAULT_ISO) in combos else combos[0]
    values = _value_symbols(st, list(hours))
    for g, (scen, mode) in enumerate(combos):
        children = []
        for v, sym, shape in values:
            children.append(_rule(f"h{g}_{len(syms)}",
                                  category_label("hours", v, st.categories.get(v)),
                                  filt=f'"hours" = {v}', symbol=len(syms)))
            syms.append(_symbol_xml(st.geom, sym, str(len(syms)), shape))
        label = f"{value_label('scenario', scen)} · {value_label('mode', mode)}"
        rules.append(_rule(f"g{g}", label, filt=f"{_sql('scenario', scen)} AND "
                           f"{_sql('mode', mode)}", active=(scen, mode) == on,
                           children="".join(children)))
    return _rule_based("".join(rules), syms)


def _graduated(st: LayerStyle, numbers: Sequence[float], classes: int = 5) -> str:
    """Equal-count classes of a numeric field on a light-to-dark ramp of the layer colour."""
    vals = sorted(numbers)
    edges = sorted({vals[min(len(vals) - 1, round(i * (len(vals) - 1) / classes))]
                    for i in range(classes + 1)})
    ranges, syms = [], []
    n = max(1, len(edges) - 1)
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        t = 0.15 + 0.85 * i / max(1, n - 1)
        color = _mix("#ffffff", st.default.color, t)
        sym = Symbol(color, st.default.width, "solid", max(0.6, st.default.fill_opacity),
                     st.default.outline)
        label = f"{_fmt(lo)} – {_fmt(hi)}{_unit(st.field or '')}"
        ranges.append(f'<range symbol="{i}" lower="{lo:.6g}" upper="{hi:.6g}" '
                      f'label={quoteattr(label)} render="true"/>')
        syms.append(_symbol_xml(st.geom, sym, str(i)))
    return (f'<renderer-v2 type="graduatedSymbol" attr="{st.field}" graduatedMethod='
            f'"GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0"><ranges>'
            f'{"".join(ranges)}</ranges><symbols>{"".join(syms)}</symbols></renderer-v2>')


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2g}"


def _unit(field: str) -> str:
    units = {"_min": " 分钟 min", "_km2": " km²", "_km": " km", "_h": " 小时 h"}
    return next((u for suffix, u in units.items() if field.endswith(suffix)), "")


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


# ---- labels -----------------------------------------------------------------------------
def _dd_font() -> str:
    expr = quoteattr(font_expression())
    return ('<dd_properties><Option type="Map"><Option name="name" type="QString" value=""/>'
            '<Option name="properties" type="Map"><Option name="Family" type="Map">'
            '<Option name="active" type="bool" value="true"/>'
            f'<Option name="expression" type="QString" value={expr}/>'
            '<Option name="type" type="int" value="3"/></Option></Option>'
            '<Option name="type" type="QString" value="collection"/></Option></dd_properties>')


def _placement(geom: str, rule: LabelRule) -> str:
    if geom == "marker":
        return (f'<placement placement="6" priority="{rule.priority}" dist="0.6" '
                'distUnits="MM" offsetType="0" quadOffset="4" '
                'predefinedPositionOrder="TR,TL,BR,BL,R,L,TSR,BSR" placementFlags="10" '
                'centroidWhole="0" centroidInside="0" fitInPolygonOnly="0" '
                'repeatDistance="0" overrunDistance="0"/>')
    if geom == "line":
        return (f'<placement placement="3" priority="{rule.priority}" dist="0.4" '
                f'distUnits="MM" placementFlags="10" repeatDistance="{rule.repeat}" '
                'repeatDistanceUnits="MM" maxCurvedCharAngleIn="25" '
                'maxCurvedCharAngleOut="-25" overrunDistance="0" offsetType="0" '
                'quadOffset="4" centroidWhole="0" centroidInside="0"/>')
    return (f'<placement placement="1" priority="{rule.priority}" dist="0" distUnits="MM" '
            'offsetType="0" quadOffset="4" placementFlags="10" centroidWhole="0" '
            'centroidInside="1" fitInPolygonOnly="0" repeatDistance="0" '
            'overrunDistance="0"/>')


def _label_settings(field: str, geom: str, rule: LabelRule) -> str:
    """One ``<settings>`` element: text style, placement, rendering (QGIS 3.22 schema)."""
    weight = "75" if rule.bold else "50"
    scale = (f'scaleVisibility="1" scaleMin="1" scaleMax="{int(rule.max_scale)}"'
             if rule.max_scale else 'scaleVisibility="0" scaleMin="0" scaleMax="0"')
    return (
        '<settings calloutType="simple">'
        f'<text-style fieldName="{field}" isExpression="0" fontFamily="{FONT_FAMILIES[0]}" '
        f'namedStyle="{"Bold" if rule.bold else "Regular"}" fontWeight="{weight}" '
        f'fontItalic="0" fontSize="{rule.size}" fontSizeUnit="Point" '
        f'textColor="{_rgba(rule.color)}" textOpacity="1" blendMode="0" '
        'multilineHeight="1" allowHtml="0" capitalization="0" previewBkgrdColor="255,255,255,255">'
        '<text-buffer bufferDraw="1" bufferSize="0.7" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" '
        'bufferJoinStyle="128" bufferBlendMode="0"/>'
        '<background shapeDraw="0"/><shadow shadowDraw="0"/></text-style>'
        '<text-format wrapChar="" autoWrapLength="0" multilineAlign="3" '
        'addDirectionSymbol="0" formatNumbers="0" decimals="3" plussign="0" '
        'reverseDirectionSymbol="0" placeDirectionSymbol="0" leftDirectionSymbol="&lt;" '
        'rightDirectionSymbol="&gt;" useMaxLineLengthForAutoWrap="1"/>'
        f"{_placement(geom, rule)}"
        f'<rendering obstacle="{int(rule.obstacle)}" obstacleFactor="1" obstacleType="1" '
        f'{scale} zIndex="{rule.z}" displayAll="0" upsidedownLabels="0" labelPerPart="0" '
        f'mergeLines="{int(geom == "line")}" minFeatureSize="0" limitNumLabels="0" '
        'maxNumLabels="2000" fontLimitPixelSize="0" fontMinPixelSize="3" '
        'fontMaxPixelSize="10000" drawLabels="1" unplacedVisibility="0"/>'
        f"{_dd_font()}"
        '<callout type="simple"><Option type="Map">'
        '<Option name="enabled" type="QString" value="0"/></Option></callout>'
        "</settings>")


def _labeling(name: str, st: LayerStyle, values: Sequence[str], fields: Sequence[str]) -> str:
    rule = LABEL_RULES.get(name)
    if not st.label_field or rule is None:
        return ""
    if isinstance(rule, LabelRule):
        field = rule.field if rule.field and (not fields or rule.field in fields) \
            else st.label_field
        return f'<labeling type="simple">{_label_settings(field, st.geom, rule)}' \
               "</labeling>"
    rules = []
    for i, v in enumerate(values):
        r = rule.get(v, rule["*"])
        rules.append(f'<rule key="{{label_{i}}}" filter={quoteattr(_sql(st.field or "kind", v))} '
                     f'description={quoteattr(category_label(st.field or "kind", v))}>'
                     f"{_label_settings(st.label_field, st.geom, r)}</rule>")
    return f'<labeling type="rule-based"><rules key="{{labels}}">{"".join(rules)}</rules>' \
           "</labeling>"


# ---- fields -----------------------------------------------------------------------------
def _value_map(field: str, values: Sequence[str]) -> str:
    codes = VALUE_LABELS.get(field, {})
    items = "".join(f'<Option type="Map">{_opt(codes[v], v)}</Option>'
                    for v in values if v in codes)
    return ('<editWidget type="ValueMap"><config><Option type="Map">'
            f'<Option name="map" type="List">{items}</Option></Option></config></editWidget>')


def _fields_xml(fields: Sequence[str], coded: dict[str, list[str]]) -> str:
    """Chinese aliases for every known field, value maps for coded text fields."""
    config = "".join(f'<field name={quoteattr(f)} configurationFlags="None">'
                     f"{_value_map(f, coded[f])}</field>" for f in fields if f in coded)
    aliases = "".join(f'<alias field={quoteattr(f)} index="{i}" '
                      f'name={quoteattr(field_label(f))}/>'
                      for i, f in enumerate(fields))
    return f"<fieldConfiguration>{config}</fieldConfiguration><aliases>{aliases}</aliases>"


# ---- document ---------------------------------------------------------------------------
def _present(frame, field: str | None) -> list[str]:
    if frame is None or not field or field not in frame:
        return []
    return sorted({qgis_value(v) for v in frame[field].dropna()}, key=_natural_key)


def _numeric(frame, field: str | None) -> list[float] | None:
    """The values of a continuous numeric field (more than 8 distinct), else None."""
    if frame is None or not field or field not in frame:
        return None
    col = frame[field].dropna()
    if col.dtype.kind not in "fi" or col.nunique() <= 8:
        return None
    return [float(v) for v in col]


def _renderer(name: str, st: LayerStyle, frame, values: Sequence[str]) -> str:
    cols = set(frame.columns) if frame is not None else set()
    if {"scenario", "mode", "hours"} <= cols:
        combos = sorted({(str(s), str(m)) for s, m in zip(frame["scenario"], frame["mode"],
                                                           strict=True)},
                        key=lambda c: (c != _DEFAULT_ISO, c))
        return _iso_renderer(st, combos, _present(frame, "hours"))
    numbers = _numeric(frame, st.field)
    if numbers is not None:
        return _graduated(st, numbers)
    if st.field and name == "places":
        return _places_renderer(st, values)
    if st.field and values:
        return _categorized(st, values)
    return _single(st)


def _fit_geometry(st: LayerStyle, frame) -> LayerStyle:
    """The style with the symbol kind of the data (QGIS refuses a line style on points):
    a layer without a style of its own, or whose data changed kind, keeps its colours."""
    from dataclasses import replace

    gtypes = set() if frame is None or not hasattr(frame, "geom_type") else {
        str(t) for t in frame.geom_type.dropna().unique()}
    kinds = {"marker" if "Point" in t else "line" if "Line" in t else "fill" for t in gtypes}
    if len(kinds) != 1 or st.geom in kinds:
        return st
    geom = kinds.pop()
    default = replace(st.default, width=2.4 if geom == "marker" else 0.6,
                      color=st.default.outline if geom == "line" else st.default.color)
    return replace(st, geom=geom, default=default, categories={})


def _is_text(s) -> bool:
    from pandas.api.types import is_object_dtype, is_string_dtype

    return is_object_dtype(s) or is_string_dtype(s)


def _coded_fields(frame, fields: Sequence[str]) -> dict[str, list[str]]:
    if frame is None:
        return {}
    return {f: _present(frame, f) for f in fields
            if f in VALUE_LABELS and f in frame and _is_text(frame[f])}


def qml(layer: str, *, values: list[str] | None = None, frame=None) -> str:
    """A QGIS QML style document for ``layer``.

    Parameters
    ----------
    layer : str
        Layer name (a key of :data:`gisxz.maps.styles.LAYER_STYLES`; others get a neutral
        style).
    values : list of str, optional
        Values of the categorising field present in the data (taken from ``frame`` when
        given); without either, the style's own categories.
    frame : DataFrame, optional
        The layer's data: gives the values present, isochrone scenarios and modes, numeric
        ranges and the fields that get Chinese aliases.

    Examples
    --------
    >>> doc = qml("railways", values=["operating", "planned"])
    >>> "<renderer-v2" in doc and 'label="规划 planned"' in doc and "under_construction" not in doc
    True
    """
    st = _fit_geometry(style_for(layer), frame)
    if frame is not None:
        values = _present(frame, st.field)
    elif values is None:
        values = list(st.categories)
    values = [qgis_value(v) for v in values]
    geom_code = {"marker": 0, "line": 1, "fill": 2}[st.geom]
    fields = [] if frame is None else [
        str(c) for c in frame.columns if str(c) not in ("geometry", "geom")
        and not (hasattr(frame, "geometry") and c == frame.geometry.name)]
    renderer = _renderer(layer, st, frame, values)
    labeling = _labeling(layer, st, values, fields)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.22.16-Białowieża" '
            'styleCategories="Symbology|Labeling|Fields|Forms|Rendering" '
            'hasScaleBasedVisibilityFlag="0" minScale="100000000" maxScale="0">'
            f"{renderer}{labeling}{_fields_xml(fields, _coded_fields(frame, fields))}"
            f"<layerGeometryType>{geom_code}</layerGeometryType></qgis>")
