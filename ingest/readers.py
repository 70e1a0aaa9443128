"""Read a delivered file (CSV in UTF-8/GB18030, XLSX, Parquet) into DuckDB as text columns.

Every reader produces the same thing: a temporary DuckDB table of VARCHAR columns named after
the contract, plus `_row` — the 1-based data row of the file (header not counted) — so that
the validation in `ingest.land` is one code path whatever the format. Rows that cannot be
split into the header's fields (and a header line repeated inside the data) go to a second
temporary table of rejects with their row and reason, so they are quarantined, not lost.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import sys
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest.contracts import TABLES, Table
from ingest.errors import IngestError

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 16 << 20
REJECTS = "_rejects"    # temporary table of rows that could not be read: (_row, reason, raw)
# A UTF-8 CJK character with a continuation byte in 0x80–0xA0: bytes GB2312 text never holds,
# so in a GB18030 file it marks a line that may be UTF-8 (checked on the whole line).
_UTF8_IN_GB = re.compile(rb"[\xe4-\xe9](?:[\x80-\xa0][\x80-\xbf]|[\xa1-\xbf][\x80-\xa0])")


@dataclass(frozen=True)
class CsvLayout:
    """What the CSV parser needs to know about a file's lines before reading it."""
    line_endings: str                   # "lf", "crlf" or "mixed" (lone CRs, or LF and CRLF)
    newlines: int                       # LF characters in the file


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
    layout: CsvLayout | None = None                             # line structure of a CSV file


@dataclass
class ReadResult:
    temp_table: str
    rows: int                                            # rows read into temp_table
    rejects: int                                         # rows in REJECTS (unreadable rows)


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


def scan_csv(path: Path) -> tuple[str, CsvLayout]:
    """SHA-256 and line layout of a CSV file in one pass over its bytes.

    DuckDB's strict parser stops on a file that mixes line endings or holds a lone CR (see
    `_read_csv`), and the count of lines tells whether the file has lines that are no record
    of their own (empty lines, values running over several lines).
    """
    sha = hashlib.sha256()
    lf = cr = crlf = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            sha.update(chunk)
            lf += chunk.count(b"\n")
            if b"\r" in chunk or last == b"\r":
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk.startswith(b"\n"))
            last = chunk[-1:]
    endings = "lf" if cr == 0 else "crlf" if cr == crlf == lf else "mixed"
    return sha.hexdigest(), CsvLayout(endings, lf)


def _trailing_newlines(path: Path) -> int:
    """LF characters in the run of line endings that closes the file."""
    count, end = 0, path.stat().st_size
    with path.open("rb") as fh:
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            block = fh.read(end - start)
            run = len(block) - len(block.rstrip(b"\r\n"))
            count += block.count(b"\n", len(block) - run)
            if run < len(block):
                break
            end = start
    return count


def _row_of(data: bytes, offset: int) -> int:
    """Data row (header not counted) of a byte offset in the opening bytes of a file."""
    return data.count(b"\n", 0, offset)


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (a superset of GBK).

    Raises IngestError when the sample decodes as neither.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    where = []
    for encoding, name in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError as exc:
            where.append(f"read as {name}, row {_row_of(sample, exc.start)} "
                         f"(byte {exc.start:,}) is not valid")
    raise IngestError(f"{path}: the file is neither UTF-8 nor GB18030/GBK text "
                      f"({'; '.join(where)}); re-export it as CSV in one of those encodings, "
                      "not a mix of them.")


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
    separator = next((s for s in (";", "\t", "|") if len(delivered.header) == 1
                      and s in str(delivered.header[0])), None)
    if missing and separator:
        raise IngestError(f"{delivered.path}: the header is separated by {separator!r}, not by "
                          "commas; re-export the file as comma-separated CSV. Nothing was loaded.")
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
    if fmt == "csv":
        sha, layout = scan_csv(path)
        delivered = DeliveredFile(path=path, table=table, format=fmt, sha256=sha, layout=layout)
        delivered.encoding = detect_encoding(path)
    else:
        delivered = DeliveredFile(path=path, table=table, format=fmt, sha256=sha256_of(path))
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


