"""The one place that opens the warehouse: read-only, parameterised.

Each query runs on its own connection, so that it reads the build that is served when it
starts: `python -m ingest build` swaps a new file onto the path (ingest/build.py), and a
connection keeps reading the file it opened. A callback that runs several queries wraps them in
`session()` to share one connection.

Attaching the county warehouse costs 30–200 ms, a query of the marts often less, so the file is
attached once per build (per file identity: inode and mtime) in a process-wide in-memory
database, and each connection is a cursor of it (under 1 ms). When a new build is swapped in,
the next connection attaches the new file; cursors still open on the old one finish on it, and
the old database closes when its last cursor does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb
import pandas as pd

from ingest import settings

_session: ContextVar[duckdb.DuckDBPyConnection | None] = ContextVar("warehouse_session", default=None)
_attached: dict[str, tuple[tuple, duckdb.DuckDBPyConnection, str]] = {}  # path → (file identity, database, alias)
_attaching = threading.Lock()


class WarehouseUnavailable(Exception):
    """The warehouse file is missing or cannot be opened (e.g. while it is being rebuilt)."""


def _attach(path: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A new in-memory database with the file attached read-only, and the file's alias.

    Attached rather than `duckdb.connect(path)`: DuckDB gives a connect() of a path that is open
    elsewhere in the process that same database, so it would go on reading a replaced build. The
    alias is the catalog name `duckdb.connect(path)` would give (the file name up to its first dot).
    """
    alias = path.name.lstrip(".").split(".")[0].replace('"', '""')
    con = duckdb.connect()
    try:
        con.execute(f"""ATTACH '{str(path).replace("'", "''")}' AS "{alias}" (READ_ONLY)""")
        # No SQL reaches files, extensions or the network beyond the warehouse attached above,
        # and no statement may turn that back on (a second wall behind the parameterised SQL).
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseUnavailable(f"数据仓库暂时无法打开，请稍后刷新：{exc}") from exc
    return con, alias


def connect() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file now on the path."""
    path = settings.warehouse_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WarehouseUnavailable(f"数据仓库尚未构建：{path}（请先运行 make run）") from None
    identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _attaching:
        known = _attached.get(str(path))
        if known is None or known[0] != identity:
            known = (identity, *_attach(path))   # the replaced database lives on in its open cursors
            _attached[str(path)] = known
        _, database, alias = known
        con = database.cursor()
    con.execute(f'USE "{alias}"')
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
