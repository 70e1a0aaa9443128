"""The one place that opens the warehouse: read-only, parameterised.

Each query opens and closes its own connection, so that it reads the build that is served when
it starts: `python -m ingest build` swaps a new file onto the path (ingest/build.py), and a
connection keeps reading the file it opened. A callback that runs several queries wraps them in
`session()` to share one connection: opening the county warehouse costs about as much as a query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import duckdb
import pandas as pd

from ingest import settings

_session: ContextVar[duckdb.DuckDBPyConnection | None] = ContextVar("warehouse_session", default=None)


class WarehouseUnavailable(Exception):
    """The warehouse file is missing or cannot be opened (e.g. while it is being rebuilt)."""


def connect() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file now on the path.

    The file is attached to a new in-memory database instead of `duckdb.connect(path)`: DuckDB
    gives a connect() of a path that is open elsewhere in the process that same database, so
    while one query ran, new connections would go on reading the build that had been replaced.
    The alias is the catalog name `duckdb.connect(path)` would give (the file name up to its
    first dot).
    """
    path = settings.warehouse_path()
    if not path.exists():
        raise WarehouseUnavailable(f"数据仓库尚未构建：{path}（请先运行 make run）")
    alias = path.name.lstrip(".").split(".")[0].replace('"', '""')
    con = duckdb.connect()
    try:
        con.execute(f"""ATTACH '{str(path).replace("'", "''")}' AS "{alias}" (READ_ONLY)""")
        con.execute(f'USE "{alias}"')
    except duckdb.Error as exc:
        con.close()
        raise WarehouseUnavailable(f"数据仓库暂时无法打开，请稍后刷新：{exc}") from exc
    return con


@contextmanager
def session() -> Iterator[None]:
    """Run every `query` inside on one read-only connection."""
    if _session.get() is not None:          # already inside a session: reuse it
        yield
        return
    con = connect()
    token = _session.set(con)
    try:
        yield
    finally:
        _session.reset(token)
        con.close()


def query(sql: str, params: list | dict | None = None) -> pd.DataFrame:
    """Run one parameterised read-only query and return its rows."""
    shared = _session.get()
    con = shared or connect()
    try:
        return con.execute(sql, params or []).df()
    except duckdb.CatalogException as exc:
        raise WarehouseUnavailable(f"数据仓库缺少所需的数据表，请重新构建：{exc}") from exc
    finally:
        if shared is None:
            con.close()
