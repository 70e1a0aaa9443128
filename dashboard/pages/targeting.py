"""稽核选点: whom to inspect — institutions ranked by risk score with their reasons, the drill to one
institution's score components, rule hits and the claims behind them, and the 双随机 draw with
its audit record and public result list.

Filters (shareable in the URL): ?period=YYYY&type=<inst_type>&group=<peer_group>
&family=<rule_family>&area=<key area>&inst=<fixmedins_code>. The first render is built
server-side by layout(); callbacks redraw on a change and write the filters back to the URL.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.dash_table.Format import Format, Group
from dash.dash_table.Format import Scheme as NumberScheme

from analytics.errors import AnalyticsError
from analytics.targeting.sampling_cli import PUBLIC_COLUMNS
from dashboard import formatting as fmt
from dashboard.components.charts import GRAPH_CONFIG, styled
from dashboard.components.kpi import COLORS, kpi_card
from dashboard.components.messages import unavailable
from dashboard.components.table import data_table, table_data_id
from dashboard.data import WarehouseUnavailable
from dashboard.data import cases
from dashboard.data import targeting as data
from dashboard.data.db import session
from dashboard.auth import access
from dashboard.exports import ExportError
from dashboard.exports import cases as case_export

PAGE = "targeting"
ALL = data.ALL

dash.register_page(__name__, path="/targeting", name="稽核选点", order=6,
                   title="稽核选点 · 医保基金数据集市")

LEVEL_COLOR = {"高": COLORS["red"], "中": COLORS["amber"], "低": COLORS["green"]}
#: Institutions drawn in the ranking chart (the table lists them all).
CHART_TOP = 20

_MONEY = Format(precision=2, scheme=NumberScheme.fixed, group=Group.yes)
_COUNT = Format(precision=0, scheme=NumberScheme.fixed, group=Group.yes)
_SCORE = Format(precision=3, scheme=NumberScheme.fixed)
_RATIO = Format(precision=2, scheme=NumberScheme.percentage)
_PERCENTILE = Format(precision=1, scheme=NumberScheme.percentage)

#: The ranked list: frame column → (Chinese header, display format or None for text).
RANK_COLUMNS = {
    "risk_rank": ("排名", _COUNT),
    "fixmedins_name": ("机构名称", None),
    "peer_group_zh": ("同类组", None),
    "risk_score": ("风险得分", _SCORE),
    "risk_level_zh": ("风险等级", None),
    "risk_percentile": ("风险分位", _PERCENTILE),
    "rule_hit_amt": ("违规金额（元）", _MONEY),
    "rule_hit_ratio": ("违规金额占基金支付", _RATIO),
    "selected_hit_amt": ("所选规则类别/重点领域违规金额（元）", _MONEY),
    "rule_hit_count": ("违规条数", _COUNT),
    "fund_pay_amt": ("基金支付（元）", _MONEY),
    "top_reasons_zh": ("主要原因", None),
    "fixmedins_code": ("机构编码", None),
}
DRAW_COLUMNS = {
    "fixmedins_code": ("机构编码", None),
    "fixmedins_name": ("机构名称", None),
    "stratum": ("抽取分层", None),
    "stratum_size": ("层内机构数", _COUNT),
    "stratum_drawn": ("层内抽取数", _COUNT),
    "risk_level_zh": ("风险等级", None),
    "inspectors": ("执法检查人员", None),
}
HIT_COLUMNS = {
    "rule_family_zh": ("规则类别", None),
    "rule_category_zh": ("违规大类", None),
    "key_area_zh": ("重点领域", None),
    "hit_count": ("命中条数", _COUNT),
    "confirmed_hit_count": ("其中明确违规", _COUNT),
    "suspect_amt": ("涉嫌违规金额（元）", _MONEY),
    "patient_count": ("涉及人数", _COUNT),
    "visit_count": ("涉及就诊人次", _COUNT),
}
#: The claims behind the hits: case-list columns shown (headers from cases.CASE_COLUMNS_ZH).
CASE_COLUMNS = {col: (cases.CASE_COLUMNS_ZH[col], form) for col, form in (
    ("hit_date", None), ("rule_family_zh", None), ("key_area_zh", None), ("result_type", None),
    ("setl_id", None), ("mdtrt_id", None), ("visit_type_zh", None), ("begndate", None), ("enddate", None),
    ("hilist_name", None), ("cnt", _SCORE), ("suspect_amt", _MONEY), ("medfee_sumamt", _MONEY),
    ("fund_pay_sumamt", _MONEY), ("psn_name", None), ("gend_zh", None), ("age_at_hit", _COUNT),
    ("dscg_maindiag_name", None), ("evidence_zh", None), ("rule_hit_id", None))}
#: Case lines shown in the drill table (largest suspect amount first); the XLSX export has all.
CASE_TABLE_ROWS = 500
DATE_COLUMNS = ("hit_date", "begndate", "enddate")
LONG_TEXT = ("top_reasons_zh", "evidence_zh", "inspectors")
STRATA_DEFAULT = ["type", "level"]
DROPDOWN_LABELS = {"search": "输入机构名称或编码搜索", "no_options_found": "未找到该机构"}


# ---------------------------------------------------------------- filters

def _pick(value, options: list[dict], default):
    return value if value in {o["value"] for o in options} else default


def _filter_options(frame: pd.DataFrame) -> dict[str, list[dict]]:
    """The four filters' options, each led by 全部."""
    names = {"inst_type": "全部类型", "peer_group": "全部同类组", "rule_family": "全部规则类别",
             "key_area": "全部重点领域"}
    return {kind: [{"label": label, "value": ALL}] +
            [{"label": row.label, "value": row.value} for row in frame[frame["kind"] == kind].itertuples()]
            for kind, label in names.items()}


