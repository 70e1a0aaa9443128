"""Builds the Dash app: one shell, pages registered from dashboard/pages/."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, dcc, html

from dashboard.components.table import register_downloads


def create_app() -> Dash:
    app = Dash(__name__, use_pages=True, pages_folder=str(Path(__file__).parent / "pages"),
               title="医保基金数据集市", serve_locally=True, suppress_callback_exceptions=True)
    app.layout = html.Div([
        html.Header([
            html.H1("医保基金数据集市", style={"margin": "0 0 4px 0"}),
            html.Nav([dcc.Link(page["name"], href=page["relative_path"], style={"marginRight": "16px"})
                      for page in dash.page_registry.values()]),
        ], style={"borderBottom": "1px solid #ddd", "padding": "12px 24px"}),
        html.Main(dash.page_container, style={"padding": "16px 24px"}),
    ], style={"fontFamily": "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"})
    register_downloads(app)
    return app
