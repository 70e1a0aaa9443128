"""预算执行监测: total-budget execution by institution against time progress, alerts, year-end
projection, one institution's curve against its past years, and roll-ups by group.

Layout renders the first view from the query string (?year=&month=&insutype=&inst=&rollup=);
callbacks redraw on filter changes and write the filters back to the URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import COLORS, kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data import budget as data
from dashboard.data.db import session

dash.register_page(__name__, path="/budget", name="预算执行监测", order=2,
                   title="预算执行监测 · 医保基金数据集市")

PAGE = "budget"
INSUTYPE_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "391": "城镇居民基本医疗保险"}
ALERT_ORDER = [("red", "超支预警"), ("amber", "执行偏快"), ("blue", "执行偏慢"), ("green", "正常")]
ROLLUP_ZH = {"inst_type": "机构类型", "level_grade": "医院等级", "peer_group": "同类机构组（类型×等级）",
             "region": "医保区划"}
METHOD_ZH = {"seasonal_institution": "季节性（本机构历年）", "seasonal_peer_group": "季节性（同类机构）",
             "seasonal_all": "季节性（全部机构）", "linear": "线性外推"}
WAN = 1e4  # 元 per 万元: chart axes in 万元

ALERT_COLUMNS = {
    "fixmedins_name": "机构名称", "fixmedins_code": "机构编码", "inst_type_zh": "机构类型",
    "level_grade_zh": "等级", "alert_level_zh": "预警等级", "budget_wan": "年度预算（万元）",
    "ytd_wan": "累计统筹支出（万元）", "execution_pct": "执行率（%）", "time_progress_pct": "时间进度（%）",
    "gap_pp": "偏差（百分点）", "projected_pct": "预计年末执行率（%）",
    "over_under_wan": "预计超支(+)/结余(−)（万元）", "method_zh": "预测方法",
}
ROLLUP_COLUMNS = {
    "group_name_zh": "分组", "institution_count": "机构数", "budget_wan": "年度预算（万元）",
    "ytd_wan": "累计统筹支出（万元）", "execution_pct": "执行率（%）", "gap_pp": "偏差（百分点）",
    "projected_pct": "预计年末执行率（%）", "over_under_wan": "预计超支(+)/结余(−)（万元）",
    "red_alert_count": "超支预警", "amber_alert_count": "执行偏快", "blue_alert_count": "执行偏慢",
}


# ---------------------------------------------------------------- query string and filters

def _pick(value, allowed: list, default):
    """The URL's value when it is one of the allowed ones, else the default."""
    for candidate in allowed:
        if str(candidate) == str(value):
            return candidate
    return default


def _month_options(periods: pd.DataFrame, year: int) -> list[dict]:
    months = sorted(periods.loc[periods["budget_year"] == year, "month_of_year"].unique())
    return [{"label": f"{int(m)} 月", "value": int(m)} for m in months]


def _pp(value) -> str:
    """A gap in percentage points (formatting has no pp helper)."""
    return "—" if value is None or pd.isna(value) else f"{float(value):+.1f} 个百分点"


# ---------------------------------------------------------------- display frames

def _alert_rows(frame: pd.DataFrame) -> list[dict]:
    """The alert list as numbers in display units (万元, %), so the table sorts numerically."""
    rows = frame.assign(
        budget_wan=(frame["budget_amt"].astype(float) / WAN).round(2),
        ytd_wan=(frame["ytd_hifp_pay"].astype(float) / WAN).round(2),
        execution_pct=(frame["execution_rate"].astype(float) * 100).round(1),
        time_progress_pct=(frame["time_progress_months"].astype(float) * 100).round(1),
        gap_pp=frame["execution_gap_pp"].astype(float).round(1),
        projected_pct=(frame["projected_execution_rate"].astype(float) * 100).round(1),
        over_under_wan=(frame["projected_over_under_amt"].astype(float) / WAN).round(2),
        method_zh=frame["projection_method"].map(METHOD_ZH).fillna(frame["projection_method"]),
    )
    return rows[list(ALERT_COLUMNS)].to_dict("records")


