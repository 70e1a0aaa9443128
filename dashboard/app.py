"""Builds the Dash app: one shell, pages registered from dashboard/pages/, behind the login and
access guard of dashboard/auth (the navigation lists only the pages the viewer's role may open)."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, dcc, html

from dashboard.auth import policy, web
from dashboard.components.table import register_downloads


def _shell() -> html.Div:
    who = web.viewer()
    pages = [page for page in dash.page_registry.values() if policy.can_view(who.role, page["path"])]
    account = ([html.Span(f"{who.name}（{policy.ROLE_ZH[who.role]}）", id="nav-user", style={"marginRight": "12px"}),
                html.A("退出", href="/logout", id="nav-logout")]
               if who.role != policy.PUBLIC else [html.A("工作人员登录", href="/login", id="nav-login")])
    return html.Div([
        html.Header([
            html.H1("医保基金数据集市", style={"margin": "0 0 4px 0"}),
            html.Nav([dcc.Link(page["name"], href=page["relative_path"], style={"marginRight": "16px"})
                      for page in pages] + [html.Span(account, style={"float": "right"})]),
        ], style={"borderBottom": "1px solid #ddd", "padding": "12px 24px"}),
        html.Main(dash.page_container, style={"padding": "16px 24px"}),
    ], style={"fontFamily": "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"})


def create_app() -> Dash:
    app = Dash(__name__, use_pages=True, pages_folder=str(Path(__file__).parent / "pages"),
               title="医保基金数据集市", serve_locally=True, suppress_callback_exceptions=True)
    app.layout = _shell
    register_downloads(app)
    web.install(app)
    return app
