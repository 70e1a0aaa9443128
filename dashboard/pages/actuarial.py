"""精算预测: short-term monthly forecasts with their backtest, and the mid/long-term projection
of the pooled funds under 低/中/高 and user-set assumptions (dashboard/views/forecast.py and
dashboard/views/projection.py hold the two sections).

Filters (shareable in the URL): ?tab=short|long&series=<series_id>&fund=employee|resident
&scenario=low_cost|intermediate|high_cost.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from dash import Input, Output, callback, dcc, html

from dashboard.views import forecast, projection

dash.register_page(__name__, path="/actuarial", name="精算预测", order=5,
                   title="精算预测 · 医保基金数据集市")

forecast.callbacks.register()
projection.callbacks.register()

PAGE = "actuarial-page"
#: The component-id prefixes of this page, its views' included (the access guard maps callbacks by them).
ID_PREFIXES = (PAGE, forecast.PAGE, projection.PAGE)
TABS = {"short": "短期预测（月度）", "long": "中长期精算（年度）"}


def layout(tab: str | None = None, series: str | None = None, fund: str | None = None,
           scenario: str | None = None, **_query) -> html.Div:
    tab = tab if tab in TABS else "short"
    # both sections stay in the page (the tabs only show one), so every filter of the URL
    # exists for the callbacks whichever tab is open
    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("精算预测"),
        dcc.Tabs(id=f"{PAGE}-tab", value=tab, children=[dcc.Tab(label=label, value=value)
                                                        for value, label in TABS.items()]),
        html.Div(forecast.section(series), id=f"{PAGE}-short", style=_shown(tab == "short")),
        html.Div(projection.section(fund, scenario), id=f"{PAGE}-long", style=_shown(tab == "long")),
    ])


def _shown(visible: bool) -> dict:
    return {} if visible else {"display": "none"}


@callback(Output(f"{PAGE}-short", "style"), Output(f"{PAGE}-long", "style"), Input(f"{PAGE}-tab", "value"))
def _switch_tab(tab):
    return _shown(tab == "short"), _shown(tab == "long")


@callback(
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-tab", "value"), Input(f"{forecast.PAGE}-series", "value"),
    Input(f"{projection.PAGE}-fund", "value"), Input(f"{projection.PAGE}-scenario", "value"),
    prevent_initial_call=True,
)
def _sync_url(tab, series, fund, scenario):
    """Keep every filter of both sections in the query string, so the view can be shared."""
    return "?" + urlencode({"tab": tab, "series": series, "fund": fund, "scenario": scenario})
