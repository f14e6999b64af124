"""Tables for Excel users: bilingual headers, translated codes, rounded numbers, XLSX
formatting and the about sheet — for the small cases, and walking every CSV/XLSX the main
job and the access commands write."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from gisxz.cli.main import cli
from gisxz.core.vocab import BOOL_LABELS, VALUE_LABELS
from gisxz.io.tables import ABOUT_SHEET, field_label, field_names, read_table, write_table

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _frame():
    return pd.DataFrame({"adcode": [540102, 540103], "scenario": ["current", "plan"],
                         "mode": ["road", "multimodal"], "within_3h": [True, False],
                         "area_km2": [517.96058, 2668.0654], "share_of_unit": [0.951648, 1.0],
                         "population_in": [130804.97, 12.4]})


def test_csv_headers_codes_and_rounding(tmp_path):
    p = write_table(_frame(), tmp_path / "t.csv")
    raw = pd.read_csv(p, encoding="utf-8-sig")
    assert list(raw.columns[:4]) == ["行政区划代码 adcode", "情景 scenario", "方式 mode",
                                     "三小时内 within_3h"]
    assert raw["情景 scenario"].tolist() == ["现状 current", "规划 plan"]
    assert raw["方式 mode"].tolist() == ["公路 road", "综合 multimodal"]
    assert raw["三小时内 within_3h"].tolist() == ["是 yes", "否 no"]
    assert raw["面积(km²) area_km2"].tolist() == [518.0, 2668.1]
    assert raw[f"{field_label('population_in')} population_in"].tolist() == [130805, 12]
    back = read_table(p)
    assert back["scenario"].tolist() == ["current", "plan"]
    assert back["within_3h"].tolist() == [True, False]


def test_xlsx_formats_and_about_sheet(tmp_path):
    p = write_table(_frame(), tmp_path / "three_hour_circle.xlsx", sources=["test source"])
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[1] == ABOUT_SHEET
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G3"
    assert all(c.font.b for c in ws[1])
    fmt = {field_names([c.value])[0]: ws.cell(row=2, column=c.column).number_format
           for c in ws[1]}
    assert fmt["share_of_unit"] == "0.0%" and fmt["area_km2"] == "#,##0.0"
    about = dict(wb[ABOUT_SHEET].iter_rows(min_row=2, values_only=True))
    assert about["表名 table"].startswith("拉萨三小时经济圈")
    assert "现状 current" in about["情景 scenario"] and about["来源 sources"] == "test source"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", about["日期 date"])


def test_pattern_labels():
    assert field_label("pop_within_180min") == "180分钟内人口"
    assert field_label("within_2h") == "2小时内"
    assert field_label("fca_airport_per_10k").startswith("两步移动搜索可达性")


# ---- walk the real outputs ---------------------------------------------------------------
def _coded_values(field: str) -> set[str]:
    return set(VALUE_LABELS.get(field, {}))


def check_table(path: Path) -> None:
    """Every header bilingual, no raw codes or booleans, no long float tails."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        assert ABOUT_SHEET in wb.sheetnames, path
        ws = wb.worksheets[0]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, path
        df = pd.read_excel(path, sheet_name=0)
    else:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for header in df.columns:
        head = str(header)
        assert CJK.search(head) and FIELD.match(head.split()[-1]), (path.name, head)
        field = head.split()[-1]
        values = {str(v) for v in df[header].dropna() if str(v) != ""}
        raw = values & (_coded_values(field) | {"True", "False"})
        assert not raw, (path.name, field, sorted(raw)[:5])
        if path.suffix == ".csv":
            long = [v for v in values if re.fullmatch(r"-?\d+\.\d{5,}", v)]
            assert not long, (path.name, field, long[:3])


@pytest.mark.slow
def test_every_main_job_table_bilingual(main_job):
    tables = sorted([*main_job.rglob("*.csv"), *main_job.rglob("*.xlsx")])
    assert len(tables) >= 10
    for path in tables:
        check_table(path)
    assert set(BOOL_LABELS.values()) & set(
        read_table(main_job / "county_membership.csv", codes=False)["border_county"])


@pytest.mark.slow
def test_every_access_command_table_bilingual(tmp_path):
    runs = [["access", "od", "--from", "拉萨", "--to", "日喀则", "林芝", "--scenario",
             "current", "plan", "--out", str(tmp_path / "od.xlsx")],
            ["access", "nearest", "--from", "拉萨", "那曲", "--out", str(tmp_path / "n.csv")],
            ["access", "calibrate", "--out", str(tmp_path / "c.csv")],
            ["access", "iso", "--from", "拉萨", "--out", str(tmp_path / "iso.csv")],
            ["access", "score", "--out", str(tmp_path / "score.xlsx")],
            ["access", "compare", "--scenario", "current", "plan", "--out",
             str(tmp_path / "cmp.csv")],
            ["access", "circle", "--table", str(tmp_path / "circle.xlsx")],
            ["access", "route", "--from", "错那", "--to", "隆子", "--mode", "road", "--out",
             str(tmp_path / "route.csv")]]
    for args in runs:
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, (args, res.output)
    for path in sorted(tmp_path.iterdir()):
        check_table(path)