def _dropdown(name: str, label: str, options: list[dict], value, width: str = "200px") -> html.Div:
    return html.Div([html.Label(label, htmlFor=f"{PAGE}-{name}"),
                     dcc.Dropdown(id=f"{PAGE}-{name}", options=options, value=value, clearable=False)],
                    style={"minWidth": width})


# ---------------------------------------------------------------- ranking

def _ranking(period: str, inst_type: str, peer_group: str, family: str, area: str):
    """KPI cards, chart, table rows and the drill's institution options for one filter state."""
    with session():
        ranked = data.ranked_institutions(period, inst_type, peer_group, family, area)
        everyone = (ranked if ALL == inst_type == peer_group == family == area
                    else data.ranked_institutions(period))
    options = [{"label": f"{r.risk_rank}. {r.fixmedins_name}（{r.fixmedins_code}）· {r.risk_level_zh}风险",
                "value": r.fixmedins_code} for r in everyone.itertuples()]
    selective = family != ALL or area != ALL
    return (_kpis(ranked, len(everyone), period, selective), _rank_figure(ranked, period),
            _rank_rows(ranked), options)


def _rank_rows(ranked: pd.DataFrame) -> list[dict]:
    rows = ranked[list(RANK_COLUMNS)].assign(id=ranked["fixmedins_code"])
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def _kpis(ranked: pd.DataFrame, n_all: int, period: str, selective: bool) -> list:
    high = int((ranked["risk_level_zh"] == "高").sum())
    hit_amt = ranked["selected_hit_amt" if selective else "rule_hit_amt"].sum()
    fund_pay = ranked["fund_pay_amt"].sum()
    what = "所选规则类别/重点领域的" if selective else ""
    return [
        kpi_card("列表机构数", f"{fmt.count(len(ranked))} 家", f"{period} 年参与排序 {fmt.count(n_all)} 家",
                 card_id=f"{PAGE}-kpi-count"),
        kpi_card("高风险机构", f"{fmt.count(high)} 家", "风险等级为“高”的机构（阈值见风险等级参数表）",
                 color="red" if high else None, card_id=f"{PAGE}-kpi-high"),
        kpi_card("违规金额", fmt.money(hit_amt), f"列表机构{what}规则命中涉嫌违规金额合计",
                 card_id=f"{PAGE}-kpi-amount"),
        kpi_card("违规金额占基金支付", fmt.percent(hit_amt / fund_pay if fund_pay else None, 2),
                 f"列表机构基金支付 {fmt.money(fund_pay)}", card_id=f"{PAGE}-kpi-ratio"),
    ]


def _rank_figure(ranked: pd.DataFrame, period: str) -> dict:
    """The top CHART_TOP institutions' risk scores as bars in their level's colour."""
    top = ranked.head(CHART_TOP).iloc[::-1]
    traces = []
    for level, color in LEVEL_COLOR.items():
        part = top[top["risk_level_zh"] == level]
        if part.empty:
            continue
        custom = [[r.fixmedins_code, r.risk_rank, r.peer_group_zh, fmt.money(r.rule_hit_amt),
                   fmt.percent(r.rule_hit_ratio, 2), r.top_reasons_zh or "—"] for r in part.itertuples()]
        traces.append({
            "type": "bar", "orientation": "h", "y": part["fixmedins_name"].tolist(),
            "x": part["risk_score"].tolist(), "name": f"{level}风险", "marker": {"color": color},
            "customdata": custom,
            "hovertemplate": ("<b>%{y}</b>（第 %{customdata[1]} 位，%{customdata[2]}）<br>风险得分 %{x:.3f}"
                              "<br>违规金额 %{customdata[3]}，占基金支付 %{customdata[4]}"
                              "<br>主要原因：%{customdata[5]}<extra></extra>")})
    return _figure(traces, f"{period} 年风险得分前 {min(CHART_TOP, len(ranked))} 位机构", "风险得分（越高风险越大）",
                   list(top["fixmedins_name"]), height=max(360, 24 * len(top) + 140), left=220,
                   empty="所选条件下没有机构" if ranked.empty else None)


