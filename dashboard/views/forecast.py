"""精算预测 · 短期预测: the monthly forecast of a fund series with its 80 %/95 % fan, the
budgeted institutions' year against their total budget, and the backtest behind the method
(error by horizon, interval coverage against the nominal level, leaderboard against the
seasonal naive method).

Reads fct_fund_forecast and fct_fund_forecast_backtest (made by analytics.forecast in dbt).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable, session
from dashboard.data import actuarial as data
from dashboard.views import SectionCallbacks

PAGE = "forecast"
callbacks = SectionCallbacks()
HISTORY_MONTHS = 36
WAN = 1e4
METHOD_ZH = {"snaive": "季节性朴素（去年同月）", "naive": "朴素（上月）", "ets": "指数平滑 ETS",
             "theta": "Theta", "sarima": "SARIMA", "sarimax": "SARIMA + 日历因素", "combo": "组合预测"}
FORECAST_COLUMNS = {"month": "月份", "mean_wan": "预测值（万元）", "lo80_wan": "80% 下限（万元）",
                    "hi80_wan": "80% 上限（万元）", "lo95_wan": "95% 下限（万元）", "hi95_wan": "95% 上限（万元）"}
LEADERBOARD_COLUMNS = {"method_zh": "方法", "mase": "平均 MASE（1–12 个月）",
                       "mase_vs_snaive": "相对季节性朴素", "coverage80": "80% 区间覆盖率", "coverage95": "95% 区间覆盖率",
                       "bias": "偏差（%，正为高估）", "default": "默认方法"}


def _method(name: str) -> str:
    return METHOD_ZH.get(name, name)


# ---------------------------------------------------------------- figures

def _fan_figure(history: pd.DataFrame, forecast: pd.DataFrame, label: str) -> go.Figure:
    """Recent actual months, then the forecast with its 95 % and 80 % bands (万元)."""
    recent = history.tail(HISTORY_MONTHS)
    fig = go.Figure()
    fig.add_scatter(x=recent["month_start"], y=recent["value"] / WAN, mode="lines+markers", name="实际值",
                    line={"color": "#333"}, marker={"size": 4},
                    hovertemplate="%{x|%Y年%m月} 实际 %{y:,.2f} 万元<extra></extra>")
    for lo, hi, color, name in (("lo95", "hi95", "rgba(31,119,180,0.15)", "95% 预测区间"),
                                ("lo80", "hi80", "rgba(31,119,180,0.32)", "80% 预测区间")):
        fig.add_scatter(x=forecast["month_start"], y=forecast[hi] / WAN, mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=forecast["month_start"], y=forecast[lo] / WAN, mode="lines", line={"width": 0},
                        fill="tonexty", fillcolor=color, name=name,
                        customdata=forecast[hi] / WAN,
                        hovertemplate=f"%{{x|%Y年%m月}} {name} %{{y:,.2f}} – %{{customdata:,.2f}} 万元<extra></extra>")
    fig.add_scatter(x=forecast["month_start"], y=forecast["mean"] / WAN, mode="lines", name="预测值",
                    line={"color": "#1f77b4", "dash": "dash", "width": 2.5},
                    hovertemplate="%{x|%Y年%m月} 预测 %{y:,.2f} 万元<extra></extra>")
    styled(fig, f"{label}：月度实际与未来 {len(forecast)} 个月预测", "金额（万元）")
    fig.update_xaxes(title="月份", tickformat="%Y-%m")
    return fig


def _budget_figure(history: pd.DataFrame, forecast: pd.DataFrame, budget: pd.DataFrame, label: str):
    """The forecast year's cumulative pay (actual months, then forecast) against its total budget."""
    year = int(forecast["month_start"].iloc[0].year)
    row = budget[budget["budget_year"] == year]
    if row.empty:                      # the year's budget is not set yet: the latest one stands in
        row = budget.tail(1)
    actual = history[history["month_start"].dt.year == year]
    ahead = forecast[forecast["month_start"].dt.year == year]
    base = float(actual["value"].sum())
    cumulative = ahead.assign(**{c: base + ahead[c].cumsum() for c in ("mean", "lo80", "hi80", "lo95", "hi95")})
    fig = go.Figure()
    if not actual.empty:
        fig.add_scatter(x=actual["month_start"], y=actual["value"].cumsum() / WAN, mode="lines+markers",
                        name="已发生累计", line={"color": "#333"},
                        hovertemplate="%{x|%m月} 累计 %{y:,.2f} 万元<extra></extra>")
    fig.add_scatter(x=cumulative["month_start"], y=cumulative["hi95"] / WAN, mode="lines", line={"width": 0},
                    showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=cumulative["month_start"], y=cumulative["lo95"] / WAN, mode="lines", line={"width": 0},
                    fill="tonexty", fillcolor="rgba(31,119,180,0.15)", name="各月 95% 区间累加（保守）",
                    hoverinfo="skip")
    fig.add_scatter(x=cumulative["month_start"], y=cumulative["mean"] / WAN, mode="lines", name="预测累计",
                    line={"color": "#1f77b4", "dash": "dash"},
                    hovertemplate="%{x|%m月} 预测累计 %{y:,.2f} 万元<extra></extra>")
    budget_amt = float(row["budget_amt"].iloc[0]) if not row.empty else None
    if budget_amt:
        budget_year = int(row["budget_year"].iloc[0])
        note = "" if budget_year == year else f"（{year} 年预算未下达，沿用 {budget_year} 年）"
        fig.add_hline(y=budget_amt / WAN, line_color="#d62728", line_dash="dot",
                      annotation_text=f"{budget_year} 年总额预算 {fmt.money(budget_amt)}{note}",
                      annotation_position="top left")
    styled(fig, f"{label}：{year} 年累计支出预测与总额预算", "累计金额（万元）")
    fig.update_xaxes(title="月份", tickformat="%m月")
    year_end = float(cumulative["mean"].iloc[-1]) if not cumulative.empty else base
    return fig, year, year_end, budget_amt


