"""Sections of the plan evaluation report: comparison table, circle table, method."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from gisxz.network.compare import Comparison
from gisxz.report.content import Section, Table

log = logging.getLogger(__name__)

__all__ = ["comparison_section", "circle_section", "method_section", "short_via"]

_SCEN_ZH = {"current": "现状", "plan": "规划"}


def short_via(text: str, n: int = 3) -> str:
    """The first ``n`` projects of a ``*_via`` text, then 等 (and others).

    Examples
    --------
    >>> short_via("a (planned); b (planned); c (planned); d (planned)", 2)
    'a (规划); b (规划) 等'
    """
    from gisxz.core.vocab import STATUS_LABELS

    text = str(text or "")
    for code, label in STATUS_LABELS.items():
        text = text.replace(f"({code})", f"({label.split()[0]})")
    parts = [p for p in text.split("; ") if p]
    return "; ".join(parts[:n]) + (" 等" if len(parts) > n else "")


def _fmt(v: float) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{round(v) + 0:,.0f}"


def comparison_section(comp: Comparison) -> Section:
    """Table 2: per seat, times to Lhasa, the prefecture seat and the nearest airport."""
    s0, s1 = comp.scenarios[0], comp.scenarios[-1]
    z0, z1 = _SCEN_ZH.get(s0, s0), _SCEN_ZH.get(s1, s1)
    t = comp.seats
    t = t[(t["lhasa_change_min"].abs() > 0.5) | (t["airport_change_min"].abs() > 0.5)
          | (t[f"airport_{s0}"] != t[f"airport_{s1}"])]
    via = [short_via("; ".join(dict.fromkeys(p for p in (a, b) if p)))
           for a, b in zip(t["lhasa_via"], t["airport_via"], strict=True)]
    frame = pd.DataFrame({
        "县城 Seat": t["name_zh"], "地市 Pref.": t["prefecture_zh"],
        f"至拉萨(分) {z0}": t[f"lhasa_min_{s0}"].map(_fmt),
        f"至拉萨(分) {z1}": t[f"lhasa_min_{s1}"].map(_fmt),
        "节省 saved": (-t["lhasa_change_min"]).map(_fmt),
        f"至地市驻地(分) {z0}": t[f"pref_min_{s0}"].map(_fmt),
        f"至地市驻地(分) {z1}": t[f"pref_min_{s1}"].map(_fmt),
        f"最近机场 {z0}": [f"{a} {_fmt(m)}" if a else "–" for a, m in
                         zip(t[f"airport_{s0}"], t[f"airport_min_{s0}"], strict=True)],
        f"最近机场 {z1}": [f"{a} {_fmt(m)}" if a else "–" for a, m in
                         zip(t[f"airport_{s1}"], t[f"airport_min_{s1}"], strict=True)],
        "带来变化的规划项目 Plan projects on the new path": via,
    })
    note = (f"情景 scenario {s0} → {s1}，{comp.mode}；时间为门到门模型估算（分钟）；机场仅计"
            "本情景计入的机场；项目为规划情景最快路径上现状网络没有的路段。仅列出时间或机场有变化的"
            f"{len(t)} 个县城（共 {len(comp.seats)} 个）；完整表见 scenario_comparison.csv。 "
            "Only seats whose time or airport changes; all seats in scenario_comparison.csv.")
    intro = ("下表列出每个县城（地市驻地与其所在区县城算作一处）在现状与规划情景下至拉萨、至本地市"
             "驻地和至最近机场的通行时间，以及使时间变化的规划项目。 Each county seat once: "
             "times to Lhasa, its prefecture seat and the nearest airport of each scenario, "
             "and the plan segments on the new fastest path.")
    return Section("二、规划前后对比 Scenario comparison",
                   [intro, Table("表2 县城通行时间对比 Travel times by county seat", frame,
                                 note, widths=(1.6, 1.5, 1.3, 1.3, 1.2, 1.4, 1.4, 2.6, 2.6,
                                               8.5))], landscape=True)


def circle_section(circle: pd.DataFrame, mode: str) -> Section:
    """Table 3: seats inside or at the edge of the three-hour circle, with ranges."""
    col = next(c for c in circle.columns if str(c).startswith("within_"))
    t = circle[circle["mode"] == mode]
    wide = t.pivot_table(index=["name_zh", "county_zh"], columns="scenario",
                         values=["travel_time_min", "time_low_min", "time_high_min", col],
                         aggfunc="first", sort=False)
    scen = list(dict.fromkeys(t["scenario"]))
    keep = (wide[col] != "no").any(axis=1)
    wide = wide[keep]
    verdict_zh = {"yes": "在内 yes", "marginal": "临界 marginal", "no": "圈外 no"}
    frame = pd.DataFrame({"县城 Seat": [a for a, _ in wide.index],
                          "县区 County": [b for _, b in wide.index]})
    for s in scen:
        z = _SCEN_ZH.get(s, s)
        frame[f"{z} 时间(分) min [低–高]"] = [
            f"{m:.0f} [{lo:.0f}–{hi:.0f}]" for m, lo, hi in zip(
                wide[("travel_time_min", s)], wide[("time_low_min", s)],
                wide[("time_high_min", s)], strict=True)]
        frame[f"{z} 判定"] = [verdict_zh.get(v, v) for v in wide[(col, s)]]
    order = {"yes": 0, "marginal": 1, "no": 2}
    frame = frame.assign(_o=[order.get(v, 3) for v in wide[(col, scen[-1])]],
                         _t=wide[("travel_time_min", scen[-1])].to_numpy()
                         ).sort_values(["_o", "_t"]).drop(columns=["_o", "_t"])
    note = ("判定：速度±10%时，慢情景仍≤180分钟为“在内”，快情景仍>180分钟为“圈外”，其余为“临界”；"
            f"{mode}；每处驻地只计一次。 Verdict rule: yes if t/0.9 ≤ 180 min, no if "
            "t/1.1 > 180 min, else marginal.")
    return Section("三、拉萨三小时经济圈 Three-hour circle of Lhasa",
                   [Table("表3 三小时经济圈内及临界县城 Seats inside or at the edge", frame,
                          note)])


def _refused_facilities(scenarios) -> list[str]:
    from gisxz.network.facilities import scenario_facilities
    from gisxz.network.snap import snap_points
    from gisxz.network.trunk import trunk_graph

    out = []
    for s in scenarios:
        g = trunk_graph(scenario=s, mode="road")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = scenario_facilities(["airport"], scenario=s)
            sp = snap_points(g, f, name="airports")
        for name, d, ok in zip(f["name_zh"], sp["snap_m"], sp["reachable"], strict=True):
            if not ok:
                out.append(f"{name}（距网络 {d / 1000:.0f} km）")
    return list(dict.fromkeys(out))


def method_section(comp: Comparison) -> Section:
    """How the numbers are made, and their limits."""
    from gisxz.base.population import SETTLEMENT_METHOD
    from gisxz.network.circle import SPEED_SENSITIVITY
    from gisxz.network.facilities import facility_statuses
    from gisxz.network.snap import OFFROAD_SPEED_KMH

    fac = "；".join(f"{s}: {', '.join(facility_statuses(s))}" for s in comp.scenarios)
    refused = _refused_facilities(comp.scenarios)
    bullets = [
        "通行时间为综合交通干线网络上的门到门最短时间：地点到最近网络节点的直线距离按 "
        f"{OFFROAD_SPEED_KMH:g} km/h（四级公路）计时；距网络超过 20 km 的地点不计入（不当作0分钟）。"
        f" Door-to-door times; the way to the network costs time at {OFFROAD_SPEED_KMH:g} km/h.",
        f"各情景计入的设施状态 Facility statuses counted: {fac}。",
        f"速度敏感性 ±{SPEED_SENSITIVITY:.0%}：每个时间给出低/高值，三小时判定分在内/临界/圈外。",
        "人口按居民点分配：每县2020年常住人口放在县城和县内乡镇上，县城取全区城镇人口比重"
        f"35.73%（七普）再加其余部分的均分，各乡镇均分其余部分。 Population: {SETTLEMENT_METHOD}.",
        "“带来变化的规划项目”为规划情景最快路径上现状网络中没有的路段（在建或规划）。",
    ]
    if refused:
        bullets.append("因距网络过远未计入的机场 Airports left out (too far from the network): "
                       + "；".join(refused) + "。")
    return Section("五、方法与说明 Method and caveats", [bullets])
