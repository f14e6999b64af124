"""The report's steps in the main job, and :func:`write_report` behind ``gisxz report``.

``gisxz run`` calls :func:`comparison_step` (adds the comparison layers and tables before
the GeoPackage and the maps are written) and, at the end, :func:`report_step` (writes
``scenario_comparison.csv``/``.xlsx`` and ``report/``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisxz.exceptions import OutputExistsError
from gisxz.network.compare import Comparison
from gisxz.report.content import Figure, build_report

log = logging.getLogger(__name__)

__all__ = ["comparison_step", "report_step", "write_report", "REPORT_FILES",
           "REPORT_FIGURES"]

#: Files of the report folder.
REPORT_FILES = ("plan_evaluation.docx", "plan_evaluation.html")
#: Recipes drawn as report figures, with their captions.
REPORT_FIGURES = {
    "scenario_comparison": "图1 规划实施前后县城至拉萨通行时间节省（分钟）与规划项目 "
                           "Minutes saved to Lhasa and the plan projects",
    "three_hour_circle": "图2 拉萨三小时经济圈（等时圈） Three-hour circle of Lhasa",
    "border_belt": "图3 边境带 Border belt",
}


def comparison_step(layers: Mapping[str, gpd.GeoDataFrame],
                    scenarios: Sequence[str] = ("current", "plan")
                    ) -> tuple[Comparison, dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame]]:
    """The comparison and its new layers and tables (the caller adds them to its own)."""
    from gisxz.report.comparison import comparison_outputs

    log.info("comparing scenarios %s", " → ".join(scenarios))
    return comparison_outputs(layers, scenarios)


def _figures(layers: Mapping[str, gpd.GeoDataFrame], fig_dir: Path,
             maps_dir: Path | None) -> list[Figure]:
    from gisxz.maps.recipes import find_recipe

    fig_dir.mkdir(parents=True, exist_ok=True)
    figs = []
    for name, caption in REPORT_FIGURES.items():
        png = fig_dir / f"{name}.png"
        ready = maps_dir / f"{name}.png" if maps_dir is not None else None
        try:
            rec = find_recipe(name)
            if ready is not None and ready.exists():
                shutil.copyfile(ready, png)
            else:
                from gisxz.maps.static import render_figure

                with tempfile.TemporaryDirectory() as tmp:
                    made = render_figure(layers, rec, tmp, overwrite=True)
                    shutil.copyfile(next(p for p in made if p.suffix == ".png"), png)
        except Exception as exc:  # noqa: BLE001 - a missing figure must not stop the report
            log.warning("report figure %s left out: %s", name, exc)
            continue
        note = f"{rec.title_en}。 {rec.note or ''} 来源 Source: gisxz 模型与规划数据。".strip()
        figs.append(Figure(caption, png, note))
    return figs


def write_report(out_dir: str | Path, *, comparison: Comparison, circle: pd.DataFrame,
                 layers: Mapping[str, gpd.GeoDataFrame], overwrite: bool = False,
                 maps_dir: str | Path | None = None) -> list[Path]:
    """Write ``plan_evaluation.docx`` and ``.html`` (and ``figures/``) into ``out_dir``.

    Raises
    ------
    OutputExistsError
        A report file exists and ``overwrite`` is false (checked before any work).
    """
    from gisxz.report.writers import write_docx, write_html

    out = Path(out_dir)
    existing = [out / n for n in REPORT_FILES if (out / n).exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"{', '.join(map(str, existing))} exist; pass --overwrite to "
                                "replace them or choose another output folder")
    out.mkdir(parents=True, exist_ok=True)
    figs = _figures(layers, out / "figures", Path(maps_dir) if maps_dir else None)
    report = build_report(comparison, circle, layers, figs)
    written = []
    for name, writer in zip(REPORT_FILES, (write_docx, write_html), strict=True):
        tmp = out / f".{name}.tmp"
        writer(report, tmp)
        tmp.replace(out / name)
        written.append(out / name)
    return written + [f.path for f in figs]


def report_step(layers: Mapping[str, gpd.GeoDataFrame], tables: Mapping[str, pd.DataFrame],
                comparison: Comparison, out_dir: str | Path, *, overwrite: bool = False,
                maps_dir: str | Path | None = None) -> list[Path]:
    """Main-job step: ``scenario_comparison.csv``/``.xlsx`` and ``report/`` in ``out_dir``."""
    from gisxz.report.comparison import write_comparison_tables

    out = Path(out_dir)
    written = write_comparison_tables(comparison, out, overwrite=overwrite)
    written += write_report(out / "report", comparison=comparison,
                            circle=tables["three_hour_circle"], layers=layers,
                            overwrite=overwrite, maps_dir=maps_dir)
    return written