def _mase_figure(metrics: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for method, rows in metrics.groupby("method"):
        default = bool(rows["is_default_method"].iloc[0])
        fig.add_scatter(x=rows["horizon"], y=rows["mase"], mode="lines+markers",
                        name=_method(method) + ("（默认）" if default else ""),
                        line={"width": 3.5 if default else 1.5, "dash": "dash" if method == "snaive" else "solid"},
                        hovertemplate=f"{_method(method)}<br>提前 %{{x}} 个月 MASE %{{y:.2f}}<extra></extra>")
    styled(fig, "回测：各方法按预测步长的误差（MASE，越低越好）", "MASE")
    fig.update_xaxes(title="预测步长（月）", dtick=1)
    return fig


def _coverage_figure(metrics: pd.DataFrame) -> go.Figure:
    """The default method's interval coverage by horizon: calibrated (as published) where the
    backtest had enough earlier errors to calibrate from, and the model's own intervals."""
    rows = metrics[metrics["is_default_method"]]
    fig = go.Figure()
    for level, color in ((80, "#ff9f1c"), (95, "#1f77b4")):
        fig.add_scatter(x=rows["horizon"], y=rows[f"coverage{level}"], mode="lines+markers",
                        name=f"{level}% 区间（校准后）实际覆盖率", line={"color": color, "width": 2.5},
                        hovertemplate="提前 %{x} 个月 校准后覆盖率 %{y:.0%}<extra></extra>")
        fig.add_scatter(x=rows["horizon"], y=rows[f"model_coverage{level}"], mode="lines",
                        name=f"{level}% 区间（模型原始）实际覆盖率", line={"color": color, "width": 1, "dash": "dash"},
                        hovertemplate="提前 %{x} 个月 模型原始区间覆盖率 %{y:.0%}<extra></extra>")
        fig.add_hline(y=level / 100, line_color=color, line_dash="dot", opacity=0.7,
                      annotation_text=f"名义 {level}%", annotation_position="bottom right")
    styled(fig, "回测：默认方法预测区间的实际覆盖率与名义水平", "覆盖率")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    fig.update_xaxes(title="预测步长（月）", dtick=1)
    return fig


# ---------------------------------------------------------------- tables and cards

def _forecast_rows(forecast: pd.DataFrame) -> list[dict]:
    rows = forecast.assign(month=forecast["month_start"].dt.strftime("%Y-%m"),
                           **{f"{c}_wan": (forecast[c] / WAN).round(2) for c in ("mean", "lo80", "hi80", "lo95", "hi95")})
    return rows[list(FORECAST_COLUMNS)].to_dict("records")


def _leaderboard_rows(metrics: pd.DataFrame) -> list[dict]:
    board = (metrics.groupby("method")
             .agg(mase=("mase", "mean"), mase_vs_snaive=("mase_vs_snaive", "mean"), coverage80=("coverage80", "mean"),
                  coverage95=("coverage95", "mean"), bias=("bias", "mean"), default=("is_default_method", "max"))
             .sort_values("mase").reset_index())
    board = board.assign(method_zh=board["method"].map(_method), default=board["default"].map({True: "是", False: ""}),
                         **{c: board[c].round(3) for c in ("mase", "mase_vs_snaive", "coverage80", "coverage95", "bias")})
    return board[list(LEADERBOARD_COLUMNS)].to_dict("records")


def _method_note(row: pd.Series) -> str:
    """How the forecast was made, in words: fallback first, then how the intervals were set."""
    if pd.notna(row["fallback_reason"]):
        return "默认方法未能给出可靠结果，已自动回退（详见 fct_fund_forecast.fallback_reason）"
    if pd.notna(row["calibration_origins"]):
        return f"预测区间已按 {int(row['calibration_origins'])} 个滚动回测起点的误差校准"
    return "历史数据不足以回测校准，显示模型自身的预测区间"


def _kpis(forecast: pd.DataFrame, budget_view) -> list:
    first = forecast.iloc[0]
    next12 = forecast.head(12)
    cards = [
        kpi_card("未来 12 个月预测合计", fmt.money(next12["mean"].sum()),
                 f"{next12['month_start'].iloc[0]:%Y年%m月}–{next12['month_start'].iloc[-1]:%Y年%m月}",
                 card_id=f"{PAGE}-kpi-next12"),
        kpi_card("下月预测（95% 区间）", fmt.money(first["mean"]),
                 f"{fmt.money(first['lo95'])} – {fmt.money(first['hi95'])}", card_id=f"{PAGE}-kpi-next"),
        kpi_card("预测方法", _method(first["method"]), _method_note(first), card_id=f"{PAGE}-kpi-method"),
    ]
    if budget_view is not None:
        year, year_end, budget_amt = budget_view
        rate = year_end / budget_amt if budget_amt else None
        cards.append(kpi_card(f"{year} 年预计执行率", fmt.percent(rate),
                              f"预计全年 {fmt.money(year_end)} / 预算 {fmt.money(budget_amt)}",
                              color="red" if rate and rate > 1 else None, card_id=f"{PAGE}-kpi-budget"))
    return cards


# ---------------------------------------------------------------- section

def section(series: str | None) -> html.Div:
    """The short-term section, drawn for the series of the URL (else the first one)."""
    try:
        catalog = data.forecast_catalog()
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)
    if catalog.empty:
        return unavailable("数据仓库中还没有短期预测结果（fct_fund_forecast 为空）。", PAGE)
    ids = list(catalog["series_id"])
    series = series if series in ids else ids[0]
    return html.Div([
        html.P("短期预测：按月度序列用统计模型（季节性朴素、ETS、SARIMA（含春节、工作日、年末因素）、Theta 及其组合）"
               "预测未来 24 个月，预测区间按滚动回测误差校准；默认方法由回测选定。",
               style={"color": "#666", "fontSize": "13px", "margin": "0"}),
        html.Div([html.Div([html.Label("预测序列"), dcc.Dropdown(
            id=f"{PAGE}-series", options=[{"label": r.label_zh, "value": r.series_id} for r in catalog.itertuples()],
            value=series, clearable=False)], style={"minWidth": "420px"})], className="filters"),
        dcc.Loading(html.Div(id=f"{PAGE}-kpis", className="kpi-row")),
        dcc.Loading(html.Div([dcc.Graph(id=f"{PAGE}-fan", config=GRAPH_CONFIG),
                              dcc.Graph(id=f"{PAGE}-budget", config=GRAPH_CONFIG)], className="chart-grid")),
        html.H3("预测明细"),
        data_table(f"{PAGE}-table", pd.DataFrame(columns=list(FORECAST_COLUMNS)), FORECAST_COLUMNS, page_size=12),
        html.H3("回测评估（滚动起点，提前 1–12 个月）"),
        dcc.Loading(html.Div([dcc.Graph(id=f"{PAGE}-mase", config=GRAPH_CONFIG),
                              dcc.Graph(id=f"{PAGE}-coverage", config=GRAPH_CONFIG)], className="chart-grid")),
        data_table(f"{PAGE}-leaderboard", pd.DataFrame(columns=list(LEADERBOARD_COLUMNS)), LEADERBOARD_COLUMNS),
    ])


