"""``gisxz access`` through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner

from gisxz.cli.access import access
from gisxz.io.tables import read_table


def test_iso_on_embedded_network(tmp_path):
    out = tmp_path / "iso.gpkg"
    r = CliRunner().invoke(access, ["iso", "--from", "拉萨", "--hours", "1", "2", "3",
                                    "--mode", "road", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists() and "wrote 3 rows" in r.output
    import geopandas as gpd

    iso = gpd.read_file(out, layer="isochrones")
    assert iso["hours"].tolist() == [1.0, 2.0, 3.0] and iso.crs.to_epsg() == 4490
    again = CliRunner().invoke(access, ["iso", "--from", "拉萨", "--out", str(out)])
    assert again.exit_code != 0 and "--overwrite" in again.output
    r = CliRunner().invoke(access, ["iso", "--from", "拉萨", "--hours", "1", "--mode", "road",
                                    "--out", str(out), "--overwrite"])
    assert r.exit_code == 0, r.output


def test_iso_prints_table_without_out():
    r = CliRunner().invoke(access, ["iso", "--from", "拉萨", "--hours", "1", "2", "3"])
    assert r.exit_code == 0, r.output
    assert "multimodal" in r.output and "180.0" in r.output


def test_od_long_format(tmp_path):
    out = tmp_path / "od.csv"
    r = CliRunner().invoke(access, ["od", "--from", "拉萨", "--to", "日喀则", "林芝",
                                    "--scenario", "current", "plan", "--mode", "road",
                                    "--out", str(out)])
    assert r.exit_code == 0, r.output
    od = read_table(out)
    assert list(od.columns[:5]) == ["origin", "destination", "scenario", "mode",
                                    "travel_time_min"]
    assert len(od) == 4 and set(od["scenario"]) == {"current", "plan"}
    assert od["travel_time_min"].between(60, 600).all()


def test_unknown_place_is_a_clean_error():
    r = CliRunner().invoke(access, ["od", "--from", "拉萨萨"])
    assert r.exit_code == 1
    assert "unknown place" in r.output and "拉萨" in r.output
