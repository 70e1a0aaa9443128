"""执法成效: what enforcement achieved in a year and an area, for leadership — cases closed, sums
recovered and fined, recovery rate, days to close and overdue upward reports; the outcome funnel
by channel (举报线索 and the inspection types); recoveries and fines by month and by violation
type; the cases due for upward reporting with deadline and status.

Filters (shareable in the URL): ?year=YYYY&area=<admdvs>|all. The first render is built
server-side by layout(); the callback redraws on a change and writes the filters back to the URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html, no_update
from dash.dash_table.Format import Format, Group
from dash.dash_table.Format import Scheme as NumberScheme

from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import COLORS, kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data import enforcement as data
from dashboard.data.db import session

PAGE = "enforcement"
REPORT_TABLE = f"{PAGE}-report-table"

dash.register_page(__name__, path="/enforcement", name="执法成效", order=6.5,
                   title="执法成效 · 医保基金数据集市")

RECOVERED_COLOR, FINE_COLOR = COLORS["blue"], COLORS["amber"]
#: One colour per funnel channel, in the mart's channel order.
CHANNEL_COLORS = {"tip": COLORS["purple"], "insp_1": COLORS["blue"], "insp_2": COLORS["green"],
                  "insp_3": COLORS["red"], "insp_4": COLORS["amber"]}

_MONEY = Format(precision=2, scheme=NumberScheme.fixed, group=Group.yes)
_COUNT = Format(precision=0, scheme=NumberScheme.fixed, group=Group.yes)
#: The upward-report table: frame column → (Chinese header, display format or None for text).
REPORT_COLUMNS = {
    "report_status": ("上报状态", None),
    "report_deadline": ("上报期限", None),
    "days_overdue": ("逾期天数", _COUNT),
    "case_id": ("案件编号", None),
    "fixmedins_name": ("机构名称", None),
    "fixmedins_code": ("机构编码", None),
    "violation_type_zh": ("违规类型", None),
    "involved_amt": ("涉案金额（元）", _MONEY),
    "report_reason": ("上报原因", None),
    "referral_zh": ("移送情况", None),
    "report_trigger_date": ("起算日期", None),
    "report_date": ("上报日期", None),
}
DATE_COLUMNS = ("report_deadline", "report_trigger_date", "report_date")


# ---------------------------------------------------------------- layout

def _pick(value, allowed: list, default):
    """The URL's value when it is one of the allowed ones, else the default."""
    return next((item for item in allowed if str(item) == str(value)), default)


def layout(year: str | None = None, area: str | None = None, **_query) -> html.Div:
    try:
        with session():
            years = data.years()
            if not years:
                return unavailable("数据仓库中还没有执法数据（fct_enforcement_funnel 为空）。", PAGE)
            areas = data.areas()
            year = _pick(year, years, years[0])
            area = _pick(area, areas, data.ALL)
            kpis, figures, rows = _render(year, area)
            as_of = data.as_of_date()
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)

    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("执法成效"),
        html.P(f"案件查处与追回、罚款的成效；数据截至 {as_of:%Y-%m-%d}（执法台账提取日）。" if as_of is not None
               else "案件查处与追回、罚款的成效。", className="kpi-note"),
        html.Div([
            html.Div([html.Label("年度", htmlFor=f"{PAGE}-year"), dcc.Dropdown(
                id=f"{PAGE}-year", options=[{"label": f"{y} 年", "value": y} for y in years],
                value=year, clearable=False)]),
            html.Div([html.Label("统筹区", htmlFor=f"{PAGE}-area"), dcc.Dropdown(
                id=f"{PAGE}-area", value=area, clearable=False,
                options=[{"label": "全部统筹区", "value": data.ALL}] + [{"label": a, "value": a} for a in areas])]),
        ], className="filters"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div([
            html.Div(kpis, id=f"{PAGE}-kpis", className="kpi-row"),
            dcc.Graph(id=f"{PAGE}-funnel", figure=figures["funnel"], config=GRAPH_CONFIG),
            html.Div([dcc.Graph(id=f"{PAGE}-{key}", figure=figures[key], config=GRAPH_CONFIG)
                      for key in ("by-month", "by-violation")], className="chart-grid"),
            html.H3("应上报案件（涉案金额 50 万元以上或移送公安机关）", style={"marginTop": "20px"}),
            html.P("结案或移送公安机关之日起 7 日内向上级医保部门报告；逾期未报的案件列在最前。",
                   className="kpi-note"),
            _report_table(rows),
        ]), type="circle", delay_show=300),
    ])


