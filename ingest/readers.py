"""Read a delivered file (CSV in UTF-8/GB18030, XLSX, Parquet) into DuckDB as text columns.

Every reader produces the same thing: a temporary DuckDB table of VARCHAR columns named after
the contract, plus `_row` — the 1-based data row of the file (header not counted) — so that
the validation in `ingest.land` is one code path whatever the format. Rows the CSV parser
cannot split into fields are returned as rejects with their row and the parser's reason.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest.contracts import TABLES, Table
from ingest.errors import IngestError

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 16 << 20


@dataclass
class DeliveredFile:
    """One file of a delivery, matched to its contract table, before it is read."""
    path: Path
    table: Table
    format: str
    sha256: str
    encoding: str | None = None
    header: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)   # contract column -> file header
    ignored: list[str] = field(default_factory=list)            # file headers not in the contract


@dataclass
class ReadResult:
    temp_table: str
    rows: int                                            # rows read into temp_table
    rejects: list[tuple[int, str, str]]                  # (row, reason, raw line)


def table_for_file(path: Path) -> Table | None:
    """The contract table a file belongs to: `<table>.<ext>` or `<table>_<anything>.<ext>`."""
    stem = path.stem.lower()
    matches = [t for name, t in TABLES.items() if stem == name or stem.startswith(name + "_")]
    return max(matches, key=lambda t: len(t.name)) if matches else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (a superset of GBK).

    Raises IngestError when the sample decodes as neither.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path}: the file is neither UTF-8 nor GB18030/GBK text; "
                      "re-export it as CSV in one of those encodings.")


def _normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).strip("\"'").lower()


def _read_header(delivered: DeliveredFile) -> list[str]:
    path = delivered.path
    if delivered.format == "csv":
        with path.open("r", encoding=delivered.encoding, newline="") as fh:
            line = fh.readline()
        if not line.strip():
            raise IngestError(f"{path}: the file is empty — expected a header row with the "
                              f"columns of {delivered.table.name} ({delivered.table.label_zh}).")
        return next(csv.reader([line]))
    if delivered.format == "parquet":
        return [r[0] for r in duckdb.sql(
            f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(path)}')").fetchall()]
    frame = pd.read_excel(path, dtype=str, nrows=0)
    return [str(c) for c in frame.columns]


def map_columns(delivered: DeliveredFile) -> None:
    """Match file headers (English names or national Chinese labels) to contract columns.

    Raises IngestError for a header used twice or a required column that is missing.
    """
    table = delivered.table
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, col.label_zh, *col.aliases):
            lookup.setdefault(_normalise_header(spelling), col.name)
    seen: dict[str, str] = {}
    for header in delivered.header:
        name = lookup.get(_normalise_header(header))
        if name is None:
            delivered.ignored.append(str(header))
            continue
        if name in seen:
            raise IngestError(
                f"{delivered.path}: columns '{seen[name]}' and '{header}' both mean {name} "
                f"({table.column(name).label_zh}); keep one of them.")
        seen[name] = str(header)
    missing = [c for c in table.columns if c.required and c.name not in seen]
    if missing:
        names = ", ".join(f"{c.name} ({c.label_zh})" for c in missing)
        raise IngestError(f"{delivered.path}: table {table.name} ({table.label_zh}) is missing "
                          f"required column(s) {names}. Nothing was loaded.")
    delivered.column_map = seen


def inspect(path: Path) -> DeliveredFile:
    """Identify, hash and header-check a file without reading its rows."""
    table = table_for_file(path)
    fmt = FORMATS.get(path.suffix.lower())
    if table is None or fmt is None:
        raise IngestError(f"{path}: not a known raw table file; expected <table>.csv|.xlsx|"
                          f".parquet with a table of {', '.join(TABLES)}.")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty — expected a header row with the "
                          f"columns of {table.name} ({table.label_zh}).")
    delivered = DeliveredFile(path=path, table=table, format=fmt, sha256=sha256_of(path))
    if fmt == "csv":
        delivered.encoding = detect_encoding(path)
    try:
        delivered.header = list(_read_header(delivered))
    except IngestError:
        raise
    except Exception as exc:  # a damaged workbook or parquet footer, an undecodable header
        raise IngestError(f"{path}: cannot read the file as {fmt.upper()} ({exc}).") from exc
    map_columns(delivered)
    return delivered


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream a GB18030 file into a UTF-8 copy DuckDB can read; errors name the byte offset."""
    target = workdir / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_CHUNK_BYTES):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise IngestError(f"{path}: byte {offset + exc.start} is not valid {encoding}; "
                                  "the file is damaged or mixes encodings.") from exc
            offset += len(chunk)
        dst.write(decoder.decode(b"", final=True))
    return target


