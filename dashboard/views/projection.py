"""精算预测 · 中长期精算: the cohort-component projection of the pooled funds under 低/中/高
assumptions, re-run on every slider move, with its stochastic fan, sensitivity table and saved
runs with the attribution of change against the previous one.

The assumptions are analytics.projection's (data/scenarios.yaml, with their sources); this
section only chooses them and draws the results.
"""

from __future__ import annotations

import dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from analytics.errors import AnalyticsError
from analytics.projection import (
    SCENARIOS,
    Assumptions,
    attribute,
    project,
    save_run,
    scenario,
    sensitivity,
    simulate,
)
from analytics.projection.assumptions import SCENARIO_NAMES_ZH, scenario_table
from analytics.projection.runs import previous_run
from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data.actuarial import projection_base
from dashboard.views import SectionCallbacks

PAGE = "actuarial"
callbacks = SectionCallbacks()
FUNDS = {"employee": "职工医保统筹基金", "resident": "城乡居民医保基金"}
SCENARIO_COLORS = {"low_cost": "#2ca02c", "intermediate": "#1f77b4", "high_cost": "#d62728"}
SIMULATIONS = 1000
YI = 1e8  # 元 per 亿元
WAN = 1e4

#: The assumptions a planner moves most, as sliders: name → (min, max, step, display scale, unit).
#: Percentages are shown × 100; the label is the one in data/scenarios.yaml.
SLIDERS = {
    "wage_growth": (0.0, 0.10, 0.005, 100, "%"),
    "price_growth": (-0.01, 0.06, 0.005, 100, "%"),
    "utilisation_growth": (0.0, 0.10, 0.005, 100, "%"),
    "utilisation_growth_ultimate": (0.0, 0.08, 0.005, 100, "%"),
    "interest_rate": (0.0, 0.04, 0.0025, 100, "%"),
    "contribution_rate": (0.04, 0.12, 0.005, 100, "%"),
    "pool_share": (0.5, 1.0, 0.05, 100, "%"),
    "reimbursement_change_employee": (-0.10, 0.10, 0.01, 100, "个百分点"),
    "reimbursement_change_resident": (-0.10, 0.10, 0.01, 100, "个百分点"),
    "extra_retirement_delay_months": (0, 60, 6, 1, "个月"),
}
RETIREMENT_POLICIES = {"npc2024": "2025 年起渐进式延迟退休（2024 年全国人大常委会决定）",
                       "pre2025": "原退休年龄（男 60、女 55/50）"}

YEAR_COLUMNS = {
    "year": "年度", "contributors": "缴费人数", "retirees": "退休人数", "dependency_ratio": "抚养比（退休÷在职）",
    "income_wan": "基金收入（万元）", "expenditure_wan": "基金支出（万元）",
    "current_balance_wan": "当期结余（万元）", "interest_wan": "利息（万元）",
    "cumulative_balance_wan": "累计结余（万元）", "reserve_months": "可支付月数",
    "balancing_pct": "当年收支平衡所需费率（%）", "balancing_subsidy": "当年收支平衡所需人均补助（元）",
}
ASSUMPTION_COLUMNS = {"name": "假设", "label_zh": "名称", "value": "本次取值", "low_cost": "低成本",
                      "intermediate": "中间", "high_cost": "高成本", "source": "依据"}
SENSITIVITY_COLUMNS = {
    "label_zh": "假设", "value": "本次取值", "low_cost_value": "低成本取值", "high_cost_value": "高成本取值",
    "low_cost_depletion_year": "低成本：穿底年份", "high_cost_depletion_year": "高成本：穿底年份",
    "low_cost_balance_change_wan": "低成本：期末结余变化（万元）",
    "high_cost_balance_change_wan": "高成本：期末结余变化（万元）",
}
ATTRIBUTION_COLUMNS = {"label_zh": "变动来源", "previous_value": "上次取值", "current_value": "本次取值",
                       "fund_zh": "基金", "balance_change_wan": "期末累计结余变化（万元）",
                       "depletion_year_change": "穿底年份变化（年）",
                       "first_deficit_year_change": "赤字年份变化（年）"}


# ---------------------------------------------------------------- assumptions

def _label(name: str) -> str:
    return scenario_table()[name]["label_zh"]


