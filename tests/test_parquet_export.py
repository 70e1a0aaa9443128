"""`python -m ingest export-parquet`: the landed raw tables as one Parquet file per table and
batch, with the landed rows and column types, brought up to date without rewriting what is."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.contracts import TABLES
from ingest.errors import IngestError
from ingest.parquet import EMPTY_FILE, export_parquet
from ingest.schema import BATCH_COLUMN


def _landed(landing: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(landing), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _in_files(folder: Path, sql: str) -> list[tuple]:
    return duckdb.sql(sql.replace("FILES", f"read_parquet('{folder}/*.parquet')")).fetchall()


@pytest.fixture()
def landing_copy(demo_landing, tmp_path) -> Path:
    copy = tmp_path / "landing.duckdb"
    shutil.copy(demo_landing, copy)
    return copy


def test_export_holds_every_landed_row_with_its_type(demo_landing, tmp_path):
    out = tmp_path / "parquet"
    exports = {e.table: e for e in export_parquet(demo_landing, out)}
    assert set(exports) == set(TABLES)
    for table in TABLES:
        landed = _landed(demo_landing, f"DESCRIBE raw.{table}")
        in_files = _in_files(out / table, "DESCRIBE SELECT * FROM FILES")
        assert [r[:2] for r in in_files] == [r[:2] for r in landed], f"{table}: columns or types differ"
        (landed_rows,), = _landed(demo_landing, f"SELECT count(*) FROM raw.{table}")
        (file_rows,), = _in_files(out / table, "SELECT count(*) FROM FILES")
        assert file_rows == exports[table].rows == landed_rows > 0, table
        batches = {b for b, in _landed(demo_landing, f"SELECT DISTINCT {BATCH_COLUMN} FROM raw.{table}")}
        assert {p.stem for p in (out / table).glob("*.parquet")} == batches


def test_export_keeps_codes_as_text_with_leading_zeros(demo_landing, tmp_path):
    export_parquet(demo_landing, tmp_path)
    codes = _in_files(tmp_path / "fixmedins_b", "SELECT DISTINCT hosp_lv FROM FILES WHERE hosp_lv LIKE '0%'")
    assert codes and all(isinstance(code, str) and len(code) == 2 for code, in codes)


def test_export_again_rewrites_nothing(demo_landing, tmp_path):
    export_parquet(demo_landing, tmp_path)
    written = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet")}
    again = export_parquet(demo_landing, tmp_path)
    assert sum(e.written + e.removed for e in again) == 0
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet")} == written


def test_export_follows_replaced_and_removed_rows(landing_copy, tmp_path):
    export_parquet(landing_copy, tmp_path)
    con = duckdb.connect(str(landing_copy))
    # as a re-delivery does: rows of an earlier batch replaced; a table emptied
    con.execute("DELETE FROM raw.setl_d WHERE setl_id IN (SELECT setl_id FROM raw.setl_d LIMIT 10)")
    con.execute("DELETE FROM raw.fund_balance")
    (setl_rows,), = con.execute("SELECT count(*) FROM raw.setl_d").fetchall()
    con.close()
    exports = {e.table: e for e in export_parquet(landing_copy, tmp_path)}
    assert exports["setl_d"].written == 1
    assert _in_files(tmp_path / "setl_d", "SELECT count(*) FROM FILES") == [(setl_rows,)]
    assert [p.name for p in (tmp_path / "fund_balance").iterdir()] == [EMPTY_FILE]
    assert _in_files(tmp_path / "fund_balance", "SELECT count(*) FROM FILES") == [(0,)]
    assert exports["fund_balance"].removed == 1
    assert sum(e.written for t, e in exports.items() if t not in ("setl_d", "fund_balance")) == 0


def test_export_without_landing_is_a_clear_error(tmp_path):
    with pytest.raises(IngestError, match="no landing database"):
        export_parquet(tmp_path / "missing.duckdb", tmp_path / "parquet")


def test_export_parquet_command_reports_each_table(demo_landing, tmp_path):
    result = CliRunner().invoke(app, ["export-parquet", "--landing", str(demo_landing),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert all(table in result.output for table in TABLES)
