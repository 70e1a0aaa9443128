"""Validate delivered files against the contract and land them; quarantine what cannot land.

A load is one transaction: unusable input (a missing table or column, an unreadable file)
stops it before or during the transaction, and the previously landed data stays as it was.
Within a usable file every row either lands or goes to `meta.quarantine` with its file, row,
column and reason, so rows in = rows landed + rows quarantined for every file.

Idempotence: a file whose bytes were already landed is skipped. A table with a period column
is delivered by period: the periods present in a delivery replace every landed row of those
periods (a corrected re-delivery never duplicates). Snapshot tables are upserted by key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest import readers, settings
from ingest.contracts import TABLE_GROUPS, TABLES, Column, Table
from ingest.errors import IngestError
from ingest.schema import BATCH_COLUMN, ensure_schema

Progress = Callable[[str, int, int], None]

_DATE_FORMATS = "['%Y/%m/%d', '%Y%m%d', '%Y.%m.%d', '%Y年%m月%d日']"
_TS_FORMATS = ("['%Y/%m/%d %H:%M:%S', '%Y%m%d%H%M%S', '%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M', "
               "'%Y/%m/%d', '%Y%m%d']")
_EARLIEST_DATE = "1900-01-01"


@dataclass
class FileResult:
    path: Path
    table: str
    batch_id: str | None
    rows_in: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    rows_replaced: int = 0
    periods: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    skipped_as: str | None = None     # batch id of the identical earlier load, when skipped


@dataclass
class LoadReport:
    files: list[FileResult]

    def by_table(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for f in self.files:
            t = totals.setdefault(f.table, dict(files=0, unchanged=0, rows_in=0, landed=0,
                                                quarantined=0, replaced=0))
            t["files"] += 1
            t["unchanged"] += f.skipped_as is not None
            t["rows_in"] += f.rows_in
            t["landed"] += f.rows_landed
            t["quarantined"] += f.rows_quarantined
            t["replaced"] += f.rows_replaced
        return totals


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed(col: Column, v: str) -> str:
    """Expression turning the trimmed text `v` into the column's type; NULL when it cannot."""
    kind = col.type
    if kind == "string":
        return v
    if kind == "int":
        return (f"coalesce(try_cast({v} AS INTEGER), CASE WHEN regexp_full_match({v}, '-?\\d+\\.0+')"
                f" THEN try_cast(split_part({v}, '.', 1) AS INTEGER) END)")
    if kind == "date":
        return f"coalesce(try_cast({v} AS DATE), try_cast(try_strptime({v}, {_DATE_FORMATS}) AS DATE))"
    if kind == "timestamp":
        return f"coalesce(try_cast({v} AS TIMESTAMP), try_strptime({v}, {_TS_FORMATS}))"
    return f"try_cast({v} AS {col.duckdb_type})"


def _column_reasons(col: Column, v: str, typed: str, refund: str) -> list[str]:
    """SQL expressions yielding 'column: reason' text for a failed check, else NULL."""
    name, label = col.name, col.label_zh
    quoted = f"'''' || {v} || ''''"
    out = []
    if col.not_null:
        out.append(f"CASE WHEN {v} IS NULL THEN '{name}: {label} is empty' END")
    if col.type != "string":
        out.append(f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL "
                   f"THEN '{name}: ' || {quoted} || ' is not a valid {col.type}' END")
    if col.type in ("money", "qty", "ratio"):
        out.append(f"CASE WHEN try_cast({v} AS DECIMAL(38,12)) <> {typed} "
                   f"THEN '{name}: ' || {quoted} || ' has more decimal places than "
                   f"{col.duckdb_type} holds' END")
    if col.pattern:
        out.append(f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({v}, {_sql_str(col.pattern)})"
                   f" THEN '{name}: ' || {quoted} || ' does not match the code format "
                   f"{col.pattern.replace(chr(39), '')}' END")
    if col.allowed:
        values = ", ".join(_sql_str(a) for a in col.allowed)
        out.append(f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({values}) "
                   f"THEN '{name}: ' || {quoted} || ' is not one of {'/'.join(col.allowed)}' END")
    if col.nonneg:
        rule = f"{typed} < 0" if refund == "false" else f"{typed} < 0 AND NOT ({refund})"
        out.append(f"CASE WHEN {rule} THEN '{name}: negative amount ' || {v} || "
                   f"' on a row that is not a refund' END")
    if col.type in ("date", "timestamp") and not col.future_ok:
        out.append(f"CASE WHEN {typed} > current_date + INTERVAL 1 DAY "
                   f"THEN '{name}: ' || {quoted} || ' is in the future' "
                   f"WHEN {typed} < DATE '{_EARLIEST_DATE}' "
                   f"THEN '{name}: ' || {quoted} || ' is before {_EARLIEST_DATE}' END")
    elif col.type in ("date", "timestamp"):
        out.append(f"CASE WHEN {typed} < DATE '{_EARLIEST_DATE}' "
                   f"THEN '{name}: ' || {quoted} || ' is before {_EARLIEST_DATE}' END")
    return out