def _drill(code: str | None, period: str, family: str, area: str):
    """The institution's header, score-components chart, hits by family × key area (chart and
    table rows) and the case lines behind them, for the family and key-area filters."""
    if not code:
        return (html.Div("请选择机构。", className="kpi-note"), _components_figure(pd.DataFrame(), period),
                _hits_figure(pd.DataFrame()), [], [])
    families = [family] if family != ALL else None
    areas = [area] if area != ALL else None
    with session():
        row = data.institution_risk(code, period)
        components = data.risk_components(code, period)
        summary = cases.case_summary(code, period, families, areas)
        reveal = access.may_unmask(code)
        lines = cases.case_lines(code, period, families, areas, limit=CASE_TABLE_ROWS, reveal=reveal)
    if reveal:
        access.record_unmasked(code, period, len(lines), where="targeting drill")
    header = (_header(row.iloc[0]) if not row.empty
              else html.Div(f"该机构 {period} 年未参与风险排序。", className="alert"))
    total = int(summary["hit_count"].sum()) if not summary.empty else 0
    if total > len(lines):
        header = html.Div([header, html.Div(
            f"案件线索共 {fmt.count(total)} 条，下表列出涉嫌违规金额最大的 {fmt.count(len(lines))} 条；"
            "完整清单请导出案件线索（Excel）。", id=f"{PAGE}-cases-truncated", className="note")])
    return (header, _components_figure(components, period), _hits_figure(summary),
            _records(summary, HIT_COLUMNS), _records(lines, CASE_COLUMNS))


def _records(frame: pd.DataFrame, columns: dict) -> list[dict]:
    """Table rows: the columns shown to the viewer, dates as YYYY-MM-DD, missing values as null."""
    rows = frame[list(access.visible_columns(columns))].copy()
    for col in DATE_COLUMNS:
        if col in rows:
            rows[col] = pd.to_datetime(rows[col]).dt.strftime("%Y-%m-%d")
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def _hits_figure(summary: pd.DataFrame) -> dict:
    """Σ suspect amount by rule family, stacked by key area."""
    title = "规则命中金额（按规则类别 × 重点领域）"
    families = list(dict.fromkeys(summary["rule_family_zh"]))[::-1] if not summary.empty else []
    traces = []
    for area, part in (summary.groupby("key_area_zh", sort=False) if not summary.empty else []):
        traces.append({
            "type": "bar", "orientation": "h", "y": part["rule_family_zh"].tolist(),
            "x": part["suspect_amt"].astype(float).tolist(), "name": area,
            "customdata": part[["key_area_zh", "hit_count", "confirmed_hit_count", "patient_count"]].values.tolist(),
            "hovertemplate": ("<b>%{y}</b> · %{customdata[0]}<br>涉嫌违规金额 %{x:,.2f} 元<br>命中 %{customdata[1]} 条"
                              "（明确 %{customdata[2]} 条），涉及 %{customdata[3]} 人<extra></extra>")})
    figure = _figure(traces, title, "涉嫌违规金额（元）", families, height=max(300, 34 * len(families) + 140),
                     left=180, empty=None if traces else "所选条件下没有规则命中")
    figure["layout"]["barmode"] = "stack"
    figure["layout"]["xaxis"]["tickformat"] = ",.0f"
    return figure


def _header(r: pd.Series) -> html.Div:
    facts = [("机构编码", r["fixmedins_code"]), ("同类组", f"{r['peer_group_zh']}（{fmt.count(r['peer_group_size'])} 家）"),
             ("所在区划", r["admdvs"]), ("风险排名", f"第 {fmt.count(r['risk_rank'])} 位"),
             ("风险得分", f"{r['risk_score']:.3f}"), ("风险等级", r["risk_level_zh"]),
             ("基金支付", fmt.money(r["fund_pay_amt"])),
             ("违规金额", f"{fmt.money(r['rule_hit_amt'])}（{fmt.count(r['rule_hit_count'])} 条，"
                          f"占基金支付 {fmt.percent(r['rule_hit_ratio'], 2)}）")]
    return html.Div([
        html.H3(r["fixmedins_name"], id=f"{PAGE}-inst-name", style={"margin": "4px 0"}),
        html.Div([html.Span([html.Span(f"{label}：", style={"color": "#666"}), str(value)],
                            style={"marginRight": "20px", "whiteSpace": "nowrap"}) for label, value in facts],
                 style={"fontSize": "14px"}),
        html.Div(f"主要原因：{r['top_reasons_zh'] or '—'}", id=f"{PAGE}-inst-reasons", className="note"),
    ], style={"borderLeft": f"4px solid {LEVEL_COLOR.get(r['risk_level_zh'], '#1f77b4')}",
              "paddingLeft": "12px", "margin": "8px 0"})