def _report_table(rows: list[dict]) -> html.Div:
    """The upward-report table, 逾期未报 rows in red."""
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    block = data_table(REPORT_TABLE, frame, {col: header for col, (header, _) in REPORT_COLUMNS.items()},
                       page_size=15)
    grid = block.children[1]
    grid.columns = [{**column, "type": "numeric", "format": REPORT_COLUMNS[column["id"]][1]}
                    if REPORT_COLUMNS[column["id"]][1] else {**column, "type": "text"}
                    for column in grid.columns]
    grid.style_data_conditional = [{"if": {"filter_query": f'{{report_status}} = "{data.OVERDUE_UNREPORTED}"'},
                                    "backgroundColor": "#fdecea", "color": COLORS["red"], "fontWeight": "bold"}]
    return block


# ---------------------------------------------------------------- callback

@callback(
    Output(f"{PAGE}-kpis", "children"),
    Output(f"{PAGE}-funnel", "figure"),
    Output(f"{PAGE}-by-month", "figure"),
    Output(f"{PAGE}-by-violation", "figure"),
    Output(table_data_id(REPORT_TABLE), "data"),
    Output(f"{PAGE}-url", "search"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-year", "value"),
    Input(f"{PAGE}-area", "value"),
    prevent_initial_call=True,
)
def _update(year, area):
    if year is None or not area:
        return (no_update,) * 7
    try:
        with session():
            kpis, figures, rows = _render(int(year), str(area))
    except WarehouseUnavailable as exc:
        return (*(no_update,) * 6, unavailable(str(exc), PAGE))
    search = "?" + urlencode({"year": year, "area": area})
    return (kpis, figures["funnel"], figures["by-month"], figures["by-violation"], rows, search, None)


# ---------------------------------------------------------------- rendering

def _render(year: int, area: str):
    """KPI cards, figures (by id suffix) and the report table's rows for one year and area."""
    summary = data.kpis(year, area)
    figures = {"funnel": _funnel_figure(data.funnel(year, area), year),
               "by-month": _month_figure(data.recovery_by_month(year, area), year),
               "by-violation": _violation_figure(data.recovery_by_violation(year, area), year)}
    reports = data.upward_reports(year, area)
    for column in DATE_COLUMNS:
        reports[column] = pd.to_datetime(reports[column]).dt.strftime("%Y-%m-%d")
    rows = reports[list(REPORT_COLUMNS)]
    return _kpis(summary, year), figures, rows.astype(object).where(rows.notna(), None).to_dict("records")


def _kpis(s: pd.Series, year: int) -> list:
    overdue = int(s["reports_overdue"])
    median = s["days_to_close_median"]
    return [
        kpi_card("结案数", f"{fmt.count(s['cases_closed'])} 件", f"{year} 年结案（含撤销）",
                 card_id=f"{PAGE}-kpi-closed"),
        kpi_card("追回金额", fmt.money(s["recovered_amt"]), f"结案案件涉案金额 {fmt.money(s['involved_amt'])}",
                 card_id=f"{PAGE}-kpi-recovered"),
        kpi_card("罚款金额", fmt.money(s["fine_amt"]), "结案案件罚款合计", card_id=f"{PAGE}-kpi-fines"),
        kpi_card("追回率", fmt.percent(s["recovery_rate"]), "追回金额 ÷ 涉案金额（结案案件）",
                 card_id=f"{PAGE}-kpi-rate"),
        kpi_card("结案用时中位数", "—" if pd.isna(median) else f"{float(median):.0f} 天", "立案至结案天数",
                 card_id=f"{PAGE}-kpi-days"),
        kpi_card("逾期未报", f"{fmt.count(overdue)} 件",
                 f"应上报 {fmt.count(s['reports_due'])} 件，逾期上报 {fmt.count(s['reports_late'])} 件",
                 color="red" if overdue else None, card_id=f"{PAGE}-kpi-overdue"),
    ]


def _empty(fig: go.Figure, message: str | None) -> go.Figure:
    """An empty chart says why instead of drawing bare axes."""
    if message:
        fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font={"size": 14, "color": "#888"})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def _funnel_figure(funnel: pd.DataFrame, year: int) -> go.Figure:
    """Each channel's leads → closed → verified → cases → closed cases, stacked by channel."""
    fig = go.Figure()
    stages = list(data.FUNNEL_STAGES.values())
    for r in funnel.itertuples():
        fig.add_funnel(
            y=stages, x=[int(getattr(r, stage)) for stage in data.FUNNEL_STAGES], name=r.channel_zh,
            marker={"color": CHANNEL_COLORS.get(r.channel)}, textinfo="value",
            customdata=[[fmt.money(r.involved_amt), fmt.money(r.recovered_amt), fmt.money(r.fine_amt)]] * len(stages),
            hovertemplate=(f"<b>{r.channel_zh}</b> · " + "%{y}：%{x:,}<br>立案涉案 %{customdata[0]}，"
                           "追回 %{customdata[1]}，罚款 %{customdata[2]}<extra></extra>"))
    styled(fig, f"{year} 年线索与检查的查处漏斗（按来源渠道）")
    fig.update_layout(height=420, funnelmode="stack", legend={"y": -0.1})
    return _empty(fig, None if len(funnel) else "所选年度和统筹区没有线索或检查")