def _rollup_rows(frame: pd.DataFrame) -> list[dict]:
    rows = frame.assign(
        budget_wan=(frame["budget_amt"].astype(float) / WAN).round(2),
        ytd_wan=(frame["ytd_hifp_pay"].astype(float) / WAN).round(2),
        execution_pct=(frame["execution_rate"].astype(float) * 100).round(1),
        gap_pp=frame["execution_gap_pp"].astype(float).round(1),
        projected_pct=(frame["projected_execution_rate"].astype(float) * 100).round(1),
        over_under_wan=(frame["projected_over_under_amt"].astype(float) / WAN).round(2),
    )
    return rows[list(ROLLUP_COLUMNS)].to_dict("records")


# ---------------------------------------------------------------- KPI cards and charts

def _kpis(total: pd.DataFrame, year: int, month: int, insutype: str) -> list:
    if total.empty:
        return [html.Div(f"{year} 年 {month} 月{INSUTYPE_ZH.get(insutype, insutype)}暂无预算执行数据。",
                         className="alert")]
    t = total.iloc[0]
    over = t["projected_over_under_amt"]
    over_note = (f"预计超支 {fmt.money(over)}" if float(over) > 0
                 else f"预计结余 {fmt.money(-float(over))}")
    return [
        kpi_card("年度总额预算", fmt.money(t["budget_amt"]),
                 f"{INSUTYPE_ZH.get(insutype, insutype)} · {fmt.count(t['institution_count'])} 家定点机构",
                 card_id=f"{PAGE}-kpi-budget"),
        kpi_card("累计统筹基金支出", fmt.money(t["ytd_hifp_pay"]),
                 f"截至 {year} 年 {month} 月 · 当月 {fmt.money(t['month_hifp_pay'])}",
                 card_id=f"{PAGE}-kpi-ytd"),
        kpi_card("预算执行率", fmt.percent(t["execution_rate"]),
                 f"时间进度 {fmt.percent(t['time_progress_months'])} · 偏差 {_pp(t['execution_gap_pp'])}",
                 card_id=f"{PAGE}-kpi-rate"),
        kpi_card("预计年末执行率", fmt.percent(t["projected_execution_rate"]), over_note,
                 card_id=f"{PAGE}-kpi-projected"),
        _alert_card(t),
    ]


def _alert_card(t: pd.Series) -> html.Div:
    """The three alert counts in one card, each in its level's colour."""
    counts = [("red", "超支预警", t["red_alert_count"]), ("amber", "执行偏快", t["amber_alert_count"]),
              ("blue", "执行偏慢", t["blue_alert_count"])]
    return html.Div([
        html.Div("预警机构（家）", className="kpi-title"),
        html.Div([html.Span([html.Span(label + " ", style={"fontSize": "13px", "color": "#666"}),
                             html.Span(fmt.count(n), id=f"{PAGE}-kpi-{level}",
                                       style={"color": COLORS[level] if n else COLORS[None]})],
                            style={"marginRight": "14px"}) for level, label, n in counts],
                 className="kpi-value"),
        html.Div("按预警规则表判定（执行偏差、预计年末执行率）", className="kpi-note"),
    ], className="kpi-card", style={"flex": "2 1 320px"})


def _hover_data(frame: pd.DataFrame) -> list[list[str]]:
    return [[r.fixmedins_code, fmt.percent(r.time_progress_months), _pp(r.execution_gap_pp),
             fmt.money(r.ytd_hifp_pay), fmt.money(r.budget_amt), fmt.percent(r.projected_execution_rate),
             fmt.money(r.projected_year_end_amt), r.alert_level_zh,
             METHOD_ZH.get(r.projection_method, r.projection_method)]
            for r in frame.itertuples()]


def _bar_height(n: int) -> int:
    return max(380, 28 * n + 140)