def _row_reasons(table: Table) -> list[str]:
    out = []
    for ident in table.identities:
        parts = " + ".join(f"coalesce({p}, 0)" for p in ident.parts)
        out.append(f"CASE WHEN {ident.total} IS NOT NULL AND {ident.total} <> {parts} "
                   f"THEN '{ident.total}: amounts do not add up, {ident.describe()} ("
                   f"' || {ident.total} || ' vs ' || ({parts}) || ')' END")
    for earlier, later in table.date_order:
        out.append(f"CASE WHEN {earlier} > {later} "
                   f"THEN '{later}: ' || {later} || ' is before {earlier} ' || {earlier} END")
    return out


def checked_select(table: Table, source: str) -> str:
    """One pass over the text table `source`: typed columns plus `_reasons`, the failed checks."""
    refund = table.refund_when or "false"
    text_cols = ", ".join(f"nullif(trim({c.name}), '') AS {c.name}" for c in table.columns)
    typed_cols = ", ".join(f"{_typed(c, 't.' + c.name)} AS {c.name}" for c in table.columns)
    # Refund and extra checks are written over the text columns of `t` (the only relation in
    # scope there), so unqualified names in the contract resolve to them.
    col_reasons = [r for c in table.columns
                   for r in _column_reasons(c, "t." + c.name, _typed(c, "t." + c.name), refund)]
    extra = [f"CASE WHEN coalesce(({cond}), false) THEN {_sql_str(reason)} END"
             for cond, reason in table.extra_checks]
    return f"""
        WITH t AS (SELECT _row, {text_cols} FROM {source}),
        typed AS (
            SELECT t._row, {typed_cols},
                   [{', '.join(col_reasons + extra) or 'NULL'}] AS _col_reasons,
                   ({refund}) AS _is_refund
            FROM t
        )
        SELECT *, list_filter(_col_reasons || [{', '.join(_row_reasons(table)) or 'NULL'}],
                              lambda x: x IS NOT NULL) AS _reasons
        FROM typed"""


def _period_expr(table: Table, alias: str = "") -> str | None:
    if table.period is None:
        return None
    col = f"{alias}{table.period}"
    if table.column(table.period).type in ("date", "timestamp"):
        return f"strftime({col}, '%Y-%m')"
    return f"CAST({col} AS VARCHAR)"


def _quarantine(con, batch: str, table: Table, path: Path, source: str) -> int:
    """Copy the rows of `source` (`_row`, `_reason` and the text columns) to meta.quarantine."""
    raw = ", ".join(f"{_sql_str(c.name)}: s.{c.name}" for c in table.columns)
    n = con.execute(f"""
        INSERT INTO meta.quarantine
        SELECT {_sql_str(batch)}, {_sql_str(table.name)}, {_sql_str(str(path))}, s._row,
               split_part(s._reason, ':', 1), s._reason, to_json({{{raw}}})::VARCHAR
        FROM ({source}) AS s""").fetchone()[0]
    return int(n)


def _key_text(table: Table, alias: str = "") -> str:
    return "concat_ws('/', " + ", ".join(f"{alias}{k}" for k in table.key) + ")"