def _select_mapped(delivered: DeliveredFile, source: str) -> str:
    """SELECT list turning file headers into contract column names (text), NULL when absent."""
    parts = []
    for col in delivered.table.columns:
        header = delivered.column_map.get(col.name)
        if header is None:
            parts.append(f"NULL::VARCHAR AS {col.name}")
        else:
            quoted = header.replace('"', '""')
            parts.append(f'CAST({source}."{quoted}" AS VARCHAR) AS {col.name}')
    return ", ".join(parts)


def read(con: duckdb.DuckDBPyConnection, delivered: DeliveredFile, temp_table: str) -> ReadResult:
    """Read the file's rows into a temporary text table `temp_table` with a `_row` column."""
    with tempfile.TemporaryDirectory(prefix="yibao-read-") as tmp:
        try:
            if delivered.format == "csv":
                return _read_csv(con, delivered, temp_table, Path(tmp))
            if delivered.format == "parquet":
                return _read_parquet(con, delivered, temp_table)
            return _read_xlsx(con, delivered, temp_table)
        except IngestError:
            raise
        except (duckdb.Error, ValueError, OSError) as exc:
            raise IngestError(f"{delivered.path}: cannot read the rows of the file "
                              f"({str(exc).splitlines()[0]}).") from exc


def _read_csv(con, delivered: DeliveredFile, temp_table: str, workdir: Path) -> ReadResult:
    path = delivered.path
    if delivered.encoding == "gb18030":
        path = _transcode_to_utf8(path, delivered.encoding, workdir)
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    # Every column as text, header names kept verbatim; rows the parser cannot split are
    # stored as rejects instead of failing the whole file.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _csv AS
        SELECT * FROM read_csv('{_sql_path(path)}', all_varchar = true, header = true,
                               normalize_names = false, store_rejects = true,
                               delim = ',', quote = '"', escape = '"')""")
    rejects = [(int(line) - 1, f"{etype.lower()}: {msg}", raw)
               for line, etype, msg, raw in con.execute(
                   # one reject per line, even when the parser reports several errors on it
                   "SELECT line, first(error_type ORDER BY column_idx), "
                   "first(error_message ORDER BY column_idx), first(csv_line) "
                   "FROM reject_errors GROUP BY line ORDER BY line").fetchall()]
    rejected_rows = [r[0] for r in rejects]
    # File row of each parsed record: its ordinal among all records, skipping the rejected.
    ordinal = "parsed.i + 1"
    if rejects:
        ordinal = """(SELECT r FROM good_rows WHERE good_rows.i = parsed.i)"""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {temp_table} AS
        WITH parsed AS (SELECT row_number() OVER (ORDER BY rowid) - 1 AS i, * FROM _csv),
        all_rows AS (SELECT range AS r FROM range(1, (SELECT count(*) FROM _csv) + {len(rejects)} + 1)),
        good_rows AS (SELECT r, row_number() OVER (ORDER BY r) - 1 AS i FROM all_rows
                      WHERE r NOT IN (SELECT unnest(?::BIGINT[])))
        SELECT {ordinal} AS _row, {_select_mapped(delivered, 'parsed')}
        FROM parsed""", [rejected_rows])
    con.execute("DROP TABLE _csv")
    rows = con.execute(f"SELECT count(*) FROM {temp_table}").fetchone()[0]
    return ReadResult(temp_table, rows, rejects)


def _read_parquet(con, delivered: DeliveredFile, temp_table: str) -> ReadResult:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {temp_table} AS
        SELECT file_row_number + 1 AS _row, {_select_mapped(delivered, 'p')}
        FROM read_parquet('{_sql_path(delivered.path)}', file_row_number = true) AS p""")
    rows = con.execute(f"SELECT count(*) FROM {temp_table}").fetchone()[0]
    return ReadResult(temp_table, rows, [])


def _read_xlsx(con, delivered: DeliveredFile, temp_table: str) -> ReadResult:
    frame = pd.read_excel(delivered.path, dtype=str, keep_default_na=False)
    frame.columns = [str(c) for c in frame.columns]
    frame.insert(0, "_row", range(1, len(frame) + 1))
    con.register("_xlsx", frame)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {temp_table} AS
        SELECT _row, {_select_mapped(delivered, 'x')} FROM _xlsx AS x""")
    con.unregister("_xlsx")
    return ReadResult(temp_table, len(frame), [])
