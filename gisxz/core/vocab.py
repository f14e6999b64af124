"""The one vocabulary of gisxz: statuses, accuracy classes, periods, kinds, modes and labels.

Every allowed value and every bilingual label is defined here once and imported by the plan
readers, the network, the analyses, the tables, the styles and the command line.

Examples
--------
>>> from gisxz.core import vocab
>>> "under_construction" in vocab.STATUSES
True
>>> vocab.STATUS_LABELS["operating"]
'运营 operating'
"""

from __future__ import annotations

#: Status of a plan feature, road, railway or facility (true at the end of 2026).
STATUSES = ("operating", "upgrading", "under_construction", "preparatory", "planned",
            "designated")

#: Bilingual labels of :data:`STATUSES`.
STATUS_LABELS = {
    "operating": "运营 operating",
    "upgrading": "提质改造 upgrading",
    "under_construction": "在建 under construction",
    "preparatory": "前期工作 preparatory",
    "planned": "规划 planned",
    "designated": "规划结构 plan structure",
}

#: Positional accuracy of a feature.
ACCURACY = ("surveyed", "derived", "schematic")

#: Plan periods (the plan that delivers a project), and the kinds of seed documents.
PERIODS = ("11th FYP", "12th FYP", "13th FYP", "14th FYP", "15th FYP", "paper", "journal",
           "article", "")

#: Seed files and the plan period each stands for.
SEED_PERIODS = {"000": "paper", "001": "14th FYP", "002": "journal", "003": "article",
                "004": "15th FYP"}

#: Kinds of places in the gazetteer (``places.kind``).
PLACE_KINDS = (
    "prefecture_seat", "county_seat", "town", "township", "pass", "junction",
    "border_crossing", "boundary_point", "land_port", "airport", "station", "logistics_hub",
    "gateway_city", "hydropower", "water_project", "park", "tunnel", "other",
)

#: Chinese names of place and facility kinds.
KIND_ZH = {
    "county_seat": "县城", "prefecture_seat": "地市驻地", "land_port": "陆路口岸",
    "airport": "机场", "station": "火车站", "port": "口岸", "hub": "枢纽",
    "border_town": "边境城镇", "town": "城镇", "point": "点",
}

#: Network modes: ``road`` (roads only) and ``multimodal`` (roads, rail and their links).
MODES = ("road", "multimodal")

#: Operations of :func:`gisxz.spatial.overlay.overlay_layers`.
OVERLAY_HOWS = ("intersection", "union", "difference", "symmetric_difference", "identity",
                "clip")

#: Kinds of places counted by :func:`gisxz.spatial.overlay.summarize_by_unit` by default.
DEFAULT_POINT_KINDS = ("county_seat", "prefecture_seat", "land_port", "airport", "station")

#: Basemaps of the web maps.
BASEMAPS = ("none", "osm", "tianditu", "tianditu_vec", "tianditu_img")

