"""Bad input as a careless user types it: one line, the right exit code, nothing computed.

One test per category of the README's fault table: coordinates, durations and distances,
names and kinds, file formats, encodings, full-width punctuation, outputs, logging.
"""

from __future__ import annotations

import bz2
import os
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from gisxz.cli.main import cli
from gisxz.core import validate
from gisxz.exceptions import (
    FileEncodingError,
    FileFormatError,
    GisxzError,
    GisxzWarning,
    InvalidArgumentError,
    OutputExistsError,
    OutputNotWritableError,
    SnapDistanceError,
    UnknownNameError,
    UnknownPlaceError,
)

REPO = Path(__file__).resolve().parents[1]
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="29.650" lon="91.100"/>
 <node id="2" lat="29.650" lon="91.110"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>
</osm>
"""


def run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


def one_error_line(res) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1, res.output
    return lines[0]


# -- coordinates --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "needle"), [
    ("29.66,91.13", "use 91.13,29.66"),            # lat,lon order
    ("91.13", "must be LON,LAT"),
    ("nan,29", "finite"),
    ("200,29", "out of range"),
    ("91.13,abc", "must be a number"),
])
def test_bad_coordinates(text, needle):
    with pytest.raises(InvalidArgumentError, match=needle):
        validate.parse_lonlat(text)


def test_coordinates_fullwidth_and_negative_accepted():
    assert validate.parse_lonlat("91.13，29.66") == (91.13, 29.66)
    assert validate.parse_lonlat("-122.3,37.8") == (-122.3, 37.8)


def test_cli_lat_lon_order_is_a_one_line_error():
    res = run("access", "iso", "--at", "29.66,91.13", "--hours", "1")
    assert res.exit_code == 2
    assert "LON,LAT" in one_error_line(res)


def test_point_far_from_network_is_refused_with_the_distance():
    res = run("access", "od", "--at", "116.4,39.9", "--to", "拉萨")
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "1337" in line and "500 km" in line and "--max-snap-km" in line
    ok = run("access", "od", "--at", "116.4,39.9", "--to", "拉萨", "--max-snap-km", "2000")
    assert ok.exit_code == 0, ok.output


def test_unprojectable_points_in_the_api():
    import geopandas as gpd
    from shapely.geometry import Point

    from gisxz.network.od import od_matrix

    pts = gpd.GeoDataFrame({"name_zh": ["swapped"]}, geometry=[Point(29.66, 91.13)], crs=4326)
    with pytest.raises(InvalidArgumentError, match="swapped"):
        od_matrix(pts, ["拉萨"])


def test_snap_limit_in_the_api():
    with pytest.raises(SnapDistanceError, match="12.5 km"):
        validate.check_snap_distances([1.2e7], ["拉萨"], limit_m=validate.snap_limit_m(
            {"max_snap_m": 500.0}))


# -- durations and distances ----------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("access", "score", "--minutes", "-5"),
    ("access", "iso", "--from", "拉萨", "--hours", "0"),
    ("access", "iso", "--from", "拉萨", "--hours", "inf"),
    ("access", "iso", "--from", "拉萨", "--minutes", "1e9"),
    ("access", "iso", "--from", "拉萨", "--buffer-m", "-5"),
    ("access", "iso", "--from", "拉萨", "--buffer-m", "1e7"),
    ("access", "score", "--half-life", "nan"),
    ("buffer", "@places", "-d", "1e7", "--dissolve", "-o", "x.gpkg"),
    ("buffer", "@places", "-d", "-5", "-o", "x.gpkg"),
])
def test_bad_numbers_are_usage_errors(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    res = run(*args)
    assert res.exit_code == 2, res.output
    one_error_line(res)
    assert time.perf_counter() - t0 < 5
    assert not list(tmp_path.iterdir())


def test_api_checks_durations():
    from gisxz.network.accessibility import county_accessibility
    from gisxz.network.isochrones import isochrones

    with pytest.raises(InvalidArgumentError, match="greater than 0"):
        county_accessibility(minutes=-5)
    with pytest.raises(InvalidArgumentError, match="buffer_m"):
        isochrones("拉萨", hours=[1], buffer_m=-5)


def test_negative_population_is_refused(tmp_path):
    import pandas as pd

    from gisxz.spatial.overlay import _population_frame

    with pytest.raises(InvalidArgumentError, match="negative"):
        _population_frame(pd.DataFrame({"adcode": [540102], "population_2020": [-1]}),
                          "adcode")


# -- names and kinds ---------------------------------------------------------------------------
def test_unknown_kind_lists_the_closest():
    res = run("access", "nearest", "--facility-kind", "airprt")
    assert res.exit_code == 2
    assert "did you mean 'airport'" in one_error_line(res)
    with pytest.raises(UnknownNameError):
        from gisxz.network.snap import places_as_points

        places_as_points(kinds=["airprt"])


@pytest.mark.parametrize(("pinyin", "zh"), [
    ("Changdu", "昌都"), ("Rikaze", "日喀则"), ("Linzhi", "林芝"), ("Ali", "阿里"),
    ("Naqu", "那曲"), ("Shannan", "山南"), ("Lasa", "拉萨"), ("Changdou", "昌都"),
])
def test_standard_pinyin_is_found(pinyin, zh):
    from gisxz.base.gazetteer import default_gazetteer

    assert default_gazetteer().resolve(pinyin)["name_zh"] == zh


def test_suggestions_are_restricted():
    from gisxz.base.gazetteer import default_gazetteer

    with pytest.raises(UnknownPlaceError) as exc:
        default_gazetteer().resolve("Changdo")
    assert exc.value.suggestions == ["昌都 (Chamdo)"]
    with pytest.raises(UnknownPlaceError) as exc:
        default_gazetteer().resolve("Xyzzy")
    assert exc.value.suggestions == []


def test_scenario_with_network_is_refused(tmp_path):
    osm = tmp_path / "a.osm"
    osm.write_text(OSM_XML)
    res = run("access", "od", "--network", osm, "--scenario", "plan", "--at", "91.1,29.65")
    assert res.exit_code == 2 and "--scenario" in one_error_line(res)


# -- file formats ----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "content", "needle"), [
    ("cut.osm", OSM_XML[:150], "cut short"),
    ("text.osm", "hello\n", "no known format"),
    ("xml.osm.pbf", OSM_XML, "rename it to xml.osm"),
    ("empty.osm.pbf", "", "empty"),
    ("page.osm", "<!DOCTYPE html><html></html>", "HTML"),
    ("a.graphml", OSM_XML, "holds OpenStreetMap XML"),
])
def test_network_files_are_sniffed(tmp_path, name, content, needle):
    from gisxz.network.osm import graph_from_file

    p = tmp_path / name
    p.write_text(content)
    with pytest.raises(FileFormatError, match=needle):
        graph_from_file(p)


def test_truncated_bz2_is_named(tmp_path):
    from gisxz.network.osm import graph_from_file

    data = bz2.compress((OSM_XML * 200).encode())
    p = tmp_path / "cut.osm.bz2"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cut.osm.bz2"):
        graph_from_file(p)


def test_bad_network_file_on_the_command_line(tmp_path):
    p = tmp_path / "x.osm.pbf"
    p.write_text(OSM_XML)
    res = run("access", "od", "--network", p, "--at", "91.1,29.65")
    assert res.exit_code == 1 and "x.osm.pbf" in one_error_line(res)


# -- encodings and full-width punctuation ---------------------------------------------------
def test_gbk_plan_file_is_named(tmp_path):
    from gisxz.io.documents import load_yaml

    p = tmp_path / "plan.yaml"
    p.write_bytes("a: 1\nname: 拉萨\n".encode("gbk"))
    with pytest.raises(FileEncodingError) as exc:
        load_yaml(p)
    assert str(p) in str(exc.value) and ":2:" in str(exc.value) and "GBK" in str(exc.value)


def test_fullwidth_commas_in_a_flow_list_are_read_with_a_warning(tmp_path):
    from gisxz.io.documents import load_yaml

    p = tmp_path / "plan.yaml"
    p.write_text("waypoints: [拉萨，曲水，日喀则]\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        doc = load_yaml(p)
    assert doc["waypoints"] == ["拉萨", "曲水", "日喀则"]
    assert any(issubclass(w.category, GisxzWarning) and f"{p}:1" in str(w.message)
               for w in rec)


def test_fullwidth_commas_on_the_command_line():
    res = run("access", "od", "--from", "拉萨，日喀则")
    assert res.exit_code == 0, res.output
    assert "日喀则" in res.output


def test_yaml_positions_kept_by_the_fast_loader(tmp_path):
    import yaml

    from gisxz.io.documents import _Loader, load_yaml

    assert not getattr(yaml, "__with_libyaml__", False) or issubclass(_Loader, yaml.CSafeLoader)
    p = tmp_path / "a.yaml"
    p.write_text("a: 1\nb:\n  - c: 2\n  - [x\n", encoding="utf-8")
    with pytest.raises(GisxzError, match=rf"{p.name}:\d+: YAML syntax error"):
        load_yaml(p)


# -- outputs -----------------------------------------------------------------------------------
def test_existing_output_refused_fast(tmp_path):
    out = tmp_path / "iso.gpkg"
    out.write_bytes(b"old")
    t0 = time.perf_counter()
    res = run("access", "iso", "--from", "拉萨", "--hours", "1", "-o", out)
    assert time.perf_counter() - t0 < 5
    assert res.exit_code == 3
    line = one_error_line(res)
    assert str(out) in line and "--overwrite" in line
    assert out.read_bytes() == b"old"


def test_unwritable_folder_refused_fast(tmp_path, monkeypatch):
    import tempfile

    def deny(*args, dir=None, **kwargs):  # noqa: A002 - mkstemp's own name
        if dir is not None and Path(dir) == tmp_path / "ro":
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    real = tempfile.mkstemp
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", deny)
    t0 = time.perf_counter()
    res = run("build", "-o", tmp_path / "ro" / "plan.gpkg")
    assert time.perf_counter() - t0 < 5
    assert res.exit_code == 3
    line = one_error_line(res)
    assert "ro" in line and "Permission denied" in line and "choose a folder" in line
    with pytest.raises(OutputNotWritableError):
        from gisxz.io.files import check_output

        check_output(tmp_path / "ro" / "x.csv")


@pytest.mark.skipif(os.geteuid() != 0 and not os.path.isdir("/proc/1"), reason="no /proc")
def test_output_under_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = run("access", "od", "--from", "拉萨", "-o", f / "od.csv")
    assert res.exit_code == 3 and "is a file, not a folder" in one_error_line(res)


def test_unknown_output_suffix_refused(tmp_path):
    res = run("access", "od", "--from", "拉萨", "-o", tmp_path / "od.gpkg")
    assert res.exit_code == 2 and ".csv, .xlsx" in one_error_line(res)
    with pytest.raises(OutputExistsError):
        from gisxz.io.files import check_output

        check_output(tmp_path)


def test_iso_with_short_out_option(tmp_path):
    out = tmp_path / "iso.gpkg"
    res = run("-v", "access", "iso", "--from", "拉萨", "--hours", "1", "-o", out)
    assert res.exit_code == 0, res.output
    assert out.exists()
    info = [ln for ln in res.output.splitlines() if ln.startswith("info ")]
    assert info and all(ln.startswith("info gisxz.") for ln in info)  # no third-party noise


# -- logging, warnings, unexpected errors -----------------------------------------------------
def test_warnings_are_one_line_and_quiet_hides_them():
    res = run("access", "od", "--at", "91.5,30.8", "--to", "拉萨")
    assert res.exit_code == 0
    warn = [ln for ln in res.output.splitlines() if ln.startswith("Warning:")]
    # 52 km off the network: beyond the 20 km door-to-door limit, so reported (one line
    # per warning, no Python warning source lines)
    assert warn and any("52.0 km" in w for w in warn)
    assert not [ln for ln in res.output.splitlines() if "warnings.warn" in ln or ".py:" in ln]
    quiet = run("-q", "access", "od", "--at", "91.5,30.8", "--to", "拉萨")
    assert "Warning" not in quiet.output


def test_unexpected_error_has_no_traceback_unless_vv(monkeypatch):
    import gisxz.network.od as od

    def boom(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(od, "od_matrix", boom)
    res = run("access", "od", "--from", "拉萨")
    assert res.exit_code == 70 and "-vv" in one_error_line(res)
    res = CliRunner().invoke(cli, ["-vv", "access", "od", "--from", "拉萨"])
    assert res.exit_code == 70 and "Traceback" in res.output


def test_multi_value_options_parse_one_way():
    a = run("access", "od", "--from", "拉萨", "日喀则", "--mode", "road", "multimodal")
    b = run("access", "od", "--from", "拉萨", "--from", "日喀则", "--mode", "road", "--mode",
            "multimodal")
    assert a.exit_code == 0 and a.output == b.output


def test_truncated_pbf_is_named(tmp_path):
    osmium = pytest.importorskip("osmium")
    from gisxz.network.osm import graph_from_file

    nodes = "".join(f'<node id="{i}" lat="29.6{i:04d}" lon="91.1{i:04d}"/>'
                    for i in range(1, 2001))
    ways = "".join(f'<way id="{i}"><nd ref="{i}"/><nd ref="{i + 1}"/>'
                   '<tag k="highway" v="primary"/></way>' for i in range(1, 2000))
    xml = tmp_path / "a.osm"
    xml.write_text(f"<?xml version='1.0'?><osm version='0.6'>{nodes}{ways}</osm>")
    pbf = tmp_path / "a.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))

    class Copy(osmium.SimpleHandler):
        def node(self, n):
            writer.add_node(n)

        def way(self, w):
            writer.add_way(w)

    Copy().apply_file(str(xml))
    writer.close()
    data = pbf.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(FileFormatError, match="cut.osm.pbf"):
        graph_from_file(cut)
