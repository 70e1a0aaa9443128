"""重点药品耗材: monitored drugs and consumables — the month's ranking, one item's spend, quantity and
unit-price trend with its abnormal months in red, and the list of flagged abnormal changes.

Everything shown comes from marts.fct_key_item_month / marts.dim_items (dashboard.data.items).
The mart has no item × institution grain, so there is no top-institutions view here.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data import items as data
from dashboard.data.db import session

PAGE = "key-items"
dash.register_page(__name__, path="/key-items", name="重点药品耗材", order=4,
                   title="重点药品耗材 · 医保基金数据集市")

ANOMALY_WINDOW = 12  # months of flagged changes listed, ending at the selected month
CLASS_OPTIONS = [{"label": "全部", "value": "all"}, {"label": "药品", "value": "drug"},
                 {"label": "医用耗材", "value": "consumable"}]
INCLUSION_ZH = {"key_item": "重点清单", "top_spend": "金额前列",
                "key_item_and_top_spend": "重点清单·金额前列"}
RED, BLUE, GREY = "#d62728", "#1f77b4", "#888888"

RANK_COLUMNS = {
    "rank": "排名", "hilist_name": "品种名称", "item_class_zh": "类别", "scope_label": "监测范围",
    "spend_wan": "使用金额（万元）", "yoy_pct": "同比增长（%）", "quantity": "使用数量",
    "avg_unit_price": "平均单价（元）", "n_patients": "使用人数", "n_institutions": "使用机构数",
    "share_pct": "占同类费用（%）", "anomaly_flag": "异常标志", "anomaly_reason": "异常原因",
    "hilist_code": "医保目录编码",
}
ANOMALY_COLUMNS = {
    "month_label": "结算月份", "hilist_name": "品种名称", "item_class_zh": "类别",
    "scope_label": "监测范围", "spend_wan": "使用金额（万元）", "yoy_pct": "同比增长（%）",
    "robust_z": "稳健z分数", "anomaly_reason": "异常原因", "hilist_code": "医保目录编码",
}
TOP_INSTITUTION_COLUMNS = {
    "rank": "排名", "fixmedins_name": "机构名称", "inst_type_zh": "机构类型", "level_grade_zh": "等级",
    "spend_wan": "使用金额（万元）", "quantity": "使用数量", "n_patients": "使用人数",
    "share_pct": "占该品种金额（%）", "fixmedins_code": "机构编码",
}
TEXT_COLUMNS = ("fixmedins_name", "inst_type_zh", "level_grade_zh", "hilist_name", "item_class_zh", "scope_label", "anomaly_flag", "anomaly_reason",
                "hilist_code", "month_label")


# ---------------------------------------------------------------- filters and URL

def _month_label(month) -> str:
    return f"{month.year}年{month.month:02d}月"


def _options(frame: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Month and scope options from data.filter_options()."""
    months = frame[frame["kind"] == "month"]
    month_options = [{"label": _month_label(dt.date.fromisoformat(v)), "value": v[:7]}
                     for v in months["value"]]
    groups = frame[frame["kind"] == "group"]
    scope_options = [{"label": "全部监测品种", "value": "all"},
                     {"label": "重点清单品种", "value": "key_item"},
                     {"label": "金额前列品种", "value": "top_spend"}]
    scope_options += [{"label": f"　{row.label}", "value": row.value} for row in groups.itertuples()]
    return month_options, scope_options


def _pick(value, options: list[dict], default):
    return value if value in {o["value"] for o in options} else default