def _slider(name: str, value: float) -> html.Div:
    low, high, step, scale, unit = SLIDERS[name]
    marks = {low: f"{low * scale:g}", high: f"{high * scale:g}"}
    return html.Div([
        html.Label(f"{_label(name)}（{unit}）"),
        dcc.Slider(id={"type": f"{PAGE}-assumption", "name": name}, min=low, max=high, step=step,
                   value=value, marks=marks, updatemode="mouseup",
                   tooltip={"placement": "bottom", "always_visible": False}),
    ], className="slider")


def _assumptions(scenario_name: str, values: dict, policy: str) -> Assumptions:
    """The scenario with the sliders' and the retirement policy's values."""
    return scenario(scenario_name, retirement_policy=policy,
                    **{name: (int(v) if SLIDERS[name][3] == 1 else float(v)) for name, v in values.items()})


def _assumption_rows(assumptions: Assumptions) -> list[dict]:
    rows = []
    for name, spec in scenario_table().items():
        if not hasattr(assumptions, name):
            continue
        rows.append({"name": name, "label_zh": spec["label_zh"], "value": _plain(getattr(assumptions, name)),
                     **{s: _plain(spec.get(s)) for s in SCENARIOS}, "source": " ".join(str(spec["source"]).split())})
    return rows


def _plain(value) -> str:
    return "（按基期数据）" if value is None else str(value)


# ---------------------------------------------------------------- figures

def _paths_figure(paths: dict[str, pd.DataFrame], fund: str) -> go.Figure:
    """Cumulative balance by year under 低/中/高 and the assumptions set on the page."""
    fig = go.Figure()
    for name, years in paths.items():
        custom = is_custom = name == "custom"
        color = "#222" if custom else SCENARIO_COLORS[name]
        label = "本次测算（当前假设）" if custom else f"{SCENARIO_NAMES_ZH[name]}方案"
        fig.add_scatter(
            x=years["year"], y=years["cumulative_balance"] / YI, mode="lines", name=label,
            line={"color": color, "width": 3 if is_custom else 2, "dash": "solid" if is_custom else "dot"},
            customdata=[[fmt.money(r.income), fmt.money(r.expenditure), fmt.money(r.current_balance),
                         fmt.months(r.reserve_months)] for r in years.itertuples()],
            hovertemplate=(f"{label}<br>%{{x}} 年 累计结余 %{{y:,.2f}} 亿元<br>收入 %{{customdata[0]}} · "
                           "支出 %{customdata[1]}<br>当期结余 %{customdata[2]} · 可支付 %{customdata[3]}"
                           "<extra></extra>"))
    fig.add_hline(y=0, line_color="#d62728", line_width=1, opacity=0.5,
                  annotation_text="累计结余耗尽（穿底）", annotation_position="bottom left")
    styled(fig, f"{FUNDS[fund]}：累计结余路径（低/中/高方案与本次测算）", "累计结余（亿元）")
    fig.update_xaxes(title="年度")
    return fig


def _fan_figure(fan: pd.DataFrame, fund: str) -> go.Figure:
    """Percentile bands of the cumulative balance over the simulations."""
    fan = fan[fan["fund"] == fund]
    fig = go.Figure()
    for lo, hi, opacity in (("p05", "p95", 0.18), ("p25", "p75", 0.35)):
        fig.add_scatter(x=fan["year"], y=fan[hi] / YI, mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=fan["year"], y=fan[lo] / YI, mode="lines", line={"width": 0}, fill="tonexty",
                        fillcolor=f"rgba(31,119,180,{opacity})", name=f"{lo[1:]}–{hi[1:]} 分位区间",
                        hovertemplate=f"%{{x}} 年 {lo[1:]} 分位 %{{y:,.2f}} 亿元<extra></extra>")
    fig.add_scatter(x=fan["year"], y=fan["p50"] / YI, mode="lines", name="中位数", line={"color": "#1f77b4"},
                    hovertemplate="%{x} 年 中位数 %{y:,.2f} 亿元<extra></extra>")
    fig.add_hline(y=0, line_color="#d62728", line_width=1, opacity=0.5)
    styled(fig, f"{FUNDS[fund]}：累计结余随机模拟（{SIMULATIONS:,} 次）", "累计结余（亿元）")
    fig.update_xaxes(title="年度")
    return fig


