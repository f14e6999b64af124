"""Page furniture of the web maps: CSS and the scripts for legend, layer control, note,
label decluttering and the scenario in the title.

On a screen narrower than :data:`NARROW_PX` (a 1366×768 laptop) the legend, the layer
control and the source note start collapsed to small buttons, so the map stays visible;
each opens and closes with a click. Labels are decluttered after every zoom, pan and
layer change: higher-priority labels win, and no label stays under a control, the title
or another label. The title names the scenario of the layers shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

__all__ = ["CSS", "NARROW_PX", "js_string", "legend_script", "note_script",
           "layer_control_script", "declutter_script", "scenario_script", "wide_fit_script"]

#: Below this window width (px) legend, layer control and note start collapsed.
NARROW_PX = 1400

CSS = """
<style>
.leaflet-container, .gx-title { font-family: "Noto Sans SC", "Noto Sans CJK SC",
  "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", sans-serif; }
.leaflet-container { background: #f3f1ea; }
.gx-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; background: rgba(255,255,255,0.92); padding: 5px 14px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); text-align: center; pointer-events: none;
  max-width: 56vw; }
.gx-title .zh { font-size: 18px; font-weight: bold; color: #222; }
.gx-title .en { font-size: 12px; color: #555; }
.gx-title .gx-scn { color: #b2182b; }
.leaflet-control-layers-expanded { font-size: 12px; line-height: 1.25; padding: 4px 8px 4px 4px;
  max-height: 46vh; overflow-y: auto; max-width: 290px; }
.leaflet-control-layers-expanded label { margin: 1px 0; }
.gx-ctl-bar { display: flex; justify-content: space-between; align-items: center;
  font-weight: bold; border-bottom: 1px solid #ddd; margin-bottom: 3px; padding-bottom: 2px; }
.gx-close, .gx-tog { cursor: pointer; text-decoration: none; color: #333; font-weight: bold;
  padding: 0 4px; }
.gx-legend { background: rgba(255,255,255,0.95); padding: 4px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 11px; line-height: 1.25;
  max-width: 290px; }
.gx-legend .gx-body { max-height: 40vh; overflow-y: auto; min-width: 160px; }
.gx-head { font-weight: bold; font-size: 13px; cursor: pointer; display: flex;
  justify-content: space-between; gap: 10px; user-select: none; }
.gx-collapsed .gx-body { display: none; }
.gx-block { margin: 2px 0 4px 0; padding: 2px 4px; border: 1px solid #ccc;
  border-radius: 3px; }
.gx-ltitle { font-weight: bold; color: #fff; background: #3d4a57; margin: -2px -4px 2px -4px;
  padding: 1px 4px; }
.gx-block.gx-single { border: none; padding: 0 4px; }
.gx-block.gx-single .gx-ltitle { color: #333; background: none; margin: 0; padding: 0;
  font-weight: normal; }
.gx-row { display: flex; align-items: center; gap: 4px; }
.gx-note { background: rgba(255,255,255,0.9); padding: 2px 6px; font-size: 10px;
  color: #444; max-width: 40vw; border-radius: 3px; }
.gx-note .gx-head { font-size: 11px; }
.gx-label { display: inline-block; white-space: nowrap; font-size: 12px; color: #222;
  font-weight: bold; text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff,
  1px 1px 0 #fff, 0 0 3px #fff; pointer-events: none; }
.gx-label.gx-big { font-size: 14px; }
.gx-label.gx-line { color: #8a1c10; }
.gx-label.gx-water { color: #1f5f9f; font-style: italic; }
.gx-sub { color: #555; font-size: 11px; }
.gx-pop-title { font-weight: bold; font-size: 14px; }
.gx-pop-layer { color: #666; font-size: 11px; margin-bottom: 4px; }
table.gx-pop th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal;
  vertical-align: top; white-space: nowrap; }
table.gx-pop td { padding: 1px 0; max-width: 320px; }
</style>
"""


def js_string(text: str) -> str:
    """A JavaScript string literal safe inside ``<script>`` (no ``</``), UTF-8 kept.

    Examples
    --------
    >>> js_string("</script>拉萨")
    '"<\\\\/script>拉萨"'
    """
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/").replace(
        "\u2028", "\\u2028").replace("\u2029", "\\u2029")


_TOGGLE = """
function gxToggle(div, head, startCollapsed) {
  var tog = head.querySelector('.gx-tog');
  function set(c) {
    if (c) { L.DomUtil.addClass(div, 'gx-collapsed'); } else {
      L.DomUtil.removeClass(div, 'gx-collapsed'); }
    if (tog) { tog.textContent = c ? '+' : '\u2212'; }
    if (window.gxDeclutter) { setTimeout(window.gxDeclutter, 0); }
  }
  L.DomEvent.on(head, 'click', function(e) { L.DomEvent.preventDefault(e);
    set(!L.DomUtil.hasClass(div, 'gx-collapsed')); });
  set(startCollapsed);
}
"""


def legend_script(map_var: str, blocks_html: str, layer_vars: Sequence[str]) -> str:
    """The legend control: one block per layer, shown with its layer; collapsible."""
    head = ("<div class='gx-head'><span>图例 Legend</span><a class='gx-tog' "
            "title='展开/收起 Show/hide'>\u2212</a></div>")
    return f"""
(function() {{
  var map = {map_var};
  {_TOGGLE}
  var legend = L.control({{position: 'bottomright'}});
  legend.onAdd = function() {{
    var div = L.DomUtil.create('div', 'gx-legend');
    div.innerHTML = {js_string(head)} + "<div class='gx-body'>" + {js_string(blocks_html)}
      + "</div>";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    gxToggle(div, div.querySelector('.gx-head'), window.innerWidth < {NARROW_PX});
    return div;
  }};
  legend.addTo(map);
  var layers = {{{", ".join(f"{json.dumps(v)}: {v}" for v in layer_vars)}}};
  function sync() {{
    var div = legend.getContainer();
    Object.keys(layers).forEach(function(k) {{
      var el = div.querySelector('[data-layer="' + k + '"]');
      if (el) {{ el.style.display = map.hasLayer(layers[k]) ? '' : 'none'; }}
    }});
  }}
  map.on('overlayadd overlayremove layeradd layerremove', sync);
  sync();
}})();
"""


def note_script(map_var: str, note_html: str) -> str:
    """The source note: a small button that opens the note (open on wide screens)."""
    head = ("<div class='gx-head'><span>\u24d8 数据来源 Sources</span><a class='gx-tog'>"
            "\u2212</a></div>")
    return f"""
(function() {{
  {_TOGGLE}
  var note = L.control({{position: 'bottomleft'}});
  note.onAdd = function() {{
    var div = L.DomUtil.create('div', 'gx-note');
    div.innerHTML = {js_string(head)} + "<div class='gx-body'>" + {js_string(note_html)}
      + "</div>";
    L.DomEvent.disableClickPropagation(div);
    gxToggle(div, div.querySelector('.gx-head'), window.innerWidth < {NARROW_PX});
    return div;
  }};
  note.addTo({map_var});
}})();
"""


def layer_control_script(control_var: str) -> str:
    """A close button in the layer control; collapsed at start on narrow screens."""
    bar = ("<span>图层 Layers</span><a class='gx-close' title='收起 Collapse'>\u00d7</a>")
    return f"""
(function() {{
  var lc = {control_var};
  var c = lc.getContainer();
  var list = c.querySelector('.leaflet-control-layers-list');
  var bar = L.DomUtil.create('div', 'gx-ctl-bar');
  bar.innerHTML = {js_string(bar)};
  list.insertBefore(bar, list.firstChild);
  function after() {{ if (window.gxDeclutter) {{ setTimeout(window.gxDeclutter, 0); }} }}
  L.DomEvent.on(bar.querySelector('.gx-close'), 'click', function(e) {{
    L.DomEvent.stop(e); lc.collapse(); after(); }});
  var link = c.querySelector('.leaflet-control-layers-toggle');
  link.title = '图层 Layers';
  L.DomEvent.on(link, 'click', function(e) {{ L.DomEvent.stop(e); lc.expand(); after(); }});
  if (window.innerWidth < {NARROW_PX}) {{ lc.collapse(); }}
}})();
"""


def declutter_script(map_var: str) -> str:
    """Hide labels that overlap a higher-priority label, a control or the title."""
    return f"""
(function() {{
  var map = {map_var};
  function hit(a, b) {{
    return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);
  }}
  function declutter() {{
    var root = map.getContainer();
    var labels = Array.prototype.slice.call(root.querySelectorAll('.gx-label'));
    labels.forEach(function(l) {{ l.style.visibility = ''; }});
    var fixed = Array.prototype.slice.call(
      document.querySelectorAll('.leaflet-control, .gx-title')).map(function(e) {{
        return e.getBoundingClientRect(); }}).filter(function(r) {{ return r.width > 0; }});
    labels.sort(function(a, b) {{ return (+b.dataset.p || 0) - (+a.dataset.p || 0); }});
    var kept = [];
    labels.forEach(function(l) {{
      var r = l.getBoundingClientRect();
      if (r.width === 0) {{ return; }}
      var bad = fixed.some(function(f) {{ return hit(r, f); }}) ||
                kept.some(function(k) {{ return hit(r, k); }});
      if (bad) {{ l.style.visibility = 'hidden'; }} else {{ kept.push(r); }}
    }});
  }}
  window.gxDeclutter = declutter;
  map.on('zoomend moveend overlayadd overlayremove resize', function() {{
    setTimeout(declutter, 0); }});
  map.whenReady(function() {{ setTimeout(declutter, 60); }});
  window.addEventListener('load', function() {{ setTimeout(declutter, 60); }});
}})();
"""


def scenario_script(map_var: str, scenario_by_var: Mapping[str, str], fixed: str = "") -> str:
    """Keep the title's scenario (``<span class='gx-scn'>``) in step with the layers shown."""
    pairs = ", ".join(f"[{v}, {js_string(label)}]" for v, label in scenario_by_var.items())
    return f"""
(function() {{
  var map = {map_var};
  var tagged = [{pairs}];
  function update() {{
    var el = document.querySelector('.gx-title .gx-scn');
    if (!el) {{ return; }}
    var shown = [];
    tagged.forEach(function(t) {{
      if (map.hasLayer(t[0]) && shown.indexOf(t[1]) < 0) {{ shown.push(t[1]); }} }});
    var text = shown.length ? shown.join(' | ') : {js_string(fixed)};
    el.textContent = text ? '（' + text + '）' : '';
  }}
  map.on('overlayadd overlayremove', update);
  update();
}})();
"""


def wide_fit_script(map_var: str, bounds: Sequence[Sequence[float]]) -> str:
    """On wide screens (open legend and layer control) fit the extent left of them."""
    return f"""
(function() {{
  if (window.innerWidth >= {NARROW_PX}) {{
    {map_var}.fitBounds({json.dumps(bounds)}, {{paddingTopLeft: [10, 60],
                                              paddingBottomRight: [300, 10]}});
  }}
}})();
"""
