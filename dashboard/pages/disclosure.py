"""信息披露: preview exactly what the public disclosure (信息公开) of a finalised period publishes —
the site's index page (fund, institutions, supervision results) or one institution's page, the
very HTML the export writes — and run the export (HTML site, PDF, XLSX) into the export folder,
offered as one ZIP.

Filters (shareable in the URL): ?period=<2024|2024Q3|2024-07>&scope=<fund|institutions|all>
&page=<fixmedins_code>. The first render is built server-side by layout(); one callback redraws
the preview on a change and writes the filters back to the URL. The page reads through
dashboard.data.disclosure and the exports package only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import threading
import time
import zipfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard import formatting as fmt
from dashboard.components.messages import unavailable
from dashboard.data import WarehouseUnavailable
from dashboard.data import disclosure as data
from dashboard.exports import ExportError
from dashboard.auth import access
from dashboard.exports.disclosure import FORMATS, write_publication
from dashboard.exports.disclosure.html import INSTITUTIONS_DIR, index_html, institution_html
from dashboard.exports.disclosure.publication import SCOPES, Publication, build_publication, period_label
from ingest import settings

PAGE = "disclosure"
log = logging.getLogger(__name__)

dash.register_page(__name__, path="/disclosure", name="信息披露", order=7,
                   title="信息披露 · 医保基金数据集市")

SCOPE_ZH = {"all": "全部（基金收支与定点医药机构）", "fund": "基金收支", "institutions": "定点医药机构"}
DEFAULT_SCOPE = "all"
#: The preview page value of the site's index (首页); an institution page is its code.
INDEX = "index"
FORMAT_ZH = {"html": "网站", "pdf": "PDF", "xlsx": "Excel"}


def export_dir() -> Path:
    """Where the page writes the disclosure: <YIBAO_DATA or data>/exports/disclosure/."""
    return settings.data_dir() / "exports" / "disclosure"


# ---------------------------------------------------------------- the publication and its pages

# One build at a time in a worker: users opening the same new period together wait for one build
# instead of each building it (a county year is ~2 s alone, ten at once took ~10 s each).
_building = threading.Lock()


@lru_cache(maxsize=8)
def _cached_publication(period: str, scope: str, warehouse: str, stamp: int) -> Publication:
    return build_publication(period, scope)


def publication(period: str, scope: str) -> Publication:
    """The period's Publication for the preview. Built once per period, scope and warehouse file
    (a rebuilt warehouse has a new mtime), so switching the previewed page only renders; the
    generation time is the current one, as an export run now would print it."""
    path = settings.warehouse_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0          # missing: build_publication raises WarehouseUnavailable
    with _building:
        pub = _cached_publication(period, scope, str(path.resolve()), stamp)
    return dataclasses.replace(pub, generated_at=dt.datetime.now().replace(microsecond=0))


def preview_html(pub: Publication, page: str) -> str:
    """The complete HTML of the page, byte for byte what the export writes for it."""
    found = next((p for p in pub.institution_pages if p.code == page), None)
    return index_html(pub) if found is None else institution_html(pub, found)


def _page_options(pub: Publication) -> list[dict]:
    return [{"label": "首页（基金收支与机构总表）" if pub.fund_tables else "首页（机构总表）", "value": INDEX}] + [
        {"label": f"{p.name}（{p.code}）", "value": p.code} for p in pub.institution_pages]


def _period_options(periods) -> list[dict]:
    return [{"label": period_label(code), "value": code} for code in periods["period_code"]]


def _default_period(periods) -> str:
    """The latest finalised year, else the newest period of any type."""
    years = periods[periods["period_type"] == "year"]
    return str((years if not years.empty else periods)["period_code"].iloc[0])


def _summary(pub: Publication) -> html.Div:
    facts = [("period", "统计期", f"{pub.period_label}（{pub.period_code}）"),
             ("cutoff", "数据截止日期", f"{pub.data_cutoff_date:%Y-%m-%d}"),
             ("scope", "公开范围", SCOPE_ZH[pub.scope]),
             ("pages", "页面", f"首页 + {fmt.count(len(pub.institution_pages))} 个机构页面"),
             ("threshold", "小数保护", f"就诊人数少于 {pub.min_cell_persons} 人的单元不公布")]
    if pub.enforcement_tables:
        counts = "、".join(f"{t.sheet} {fmt.count(len(t.rows))} 条" for t in pub.enforcement_tables)
        facts.append(("enforcement", "监管结果", f"{counts}（监管信息截止 {pub.ledgers_as_of_date:%Y-%m-%d}）"))
    return html.Div([html.Span([html.Span(f"{label}：", style={"color": "#666"}),
                                html.Span(value, id=f"{PAGE}-summary-{key}")],
                               style={"marginRight": "20px", "whiteSpace": "nowrap"})
                     for key, label, value in facts], style={"fontSize": "14px"})


def _view(period: str, scope: str, page: str | None):
    """Preview HTML, page options, page chosen, page picker style and the summary line."""
    pub = publication(period, scope)
    options = _page_options(pub)
    page = page if page in {o["value"] for o in options} else INDEX
    picker_style = {"minWidth": "420px"} if pub.institution_pages else {"display": "none"}
    return preview_html(pub, page), options, page, picker_style, _summary(pub)


# ---------------------------------------------------------------- the export

def export(period: str, scope: str) -> tuple[dict[str, Path], list[tuple[Path, str]], Publication, float]:
    """Write the disclosure in every format into export_dir(); returns format → path written,
    the files written with their names in the ZIP (relative to the export folder), the
    Publication and the seconds taken. ExportError / WarehouseUnavailable as the export raises."""
    started = time.perf_counter()
    out = export_dir()
    pub = build_publication(period, scope)
    written = write_publication(pub, FORMATS, out)
    site = written["html"].parent
    files = [written["html"], *(site / INSTITUTIONS_DIR / p.filename for p in pub.institution_pages),
             written["pdf"], written["xlsx"]]
    return written, [(f, f.relative_to(out).as_posix()) for f in files], pub, time.perf_counter() - started


def zip_bytes(files: list[tuple[Path, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            archive.write(path, name)
    return buffer.getvalue()


def zip_name(period: str, scope: str) -> str:
    return f"disclosure-{period}-{scope}.zip"


def _done_message(written: dict[str, Path], pub: Publication, seconds: float, zipped: str) -> html.Div:
    rows = [html.Li([f"{FORMAT_ZH[fmt_]}：", html.Code(str(path), id=f"{PAGE}-written-{fmt_}")])
            for fmt_, path in written.items()]
    n_pages = len(pub.institution_pages)
    return html.Div([
        html.Div(f"已生成 {pub.period_label}信息公开文件，公开范围：{SCOPE_ZH[pub.scope]}；首页 1 个、机构页面 "
                 f"{fmt.count(n_pages)} 个、PDF 1 份、Excel 1 份，用时 {seconds:.1f} 秒，已打包为 {zipped} 下载。",
                 id=f"{PAGE}-export-summary"),
        html.Ul(rows, style={"margin": "4px 0"}),
        html.Div(f"机构页面位于 {written['html'].parent / INSTITUTIONS_DIR}（{fmt.count(n_pages)} 个）。"
                 if n_pages else "本次公开范围不含机构页面。", className="kpi-note"),
    ], id=f"{PAGE}-export-done", className="note")


def _internal_error(what: str, exc: Exception, hint: str) -> str:
    """The message for an unexpected failure (a bug): what failed, the error type, where the
    details are; never the traceback."""
    return f"{what}时发生程序内部错误（{type(exc).__name__}），详情已写入服务日志，请联系系统维护人员；{hint}"


# ---------------------------------------------------------------- layout

def layout(period: str | None = None, scope: str | None = None, page: str | None = None, **_query) -> html.Div:
    try:
        periods = data.periods()
        if periods.empty:
            return unavailable("数据仓库中还没有可公开的统计期（dim_disclosure_periods 为空），请先构建数据仓库。",
                               PAGE)
        codes = list(periods["period_code"])
        period = period if period in codes else _default_period(periods)
        scope = scope if scope in SCOPES else DEFAULT_SCOPE
        srcdoc, page_options, page, picker_style, summary = _view(period, scope, page)
    except (WarehouseUnavailable, ExportError) as exc:
        return unavailable(str(exc), PAGE)
    except Exception as exc:  # a bug: say so in Chinese and keep the traceback in the server log
        log.exception("disclosure page for %s/%s/%s failed", period, scope, page)
        return unavailable(_internal_error("打开信息披露页面", exc, "可去掉地址中的参数后重试。"), PAGE)

    return html.Div([
        dcc.Location(id=f"{PAGE}-url", refresh=False),
        html.H2("信息披露"),
        html.P("预览向社会公开的医疗保障基金信息：下方显示的页面即导出时写出的网页原文（生成时间除外）。"
               "只能公开已结束且数据完整的统计期；就诊人数少于阈值的单元已按小数保护规则隐去；监管结果只公开已结案的"
               "定点医药机构案件和已有结果的双随机抽查，公开内容不含个人信息。",
               className="kpi-note"),
        html.Div([
            html.Div([html.Label("统计期", htmlFor=f"{PAGE}-period"),
                      dcc.Dropdown(id=f"{PAGE}-period", options=_period_options(periods), value=period,
                                   clearable=False, searchable=True, maxHeight=360)],
                     style={"minWidth": "220px"}),
            html.Div([html.Label("公开范围"),
                      dcc.RadioItems(id=f"{PAGE}-scope", options=[{"label": SCOPE_ZH[s], "value": s}
                                                                   for s in ("all", "fund", "institutions")],
                                     value=scope, inline=True, inputStyle={"marginRight": "4px"},
                                     labelStyle={"marginRight": "16px"})]),
            html.Div([html.Label("预览页面", htmlFor=f"{PAGE}-page"),
                      dcc.Dropdown(id=f"{PAGE}-page", options=page_options, value=page, clearable=False,
                                   searchable=True, maxHeight=360,
                                   labels={"search": "输入机构名称或编码搜索", "no_options_found": "未找到该机构"})],
                     id=f"{PAGE}-page-picker", style=picker_style),
        ], className="filters"),
        html.Div([
            html.Button("生成公开文件", id=f"{PAGE}-export", className="btn"),
            html.Span(f"写出网站、PDF 和 Excel 到 {export_dir()}，并打包下载（PDF 排版较慢，需半分钟到一分钟）。", className="kpi-note"),
            dcc.Download(id=f"{PAGE}-download"),
        ], className="table-actions", style={"alignItems": "center"}),
        dcc.Loading(html.Div(id=f"{PAGE}-export-message"), type="circle"),
        html.Div(id=f"{PAGE}-message"),
        dcc.Loading(html.Div([
            html.Div(summary, id=f"{PAGE}-summary", style={"margin": "8px 0"}),
            html.Iframe(id=f"{PAGE}-preview", srcDoc=srcdoc, title="公开页面预览",
                        style={"width": "100%", "height": "900px", "border": "1px solid #ddd",
                               "borderRadius": "6px", "background": "#fff"}),
        ]), type="circle", delay_show=300),
    ])


# ---------------------------------------------------------------- callbacks

@callback(
    Output(f"{PAGE}-preview", "srcDoc"),
    Output(f"{PAGE}-page", "options"),
    Output(f"{PAGE}-page", "value"),
    Output(f"{PAGE}-page-picker", "style"),
    Output(f"{PAGE}-summary", "children"),
    Output(f"{PAGE}-message", "children"),
    Output(f"{PAGE}-url", "search"),
    Input(f"{PAGE}-period", "value"), Input(f"{PAGE}-scope", "value"), Input(f"{PAGE}-page", "value"),
    prevent_initial_call=True,
)
def _update_preview(period, scope, page):
    """The chosen page of the chosen period and scope, the page list, and the filters in the URL.
    One callback (the page value is both input and output), so a new period builds once."""
    if not period or scope not in SCOPES:
        return (no_update,) * 7
    try:
        srcdoc, options, page, picker_style, summary = _view(period, scope, page)
    except (WarehouseUnavailable, ExportError) as exc:
        return (*(no_update,) * 5, unavailable(str(exc), PAGE), no_update)
    except Exception as exc:  # a bug: say so in Chinese and keep the traceback in the server log
        log.exception("disclosure preview of %s/%s/%s failed", period, scope, page)
        message = _internal_error("预览", exc, "可改选其他统计期或公开范围。")
        return (*(no_update,) * 5, unavailable(message, PAGE), no_update)
    params = {"period": period, "scope": scope, "page": page if page != INDEX else None}
    search = "?" + urlencode({k: v for k, v in params.items() if v})
    return srcdoc, options, page, picker_style, summary, None, search


@callback(
    Output(f"{PAGE}-download", "data"),
    Output(f"{PAGE}-export-message", "children"),
    Input(f"{PAGE}-export", "n_clicks"),
    State(f"{PAGE}-period", "value"), State(f"{PAGE}-scope", "value"),
    running=[(Output(f"{PAGE}-export", "disabled"), True, False)],
    prevent_initial_call=True,
)
def _export(_clicks, period, scope):
    """Run the export in all formats and offer the written files as one ZIP."""
    if not access.may("export_disclosure"):
        return no_update, html.Div("当前角色无权生成公开文件（领导、预算管理角色可生成）。",
                                   id=f"{PAGE}-export-failed", className="alert")
    try:
        written, files, pub, seconds = export(period, scope)
        content = zip_bytes(files)
    except (WarehouseUnavailable, ExportError) as exc:
        return no_update, html.Div(f"生成失败：{exc}", id=f"{PAGE}-export-failed", className="alert")
    except Exception as exc:  # a bug: say so in Chinese and keep the traceback in the server log
        log.exception("disclosure export of %s/%s failed", period, scope)
        return no_update, html.Div(f"生成失败：{_internal_error('生成公开文件', exc, '公开文件未全部生成。')}",
                                   id=f"{PAGE}-export-failed", className="alert")
    name = zip_name(period, scope)
    return dcc.send_bytes(content, name), _done_message(written, pub, seconds, name)


# Links inside the preview cannot open the published files (there is no site behind the page):
# a click on an institution's name shows its page in the preview, 返回公开首页 the index, and
# any other link is ignored. The preview's HTML is left exactly as published.
clientside_callback(
    f"""
    function(srcdoc) {{
        const frame = document.getElementById('{PAGE}-preview');
        if (!frame || frame.dataset.linksHandled) {{ return window.dash_clientside.no_update; }}
        frame.dataset.linksHandled = '1';
        const attach = () => {{
            const doc = frame.contentDocument;
            if (!doc || doc.yibaoLinksHandled) {{ return; }}
            doc.yibaoLinksHandled = true;
            doc.addEventListener('click', (event) => {{
                const link = event.target.closest ? event.target.closest('a[href]') : null;
                if (!link) {{ return; }}
                const href = link.getAttribute('href');
                if (href.startsWith('#')) {{ return; }}
                event.preventDefault();
                const page = href.match(/(?:^|\\/){INSTITUTIONS_DIR}\\/([^\\/]+)\\.html$/);
                const value = page ? decodeURIComponent(page[1])
                    : (/(?:^|\\/)index\\.html$/.test(href) ? '{INDEX}' : null);
                if (value !== null) {{
                    window.dash_clientside.set_props('{PAGE}-page', {{value: value}});
                    window.scrollTo({{top: frame.getBoundingClientRect().top + window.scrollY - 80}});
                }}
            }});
        }};
        frame.addEventListener('load', attach);
        attach();
        return window.dash_clientside.no_update;
    }}
    """,
    Output(f"{PAGE}-preview", "className"),
    Input(f"{PAGE}-preview", "srcDoc"),
)
