"""Scenario comparison, the plan evaluation report and the route/compare commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString

from gisxz.network import Graph


@pytest.fixture(scope="module")
def comp():
    from gisxz.network.compare import compare_scenarios

    return compare_scenarios(("current", "plan"))


def test_new_segments_on_the_faster_path():
    from gisxz.network.compare import _Net

    # A-C direct (old, slow) and A-B-C (new, fast)
    xy = [(0, 0), (50_000, 10_000), (100_000, 0)]
    nodes = pd.DataFrame({"node": ["A", "B", "C"], "x": [p[0] for p in xy],
                          "y": [p[1] for p in xy], "name_zh": ["甲", "乙", "丙"]})
    edges = pd.DataFrame({"id": ["AC", "AB", "BC"], "ref": ["S1", "G1", "G1"],
                          "status": ["operating", "planned", "planned"],
                          "length_km": [100.0, 52.0, 52.0], "mode": "road"})
    g = Graph.from_edges(nodes, [0, 0, 1], [2, 1, 2], [200.0, 40.0, 40.0], crs="EPSG:32645",
                         edges=edges, geometry=[LineString([xy[a], xy[b]]) for a, b in
                                                ((0, 2), (0, 1), (1, 2))],
                         bidirectional=True)
    net = _Net(g)
    text = net.new_segments(0, 2, {"AC"})
    assert text == "G1 甲–乙 (planned); G1 乙–丙 (planned)"
    assert net.tree(0)[2][2] == pytest.approx(104.0)  # km along the fastest path
    assert net.new_segments(0, 2, {"AC", "AB", "BC"}) == ""


def test_comparison_invariants(comp):
    from gisxz.network.facilities import facility_statuses

    s = comp.seats
    assert len(s) == 74 and s["adcode"].is_unique
    for scen in ("current", "plan"):
        ok = set(facility_statuses(scen))
        assert set(s.loc[s[f"airport_{scen}"] != "", f"airport_status_{scen}"]) <= ok
    assert (s["lhasa_min_plan"] <= s["lhasa_min_current"] + 1e-6).all()
    faster = s["lhasa_change_min"] < -1
    assert (s.loc[faster, "lhasa_via"].str.len() > 0).all()
    p = comp.population
    assert p["share_current"].between(0, 1).all()
    assert (p["pop_within_plan"] >= p["pop_within_current"]).all()
    xz = p[(p["unit_zh"] == "西藏自治区")]
    prefs = p[(p["unit_zh"] != "西藏自治区")]
    for (tgt, h), grp in prefs.groupby(["target", "hours"]):
        row = xz[(xz["target"] == tgt) & (xz["hours"] == h)].iloc[0]
        assert grp["pop_within_current"].sum() == row["pop_within_current"]
        assert grp["population"].sum() == row["population"]


def test_report_docx_and_html(comp, tmp_path):
    import docx

    from gisxz.exceptions import OutputExistsError
    from gisxz.network.circle import circle_table
    from gisxz.report.main import write_report

    circle = circle_table(modes=("multimodal",))
    files = write_report(tmp_path, comparison=comp, circle=circle, layers={})
    names = {f.name for f in files}
    assert {"plan_evaluation.docx", "plan_evaluation.html"} <= names
    text = "\n".join(p.text for p in docx.Document(tmp_path / "plan_evaluation.docx").paragraphs)
    assert "拉萨三小时经济圈" in text and "Headline figures" in text
    html = (tmp_path / "plan_evaluation.html").read_text(encoding="utf-8")
    assert "表2" in html and "表3" in html
    with pytest.raises(OutputExistsError):
        write_report(tmp_path, comparison=comp, circle=circle, layers={})


def test_route_and_compare_commands(tmp_path):
    from gisxz.cli.main import cli

    runner = CliRunner()
    res = runner.invoke(cli, ["access", "route", "--from", "错那", "--to", "隆子",
                              "--mode", "road"])
    assert res.exit_code == 0, res.output
    assert "错那" in res.output and "min" in res.output and "ref" in res.output
    out = tmp_path / "cmp.csv"
    res = runner.invoke(cli, ["access", "compare", "--scenario", "current", "plan",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == 74 and np.isfinite(df.iloc[:, 0]).all()