def _components_figure(components: pd.DataFrame, period: str) -> dict:
    """Each indicator's contribution to the score, largest at the top; hover gives the reason."""
    title = f"风险得分构成（{period} 年）"
    shown = components.iloc[::-1]
    traces = [] if shown.empty else [{
        "type": "bar", "orientation": "h", "y": shown["indicator_zh"].tolist(),
        "x": shown["contribution"].tolist(), "name": "得分贡献",
        "marker": {"color": [COLORS["red"] if c > 0 else "#b0b0b0" for c in shown["contribution"]]},
        "customdata": [[r.reason_zh or "—", _number(r.value), _number(r.peer_value), _number(r.shrunk_value),
                        _number(r.z_score), _number(r.weight)] for r in shown.itertuples()],
        "hovertemplate": ("<b>%{y}</b>：贡献 %{x:.3f}<br>%{customdata[0]}<br>本机构 %{customdata[1]}，"
                          "同类 %{customdata[2]}，收缩后 %{customdata[3]}<br>标准化偏离 %{customdata[4]}"
                          " × 权重 %{customdata[5]}<extra></extra>")}]
    figure = _figure(traces, title, "对风险得分的贡献（正值推高风险）", shown["indicator_zh"].tolist() if traces else [],
                     height=max(300, 34 * len(shown) + 120), left=140, empty=None if traces else "无得分构成数据")
    figure["layout"]["showlegend"] = False
    figure["layout"]["xaxis"].update(zeroline=True, zerolinecolor="#444")
    return figure


def _number(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.3g}"


# ---------------------------------------------------------------- figures

#: The house chart layout (components.charts.styled), built once: figures are plain dicts over
#: it, since building a plotly Figure per chart costs ~35 ms each (as on the 机构画像 page).
_HOUSE_LAYOUT = styled(go.Figure(), "", "").to_dict()["layout"]


def _figure(traces: list[dict], title: str, x_title: str, categories: list, height: int, left: int,
            empty: str | None) -> dict:
    """Horizontal bars over the house layout: the categories on y bottom to top as listed, the
    measure on x; an empty chart says why instead of drawing bare axes."""
    layout = {**_HOUSE_LAYOUT, "height": height, "barmode": "overlay",
              "margin": {**_HOUSE_LAYOUT["margin"], "l": left},
              "title": {**_HOUSE_LAYOUT.get("title", {}), "text": title},
              "xaxis": {"title": {"text": x_title}, "visible": not empty},
              "yaxis": {"categoryorder": "array", "categoryarray": categories, "visible": not empty}}
    if empty:
        layout["annotations"] = [{"text": empty, "showarrow": False, "xref": "paper", "yref": "paper",
                                  "x": 0.5, "y": 0.5, "font": {"size": 14, "color": "#888"}}]
    return {"data": traces, "layout": layout}


def _table(table_id: str, rows: list[dict], columns: dict, page_size: int) -> html.Div:
    block = data_table(table_id, pd.DataFrame(rows, columns=list(columns)),
                       {col: header for col, (header, _) in columns.items()}, page_size=page_size)
    grid = block.children[1]
    grid.data = rows
    grid.columns = [{**c, "type": "numeric", "format": columns[c["id"]][1]} if columns[c["id"]][1]
                    else {**c, "type": "text"} for c in grid.columns]
    grid.style_cell_conditional = [
        {"if": {"column_id": col}, "textAlign": "left",
         **({"whiteSpace": "normal", "minWidth": "260px", "maxWidth": "420px"} if col in LONG_TEXT else {})}
        for col, (_, form) in columns.items() if form is None]
    grid.style_data = {"whiteSpace": "nowrap", "height": "auto"}
    return block


# ---------------------------------------------------------------- 双随机 draw

