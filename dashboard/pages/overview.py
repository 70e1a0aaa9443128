"""基金运行总览: fund health at a glance for leadership — income, expenditure, current and
cumulative balance, months of reserve with its warning band, growth, the composition of
expenditure and the institutions driving the growth of fund pay.

Filters (shareable in the URL): ?fund=<fund_pay_type>&period=<YYYY-MM> (the month the period
ends; the period runs from January of that year).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html, no_update
from dash.dash_table.Format import Format, Group, Scheme

from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable, session
from dashboard.data.fund import (
    DEFAULT_FUND,
    INSTITUTION_PAY_LABEL,
    fund_catalog,
    fund_series,
    institution_pay_growth,
)

dash.register_page(__name__, path="/", name="基金运行总览", order=1,
                   title="基金运行总览 · 医保基金数据集市")

PAGE = "overview"
TABLE_ID = "overview-growth-table"

CATEGORIES = (  # expenditure category column → label, colour
    ("outpatient", "门诊", "#1f77b4"),
    ("inpatient", "住院", "#ff7f0e"),
    ("pharmacy", "定点药店", "#2ca02c"),
    ("out_of_area", "异地就医", "#9467bd"),
)
INCOME_COLOR, EXPENDITURE_COLOR, BALANCE_COLOR = "#2a7ab0", "#e4572e", "#444444"
KPI_GRID = {"display": "grid", "gridTemplateColumns": "repeat(auto-fit, minmax(165px, 1fr))"}
MONEY_COLUMNS = ("current_amt", "base_amt", "increase_amt")
PERCENT_COLUMNS = ("growth_rate", "contribution_share")


# ---------------------------------------------------------------- layout

def layout(fund: str | None = None, period: str | None = None, **_query) -> html.Div:
    try:
        with session():
            return _layout(fund, period)
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)


def _layout(fund: str | None, period: str | None) -> html.Div:
    try:
        catalog = fund_catalog()
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)
    if catalog.empty:
        return unavailable("数据仓库中没有基金运行数据（fct_fund_monthly 为空），请先导入数据并重新构建。", PAGE)
    months = _month_options(catalog)
    fund = fund if fund in set(catalog["fund_pay_type"]) else _default_fund(catalog)
    period = period if period in {o["value"] for o in months} else months[0]["value"]
    try:
        fund_parts = _fund_outputs(fund, period)
        growth_parts = _growth_outputs(fund, period)
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)
    scope, kpis, trend, growth, composition, composition_ytd = fund_parts
    top_figure, top_rows, top_note = growth_parts
    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("基金运行总览", style={"marginBottom": "4px"}),
        html.P("基金收入、支出、结余与可支付月数取自基金运行月度表（fct_fund_monthly）；"
               "金额为元、万元或亿元，支出已扣除退费。统计期为所选月份所在年度的 1 月至该月。",
               style={"color": "#666", "marginTop": 0, "fontSize": "13px"}),
        html.Div([
            html.Div([html.Label("基金险种", htmlFor=f"{PAGE}-fund"),
                      dcc.Dropdown(id=f"{PAGE}-fund", options=_fund_options(catalog), value=fund,
                                   clearable=False, searchable=False)],
                     style={"minWidth": "280px"}),
            html.Div([html.Label("统计期（截至月份）", htmlFor=f"{PAGE}-period"),
                      dcc.Dropdown(id=f"{PAGE}-period", options=months, value=period,
                                   clearable=False, searchable=False)]),
        ], className="filters"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div([
            html.H3(scope, id=f"{PAGE}-scope", style={"margin": "4px 0"}),
            html.Div(kpis, id=f"{PAGE}-kpis", className="kpi-row", style=KPI_GRID),
            html.Div([
                _graph("trend", trend),
                _graph("growth", growth),
                _graph("composition", composition),
                _graph("composition-ytd", composition_ytd),
            ], className="chart-grid"),
        ]), type="default"),
        html.H3("基金支付增长贡献前 10 位机构", style={"marginBottom": "4px"}),
        html.P(top_note, id=f"{PAGE}-growth-note", style={"color": "#666", "marginTop": 0, "fontSize": "13px"}),
        dcc.Loading(html.Div([
            _graph("top-institutions", top_figure),
            _institution_table(top_rows),
        ]), type="default"),
    ])


def _graph(name: str, figure: go.Figure) -> dcc.Graph:
    return dcc.Graph(id=f"{PAGE}-{name}", figure=figure, config=GRAPH_CONFIG, style={"height": "380px"})


def _institution_table(rows: list[dict]) -> html.Div:
    columns = {"rank": "排名", "fixmedins_name": "机构名称", "fixmedins_code": "机构编码",
               "peer_group_zh": "机构类别", "current_amt": "本期（万元）", "base_amt": "上年同期（万元）",
               "increase_amt": "增加额（万元）", "growth_rate": "增长率（%）", "contribution_share": "增长贡献率（%）"}
    block = data_table(TABLE_ID, pd.DataFrame(rows, columns=list(columns)), columns, page_size=10)
    table = block.children[1]
    number = Format(group=Group.yes, precision=2, scheme=Scheme.fixed)
    table.columns = [{**c, "type": "numeric", "format": number} if c["id"] in MONEY_COLUMNS + PERCENT_COLUMNS
                     else c for c in table.columns]
    table.style_cell_conditional = [{"if": {"column_id": c}, "textAlign": "left"}
                                    for c in ("fixmedins_name", "fixmedins_code", "peer_group_zh")]
    return block


# ---------------------------------------------------------------- callbacks

@callback(
    Output(f"{PAGE}-scope", "children"),
    Output(f"{PAGE}-kpis", "children"),
    Output(f"{PAGE}-trend", "figure"),
    Output(f"{PAGE}-growth", "figure"),
    Output(f"{PAGE}-composition", "figure"),
    Output(f"{PAGE}-composition-ytd", "figure"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-fund", "value"),
    Input(f"{PAGE}-period", "value"),
    prevent_initial_call=True,
)
def update_fund(fund: str, period: str):
    try:
        return (*_fund_outputs(fund, period), None)
    except WarehouseUnavailable as exc:
        return (*[no_update] * 6, unavailable(str(exc), PAGE))


@callback(
    Output(f"{PAGE}-top-institutions", "figure"),
    Output(table_data_id(TABLE_ID), "data"),
    Output(f"{PAGE}-growth-note", "children"),
    Input(f"{PAGE}-fund", "value"),
    Input(f"{PAGE}-period", "value"),
    prevent_initial_call=True,
)
def update_institutions(fund: str, period: str):
    try:
        return _growth_outputs(fund, period)
    except WarehouseUnavailable as exc:
        return no_update, no_update, str(exc)


@callback(
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-fund", "value"),
    Input(f"{PAGE}-period", "value"),
    prevent_initial_call=True,
)
def write_url(fund: str, period: str) -> str:
    """Keep the filters in the address bar, so the view can be bookmarked and shared."""
    return "?" + urlencode({"fund": fund, "period": period})


# ---------------------------------------------------------------- builders

def _fund_outputs(fund: str, period: str) -> tuple:
    series = fund_series(fund, _period_end(period))
    if series.empty:
        empty = _empty_figure("所选基金在该统计期没有数据")
        return "所选基金在该统计期没有数据", [], empty, empty, empty, empty
    last = series.iloc[-1]
    scope = (f"{last['fund_name_zh']}（{last['fund_pay_type']}） · "
             f"{_span(int(last['year']), int(last['month']))}")
    return (scope, _kpi_cards(last), _trend_figure(series), _growth_figure(series),
            _composition_figure(series), _composition_ytd_figure(last))


def _growth_outputs(fund: str, period: str) -> tuple[go.Figure, list[dict], str]:
    end = _period_end(period)
    top = institution_pay_growth(fund, end, limit=10)
    label = INSTITUTION_PAY_LABEL[top["measure"].iloc[0]] if not top.empty else "基金支付"
    span = _span(end.year, end.month)
    if top.empty:
        return _empty_figure("该统计期没有机构结算数据"), [], f"{span}没有机构结算数据。"
    has_base = bool(top["has_base"].iloc[0])
    if has_base:
        note = (f"按 {span}{label}较上年同期（{end.year - 1}年同月份）的增加额排序；"
                "增长贡献率 = 机构增加额 ÷ 全部机构净增加额。")
    else:
        note = (f"数据未覆盖上年同期（{end.year - 1}年），无法计算增长，"
                f"暂按 {span}{label}金额排序列出前 10 位机构。")
    return _top_figure(top, label, span, has_base), _table_rows(top), note


def _kpi_cards(row: pd.Series) -> list[html.Div]:
    month = f"{int(row['month'])}月"
    def yoy_note(value) -> str:
        return "较上年同月" if pd.notna(value) else "无上年同期数据"
    cards = [
        kpi_card("基金收入（本年累计）", fmt.money(row["income_ytd_amt"]),
                 f"{month}当月 {fmt.money(row['income_amt'])}", card_id=f"{PAGE}-kpi-income"),
        kpi_card("基金支出（本年累计）", fmt.money(row["expenditure_ytd_amt"]),
                 f"{month}当月 {fmt.money(row['expenditure_amt'])}", card_id=f"{PAGE}-kpi-expenditure"),
        kpi_card("当期结余（本年累计）", fmt.money(row["ytd_current_balance_amt"]),
                 f"{month}当月结余率 {fmt.percent(row['balance_rate'])}",
                 color="red" if row["ytd_current_balance_amt"] < 0 else None,
                 card_id=f"{PAGE}-kpi-current-balance"),
        kpi_card("累计结余", fmt.money(row["cumulative_balance_amt"]),
                 f"截至 {int(row['year'])}年{month}末", card_id=f"{PAGE}-kpi-cumulative-balance"),
        kpi_card("累计结余可支付月数", fmt.months(row["reserve_months"]),
                 f"预警区间：{row['reserve_band_label_zh']}" if pd.notna(row["reserve_band_label_zh"])
                 else "无累计结余数据",
                 color=row["reserve_band_color"] if pd.notna(row["reserve_band_color"]) else None,
                 card_id=f"{PAGE}-kpi-reserve"),
        kpi_card(f"基金收入同比（{month}）", fmt.percent(row["income_yoy"], signed=True),
                 yoy_note(row["income_yoy"]), card_id=f"{PAGE}-kpi-income-yoy"),
        kpi_card(f"基金支出同比（{month}）", fmt.percent(row["expenditure_yoy"], signed=True),
                 yoy_note(row["expenditure_yoy"]), card_id=f"{PAGE}-kpi-expenditure-yoy"),
    ]
    for card in cards:  # seven cards in one row: keep each value on one line
        card.children[1].style = {**card.children[1].style, "fontSize": "21px", "whiteSpace": "nowrap"}
    return cards


def _trend_figure(series: pd.DataFrame) -> go.Figure:
    unit, size = _unit(series[["income_amt", "expenditure_amt"]])
    x = series["month_start"]
    fig = go.Figure()
    for column, label, color in (("income_amt", "基金收入", INCOME_COLOR),
                                 ("expenditure_amt", "基金支出", EXPENDITURE_COLOR)):
        fig.add_bar(x=x, y=series[column] / size, name=label, marker_color=color,
                    customdata=series[column].map(fmt.money),
                    hovertemplate=f"{label}：%{{customdata}}<extra></extra>")
    fig.add_scatter(x=x, y=series["current_balance_amt"] / size, name="当期结余", mode="lines+markers",
                    line={"color": BALANCE_COLOR, "width": 2},
                    customdata=series["current_balance_amt"].map(fmt.money),
                    hovertemplate="当期结余：%{customdata}<extra></extra>")
    fig.update_layout(barmode="group", hovermode="x unified")
    _month_axis(fig, series)
    fig.update_yaxes(tickformat=",~f")
    return styled(fig, "月度基金收支与当期结余", f"金额（{unit}）")


def _growth_figure(series: pd.DataFrame) -> go.Figure:
    has_yoy = series[["income_yoy", "expenditure_yoy"]].notna().any().any()
    kind, suffix = ("同比", "yoy") if has_yoy else ("环比", "mom")
    fig = go.Figure()
    for stem, label, color in (("income", "基金收入", INCOME_COLOR), ("expenditure", "基金支出", EXPENDITURE_COLOR)):
        column = f"{stem}_{suffix}"
        fig.add_scatter(x=series["month_start"], y=series[column], name=f"{label}{kind}增长率",
                        mode="lines+markers", line={"color": color, "width": 2}, connectgaps=False,
                        customdata=series[column].map(lambda v: fmt.percent(v, signed=True)),
                        hovertemplate=f"{label}{kind}：%{{customdata}}<extra></extra>")
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_yaxes(tickformat=".0%")
    _month_axis(fig, series)
    fig.update_layout(hovermode="x unified")
    title = f"基金收支{kind}增长率"
    if not has_yoy:
        title += "（无上年同期，显示环比）"
    return styled(fig, title, "增长率（%）")


def _composition_figure(series: pd.DataFrame) -> go.Figure:
    columns = [f"expenditure_{key}_amt" for key, _, _ in CATEGORIES]
    unit, size = _unit(series[["expenditure_amt"]])
    fig = go.Figure()
    for (key, label, color), column in zip(CATEGORIES, columns):
        fig.add_bar(x=series["month_start"], y=series[column] / size, name=label, marker_color=color,
                    customdata=series[column].map(fmt.money),
                    hovertemplate=f"{label}：%{{customdata}}<extra></extra>")
    fig.update_layout(barmode="relative", hovermode="x unified")
    _month_axis(fig, series)
    fig.update_yaxes(tickformat=",~f")
    return styled(fig, "基金支出构成（门诊/住院/药店/异地，按月）", f"基金支出（{unit}）")


def _composition_ytd_figure(row: pd.Series) -> go.Figure:
    values = [row[f"ytd_expenditure_{key}_amt"] for key, _, _ in CATEGORIES]
    fig = go.Figure(go.Pie(
        labels=[label for _, label, _ in CATEGORIES], values=values, hole=0.45, sort=False,
        marker={"colors": [color for _, _, color in CATEGORIES]},
        customdata=[fmt.money(v) for v in values], texttemplate="%{label}<br>%{percent:.1%}",
        hovertemplate="%{label}：%{customdata}<br>占比 %{percent:.1%}<extra></extra>"))
    fig.update_layout(annotations=[{"text": f"合计<br>{fmt.money(row['expenditure_ytd_amt'])}",
                                    "showarrow": False, "font": {"size": 13}}])
    return styled(fig, f"{_span(int(row['year']), int(row['month']))}累计基金支出构成")


def _top_figure(top: pd.DataFrame, label: str, span: str, has_base: bool) -> go.Figure:
    ordered = top.iloc[::-1]  # largest on top of a horizontal bar chart
    column = "increase_amt" if has_base else "current_amt"
    unit, size = _unit(ordered[[column]])
    custom = list(zip(ordered["current_amt"].map(fmt.money), ordered["base_amt"].map(fmt.money),
                      ordered["increase_amt"].map(fmt.money),
                      ordered["growth_rate"].map(lambda v: fmt.percent(v, signed=True)),
                      ordered["contribution_share"].map(fmt.percent), ordered["peer_group_zh"].fillna("—")))
    if has_base:
        hover = ("<b>%{y}</b>（%{customdata[5]}）<br>本期：%{customdata[0]}<br>上年同期：%{customdata[1]}"
                 "<br>增加额：%{customdata[2]}<br>增长率：%{customdata[3]}<br>增长贡献率：%{customdata[4]}<extra></extra>")
        title = f"{span}{label}增加额前 10 位机构"
    else:
        hover = "<b>%{y}</b>（%{customdata[5]}）<br>本期：%{customdata[0]}<extra></extra>"
        title = f"{span}{label}前 10 位机构（无上年同期数据）"
    fig = go.Figure(go.Bar(x=ordered[column] / size, y=ordered["fixmedins_name"], orientation="h",
                           marker_color=EXPENDITURE_COLOR if has_base else INCOME_COLOR,
                           customdata=custom, hovertemplate=hover))
    fig = styled(fig, title)
    fig.update_xaxes(title_text=f"{'增加额' if has_base else label}（{unit}）")
    fig.update_layout(margin={"l": 200}, showlegend=False)
    return fig


def _table_rows(top: pd.DataFrame) -> list[dict]:
    frame = top.assign(rank=range(1, len(top) + 1))
    for column in MONEY_COLUMNS:
        frame[column] = (frame[column] / 1e4).round(2)  # 元 → 万元, the table's stated unit
    for column in PERCENT_COLUMNS:
        frame[column] = (frame[column] * 100).round(2)  # ratio → %, the table's stated unit
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")


def _empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(annotations=[{"text": message, "showarrow": False, "font": {"size": 15}}],
                      xaxis={"visible": False}, yaxis={"visible": False})
    return styled(fig, "")


# ---------------------------------------------------------------- helpers

def _month_axis(fig: go.Figure, series: pd.DataFrame) -> None:
    fig.update_xaxes(tickformat="%Y年%m月", hoverformat="%Y年%m月", dtick="M3" if len(series) > 12 else "M2")


def _unit(frame: pd.DataFrame) -> tuple[str, float]:
    """万元 for county-sized monthly amounts, 亿元 once they reach ten 亿."""
    peak = frame.abs().max().max()
    return ("亿元", 1e8) if pd.notna(peak) and peak >= 1e9 else ("万元", 1e4)


def _fund_options(catalog: pd.DataFrame) -> list[dict]:
    return [{"label": f"{r.fund_name_zh}（{r.fund_pay_type}）", "value": r.fund_pay_type}
            for r in catalog.itertuples()]


def _default_fund(catalog: pd.DataFrame) -> str:
    codes = list(catalog["fund_pay_type"])
    return DEFAULT_FUND if DEFAULT_FUND in codes else codes[0]


def _month_options(catalog: pd.DataFrame) -> list[dict]:
    """Every month of the mart, newest first, as 'YYYY-MM' values."""
    months = pd.date_range(catalog["first_month"].min(), catalog["last_month"].max(), freq="MS")
    return [{"label": f"{m.year}年{m.month}月", "value": f"{m.year}-{m.month:02d}"} for m in months[::-1]]


def _span(year: int, month: int) -> str:
    return f"{year}年1–{month}月" if month > 1 else f"{year}年1月"


def _period_end(period: str) -> dt.date:
    year, month = period.split("-")
    return dt.date(int(year), int(month), 1)