def _utf8_line(chunk: bytes) -> int | None:
    """Offset of the first line of a GB18030 chunk that is UTF-8 text, if any.

    Such a line decodes as GB18030 too, into wrong characters, so it would land garbled.
    """
    for match in _UTF8_IN_GB.finditer(chunk):
        start = chunk.rfind(b"\n", 0, match.start()) + 1
        end = chunk.find(b"\n", match.end())
        try:
            chunk[start:end if end >= 0 else len(chunk)].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return start
    return None


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path, lf: bool) -> tuple[Path, int]:
    """Stream a GB18030 file into a UTF-8 copy DuckDB can read (line endings made LF when `lf`);
    errors name the row and byte. Returns the copy and its count of LF characters."""
    target = workdir / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = rows = newlines = 0
    carry = ""                                 # a CR that may be half of a CRLF
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            chunk = src.read(_CHUNK_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                cut = "" if chunk else " (the file ends in the middle of a character: it was cut off)"
                raise IngestError(
                    f"{path}: row {rows + _row_of(chunk, exc.start)} (byte {offset + exc.start:,}) "
                    f"is not valid {encoding.upper()}{cut}; the file is damaged or mixes encodings. "
                    "Nothing was loaded.") from exc
            utf8 = _utf8_line(chunk)
            if utf8 is not None:
                raise IngestError(f"{path}: row {rows + _row_of(chunk, utf8)} is UTF-8 text, but "
                                  "the file before it is GB18030; the file mixes encodings and "
                                  "would land garbled. Re-export it in one encoding. Nothing was loaded.")
            if lf:
                text = carry + text
                carry = "\r" if text.endswith("\r") and chunk else ""
                text = text[:len(text) - len(carry)].replace("\r\n", "\n").replace("\r", "\n")
            newlines += text.count("\n")
            dst.write(text)
            if not chunk:
                break
            offset += len(chunk)
            rows += chunk.count(b"\n")
    return target, newlines


def _lf_copy(path: Path, workdir: Path) -> tuple[Path, int]:
    """A copy of a UTF-8 file with every line ending (CRLF, lone CR) made LF, and its count of
    LF characters."""
    target = workdir / (path.stem + ".lf.csv")
    carry = b""
    newlines = 0
    with path.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK_BYTES):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""   # may be half of a CRLF
            if carry:
                chunk = chunk[:-1]
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            newlines += chunk.count(b"\n")
            dst.write(chunk)
        dst.write(carry.replace(b"\r", b"\n"))
    return target, newlines + len(carry)


@contextmanager
def _large_csv_fields():
    """Let Python's csv module read fields of any size (it stops at 128 KiB by default)."""
    previous = csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _blank_rows(path: Path) -> list[int]:
    """Data rows (header not counted) of the empty lines of a UTF-8 CSV file.

    DuckDB skips empty lines but counts them in the line numbers of its rejects; the rows of
    the records after one are found by leaving these rows out. Only run when the file has
    more lines than records (a rare case), so a row-by-row pass is affordable here.
    """
    with _large_csv_fields(), path.open(encoding="utf-8", errors="replace", newline="") as fh:
        return [i for i, record in enumerate(csv.reader(fh)) if not record]


def _select_mapped(delivered: DeliveredFile, source: str, positional: bool = False) -> str:
    """SELECT list turning file headers into contract column names (text), NULL when absent.

    `positional`: the source's columns are named c0, c1… after their place in the header.
    """
    parts = []
    for col in delivered.table.columns:
        header = delivered.column_map.get(col.name)
        if header is None:
            parts.append(f"NULL::VARCHAR AS {col.name}")
        else:
            name = f"c{delivered.header.index(header)}" if positional else header
            quoted = name.replace('"', '""')
            parts.append(f'CAST({source}."{quoted}" AS VARCHAR) AS {col.name}')
    return ", ".join(parts)


def _reject_repeated_header(con, delivered: DeliveredFile, temp_table: str) -> None:
    """Move rows that repeat the header line (in any spelling of its columns) to REJECTS.

    Files concatenated with their headers carry them inside the data; a row of column names is
    not a record and would otherwise be quarantined with a reason per column.
    """
    conditions = []
    for col in delivered.table.columns:
        header = delivered.column_map.get(col.name)
        if header is None:
            continue
        spellings = {s.strip().lower() for s in (header, col.name, col.label_zh, *col.aliases)}
        values = ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(spellings))
        conditions.append(f"lower(trim({col.name})) IN ({values})")
    raw = ",".join(delivered.header).replace("'", "''")
    reason = "the header line is repeated inside the data"
    found = con.execute(f"""
        INSERT INTO {REJECTS} SELECT _row, '{reason}', '{raw}'
        FROM {temp_table} WHERE {' AND '.join(conditions)}""").fetchone()[0]
    if found:
        con.execute(f"DELETE FROM {temp_table} WHERE _row IN "
                    f"(SELECT _row FROM {REJECTS} WHERE reason = '{reason}')")


