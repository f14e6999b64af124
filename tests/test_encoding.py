"""Shapefiles without a .cpg file: GBK text is detected (with a warning) or read with
``--encoding``; a wrong encoding is a clean one-line error."""

from __future__ import annotations

import logging

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from gisxz.cli.main import cli
from gisxz.exceptions import GisxzError
from gisxz.io.files import read_vector, shapefile_encoding


@pytest.fixture
def gbk_shp(tmp_path):
    """A GBK shapefile as Chinese desktop GIS writes it, without its .cpg file."""
    g = gpd.GeoDataFrame({"名称": ["拉萨", "日喀则"], "kind": ["县城", "地市"]},
                         geometry=[Point(91.13, 29.66), Point(88.88, 29.27)], crs=4490)
    path = tmp_path / "seats.shp"
    pyogrio.write_dataframe(g, path, encoding="cp936")
    path.with_suffix(".cpg").unlink()
    return path


def test_gbk_without_cpg_is_detected_with_warning(gbk_shp, caplog):
    with caplog.at_level(logging.WARNING, logger="gisxz.io.files"):
        gdf = read_vector(str(gbk_shp))
    assert list(gdf.columns[:2]) == ["名称", "kind"]
    assert gdf["名称"].tolist() == ["拉萨", "日喀则"]
    assert "no .cpg" in caplog.text and "--encoding" in caplog.text


def test_explicit_encoding_and_bad_encoding(gbk_shp):
    assert read_vector(str(gbk_shp), encoding="gbk")["kind"].tolist() == ["县城", "地市"]
    with pytest.raises(GisxzError, match="not a known encoding"):
        shapefile_encoding(gbk_shp, "nope")
    with pytest.raises(GisxzError, match="--encoding"):
        read_vector(str(gbk_shp), encoding="utf-8")


def test_utf8_with_cpg_untouched(tmp_path):
    g = gpd.GeoDataFrame({"名称": ["拉萨"]}, geometry=[Point(91.13, 29.66)], crs=4490)
    path = tmp_path / "u.shp"
    g.to_file(path)
    assert shapefile_encoding(path) is None
    assert read_vector(str(path))["名称"].tolist() == ["拉萨"]


def test_cli_encoding_option(gbk_shp, tmp_path):
    out = tmp_path / "b.geojson"
    res = CliRunner().invoke(cli, ["buffer", str(gbk_shp), "-d", "10", "--encoding", "gbk",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert gpd.read_file(out)["名称"].tolist() == ["拉萨", "日喀则"]