def _sampling_form(period: str) -> html.Div:
    return html.Div([
        html.P(f"从所选年度（当前 {period} 年）参与风险排序的全部机构中分层随机抽取检查对象，并从检查人员名单中随机"
               "选派检查组（回避本单位）。抽取记录（抽取编号、随机种子、时间、机构名单指纹、参数）只追加保存、"
               "不覆盖，可按记录复核重抽。", className="kpi-note"),
        html.Div([
            html.Div([html.Label("抽取比例（%）", htmlFor=f"{PAGE}-share"),
                      dcc.Input(id=f"{PAGE}-share", type="number", value=10, min=1, max=100, step=1)]),
            html.Div([html.Label("分层"),
                      dcc.Checklist(id=f"{PAGE}-strata", value=STRATA_DEFAULT, inline=True,
                                    options=[{"label": zh, "value": key} for key, (_, zh) in data.STRATA.items()],
                                    inputStyle={"marginRight": "4px"}, labelStyle={"marginRight": "12px"})]),
            html.Div([html.Label("风险加权"),
                      dcc.Checklist(id=f"{PAGE}-weighted", value=[], inline=True,
                                    options=[{"label": "按风险得分加权抽取", "value": "risk"}],
                                    inputStyle={"marginRight": "4px"})]),
            html.Div([html.Label("随机种子（可选）", htmlFor=f"{PAGE}-seed"),
                      dcc.Input(id=f"{PAGE}-seed", type="number", placeholder="留空则随机生成并记录", min=0, step=1)]),
            html.Div([html.Label("每组检查人数", htmlFor=f"{PAGE}-team-size"),
                      dcc.Input(id=f"{PAGE}-team-size", type="number", value=2, min=1, max=10, step=1)]),
        ], className="filters"),
        html.Div([
            dcc.Upload(id=f"{PAGE}-roster", children=html.Button("上传检查人员名单（CSV）", className="btn"),
                       accept=".csv,text/csv", multiple=False),
            html.Span("CSV 列：inspector_id, name[, unit_code]（与 python -m analytics sample --inspectors 相同）",
                      id=f"{PAGE}-roster-name", className="kpi-note"),
            html.Button("抽取", id=f"{PAGE}-draw", className="btn",
                        style={"fontWeight": "bold", "padding": "6px 24px"}),
        ], className="table-actions", style={"alignItems": "center"}),
        dcc.Store(id=f"{PAGE}-draw-id"),  # the shown draw: {draw_id, period}
        dcc.Loading(html.Div([
            html.Div(id=f"{PAGE}-draw-message"),
            html.Div(id=f"{PAGE}-draw-record"),
            html.Div([html.Button("下载一公开结果名单（Excel）", id=f"{PAGE}-public-button", className="btn"),
                      dcc.Download(id=f"{PAGE}-public-download")], className="table-actions"),
            _table(f"{PAGE}-draw-table", [], DRAW_COLUMNS, page_size=15),
        ]), type="circle", delay_show=300),
        html.H4("按记录复核"),
        html.Div([
            html.Div([html.Label("已保存的抽取记录", htmlFor=f"{PAGE}-redraw-select"),
                      dcc.Dropdown(id=f"{PAGE}-redraw-select", options=[], placeholder="选择抽取编号")],
                     style={"minWidth": "420px"}),
            html.Button("按记录重新抽取并比对", id=f"{PAGE}-redraw", className="btn"),
        ], className="filters"),
        dcc.Loading(html.Div(id=f"{PAGE}-redraw-result"), type="circle", delay_show=300),
    ])


def _saved_options() -> list[dict]:
    saved = data.saved_draws()
    return [{"label": f"{r.draw_id}（{r.drawn_at}，种子 {r.seed}，{r.drawn}/{r.population_size} 家）",
             "value": r.draw_id} for r in saved.itertuples()]