def _execution_figure(frame: pd.DataFrame, year: int, month: int) -> go.Figure:
    """Execution rate per institution as bars coloured by alert level, with the time progress."""
    fig = go.Figure()
    shown = frame.iloc[::-1]  # most severe at the top of a horizontal bar chart
    for level, label in ALERT_ORDER:
        part = shown[shown["alert_level"] == level]
        if part.empty:
            continue
        fig.add_bar(
            y=part["fixmedins_name"], x=part["execution_rate"].astype(float).tolist(), orientation="h",
            name=label, marker_color=COLORS[level], customdata=_hover_data(part),
            hovertemplate=("<b>%{y}</b><br>执行率 %{x:.1%}（时间进度 %{customdata[1]}）"
                           "<br>偏差 %{customdata[2]}<br>累计支出 %{customdata[3]} / 预算 %{customdata[4]}"
                           "<br>预警：%{customdata[7]}<extra></extra>"),
        )
    if not frame.empty:
        progress = float(frame["time_progress_months"].iloc[0])
        fig.add_vline(x=progress, line_dash="dash", line_color="#444",
                      annotation_text=f"时间进度 {fmt.percent(progress)}", annotation_position="bottom right",
                      annotation_bgcolor="rgba(255,255,255,0.8)")
    styled(fig, f"预算执行率与时间进度（{year} 年 1–{month} 月）")
    fig.update_layout(height=_bar_height(len(frame)), barmode="overlay", margin={"l": 220},
                      yaxis={"categoryorder": "array", "categoryarray": list(shown["fixmedins_name"])})
    fig.update_xaxes(title="预算执行率（累计统筹支出 ÷ 年度预算）", tickformat=".0%")
    return fig


def _projection_figure(frame: pd.DataFrame, year: int) -> go.Figure:
    """Budget against projected year-end pay per institution, in 万元."""
    shown = frame.iloc[::-1]
    custom = _hover_data(shown)
    fig = go.Figure()
    fig.add_bar(y=shown["fixmedins_name"], x=shown["budget_amt"].astype(float) / WAN, orientation="h",
                name="年度总额预算", marker_color="#c7c7c7", customdata=custom,
                hovertemplate="<b>%{y}</b><br>年度预算 %{customdata[4]}<extra></extra>")
    fig.add_bar(y=shown["fixmedins_name"], x=shown["projected_year_end_amt"].astype(float) / WAN,
                orientation="h", name="预计年末统筹支出",
                marker_color=[COLORS.get(level, COLORS[None]) for level in shown["alert_level"]],
                customdata=custom,
                hovertemplate=("<b>%{y}</b><br>预计年末支出 %{customdata[6]}（%{customdata[5]}）"
                               "<br>预测方法：%{customdata[8]}<extra></extra>"))
    fig.add_scatter(y=shown["fixmedins_name"], x=shown["ytd_hifp_pay"].astype(float) / WAN, mode="markers",
                    name="已累计支出", marker={"symbol": "diamond", "color": "#222", "size": 8},
                    customdata=custom,
                    hovertemplate="<b>%{y}</b><br>已累计支出 %{customdata[3]}<extra></extra>")
    styled(fig, f"预计年末支出与年度预算（{year} 年）")
    fig.update_layout(height=_bar_height(len(frame)), barmode="group", margin={"l": 220},
                      yaxis={"categoryorder": "array", "categoryarray": list(shown["fixmedins_name"])})
    fig.update_xaxes(title="金额（万元）", tickformat=",.0f")
    return fig