def _month_figure(monthly: pd.DataFrame, year: int) -> go.Figure:
    """Σ recovered and Σ fined of the cases closed in each month."""
    fig = go.Figure()
    months = monthly["close_month"].dt.strftime("%Y-%m").tolist()
    for column, name, color in (("recovered_amt", "追回金额", RECOVERED_COLOR), ("fine_amt", "罚款金额", FINE_COLOR)):
        fig.add_bar(x=months, y=monthly[column].astype(float).tolist(), name=name, marker_color=color,
                    customdata=monthly[["cases_closed"]].values.tolist(),
                    hovertemplate=f"%{{x}} {name} %{{y:,.2f}} 元<br>结案 %{{customdata[0]}} 件<extra></extra>")
    styled(fig, f"{year} 年各月追回与罚款（按结案月份）", "金额（元）")
    fig.update_layout(height=380, barmode="group")
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",.0f")
    return _empty(fig, None if len(monthly) else "所选年度和统筹区没有结案案件")


def _violation_figure(by_type: pd.DataFrame, year: int) -> go.Figure:
    """Σ recovered and Σ fined by violation type, largest at the top."""
    fig = go.Figure()
    shown = by_type.iloc[::-1]
    for column, name, color in (("recovered_amt", "追回金额", RECOVERED_COLOR), ("fine_amt", "罚款金额", FINE_COLOR)):
        fig.add_bar(y=shown["violation_type_zh"].tolist(), x=shown[column].astype(float).tolist(), name=name,
                    orientation="h", marker_color=color, customdata=shown[["cases_closed"]].values.tolist(),
                    hovertemplate=f"<b>%{{y}}</b><br>{name} %{{x:,.2f}} 元<br>结案 %{{customdata[0]}} 件<extra></extra>")
    styled(fig, f"{year} 年追回与罚款（按违规类型）")
    fig.update_layout(height=max(380, 30 * len(shown) + 160), barmode="stack", margin={"l": 160},
                      legend={"traceorder": "normal"})
    fig.update_xaxes(title="金额（元）", tickformat=",.0f")
    return _empty(fig, None if len(by_type) else "所选年度和统筹区没有结案案件")
