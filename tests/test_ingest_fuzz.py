"""Damaged deliveries: the loader stops with a clear error and changes nothing, or it lands the
file with every bad row quarantined with a reason — and no row is ever lost.

Each case damages one file of a small generated delivery and checks it against a landing that
already holds the rest of the delivery:

1. outcome: an IngestError naming the file (and the row where there is one), printed by the CLI
   as the same paragraph with exit code 2 and no traceback; or a landed batch whose quarantined
   rows each carry a reason (and the column, when one column is at fault);
2. nothing lost: the file's records, counted with Python's csv module from the damaged bytes,
   are the rows landed plus the rows quarantined — row by row, compared by key;
3. nothing half-landed: after an error every raw and meta table is exactly as before; the
   repaired file then lands like a clean load, and loading it once more changes nothing.

Hypothesis adds random damage (byte flips, deleted, duplicated or empty lines, other delimiters,
stray quotes, cuts) with the same three checks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingest.contracts import TABLES
from ingest.errors import IngestError
from ingest.land import LoadReport, load_directory
from tests import deliveries
from tests.db import query

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20


# ---------------------------------------------------------------- the delivery and landings

@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small valid delivery: 500 persons, one year, CSV in UTF-8."""
    from ingest.generate import generate

    out = tmp_path_factory.mktemp("fuzz-delivery")
    generate(out, persons=500, years=1, start_year=2024, seed=11, fmt="csv")
    return out


@pytest.fixture(scope="module")
def clean(generated, tmp_path_factory) -> Path:
    """The whole delivery loaded undamaged: what every repaired load must end as."""
    landing = tmp_path_factory.mktemp("fuzz-clean") / "landing.duckdb"
    report = load_directory(generated, landing)
    assert all(t["quarantined"] == 0 for t in report.by_table().values())
    return landing


@pytest.fixture(scope="module")
def previous(generated, tmp_path_factory) -> Callable[[str], Path]:
    """previous(table): a landing holding every table of the delivery except `table`."""
    made: dict[str, Path] = {}

    def landing_without(table: str) -> Path:
        if table not in made:
            path = tmp_path_factory.mktemp(f"fuzz-without-{table}") / "landing.duckdb"
            load_directory(generated, path, tables=[t for t in TABLES if t != table])
            made[table] = path
        return made[table]
    return landing_without


def _copy_landing(template: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    landing = directory / "landing.duckdb"
    shutil.copyfile(template, landing)
    return landing


def fingerprint(landing: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-free checksum of every raw and meta table."""
    con = duckdb.connect(str(landing), read_only=True)
    try:
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'meta') ORDER BY 1, 2").fetchall()]
        return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM {t} x")
                .fetchone() for t in tables}
    finally:
        con.close()


def raw_content(landing: Path, table: str) -> tuple[int, int]:
    """Row count and checksum of a raw table's values (which batch landed them left out)."""
    return query(landing, f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) "
                          f"FROM (SELECT * EXCLUDE (_batch_id) FROM raw.{table}) x")[0]


# ---------------------------------------------------------------- counting independently

@contextmanager
def _large_fields():
    previous_limit = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous_limit)


def records(data: bytes, encoding: str) -> tuple[list[str], dict[int, list[str]]]:
    """Header and records of CSV bytes read with Python's csv module, by data row (a record's
    place among the lines after the header; an empty line takes a row but is no record)."""
    with _large_fields():
        reader = csv.reader(io.StringIO(data.decode(encoding, errors="surrogateescape"), newline=""))
        header = next(reader)
        return header, {row: fields for row, fields in enumerate(reader, start=1) if fields}


def _key(value: str | None) -> str | None:
    return (value or "").strip() or None