def _month_date(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01")


def _default_item(ranked: pd.DataFrame) -> str | None:
    """The largest flagged item of the month, else the largest item."""
    if ranked.empty:
        return None
    flagged = ranked[ranked["is_anomaly"]]
    return (flagged if not flagged.empty else ranked)["hilist_code"].iloc[0]


def _item_options(ranked: pd.DataFrame) -> list[dict]:
    return [{"label": f"{row.hilist_name}（{row.item_class_zh}{'，异常' if row.is_anomaly else ''}）",
             "value": row.hilist_code} for row in ranked.itertuples()]


# ---------------------------------------------------------------- table rows

def _scope_label(frame: pd.DataFrame) -> pd.Series:
    """Key-item group when the item is on the list, else why it is monitored."""
    reason = frame["inclusion_reason"].map(INCLUSION_ZH)
    return frame["key_group_zh"].where(frame["key_group_zh"].notna(), reason)


def _top_institution_rows(top: pd.DataFrame) -> pd.DataFrame:
    """The item's top institutions in display units (万元, %), sortable as numbers."""
    rows = top.copy()
    rows.insert(0, "rank", range(1, len(rows) + 1))
    rows["spend_wan"] = (rows["spend"] / 1e4).round(2)
    rows["share_pct"] = (rows["share_of_item_spend"] * 100).round(1)
    rows["quantity"] = rows["quantity"].round(2)
    return rows.astype(object).where(rows.notna(), None)


def _top_institution_title(trend: pd.DataFrame, month: dt.date) -> str:
    name = trend["hilist_name"].iloc[0] if not trend.empty else "所选品种"
    return f"{name}：{_month_label(month)} 使用金额前 10 位机构"


def _rank_rows(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranking in display units: 万元 and percentages as numbers so the table sorts numerically."""
    rows = ranked.copy()
    rows["scope_label"] = _scope_label(rows)
    rows["spend_wan"] = (rows["spend"] / 1e4).round(2)
    rows["yoy_pct"] = (rows["spend_yoy_growth"] * 100).round(1)
    rows["share_pct"] = (rows["share_of_class_spend"] * 100).round(2)
    rows["avg_unit_price"] = rows["avg_unit_price"].round(2)
    rows["quantity"] = rows["quantity"].round(2)
    rows["anomaly_flag"] = rows["is_anomaly"].map({True: "异常", False: ""})
    rows["anomaly_reason"] = rows["anomaly_reason"].fillna("")
    return rows.astype(object).where(rows.notna(), None)


def _anomaly_rows(flagged: pd.DataFrame) -> pd.DataFrame:
    rows = flagged.copy()
    rows["month_label"] = rows["setl_month"].map(_month_label)
    rows["scope_label"] = _scope_label(rows)
    rows["spend_wan"] = (rows["spend"] / 1e4).round(2)
    rows["yoy_pct"] = (rows["spend_yoy_growth"] * 100).round(1)
    rows["robust_z"] = rows["spend_robust_z"].round(1)
    return rows.astype(object).where(rows.notna(), None)


def _table(table_id: str, rows: pd.DataFrame, columns: dict[str, str], page_size: int) -> html.Div:
    block = data_table(table_id, rows, columns, page_size=page_size)
    grid = block.children[1]
    grid.style_cell_conditional = [{"if": {"column_id": c}, "textAlign": "left"} for c in TEXT_COLUMNS]
    grid.style_data_conditional = [
        {"if": {"filter_query": '{anomaly_flag} = "异常"'}, "backgroundColor": "#fdecea"},
        {"if": {"column_id": "anomaly_flag"}, "color": RED, "fontWeight": "bold"},
        {"if": {"column_id": "anomaly_reason"}, "color": RED, "whiteSpace": "normal", "minWidth": "260px"},
    ]
    return block


# ---------------------------------------------------------------- KPI cards and charts

def _kpis(ranked: pd.DataFrame, flagged: pd.DataFrame, month: dt.date) -> list:
    n_items = int(ranked["scope_items"].iloc[0]) if not ranked.empty else 0
    spend = ranked["scope_spend"].iloc[0] if not ranked.empty else None
    n_flagged = int(ranked["scope_anomalies"].iloc[0]) if not ranked.empty else 0
    n_flagged_items = flagged["hilist_code"].nunique()
    return [
        kpi_card("监测品种数", fmt.count(n_items), f"{_month_label(month)}在用的监测品种",
                 card_id=f"{PAGE}-kpi-items"),
        kpi_card("当月使用金额合计", fmt.money(spend), "所选范围内监测品种（含退费冲减）",
                 card_id=f"{PAGE}-kpi-spend"),
        kpi_card("当月异常品种", fmt.count(n_flagged), "使用金额大、存在异常变化",
                 color="red" if n_flagged else "green", card_id=f"{PAGE}-kpi-flagged"),
        kpi_card(f"近{ANOMALY_WINDOW}个月异常", f"{fmt.count(len(flagged))} 次",
                 f"涉及 {fmt.count(n_flagged_items)} 个品种", color="amber" if len(flagged) else None,
                 card_id=f"{PAGE}-kpi-flagged-window"),
    ]


def _empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 16, "color": GREY},
                       xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, "品种月度使用趋势")


def _trend_figure(trend: pd.DataFrame, month: dt.date) -> go.Figure:
    """Spend (万元), quantity and unit price by month; abnormal months as red markers with the reason."""
    if trend.empty:
        return _empty_figure("所选品种无使用记录")
    item = trend.iloc[0]
    months = trend["setl_month"]
    hover = pd.DataFrame({
        "month": months.map(_month_label),
        "spend": trend["spend"].map(fmt.money),
        "yoy": trend["spend_yoy_growth"].map(lambda v: fmt.percent(v, signed=True)),
        "quantity": trend["quantity"].map(fmt.count),
        "price": trend["avg_unit_price"].map(fmt.money),
        "patients": trend["n_patients"].map(fmt.count),
        "institutions": trend["n_institutions"].map(fmt.count),
        "reason": trend["anomaly_reason"].fillna("无异常"),
    })
    custom = hover.to_numpy()
    common = ("<b>%{customdata[0]}</b><br>使用金额：%{customdata[1]}（同比 %{customdata[2]}）"
              "<br>使用数量：%{customdata[3]}　平均单价：%{customdata[4]}"
              "<br>使用人数：%{customdata[5]}　使用机构数：%{customdata[6]}")
    panels = [  # (values, panel title, axis unit), top to bottom
        (trend["spend"] / 1e4, "使用金额（万元）", "万元"),
        (trend["quantity"], "使用数量（计价单位）", "计价单位"),
        (trend["avg_unit_price"], "平均单价（元/计价单位）", "元/计价单位"),
    ]
    abnormal = trend["is_anomaly"].to_numpy()
    n_flagged = int(abnormal.sum())
    # three stacked panels sharing one month axis, laid out by hand: make_subplots, add_vline and
    # add_hline re-validate the whole figure on every call and cost more than the query
    gap, height = 0.09, (1 - 2 * 0.09) / 3
    traces, layout = [], {"annotations": [], "shapes": []}
    x_range = [months.min() - pd.Timedelta(days=15), months.max() + pd.Timedelta(days=15)]
    for row, (values, title, unit) in enumerate(panels, start=1):
        top = 1 - (row - 1) * (height + gap)
        axes = {"xaxis": f"x{row}", "yaxis": f"y{row}"}
        traces.append(go.Scatter(
            x=months, y=values, mode="lines+markers", name=title.split("（")[0], **axes,
            line={"color": BLUE, "width": 2}, marker={"size": 6, "color": BLUE},
            customdata=custom, hovertemplate=common + "<extra></extra>", showlegend=False))
        traces.append(go.Scatter(
            x=months[abnormal], y=values[abnormal], mode="markers", name="异常月份", **axes,
            marker={"size": 13, "color": RED, "line": {"width": 1.5, "color": "#fff"}},
            customdata=custom[abnormal],
            hovertemplate=common + "<br><b>异常：%{customdata[7]}</b><extra>异常月份</extra>",
            showlegend=row == 1, legendgroup="anomaly"))
        layout[f"yaxis{row}"] = {"domain": [max(top - height, 0), top], "anchor": f"x{row}", "title": {"text": unit},
                                 "tickformat": ",~f", "rangemode": "normal" if row == 3 else "tozero"}
        layout[f"xaxis{row}"] = {"anchor": f"y{row}", "showticklabels": row == 3, "tickformat": "%Y-%m",
                                 "dtick": "M1" if len(trend) <= 15 else "M2", "tickangle": -45,
                                 **({"matches": "x3"} if row < 3 else {"range": x_range})}
        layout["annotations"].append({"text": title, "xref": "paper", "yref": "paper", "x": 0.5, "y": top,
                                      "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                                      "font": {"size": 14}})
    selected = pd.Timestamp(month)
    if months.min() <= selected <= months.max():
        layout["shapes"].append({"type": "line", "xref": "x3", "yref": "paper", "x0": selected, "x1": selected,
                                 "y0": 0, "y1": 1, "line": {"color": GREY, "dash": "dot", "width": 1}})
    if pd.notna(item["price_cap"]):
        cap = float(item["price_cap"])
        layout["shapes"].append({"type": "line", "xref": "x3 domain", "yref": "y3", "x0": 0, "x1": 1,
                                 "y0": cap, "y1": cap, "line": {"color": "#ff9f1c", "dash": "dash"}})
        layout["annotations"].append({"text": f"最高限价 {fmt.money_in(cap, '元')} 元", "xref": "x3 domain",
                                      "yref": "y3", "x": 0, "y": cap, "xanchor": "left", "yanchor": "top",
                                      "showarrow": False, "font": {"color": "#b36b00", "size": 12}})
    fig = go.Figure(data=traces, layout=layout)
    styled(fig, f"{item['hilist_name']} 月度使用趋势"
           + (f"（异常月份 {n_flagged} 个，红点标出）" if n_flagged else "（无异常月份）"))
    fig.update_layout(height=720, hovermode="closest", legend={"orientation": "h", "y": -0.1, "x": 0},
                      yaxis_title_text=panels[0][2])  # styled() sets the first axis title
    return fig


def _item_card(trend: pd.DataFrame) -> list:
    """Who the item is: catalogue attributes and why it is monitored."""
    if trend.empty:
        return [html.Div("请选择品种", className="kpi-note")]
    item = trend.iloc[0]
    facts = [
        ("医保目录编码", item["hilist_code"]),
        ("类别", f"{item['item_class_zh'] or ''}　{item['chrgitm_lv_name_zh'] or ''}"),
        ("监测范围", (item["key_group_zh"] if pd.notna(item["key_group_zh"])
                  else INCLUSION_ZH.get(item["inclusion_reason"], ""))
         + f"（全期金额在同类中第 {item['spend_rank_in_class']} 位）"),
    ]
    if pd.notna(item["key_item_reason"]):
        facts.append(("纳入重点清单原因", item["key_item_reason"]))
    if item["is_restricted"]:
        facts.append(("限制使用范围", item["lmt_usescp"] or "限制使用"))
    if pd.notna(item["price_cap"]):
        facts.append(("最高限价", f"{fmt.money_in(item['price_cap'], '元')} 元"))
    return [
        html.H3(item["hilist_name"], style={"margin": "0 0 6px 0"}),
        html.Dl([el for label, value in facts
                 for el in (html.Dt(label, style={"color": "#666", "fontSize": "13px"}),
                            html.Dd(value, style={"margin": "0 0 6px 0"}))]),
    ]


# ---------------------------------------------------------------- layout

def _filter(label: str, component) -> html.Div:
    return html.Div([html.Label(label, style={"fontSize": "13px", "color": "#666"}), component])


def layout(month: str | None = None, item_class: str | None = None, scope: str | None = None,
           item: str | None = None, **_query) -> html.Div:
    """The page for the filters in the query string (?month=2024-12&item_class=drug&scope=…&item=…)."""
    try:
        with session():
            month_options, scope_options = _options(data.filter_options())
            if not month_options:
                return unavailable("重点药品耗材集市暂无数据，请先构建数据仓库。", PAGE)
            month = _pick(month, month_options, month_options[0]["value"])
            item_class = _pick(item_class, CLASS_OPTIONS, "all")
            scope = _pick(scope, scope_options, "all")
            month_date = _month_date(month)
            ranked = data.ranked_items(month_date, item_class, scope)
            flagged = data.anomalies(month_date, ANOMALY_WINDOW, item_class, scope)
            item_options = _item_options(ranked)
            item = _pick(item, item_options, _default_item(ranked))
            trend = data.item_trend(item) if item else pd.DataFrame()
            top = data.top_institutions(item, month_date) if item else pd.DataFrame(
                columns=list(TOP_INSTITUTION_COLUMNS) + ["spend", "share_of_item_spend"])
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)

    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("重点药品耗材监测"),
        html.P("监测范围：国家专项整治重点药品耗材清单品种，以及全期政策范围内金额居前的药品、医用耗材。"
               "金额按结算月份归集，已冲减退费。异常变化：当月使用金额达到监测门槛，且较本品种前期明显升高"
               "（稳健z分数超过阈值）或同比增长超过阈值；阈值见各行异常原因。",
               style={"color": "#555", "fontSize": "13px", "maxWidth": "1100px"}),
        html.Div([
            _filter("结算月份", dcc.Dropdown(id=f"{PAGE}-month", options=month_options, value=month,
                                            clearable=False)),
            _filter("品种类别", dcc.RadioItems(id=f"{PAGE}-class", options=CLASS_OPTIONS, value=item_class,
                                              inline=True, inputStyle={"marginRight": "4px"},
                                              labelStyle={"marginRight": "12px"})),
            _filter("监测范围", dcc.Dropdown(id=f"{PAGE}-scope", options=scope_options, value=scope,
                                            clearable=False, style={"minWidth": "220px"})),
            _filter("品种", dcc.Dropdown(id=f"{PAGE}-item", options=item_options, value=item,
                                        clearable=False, placeholder="选择品种",
                                        style={"minWidth": "320px"})),
        ], className="filters"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div(_kpis(ranked, flagged, month_date), id=f"{PAGE}-kpis", className="kpi-row")),
        html.Div([
            html.Div(_item_card(trend), id=f"{PAGE}-item-card", className="kpi-card",
                     style={"flex": "0 0 280px"}),
            html.Div(dcc.Loading(dcc.Graph(id=f"{PAGE}-trend", figure=_trend_figure(trend, month_date),
                                           config=GRAPH_CONFIG)), style={"flex": "1 1 600px", "minWidth": 0}),
        ], id=f"{PAGE}-item-section", style={"display": "flex", "gap": "12px", "alignItems": "flex-start"}),
        html.H3(id=f"{PAGE}-top-institutions-title", children=_top_institution_title(trend, month_date)),
        dcc.Loading(_table(f"{PAGE}-top-institutions", _top_institution_rows(top), TOP_INSTITUTION_COLUMNS,
                           page_size=10)),
        html.H3(id=f"{PAGE}-rank-title", children=f"{_month_label(month_date)} 监测品种排名（按使用金额）"),
        html.P("点击表格中的行可查看该品种的月度趋势。", style={"color": "#888", "fontSize": "12px", "margin": 0}),
        dcc.Loading(_table(f"{PAGE}-rank", _rank_rows(ranked), RANK_COLUMNS, page_size=15)),
        html.H3(id=f"{PAGE}-anomaly-title",
                children=f"异常变化清单（近{ANOMALY_WINDOW}个月，截至{_month_label(month_date)}）"),
        dcc.Loading(_table(f"{PAGE}-anomalies", _anomaly_rows(flagged), ANOMALY_COLUMNS, page_size=10)),
    ])


# ---------------------------------------------------------------- callbacks

@callback(
    Output(f"{PAGE}-kpis", "children"),
    Output(table_data_id(f"{PAGE}-rank"), "data"),
    Output(table_data_id(f"{PAGE}-anomalies"), "data"),
    Output(f"{PAGE}-rank-title", "children"),
    Output(f"{PAGE}-anomaly-title", "children"),
    Output(f"{PAGE}-item", "options"),
    Output(f"{PAGE}-item", "value"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-month", "value"),
    Input(f"{PAGE}-class", "value"),
    Input(f"{PAGE}-scope", "value"),
    State(f"{PAGE}-item", "value"),
    prevent_initial_call=True,
)
def _update_month_view(month, item_class, scope, item):
    """The month's ranking, KPI cards and flagged list for the class and scope filters."""
    month_date = _month_date(month)
    try:
        with session():
            ranked = data.ranked_items(month_date, item_class, scope)
            flagged = data.anomalies(month_date, ANOMALY_WINDOW, item_class, scope)
    except WarehouseUnavailable as exc:
        return (no_update,) * 7 + (unavailable(str(exc), PAGE),)
    options = _item_options(ranked)
    new_item = item if item in set(ranked["hilist_code"]) else _default_item(ranked)
    return (
        _kpis(ranked, flagged, month_date),
        _rank_rows(ranked)[list(RANK_COLUMNS)].to_dict("records"),
        _anomaly_rows(flagged)[list(ANOMALY_COLUMNS)].to_dict("records"),
        f"{_month_label(month_date)} 监测品种排名（按使用金额）",
        f"异常变化清单（近{ANOMALY_WINDOW}个月，截至{_month_label(month_date)}）",
        options,
        new_item if new_item != item else no_update,
        None,
    )


@callback(
    Output(f"{PAGE}-trend", "figure"),
    Output(f"{PAGE}-item-card", "children"),
    Output(f"{PAGE}-top-institutions-title", "children"),
    Output(table_data_id(f"{PAGE}-top-institutions"), "data"),
    Output(f"{PAGE}-message", "children", allow_duplicate=True),
    Input(f"{PAGE}-item", "value"),
    Input(f"{PAGE}-month", "value"),
    prevent_initial_call=True,
)
def _update_item(item, month):
    """The selected item's monthly trend (selected month marked) and its top institutions."""
    month_date = _month_date(month)
    if not item:
        return _trend_figure(pd.DataFrame(), month_date), _item_card(pd.DataFrame()), no_update, [], None
    try:
        with session():
            trend = data.item_trend(item)
            top = data.top_institutions(item, month_date)
    except WarehouseUnavailable as exc:
        return no_update, no_update, no_update, no_update, unavailable(str(exc), PAGE)
    rows = _top_institution_rows(top)[list(TOP_INSTITUTION_COLUMNS)].to_dict("records")
    return (_trend_figure(trend, month_date), _item_card(trend), _top_institution_title(trend, month_date),
            rows, None)


@callback(
    Output(f"{PAGE}-item", "value", allow_duplicate=True),
    Input(table_data_id(f"{PAGE}-rank"), "active_cell"),
    Input(table_data_id(f"{PAGE}-anomalies"), "active_cell"),
    State(table_data_id(f"{PAGE}-rank"), "derived_viewport_data"),
    State(table_data_id(f"{PAGE}-anomalies"), "derived_viewport_data"),
    prevent_initial_call=True,
)
def _select_from_table(rank_cell, anomaly_cell, rank_rows, anomaly_rows):
    """Clicking a row of either table shows that item's trend."""
    cell, rows = ((rank_cell, rank_rows) if ctx.triggered_id == table_data_id(f"{PAGE}-rank")
                  else (anomaly_cell, anomaly_rows))
    if not cell or not rows or cell["row"] >= len(rows):
        return no_update
    return rows[cell["row"]]["hilist_code"]


@callback(
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-month", "value"),
    Input(f"{PAGE}-class", "value"),
    Input(f"{PAGE}-scope", "value"),
    Input(f"{PAGE}-item", "value"),
    prevent_initial_call=True,
)
def _write_url(month, item_class, scope, item):
    """Keep the filters in the address bar so the view can be shared."""
    params = {"month": month, "item_class": item_class, "scope": scope, "item": item}
    return "?" + urlencode({k: v for k, v in params.items() if v})