def _roster(contents: str | None) -> pd.DataFrame | None:
    """The uploaded roster (dcc.Upload gives a data URL), or None when there is none."""
    if not contents:
        return None
    try:
        return data.read_roster(base64.b64decode(contents.split(",", 1)[1]))
    except (IndexError, binascii.Error, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AnalyticsError(f"检查人员名单无法读取为 UTF-8 CSV：{exc}") from None


def _draw_rows(result, population: pd.DataFrame, ranked: pd.DataFrame) -> list[dict]:
    """The drawn institutions: the public list's columns (as the CLI writes them) with each
    stratum's size and draw and the institution's risk level."""
    listing = data.public_result_list(result, population)
    listing = listing.rename(columns={zh: col for col, zh in PUBLIC_COLUMNS.items()}).assign(
        stratum_size=result.institutions["stratum_size"].to_numpy(),
        stratum_drawn=result.institutions["stratum_drawn"].to_numpy())
    rows = listing.merge(ranked[["fixmedins_code", "risk_level_zh"]], on="fixmedins_code", how="left")
    rows = rows[list(DRAW_COLUMNS)]
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def _record_view(result, path) -> html.Div:
    strata = "、".join(zh for key, (column, zh) in data.STRATA.items() if column in result.strata) or "不分层"
    facts = [("id", "抽取编号", result.draw_id), ("seed", "随机种子", str(result.seed)),
             ("time", "抽取时间", result.drawn_at),
             ("fingerprint", "机构名单指纹（SHA-256）", result.population_fingerprint),
             ("population", "抽取范围", f"{fmt.count(result.population_size)} 家机构"),
             ("drawn", "抽取结果", f"{fmt.count(len(result.institutions))} 家"),
             ("parameters", "参数",
              f"比例 {fmt.percent(result.share)}，分层：{strata}，每层至少 {result.min_per_stratum} 家，"
              f"{'按风险得分加权' if result.weight_column else '等概率'}，"
              f"{f'每组 {result.team_size} 名检查人员' if result.team_size else '未选派检查人员'}"),
             ("file", "记录文件", str(path))]
    return html.Div([html.Div([html.Span(f"{label}：", style={"color": "#666"}),
                               html.Span(value, id=f"{PAGE}-record-{key}")]) for key, label, value in facts],
                    id=f"{PAGE}-record", className="note", style={"fontSize": "13px"})


# ---------------------------------------------------------------- layout

def layout(period: str | None = None, type: str | None = None, group: str | None = None,
           family: str | None = None, area: str | None = None, inst: str | None = None, **_query) -> html.Div:
    try:
        with session():
            periods = data.risk_periods()
            if not periods:
                return unavailable("数据仓库中还没有机构风险排序数据（fct_institution_risk 为空），请先构建数据仓库。", PAGE)
            period = period if period in periods else periods[0]
            options = _filter_options(data.filter_options(period))
            inst_type = _pick(type, options["inst_type"], ALL)
            peer_group = _pick(group, options["peer_group"], ALL)
            family = _pick(family, options["rule_family"], ALL)
            area = _pick(area, options["key_area"], ALL)
            kpis, figure, rows, inst_options = _ranking(period, inst_type, peer_group, family, area)
            codes = [o["value"] for o in inst_options]
            code = inst if inst in codes else (rows[0]["fixmedins_code"] if rows else (codes or [None])[0])
            header, components, hits, hit_rows, case_rows = _drill(code, period, family, area)
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)

    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("稽核选点"),
        html.P("按风险得分排序的定点医药机构：得分综合规则命中金额占基金支付的比例与各项指标相对同类机构"
               "（类型 × 等级 × 区划）的偏离，小机构的指标经经验贝叶斯收缩；点击机构查看得分构成、规则命中与"
               "对应结算，并可进行双随机抽取。", className="kpi-note"),
        html.Div([
            _dropdown("period", "年度", [{"label": f"{p} 年", "value": p} for p in periods], period, "120px"),
            _dropdown("type", "机构类型", options["inst_type"], inst_type),
            _dropdown("group", "同类组", options["peer_group"], peer_group),
            _dropdown("family", "规则类别", options["rule_family"], family, "220px"),
            _dropdown("area", "重点领域", options["key_area"], area),
        ], className="filters"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div([
            html.Div(kpis, id=f"{PAGE}-kpis", className="kpi-row"),
            dcc.Graph(id=f"{PAGE}-rank-chart", figure=figure, config={**GRAPH_CONFIG, "responsive": False}),
            html.H3("风险排序清单"),
            html.P("点击表格中的行或上图中的机构，查看其得分构成、规则命中与结算明细。", className="kpi-note"),
            _table(f"{PAGE}-rank-table", rows, RANK_COLUMNS, page_size=15),
        ]), type="circle", delay_show=300),
        html.H3("机构明细"),
        html.Div([html.Div([html.Label("机构", htmlFor=f"{PAGE}-inst"),
                            dcc.Dropdown(id=f"{PAGE}-inst", options=inst_options, value=code, clearable=False,
                                         searchable=True, labels=DROPDOWN_LABELS, maxHeight=360)],
                           style={"minWidth": "480px"})], className="filters"),
        dcc.Loading(html.Div([
            html.Div(header, id=f"{PAGE}-inst-header"),
            html.Div([
                dcc.Graph(id=f"{PAGE}-components", figure=components, config=GRAPH_CONFIG),
                dcc.Graph(id=f"{PAGE}-hits-chart", figure=hits, config=GRAPH_CONFIG),
            ], className="chart-grid"),
            html.H4("规则命中汇总（按规则类别 × 重点领域）"),
            _table(f"{PAGE}-hits-table", hit_rows, HIT_COLUMNS, page_size=10),
            html.H4("案件线索：命中规则的结算明细"),
            html.P("个人信息已脱敏（姓名、证件号码、电话、地址）；随规则类别、重点领域筛选。", className="kpi-note"),
            html.Div([html.Button("导出案件线索（Excel）", id=f"{PAGE}-cases-export", className="btn"),
                      dcc.Download(id=f"{PAGE}-cases-download")], className="table-actions"),
            _table(f"{PAGE}-cases-table", case_rows, CASE_COLUMNS, page_size=15),
        ]), type="circle", delay_show=300),
        html.H3("双随机抽查"),
        _sampling_form(period),
    ])


# ---------------------------------------------------------------- callbacks

@callback(
    Output(f"{PAGE}-type", "options"), Output(f"{PAGE}-type", "value"),
    Output(f"{PAGE}-group", "options"), Output(f"{PAGE}-group", "value"),
    Output(f"{PAGE}-family", "options"), Output(f"{PAGE}-family", "value"),
    Output(f"{PAGE}-area", "options"), Output(f"{PAGE}-area", "value"),
    Input(f"{PAGE}-period", "value"),
    State(f"{PAGE}-type", "value"), State(f"{PAGE}-group", "value"),
    State(f"{PAGE}-family", "value"), State(f"{PAGE}-area", "value"),
    prevent_initial_call=True,
)
def _update_filters(period, *values):
    """A new period's filter choices, keeping each choice it still offers."""
    try:
        options = _filter_options(data.filter_options(period))
    except WarehouseUnavailable:
        return (no_update,) * 8
    out = []
    for kind, value in zip(("inst_type", "peer_group", "rule_family", "key_area"), values):
        new = _pick(value, options[kind], ALL)
        out += [options[kind], new if new != value else no_update]
    return tuple(out)


