"""The k× landing of scripts/bench_scale.py: k disjoint copies of a county that still build.

Rows of copied tables multiply by k, the catalogue is shared, the fund ledger and insured counts
stay one set with amounts × k (exact), every key stays unique, copy 0 is the original, and the
staging layer with its dbt tests builds on the result."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import TABLES
from tests.conftest import ROOT, run_dbt

sys.path.insert(0, str(ROOT / "scripts"))
import bench_scale  # noqa: E402

pytestmark = pytest.mark.slow
COPIES = 2


@pytest.fixture(scope="module")
def doubled(demo_landing, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("scale") / "landing.duckdb"
    bench_scale.replicate(demo_landing, target, COPIES)
    return target


def _one(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_rows_multiply_and_shared_tables_do_not(demo_landing, doubled):
    con = duckdb.connect(str(doubled), read_only=True)
    con.execute(f"ATTACH '{demo_landing}' AS original (READ_ONLY)")
    for name in TABLES:
        before = _one(con, f"SELECT count(*) FROM original.raw.{name}")
        after = _one(con, f"SELECT count(*) FROM raw.{name}")
        copied = name not in bench_scale.REFERENCE_TABLES and name not in bench_scale.SCALED_TABLES
        assert after == before * (COPIES if copied else 1), name
    for name, amount in bench_scale.SCALED_TABLES.items():
        assert _one(con, f"SELECT sum({amount}) FROM raw.{name}") == \
            COPIES * _one(con, f"SELECT sum({amount}) FROM original.raw.{name}"), name
    for money in ("medfee_sumamt", "fund_pay_sumamt"):
        assert _one(con, f"SELECT sum({money}) FROM raw.setl_d") == \
            COPIES * _one(con, f"SELECT sum({money}) FROM original.raw.setl_d")
    # copy 0 is the original, row for row
    assert _one(con, """SELECT count(*) FROM (SELECT * FROM original.raw.setl_d
                        EXCEPT ALL SELECT * FROM raw.setl_d)""") == 0


def test_keys_stay_unique_and_links_stay_within_a_copy(doubled):
    con = duckdb.connect(str(doubled), read_only=True)
    for name, table in TABLES.items():
        if name in bench_scale.SCALED_TABLES:
            continue
        key = ", ".join(table.key)
        rows = _one(con, f"SELECT count(*) FROM (SELECT DISTINCT {key}, _batch_id FROM raw.{name})")
        assert rows == _one(con, f"SELECT count(*) FROM raw.{name}"), name
    # every settlement's visit and institution exist, in the same copy
    assert _one(con, """SELECT count(*) FROM raw.setl_d AS s
                        LEFT JOIN raw.mdtrt_d AS m USING (mdtrt_id)
                        WHERE m.mdtrt_id IS NULL OR m.psn_no <> s.psn_no
                           OR m.fixmedins_code <> s.fixmedins_code""") == 0
    assert _one(con, """SELECT count(*) FROM raw.fee_list_d AS f
                        LEFT JOIN raw.setl_d AS s USING (setl_id) WHERE s.setl_id IS NULL
                          AND f.setl_id IS NOT NULL""") == 0
    pattern = TABLES["fixmedins_b"].column("fixmedins_code").pattern
    assert _one(con, f"""SELECT count(*) FROM raw.fixmedins_b
                         WHERE NOT regexp_full_match(fixmedins_code, '{pattern}')""") == 0


def test_the_staging_layer_builds_on_the_copies(demo_landing, doubled, tmp_path):
    seeds_and_staging = ["build", "--select", "resource_type:seed", "staging", "--indirect-selection", "cautious"]
    result = run_dbt(seeds_and_staging, doubled, tmp_path / "w.duckdb", tmp_path / "target")
    assert result.returncode == 0, result.stdout[-5000:]
    built = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    original = duckdb.connect(str(demo_landing), read_only=True)
    for model, raw in (("stg_fixmedins_b", "fixmedins_b"), ("stg_setl_d", "setl_d")):
        assert _one(built, f"SELECT count(*) FROM staging.{model}") == \
            COPIES * _one(original, f"SELECT count(*) FROM raw.{raw}"), model


def test_scales_outside_the_range_are_refused(doubled, tmp_path):
    with pytest.raises(ValueError, match="copies must be"):
        bench_scale.replicate(doubled, tmp_path / "x.duckdb", 0)
