"""Headline number card."""

from __future__ import annotations

from dash import html

COLORS = {"red": "#d62728", "amber": "#ff9f1c", "green": "#2ca02c", "blue": "#1f77b4",
          "purple": "#9467bd", None: "#333333"}


def kpi_card(title: str, value: str, note: str = "", color: str | None = None,
             card_id: str | None = None) -> html.Div:
    """A card with a title, a large value and a one-line note; color names a warning band."""
    return html.Div([
        html.Div(title, className="kpi-title"),
        html.Div(value, className="kpi-value", style={"color": COLORS.get(color, COLORS[None])}),
        html.Div(note, className="kpi-note"),
    ], className="kpi-card", id=card_id or "")
