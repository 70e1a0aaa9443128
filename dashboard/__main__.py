"""`python -m dashboard`: serve the app."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(add_completion=False, help="Serve the yibao-mart dashboard.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    debug: Annotated[bool, typer.Option(help="Dash debug mode with hot reload.")] = False,
):
    """Serve the dashboard over the built warehouse."""
    from dashboard.app import create_app

    create_app().run(host=host, port=port, debug=debug)


app()
