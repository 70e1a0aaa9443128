"""`python -m dashboard [--host H --port P]`: serve the app; `python -m dashboard export …`: write
the dashboard's exports to files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="Serve the yibao-mart dashboard (no command), or write its exports (export).")
export_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Write the dashboard's exports to files.")
app.add_typer(export_app, name="export")


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    debug: Annotated[bool, typer.Option(help="Dash debug mode with hot reload.")] = False,
):
    """Serve the dashboard over the built warehouse."""
    if ctx.invoked_subcommand is not None:
        return
    from dashboard.app import create_app

    create_app().run(host=host, port=port, debug=debug)


@export_app.command("cases")
def export_cases(
    institution: Annotated[str, typer.Option(help="定点医药机构编号 (fixmedins_code) of the institution.")],
    period: Annotated[str, typer.Option(help="Year of the hits, YYYY.")],
    out: Annotated[Path, typer.Option(help="Folder to write the XLSX into (created if missing).")],
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
):
    """Write the institution's case list (案件线索清单, personal data masked) for the period as XLSX."""
    from dashboard.exports.cases import write_case_list

    path = _run_export(lambda: write_case_list(institution, period, out), debug)
    typer.echo(f"案件线索 case list: {path}")


@export_app.command("disclosure")
def export_disclosure(
    period: Annotated[str, typer.Option(help="Finalised period: a year 2024, a quarter 2024Q3 or a month 2024-07.")],
    out: Annotated[Path, typer.Option(help="Folder to write into (created if missing).")],
    scope: Annotated[str, typer.Option(help="fund (基金收支), institutions (定点机构) or all.")] = "all",
    format: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, xlsx.")] = "html,pdf,xlsx",
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
):
    """Write the public disclosure (信息公开) of the period: static HTML site, PDF, XLSX."""
    from dashboard.exports.disclosure import write_disclosure

    def write():
        return write_disclosure(period, scope, format.split(","), out)

    for kind, path in _run_export(write, debug).items():
        typer.echo(f"{kind}: {path}")


def _run_export(write, debug: bool):
    """Run an export; a Chinese and English message and exit code 2 instead of a traceback."""
    from dashboard.data.db import WarehouseUnavailable
    from dashboard.exports import ExportError

    try:
        return write()
    except (ExportError, WarehouseUnavailable) as exc:
        if debug:
            raise
        hint = ("" if isinstance(exc, ExportError) else
                " The warehouse is missing or cannot be read: build it (make run) or set YIBAO_WAREHOUSE.")
        typer.echo(f"错误 error: {exc}{hint}", err=True)
        raise typer.Exit(2) from None


if __name__ == "__main__":
    app()
