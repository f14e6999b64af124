from __future__ import annotations

import pytest
from click.testing import CliRunner

from gisxz.cli.main import cli


def test_help_on_every_command():
    runner = CliRunner()
    res = runner.invoke(cli, ["--help"])
    assert res.exit_code == 0
    for name, cmd in cli.commands.items():
        r = runner.invoke(cli, [name, "--help"])
        assert r.exit_code == 0, name
        assert cmd.help or cmd.short_help


@pytest.mark.slow
def test_build_then_layers_then_refuse(tmp_path):
    runner = CliRunner()
    out = tmp_path / "x.gpkg"
    res = runner.invoke(cli, ["-q", "build", "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["layers", str(out)])
    assert res.exit_code == 0
    assert "transport_channels" in res.output and "EPSG:4490" in res.output
    before = out.stat().st_mtime_ns
    res = runner.invoke(cli, ["build", "-o", str(out)])
    assert res.exit_code == 3 and "--overwrite" in res.output
    assert out.stat().st_mtime_ns == before


def test_place_lookup_and_unknown():
    runner = CliRunner()
    res = runner.invoke(cli, ["place", "拉萨", "Nyingchi"])
    assert res.exit_code == 0 and "Lhasa" in res.output
    res = runner.invoke(cli, ["place", "林之"])
    assert res.exit_code == 1 and "林芝" in res.output


def test_layers_on_missing_file(tmp_path):
    res = CliRunner().invoke(cli, ["layers", str(tmp_path / "none.gpkg")])
    assert res.exit_code == 1 and "no such file" in res.output


@pytest.mark.slow
def test_main_job_without_maps_and_refusal(tmp_path):
    from gisxz.io.tables import read_table

    runner = CliRunner()
    res = runner.invoke(cli, ["-q", "run", "--no-maps", "--no-progress", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    members = read_table(tmp_path / "county_membership.csv")
    assert len(members) == 74
    assert {"adcode", "name_zh", "prefecture_zh", "border_county"} <= set(members.columns)
    circle = read_table(tmp_path / "three_hour_circle.csv")
    assert {"name_zh", "adcode", "scenario", "mode", "travel_time_min", "within_3h"} <= set(
        circle.columns)
    assert set(circle["scenario"]) == {"current", "plan"}
    before = (tmp_path / "xizang_plan.gpkg").stat().st_mtime_ns
    res = runner.invoke(cli, ["run", "--no-maps", "-o", str(tmp_path)])
    assert res.exit_code == 3 and "--overwrite" in res.output
    assert (tmp_path / "xizang_plan.gpkg").stat().st_mtime_ns == before