def _depletion_figure(distribution: pd.DataFrame, fund: str) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=distribution["year"], y=distribution["share"], name="当年穿底的模拟占比",
                marker_color="#ff9f1c", hovertemplate="%{x} 年穿底 %{y:.1%}<extra></extra>")
    fig.add_scatter(x=distribution["year"], y=distribution["cumulative_share"], mode="lines",
                    name="截至当年已穿底的累计占比", line={"color": "#d62728"}, yaxis="y",
                    hovertemplate="截至 %{x} 年 %{y:.1%}<extra></extra>")
    styled(fig, f"{FUNDS[fund]}：穿底年份分布", "模拟占比")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(title="年度")
    return fig


# ---------------------------------------------------------------- tables and cards

def _year_rows(years: pd.DataFrame) -> list[dict]:
    rows = years.assign(
        contributors=years["contributors"].round(0), retirees=years["retirees"].round(0),
        dependency_ratio=years["dependency_ratio"].round(3),
        **{f"{c}_wan": (years[c] / WAN).round(2)
           for c in ("income", "expenditure", "current_balance", "interest", "cumulative_balance")},
        reserve_months=years["reserve_months"].round(1),
        balancing_pct=(years["balancing_contribution_rate"] * 100).round(2),
        balancing_subsidy=years["balancing_subsidy_per_head"].round(0),
    )
    return rows[list(YEAR_COLUMNS)].replace({np.nan: None}).to_dict("records")


def _sensitivity_rows(frame: pd.DataFrame, fund: str) -> list[dict]:
    part = frame[frame["fund"] == fund]
    rows = part.assign(**{f"{s}_balance_change_wan": (part[f"{s}_balance_change"] / WAN).round(2)
                          for s in ("low_cost", "high_cost")})
    return rows[list(SENSITIVITY_COLUMNS)].replace({np.nan: None}).to_dict("records")


def _year(value) -> str:
    return "未穿底" if value is None or pd.isna(value) else f"{int(value)} 年"


def _kpis(summary: pd.Series, simulated: pd.Series, years: pd.DataFrame) -> list:
    first = years.iloc[0]
    rate, subsidy = summary["level_contribution_rate"], summary["level_subsidy_per_head"]
    lever = (f"费率 {fmt.percent(rate, 2)}" if pd.notna(rate) else
             f"人均补助 {fmt.count(round(subsidy))} 元" if pd.notna(subsidy) else "—")
    p10, p90 = simulated["depletion_year_p10"], simulated["depletion_year_p90"]
    return [
        kpi_card("当期赤字首现年份", _year(summary["first_deficit_year"]),
                 f"预测期 {int(first['year'])}–{int(summary['horizon_year'])} 年", card_id=f"{PAGE}-kpi-deficit"),
        kpi_card("累计结余耗尽（穿底）年份", _year(summary["depletion_year"]),
                 f"随机模拟 10%–90% 分位：{_year(p10)} – {_year(p90)}",
                 color="red" if pd.notna(summary["depletion_year"]) else "green", card_id=f"{PAGE}-kpi-depletion"),
        kpi_card("预测期内穿底概率", fmt.percent(simulated["depletion_probability"]),
                 f"{SIMULATIONS:,} 次随机模拟", card_id=f"{PAGE}-kpi-probability"),
        kpi_card("期末累计结余", fmt.money(summary["balance_at_horizon"]),
                 f"{int(summary['horizon_year'])} 年 · 可支付 {fmt.months(summary['reserve_months_at_horizon'])}",
                 card_id=f"{PAGE}-kpi-balance"),
        kpi_card("收支平衡所需水平", lever, "预测期内保持收支平衡的统一费率或人均财政补助",
                 card_id=f"{PAGE}-kpi-lever"),
    ]


# ---------------------------------------------------------------- one run of the page

