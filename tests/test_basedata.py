from __future__ import annotations

import shapely

from gisxz.base import geography as basedata
from gisxz.core.crs import metric_crs


def test_admin_counts_and_crs(layers):
    assert len(layers["admin_prefecture"]) == 7
    assert len(layers["admin_county"]) == 74
    for name in ("admin_province", "admin_prefecture", "admin_county"):
        assert layers[name].crs.to_epsg() == 4490
    c = layers["admin_county"]
    assert c["adcode"].between(540000, 549999).all()
    assert (c["name_en"].str.len() > 0).all()
    assert (c["prefecture_en"].str.len() > 0).all()
    # county areas add up to the province
    assert abs(c["area_km2"].sum() - layers["admin_province"]["area_km2"].iloc[0]) < 1.0


def test_neighbours(layers):
    assert set(layers["neighbour_provinces"]["name_en"]) == {"Qinghai", "Xinjiang", "Sichuan",
                                                             "Yunnan"}
    assert {"Nepal", "Bhutan", "India", "Myanmar"} <= set(layers["neighbour_countries"]["name_en"])


def test_border_line_on_outer_boundary_not_on_provincial_boundaries(layers):
    border = layers["border_line"].to_crs(metric_crs())
    prov = layers["admin_province"].to_crs(metric_crs()).geometry.iloc[0]
    line = shapely.union_all(border.geometry.values)
    # every vertex of the border lies on Xizang's outer boundary
    pts = shapely.points(shapely.get_coordinates(line))
    assert shapely.distance(pts, prov.boundary).max() < 1.0
    # and no stretch of it lies on the boundary with Qinghai, Xinjiang, Sichuan or Yunnan
    for name, geom in zip(layers["neighbour_provinces"]["name_en"],
                          layers["neighbour_provinces"].to_crs(metric_crs()).geometry,
                          strict=True):
        shared = shapely.intersection(line, geom.buffer(100.0))
        assert shared.length < 2000.0, f"border runs along {name} for {shared.length:.0f} m"
    assert 3500 < border["length_km"].sum() < 4500  # Xizang's land border is ~4,000 km


def test_amap_edition_selectable():
    c = basedata.admin_counties(data_source="amap")
    assert len(c) == 74 and (c["data_source"] == "amap").all()


def test_rivers_and_lakes(layers):
    names = set(layers["rivers"]["name_zh"])
    assert {"雅鲁藏布江", "怒江", "澜沧江", "金沙江"} <= names
    assert "纳木错" in set(layers["lakes"]["name_zh"])