def _new_batch_id(sha: str) -> str:
    return f"{dt.datetime.now():%Y%m%dT%H%M%S%f}-{sha[:10]}"


def _land_table(con, table: Table, files: list[readers.DeliveredFile],
                progress: Progress | None) -> list[FileResult]:
    results: list[FileResult] = []
    key = ", ".join(table.key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _good AS SELECT 0 AS _file, * EXCLUDE ({BATCH_COLUMN}) "
                f"FROM raw.{table.name} LIMIT 0")
    con.execute("ALTER TABLE _good ADD COLUMN _row BIGINT")
    for i, delivered in enumerate(files):
        batch = _new_batch_id(delivered.sha256)
        result = FileResult(delivered.path, table.name, batch,
                            ignored_columns=list(delivered.ignored))
        if progress:
            progress(f"{table.name}: {delivered.path.name}", i, len(files))
        read = readers.read(con, delivered, "_text")
        result.rows_in = read.rows + read.rejects
        con.execute(f"INSERT INTO meta.quarantine SELECT ?, ?, ?, _row, NULL, reason, raw "
                    f"FROM {readers.REJECTS} ORDER BY _row", [batch, table.name, str(delivered.path)])
        result.rows_quarantined += read.rejects
        con.execute(f"CREATE OR REPLACE TEMP TABLE _checked AS {checked_select(table, '_text')}")
        result.rows_quarantined += _quarantine(
            con, batch, table, delivered.path,
            "SELECT s.*, array_to_string(c._reasons, '; ') AS _reason "
            "FROM _text s JOIN _checked c USING (_row) WHERE len(c._reasons) > 0")
        cols = ", ".join(table.column_names)
        con.execute(f"INSERT INTO _good ({cols}, _file, _row) SELECT {cols}, {i}, _row "
                    f"FROM _checked WHERE len(_reasons) = 0")
        results.append(result)
        con.execute(f"DROP TABLE _checked; DROP TABLE _text; DROP TABLE {readers.REJECTS}")

    # A key may appear once per delivery: later duplicates are quarantined, and so are keys
    # landed earlier under a period this delivery does not replace.
    names = "[" + ", ".join(_sql_str(f.path.name) for f in files) + "]"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dupes AS
        SELECT _file, _row, '{table.key[0]}: duplicate key ' || {_key_text(table)} || ', first at '
               || {names}[first_file + 1] || ' row ' || first_row AS _reason
        FROM (SELECT _file, _row, {', '.join(table.key)},
                     first_value(_file) OVER w AS first_file, first_value(_row) OVER w AS first_row,
                     row_number() OVER w AS n
              FROM _good WINDOW w AS (PARTITION BY {key} ORDER BY _file, _row))
        WHERE n > 1""")
    period = _period_expr(table)
    if period:
        con.execute(f"""
            INSERT INTO _dupes
            SELECT g._file, g._row, '{table.key[0]}: key ' || {_key_text(table, 'g.')}
                   || ' is already landed under period ' || {_period_expr(table, 'r.')}
                   || '; deliver that period again to move it'
            FROM _good g JOIN raw.{table.name} r USING ({key})
            WHERE {_period_expr(table, 'r.')} NOT IN (SELECT DISTINCT {period} FROM _good)""")
    text = ", ".join(f"CAST(g.{c} AS VARCHAR) AS {c}" for c in table.column_names)
    for i, (delivered, result) in enumerate(zip(files, results)):
        result.rows_quarantined += _quarantine(
            con, result.batch_id, table, delivered.path,
            f"SELECT g._row, d._reason, {text} FROM _good g JOIN _dupes d USING (_file, _row) "
            f"WHERE g._file = {i}")
    con.execute("DELETE FROM _good USING _dupes d WHERE _good._file = d._file AND _good._row = d._row")

    # Replace what this delivery supersedes, then land.
    if period:
        periods = [r[0] for r in con.execute(
            f"SELECT DISTINCT {period} FROM _good ORDER BY 1").fetchall()]
        replaced = con.execute(f"DELETE FROM raw.{table.name} WHERE {_period_expr(table)} IN "
                               f"(SELECT unnest(?::VARCHAR[]))", [periods]).fetchone()[0]
    else:
        periods = []
        match = " AND ".join(f"raw.{table.name}.{k} = g.{k}" for k in table.key)
        replaced = con.execute(f"DELETE FROM raw.{table.name} USING _good g WHERE {match}"
                               ).fetchone()[0]
    cols = ", ".join(table.column_names)
    for i, result in enumerate(results):
        result.rows_landed = con.execute(
            f"INSERT INTO raw.{table.name} ({cols}, {BATCH_COLUMN}) SELECT {cols}, ? "
            f"FROM _good WHERE _file = ? ORDER BY _row", [result.batch_id, i]).fetchone()[0]
        if period:
            result.periods = [r[0] for r in con.execute(
                f"SELECT DISTINCT {period} FROM _good WHERE _file = ? ORDER BY 1", [i]).fetchall()]
        if result.rows_in != result.rows_landed + result.rows_quarantined:
            raise AssertionError(f"row accounting broken for {result.path}: {result}")
    if results:
        results[0].rows_replaced = int(replaced)
    con.execute("DROP TABLE _good; DROP TABLE _dupes")
    return results


def _record_batches(con, files: Iterable[readers.DeliveredFile], results: Iterable[FileResult]):
    for delivered, r in zip(files, results):
        con.execute(
            "INSERT INTO meta.batches VALUES (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?, ?, ?)",
            [r.batch_id, r.table, str(r.path), delivered.sha256, delivered.format,
             delivered.encoding, r.rows_in, r.rows_landed, r.rows_quarantined, r.rows_replaced,
             ",".join(r.periods), ",".join(r.ignored_columns)])


def discover(directory: Path, tables: Iterable[str] | None = None) -> list[Path]:
    """Delivery files in `directory` (not its subfolders); every expected table must be there.
    `tables` may name groups of ingest.contracts.TABLE_GROUPS (settlement, enforcement)."""
    if not directory.is_dir():
        raise IngestError(f"{directory}: no such directory.")
    wanted = [t for name in tables for t in TABLE_GROUPS.get(name, (name,))] if tables else list(TABLES)
    unknown = [t for t in wanted if t not in TABLES]
    if unknown:
        raise IngestError(f"unknown table(s) {', '.join(unknown)}; the contract has "
                          f"{', '.join(TABLES)} (or the groups {', '.join(TABLE_GROUPS)}).")
    files = sorted(p for p in directory.iterdir()
                   if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in readers.FORMATS
                   and (t := readers.table_for_file(p)) is not None and t.name in wanted)
    found = {readers.table_for_file(p).name for p in files}
    missing = [t for t in wanted if t not in found]
    if missing:
        labels = ", ".join(f"{t} ({TABLES[t].label_zh})" for t in missing)
        raise IngestError(f"{directory}: the delivery has no file for {labels}. Deliver every "
                          "table, or name the tables being delivered with --tables. "
                          "Nothing was loaded.")
    return files


def load_directory(directory: Path, landing: Path, *, tables: Iterable[str] | None = None,
                   progress: Progress | None = None) -> LoadReport:
    """Validate and land every delivery file of `directory` into the landing database."""
    paths = discover(directory, tables)
    delivered = [readers.inspect(p) for p in paths]   # headers checked before anything lands
    landing.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(landing), config={"memory_limit": settings.duckdb_memory_limit()})
    try:
        ensure_schema(con)
        loaded = dict(con.execute("SELECT file_sha256 || table_name, batch_id FROM meta.batches")
                      .fetchall())
        results: list[FileResult] = []
        con.execute("BEGIN TRANSACTION")
        try:
            for name in TABLES:
                group = [d for d in delivered if d.table.name == name]
                fresh = [d for d in group if d.sha256 + name not in loaded]
                for d in group:
                    if d not in fresh:
                        results.append(FileResult(d.path, name, None,
                                                  skipped_as=loaded[d.sha256 + name]))
                if fresh:
                    landed = _land_table(con, TABLES[name], fresh, progress)
                    _record_batches(con, fresh, landed)
                    results.extend(landed)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return LoadReport(results)