@callback(
    Output(f"{PAGE}-kpis", "children"),
    Output(f"{PAGE}-rank-chart", "figure"),
    Output(table_data_id(f"{PAGE}-rank-table"), "data"),
    Output(f"{PAGE}-inst", "options"),
    Output(f"{PAGE}-message", "children"),
    Input(f"{PAGE}-period", "value"), Input(f"{PAGE}-type", "value"), Input(f"{PAGE}-group", "value"),
    Input(f"{PAGE}-family", "value"), Input(f"{PAGE}-area", "value"),
    prevent_initial_call=True,
)
def _update_ranking(period, inst_type, peer_group, family, area):
    """The ranked list, its chart and KPI cards for the filters."""
    if not all((period, inst_type, peer_group, family, area)):
        return (no_update,) * 5
    try:
        return (*_ranking(period, inst_type, peer_group, family, area), None)
    except WarehouseUnavailable as exc:
        return (no_update,) * 4 + (unavailable(str(exc), PAGE),)


@callback(
    Output(f"{PAGE}-inst", "value"),
    Input(f"{PAGE}-rank-chart", "clickData"),
    Input(table_data_id(f"{PAGE}-rank-table"), "active_cell"),
    Input(f"{PAGE}-inst", "options"),
    State(f"{PAGE}-inst", "value"),
    prevent_initial_call=True,
)
def _select_institution(click, cell, options, current):
    """A click on a bar or a table row drills to that institution; a new option list keeps the
    choice when it still holds it."""
    codes = [o["value"] for o in options or []]
    if ctx.triggered_id == f"{PAGE}-rank-chart" and click and click.get("points"):
        code = (click["points"][0].get("customdata") or [None])[0]
        return code if code in codes else no_update
    if ctx.triggered_id == table_data_id(f"{PAGE}-rank-table") and cell:
        return cell.get("row_id") if cell.get("row_id") in codes else no_update
    if current in codes:
        return no_update
    return codes[0] if codes else None


@callback(
    Output(f"{PAGE}-inst-header", "children"),
    Output(f"{PAGE}-components", "figure"),
    Output(f"{PAGE}-hits-chart", "figure"),
    Output(table_data_id(f"{PAGE}-hits-table"), "data"),
    Output(table_data_id(f"{PAGE}-cases-table"), "data"),
    Input(f"{PAGE}-inst", "value"),
    Input(f"{PAGE}-period", "value"), Input(f"{PAGE}-family", "value"), Input(f"{PAGE}-area", "value"),
    prevent_initial_call=True,
)
def _update_drill(code, period, family, area):
    """The selected institution's facts, score components, hits and case lines."""
    if not (period and family and area):
        return (no_update,) * 5
    try:
        return _drill(code, period, family, area)
    except WarehouseUnavailable as exc:
        return (unavailable(str(exc), PAGE), *(no_update,) * 4)


@callback(
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-period", "value"), Input(f"{PAGE}-type", "value"), Input(f"{PAGE}-group", "value"),
    Input(f"{PAGE}-family", "value"), Input(f"{PAGE}-area", "value"), Input(f"{PAGE}-inst", "value"),
    prevent_initial_call=True,
)
def _write_url(period, inst_type, peer_group, family, area, inst):
    """Keep the filters and the drilled institution in the address bar so the view can be shared."""
    params = {"period": period, "type": inst_type, "group": peer_group, "family": family, "area": area,
              "inst": inst}
    return "?" + urlencode({k: v for k, v in params.items() if v and v != ALL})


@callback(
    Output(f"{PAGE}-roster-name", "children"),
    Input(f"{PAGE}-roster", "filename"),
    prevent_initial_call=True,
)
def _show_roster(filename):
    return f"已上传检查人员名单：{filename}" if filename else no_update


