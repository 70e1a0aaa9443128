"""Read-only access to the warehouse. Callbacks call these functions; no SQL lives in pages."""

from __future__ import annotations

import duckdb
import pandas as pd

from ingest import settings


class WarehouseUnavailable(Exception):
    """The warehouse file is missing or cannot be opened (e.g. while it is being rebuilt)."""


def _connect() -> duckdb.DuckDBPyConnection:
    path = settings.warehouse_path()
    if not path.exists():
        raise WarehouseUnavailable(f"数据仓库尚未构建：{path}（请先运行 make run）")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnavailable(f"数据仓库暂时无法打开：{exc}") from exc


def model_row_counts() -> pd.DataFrame:
    """One row per built model: its layer (schema), name and row count."""
    con = _connect()
    try:
        tables = con.execute("""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema')
            ORDER BY 1, 2""").fetchall()
        rows = [(schema, name, con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0])
                for schema, name in tables]
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["layer", "model", "rows"])
