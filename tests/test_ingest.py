"""The loader: formats, encodings, headers, validation, quarantine, idempotence, re-delivery."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.contracts import TABLES
from ingest.errors import IngestError
from ingest.land import load_directory
from tests.db import query
from tests import deliveries
from tests.deliveries import rows_for


def _quarantine(landing: Path, table: str):
    return query(landing, f"SELECT file_path, row_number, column_name, reason FROM meta.quarantine "
                            f"WHERE table_name = '{table}' ORDER BY row_number")


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing" / "landing.duckdb"


def test_valid_delivery_lands_every_table(tmp_path, landing):
    report = load_directory(deliveries.write(tmp_path / "d"), landing)
    totals = report.by_table()
    assert set(totals) == set(TABLES)
    assert all(t["landed"] == 1 and t["quarantined"] == 0 for t in totals.values())
    assert query(landing, "SELECT hosp_lv, medfee_sumamt FROM raw.setl_d") == [("05", Decimal("1000.00"))]


@pytest.mark.parametrize("fmt,encoding,chinese", [
    ("csv", "gb18030", True), ("csv", "utf-8-sig", False), ("csv", "gbk", True),
    ("xlsx", None, True), ("parquet", None, False),
])
def test_formats_encodings_and_chinese_headers_land_the_same_values(tmp_path, landing, fmt, encoding, chinese):
    delivery = deliveries.write(tmp_path / "d", fmt=fmt, encoding=encoding or "utf-8",
                                chinese_headers=chinese)
    report = load_directory(delivery, landing)
    assert all(t["landed"] == 1 and t["quarantined"] == 0 for t in report.by_table().values())
    assert query(landing, "SELECT psn_name, fixmedins_name, hosp_lv, insutype, setl_time::VARCHAR "
                            "FROM raw.setl_d") == [("张三", "示例县人民医院", "05", "390", "2024-01-08 10:00:00")]
    batches = query(landing, "SELECT file_format, encoding FROM meta.batches WHERE table_name = 'setl_d'")
    expected_encoding = {"utf-8-sig": "utf-8-sig", "gb18030": "gb18030", "gbk": "gb18030"}.get(encoding)
    assert batches == [(fmt, expected_encoding)]


def test_bad_rows_are_quarantined_with_file_row_column_and_reason(tmp_path, landing):
    setl = rows_for("setl_d", [
        {},                                                         # row 1: good
        {"setl_id": "S2", "medfee_sumamt": "1001.00"},              # identity broken
        {"setl_id": "S3", "hosp_lv": "5"},                          # code lost its leading zero
        {"setl_id": "S4", "setl_time": "2024-13-45 10:00:00"},      # not a timestamp
        {"setl_id": "S5", "begndate": "2024-01-09"},                # begins after it ends
        {"setl_id": "S6", "fixmedins_code": "X123"},                # bad institution code
        {"setl_id": "S7", "setl_time": "2099-01-01 00:00:00",       # in the future
         "enddate": "2099-01-01"},
        {"setl_id": "S8", "hifp_pay": "-600.00", "fund_pay_sumamt": "-600.00",
         "psn_pay": "1600.00", "cash_payamt": "1600.00"},           # negative, not a refund
        {"setl_id": "S9", "refd_setl_flag": "1"},                   # refund without init_setl_id
        {"setl_id": "S1"},                                          # duplicate key of row 1
        {"setl_id": "S10", "psn_no": ""},                           # required value missing
        {"setl_id": "S11", "medfee_sumamt": "1000.001"},            # fraction of a fen
    ])
    delivery = deliveries.write(tmp_path / "d", {"setl_d": setl})
    report = load_directory(delivery, landing, tables=["setl_d"])
    totals = report.by_table()["setl_d"]
    assert (totals["rows_in"], totals["landed"], totals["quarantined"]) == (12, 1, 11)
    rows = {row: (column, reason) for path, row, column, reason in _quarantine(landing, "setl_d")}
    assert all(path.endswith("setl_d.csv") for path, *_ in _quarantine(landing, "setl_d"))
    assert rows[2][0] == "medfee_sumamt" and "do not add up" in rows[2][1]
    assert rows[3][0] == "hosp_lv" and "'5' is not one of" in rows[3][1]
    assert rows[4][0] == "setl_time" and "not a valid timestamp" in rows[4][1]
    assert rows[5][0] == "setl_time" or "before begndate" in rows[5][1]
    assert "enddate" in rows[5][1] and "is before begndate" in rows[5][1]
    assert rows[6][0] == "fixmedins_code" and "code format" in rows[6][1]
    assert "in the future" in rows[7][1]
    assert rows[8][0] == "hifp_pay" and "not a refund" in rows[8][1]
    assert "without init_setl_id" in rows[9][1]
    assert rows[10][0] == "setl_id" and "duplicate key S1, first at setl_d.csv row 1" in rows[10][1]
    assert rows[11][0] == "psn_no" and "is empty" in rows[11][1]
    assert rows[12][0] == "medfee_sumamt" and "decimal places" in rows[12][1]
    raw = query(landing, "SELECT raw_record FROM meta.quarantine WHERE row_number = 3")[0][0]
    assert '"hosp_lv":"5"' in raw.replace(" ", "")


def test_refund_rows_may_be_negative(tmp_path, landing):
    refund = {k: (f"-{v}" if k.endswith(("amt", "_pay", "payamt")) and v not in ("0", "0.00") else v)
              for k, v in deliveries.VALID["setl_d"].items()}
    refund.update(setl_id="S1R", init_setl_id="S1", refd_setl_flag="1")
    delivery = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d") + [refund]})
    report = load_directory(delivery, landing, tables=["setl_d"])
    assert report.by_table()["setl_d"]["quarantined"] == 0
    assert query(landing, "SELECT sum(medfee_sumamt) FROM raw.setl_d") == [(Decimal("0.00"),)]


def test_unsplittable_csv_line_is_quarantined_with_its_row(tmp_path, landing):
    delivery = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d", [{}, {"setl_id": "S2"}, {"setl_id": "S3"}])})
    path = delivery / "setl_d.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra,fields"           # data row 2 has too many fields
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_directory(delivery, landing, tables=["setl_d"])
    assert report.by_table()["setl_d"] == dict(files=1, unchanged=0, rows_in=3, landed=2, quarantined=1, replaced=0)
    [(_, row, _, reason)] = _quarantine(landing, "setl_d")
    assert row == 2 and "too many columns" in reason
    assert sorted(r[0] for r in query(landing, "SELECT setl_id FROM raw.setl_d")) == ["S1", "S3"]


def test_quarantine_rows_point_at_the_right_lines_in_a_large_file(tmp_path, landing):
    overrides = [{"setl_id": f"S{i}"} for i in range(1, 50_001)]
    for bad in (7, 20_000, 49_999):
        overrides[bad - 1]["gend"] = "x"
    delivery = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d", overrides)})
    load_directory(delivery, landing, tables=["setl_d"])
    quarantined = _quarantine(landing, "setl_d")
    assert [r[1] for r in quarantined] == [7, 20_000, 49_999]
    raw = query(landing, "SELECT raw_record FROM meta.quarantine ORDER BY row_number")
    assert all(f'"S{n}"' in r[0] for r, n in zip(raw, (7, 20_000, 49_999)))


def test_reload_same_file_changes_nothing(tmp_path, landing):
    delivery = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d", [{}, {"setl_id": "S2", "gend": "7"}])})
    first = load_directory(delivery, landing, tables=["setl_d"])
    snapshot = query(landing, "SELECT * EXCLUDE (_batch_id) FROM raw.setl_d ORDER BY setl_id")
    second = load_directory(delivery, landing, tables=["setl_d"])
    assert first.by_table()["setl_d"]["landed"] == 1
    assert second.by_table()["setl_d"]["unchanged"] == 1
    assert second.files[0].skipped_as == first.files[0].batch_id
    assert query(landing, "SELECT * EXCLUDE (_batch_id) FROM raw.setl_d ORDER BY setl_id") == snapshot
    assert query(landing, "SELECT count(*) FROM meta.batches") == [(1,)]
    assert query(landing, "SELECT count(*) FROM meta.quarantine") == [(1,)]


def test_corrected_redelivery_replaces_its_period_only(tmp_path, landing):
    jan = {"setl_id": "S1"}
    feb = {"setl_id": "S2", "begndate": "2024-02-03", "enddate": "2024-02-08", "setl_time": "2024-02-08 10:00:00"}
    load_directory(deliveries.write(tmp_path / "d1", {"setl_d": rows_for("setl_d", [jan, feb])}), landing, tables=["setl_d"])
    # January re-delivered: S1 corrected, one settlement added. February must stay.
    corrected = {"setl_id": "S1", "hifp_pay": "500.00", "fund_pay_sumamt": "500.00", "psn_pay": "500.00",
                 "cash_payamt": "500.00"}
    redelivery = deliveries.write(tmp_path / "d2", {"setl_d": rows_for("setl_d", [corrected, {"setl_id": "S3"}])},
                                  name="setl_d_2024-01")
    report = load_directory(redelivery, landing, tables=["setl_d"])
    assert report.files[0].rows_replaced == 1 and report.files[0].periods == ["2024-01"]
    assert query(landing, "SELECT setl_id, hifp_pay FROM raw.setl_d ORDER BY setl_id") == [
        ("S1", Decimal("500.00")), ("S2", Decimal("600.00")), ("S3", Decimal("600.00"))]


def test_key_already_landed_under_another_period_is_quarantined(tmp_path, landing):
    load_directory(deliveries.write(tmp_path / "d1", {"setl_d": rows_for("setl_d")}), landing, tables=["setl_d"])
    moved = {"begndate": "2024-02-03", "enddate": "2024-02-08", "setl_time": "2024-02-08 10:00:00"}
    report = load_directory(deliveries.write(tmp_path / "d2", {"setl_d": rows_for("setl_d", [moved])}),
                            landing, tables=["setl_d"])
    assert report.by_table()["setl_d"]["quarantined"] == 1
    [(_, _, column, reason)] = _quarantine(landing, "setl_d")
    assert column == "setl_id" and "already landed under period 2024-01" in reason


def test_snapshot_table_is_upserted_by_key(tmp_path, landing):
    load_directory(deliveries.write(tmp_path / "d1", {"fixmedins_b": rows_for("fixmedins_b")}), landing,
                   tables=["fixmedins_b"])
    second = rows_for("fixmedins_b", [{"aprv_bed_cnt": "650"}, {"fixmedins_code": "H34150300002"}])
    report = load_directory(deliveries.write(tmp_path / "d2", {"fixmedins_b": second}), landing,
                            tables=["fixmedins_b"])
    assert report.files[0].rows_replaced == 1
    assert query(landing, "SELECT fixmedins_code, aprv_bed_cnt FROM raw.fixmedins_b ORDER BY 1") == [
        ("H34150300001", 650), ("H34150300002", 500)]


def test_several_files_of_one_table_form_one_delivery(tmp_path, landing):
    directory = tmp_path / "d"
    deliveries.write(directory, {"setl_d": rows_for("setl_d", [{"setl_id": "S1"}])}, name="setl_d_part1")
    deliveries.write(directory, {"setl_d": rows_for("setl_d", [{"setl_id": "S2"}, {"setl_id": "S1"}])},
                     name="setl_d_part2")
    report = load_directory(directory, landing, tables=["setl_d"])
    assert [(f.path.name, f.rows_landed, f.rows_quarantined) for f in report.files] == [
        ("setl_d_part1.csv", 1, 0), ("setl_d_part2.csv", 1, 1)]
    [(path, row, _, reason)] = _quarantine(landing, "setl_d")
    assert path.endswith("setl_d_part2.csv") and row == 2 and "first at setl_d_part1.csv row 1" in reason


def test_extra_columns_are_reported_not_silently_dropped(tmp_path, landing):
    directory = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d")})
    path = directory / "setl_d.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",local_note", lines[1] + ",hello"]) + "\n", encoding="utf-8")
    report = load_directory(directory, landing, tables=["setl_d"])
    assert report.files[0].ignored_columns == ["local_note"]
    assert query(landing, "SELECT ignored_columns FROM meta.batches") == [("local_note",)]


def _previous_state(landing):
    return query(landing, "SELECT setl_id FROM raw.setl_d ORDER BY 1")


@pytest.mark.parametrize("damage,message", [
    ("drop_column", "missing required column(s) medfee_sumamt (医疗费用总额)"),
    ("missing_table", "has no file for fee_list_d (费用明细)"),
    ("empty_file", "the file is empty"),
    ("broken_parquet", "cannot read the file as PARQUET"),
    ("duplicate_header", "both mean setl_id"),
    ("bad_bytes", "neither UTF-8 nor GB18030"),
])
def test_unusable_input_stops_and_keeps_previous_data(tmp_path, landing, damage, message):
    load_directory(deliveries.write(tmp_path / "first"), landing)
    before = _previous_state(landing)
    directory = deliveries.write(tmp_path / "second", {t: rows_for(t, [{"setl_id": "S9", "mdtrt_id": "M9",
                                                                        "bkkp_sn": "F9"}]) for t in TABLES})
    setl = directory / "setl_d.csv"
    if damage == "drop_column":
        text = setl.read_text(encoding="utf-8").replace("medfee_sumamt,", "", 1)
        setl.write_text(text, encoding="utf-8")
    elif damage == "missing_table":
        (directory / "fee_list_d.csv").unlink()
    elif damage == "empty_file":
        (directory / "mdtrt_d.csv").write_bytes(b"")
    elif damage == "broken_parquet":
        (directory / "mdtrt_d.csv").unlink()
        (directory / "mdtrt_d.parquet").write_bytes(b"PAR1 this is not parquet")
    elif damage == "duplicate_header":
        text = setl.read_text(encoding="utf-8").replace("mdtrt_id,", "setl_id,", 1)
        setl.write_text(text, encoding="utf-8")
    elif damage == "bad_bytes":
        setl.write_bytes(setl.read_bytes() + b"\xff\xfe\xfa\x80\x81")
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_directory(directory, landing)
    assert _previous_state(landing) == before == [("S1",)]


@pytest.mark.parametrize("folder", ["d", "d[/x]"])  # brackets: console markup would choke on them
def test_cli_prints_one_paragraph_and_exits_nonzero_on_unusable_input(tmp_path, folder):
    directory = deliveries.write(tmp_path / folder, {"setl_d": rows_for("setl_d")})
    result = subprocess.run([sys.executable, "-m", "ingest", "load", str(directory),
                             "--landing", str(tmp_path / "l.duckdb")], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "400"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"error: {directory}: the delivery has no file for mdtrt_d" in result.stderr.replace("\n", " ")


def test_cli_reports_counts_per_table(tmp_path):
    directory = deliveries.write(tmp_path / "d", {"setl_d": rows_for("setl_d", [{}, {"setl_id": "S2", "gend": "7"}])})
    result = subprocess.run([sys.executable, "-m", "ingest", "load", str(directory), "--tables", "setl_d",
                             "--landing", str(tmp_path / "l.duckdb")], capture_output=True, text=True,
                            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if "setl_d" in l and "│" in l)
    assert [c.strip() for c in line.split("│")[1:-1]] == ["setl_d", "1", "0", "2", "1", "1", "0"]


def test_validity_end_dates_may_lie_in_the_future_but_events_may_not(tmp_path, landing):
    delivery = deliveries.write(tmp_path / "d", {
        "hilist_b": rows_for("hilist_b", [{"enddate": "2099-12-31"}]),
        "mdtrt_d": rows_for("mdtrt_d", [{"endtime": "2099-12-31 00:00:00"}]),
    })
    report = load_directory(delivery, landing, tables=["hilist_b", "mdtrt_d"])
    assert report.by_table()["hilist_b"]["landed"] == 1
    assert report.by_table()["mdtrt_d"]["quarantined"] == 1
    [(_, _, column, reason)] = _quarantine(landing, "mdtrt_d")
    assert column == "endtime" and "in the future" in reason