#: Chinese labels of the fields gisxz writes in tables.
FIELD_ZH: dict[str, str] = {
    "adcode": "行政区划代码", "name_zh": "名称", "name_en": "英文名", "id": "编号",
    "prefecture_zh": "所属地市", "prefecture_en": "所属地市(英文)",
    "unit_area_km2": "单元面积(km²)", "area_km2": "面积(km²)", "length_km": "长度(km)",
    "share_of_unit": "占单元比例", "share_of_layer": "占图层比例",
    "population_2020": "常住人口2020", "population_quality": "人口数据质量",
    "population_source": "人口数据来源", "population_in": "范围内人口",
    "population_method": "人口分配方法",
    "population_share": "人口占比", "seat_inside": "县城在内",
    "population_seat_inside": "县城在内的县人口",
    "band": "圈层", "band_from_km": "起始距离(km)", "band_to_km": "终止距离(km)",
    "band_label": "距离带",
    "border_county": "边境县", "core": "一核", "three_hour_circle": "三小时经济圈",
    "border_belt_band": "边境带圈层", "border_belt_share": "边境带面积占比",
    "seat_border_band": "县城所在边境带圈层", "railway_belt": "铁路经济带",
    "railway_belt_share": "铁路经济带面积占比", "seat_in_railway_belt": "县城在铁路经济带",
    "zone": "三区", "zone_code": "三区代码", "channels_served": "服务通道",
    "n_channels": "通道数", "border_length_km": "国界线长度(km)", "countries": "相邻国家",
    "width_km": "宽度(km)", "counties": "县区", "seats": "县城", "n_counties": "县区数",
    "n_seats": "县城数", "railways": "铁路", "rank": "等级", "orientation": "走向",
    "share_of_area": "面积占比", "share_of_population": "人口占比",
    "seat_zh": "县城驻地",
    # transport network, seat access and the transport checks (gisxz.network, gisxz.check)
    "touches_boundary": "接壤国界线", "county_zh": "县（区、市）", "county_en": "县（英文）",
    "prefecture_seat": "地市驻地",
    "lhasa_distance_km": "至拉萨里程(km)", "lhasa_travel_time_min": "至拉萨时间(分钟)",
    "prefecture_distance_km": "至地市驻地里程(km)",
    "prefecture_travel_time_min": "至地市驻地时间(分钟)",
    "severity": "级别",
    # raster travel-time statistics (gisxz.raster.zonal)
    "population_cells": "栅格人口", "mean_time_h": "平均通行时间(小时)",
    "max_time_h": "最长通行时间(小时)", "pop_mean_time_h": "人口加权平均通行时间(小时)",
    "share_area_1h": "1小时内面积占比(%)", "share_area_2h": "2小时内面积占比(%)",
    "share_area_3h": "3小时内面积占比(%)", "share_pop_1h": "1小时内人口占比(%)",
    "share_pop_2h": "2小时内人口占比(%)", "share_pop_3h": "3小时内人口占比(%)",
    "area_3h_km2": "3小时内面积(km²)", "population_3h": "3小时内人口",
    # layer fields (QGIS aliases) and table columns
    "kind": "类型", "status": "状态", "period": "规划期", "opened": "开通年份",
    "accuracy": "位置精度", "source": "来源", "note": "备注", "data_names": "数据名称",
    "waypoints": "途经点", "role": "类别", "member_adcodes": "成员区划代码",
    "member_count": "成员数", "rank_zh": "等级(中文)", "orientation_zh": "走向(中文)",
    "orientation_inferred": "走向为推断", "highways": "公路", "ref": "编号(路线)",
    "road_class": "公路等级", "line": "线路", "economic_belt": "经济带",
    "province": "省区", "seat_en": "县城驻地(英文)",
    "lon": "经度(°)", "lat": "纬度(°)", "aliases": "别名", "place_id": "地名编号",
    "counterpart": "对应口岸", "port_group": "口岸组", "iata": "IATA代码", "level": "级别",
    "level_zh": "级别(中文)", "river": "河流", "members": "成员", "hours": "时间(小时)",
    "data_source": "数据来源", "prefecture_adcode": "所属地市代码",
    "label_lon": "注记经度(°)", "label_lat": "注记纬度(°)", "gbcode": "国标分类码",
    "dataset": "数据集", "country_zh": "国家", "country_en": "国家(英文)",
    "origin": "起点", "scenario": "情景", "mode": "方式", "minutes": "时间(分钟)",
    "travel_time_min": "通行时间(分钟)", "within_3h": "三小时内", "snap_km": "吸附距离(km)",
    "from": "起点", "to": "终点", "observed_min": "实际时间(分钟)",
    "modelled_min": "模型时间(分钟)", "diff_min": "时间差(分钟)", "diff_pct": "时间差(%)",
    "share_of_xizang": "占全区比例", "density_per_km2": "人口密度(人/km²)",
    "channel_zh": "通道", "three_hour_circle_current": "三小时经济圈(现状)",
    "three_hour_circle_plan": "三小时经济圈(规划)", "hours_class": "时间分级(小时)",
    "nearest_facility_min": "最近设施时间(分钟)", "destination": "终点",
    "facility": "设施", "distance_km": "距离(km)", "population": "人口",
    "name": "名称", "value": "值", "opportunities": "可达机会数", "n_reached": "可达数",
    "access": "可达性指数", "half_life_min": "半衰时间(分钟)", "gravity_access": "重力可达性",
    "nearest_facility": "最近设施", "snap_m": "吸附距离(m)", "n_facilities": "设施数",
    "terrain": "地形", "ratio": "比值", "theme": "主题", "licence": "许可", "date": "日期",
    "share_of_xizang_population": "占全区人口比例", "hours_min": "时间(分钟)",
    "origin_snap_m": "起点吸附距离(m)", "destination_snap_m": "终点吸附距离(m)",
    # scenario comparison (gisxz.network.compare): targets, and the parts of its field names
    "lhasa": "至拉萨", "pref": "至地市驻地", "airport": "最近机场",
    "unit_zh": "单元", "target": "目的地",
    "target_zh": "目的地名称", "pop_change": "人口变化", "pop_within": "范围内人口",
    "share": "人口占比", "from_name": "起点名称", "to_name": "终点名称",
    "facility_status": "设施状态", "airport_status": "机场状态",
    "time_low_min": "时间下限(分钟)", "time_high_min": "时间上限(分钟)",
    "facility_snap_m": "设施吸附距离(m)", "seq": "序号", "km": "距离(km)",
    "kmh": "速度(km/h)", "route_mode": "路径方式",
    # transport network layers and the check report (all tables are bilingual, issue 13)
    "check": "检查项", "layer": "图层", "message": "说明", "network_status": "网络状态",
    "route_km": "路线里程(km)", "segments": "路段", "routes": "路线", "class": "等级",
    "cross_border": "跨境", "drawn_km": "绘制长度(km)", "length_source": "长度来源",
    "opened_date": "开通日期", "speed_kmh": "速度(km/h)", "via": "途经",
}
#: Labels of generic fields, used only where a table asks for them (``labels=`` of
#: :func:`gisxz.io.tables.write_table`), so that other tables keep these headers plain.
ZONAL_FIELD_ZH: dict[str, str] = {"level": "层级", "scenario": "情景", "hours": "小时",
                                  "minutes": "分钟"}