def _run(fund: str, scenario_name: str, values: dict, policy: str):
    base = projection_base()
    current = _assumptions(scenario_name, values, policy)
    projection = project(base, current)
    paths = {name: project(base, scenario(name)).fund_years(fund).reset_index() for name in SCENARIOS}
    paths["custom"] = projection.fund_years(fund).reset_index()
    simulation = simulate(base, current, n=SIMULATIONS, seed=0)
    return (
        _kpis(projection.summary.loc[fund], simulation.summary.loc[fund], paths["custom"]),
        _paths_figure(paths, fund),
        _fan_figure(simulation.fan, fund),
        _depletion_figure(simulation.depletion_distribution(fund), fund),
        _year_rows(paths["custom"]),
        _assumption_rows(current),
        _sensitivity_rows(sensitivity(base, current), fund),
    )


def _pick(value, allowed, default):
    return value if value in allowed else default


# ---------------------------------------------------------------- layout

def section(fund: str | None, scenario_name: str | None) -> html.Div:
    """The long-term section, drawn for the fund and scenario of the URL."""
    fund = _pick(fund, FUNDS, "employee")
    scenario_name = _pick(scenario_name, SCENARIOS, "intermediate")
    try:
        projection_base()
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)
    defaults = _defaults(scenario_name)
    return html.Div([
        html.P("中长期精算：按单岁组 × 性别 × 参保身份（职工在职、职工退休、居民）的队列要素法推算参保人口，"
               "收入 = 缴费人数 × 缴费基数 × 费率（居民：人数 × 个人缴费 + 财政补助），支出 = 人口 × 年龄别人均"
               "基金支出 × 利用与价格增长 × 报销比例调整，结余计息。方法与假设依据见 docs/actuarial-projection.md。",
               style={"color": "#666", "fontSize": "13px", "margin": "0"}),
        html.Div([
            html.Div([html.Label("基金"), dcc.RadioItems(
                id=f"{PAGE}-fund", options=[{"label": v, "value": k} for k, v in FUNDS.items()], value=fund,
                inline=True, inputStyle={"marginRight": "4px"}, labelStyle={"marginRight": "16px"})]),
            html.Div([html.Label("假设方案"), dcc.RadioItems(
                id=f"{PAGE}-scenario", options=[{"label": f"{SCENARIO_NAMES_ZH[s]}方案", "value": s}
                                                for s in SCENARIOS],
                value=scenario_name, inline=True, inputStyle={"marginRight": "4px"},
                labelStyle={"marginRight": "16px"})]),
            html.Div([html.Label("退休年龄政策"), dcc.Dropdown(
                id=f"{PAGE}-policy", options=[{"label": v, "value": k} for k, v in RETIREMENT_POLICIES.items()],
                value=defaults["retirement_policy"], clearable=False)], style={"minWidth": "380px"}),
        ], className="filters"),
        html.Div([_slider(name, defaults[name]) for name in SLIDERS], id=f"{PAGE}-sliders",
                 className="slider-grid"),
        dcc.Loading(html.Div(id=f"{PAGE}-kpis", className="kpi-row")),
        dcc.Loading(html.Div([dcc.Graph(id=f"{PAGE}-paths", config=GRAPH_CONFIG),
                              dcc.Graph(id=f"{PAGE}-fan", config=GRAPH_CONFIG)], className="chart-grid")),
        dcc.Graph(id=f"{PAGE}-depletion", config=GRAPH_CONFIG),
        html.H3("逐年测算结果（本次假设）"),
        data_table(f"{PAGE}-years", pd.DataFrame(columns=list(YEAR_COLUMNS)), YEAR_COLUMNS, page_size=10),
        html.H3("敏感性分析（每次只改变一个假设）"),
        data_table(f"{PAGE}-sensitivity", pd.DataFrame(columns=list(SENSITIVITY_COLUMNS)), SENSITIVITY_COLUMNS),
        html.H3("本次假设及其依据"),
        data_table(f"{PAGE}-assumptions", pd.DataFrame(columns=list(ASSUMPTION_COLUMNS)), ASSUMPTION_COLUMNS,
                   page_size=30),
        html.H3("保存测算并与上次比较"),
        html.Div([
            dcc.Input(id=f"{PAGE}-run-label", placeholder="本次测算说明（可选）", maxLength=80,
                      style={"minWidth": "320px"}),
            html.Button("保存本次测算", id=f"{PAGE}-save", className="btn"),
        ], className="filters"),
        html.Div(id=f"{PAGE}-save-message"),
        data_table(f"{PAGE}-attribution", pd.DataFrame(columns=list(ATTRIBUTION_COLUMNS)), ATTRIBUTION_COLUMNS),
    ])


