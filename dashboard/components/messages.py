"""The message a page shows instead of a traceback when the warehouse is not there."""

from __future__ import annotations

from dash import html


def unavailable(message: str, page_id: str) -> html.Div:
    return html.Div(message, id=f"{page_id}-unavailable", className="alert")