@callback(
    Output(f"{PAGE}-draw-message", "children"),
    Output(f"{PAGE}-draw-record", "children"),
    Output(table_data_id(f"{PAGE}-draw-table"), "data"),
    Output(f"{PAGE}-draw-id", "data"),
    Output(f"{PAGE}-redraw-select", "options"),
    Output(f"{PAGE}-redraw-select", "value"),
    Input(f"{PAGE}-draw", "n_clicks"),
    State(f"{PAGE}-period", "value"), State(f"{PAGE}-share", "value"), State(f"{PAGE}-strata", "value"),
    State(f"{PAGE}-weighted", "value"), State(f"{PAGE}-seed", "value"), State(f"{PAGE}-team-size", "value"),
    State(f"{PAGE}-roster", "contents"),
    prevent_initial_call=True,
)
def _draw(_clicks, period, share, strata, weighted, seed, team_size, roster_contents):
    """Draw, save the record append-only and show the result."""
    if not share or not 0 < share <= 100:
        return html.Div("抽取比例须在 1%–100% 之间。", className="alert"), *(no_update,) * 5
    try:
        roster = _roster(roster_contents)
        with session():
            population = data.sampling_population(period)
            ranked = data.ranked_institutions(period)
        result, path = data.new_draw(population, period, share / 100, strata or [], bool(weighted),
                                     None if seed is None else int(seed), roster, int(team_size or 2))
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE), *(no_update,) * 5
    except AnalyticsError as exc:
        return html.Div(f"抽取未完成：{exc}", className="alert"), *(no_update,) * 5
    message = html.Div(f"已从 {period} 年 {fmt.count(result.population_size)} 家机构中抽取 "
                       f"{fmt.count(len(result.institutions))} 家，抽取记录已保存。", id=f"{PAGE}-draw-done",
                       className="note")
    return (message, _record_view(result, path), _draw_rows(result, population, ranked),
            {"draw_id": result.draw_id, "period": period}, _saved_options(), result.draw_id)


@callback(
    Output(f"{PAGE}-public-download", "data"),
    Input(f"{PAGE}-public-button", "n_clicks"),
    State(f"{PAGE}-draw-id", "data"),
    prevent_initial_call=True,
)
def _download_public_list(_clicks, shown):
    """The 一公开 result list of the shown draw (names from the population it was drawn from), as
    the CLI writes it."""
    if not shown:
        return no_update
    try:
        population = data.sampling_population(shown["period"])
    except WarehouseUnavailable:
        return no_update
    listing = data.public_result_list(data.draw_from_record(data.load_draw(shown["draw_id"])), population)
    return dcc.send_data_frame(listing.to_excel, f"{shown['draw_id']}-公示名单.xlsx", index=False,
                               sheet_name="双随机抽查结果")


@callback(
    Output(f"{PAGE}-redraw-result", "children"),
    Input(f"{PAGE}-redraw", "n_clicks"),
    State(f"{PAGE}-redraw-select", "value"), State(f"{PAGE}-roster", "contents"),
    prevent_initial_call=True,
)
def _check_redraw(_clicks, draw_id, roster_contents):
    """Re-run a saved draw from its record and say whether it gives the recorded result."""
    if not draw_id:
        return html.Div("请先选择一条抽取记录。", className="alert")
    try:
        record = data.load_draw(draw_id)
        roster = _roster(roster_contents) if record["team_size"] else None
        if record["team_size"] and roster is None:
            return html.Div("该记录选派了检查人员，请先上传当次使用的检查人员名单再复核。", className="alert")
        again, matched = data.redraw_saved(record, roster)
    except WarehouseUnavailable as exc:
        return unavailable(str(exc), PAGE)
    except AnalyticsError as exc:
        return html.Div(f"无法复核：{exc}", className="alert")
    recorded = pd.DataFrame(record["institutions"])
    compared = ["fixmedins_code", *record["strata"], *(["inspectors"] if record["team_size"] else [])]
    same = again.institutions[compared].astype(str).equals(recorded[compared].astype(str))
    text = (f"复核一致：按记录 {draw_id}（种子 {record['seed']}）在 {matched} 年机构名单上重新抽取，"
            f"{fmt.count(len(recorded))} 家机构及检查组与记录完全相同。" if same else
            f"复核不一致：按记录 {draw_id} 重新抽取的结果与记录不同，请核查记录文件与检查人员名单。")
    return html.Div(text, id=f"{PAGE}-redraw-verdict", className="note" if same else "alert")


@callback(
    Output(f"{PAGE}-cases-download", "data"),
    Output(f"{PAGE}-message", "children", allow_duplicate=True),
    Input(f"{PAGE}-cases-export", "n_clicks"),
    State(f"{PAGE}-inst", "value"), State(f"{PAGE}-period", "value"),
    State(f"{PAGE}-family", "value"), State(f"{PAGE}-area", "value"),
    prevent_initial_call=True,
)
def _export_cases(_clicks, code, period, family, area):
    """The institution's case list (案件线索) as the field team's XLSX, with the page's filters."""
    if not code:
        return no_update, html.Div("请先选择机构。", className="alert")
    if not access.may("export_cases"):
        return no_update, html.Div("当前角色无权导出案件线索。", className="alert")
    reveal = access.may_unmask(code)
    try:
        content = case_export.case_list_xlsx(code, period, [family] if family != ALL else None,
                                             [area] if area != ALL else None, reveal=reveal)
    except (WarehouseUnavailable, ExportError) as exc:
        return no_update, unavailable(str(exc), PAGE)
    access.record_export("cases", fixmedins_code=code, period=period, unmasked=reveal, where="targeting page")
    return dcc.send_bytes(content, case_export.case_list_filename(code, period)), None
