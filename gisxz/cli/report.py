"""``gisxz report``: the plan evaluation report (Word and HTML)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from gisxz.cli.options import handle_errors

log = logging.getLogger(__name__)

__all__ = ["report"]


@click.command("report")
@click.option("--out-dir", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/report"), show_default=True, help="Output folder.")
@click.option("--scenario", "scenarios", multiple=True,
              help="Scenarios to compare (first → last) [default: current plan].")
@click.option("--overwrite", is_flag=True, help="Replace an existing report.")
@handle_errors
def report(out_dir: Path, scenarios: tuple[str, ...], overwrite: bool) -> None:
    """Write the plan evaluation report: plan_evaluation.docx and plan_evaluation.html.

    Headline figures (seats and residents within 3 h of Lhasa today and with the plan,
    savings by prefecture, border and railway belts), the comparison and circle tables and
    the figures, in Chinese with English.

    Example: gisxz report --out-dir out/report --overwrite
    """
    from gisxz.exceptions import OutputExistsError
    from gisxz.network.circle import circle_membership, three_hour_circle
    from gisxz.plan.build import build_layers
    from gisxz.plan.derived import derive_plan_layers
    from gisxz.plan.options import framework_options
    from gisxz.report.main import REPORT_FILES, comparison_step, write_report

    existing = [out_dir / n for n in REPORT_FILES if (out_dir / n).exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"{', '.join(map(str, existing))} exist; pass --overwrite")
    layers = build_layers()
    fw = framework_options()
    iso, circle = three_hour_circle(centre=fw.circle_centre, hours=fw.circle_hours)
    layers["three_hour_circle"] = iso
    new_layers, _ = derive_plan_layers(
        layers, circle_table=circle_membership(circle, fw.circle_hours))
    layers.update(new_layers)
    comp, comp_layers, _ = comparison_step(layers, tuple(scenarios or ("current", "plan")))
    layers.update(comp_layers)
    for path in write_report(out_dir, comparison=comp, circle=circle, layers=layers,
                             overwrite=overwrite):
        click.echo(f"wrote {path}")