def read(con: duckdb.DuckDBPyConnection, delivered: DeliveredFile, temp_table: str) -> ReadResult:
    """Read the file's rows into a temporary text table `temp_table` with a `_row` column,
    and the rows that cannot be read into REJECTS."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REJECTS} (_row BIGINT, reason VARCHAR, raw VARCHAR)")
    with tempfile.TemporaryDirectory(prefix="yibao-read-") as tmp:
        try:
            if delivered.format == "csv":
                _read_csv(con, delivered, temp_table, Path(tmp))
            elif delivered.format == "parquet":
                _read_parquet(con, delivered, temp_table)
            else:
                _read_xlsx(con, delivered, temp_table)
        except IngestError:
            raise
        except (duckdb.Error, ValueError, OSError) as exc:
            raise IngestError(f"{delivered.path}: cannot read the rows of the file "
                              f"({str(exc).splitlines()[0]}).") from exc
    _reject_repeated_header(con, delivered, temp_table)
    rows, rejects = con.execute(f"SELECT (SELECT count(*) FROM {temp_table}), "
                                f"(SELECT count(*) FROM {REJECTS})").fetchone()
    return ReadResult(temp_table, rows, rejects)


def _read_csv(con, delivered: DeliveredFile, temp_table: str, workdir: Path) -> None:
    layout = delivered.layout or scan_csv(delivered.path)[1]
    path, newlines = delivered.path, layout.newlines
    # The strict parser cannot read mixed line endings or lone CRs: read an LF copy then.
    mixed = layout.line_endings == "mixed"
    if delivered.encoding == "gb18030":
        path, newlines = _transcode_to_utf8(path, delivered.encoding, workdir, lf=mixed)
    elif mixed:
        path, newlines = _lf_copy(path, workdir)
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    # Every column as text, named by its place in the header already read (no sniffing: a
    # damaged row must not change how the file is parsed); rows the parser cannot split into
    # those columns are stored as rejects instead of failing the whole file.
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(delivered.header))) + "}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _csv AS
        SELECT * FROM read_csv('{_sql_path(path)}', auto_detect = false, columns = {columns},
                               header = true, store_rejects = true,
                               delim = ',', quote = '"', escape = '"')""")
    # One reject per line, even when the parser reports several errors on it.
    con.execute(f"""
        INSERT INTO {REJECTS}
        SELECT line - 1, lower(first(error_type ORDER BY column_idx)) || ': '
               || first(error_message ORDER BY column_idx), first(csv_line)
        FROM reject_errors GROUP BY line""")
    parsed, rejected = con.execute(f"SELECT (SELECT count(*) FROM _csv), "
                                   f"(SELECT count(*) FROM {REJECTS})").fetchone()
    unclosed = con.execute(f"""
        SELECT min(_row) FROM {REJECTS}
        WHERE starts_with(reason, 'unquoted value')
              AND contains(ltrim(raw, chr(13) || chr(10)), chr(10))""").fetchone()[0]
    if unclosed is not None:
        raise IngestError(f"{delivered.path}: row {unclosed}: a quote (\") opens a value that is not "
                          "closed where the value ends, so the lines after it would be read as part "
                          "of it. Close or remove the quote. Nothing was loaded.")
    # More lines than records (header included): empty lines, or values over several lines.
    lines = newlines - _trailing_newlines(path) + 1
    blanks = _blank_rows(path) if lines > parsed + rejected + 1 else []
    last = parsed + rejected + len(blanks)
    # File row of each parsed record: its ordinal among all lines, skipping rejected and
    # empty ones.
    select = _select_mapped(delivered, "parsed", positional=True)
    if not (rejected or blanks):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {temp_table} AS
            SELECT row_number() OVER (ORDER BY rowid) AS _row, {select} FROM _csv AS parsed""")
    else:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _skipped AS
            SELECT _row FROM {REJECTS} UNION ALL SELECT unnest(?::BIGINT[])""", [blanks])
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {temp_table} AS
            WITH parsed AS (SELECT row_number() OVER (ORDER BY rowid) AS i, * FROM _csv),
            file_rows AS (SELECT r, row_number() OVER (ORDER BY r) AS i
                          FROM range(1, {last} + 1) t(r) ANTI JOIN _skipped s ON s._row = t.r)
            SELECT file_rows.r AS _row, {select}
            FROM parsed JOIN file_rows USING (i) ORDER BY _row""")
        con.execute("DROP TABLE _skipped")
    con.execute("DROP TABLE _csv")


def _read_parquet(con, delivered: DeliveredFile, temp_table: str) -> None:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {temp_table} AS
        SELECT file_row_number + 1 AS _row, {_select_mapped(delivered, 'p')}
        FROM read_parquet('{_sql_path(delivered.path)}', file_row_number = true) AS p""")


def _read_xlsx(con, delivered: DeliveredFile, temp_table: str) -> None:
    try:
        frame = pd.read_excel(delivered.path, dtype=str, keep_default_na=False)
    except Exception as exc:  # a damaged workbook fails deep in openpyxl (zip, XML, missing parts)
        detail = (str(exc).splitlines() or [""])[0]
        raise IngestError(f"{delivered.path}: cannot read the rows of the workbook "
                          f"({type(exc).__name__}: {detail}).") from exc
    frame.columns = [str(c) for c in frame.columns]
    frame.insert(0, "_row", range(1, len(frame) + 1))
    con.register("_xlsx", frame)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {temp_table} AS
        SELECT _row, {_select_mapped(delivered, 'x')} FROM _xlsx AS x""")
    con.unregister("_xlsx")
