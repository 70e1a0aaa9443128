"""机构画像: one institution's service indicators over time against its peer group (type × level),
and its enforcement history: cases (案件查处) and the year by year credit record (信用评价).

Filters (shareable in the URL): ?inst=<fixmedins_code>&scheme=all|employee|resident
&visit=all|outpatient|inpatient|pharmacy. The first render is built server-side by layout(); the
callback re-renders on a filter change and writes the filters back to the URL; the history
follows the institution only. An insured person's code on a case is masked unless the viewer is
an inspector on the institution's case (the view is then audited).
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
from dashboard.auth import access
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data import institutions as data

PAGE = "institution"
TABLE_ID = f"{PAGE}-table"
CASES_TABLE, CREDIT_TABLE = f"{PAGE}-cases-table", f"{PAGE}-credit-table"

dash.register_page(__name__, path="/institution", name="机构画像", order=3,
                   title="机构画像 · 医保基金数据集市")

INSTITUTION_COLOR, PEER_COLOR = "#1f77b4", "#ff7f0e"

#: The trend charts: (id suffix, indicator column, its peer column, title, axis unit, kind).
CHARTS = (
    ("medfee", "avg_medfee_per_visit", "peer_avg_medfee_per_visit", "次均费用", "元/人次", "money"),
    ("los", "avg_los_days", "peer_avg_los_days", "平均住院日", "天", "days"),
    ("drug", "drug_ratio", "peer_drug_ratio", "药占比", "占医疗费用", "ratio"),
    ("consumable", "consumable_ratio", "peer_consumable_ratio", "耗占比", "占医疗费用", "ratio"),
    ("reimbursement", "reimbursement_ratio", "peer_reimbursement_ratio", "实际报销比", "基金支付占医疗费用", "ratio"),
)
#: What 次均费用 is called in each visit group (口径 ind_avg_medfee_per_visit).
MEDFEE_TITLE = {"inpatient": "次均住院费用", "outpatient": "次均门诊费用", "pharmacy": "药店次均费用"}
HOVER_VALUE = {"money": "%{y:,.2f} 元", "days": "%{y:.2f} 天", "ratio": "%{y:.1%}", "count": "%{y:,} 人次"}

_MONEY = Format(precision=2, scheme=NumberScheme.fixed, group=Group.yes)
_COUNT = Format(precision=0, scheme=NumberScheme.fixed, group=Group.yes)
_DAYS = Format(precision=2, scheme=NumberScheme.fixed)
_RATIO = Format(precision=1, scheme=NumberScheme.percentage)
#: The monthly table: frame column → (Chinese header, display format).
TABLE_COLUMNS = {
    "month": ("月份", None),
    "visits": ("人次", _COUNT),
    "persons": ("人数", _COUNT),
    "discharges": ("出院人次", _COUNT),
    "medfee_wan": ("医疗费用总额（万元）", _MONEY),
    "fund_pay_wan": ("基金支付（万元）", _MONEY),
    "avg_medfee_per_visit": ("次均费用（元）", _MONEY),
    "peer_avg_medfee_per_visit": ("同类次均费用（元）", _MONEY),
    "avg_los_days": ("平均住院日（天）", _DAYS),
    "peer_avg_los_days": ("同类平均住院日（天）", _DAYS),
    "drug_ratio": ("药占比", _RATIO),
    "peer_drug_ratio": ("同类药占比", _RATIO),
    "consumable_ratio": ("耗占比", _RATIO),
    "peer_consumable_ratio": ("同类耗占比", _RATIO),
    "reimbursement_ratio": ("实际报销比", _RATIO),
    "peer_reimbursement_ratio": ("同类实际报销比", _RATIO),
    "peer_institutions": ("同类机构数", _COUNT),
}
#: The institution's cases: frame column → (Chinese header, display format).
CASE_COLUMNS = {
    "case_id": ("案件编号", None),
    "open_date": ("立案日期", None),
    "case_source_zh": ("案件来源", None),
    "subject_type_zh": ("对象类别", None),
    "subject_code": ("对象编码", None),
    "violation_type_zh": ("违规类型", None),
    "involved_amt": ("涉案金额（元）", _MONEY),
    "recovered_amt": ("追回金额（元）", _MONEY),
    "fine_amt": ("罚款金额（元）", _MONEY),
    "case_status_zh": ("案件状态", None),
    "close_date": ("结案日期", None),
    "referral_zh": ("移送情况", None),
    "report_status": ("上报状态", None),
}
#: The credit record by year: frame column → (Chinese header, display format).
CREDIT_COLUMNS = {
    "eval_year": ("年度", None),
    "credit_grade": ("信用等级", None),
    "credit_score": ("信用分", _COUNT),
    "blacklist_zh": ("黑名单", None),
    "points_deducted": ("扣分", _COUNT),
    "points_awarded": ("加分", _COUNT),
    "doctors_penalised": ("被扣分医保医师（人）", _COUNT),
    "inspections": ("检查次数", _COUNT),
    "inspections_with_findings": ("发现问题次数", _COUNT),
    "cases_opened": ("立案数", _COUNT),
    "cases_closed": ("结案数", _COUNT),
    "recovered_amt": ("追回金额（元）", _MONEY),
    "fine_amt": ("罚款金额（元）", _MONEY),
}

DROPDOWN_LABELS = {"search": "输入机构名称或编码搜索", "no_options_found": "未找到该机构",
                   "clear_search": "清除", "clear_selection": "清除选择", "select_all": "全选",
                   "deselect_all": "取消全选", "selected_count": "已选 {num_selected} 项"}


# ---------------------------------------------------------------- layout

def layout(inst: str | None = None, scheme: str | None = None, visit: str | None = None,
           **_query) -> html.Div:
    try:
        options = data.institution_options()
        code = inst if inst in set(options["fixmedins_code"]) else data.default_institution(options)
        if code is None:
            return unavailable("数据仓库中没有定点医药机构的结算数据，请先构建数据仓库。", PAGE)
        scheme = scheme if scheme in data.SCHEMES else "all"
        visit = visit if visit in data.VISIT_GROUPS else "all"
        view = _render(code, scheme, visit)
        case_rows, credit_rows = _history(code)
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)

    header, kpis, figures, table_rows = view
    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("机构画像"),
        html.P("单个定点医药机构的医疗服务指标与同类机构（同机构类型 × 同等级）比较；同类值为同类机构合计口径，"
               "非简单平均。", className="kpi-note"),
        html.Div([
            html.Div([html.Label("机构", htmlFor=f"{PAGE}-inst"),
                      dcc.Dropdown(id=f"{PAGE}-inst", options=_options(options), value=code,
                                   clearable=False, searchable=True, labels=DROPDOWN_LABELS,
                                   placeholder="选择机构", maxHeight=360)],
                     style={"minWidth": "420px", "flex": "1 1 420px"}),
            html.Div([html.Label("险种"),
                      dcc.RadioItems(id=f"{PAGE}-scheme", value=scheme, inline=True,
                                     options=[{"label": data.SCHEME_ZH[s], "value": s} for s in data.SCHEMES],
                                     inputStyle={"marginRight": "4px"}, labelStyle={"marginRight": "12px"})]),
            html.Div([html.Label("就诊类型"),
                      dcc.RadioItems(id=f"{PAGE}-visit", value=visit, inline=True,
                                     options=[{"label": data.VISIT_GROUP_ZH[v], "value": v}
                                              for v in data.VISIT_GROUPS],
                                     inputStyle={"marginRight": "4px"}, labelStyle={"marginRight": "12px"})]),
        ], className="filters"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div([
            html.Div(header, id=f"{PAGE}-header"),
            html.Div(kpis, id=f"{PAGE}-kpis", className="kpi-row"),
            html.Div([dcc.Graph(id=f"{PAGE}-chart-{key}", figure=figure, config=GRAPH_CONFIG)
                      for key, figure in figures.items()], className="chart-grid"),
            html.H3("月度指标明细", style={"marginTop": "20px"}),
            _table(TABLE_ID, table_rows, TABLE_COLUMNS, 12),
        ]), type="circle", delay_show=300),
        html.H3("案件查处记录", style={"marginTop": "20px"}),
        html.P("本机构的执法案件（含机构、医保医师和参保人员为对象的案件），立案日期由近及远。", className="kpi-note"),
        dcc.Loading(_table(CASES_TABLE, case_rows, CASE_COLUMNS, 10)),
        html.H3("信用评价与监督检查（按年度）", style={"marginTop": "20px"}),
        html.P("信用评价结果、当年扣分与加分、检查次数，以及当年结案案件的追回和罚款。", className="kpi-note"),
        dcc.Loading(_table(CREDIT_TABLE, credit_rows, CREDIT_COLUMNS, 10)),
    ])


def _options(options: pd.DataFrame) -> list[dict]:
    """Picker entries, largest fund pay first: "name（code）· peer group"."""
    labels = options["fixmedins_name"] + "（" + options["fixmedins_code"] + "）· " + options["peer_group_zh"]
    return [{"label": label, "value": code} for label, code in zip(labels, options["fixmedins_code"])]


def _table(table_id: str, rows: list[dict], columns: dict, page_size: int) -> html.Div:
    """A data table of `columns` (column → (header, format)): formatted numbers, centred text."""
    frame = pd.DataFrame(rows, columns=list(columns))
    block = data_table(table_id, frame, {col: header for col, (header, _) in columns.items()},
                       page_size=page_size)
    grid = block.children[1]
    grid.columns = [{**column, "type": "numeric", "format": columns[column["id"]][1]}
                    if columns[column["id"]][1] else {**column, "type": "text"}
                    for column in grid.columns]
    grid.style_cell_conditional = [{"if": {"column_id": col}, "textAlign": "center"}
                                   for col, (_, form) in columns.items() if form is None]
    return block


# ---------------------------------------------------------------- callback

@callback(
    Output(f"{PAGE}-header", "children"),
    Output(f"{PAGE}-kpis", "children"),
    *[Output(f"{PAGE}-chart-{key}", "figure") for key in ("visits", *(c[0] for c in CHARTS))],
    Output(table_data_id(TABLE_ID), "data"),
    Output(f"{PAGE}-url", "search"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-inst", "value"),
    Input(f"{PAGE}-scheme", "value"),
    Input(f"{PAGE}-visit", "value"),
    prevent_initial_call=True,
)
def _update(code: str | None, scheme: str, visit: str):
    n_outputs = 3 + len(CHARTS) + 3
    if not code or scheme not in data.SCHEMES or visit not in data.VISIT_GROUPS:
        return (no_update,) * n_outputs
    try:
        header, kpis, figures, table_rows = _render(code, scheme, visit)
    except WarehouseUnavailable as exc:
        return (*(no_update,) * (n_outputs - 1), unavailable(str(exc), PAGE))
    search = "?" + urlencode({"inst": code, "scheme": scheme, "visit": visit})
    return (header, kpis, *figures.values(), table_rows, search, None)


@callback(
    Output(table_data_id(CASES_TABLE), "data"),
    Output(table_data_id(CREDIT_TABLE), "data"),
    Input(f"{PAGE}-inst", "value"),
    prevent_initial_call=True,
)
def _update_history(code: str | None):
    if not code:
        return no_update, no_update
    try:
        return _history(code)
    except WarehouseUnavailable:
        return no_update, no_update


# ---------------------------------------------------------------- rendering

def _history(code: str) -> tuple[list[dict], list[dict]]:
    """The institution's case rows and credit-record rows; an unmasked view is audited."""
    reveal = access.may_unmask(code)
    cases = data.institution_cases(code, reveal=reveal)
    if reveal:
        access.record_unmasked(code, "all", len(cases), where="institution case history")
    credit = data.credit_history(code)
    begin = pd.to_datetime(credit["blacklist_begndate"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(credit["blacklist_enddate"]).dt.strftime("%Y-%m-%d")
    listed = "是（" + begin + " 起" + ("，" + end + " 止").fillna("") + "）"
    credit["blacklist_zh"] = listed.where(credit["blacklist_flag"] == "1", "否")
    return _rows(cases, CASE_COLUMNS, ("open_date", "close_date")), _rows(credit, CREDIT_COLUMNS, ())


def _rows(frame: pd.DataFrame, columns: dict, dates: tuple[str, ...]) -> list[dict]:
    """Table rows of `columns`: dates as YYYY-MM-DD, missing values as null."""
    rows = frame[list(columns)].copy()
    for col in dates:
        rows[col] = pd.to_datetime(rows[col]).dt.strftime("%Y-%m-%d")
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def _render(code: str, scheme: str, visit: str):
    """Header, KPI cards, figures (by id suffix) and table rows for one selection."""
    profile = data.institution_profile(code)
    summary = data.institution_summary(code, scheme, visit).iloc[0]
    monthly = data.institution_monthly(code, scheme, visit)
    peer_name = profile["peer_group_zh"].iloc[0] if not profile.empty else "同类机构"
    header = _header(profile, summary, scheme, visit)
    kpis = _kpis(summary, peer_name, visit)
    figures = {"visits": _visits_chart(monthly)}
    for key, column, peer_column, title, unit, kind in CHARTS:
        if key == "medfee":
            title = MEDFEE_TITLE.get(visit, title)
        figures[key] = _peer_chart(monthly, column, peer_column, title, unit, kind, peer_name)
    table = monthly.assign(month=monthly["setl_month"].dt.strftime("%Y-%m"),
                           medfee_wan=(monthly["medfee_sumamt"] / 1e4).round(2),
                           fund_pay_wan=(monthly["fund_pay_sumamt"] / 1e4).round(2))
    table = table.sort_values("setl_month", ascending=False)[list(TABLE_COLUMNS)]
    return header, kpis, figures, table.astype(object).where(table.notna(), None).to_dict("records")


def _header(profile: pd.DataFrame, summary: pd.Series, scheme: str, visit: str) -> html.Div:
    if profile.empty:
        return html.Div("该机构不在机构目录中。", className="alert")
    p = profile.iloc[0]
    facts = [("机构编码", p["fixmedins_code"]), ("机构类型", p["inst_type_zh"]),
             ("等级", p["hosp_lv_name_zh"] or p["level_grade_zh"]), ("同类组", p["peer_group_zh"]),
             ("核定床位", f"{fmt.count(p['aprv_bed_cnt'])} 张" if pd.notna(p["aprv_bed_cnt"]) else "—"),
             ("所在区划", f"{p['admdvs']}{'' if p['is_local'] else '（统筹区外）'}"),
             ("信用等级", p["cred_lv"] or "—")]
    period = f"{_month(summary['window_start'])} 至 {_month(summary['window_end'])}"
    fund_pay = (f"，基金支付 {fmt.money(summary['fund_pay_sumamt'])}" if summary["months_with_data"] else "")
    return html.Div([
        html.H3(p["fixmedins_name"], id=f"{PAGE}-name", style={"margin": "4px 0"}),
        html.Div([html.Span([html.Span(f"{label}：", style={"color": "#666"}), str(value)],
                            style={"marginRight": "20px", "whiteSpace": "nowrap"})
                  for label, value in facts], style={"fontSize": "14px"}),
        html.Div(f"统计口径：{data.SCHEME_ZH[scheme]} · {data.VISIT_GROUP_ZH[visit]}；卡片为近 12 个月"
                 f"（{period}）合计口径{fund_pay}。",
                 id=f"{PAGE}-period", className="kpi-note", style={"marginTop": "6px"}),
    ], style={"borderLeft": f"4px solid {INSTITUTION_COLOR}", "paddingLeft": "12px", "margin": "8px 0"})


def _kpis(s: pd.Series, peer_name: str, visit: str) -> list:
    if not s["months_with_data"]:
        return [html.Div("该机构在所选险种和就诊类型下近 12 个月没有结算记录。", className="alert",
                         id=f"{PAGE}-empty")]
    peer = f"同类（{peer_name}）"

    def versus(value: str, ratio) -> str:
        return f"{peer} {value} · 本机构为同类的 {fmt.percent(ratio)}"

    return [
        kpi_card("人次", fmt.count(s["visits"]),
                 f"占{peer}人次 {fmt.percent(s['visits_share_of_peer'])}，同类 {fmt.count(s['peer_institutions'])} 家",
                 card_id=f"{PAGE}-kpi-visits"),
        kpi_card(MEDFEE_TITLE.get(visit, "次均费用"), fmt.money(s["avg_medfee_per_visit"]),
                 versus(fmt.money(s["peer_avg_medfee_per_visit"]), s["avg_medfee_per_visit_vs_peer"]),
                 card_id=f"{PAGE}-kpi-medfee"),
        kpi_card("平均住院日", _days(s["avg_los_days"]),
                 versus(_days(s["peer_avg_los_days"]), s["avg_los_days_vs_peer"])
                 if pd.notna(s["avg_los_days"]) else "无出院人次，不适用",
                 card_id=f"{PAGE}-kpi-los"),
        kpi_card("药占比", fmt.percent(s["drug_ratio"]),
                 versus(fmt.percent(s["peer_drug_ratio"]), s["drug_ratio_vs_peer"]),
                 card_id=f"{PAGE}-kpi-drug"),
        kpi_card("耗占比", fmt.percent(s["consumable_ratio"]),
                 versus(fmt.percent(s["peer_consumable_ratio"]), s["consumable_ratio_vs_peer"]),
                 card_id=f"{PAGE}-kpi-consumable"),
        kpi_card("实际报销比", fmt.percent(s["reimbursement_ratio"]),
                 versus(fmt.percent(s["peer_reimbursement_ratio"]), s["reimbursement_ratio_vs_peer"]),
                 card_id=f"{PAGE}-kpi-reimbursement"),
    ]


#: The house chart layout (components.charts.styled), built once: applying its template per figure
#: costs ~35 ms, so the figures are plain dicts over this layout.
_HOUSE_LAYOUT = styled(go.Figure(), "", "").to_dict()["layout"]
_TICKFORMAT = {"ratio": ".0%", "money": ",.0f", "days": ".1f", "count": ",d"}


def _peer_chart(monthly: pd.DataFrame, column: str, peer_column: str, title: str, unit: str,
                kind: str, peer_name: str) -> dict:
    """Two lines: the institution and its peer group's value (ratio of the group's sums)."""
    value = HOVER_VALUE[kind]
    months = _values(monthly["setl_month"].dt.strftime("%Y-%m-%d"))
    traces = [
        {"type": "scatter", "x": months, "y": _values(monthly[column]), "name": "本机构",
         "mode": "lines+markers", "line": {"color": INSTITUTION_COLOR, "width": 2.5},
         "hovertemplate": f"本机构 {title}：{value}<extra></extra>"},
        {"type": "scatter", "x": months, "y": _values(monthly[peer_column]), "name": f"同类机构（{peer_name}）",
         "mode": "lines", "line": {"color": PEER_COLOR, "width": 2, "dash": "dash"},
         "hovertemplate": f"同类机构 {title}：{value}<extra></extra>"},
    ]
    empty = None
    if monthly[column].isna().all():
        empty = "所选就诊类型下无此指标" if not monthly.empty else "无结算记录"
    return _figure(traces, f"{title}（{unit}）" if kind != "ratio" else title, unit, kind, empty)


def _visits_chart(monthly: pd.DataFrame) -> dict:
    months = _values(monthly["setl_month"].dt.strftime("%Y-%m-%d"))
    traces = [
        {"type": "bar", "x": months, "y": _values(monthly["visits"]), "name": "人次",
         "marker": {"color": INSTITUTION_COLOR}, "hovertemplate": "人次：%{y:,} 人次<extra></extra>"},
        {"type": "scatter", "x": months, "y": _values(monthly["persons"]), "name": "人数",
         "mode": "lines+markers", "line": {"color": "#2ca02c"}, "hovertemplate": "人数：%{y:,} 人<extra></extra>"},
    ]
    return _figure(traces, "月度就诊人次与人数", "人次 / 人", "count", "无结算记录" if monthly.empty else None)


def _figure(traces: list[dict], title: str, y_title: str, kind: str, empty: str | None) -> dict:
    """The house layout with the page's axes: months on x, the indicator's unit on y, one
    hover box per month; an empty chart says why instead of drawing bare axes."""
    layout = {**_HOUSE_LAYOUT, "height": 340, "hovermode": "x unified", "showlegend": not empty,
              "title": {**_HOUSE_LAYOUT.get("title", {}), "text": title},
              "xaxis": {"type": "date", "tickformat": "%Y-%m", "hoverformat": "%Y年%m月", "visible": not empty},
              "yaxis": {**_HOUSE_LAYOUT.get("yaxis", {}), "title": {"text": y_title},
                        "tickformat": _TICKFORMAT[kind], "visible": not empty,
                        "rangemode": "tozero" if kind in ("ratio", "count") else "normal"}}
    if empty:
        layout["annotations"] = [{"text": empty, "showarrow": False, "xref": "paper", "yref": "paper",
                                  "x": 0.5, "y": 0.5, "font": {"size": 14, "color": "#888"}}]
    return {"data": traces, "layout": layout}


def _values(series: pd.Series) -> list:
    """A column as a JSON-ready list, missing values as null."""
    return series.astype(object).where(series.notna(), None).tolist()


def _month(value) -> str:
    return "—" if pd.isna(value) else f"{value.year} 年 {value.month} 月"


def _days(value) -> str:
    """Days with one decimal (平均住院日); formatting has no day helper yet."""
    return "—" if pd.isna(value) else f"{float(value):.1f} 天"