def _curve_figure(curve: pd.DataFrame, name: str, year: int, month: int) -> go.Figure:
    """One institution's cumulative execution by month: this year, past years, time progress."""
    fig = go.Figure()
    current = curve[(curve["budget_year"] == year) & (curve["month_of_year"] <= month)]
    full_year = curve.sort_values("month_of_year").drop_duplicates("month_of_year")
    if not full_year.empty:
        fig.add_scatter(x=full_year["month_of_year"], y=full_year["time_progress_months"].astype(float),
                        mode="lines", name="时间进度", line={"color": "#888", "dash": "dash"},
                        hovertemplate="%{x} 月 时间进度 %{y:.1%}<extra></extra>")
    for past_year in sorted(curve.loc[curve["budget_year"] < year, "budget_year"].unique(), reverse=True):
        past = curve[curve["budget_year"] == past_year]
        fig.add_scatter(x=past["month_of_year"], y=past["execution_rate"].astype(float), mode="lines+markers",
                        name=f"{past_year} 年", line={"width": 1.5}, marker={"size": 5}, opacity=0.6,
                        customdata=[[fmt.money(v)] for v in past["ytd_hifp_pay"]],
                        hovertemplate=(f"{past_year} 年" + " %{x} 月<br>累计执行率 %{y:.1%}"
                                       "<br>累计支出 %{customdata[0]}<extra></extra>"))
    if not current.empty:
        fig.add_scatter(x=current["month_of_year"], y=current["execution_rate"].astype(float),
                        mode="lines+markers", name=f"{year} 年", line={"width": 3, "color": "#d62728"},
                        customdata=[[fmt.money(r.ytd_hifp_pay), fmt.money(r.budget_amt), r.alert_level_zh]
                                    for r in current.itertuples()],
                        hovertemplate=(f"{year} 年" + " %{x} 月<br>累计执行率 %{y:.1%}<br>累计支出 %{customdata[0]}"
                                       " / 预算 %{customdata[1]}<br>预警：%{customdata[2]}<extra></extra>"))
        last = current.iloc[-1]
        if pd.notna(last["projected_execution_rate"]):
            fig.add_scatter(x=[12], y=[float(last["projected_execution_rate"])], mode="markers",
                            name=f"{year} 年预计年末", marker={"symbol": "star", "size": 14, "color": "#d62728"},
                            hovertemplate="预计年末执行率 %{y:.1%}<extra></extra>")
    fig.add_hline(y=1, line_color="#d62728", line_width=1, opacity=0.4,
                  annotation_text="预算额度 100%", annotation_position="top left")
    styled(fig, f"{name}：累计预算执行率（逐月）与往年对比")
    fig.update_xaxes(title="月份", tickmode="array", tickvals=list(range(1, 13)),
                     ticktext=[f"{m}月" for m in range(1, 13)], range=[0.5, 12.5])
    fig.update_yaxes(title="累计执行率（%）", tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=460, margin={"b": 110}, legend={"y": -0.25})
    return fig


def _rollup_figure(frame: pd.DataFrame, level: str, year: int, month: int) -> go.Figure:
    fig = go.Figure()
    custom = [[fmt.money(r.ytd_hifp_pay), fmt.money(r.budget_amt), _pp(r.execution_gap_pp),
               fmt.count(r.institution_count), fmt.money(r.projected_over_under_amt)]
              for r in frame.itertuples()]
    fig.add_bar(x=frame["group_name_zh"], y=frame["execution_rate"].astype(float), name="预算执行率",
                marker_color="#1f77b4", customdata=custom,
                hovertemplate=("<b>%{x}</b>（%{customdata[3]} 家）<br>执行率 %{y:.1%}<br>偏差 %{customdata[2]}"
                               "<br>累计支出 %{customdata[0]} / 预算 %{customdata[1]}<extra></extra>"))
    fig.add_scatter(x=frame["group_name_zh"], y=frame["projected_execution_rate"].astype(float),
                    mode="markers", name="预计年末执行率", customdata=custom,
                    marker={"symbol": "diamond", "size": 12, "color": "#ff9f1c"},
                    hovertemplate=("<b>%{x}</b><br>预计年末执行率 %{y:.1%}<br>预计超支(+)/结余(−) "
                                   "%{customdata[4]}<extra></extra>"))
    if not frame.empty:
        progress = float(frame["time_progress_months"].iloc[0])
        fig.add_hline(y=progress, line_dash="dash", line_color="#444",
                      annotation_text=f"时间进度 {fmt.percent(progress)}", annotation_position="top right",
                      annotation_bgcolor="rgba(255,255,255,0.8)")
    styled(fig, f"{year} 年 1–{month} 月按{ROLLUP_ZH[level]}汇总的预算执行")
    fig.update_yaxes(title="执行率（%）", tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=440, margin={"b": 110}, legend={"y": -0.25})
    return fig


def _empty_figure(title: str) -> go.Figure:
    return styled(go.Figure(), title)


# ---------------------------------------------------------------- one view, used by layout and callbacks

def _overview(year: int, month: int, insutype: str):
    with session():
        frame = data.institution_execution(year, month, insutype)
        total = data.rollup_execution(year, month, insutype, "all")
    options = [{"label": f"{r.fixmedins_name}（{r.alert_level_zh}）", "value": r.fixmedins_code}
               for r in frame.itertuples()]
    return (_kpis(total, year, month, insutype), _execution_figure(frame, year, month),
            _projection_figure(frame, year), _alert_rows(frame), options)


