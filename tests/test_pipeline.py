"""End to end on generated data: generate → load → dbt build, as `make run` does it."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path


from ingest.contracts import TABLES
from ingest.land import load_directory
from tests.db import query


def _data_rows(path: Path, encoding: str = "utf-8") -> int:
    with path.open(encoding=encoding, newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def test_generated_delivery_lands_completely(demo_delivery, demo_landing):
    batches = dict((t, (i, landed, q)) for t, i, landed, q in query(
        demo_landing, "SELECT table_name, rows_in, rows_landed, rows_quarantined FROM meta.batches"))
    assert set(batches) == set(TABLES)
    for table, (rows_in, landed, quarantined) in batches.items():
        assert rows_in == _data_rows(demo_delivery / f"{table}.csv"), table
        assert (landed, quarantined) == (rows_in, 0), table


def test_reload_of_the_same_delivery_changes_nothing(demo_delivery, demo_landing):
    before = query(demo_landing, "SELECT count(*), sum(medfee_sumamt) FROM raw.setl_d")
    report = load_directory(demo_delivery, demo_landing)
    assert all(t["unchanged"] == t["files"] and t["landed"] == 0 for t in report.by_table().values())
    assert query(demo_landing, "SELECT count(*), sum(medfee_sumamt) FROM raw.setl_d") == before
    assert query(demo_landing, "SELECT count(*) FROM meta.batches") == [(len(TABLES),)]


def _table_digest(landing: Path, table: str) -> list:
    cols = ", ".join(TABLES[table].column_names)
    return query(landing, f"SELECT count(*), sum(hash({cols})) FROM (SELECT {cols} FROM raw.{table})")


def test_gb18030_delivery_with_chinese_headers_lands_the_same_rows(tmp_path):
    from ingest.generate import generate

    english, chinese = tmp_path / "en", tmp_path / "zh"
    generate(english, persons=600, years=1, start_year=2024, seed=11, fmt="csv")
    generate(chinese, persons=600, years=1, start_year=2024, seed=11, fmt="csv", encoding="gb18030")
    for table in TABLES.values():                      # the national templates' Chinese labels
        path = chinese / f"{table.name}.csv"
        lines = path.read_bytes().split(b"\n", 1)
        header = ",".join(c.label_zh for c in table.columns).encode("gb18030")
        path.write_bytes(header + b"\n" + lines[1])
    assert "医疗费用总额".encode("gb18030") in (chinese / "setl_d.csv").read_bytes()
    load_directory(english, tmp_path / "en.duckdb")
    report = load_directory(chinese, tmp_path / "zh.duckdb")
    assert all(t["quarantined"] == 0 for t in report.by_table().values())
    assert query(tmp_path / "zh.duckdb", "SELECT DISTINCT encoding FROM meta.batches") == [("gb18030",)]
    for table in TABLES:
        assert _table_digest(tmp_path / "zh.duckdb", table) == _table_digest(tmp_path / "en.duckdb", table), table


def test_injected_bad_rows_are_quarantined_and_the_rest_lands(demo_delivery, tmp_path):
    delivery = tmp_path / "d"
    shutil.copytree(demo_delivery, delivery, ignore=shutil.ignore_patterns("truth"))
    path = delivery / "setl_d.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    damage = {
        10: ("medfee_sumamt", lambda r: str(Decimal(r["medfee_sumamt"]) + Decimal("0.01"))),
        200: ("fixmedins_code", lambda r: r["fixmedins_code"].lower()),
        3000: ("insutype", lambda r: "999"),
        len(rows): ("setl_time", lambda r: "not a time"),
    }
    for row, (column, breaker) in damage.items():
        rows[row - 1][column] = breaker(rows[row - 1])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    landing = tmp_path / "landing.duckdb"
    report = load_directory(delivery, landing)
    totals = report.by_table()["setl_d"]
    assert totals["rows_in"] == len(rows) == totals["landed"] + totals["quarantined"]
    assert totals["quarantined"] == len(damage)
    quarantined = query(landing, "SELECT row_number, column_name FROM meta.quarantine ORDER BY 1")
    assert quarantined == [(row, column) for row, (column, _) in sorted(damage.items())]


def test_warehouse_reconciles_with_the_landed_settlements(demo_landing, demo_warehouse):
    raw = query(demo_landing, """
        WITH latest AS (SELECT * FROM raw.setl_d WHERE vali_flag = '1')
        SELECT sum(CASE WHEN refd_setl_flag = '1' AND init_setl_id IS NOT NULL THEN -1 ELSE 1 END),
               sum(medfee_sumamt), sum(fund_pay_sumamt) FROM latest""")
    built = query(demo_warehouse, "SELECT sum(net_setl_cnt), sum(medfee_sumamt), sum(fund_pay_sumamt) "
                                   "FROM intermediate.int_visits")
    assert built == raw
    assert raw[0][1] > Decimal("1000000")       # a real amount, not an empty build
