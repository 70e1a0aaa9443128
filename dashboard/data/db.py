"""The one place that opens the warehouse: read-only, per query, parameterised."""

from __future__ import annotations

import duckdb
import pandas as pd

from ingest import settings


class WarehouseUnavailable(Exception):
    """The warehouse file is missing or cannot be opened (e.g. while it is being rebuilt)."""


def connect() -> duckdb.DuckDBPyConnection:
    path = settings.warehouse_path()
    if not path.exists():
        raise WarehouseUnavailable(f"数据仓库尚未构建：{path}（请先运行 make run）")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnavailable(f"数据仓库暂时无法打开，请稍后刷新：{exc}") from exc


def query(sql: str, params: list | dict | None = None) -> pd.DataFrame:
    """Run one parameterised read-only query and return its rows."""
    con = connect()
    try:
        return con.execute(sql, params or []).df()
    except duckdb.CatalogException as exc:
        raise WarehouseUnavailable(f"数据仓库缺少所需的数据表，请重新构建：{exc}") from exc
    finally:
        con.close()