def _curve(code: str | None, insutype: str, year: int, month: int) -> go.Figure:
    curve = data.institution_curve(code, insutype, year) if code else None
    if curve is None or curve.empty:
        return _empty_figure("请选择机构查看执行曲线")
    return _curve_figure(curve, curve["fixmedins_name"].iloc[0], year, month)


def _rollup(level: str, year: int, month: int, insutype: str):
    frame = data.rollup_execution(year, month, insutype, level)
    return _rollup_figure(frame, level, year, month), _rollup_rows(frame)


def _graph(graph_id: str) -> dcc.Graph:
    # Heights follow the number of institutions (set in each figure), so the graph must not be
    # stretched to a fixed responsive container.
    return dcc.Graph(id=f"{PAGE}-{graph_id}", config={**GRAPH_CONFIG, "responsive": False})


def layout(**query) -> html.Div:
    try:
        periods = data.budget_periods()
        if periods.empty:
            return unavailable("数据仓库中还没有总额预算数据（fct_budget_execution 为空）。", PAGE)
        years = sorted(int(y) for y in periods["budget_year"].unique())
        year = _pick(query.get("year"), years, years[-1])
        insutypes = sorted(periods["insutype"].unique())
        insutype = _pick(query.get("insutype"), insutypes, "310" if "310" in insutypes else insutypes[0])
        month_options = _month_options(periods, year)
        months = [o["value"] for o in month_options]
        month = _pick(query.get("month"), months, months[-1])
        rollup = _pick(query.get("rollup"), list(ROLLUP_ZH), "inst_type")
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)

    # the views themselves are drawn by the callbacks below, which run in parallel on first load
    inst = query.get("inst") or None
    inst_options = [{"label": inst, "value": inst}] if inst else []
    alert_table = data_table(f"{PAGE}-alert-table", pd.DataFrame(columns=list(ALERT_COLUMNS)),
                             ALERT_COLUMNS, page_size=15)
    rollup_table = data_table(f"{PAGE}-rollup-table", pd.DataFrame(columns=list(ROLLUP_COLUMNS)),
                              ROLLUP_COLUMNS, page_size=15)
    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("预算执行监测"),
        html.P("总额预算执行：累计统筹基金支出（扣除退费）÷ 年度总额预算，与时间进度（月数 ÷ 12）比较；"
               "预计年末支出按历年各月支出占比（季节性）推算，预警等级按预警规则表判定。",
               style={"color": "#666", "fontSize": "13px", "margin": "0"}),
        html.Div([
            html.Div([html.Label("预算年度"), dcc.Dropdown(
                id=f"{PAGE}-year", options=[{"label": f"{y} 年", "value": y} for y in years],
                value=year, clearable=False)]),
            html.Div([html.Label("截至月份"), dcc.Dropdown(
                id=f"{PAGE}-month", options=month_options, value=month, clearable=False)]),
            html.Div([html.Label("险种"), dcc.RadioItems(
                id=f"{PAGE}-insutype", options=[{"label": INSUTYPE_ZH.get(i, i), "value": i} for i in insutypes],
                value=insutype, inline=True, inputStyle={"marginRight": "4px"},
                labelStyle={"marginRight": "16px"})]),
        ], className="filters"),
        dcc.Loading(html.Div(id=f"{PAGE}-kpis", className="kpi-row")),
        dcc.Loading(html.Div([_graph("exec-chart"), _graph("projection-chart")],
                             className="chart-grid")),
        html.H3("预警清单（按预警等级、偏差排序）"),
        dcc.Loading(alert_table),
        html.H3("机构执行曲线"),
        html.Div([html.Div([html.Label("机构（或在上方两图中点击机构）"), dcc.Dropdown(
            id=f"{PAGE}-inst", options=inst_options, value=inst, clearable=False)],
            style={"minWidth": "420px"})], className="filters"),
        dcc.Loading(_graph("curve-chart")),
        html.H3("分组汇总"),
        html.Div([html.Div([html.Label("汇总维度"), dcc.RadioItems(
            id=f"{PAGE}-rollup", options=[{"label": v, "value": k} for k, v in ROLLUP_ZH.items()],
            value=rollup, inline=True, inputStyle={"marginRight": "4px"},
            labelStyle={"marginRight": "16px"})])], className="filters"),
        dcc.Loading(_graph("rollup-chart")),
        rollup_table,
    ])


