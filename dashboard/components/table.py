"""A sortable, filterable table with CSV and XLSX download buttons.

The table's DataTable id is {"type": "table", "table": <table_id>} and the whole block is a
Div with id <table_id>, so one pattern-matching callback serves every table's downloads; the
app registers it once with `register_downloads(app)`. A page that refreshes a table's rows
targets Output(table_data_id(<table_id>), "data").
"""

from __future__ import annotations

import io

import pandas as pd
from dash import MATCH, Dash, Input, Output, State, ctx, dash_table, dcc, html

from dashboard.auth import access


def table_data_id(table_id: str) -> dict:
    return {"type": "table", "table": table_id}


def data_table(table_id: str, frame: pd.DataFrame, columns: dict[str, str],
               page_size: int = 20) -> html.Div:
    """`columns` maps frame column → Chinese header, in display order; columns the viewer's role
    may not see (policy.COLUMN_ROLES) are left out, rows included."""
    columns = access.visible_columns(columns)
    return html.Div([
        html.Div([
            html.Button("下载 CSV", id={"type": "download-csv", "table": table_id}, className="btn"),
            html.Button("下载 Excel", id={"type": "download-xlsx", "table": table_id}, className="btn"),
            dcc.Download(id={"type": "download", "table": table_id}),
        ], className="table-actions"),
        dash_table.DataTable(
            id=table_data_id(table_id),
            columns=[{"name": header, "id": col} for col, header in columns.items()],
            data=frame[list(columns)].to_dict("records"),
            sort_action="native", filter_action="native", page_size=page_size,
            filter_options={"placeholder_text": "筛选…"},
            style_table={"overflowX": "auto"},
            style_cell={"fontFamily": "inherit", "padding": "4px 8px", "textAlign": "right"},
            style_header={"fontWeight": "bold", "backgroundColor": "#f5f5f5"},
        ),
    ], id=table_id)


def table_frame(data: list[dict], columns: list[dict]) -> pd.DataFrame:
    """The rows of a DataTable with its Chinese headers."""
    frame = pd.DataFrame(data, columns=[c["id"] for c in columns])
    return frame.rename(columns={c["id"]: c["name"] for c in columns})


def register_downloads(app: Dash) -> None:
    """Serve every table's CSV/XLSX buttons in `app` (registered per app, not globally, so each
    app created in one process gets it)."""
    app.callback(
        Output({"type": "download", "table": MATCH}, "data"),
        Input({"type": "download-csv", "table": MATCH}, "n_clicks"),
        Input({"type": "download-xlsx", "table": MATCH}, "n_clicks"),
        State({"type": "table", "table": MATCH}, "derived_virtual_data"),
        State({"type": "table", "table": MATCH}, "columns"),
        prevent_initial_call=True,
    )(_download)


def _download(_csv, _xlsx, data, columns):
    """The rows as filtered and sorted on screen, as CSV (UTF-8 with BOM for Excel) or XLSX."""
    frame = table_frame(data or [], columns or [])
    table_id = ctx.triggered_id["table"]
    access.record_export("table", table=table_id, format=ctx.triggered_id["type"].removeprefix("download-"),
                         rows=len(frame))
    if ctx.triggered_id["type"] == "download-csv":
        return dcc.send_data_frame(frame.to_csv, f"{table_id}.csv", index=False, encoding="utf-8-sig")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        frame.to_excel(writer, index=False, sheet_name="数据")
    return dcc.send_bytes(buffer.getvalue(), f"{table_id}.xlsx")
