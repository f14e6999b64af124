"""``gisxz check``: geometry and consistency checks of the transport data."""

from __future__ import annotations

from pathlib import Path

import click

from gisxz.cli.options import GisxzCommand, data_source_opt, out_opt, overwrite_opt

__all__ = ["check"]


@click.command("check", cls=GisxzCommand)
@out_opt(suffixes=(".csv", ".xlsx"), help="Write the report as CSV (bilingual headers).")
@overwrite_opt
@data_source_opt
def check(out: Path | None, overwrite: bool, data_source: str | None) -> None:
    """Check roads, railways and the plan layers derived from them.

    Lines outside China (2 km tolerance) or across lakes, segment ends off their places,
    drawn versus cited length, unconnected county seats, plan status versus network
    status. Exits with status 1 when any error is found (warnings do not fail).
    """
    from gisxz.check import check_transport, write_report

    if out is not None:
        from gisxz.io.files import check_overwrite

        check_overwrite(out, overwrite)
    report = check_transport(data_source=data_source)
    if out is not None:
        write_report(report, out, overwrite=overwrite)
        click.echo(f"wrote {out}")
    errors = report[report["severity"] == "error"]
    warnings = report[report["severity"] == "warning"]
    for r in report.itertuples():
        click.echo(f"{r.severity:7s} {r.check:16s} {r.layer:18s} {r.id}: {r.message}")
    click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    if len(errors):
        raise SystemExit(1)