def _defaults(scenario_name: str) -> dict:
    """The scenario's values of the sliders; a rate the scenario leaves to the data (null in
    scenarios.yaml, e.g. the contribution rate) starts at the base year's value."""
    assumptions = scenario(scenario_name)
    values = {name: getattr(assumptions, name) for name in [*SLIDERS, "retirement_policy"]}
    if values["contribution_rate"] is None:
        values["contribution_rate"] = projection_base().employee.contribution_rate
    return values


# ---------------------------------------------------------------- callbacks

SLIDER_VALUES = Input({"type": f"{PAGE}-assumption", "name": dash.ALL}, "value")
SLIDER_IDS = State({"type": f"{PAGE}-assumption", "name": dash.ALL}, "id")


@callbacks(
    Output({"type": f"{PAGE}-assumption", "name": dash.ALL}, "value"), Output(f"{PAGE}-policy", "value"),
    Input(f"{PAGE}-scenario", "value"), SLIDER_IDS,
    prevent_initial_call=True,
)
def _reset_sliders(scenario_name, ids):
    """Choosing a scenario puts every slider at that scenario's value."""
    try:
        defaults = _defaults(scenario_name)
    except WarehouseUnavailable:
        return [no_update] * len(ids), no_update
    return [defaults[i["name"]] for i in ids], defaults["retirement_policy"]


@callbacks(
    Output(f"{PAGE}-kpis", "children"), Output(f"{PAGE}-paths", "figure"), Output(f"{PAGE}-fan", "figure"),
    Output(f"{PAGE}-depletion", "figure"), Output(table_data_id(f"{PAGE}-years"), "data"),
    Output(table_data_id(f"{PAGE}-assumptions"), "data"), Output(table_data_id(f"{PAGE}-sensitivity"), "data"),
    Input(f"{PAGE}-fund", "value"), Input(f"{PAGE}-scenario", "value"), Input(f"{PAGE}-policy", "value"),
    SLIDER_VALUES, SLIDER_IDS,
)
def _update(fund, scenario_name, policy, values, ids):
    try:
        return _run(fund, scenario_name, {i["name"]: v for i, v in zip(ids, values)}, policy)
    except (WarehouseUnavailable, AnalyticsError) as exc:
        empty = styled(go.Figure(), "数据暂不可用")
        return unavailable(str(exc), PAGE), empty, empty, empty, [], [], []


@callbacks(
    Output(f"{PAGE}-save-message", "children"), Output(table_data_id(f"{PAGE}-attribution"), "data"),
    Input(f"{PAGE}-save", "n_clicks"),
    State(f"{PAGE}-scenario", "value"), State(f"{PAGE}-policy", "value"), State(f"{PAGE}-run-label", "value"),
    SLIDER_IDS, State({"type": f"{PAGE}-assumption", "name": dash.ALL}, "value"),
    prevent_initial_call=True,
)
def _save(_clicks, scenario_name, policy, label, ids, values):
    """Save the run with its assumptions and show what moved the result since the last saved run."""
    try:
        run = save_run(project(projection_base(), _assumptions(
            scenario_name, {i["name"]: v for i, v in zip(ids, values)}, policy)), label=label or "")
        before = previous_run(run)
    except (WarehouseUnavailable, AnalyticsError) as exc:
        return unavailable(str(exc), PAGE), []
    message = f"已保存测算 {run.run_id}（{run.created_at.replace('T', ' ')}）。"
    if before is None:
        return html.Div(message + "这是第一次保存的测算，暂无可比较的上次结果。", className="note"), []
    steps = attribute(before, run)
    return html.Div(message + f"与上次测算 {before.run_id} 相比的变动分解如下。", className="note"), \
        _attribution_rows(steps)


def _attribution_rows(steps: pd.DataFrame) -> list[dict]:
    rows = steps.assign(fund_zh=steps["fund"].map(FUNDS),
                        balance_change_wan=(steps["balance_change"] / WAN).round(2),
                        previous_value=steps["previous_value"].map(_plain_step),
                        current_value=steps["current_value"].map(_plain_step))
    return rows[list(ATTRIBUTION_COLUMNS)].replace({np.nan: None}).to_dict("records")


def _plain_step(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
