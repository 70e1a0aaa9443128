"""The landing database: typed raw tables (schema `raw`) and load bookkeeping (schema `meta`).

The landing file is separate from the dbt warehouse: dbt attaches it read-only, so a build
can never write upstream.
"""

from __future__ import annotations

import duckdb

from ingest.contracts import TABLES, Table

BATCH_COLUMN = "_batch_id"

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.batches (
    batch_id          VARCHAR PRIMARY KEY,
    table_name        VARCHAR NOT NULL,
    file_path         VARCHAR NOT NULL,
    file_sha256       VARCHAR NOT NULL,
    file_format       VARCHAR NOT NULL,
    encoding          VARCHAR,
    loaded_at         TIMESTAMP NOT NULL,
    rows_in           BIGINT NOT NULL,
    rows_landed       BIGINT NOT NULL,
    rows_quarantined  BIGINT NOT NULL,
    rows_replaced     BIGINT NOT NULL,
    periods           VARCHAR,
    ignored_columns   VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.quarantine (
    batch_id     VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    file_path    VARCHAR NOT NULL,
    row_number   BIGINT,
    column_name  VARCHAR,
    reason       VARCHAR NOT NULL,
    raw_record   VARCHAR
);
"""


def raw_table_ddl(table: Table) -> str:
    cols = ",\n    ".join(f"{c.name} {c.duckdb_type}" for c in table.columns)
    return (f"CREATE TABLE IF NOT EXISTS raw.{table.name} (\n    {cols},\n"
            f"    {BATCH_COLUMN} VARCHAR NOT NULL\n)")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and meta schemas and every contract table if they do not exist yet."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(META_DDL)
    for table in TABLES.values():
        con.execute(raw_table_ddl(table))
