"""Cartographic styles shared by the GeoPackage (QGIS QML), web maps and static figures.

One table, :data:`LAYER_STYLES`, says how each layer is drawn: geometry kind, an optional
categorising field with a symbol per value, and a label field. The QGIS styles stored in
the GeoPackage (written by :mod:`gisxz.maps.qml`), the web maps and the printed figures all
read it, so a layer looks the same everywhere.

Status (运营, 提质改造, 在建, 前期工作, 规划) is drawn by one rule for every layer that has
one — highways, railways, airports, ports (:data:`STATUS_LOOK`): the layer keeps its hue,
the status sets the line style (solid, dashed, dotted), the tint and a gold casing for
upgrading; markers use the same dash for their outline. Belts are sequential ramps
(nearest band darkest) and every marker has a dark outline, so symbols stay visible on
every zone fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from gisxz.core.vocab import STATUS_LABELS

__all__ = ["Symbol", "LayerStyle", "LAYER_STYLES", "STATUS_LABELS", "STATUS_LOOK",
           "BASE_LAYERS", "UPGRADING_CASING", "status_symbols", "style_for"]


@dataclass(frozen=True)
class Symbol:
    """Colour (hex), width/size in mm, dash (``solid``/``dash``/``dot``) and fill opacity.

    ``outline`` is the edge colour of fills and markers (a marker's edge takes ``dash``);
    ``casing`` (optional) is the colour of a wider line drawn under a line, or of a ring
    around a marker (used for upgrading).
    """

    color: str
    width: float = 0.6
    dash: str = "solid"
    fill_opacity: float = 0.35
    outline: str = "#333333"
    label: str = ""
    casing: str = ""


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn.

    ``ramp`` (optional) colours numbered bands of ``field`` (``"0-10 km"``, ...), first
    colour for the nearest band.
    """

    title_zh: str
    title_en: str
    geom: str  # "line", "fill" or "marker"
    default: Symbol
    field: str | None = None
    categories: dict[str, Symbol] = dc_field(default_factory=dict)
    label_field: str | None = "name_zh"
    z: int = 0  # drawing order: higher on top
    ramp: tuple[str, ...] = ()


#: Layers that form the base map: drawn for orientation, left out of legends.
BASE_LAYERS = ("neighbour_countries", "neighbour_provinces", "admin_province", "admin_county",
               "rivers", "lakes")

#: Colour of the casing (lines) or ring (markers) of features being upgraded.
UPGRADING_CASING = "#f2c300"

#: Status → (dash, tint towards white, casing): one rule for lines and markers.
STATUS_LOOK: dict[str, tuple[str, float, str]] = {
    "operating": ("solid", 0.0, ""),
    "upgrading": ("solid", 0.0, UPGRADING_CASING),
    "under_construction": ("dash", 0.0, ""),
    "preparatory": ("dash", 0.5, ""),
    "planned": ("dot", 0.0, ""),
    "designated": ("solid", 0.0, ""),
}


def _tint(color: str, t: float) -> str:
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (255 - x) * t):02x}" for x in a)


def status_symbols(color: str, width: float, *, geom: str = "line",
                   statuses: tuple[str, ...] = ("operating", "upgrading", "under_construction",
                                                "preparatory", "planned")
                   ) -> dict[str, Symbol]:
    """Symbols of each status for a layer of hue ``color`` (see :data:`STATUS_LOOK`).

    Markers: operating filled, upgrading filled with a gold ring, under construction half
    tinted with a dashed edge, preparatory light with a dashed edge, planned white with a
    dotted edge; the edge always in the layer's colour.

    Examples
    --------
    >>> s = status_symbols("#252525", 1.0)
    >>> s["operating"].dash, s["under_construction"].dash, s["planned"].dash
    ('solid', 'dash', 'dot')
    >>> s["upgrading"].casing != ""
    True
    """
    out = {}
    for st in statuses:
        dash, tint, casing = STATUS_LOOK[st]
        label = STATUS_LABELS[st]
        if geom == "marker":
            fill = {"operating": 0.0, "upgrading": 0.0, "under_construction": 0.5,
                    "preparatory": 0.72, "planned": 1.0}.get(st, 0.0)
            edge = "#222222" if fill == 0.0 else color
            out[st] = Symbol(_tint(color, fill), width, dash, outline=edge, label=label,
                             casing=casing)
        else:
            out[st] = Symbol(_tint(color, tint), width * (0.85 if dash == "dot" else 1.0),
                             dash, label=label, casing=casing)
    return out


