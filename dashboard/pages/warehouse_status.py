"""数据仓库状态: what the last build produced, until the indicator pages land."""

from __future__ import annotations

import dash
from dash import dash_table, html

from dashboard.data import WarehouseUnavailable
from dashboard.data.status import model_row_counts

PAGE = "warehouse"
dash.register_page(__name__, path="/status", name="数据仓库状态", order=9,
                   title="数据仓库状态 · 医保基金数据集市")


def layout(**_query) -> html.Div:
    try:
        counts = model_row_counts()
    except WarehouseUnavailable as exc:
        return html.Div(str(exc), id="warehouse-status-message", className="alert")
    return html.Div([
        html.H2("数据仓库状态"),
        html.P(f"已构建模型 {len(counts)} 个。指标页面（基金运行、预算执行、机构画像、重点药品耗材）将在后续版本提供。"),
        dash_table.DataTable(
            id="warehouse-status-table",
            columns=[{"name": n, "id": c} for n, c in (("层", "layer"), ("模型", "model"), ("行数", "rows"))],
            data=counts.to_dict("records"), sort_action="native", page_size=200,
        ),
    ])