def check_landed(landing: Path, report: LoadReport, table: str, data: bytes) -> dict[int, tuple]:
    """Checks 1 and 2 for a landed file; returns its quarantine rows {row: (column, reason)}."""
    [result] = report.files
    batch = result.batch_id
    [(encoding, rows_in, landed, quarantined)] = query(
        landing, "SELECT encoding, rows_in, rows_landed, rows_quarantined FROM meta.batches "
                 "WHERE batch_id = ?", [batch])
    header, recs = records(data, encoding)
    assert (rows_in, landed, quarantined) == (result.rows_in, result.rows_landed,
                                              result.rows_quarantined)
    assert rows_in == len(recs) == landed + quarantined
    key = TABLES[table].key[0]
    assert query(landing, f"SELECT count(*) FROM raw.{table} WHERE _batch_id = ?", [batch]) == [(landed,)]
    rows = query(landing, "SELECT row_number, column_name, reason FROM meta.quarantine "
                          "WHERE batch_id = ?", [batch])
    bad = {row: (column, reason) for row, column, reason in rows}
    assert len(bad) == len(rows) == quarantined, "one quarantine row per bad row"
    assert set(bad) <= set(recs), "every quarantined row is a record of the file"
    for column, reason in bad.values():
        assert reason and (column is None or reason.startswith(f"{column}:")), reason
    # Row by row: the keys landed are the keys of the records not quarantined.
    at = [h.strip().lower() for h in header].index(key)
    key_of = {row: _key(f[at]) if at < len(f) else None for row, f in recs.items()}
    landed_keys = Counter(_key(k) for (k,) in query(
        landing, f"SELECT {key} FROM raw.{table} WHERE _batch_id = ?", [batch]))
    assert landed_keys + Counter(key_of[r] for r in bad) == Counter(key_of.values())
    # A quarantined record carries its own values (its row number is right).
    for raw, row in query(landing, "SELECT raw_record, row_number FROM meta.quarantine "
                                   "WHERE batch_id = ? AND column_name IS NOT NULL", [batch]):
        assert _key(json.loads(raw)[key]) == key_of[row]
    return bad


def _load_args(directory: Path, landing: Path, table: str | None) -> list[str]:
    return ["load", str(directory), "--landing", str(landing)] + (["--tables", table] if table else [])


