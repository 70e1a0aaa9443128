"""Tests of the synthetic data generator (ingest.generate): contract shape, exact amount
identities, refunds, determinism, formats, calibration bands and the violation ground truth."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ingest.contracts import TABLES
from ingest.generate import generate
from ingest.generate import writer as writer_mod
from ingest.generate.util import DAY_S
from ingest.generate.violations import during_stay_days, resolve_conflicts
from ingest.generate.visits import DIAG3_ID, K_IPT, MILD_DIAGS, V_GHOST_BED, V_SPLIT, Visits

MONEY = "DECIMAL(18,2)"


# ----------------------------------------------------------------------------- fixtures ------
@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """A moderate county slice: 3,000 persons × 2 years, CSV UTF-8."""
    out = tmp_path_factory.mktemp("gen") / "csv"
    generate(out, persons=3000, years=2, start_year=2023, seed=7)
    return out


@pytest.fixture(scope="session")
def con(data_dir) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for name in TABLES:
        c.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{data_dir / (name + '.csv')}', "
                  f"all_varchar=true, header=true)")
    c.execute(f"CREATE VIEW truth AS SELECT * FROM read_csv('{data_dir / 'truth/violations.csv'}', all_varchar=true)")
    c.execute(f"CREATE VIEW roles AS SELECT * FROM read_csv('{data_dir / 'truth/institutions.csv'}', all_varchar=true)")
    # Typed settlements with a level group and the net sign.
    c.execute("""
        CREATE TABLE s AS
        SELECT setl_d.*, CAST(medfee_sumamt AS DOUBLE) AS fee, CAST(fund_pay_sumamt AS DOUBLE) AS fund,
               CAST(inscp_amt AS DOUBLE) AS inscp, CASE WHEN refd_setl_flag = '1' THEN -1 ELSE 1 END AS sgn,
               date_diff('day', CAST(begndate AS DATE), CAST(enddate AS DATE)) AS los,
               CASE WHEN setl_d.hosp_lv IN ('01','02','03','04','12') THEN '3'
                    WHEN setl_d.hosp_lv IN ('05','06','07','13') THEN '2' ELSE '1' END AS lvl
        FROM setl_d""")
    return c


def q1(con, sql: str):
    return con.execute(sql).fetchone()[0]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- determinism ---
def test_same_seed_writes_identical_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, persons=1000, years=1, seed=3)
    generate(b, persons=1000, years=1, seed=3)
    assert _digest(a) == _digest(b)
    assert len(_digest(a)) == len(TABLES) + 2


def test_different_seed_changes_the_data(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, persons=1000, years=1, seed=3)
    generate(b, persons=1000, years=1, seed=4)
    da, db = _digest(a), _digest(b)
    assert da["setl_d.csv"] != db["setl_d.csv"]
    assert da["psn_info_b.csv"] != db["psn_info_b.csv"]


def test_parquet_output_is_deterministic_and_keeps_codes_as_strings(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, persons=800, years=1, seed=1, fmt="parquet")
    generate(b, persons=800, years=1, seed=1, fmt="parquet")
    assert _digest(a) == _digest(b)
    t = pq.read_table(a / "fee_list_d.parquet")
    assert list(t.column_names) == list(TABLES["fee_list_d"].column_names)
    assert str(t.schema.field("hilist_code").type) == "string"
    assert str(t.schema.field("det_item_fee_sumamt").type) == "decimal128(18, 2)"
    codes = t.column("med_chrgitm_type").to_pylist()
    assert "01" in codes and all(len(c) == 2 for c in codes)


# ----------------------------------------------------------------------------- shape ---------
def test_every_contract_table_written_with_exactly_the_contract_columns(data_dir):
    for name, table in TABLES.items():
        path = data_dir / f"{name}.csv"
        assert path.exists(), name
        header = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
        assert header == list(table.column_names), name
        assert sum(1 for _ in path.open(encoding="utf-8")) > 1, f"{name} is empty"


def test_values_match_contract_patterns_and_allowed_codes(data_dir):
    for name, table in TABLES.items():
        df = pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False, nrows=50_000)
        for col in table.columns:
            values = df[col.name]
            if col.not_null:
                assert (values != "").all(), f"{name}.{col.name} has empty values"
            present = values[values != ""]
            if col.pattern:
                bad = present[~present.str.match(col.pattern)]
                assert bad.empty, f"{name}.{col.name}: {bad.iloc[:3].tolist()}"
            if col.allowed:
                bad = present[~present.isin(col.allowed)]
                assert bad.empty, f"{name}.{col.name}: {bad.iloc[:3].tolist()}"


def test_codes_keep_leading_zeros(data_dir):
    fee = pd.read_csv(data_dir / "fee_list_d.csv", dtype=str, keep_default_na=False, nrows=200_000)
    assert fee["hilist_code"].str.startswith("00").any()
    assert set(fee["med_chrgitm_type"]) >= {f"{i:02d}" for i in range(1, 15)}
    inst = pd.read_csv(data_dir / "fixmedins_b.csv", dtype=str, keep_default_na=False)
    assert set(inst["hosp_lv"]) >= {"02", "05", "11"}
    psn = pd.read_csv(data_dir / "psn_insu_d.csv", dtype=str, keep_default_na=False)
    assert set(psn["insutype_retr_flag"]) == {"0", "1"}


def test_ids_are_unique(con):
    for table, key in (("setl_d", "setl_id"), ("mdtrt_d", "mdtrt_id"), ("fee_list_d", "bkkp_sn"),
                       ("psn_info_b", "psn_no"), ("psn_insu_d", "psn_insu_rlts_id"),
                       ("setl_list_diag_d", "setl_list_diag_id"), ("setl_list_oprn_d", "setl_list_oprn_id")):
        assert q1(con, f"SELECT count(*) - count(DISTINCT {key}) FROM {table}") == 0, table


def test_certno_checksum_sex_and_birthdate_are_consistent(data_dir):
    df = pd.read_csv(data_dir / "psn_info_b.csv", dtype=str, keep_default_na=False)
    w = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    digits = np.array([[int(ch) for ch in c[:17]] for c in df["certno"]])
    check = np.array(list("10X98765432"))[(digits @ w) % 11]
    assert (check == df["certno"].str[17].to_numpy()).all()
    assert (df["certno"].str[6:14] == df["brdy"].str.replace("-", "")).all()
    odd = df["certno"].str[16].astype(int) % 2 == 1
    assert ((df["gend"] == "1") == odd).all()


# ----------------------------------------------------------------------------- identities ----
def test_settlement_amount_identities_hold_on_every_row(con):
    for ident in TABLES["setl_d"].identities:
        parts = " + ".join(f"CAST({p} AS {MONEY})" for p in ident.parts)
        bad = q1(con, f"SELECT count(*) FROM setl_d WHERE CAST({ident.total} AS {MONEY}) <> {parts}")
        assert bad == 0, ident.describe()


def test_fee_line_identities_hold_on_every_row(con):
    parts = " + ".join(f"CAST({p} AS {MONEY})" for p in
                       ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_amt"))
    assert q1(con, f"SELECT count(*) FROM fee_list_d WHERE CAST(det_item_fee_sumamt AS {MONEY}) <> {parts}") == 0
    assert q1(con, f"""SELECT count(*) FROM fee_list_d WHERE CAST(det_item_fee_sumamt AS {MONEY})
                      <> round(CAST(cnt AS DECIMAL(18,4)) * CAST(pric AS DECIMAL(18,4)), 2)""") == 0


def test_settlement_equals_the_sum_of_its_fee_lines(con):
    bad = q1(con, f"""
        WITH f AS (SELECT setl_id, sum(CAST(det_item_fee_sumamt AS {MONEY})) tot,
                          sum(CAST(fulamt_ownpay_amt AS {MONEY})) ful, sum(CAST(overlmt_selfpay AS {MONEY})) ov,
                          sum(CAST(preselfpay_amt AS {MONEY})) pre, sum(CAST(inscp_amt AS {MONEY})) ins
                   FROM fee_list_d GROUP BY 1)
        SELECT count(*) FROM setl_d s LEFT JOIN f USING (setl_id)
        WHERE f.tot IS NULL OR CAST(s.medfee_sumamt AS {MONEY}) <> f.tot
           OR CAST(s.fulamt_ownpay_amt AS {MONEY}) <> f.ful OR CAST(s.overlmt_selfpay AS {MONEY}) <> f.ov
           OR CAST(s.preselfpay_amt AS {MONEY}) <> f.pre OR CAST(s.inscp_amt AS {MONEY}) <> f.ins""")
    assert bad == 0


def test_price_caps_and_split_by_class_are_used(con):
    assert q1(con, "SELECT count(*) FROM fee_list_d WHERE CAST(overlmt_selfpay AS DOUBLE) > 0") > 0
    assert q1(con, "SELECT count(*) FROM fee_list_d WHERE chrgitm_lv = '02' AND CAST(preselfpay_amt AS DOUBLE) > 0") > 0
    assert q1(con, """SELECT count(*) FROM fee_list_d WHERE chrgitm_lv = '03'
                      AND CAST(fulamt_ownpay_amt AS DOUBLE) <> CAST(det_item_fee_sumamt AS DOUBLE)
                          - CAST(overlmt_selfpay AS DOUBLE)""") == 0


# ----------------------------------------------------------------------------- refunds -------
def test_negative_amounts_only_on_refund_rows(con):
    cols = [c.name for c in TABLES["setl_d"].columns if c.type == "money"]
    neg = " OR ".join(f"CAST({c} AS DOUBLE) < 0" for c in cols)
    assert q1(con, f"SELECT count(*) FROM setl_d WHERE refd_setl_flag = '0' AND ({neg})") == 0
    assert q1(con, "SELECT count(*) FROM fee_list_d WHERE coalesce(init_feedetl_sn,'') = '' AND CAST(cnt AS DOUBLE) < 0") == 0
    share = q1(con, "SELECT avg(CASE WHEN refd_setl_flag = '1' THEN 1.0 ELSE 0 END) FROM setl_d")
    assert 0.008 < share < 0.025


def test_refunds_link_to_and_negate_their_original_settlement(con):
    bad = q1(con, f"""
        SELECT count(*) FROM setl_d r LEFT JOIN setl_d o ON o.setl_id = r.init_setl_id
        WHERE r.refd_setl_flag = '1' AND (o.setl_id IS NULL OR o.mdtrt_id <> r.mdtrt_id
              OR CAST(r.medfee_sumamt AS {MONEY}) <> -CAST(o.medfee_sumamt AS {MONEY})
              OR CAST(r.fund_pay_sumamt AS {MONEY}) <> -CAST(o.fund_pay_sumamt AS {MONEY})
              OR CAST(r.setl_time AS TIMESTAMP) < CAST(o.setl_time AS TIMESTAMP))""")
    assert bad == 0
    bad_lines = q1(con, """
        SELECT count(*) FROM fee_list_d r LEFT JOIN fee_list_d o ON o.bkkp_sn = r.init_feedetl_sn
        LEFT JOIN setl_d s ON s.setl_id = r.setl_id
        WHERE coalesce(r.init_feedetl_sn, '') <> '' AND (o.bkkp_sn IS NULL OR r.pric <> o.pric
              OR CAST(r.cnt AS DOUBLE) <> -CAST(o.cnt AS DOUBLE) OR s.refd_setl_flag <> '1')""")
    assert bad_lines == 0


def test_most_refunds_are_followed_by_a_corrected_resettlement(con):
    resettled = q1(con, """
        SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM setl_d x WHERE x.mdtrt_id = r.mdtrt_id
                   AND x.refd_setl_flag = '0' AND x.setl_id <> r.init_setl_id) THEN 1.0 ELSE 0 END)
        FROM setl_d r WHERE r.refd_setl_flag = '1'""")
    assert 0.5 < resettled < 0.9


# ----------------------------------------------------------------------------- formats -------
def test_gb18030_output_decodes_to_the_same_text_as_utf8(tmp_path):
    a, b = tmp_path / "u", tmp_path / "g"
    generate(a, persons=600, years=1, seed=5)
    generate(b, persons=600, years=1, seed=5, encoding="gb18030")
    for name in ("psn_info_b", "fixmedins_b", "hilist_b"):
        raw = (b / f"{name}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.decode("gb18030") == (a / f"{name}.csv").read_text(encoding="utf-8")
    assert "卫生院" in (b / "fixmedins_b.csv").read_bytes().decode("gb18030")


def test_xlsx_output_is_readable_with_codes_as_text(tmp_path):
    import openpyxl
    generate(tmp_path, persons=500, years=1, seed=2, fmt="xlsx")
    wb = openpyxl.load_workbook(tmp_path / "hilist_b.xlsx", read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(TABLES["hilist_b"].column_names)
    codes = [r[0] for r in rows[1:]]
    assert all(isinstance(c, str) for c in codes) and any(c.startswith("00") for c in codes)
    wb = openpyxl.load_workbook(tmp_path / "setl_d.xlsx", read_only=True)
    first = next(wb.active.iter_rows(min_row=2, max_row=2, values_only=True))
    header = TABLES["setl_d"].column_names
    assert isinstance(first[header.index("medfee_sumamt")], (int, float))
    assert isinstance(first[header.index("insutype")], str)


def test_xlsx_refuses_tables_beyond_the_excel_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_mod, "XLSX_MAX_ROWS", 1000)
    with pytest.raises(ValueError, match="fee_list_d|setl_d|mdtrt_d"):
        generate(tmp_path, persons=500, years=1, fmt="xlsx")


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, fmt="json")
    with pytest.raises(ValueError):
        generate(tmp_path, encoding="latin-1")
    with pytest.raises(ValueError):
        generate(tmp_path, fmt="parquet", encoding="gb18030")


def test_progress_is_reported_per_step(tmp_path):
    seen = []
    generate(tmp_path, persons=600, years=1, progress=lambda s, d, t: seen.append((s, d, t)))
    steps = {s for s, _, _ in seen}
    assert {"reference tables", "visits, settlements and fee lines", "finance tables"} <= steps
    assert all(0 < d <= t for _, d, t in seen)


# ----------------------------------------------------------------------------- calibration ---
def test_insured_mix_and_dependency_ratio(con):
    emp_share = q1(con, """SELECT sum(CASE WHEN insutype='310' THEN CAST(psn_cnt AS INT) END)
                           / sum(CAST(psn_cnt AS INT)) FROM insured_population WHERE stat_year='2023'""")
    assert 0.09 <= emp_share <= 0.16
    ratio = q1(con, """SELECT sum(CASE WHEN psn_type LIKE '11%' THEN CAST(psn_cnt AS INT) END)
                       / sum(CASE WHEN psn_type LIKE '12%' THEN CAST(psn_cnt AS INT) END)
                       FROM insured_population WHERE stat_year='2023'""")
    assert 1.8 <= ratio <= 2.9


def test_inpatient_rate_and_length_of_stay_by_level(con):
    rate = q1(con, """SELECT sum(sgn) FILTER (WHERE med_type IN ('21','52'))
                      / (SELECT sum(CAST(psn_cnt AS INT)) FROM insured_population) FROM s""")
    assert 0.14 <= rate <= 0.23
    los = dict(con.execute("SELECT lvl, sum(los*sgn)/sum(sgn) FROM s WHERE med_type='21' GROUP BY 1").fetchall())
    assert 4.5 <= los["1"] <= 7.0
    assert 6.0 <= los["2"] <= 8.5
    assert 8.5 <= los["3"] <= 11.0
    same_day = q1(con, "SELECT avg(CASE WHEN los = 0 THEN 1.0 ELSE 0 END) FROM s WHERE med_type='21'")
    assert 0.005 < same_day < 0.05


def test_cost_per_stay_by_level_and_blended(con):
    cost = dict(con.execute("SELECT lvl, sum(fee)/sum(sgn) FROM s WHERE med_type='21' GROUP BY 1").fetchall())
    assert 1800 <= cost["1"] <= 3300
    assert 4800 <= cost["2"] <= 7800
    assert 11000 <= cost["3"] <= 19500
    blended = q1(con, "SELECT sum(fee)/sum(sgn) FROM s WHERE med_type IN ('21','52')")
    assert 6500 <= blended <= 10000


def test_outpatient_and_pharmacy_cost_per_visit(con):
    otp = q1(con, "SELECT sum(fee)/sum(sgn) FROM s WHERE med_type='11'")
    pharm = q1(con, """SELECT sum(fee)/sum(sgn) FROM s WHERE med_type='41'
                       AND mdtrt_id NOT IN (SELECT mdtrt_id FROM truth)""")
    assert 140 <= otp <= 260
    assert 80 <= pharm <= 130


def test_fund_pay_ratios_by_scheme(con):
    emp = q1(con, "SELECT sum(fund)/sum(inscp) FROM s WHERE med_type IN ('21','52') AND insutype='310'")
    res = q1(con, "SELECT sum(fund)/sum(inscp) FROM s WHERE med_type IN ('21','52') AND insutype='390'")
    actual = q1(con, "SELECT sum(fund)/sum(fee) FROM s WHERE med_type IN ('21','52')")
    assert 0.80 <= emp <= 0.88
    assert 0.63 <= res <= 0.73
    assert 0.55 <= actual <= 0.75
    # 职工 pharmacy purchases are paid mostly from the personal account.
    acct = q1(con, """SELECT sum(CAST(acct_pay AS DOUBLE))/sum(CAST(psn_pay AS DOUBLE)) FROM s
                      WHERE med_type='41' AND insutype='310'""")
    assert acct > 0.8


def test_retirees_cost_about_three_times_in_service(con):
    ratio = q1(con, """
        WITH per AS (SELECT psn_type, sum(fee) fee FROM s WHERE insutype='310' GROUP BY 1),
             pop AS (SELECT psn_type, sum(CAST(psn_cnt AS INT)) n FROM insured_population GROUP BY 1)
        SELECT (sum(fee) FILTER (WHERE per.psn_type LIKE '12%') / sum(n) FILTER (WHERE per.psn_type LIKE '12%'))
             / (sum(fee) FILTER (WHERE per.psn_type LIKE '11%') / sum(n) FILTER (WHERE per.psn_type LIKE '11%'))
        FROM per JOIN pop USING (psn_type)""")
    assert 2.0 <= ratio <= 4.5


def test_inpatient_drug_and_consumable_shares(con):
    drug, cons = con.execute("""
        SELECT sum(a) FILTER (WHERE med_chrgitm_type IN ('09','10','11'))/sum(a),
               sum(a) FILTER (WHERE med_chrgitm_type = '08')/sum(a)
        FROM (SELECT med_chrgitm_type, CAST(det_item_fee_sumamt AS DOUBLE) a FROM fee_list_d WHERE med_type='21')""").fetchone()
    assert 0.24 <= drug <= 0.36
    assert 0.14 <= cons <= 0.26


def test_out_of_area_share_of_inpatient_cost(con):
    share = q1(con, """SELECT sum(fee) FILTER (WHERE pay_loc IN ('1','3','4'))/sum(fee)
                       FROM s WHERE med_type IN ('21','52')""")
    assert 0.20 <= share <= 0.55


def test_expenditure_grows_faster_than_income(con):
    exp = dict(con.execute("SELECT year(CAST(setl_time AS TIMESTAMP)), sum(fund) FROM s GROUP BY 1").fetchall())
    inc = dict(con.execute("""SELECT year(CAST(income_month AS DATE)), sum(CAST(income_amt AS DOUBLE))
                              FROM fund_income GROUP BY 1""").fetchall())
    g_exp = exp[2024] / exp[2023] - 1
    g_inc = inc[2024] / inc[2023] - 1
    assert 0.05 <= g_exp <= 0.16
    assert 0.0 <= g_inc <= 0.08
    assert g_exp > g_inc


def test_income_rows_are_first_of_month_and_use_known_fund_codes(con):
    assert q1(con, "SELECT count(*) FROM fund_income WHERE day(CAST(income_month AS DATE)) <> 1") == 0
    funds = {r[0] for r in con.execute("SELECT DISTINCT fund_pay_type FROM fund_income").fetchall()}
    assert funds == {"310100", "310200", "330100", "390100", "390200", "610100"}


def test_budgets_cover_local_institutions_and_some_overrun(con):
    over = q1(con, """
        WITH a AS (SELECT fixmedins_code, insutype, year(CAST(setl_time AS TIMESTAMP)) y,
                          sum(CAST(hifp_pay AS DOUBLE)) pay FROM s GROUP BY ALL)
        SELECT avg(CASE WHEN a.pay > CAST(b.budget_amt AS DOUBLE) THEN 1.0 ELSE 0 END)
        FROM fixmedins_budget b JOIN a ON a.fixmedins_code = b.fixmedins_code
         AND a.insutype = b.insutype AND a.y = CAST(b.budget_year AS INT)""")
    assert 0.05 < over < 0.9


def test_insured_population_matches_insurance_relations(con):
    pop = q1(con, "SELECT sum(CAST(psn_cnt AS INT)) FROM insured_population WHERE stat_year='2024'")
    rel = q1(con, """SELECT count(DISTINCT i.psn_no) FROM psn_insu_d i JOIN psn_info_b p USING (psn_no)
                     WHERE CAST(crt_insu_date AS DATE) <= DATE '2024-12-31'
                       AND (coalesce(paus_insu_date,'') = '' OR CAST(paus_insu_date AS DATE) > DATE '2024-12-31')
                       AND (coalesce(p.die_date,'') = '' OR CAST(p.die_date AS DATE) > DATE '2024-12-31')""")
    assert abs(pop - rel) <= 0.01 * rel


# ----------------------------------------------------------------------------- violations ----
def test_every_truth_violation_points_at_existing_rows(con):
    assert q1(con, "SELECT count(*) FROM truth") > 100
    missing = q1(con, """
        SELECT count(*) FROM truth t
        LEFT JOIN setl_d s ON s.setl_id = t.setl_id
        LEFT JOIN mdtrt_d m ON m.mdtrt_id = t.mdtrt_id
        LEFT JOIN fee_list_d f ON f.bkkp_sn = t.bkkp_sn
        WHERE s.setl_id IS NULL OR m.mdtrt_id IS NULL OR s.mdtrt_id <> t.mdtrt_id
           OR m.psn_no <> t.psn_no OR m.fixmedins_code <> t.fixmedins_code
           OR (coalesce(t.bkkp_sn, '') <> '' AND (f.bkkp_sn IS NULL OR f.setl_id <> t.setl_id))""")
    assert missing == 0
    kinds = {r[0] for r in con.execute("SELECT DISTINCT violation_type FROM truth").fetchall()}
    assert {"split_admission", "ghost_bed", "drug_sex", "drug_institution_level", "item_frequency",
            "item_repeat_charge", "claim_after_death", "pharmacy_hoarding", "volume_inflation",
            "same_day_multi_institution", "outpatient_during_stay", "upcoding"} <= kinds


def test_two_lib_rule_ids_exist_in_the_national_batches(con):
    ids = [r[0] for r in con.execute("SELECT DISTINCT rule_id FROM truth").fetchall()]
    for rid in ids:
        assert re.match(r"^(batch\d(-\d)?-[a-z_]+-\d{5}|behav-[a-z_]+)$", rid), rid


def test_injection_rates_are_in_the_target_bands(con):
    stays = q1(con, "SELECT count(*) FROM setl_d WHERE med_type='21' AND refd_setl_flag='0'")
    split = q1(con, "SELECT count(*) FROM truth WHERE violation_type='split_admission'") / stays
    ghost = q1(con, "SELECT count(*) FROM truth WHERE violation_type='ghost_bed'") / stays
    assert 0.007 <= split <= 0.035
    assert 0.003 <= ghost <= 0.015
    line_share = q1(con, """SELECT count(t.bkkp_sn) / count(*) FROM fee_list_d f
                            LEFT JOIN truth t USING (bkkp_sn) WHERE f.med_type = '21'""")
    assert 0.015 <= line_share <= 0.06


def test_legit_unusual_institution_is_unusual_but_not_in_violations(con):
    code = q1(con, "SELECT fixmedins_code FROM roles WHERE role = 'legit_unusual'")
    assert q1(con, f"SELECT count(*) FROM truth WHERE fixmedins_code = '{code}'") == 0
    own = q1(con, f"SELECT sum(fee)/sum(sgn) FROM s WHERE med_type='21' AND fixmedins_code='{code}'")
    peers = q1(con, f"SELECT sum(fee)/sum(sgn) FROM s WHERE med_type='21' AND lvl='3' AND fixmedins_code<>'{code}'")
    assert own > 1.2 * peers


def test_clean_claims_give_no_wrong_sex_drug_or_item(con, data_dir):
    import csv
    rules = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "nhsa"
    sex_codes = {"ZD03AAA0043010100166": "2", "ZD03AAK0241010105421": "2", "ZD02AAF0201010105046": "2",
                 "XG04CXP102A001020101575": "1", "XL02BBA326A001010102180": "1",
                 "002101030300000": "2", "003112010040000": "2", "002501040140000": "2",
                 "003111000150000": "1", "002501040130000": "1", "003314000020000": "2",
                 "003314000120000": "2", "003313030140000": "2", "003312010060000": "1"}
    for f, col in (("rules_item_sex.csv", "item_code"), ("rules_drug_sex.csv", "drug_code")):
        with open(rules / f, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                sex_codes[row[col]] = row["gend_code"]
    assert len(sex_codes) > 6_000
    con.execute("CREATE OR REPLACE TEMP TABLE sexrule (code VARCHAR, gend VARCHAR)")
    con.executemany("INSERT INTO sexrule VALUES (?, ?)", list(sex_codes.items()))
    unrecorded = q1(con, """
        SELECT count(*) FROM fee_list_d f JOIN sexrule r ON r.code = f.hilist_code
        JOIN psn_info_b p USING (psn_no)
        WHERE p.gend <> r.gend AND coalesce(f.init_feedetl_sn,'') = ''
          AND f.bkkp_sn NOT IN (SELECT bkkp_sn FROM truth WHERE bkkp_sn IS NOT NULL)""")
    assert unrecorded == 0
    hits = q1(con, "SELECT count(*) FROM truth WHERE violation_type IN ('drug_sex','item_sex')")
    assert hits > 0


def test_clean_readmissions_within_15_days_only_where_recorded(con):
    unrecorded = q1(con, """
        WITH st AS (SELECT mdtrt_id, psn_no, fixmedins_code, CAST(begntime AS TIMESTAMP) b,
                           CAST(endtime AS TIMESTAMP) e, substr(dscg_maindiag_code, 1, 3) d3
                    FROM mdtrt_d WHERE med_type = '21'),
             pairs AS (SELECT s2.mdtrt_id FROM st s1 JOIN st s2 ON s1.psn_no = s2.psn_no
                       AND s1.fixmedins_code = s2.fixmedins_code AND s1.d3 = s2.d3 AND s2.b > s1.e
                       AND date_diff('day', CAST(s1.e AS DATE), CAST(s2.b AS DATE)) <= 15)
        SELECT count(*) FROM pairs WHERE mdtrt_id NOT IN
            (SELECT mdtrt_id FROM truth WHERE violation_type = 'split_admission')""")
    assert unrecorded == 0


def test_clean_stays_do_not_overlap_and_have_no_claims_during_them(con):
    overlaps = q1(con, """
        WITH st AS (SELECT mdtrt_id, psn_no, CAST(begntime AS TIMESTAMP) b, CAST(endtime AS TIMESTAMP) e
                    FROM mdtrt_d WHERE med_type IN ('21','28','52'))
        SELECT count(*) FROM st a JOIN st b ON a.psn_no = b.psn_no AND a.mdtrt_id < b.mdtrt_id
        AND a.b <= b.e AND b.b <= a.e""")
    assert overlaps == 0
    during = q1(con, """
        WITH st AS (SELECT psn_no, CAST(begntime AS DATE) b, CAST(endtime AS DATE) e FROM mdtrt_d
                    WHERE med_type IN ('21','28','52')),
             o AS (SELECT mdtrt_id, psn_no, CAST(begntime AS DATE) d FROM mdtrt_d
                   WHERE med_type NOT IN ('21','28','52'))
        SELECT count(*) FROM o JOIN st ON o.psn_no = st.psn_no AND o.d BETWEEN st.b AND st.e
        WHERE o.mdtrt_id NOT IN (SELECT mdtrt_id FROM truth WHERE violation_type = 'outpatient_during_stay')""")
    assert during == 0


def test_claims_after_death_and_three_institution_days_only_where_recorded(con):
    after = q1(con, """
        SELECT count(*) FROM setl_d s JOIN psn_info_b p USING (psn_no)
        WHERE coalesce(p.die_date,'') <> '' AND CAST(s.begndate AS DATE) > CAST(p.die_date AS DATE)
          AND s.mdtrt_id NOT IN (SELECT mdtrt_id FROM truth WHERE violation_type = 'claim_after_death')""")
    assert after == 0
    multi = q1(con, """
        WITH d AS (SELECT psn_no, CAST(begntime AS DATE) d, count(DISTINCT fixmedins_code) k,
                          list(mdtrt_id) ids FROM mdtrt_d GROUP BY 1, 2 HAVING count(DISTINCT fixmedins_code) >= 3)
        SELECT count(*) FROM d WHERE NOT list_has_any(ids, (SELECT list(mdtrt_id) FROM truth
                                                            WHERE violation_type = 'same_day_multi_institution'))""")
    assert multi == 0


def test_repeat_charge_pairs_and_daily_limits_only_where_recorded(con):
    pairs = q1(con, """
        WITH f AS (SELECT mdtrt_id, CAST(fee_ocur_time AS DATE) d, hilist_code, bkkp_sn FROM fee_list_d
                   WHERE coalesce(init_feedetl_sn,'') = '')
        SELECT count(*) FROM f a JOIN f b ON a.mdtrt_id = b.mdtrt_id AND a.d = b.d
        WHERE ((a.hilist_code = '003110000100000' AND b.hilist_code = '003110000060000')
            OR (a.hilist_code = '003205000030000' AND b.hilist_code = '003205000010000'))
          AND b.bkkp_sn NOT IN (SELECT bkkp_sn FROM truth WHERE bkkp_sn IS NOT NULL)""")
    assert pairs == 0
    over = q1(con, """
        WITH f AS (SELECT psn_no, CAST(fee_ocur_time AS DATE) d, hilist_code, sum(CAST(cnt AS DOUBLE)) n,
                          list(bkkp_sn) ids FROM fee_list_d
                   WHERE hilist_code IN ('001109000010000','001102000050000','001201000040000','001201000030000',
                                         '001201000050000','001107000010000','001108000010000')
                   GROUP BY ALL HAVING sum(CAST(cnt AS DOUBLE)) > 1)
        SELECT count(*) FROM f WHERE NOT list_has_any(ids, (SELECT list(bkkp_sn) FROM truth
                                                           WHERE violation_type = 'item_frequency'))""")
    assert over == 0


def test_all_events_fall_inside_the_generated_years(con):
    assert con.execute("""SELECT min(CAST(setl_time AS TIMESTAMP)) >= TIMESTAMP '2023-01-01',
                                 max(CAST(setl_time AS TIMESTAMP)) < TIMESTAMP '2025-01-01' FROM setl_d""").fetchone() == (True, True)
    assert con.execute("""SELECT min(CAST(begntime AS TIMESTAMP)) >= TIMESTAMP '2023-01-01',
                                 max(CAST(endtime AS TIMESTAMP)) < TIMESTAMP '2025-01-01' FROM mdtrt_d""").fetchone() == (True, True)
    outside = q1(con, """SELECT count(*) FROM fee_list_d f JOIN mdtrt_d m USING (mdtrt_id)
                         WHERE CAST(f.fee_ocur_time AS TIMESTAMP) NOT BETWEEN CAST(m.begntime AS TIMESTAMP)
                                                                       AND CAST(m.endtime AS TIMESTAMP)""")
    assert outside == 0


# --------------------------------------------------- issue 7: more 两库 rule families ---------
SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "nhsa"
NEW_FAMILIES = {"drug_insutype": ("rules_drug_insutype", "drug_code"),
                "drug_course": ("rules_drug_course", "drug_code"),
                "item_age": ("rules_item_age", "item_code"),
                "item_primary_secondary": ("rules_item_primary_secondary", "item_code"),
                "item_course": ("rules_item_course", "item_code")}
ORIGINAL = "coalesce(f.init_feedetl_sn, '') = ''"


def _seed(con, name: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_csv('{SEEDS / (name + '.csv')}', "
                f"all_varchar=true, header=true)")


@pytest.mark.parametrize("kind", NEW_FAMILIES)
def test_new_rule_families_cite_the_seed_rule_of_the_billed_line(con, kind):
    table, col = NEW_FAMILIES[kind]
    _seed(con, table)
    assert q1(con, f"SELECT count(*) FROM truth WHERE violation_type = '{kind}'") > 0
    bad = q1(con, f"""
        SELECT count(*) FROM truth t LEFT JOIN fee_list_d f USING (bkkp_sn) LEFT JOIN {table} r USING (rule_id)
        WHERE t.violation_type = '{kind}'
          AND (f.bkkp_sn IS NULL OR r.rule_id IS NULL OR r.{col} <> f.hilist_code OR f.setl_id <> t.setl_id
               OR f.mdtrt_id <> t.mdtrt_id OR f.psn_no <> t.psn_no OR f.fixmedins_code <> t.fixmedins_code)""")
    assert bad == 0


def test_insutype_hits_bill_drugs_not_payable_under_the_patients_insutype_and_all_are_recorded(con):
    _seed(con, "rules_drug_insutype")
    rows = con.execute(f"""
        SELECT s.insutype, r.not_payable_insutype_codes, t.bkkp_sn IS NOT NULL,
               CAST(t.amount AS DECIMAL(18,2)) = CAST(f.inscp_amt AS DECIMAL(18,2))
        FROM fee_list_d f JOIN rules_drug_insutype r ON r.drug_code = f.hilist_code
        JOIN setl_d s ON s.setl_id = f.setl_id
        LEFT JOIN truth t ON t.bkkp_sn = f.bkkp_sn AND t.violation_type = 'drug_insutype'
        WHERE {ORIGINAL}""").fetchall()
    assert rows
    for insutype, not_payable, recorded, amount_is_inscp in rows:
        assert insutype in not_payable.split(";")
        assert recorded and amount_is_inscp


COURSE_FAMILIES = {"drug_course": ("rules_drug_course", "drug_code", "max_days"),
                   "item_course": ("rules_item_course", "item_code", "max_course_days")}


@pytest.mark.parametrize("kind", COURSE_FAMILIES)
def test_course_hits_are_exactly_the_days_of_use_beyond_the_course(con, kind):
    # the course as docs/rule-engine.md defines it: a person's run of charge days of the drug or item
    # (net of refunds, across visits) with breaks of at most course_gap_days; the lines on days of use
    # after the limit break the rule
    table, col, limit = COURSE_FAMILIES[kind]
    _seed(con, table)
    gap = int(pd.read_csv(SEEDS.parent / "targeting" / "course_parameters.csv").set_index("rule_family")
              .loc[kind, "course_gap_days"])
    rows = con.execute(f"""
        WITH f AS (SELECT f.bkkp_sn, f.psn_no, f.hilist_code, CAST(f.fee_ocur_time AS DATE) AS d,
                          CAST(r.{limit} AS INTEGER) AS max_days
                   FROM fee_list_d f JOIN {table} r ON r.{col} = f.hilist_code
                   WHERE {ORIGINAL} AND f.bkkp_sn NOT IN (SELECT init_feedetl_sn FROM fee_list_d
                                                          WHERE coalesce(init_feedetl_sn, '') <> '')),
             days AS (SELECT DISTINCT psn_no, hilist_code, d FROM f),
             breaks AS (SELECT *, CASE WHEN date_diff('day', lag(d) OVER w, d) <= {gap} THEN 0 ELSE 1 END AS new_course
                        FROM days WINDOW w AS (PARTITION BY psn_no, hilist_code ORDER BY d)),
             courses AS (SELECT *, sum(new_course) OVER (PARTITION BY psn_no, hilist_code ORDER BY d) AS course
                         FROM breaks),
             numbered AS (SELECT *, row_number() OVER (PARTITION BY psn_no, hilist_code, course ORDER BY d) AS day_no
                          FROM courses)
        SELECT numbered.day_no > f.max_days AS beyond, t.bkkp_sn IS NOT NULL AS recorded, count(*)
        FROM f JOIN numbered USING (psn_no, hilist_code, d)
        LEFT JOIN truth t ON t.bkkp_sn = f.bkkp_sn AND t.violation_type = '{kind}'
        GROUP BY ALL""").fetchall()
    counts = {(beyond, recorded): n for beyond, recorded, n in rows}
    assert counts.get((True, True), 0) > 0 and counts.get((True, False), 0) == 0 and counts.get((False, True), 0) == 0
    # clean courses of the same drugs or items: persons who never break it, so the code alone is no signal
    clean_persons = q1(con, f"""
        WITH hit AS (SELECT t.psn_no, f.hilist_code FROM truth t JOIN fee_list_d f USING (bkkp_sn)
                     WHERE t.violation_type = '{kind}')
        SELECT count(DISTINCT psn_no) FROM fee_list_d
        WHERE hilist_code IN (SELECT hilist_code FROM hit) AND psn_no NOT IN (SELECT psn_no FROM hit)""")
    assert clean_persons > 0


def test_item_age_hits_are_patients_past_working_age_and_all_are_recorded(con):
    _seed(con, "rules_item_age")
    rows = con.execute(f"""
        SELECT date_sub('year', CAST(s.brdy AS DATE), CAST(f.fee_ocur_time AS DATE)) AS age,
               CAST(r.age_min_years AS INTEGER), CAST(r.age_max_years AS INTEGER), t.bkkp_sn IS NOT NULL
        FROM fee_list_d f JOIN rules_item_age r ON r.item_code = f.hilist_code AND r.age_group = 'working_age'
        JOIN setl_d s ON s.setl_id = f.setl_id
        LEFT JOIN truth t ON t.bkkp_sn = f.bkkp_sn AND t.violation_type = 'item_age'
        WHERE {ORIGINAL}""").fetchall()
    assert rows
    for age, lo, hi, recorded in rows:
        assert (age < lo or age > hi) and recorded


def test_secondary_operations_at_full_price_are_recorded_with_the_undiscounted_part(con):
    _seed(con, "rules_item_primary_secondary")
    rows = con.execute(f"""
        WITH r AS (SELECT DISTINCT item_code, operation_group_zh AS grp, CAST(secondary_fee_ratio AS DOUBLE) AS ratio
                   FROM rules_item_primary_secondary),
             f AS (SELECT f.bkkp_sn, f.mdtrt_id, f.hilist_code, CAST(f.fee_ocur_time AS DATE) AS d, r.grp, r.ratio,
                          CAST(f.pric AS DOUBLE) AS pric, CAST(f.inscp_amt AS DOUBLE) AS inscp
                   FROM fee_list_d f JOIN r ON r.item_code = f.hilist_code WHERE {ORIGINAL}),
             -- the dearest operation of a group on a day is the primary; re-settled copies share its rank
             ranked AS (SELECT *, dense_rank() OVER (PARTITION BY mdtrt_id, d, grp ORDER BY pric DESC, hilist_code) AS k
                        FROM f)
        SELECT ranked.k > 1 AS secondary, t.bkkp_sn IS NOT NULL AS recorded,
               abs(CAST(t.amount AS DOUBLE) - ranked.inscp * (1 - ranked.ratio)) <= 0.005 AS amount_ok
        FROM ranked LEFT JOIN truth t ON t.bkkp_sn = ranked.bkkp_sn AND t.violation_type = 'item_primary_secondary'
        """).fetchall()
    secondary = [(recorded, ok) for is_2nd, recorded, ok in rows if is_2nd]
    assert secondary and all(recorded and ok for recorded, ok in secondary)
    assert not any(recorded for is_2nd, recorded, _ in rows if not is_2nd)


def test_low_standard_admissions_are_short_mild_check_up_stays_and_clean_stays_are_not(con):
    rows = con.execute(f"""
        WITH st AS (SELECT m.mdtrt_id, m.dscg_maindiag_code AS diag,
                           date_diff('day', CAST(m.begntime AS DATE), CAST(m.endtime AS DATE)) AS los,
                           sum(CAST(f.det_item_fee_sumamt AS DOUBLE)) AS total,
                           sum(CAST(f.det_item_fee_sumamt AS DOUBLE))
                               FILTER (WHERE f.med_chrgitm_type IN ('03', '04')) AS checks
                    FROM mdtrt_d m JOIN fee_list_d f USING (mdtrt_id)
                    WHERE m.med_type = '21' AND {ORIGINAL} GROUP BY ALL)
        SELECT diag IN {MILD_DIAGS} AND los <= 3 AND checks >= 0.6 * total AS pattern,
               mdtrt_id IN (SELECT mdtrt_id FROM truth WHERE violation_type = 'low_standard_admission') AS recorded,
               count(*)
        FROM st GROUP BY ALL""").fetchall()
    counts = {(pattern, recorded): n for pattern, recorded, n in rows}
    assert counts.get((True, True), 0) > 0
    assert counts.get((True, False), 0) == 0 and counts.get((False, True), 0) == 0


# --------------------------------------------------- issue 7: truth rows the data can show ----
def _stays(psn, inst, bday, eday, diag, viol) -> Visits:
    bday, eday = np.asarray(bday), np.asarray(eday)
    return Visits.make(np.asarray(psn), inst, K_IPT, bday, eday, bday * DAY_S + 9 * 3600, eday * DAY_S + 10 * 3600,
                       diag, -1, 0, 1000.0, viol)


def test_claims_during_a_split_stay_fall_inside_its_first_half_not_in_the_gap():
    # 500 stays of 20 days, each cut after 8 days by 分解住院 (readmission later, outside v):
    # a claim "during the stay" must fall strictly inside the 8 days that remain recorded.
    v = _stays(np.arange(500), 3, np.full(500, 1000), np.full(500, 1020), 0, 0)
    v.eday[:] = v.bday + 8
    idx, day = during_stay_days(v, np.ones(len(v), bool), 1.0, np.random.default_rng(1))
    assert len(idx) == 500
    assert ((day > v.bday[idx]) & (day < v.eday[idx])).all()


def test_split_readmission_whose_index_stay_is_dropped_loses_its_truth_row():
    # Person 1: the index stay overlaps a protected 挂床 stay, so conflict resolution drops it and
    # the readmission 5 days after it has nothing to be split from; person 2 keeps the pair.
    other = int(np.flatnonzero(DIAG3_ID != DIAG3_ID[0])[0])
    v = Visits.concat([
        _stays([1, 1, 1], [3, 3, 4], [100, 110, 103], [105, 114, 109], [0, 0, other], [0, V_SPLIT, V_GHOST_BED]),
        _stays([2, 2], [3, 3], [100, 110], [105, 114], [0, 0], [0, V_SPLIT])])
    out = resolve_conflicts(v)
    kept = {(int(p), int(b)): int(c) for p, b, c in zip(out.psn, out.bday, out.viol)}
    assert (1, 100) not in kept and kept[(1, 110)] == 0 and kept[(1, 103)] == V_GHOST_BED
    assert kept[(2, 100)] == 0 and kept[(2, 110)] == V_SPLIT
