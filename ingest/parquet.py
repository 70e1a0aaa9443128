"""Export the landed raw tables as Parquet files that a distributed engine reads directly.

Layout: one folder per raw table, one file per load batch, `<out>/<table>/<batch_id>.parquet`,
with the landed column types (codes stay strings, money stays DECIMAL) and `_batch_id`. The
Spark target of the dbt project reads these folders (macro spark_landing_views).

Idempotence: a batch's landed rows can only shrink (a later delivery replaces rows of its periods
or keys, never adds rows to an earlier batch), so a batch file holding as many rows as the landing
still holds for that batch is up to date and is left alone. Files of batches with no rows left are
removed. A table with no landed rows gets one empty file `empty.parquet`, so its folder still
carries the schema. Files are written under a temporary name and renamed, so a reader never sees
half a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import settings
from ingest.contracts import TABLES
from ingest.errors import IngestError
from ingest.schema import BATCH_COLUMN

EMPTY_FILE = "empty.parquet"


@dataclass
class TableExport:
    table: str
    rows: int = 0
    written: int = 0      # batch files (re)written
    unchanged: int = 0    # batch files already up to date
    removed: int = 0      # files of batches with no landed rows left


def _file_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]).fetchone()[0]


def _write(con: duckdb.DuckDBPyConnection, select: str, params: list, path: Path) -> None:
    partial = path.with_name(f".{path.name}.partial")
    target = str(partial).replace("'", "''")
    con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)", params)
    os.replace(partial, path)


def _export_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> TableExport:
    folder.mkdir(parents=True, exist_ok=True)
    result = TableExport(table)
    columns = ", ".join([*TABLES[table].column_names, BATCH_COLUMN])
    batches = dict(con.execute(f"SELECT {BATCH_COLUMN}, count(*) FROM landing.raw.{table} "
                               f"GROUP BY 1").fetchall())
    wanted = {f"{batch}.parquet": rows for batch, rows in batches.items()}
    if not wanted:
        wanted = {EMPTY_FILE: 0}
    for stale in sorted(set(p.name for p in folder.glob("*.parquet")) - set(wanted)):
        (folder / stale).unlink()
        result.removed += 1
    for name, rows in sorted(wanted.items()):
        path = folder / name
        result.rows += rows
        if path.exists() and _file_rows(con, path) == rows:
            result.unchanged += 1
            continue
        batch = name.removesuffix(".parquet")
        where = f"{BATCH_COLUMN} = ?" if rows else "false"
        _write(con, f"SELECT {columns} FROM landing.raw.{table} WHERE {where}",
               [batch] if rows else [], path)
        result.written += 1
    return result


def export_parquet(landing: Path, out: Path) -> list[TableExport]:
    """Write (or bring up to date) `<out>/<table>/<batch_id>.parquet` for every raw table."""
    if not landing.exists():
        raise IngestError(f"{landing}: no landing database yet; run `python -m ingest load DIR` first.")
    con = duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit()})
    try:
        con.execute("ATTACH ? AS landing (READ_ONLY)", [str(landing)])
        return [_export_table(con, table, out / table) for table in TABLES]
    finally:
        con.close()