_ZONES = {
    "central_south": Symbol("#fdae61", 0.4, fill_opacity=0.35, outline="#d08030",
                            label="藏中南重点开发区"),
    "east": Symbol("#66bd63", 0.4, fill_opacity=0.35, outline="#3a8a3a",
                   label="藏东清洁能源开发区"),
    "northwest": Symbol("#abd9e9", 0.4, fill_opacity=0.35, outline="#5a9ab8",
                        label="藏西北生态涵养区"),
}

_CIRCLE = {
    "1": Symbol("#a63603", 0.35, fill_opacity=0.0, outline="#7f2704", label="1 小时 1 h"),
    "2": Symbol("#e6550d", 0.35, "dash", fill_opacity=0.0, outline="#d94801",
                label="2 小时 2 h"),
    "3": Symbol("#fd8d3c", 0.35, "dot", fill_opacity=0.0, outline="#e6550d",
                label="3 小时 3 h"),
}

LAYER_STYLES: dict[str, LayerStyle] = {
    "admin_province": LayerStyle("西藏自治区", "Xizang", "fill",
                                 Symbol("#f7f4ea", 0.8, fill_opacity=0.0, outline="#444444"),
                                 label_field=None),
    "admin_prefecture": LayerStyle("地级行政区界", "Prefecture boundaries", "fill",
                                   Symbol("#f2efe6", 0.5, fill_opacity=0.0, outline="#777777"),
                                   z=1),
    "admin_county": LayerStyle("县级行政区", "Counties", "fill",
                               Symbol("#ffffff", 0.2, fill_opacity=0.0, outline="#bbbbbb"),
                               label_field=None),
    "neighbour_provinces": LayerStyle("周边省区", "Neighbouring provinces", "fill",
                                      Symbol("#eeeeee", 0.3, fill_opacity=0.6,
                                             outline="#aaaaaa")),
    "neighbour_countries": LayerStyle("周边国家", "Neighbouring countries", "fill",
                                      Symbol("#e4e4e4", 0.3, fill_opacity=0.6,
                                             outline="#aaaaaa")),
    "border_line": LayerStyle("国界线", "International boundary", "line",
                              Symbol("#7b2d8e", 1.2, "dash"), label_field=None, z=5),
    "rivers": LayerStyle("河流", "Rivers (1:4M)", "line", Symbol("#8cc3e8", 0.3)),
    "lakes": LayerStyle("湖泊", "Lakes (1:4M)", "fill",
                        Symbol("#aed8f2", 0.2, fill_opacity=0.9, outline="#6fa8d0")),
    "water_network": LayerStyle("四江一河骨干水网", "Backbone water network", "line",
                                Symbol("#1f78b4", 1.2), field="role", categories={
                                    "四江": Symbol("#1f78b4", 1.3, label="四江 four rivers"),
                                    "一河": Symbol("#33a0d6", 1.1, label="一河 one river")},
                                z=2),
    "transport_channels": LayerStyle("三横三纵通道", "Three horizontals, three verticals",
                                     "line", Symbol("#e31a1c", 2.2), field="rank", categories={
                                         "main": Symbol("#d7301f", 3.0,
                                                        label="主干通道（十字型） main"),
                                         "secondary": Symbol("#fc8d59", 2.0,
                                                             label="次干通道（井字型） secondary")},
                                     z=3),
    "highways": LayerStyle("国道与高速公路", "National highways and expressways", "line",
                           Symbol("#b15928", 0.9), field="status",
                           categories=status_symbols("#b15928", 0.9), z=4),
    "railways": LayerStyle("铁路", "Railways", "line", Symbol("#252525", 1.1), field="status",
                           categories=status_symbols("#252525", 1.1), z=4),
    "zones": LayerStyle("三区", "Three zones", "fill", Symbol("#cccccc"), field="zone_code",
                        categories=dict(_ZONES)),
    "places": LayerStyle("地名", "Places", "marker", Symbol("#444444", 1.2), field="kind",
                         categories={
                             "prefecture_seat": Symbol("#b2182b", 3.2, outline="#222222",
                                                       label="地（市）驻地"),
                             "county_seat": Symbol("#2166ac", 1.6, outline="#ffffff",
                                                   label="县（区）驻地"),
                         }, z=6),
    "ports": LayerStyle("口岸", "Ports", "marker", Symbol("#6a3d9a", 3.0), field="status",
                        categories=status_symbols("#6a3d9a", 3.0, geom="marker"), z=7),
    "airports": LayerStyle("机场", "Airports", "marker", Symbol("#1b7837", 2.8),
                           field="status",
                           categories=status_symbols("#1b7837", 2.8, geom="marker"), z=7),
    "hubs": LayerStyle("交通与物流枢纽", "Transport and logistics hubs", "marker",
                       Symbol("#ff7f00", 3.0), field="kind", categories={
                           "transport_hub": Symbol("#e66101", 3.4, label="综合交通枢纽"),
                           "logistics_hub": Symbol("#fdb863", 3.0, label="国家物流枢纽"),
                           "logistics_park": Symbol("#fee0b6", 2.4, label="区域物流园"),
                           "logistics_centre": Symbol("#b2abd2", 2.0, label="矿区物流中心")},
                       z=7),
    "energy_water_projects": LayerStyle("水电与水利工程", "Hydropower and water projects",
                                        "marker", Symbol("#0571b0", 2.4), field="kind",
                                        categories={
                                            "hydropower": Symbol("#0571b0", 2.6,
                                                                 label="水电站 hydropower"),
                                            "pumped_storage": Symbol("#92c5de", 2.6,
                                                                     label="抽水蓄能 pumped storage"),
                                            "water_project": Symbol("#4dac26", 2.4,
                                                                    label="水利工程 water project")},
                                        z=7),
    "border_towns": LayerStyle("边境重点城镇", "Border key towns", "marker",
                               Symbol("#c51b7d", 3.0), z=7),
    "plan_framework": LayerStyle("一核一圈与开放格局", "Core, circle and opening pattern",
                                 "marker", Symbol("#d7191c", 4.0), field="kind", categories={
                                     "core": Symbol("#d7191c", 5.0, outline="#222222",
                                                    label="一核 core"),
                                     "circle_centre": Symbol("#fdae61", 4.0, outline="#222222",
                                                             label="一圈中心 circle centre"),
                                     "opening_centre": Symbol("#2b83ba", 3.5,
                                                              outline="#222222",
                                                              label="开放中心 opening centre"),
                                     "opening_wing": Symbol("#762a83", 3.5, outline="#ffffff",
                                                            label="开放两翼 opening wing",
                                                            casing="#222222")},
                                 z=8),
    # ---- derived layers (analysis, network) drawn by gisxz.maps ----
    "three_hour_circle": LayerStyle("拉萨三小时经济圈（等时圈）", "Lhasa three-hour circle (isochrones)",
                                    "fill", Symbol("#fd8d3c", 0.35, fill_opacity=0.0,
                                                   outline="#d94801"), field="hours",
                                    categories=dict(_CIRCLE), label_field=None, z=2),
    "three_hour_counties": LayerStyle("圈内县（按县城通行时间）",
                                      "Counties inside, by seat travel time", "fill",
                                      Symbol("#fdd0a2", 0.2, fill_opacity=0.6,
                                             outline="#ffffff"), field="hours_class",
                                      categories={
                                          "1": Symbol("#e6550d", 0.2, fill_opacity=0.65,
                                                      outline="#ffffff", label="≤ 1 小时 h"),
                                          "2": Symbol("#fd8d3c", 0.2, fill_opacity=0.6,
                                                      outline="#ffffff", label="1–2 小时 h"),
                                          "3": Symbol("#fdd0a2", 0.2, fill_opacity=0.6,
                                                      outline="#ffffff", label="2–3 小时 h")},
                                      z=0),
    "isochrones": LayerStyle("等时圈", "Isochrones", "fill",
                             Symbol("#fd8d3c", 0.3, fill_opacity=0.3, outline="#d94801"),
                             field="hours", label_field=None, z=1),
    "border_belt": LayerStyle("边境带", "Border belt", "fill",
                              Symbol("#54278f", 0.3, fill_opacity=0.45, outline="#54278f"),
                              field="band_label", label_field=None, z=1,
                              ramp=("#54278f", "#9e9ac8", "#dadaeb")),
    "border_counties": LayerStyle("边境县", "Border counties", "fill",
                                  Symbol("#fde0ef", 0.4, fill_opacity=0.5, outline="#c51b7d"),
                                  z=0),
    "railway_belt": LayerStyle("铁路经济带", "Railway economic belt", "fill",
                               Symbol("#636363", 0.3, fill_opacity=0.3, outline="#525252"),
                               field="band_label", label_field=None, z=1,
                               ramp=("#636363", "#969696", "#cccccc")),
    "channel_zones": LayerStyle("通道影响区", "Channel influence zones", "fill",
                                Symbol("#fc9272", 0.3, fill_opacity=0.2, outline="#de2d26"),
                                field="rank", categories={
                                    "main": Symbol("#ef3b2c", 0.3, fill_opacity=0.2,
                                                   outline="#cb181d",
                                                   label="主干通道影响区 main channels"),
                                    "secondary": Symbol("#fdae6b", 0.3, fill_opacity=0.2,
                                                        outline="#e6550d",
                                                        label="次干通道影响区 secondary")},
                                z=1),
    "border_belt_counties": LayerStyle("边境带内县域", "Counties in the border belt", "fill",
                                       Symbol("#8e4a9e", 0.2, fill_opacity=0.25,
                                              outline="#6a3d7a"), field="band_label", z=0,
                                       ramp=("#54278f", "#9e9ac8", "#dadaeb")),
    "railway_belt_counties": LayerStyle("铁路经济带内县域", "Counties in the railway belt",
                                        "fill", Symbol("#969696", 0.2, fill_opacity=0.25,
                                                       outline="#525252"), z=0),
    "zone_summary": LayerStyle("三区统计", "Three zones (summary)", "fill",
                               Symbol("#cccccc", 0.4, fill_opacity=0.3), field="zone_code",
                               categories=dict(_ZONES)),
    "county_membership": LayerStyle("县域规划结构归属", "County membership of plan structures",
                                    "fill", Symbol("#ffffff", 0.2, fill_opacity=0.0,
                                                   outline="#999999"), z=0),
    "county_accessibility": LayerStyle("县域可达性", "County accessibility", "fill",
                                       Symbol("#fd8d3c", 0.2, fill_opacity=0.7,
                                              outline="#ffffff"),
                                       field="nearest_facility_min", z=0),
}


def style_for(layer: str) -> LayerStyle:
    """The style of ``layer``, or a neutral default for layers without one.

    Examples
    --------
    >>> style_for("railways").geom
    'line'
    """
    return LAYER_STYLES.get(layer, LayerStyle(layer, layer, "fill",
                                              Symbol("#999999", 0.4, fill_opacity=0.3)))