# ---------------------------------------------------------------- callbacks

@callback(
    Output(f"{PAGE}-month", "options"), Output(f"{PAGE}-month", "value"),
    Input(f"{PAGE}-year", "value"), State(f"{PAGE}-month", "value"),
    prevent_initial_call=True,
)
def _update_months(year, month):
    try:
        options = _month_options(data.budget_periods(), int(year))
    except WarehouseUnavailable:
        return no_update, no_update
    months = [o["value"] for o in options]
    return options, month if month in months else (months[-1] if months else None)


@callback(
    Output(f"{PAGE}-kpis", "children"), Output(f"{PAGE}-exec-chart", "figure"),
    Output(f"{PAGE}-projection-chart", "figure"), Output(table_data_id(f"{PAGE}-alert-table"), "data"),
    Output(f"{PAGE}-inst", "options"),
    Input(f"{PAGE}-year", "value"), Input(f"{PAGE}-month", "value"), Input(f"{PAGE}-insutype", "value"),
)
def _update_overview(year, month, insutype):
    if year is None or month is None:
        return no_update, no_update, no_update, no_update, no_update
    try:
        return _overview(int(year), int(month), str(insutype))
    except WarehouseUnavailable as exc:
        empty = _empty_figure("数据暂不可用")
        return unavailable(str(exc), PAGE), empty, empty, [], []


@callback(
    Output(f"{PAGE}-inst", "value"),
    Input(f"{PAGE}-exec-chart", "clickData"), Input(f"{PAGE}-projection-chart", "clickData"),
    Input(f"{PAGE}-inst", "options"), State(f"{PAGE}-inst", "value"),
    prevent_initial_call=True,
)
def _select_institution(exec_click, projection_click, options, current):
    """A click on an institution's bar drills to it; a new option list keeps the choice if it can."""
    codes = [o["value"] for o in options or []]
    click = {f"{PAGE}-exec-chart": exec_click, f"{PAGE}-projection-chart": projection_click}.get(ctx.triggered_id)
    if click and click.get("points"):
        code = (click["points"][0].get("customdata") or [None])[0]
        if code in codes:
            return code
    if current in codes:
        return no_update
    return codes[0] if codes else None


@callback(
    Output(f"{PAGE}-curve-chart", "figure"),
    Input(f"{PAGE}-inst", "value"),
    Input(f"{PAGE}-year", "value"), Input(f"{PAGE}-month", "value"), Input(f"{PAGE}-insutype", "value"),
)
def _update_curve(code, year, month, insutype):
    if year is None or month is None:
        return no_update
    try:
        return _curve(code, str(insutype), int(year), int(month))
    except WarehouseUnavailable:
        return _empty_figure("数据暂不可用")


@callback(
    Output(f"{PAGE}-rollup-chart", "figure"), Output(table_data_id(f"{PAGE}-rollup-table"), "data"),
    Input(f"{PAGE}-rollup", "value"),
    Input(f"{PAGE}-year", "value"), Input(f"{PAGE}-month", "value"), Input(f"{PAGE}-insutype", "value"),
)
def _update_rollup(level, year, month, insutype):
    if year is None or month is None or level not in ROLLUP_ZH:
        return no_update, no_update
    try:
        return _rollup(level, int(year), int(month), str(insutype))
    except WarehouseUnavailable:
        return _empty_figure("数据暂不可用"), []


@callback(
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-year", "value"), Input(f"{PAGE}-month", "value"), Input(f"{PAGE}-insutype", "value"),
    Input(f"{PAGE}-inst", "value"), Input(f"{PAGE}-rollup", "value"),
)
def _write_url(year, month, insutype, inst, rollup):
    params = {"year": year, "month": month, "insutype": insutype, "inst": inst, "rollup": rollup}
    return "?" + urlencode({k: v for k, v in params.items() if v is not None})
