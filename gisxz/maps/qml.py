"""QGIS styles (QML) for the layers of :data:`gisxz.maps.styles.LAYER_STYLES`.

:func:`qml` turns a layer's style into a QGIS style document, stored by
:mod:`gisxz.io.geopackage` in the GeoPackage's ``layer_styles`` table so layers open styled.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from gisxz.core.vocab import STATUS_LABELS
from gisxz.maps.styles import Symbol, style_for

__all__ = ["qml"]


def _rgba(hex_color: str, alpha: float = 1.0) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _opt(name: str, value) -> str:
    return f'<Option name="{name}" type="QString" value={quoteattr(str(value))}/>'


def _symbol_xml(geom: str, sym: Symbol, name: str) -> str:
    dash = {"solid": "solid", "dash": "dash", "dot": "dot"}[sym.dash]
    if geom == "line":
        cls, stype = "SimpleLine", "line"
        opts = [_opt("line_color", _rgba(sym.color)), _opt("line_width", sym.width),
                _opt("line_width_unit", "MM"), _opt("line_style", dash),
                _opt("capstyle", "round"), _opt("joinstyle", "round")]
    elif geom == "marker":
        cls, stype = "SimpleMarker", "marker"
        opts = [_opt("name", "circle"), _opt("color", _rgba(sym.color)),
                _opt("size", sym.width), _opt("size_unit", "MM"),
                _opt("outline_color", _rgba(sym.outline)), _opt("outline_width", 0.2),
                _opt("outline_width_unit", "MM")]
    else:
        cls, stype = "SimpleFill", "fill"
        opts = [_opt("color", _rgba(sym.color, sym.fill_opacity)),
                _opt("style", "solid" if sym.fill_opacity > 0 else "no"),
                _opt("outline_color", _rgba(sym.outline)), _opt("outline_width", sym.width),
                _opt("outline_width_unit", "MM"), _opt("outline_style", dash)]
    body = "".join(opts)
    return (f'<symbol type="{stype}" name="{name}" alpha="1" clip_to_extent="1" '
            f'force_rhr="0"><layer class="{cls}" enabled="1" pass="0" locked="0">'
            f'<Option type="Map">{body}</Option></layer></symbol>')


def qml(layer: str, *, values: list[str] | None = None) -> str:
    """A QGIS QML style document for ``layer``.

    Parameters
    ----------
    layer : str
        Layer name (a key of :data:`LAYER_STYLES`; others get a neutral style).
    values : list of str, optional
        Values of the categorising field present in the data; categories without a
        symbol of their own get the default symbol.

    Examples
    --------
    >>> "<renderer-v2" in qml("railways", values=["operating"])
    True
    """
    st = style_for(layer)
    geom_code = {"marker": 0, "line": 1, "fill": 2}[st.geom]
    if st.field:
        vals = list(dict.fromkeys([*(values or []), *st.categories]))
        cats, syms = [], []
        for i, v in enumerate(vals):
            sym = st.categories.get(v, st.default)
            label = sym.label or STATUS_LABELS.get(v, v)
            cats.append(f'<category symbol="{i}" value={quoteattr(str(v))} '
                        f'label={quoteattr(label)} render="true"/>')
            syms.append(_symbol_xml(st.geom, sym, str(i)))
        renderer = (f'<renderer-v2 type="categorizedSymbol" attr="{st.field}" symbollevels="0" '
                    f'enableorderby="0" forceraster="0"><categories>{"".join(cats)}'
                    f'</categories><symbols>{"".join(syms)}</symbols></renderer-v2>')
    else:
        renderer = ('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                    f'forceraster="0"><symbols>{_symbol_xml(st.geom, st.default, "0")}'
                    '</symbols></renderer-v2>')
    labeling = ""
    if st.label_field:
        labeling = (
            '<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName="{st.label_field}" fontFamily="Noto Sans SC" '
            'fontSize="8" fontSizeUnit="Point" textColor="30,30,30,255" isExpression="0">'
            '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
            'bufferColor="255,255,255,255"/></text-style>'
            '<placement placement="' + ("2" if st.geom == "line" else "0") + '" dist="1" '
            'distUnits="MM"/><rendering obstacle="1" scaleVisibility="0"/></settings>'
            '</labeling>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.34.0" styleCategories="Symbology|Labeling">'
            f"{renderer}{labeling}<layerGeometryType>{geom_code}</layerGeometryType></qgis>")