def _view(series_id: str):
    with session():
        catalog = data.forecast_catalog().set_index("series_id")
        spec = catalog.loc[series_id]
        history = data.series_history(spec["source"], spec["subject_code"], spec["measure"])
        forecast = data.series_forecast(series_id)
        budget = data.annual_budget(spec["subject_code"]) if spec["source"] == "budget_rollup" else None
        metrics = data.backtest_metrics(series_id)
    history["month_start"] = pd.to_datetime(history["month_start"])
    forecast["month_start"] = pd.to_datetime(forecast["month_start"])
    budget_view = None
    if budget is not None and not budget.empty:
        budget_fig, *budget_view = _budget_figure(history, forecast, budget, spec["label_zh"])
    else:
        budget_fig = styled(go.Figure(), "该序列无总额预算可比（选择“总额预算机构统筹基金支出”序列查看）")
    if metrics.empty:
        mase_fig = coverage_fig = styled(go.Figure(), "该序列未做回测（见种子表 forecast_series 的 backtest 列）")
    else:
        mase_fig, coverage_fig = _mase_figure(metrics), _coverage_figure(metrics)
    return (_kpis(forecast, budget_view), _fan_figure(history, forecast, spec["label_zh"]), budget_fig,
            _forecast_rows(forecast), mase_fig, coverage_fig, _leaderboard_rows(metrics) if not metrics.empty else [])


@callbacks(
    Output(f"{PAGE}-kpis", "children"), Output(f"{PAGE}-fan", "figure"), Output(f"{PAGE}-budget", "figure"),
    Output(table_data_id(f"{PAGE}-table"), "data"), Output(f"{PAGE}-mase", "figure"),
    Output(f"{PAGE}-coverage", "figure"), Output(table_data_id(f"{PAGE}-leaderboard"), "data"),
    Input(f"{PAGE}-series", "value"),
)
def _update(series_id):
    try:
        return _view(series_id)
    except (WarehouseUnavailable, KeyError) as exc:
        empty = styled(go.Figure(), "数据暂不可用")
        return unavailable(str(exc), PAGE), empty, empty, [], empty, empty, []