for _kind, _zh in KIND_ZH.items():
    FIELD_ZH[f"n_{_kind}"] = f"{_zh}数"
    FIELD_ZH[f"{_kind}_names"] = f"{_zh}名单"

#: Bilingual labels of coded values, by field (``VALUE_LABELS[field][code]``): what a table,
#: a popup or a legend shows instead of the raw code. Add a field here, not in a module.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": STATUS_LABELS,
    "scenario": {"current": "现状 current", "plan": "规划 plan"},
    "mode": {"road": "公路 road", "multimodal": "综合 multimodal", "rail": "铁路 rail"},
    "accuracy": {"surveyed": "实测 surveyed", "derived": "推算 derived",
                 "schematic": "示意 schematic"},
    "kind": {
        "prefecture_seat": "地市驻地 prefecture seat", "county_seat": "县城 county seat",
        "town": "城镇 town", "township": "乡镇 township", "pass": "山口 pass",
        "junction": "交叉口 junction", "border_crossing": "边境通道 border crossing",
        "boundary_point": "边界点 boundary point", "land_port": "陆路口岸 land port",
        "airport": "机场 airport", "station": "火车站 station",
        "logistics_hub": "物流枢纽 logistics hub", "gateway_city": "门户城市 gateway city",
        "hydropower": "水电站 hydropower", "water_project": "水利工程 water project",
        "park": "园区 park", "tunnel": "隧道 tunnel", "other": "其他 other",
        "zone": "分区 zone", "river": "河流 river", "channel": "通道 channel",
        "expressway": "高速公路 expressway", "national_road": "国道 national road",
        "railway": "铁路 railway", "border_key_town": "边境重点城镇 border key town",
        "air_port_of_entry": "航空口岸 air port of entry",
        "transport_hub": "综合交通枢纽 transport hub",
        "logistics_park": "物流园区 logistics park",
        "logistics_centre": "物流中心 logistics centre",
        "pumped_storage": "抽水蓄能 pumped storage", "core": "一核 core",
        "circle_centre": "经济圈中心 circle centre",
        "opening_centre": "开放中心 opening centre", "opening_wing": "开放两翼 opening wing",
        "border_town": "边境城镇 border town",
    },
    "role": {"core": "一核 core", "centre": "中心 centre",
             "circle_centre": "经济圈中心 circle centre", "east_wing": "东翼 east wing",
             "west_wing": "西翼 west wing"},
    "rank": {"main": "主干 main", "secondary": "次干 secondary"},
    "orientation": {"horizontal": "横向 horizontal", "vertical": "纵向 vertical"},
    "road_class": {"expressway": "高速公路 expressway", "national": "国道 national road"},
    "zone_code": {"central_south": "藏中南重点开发区 central-south development zone",
                  "east": "藏东清洁能源开发区 east clean-energy zone",
                  "northwest": "藏西北生态涵养区 north-west ecological zone"},
    "target": {"lhasa": "至拉萨 to Lhasa", "pref": "至地市驻地 to the prefecture seat",
               "airport": "至最近机场 to the nearest airport"},
    "population_quality": {"census": "普查 census", "derived": "推算 derived",
                           "estimated": "估算 estimated"},
}


#: Labels of booleans (``True``/``False``) in tables and popups.
BOOL_LABELS = {True: "是 yes", False: "否 no"}


def value_label(field: str, value: object, *, lang: str = "both") -> str:
    """The label of a coded ``value`` of ``field``: ``lang`` is ``"zh"``, ``"en"`` or ``"both"``.

    Unknown codes come back unchanged; booleans are 是/否.

    Examples
    --------
    >>> value_label("scenario", "current"), value_label("mode", "road", lang="zh")
    ('现状 current', '公路')
    >>> value_label("seat_inside", True, lang="zh"), value_label("name_zh", "拉萨")
    ('是', '拉萨')
    """
    if isinstance(value, bool):
        text = BOOL_LABELS[value]
    else:
        text = VALUE_LABELS.get(field, {}).get(str(value))
        if text is None:
            return "" if value is None else str(value)
    zh, _, en = text.partition(" ")
    return {"zh": zh, "en": en or zh}.get(lang, text)