def cli_in_process(args: list[str], capsys, monkeypatch) -> tuple[int, str]:
    """`python -m ingest ARGS` run by its own entry point in this process: exit code, stderr."""
    from ingest import cli

    monkeypatch.setattr(sys, "argv", ["python -m ingest", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    return exit_.value.code, capsys.readouterr().err


def _squeeze(text: str) -> str:
    return "".join(text.split())              # the console wraps long lines


def check_error_everywhere(directory: Path, landing: Path, table: str | None, error: IngestError,
                           damaged: Path, before: dict, capsys, monkeypatch) -> None:
    """Checks 1 and 3 for a load that stopped: message, CLI, landing untouched."""
    assert str(damaged) in str(error)
    assert fingerprint(landing) == before, "a failed load changed the landing"
    code, stderr = cli_in_process(_load_args(directory, landing, table), capsys, monkeypatch)
    assert code == 2
    assert "Traceback" not in stderr and _squeeze(str(error)) in _squeeze(stderr)
    assert fingerprint(landing) == before


# ---------------------------------------------------------------- the damage

@dataclass
class Expect:
    error: tuple[str, ...] = ()                                 # phrases of the error, if it stops
    quarantined: dict[int, str] = field(default_factory=dict)  # else row -> phrase of its reason
    same_as_clean: bool = False                                 # lands exactly the clean values


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")                  # [header, row 1, ..., row n, b""]


def _set(lines: list[bytes], row: int, column: str, value: bytes) -> None:
    fields, header = lines[row].split(b","), lines[0].split(b",")
    fields[header.index(column.encode())] = value
    lines[row] = b",".join(fields)


def _get(lines: list[bytes], row: int, column: str) -> bytes:
    return lines[row].split(b",")[lines[0].split(b",").index(column.encode())]


def _cut_in_last_character(data: bytes) -> tuple[bytes, int]:
    lines = _lines(data)
    last_start = len(data) - 1 - len(lines[-2])
    cut = next(i for i in range(last_start, len(data)) if data[i] >= 0x80) + 1
    return data[:cut], len(lines) - 2


def truncated_mid_row(data):
    lines = _lines(data)
    return data[:len(data) - 1 - len(lines[-2]) + 40], Expect(quarantined={len(lines) - 2: "missing columns"})


def truncated_mid_character(data):
    cut, last = _cut_in_last_character(data)
    return cut, Expect(quarantined={last: "invalid encoding"})


def truncated_mid_character_gb18030(data):
    cut, last = _cut_in_last_character(data)
    return cut, Expect(error=(f"row {last} ", "not valid GB18030", "ends in the middle of a character"))


def gb18030_row_in_utf8_file(data):
    lines = _lines(data)
    lines[100] = lines[100].decode().encode("gb18030")
    return b"\n".join(lines), Expect(error=("neither UTF-8 nor GB18030", "read as UTF-8, row 100 "))


def gb18030_row_after_the_first_megabyte(data):
    lines = _lines(data)
    row = next(r for r in range(10_000, len(lines) - 1) if not lines[r].isascii())
    assert len(b"\n".join(lines[:row])) > MB       # past the sample the encoding is told from
    lines[row] = lines[row].decode().encode("gb18030")
    return b"\n".join(lines), Expect(quarantined={row: "invalid encoding"})


def _decodes_as_gb18030(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def utf8_row_in_gb18030_file(data):
    """A UTF-8 row whose bytes also decode as GB18030, into wrong characters."""
    lines = _lines(data)
    row = next(r for r in range(100, len(lines) - 1)
               if _decodes_as_gb18030(lines[r].decode("gb18030").encode()))
    lines[row] = lines[row].decode("gb18030").encode()
    return b"\n".join(lines), Expect(error=(f"row {row} is UTF-8 text", "mixes encodings"))


def undecodable_bytes(data):
    lines = _lines(data)
    _set(lines, 14, "psn_name", b"\xff\xfe\xfa")
    return b"\n".join(lines), Expect(error=("neither UTF-8 nor GB18030", "read as UTF-8, row 14 "))


def undecodable_bytes_late_in_gb18030_file(data):
    lines = _lines(data)
    _set(lines, 10_000, "hilist_name", b"\xff\xff")
    return b"\n".join(lines), Expect(error=("row 10000 ", "is not valid GB18030"))


def shuffled_columns(data):
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    order = list(range(len(rows[0])))
    random.Random(9).shuffle(order)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[i] for i in order] for r in rows)
    return out.getvalue().encode(), Expect(same_as_clean=True)


def header_repeated_inside_the_data(data):
    lines = _lines(data)
    lines.insert(50, lines[0])
    return b"\n".join(lines), Expect(quarantined={50: "the header line is repeated"})


def chinese_header_repeated_inside_the_data(data):
    lines = _lines(data)
    table = TABLES["setl_d"]
    lines.insert(50, ",".join(table.column(c).label_zh for c in lines[0].decode().split(",")).encode())
    return b"\n".join(lines), Expect(quarantined={50: "the header line is repeated"})


def duplicated_column_name(data):
    lines = _lines(data)
    lines[0] = lines[0].replace(b"mdtrt_id", b"setl_id", 1)
    return b"\n".join(lines), Expect(error=("both mean setl_id",))


def huge_cell(data):
    lines = _lines(data)
    _set(lines, 10, "psn_name", b"x" * (10 * MB))
    return b"\n".join(lines), Expect(quarantined={10: "line size over maximum"})


def empty_file(data):
    return b"", Expect(error=("the file is empty",))


def header_only(data):
    return _lines(data)[0] + b"\n", Expect()


def wrong_types(data):
    lines = _lines(data)
    _set(lines, 10, "medfee_sumamt", b"abc")
    _set(lines, 11, "begndate", "二〇二四年一月".encode())
    _set(lines, 12, "setl_time", b"yesterday")
    return b"\n".join(lines), Expect(quarantined={
        10: "medfee_sumamt: 'abc' is not a valid money", 11: "begndate: '二〇二四年一月' is not a valid date",
        12: "setl_time: 'yesterday' is not a valid timestamp"})


def future_dates(data):
    lines = _lines(data)
    _set(lines, 20, "enddate", b"2099-01-08")
    _set(lines, 20, "setl_time", b"2099-01-08 10:00:00")
    return b"\n".join(lines), Expect(quarantined={20: "'2099-01-08' is in the future"})


def negative_amounts_on_a_payment(data):
    lines = _lines(data)
    row = next(r for r in range(30, len(lines) - 1) if _get(lines, r, "refd_setl_flag") == b"0")
    header = lines[0].split(b",")
    money = [c.name for c in TABLES["setl_d"].columns if c.type == "money" and c.name.encode() in header]
    for column in money:
        value = _get(lines, row, column)
        if value.strip(b"0.") and not value.startswith(b"-"):
            _set(lines, row, column, b"-" + value)
    return b"\n".join(lines), Expect(quarantined={row: "on a row that is not a refund"})


def semicolon_separated(data):
    return data.replace(b",", b";"), Expect(error=("separated by ';'",))


def other_delimiters_on_some_rows(data):
    lines = _lines(data)
    lines[40], lines[41] = lines[40].replace(b",", b";"), lines[41].replace(b",", b"\t")
    return b"\n".join(lines), Expect(quarantined={40: "missing columns", 41: "missing columns"})


def empty_lines_inside(data):
    lines = _lines(data)
    _set(lines, 100, "gend", b"x")
    lines[60:60] = [b"", b""]                  # row 100 is now the file's row 102
    return b"\n".join(lines), Expect(quarantined={102: "gend: 'x' is not one of"})


def mixed_line_endings(data):
    lines = _lines(data)
    _set(lines, 800, "gend", b"x")
    lines[700] = lines[700].replace(b"-", b"\r", 1)      # a lone CR splits row 700 in two
    text = b"\r\n".join(lines[:500]) + b"\r\n" + b"\n".join(lines[500:])
    return text, Expect(quarantined={700: "missing columns", 701: "missing columns",
                                     801: "gend: 'x' is not one of"})


def unclosed_quote(data):
    lines = _lines(data)
    _set(lines, 5, "psn_name", b'"' + _get(lines, 5, "psn_name"))
    return b"\n".join(lines), Expect(error=("row 5: a quote",))


def value_over_two_lines(data):
    lines = _lines(data)
    _set(lines, 200, "psn_name", '"张\n三"'.encode())
    _set(lines, 300, "gend", b"x")
    return b"\n".join(lines), Expect(quarantined={300: "gend: 'x' is not one of"})


def truncated(data):
    return data[:len(data) // 2], Expect(error=("cannot read the file as",))


def damaged_inside(data):
    third = len(data) // 3
    return data[:third] + b"\xff" * third + data[2 * third:], Expect(error=("cannot read the",))


def sheet_cut_off_inside_the_workbook(data):
    """A workbook whose zip is intact but whose sheet XML stops short: the header still reads."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[:len(content) * 4 // 5]
            target.writestr(info, content)
    return out.getvalue(), Expect(error=("cannot read the rows of the workbook", "ParseError"))


def institutions_truncated_mid_row(data):
    lines = _lines(data)
    start = len(data) - 1 - len(lines[-2])
    cut = data.index(b",", data.index(b",", start) + 1)     # after the code and the name
    return data[:cut], Expect(quarantined={len(lines) - 2: "missing columns"})


def institutions_wrong_types(data):
    lines = _lines(data)
    _set(lines, 3, "hosp_lv", b"5")
    _set(lines, 4, "aprv_bed_cnt", b"many")
    return b"\n".join(lines), Expect(quarantined={3: "hosp_lv: '5' is not one of",
                                                  4: "aprv_bed_cnt: 'many' is not a valid int"})


# (damage, table, file format: csv in UTF-8 or GB18030, parquet, xlsx)
CASES = [
    (truncated_mid_row, "setl_d", "csv"),
    (truncated_mid_character, "setl_d", "csv"),
    (truncated_mid_character_gb18030, "setl_d", "gb18030"),
    (truncated, "setl_d", "parquet"),
    (truncated, "fixmedins_b", "xlsx"),
    (damaged_inside, "setl_d", "parquet"),
    (damaged_inside, "fixmedins_b", "xlsx"),
    (sheet_cut_off_inside_the_workbook, "fixmedins_b", "xlsx"),
    (gb18030_row_in_utf8_file, "setl_d", "csv"),
    (gb18030_row_after_the_first_megabyte, "fee_list_d", "csv"),
    (utf8_row_in_gb18030_file, "setl_d", "gb18030"),
    (undecodable_bytes, "setl_d", "csv"),
    (undecodable_bytes_late_in_gb18030_file, "fee_list_d", "gb18030"),
    (shuffled_columns, "setl_d", "csv"),
    (header_repeated_inside_the_data, "setl_d", "csv"),
    (chinese_header_repeated_inside_the_data, "setl_d", "csv"),
    (duplicated_column_name, "setl_d", "csv"),
    (huge_cell, "setl_d", "csv"),
    (empty_file, "setl_d", "csv"),
    (header_only, "setl_d", "csv"),
    (wrong_types, "setl_d", "csv"),
    (future_dates, "setl_d", "csv"),
    (negative_amounts_on_a_payment, "setl_d", "csv"),
    (semicolon_separated, "setl_d", "csv"),
    (other_delimiters_on_some_rows, "setl_d", "csv"),
    (empty_lines_inside, "setl_d", "csv"),
    (mixed_line_endings, "setl_d", "csv"),
    (unclosed_quote, "setl_d", "csv"),
    (value_over_two_lines, "setl_d", "csv"),
    (institutions_truncated_mid_row, "fixmedins_b", "csv"),
    (institutions_wrong_types, "fixmedins_b", "csv"),
]


def _file_bytes(generated: Path, table: str, fmt: str, workdir: Path) -> tuple[bytes, str]:
    """The undamaged file of `table` in the format of the case, and its file suffix."""
    data = (generated / f"{table}.csv").read_bytes()
    if fmt == "gb18030":
        return data.decode().encode("gb18030"), "csv"
    if fmt == "csv":
        return data, "csv"
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    target = workdir / f"{table}.{fmt}"
    frame.to_parquet(target, index=False) if fmt == "parquet" else frame.to_excel(target, index=False)
    return target.read_bytes(), fmt


def _deliver(directory: Path, table: str, suffix: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{table}.{suffix}"
    path.write_bytes(data)
    return path


def check_repaired_load(directory: Path, landing: Path, table: str, suffix: str, good: bytes) -> LoadReport:
    """Check 3, second half: the repaired file lands every row; loading it again changes nothing."""
    for stale in directory.iterdir():
        stale.unlink()
    _deliver(directory, table, suffix, good)
    report = load_directory(directory, landing, tables=[table])
    [result] = report.files
    assert result.rows_in == result.rows_landed + result.rows_quarantined
    after = fingerprint(landing)
    again = load_directory(directory, landing, tables=[table])
    assert again.files[0].skipped_as == result.batch_id
    assert fingerprint(landing) == after
    return report


@pytest.mark.parametrize("damage,table,fmt", CASES, ids=[
    f"{d.__name__}-{fmt}" if d in (truncated, damaged_inside) else d.__name__ for d, _, fmt in CASES])
def test_damaged_file_stops_cleanly_or_lands_with_every_row_accounted_for(
        damage, table, fmt, generated, clean, previous, tmp_path, capsys, monkeypatch):
    good, suffix = _file_bytes(generated, table, fmt, tmp_path)
    data, expect = damage(good)
    landing = _copy_landing(previous(table), tmp_path / "landing")
    before = fingerprint(landing)
    directory = tmp_path / "delivery"
    damaged = _deliver(directory, table, suffix, data)

    if expect.error:
        with pytest.raises(IngestError) as caught:
            load_directory(directory, landing, tables=[table])
        for phrase in expect.error:
            assert phrase in str(caught.value)
        check_error_everywhere(directory, landing, table, caught.value, damaged, before,
                               capsys, monkeypatch)
    else:
        report = load_directory(directory, landing, tables=[table])
        bad = check_landed(landing, report, table, data)
        assert set(bad) == set(expect.quarantined)
        for row, phrase in expect.quarantined.items():
            assert phrase in bad[row][1], (row, bad[row])
        if expect.same_as_clean:
            assert raw_content(landing, table) == raw_content(clean, table)

    report = check_repaired_load(directory, landing, table, suffix, good)
    assert report.files[0].rows_quarantined == 0
    assert raw_content(landing, table) == raw_content(clean, table)


def test_error_in_the_last_table_rolls_back_every_table_before_it(generated, tmp_path):
    # The generated delivery but its two largest files, over a landing with one hand-made row
    # per table; the last table is landed after every other one is written.
    tables = [t for t in TABLES if t not in ("fee_list_d", "mdtrt_d")]
    landing = tmp_path / "landing.duckdb"
    load_directory(deliveries.write(tmp_path / "first"), landing)
    before = fingerprint(landing)
    directory = tmp_path / "delivery"
    directory.mkdir()
    for table in tables:
        shutil.copyfile(generated / f"{table}.csv", directory / f"{table}.csv")
    last = tables[-1]
    damaged = directory / f"{last}.csv"
    good = damaged.read_bytes()
    lines = _lines(good)
    column = TABLES[last].columns[0].name
    _set(lines, 5, column, b'"' + _get(lines, 5, column))
    damaged.write_bytes(b"\n".join(lines))

    with pytest.raises(IngestError, match="row 5: a quote") as caught:
        load_directory(directory, landing, tables=tables)
    assert str(damaged) in str(caught.value)
    assert fingerprint(landing) == before, "tables landed before the failing one were kept"
    # The real command: its own process, exit code 2, the same paragraph and no traceback.
    result = subprocess.run(
        [sys.executable, "-m", "ingest", *_load_args(directory, landing, ",".join(tables))],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "1000"})
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert _squeeze(str(caught.value)) in _squeeze(result.stderr)
    assert fingerprint(landing) == before

    damaged.write_bytes(good)
    report = load_directory(directory, landing, tables=tables)
    assert set(report.by_table()) == set(tables)
    assert all(t["landed"] == t["rows_in"] > 0 and t["unchanged"] == 0 for t in report.by_table().values())
    after = fingerprint(landing)
    again = load_directory(directory, landing, tables=tables)
    assert all(t["unchanged"] == t["files"] for t in again.by_table().values())
    assert fingerprint(landing) == after


# ---------------------------------------------------------------- random damage

def _mutate(data: bytes, mutations: list[tuple]) -> bytes:
    for kind, at, extra in mutations:
        lines = data.split(b"\n")
        line = at % len(lines)
        if kind == "flip" and data:
            i = at % len(data)
            data = data[:i] + bytes([data[i] ^ (1 << extra % 8)]) + data[i + 1:]
            continue
        if kind == "cut":
            data = data[:at % (len(data) + 1)]
            continue
        if kind == "delete_line":
            del lines[line]
        elif kind == "duplicate_line":
            lines.insert(line, lines[line])
        elif kind == "empty_line":
            lines.insert(line, b"")
        elif kind == "delimiter":
            lines[line] = lines[line].replace(b",", [b";", b"\t", b"|"][extra % 3])
        elif kind == "quote":
            fields = lines[line].split(b",")
            fields[extra % len(fields)] = b'"' + fields[extra % len(fields)]
            lines[line] = b",".join(fields)
        data = b"\n".join(lines)
    return data


MUTATION = st.tuples(
    st.sampled_from(["flip", "flip", "flip", "cut", "delete_line", "duplicate_line", "empty_line",
                     "delimiter", "quote"]),
    st.integers(0, 1 << 40), st.integers(0, 63))


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=st.sampled_from(["setl_d", "fixmedins_b"]), encoding=st.sampled_from(["utf-8", "gb18030"]),
       mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_random_damage_never_loses_rows_or_lands_half_a_file(table, encoding, mutations, generated,
                                                              previous, tmp_path):
    good = (generated / f"{table}.csv").read_bytes().decode().encode(encoding)
    data = _mutate(good, mutations)
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        work = Path(work)
        landing = _copy_landing(previous(table), work / "landing")
        before = fingerprint(landing)
        directory = work / "delivery"
        damaged = _deliver(directory, table, "csv", data)
        try:
            report = load_directory(directory, landing, tables=[table])
        except IngestError as exc:
            assert str(damaged) in str(exc)
            assert fingerprint(landing) == before
            event(f"stopped: {str(exc)[len(str(damaged)) + 2:][:40]}")
        else:
            bad = check_landed(landing, report, table, data)
            event("landed, rows quarantined" if bad else "landed, nothing quarantined")
        report = check_repaired_load(directory, landing, table, "csv", good)
        assert report.files[0].rows_in == len(records(good, encoding)[1])
