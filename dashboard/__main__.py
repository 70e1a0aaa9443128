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
    from dashboard.data.db import WarehouseUnavailable
    from dashboard.exports import ExportError
    from dashboard.exports.cases import write_case_list

    try:
        path = write_case_list(institution, period, out)
    except (ExportError, WarehouseUnavailable) as exc:
        if debug:
            raise
        hint = ("" if isinstance(exc, ExportError) else
                " The warehouse is missing or cannot be read: build it (make run) or set YIBAO_WAREHOUSE.")
        typer.echo(f"错误 error: {exc}{hint}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"案件线索 case list: {path}")


if __name__ == "__main__":
    app()
