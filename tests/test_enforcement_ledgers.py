"""Enforcement ledgers: the loader's rules for tips, inspections, cases and credit, and the
generator's history against the violations it injected (truth/violations.csv)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from ingest.contracts import REWARD_CEILING, TABLE_GROUPS
from ingest.errors import IngestError
from ingest.land import load_directory
from tests import deliveries
from tests.deliveries import rows_for

LEDGERS = ("tips", "inspections", "enforcement_cases", "credit_events", "credit_grades")


def _quarantine(landing, table):
    con = duckdb.connect(str(landing), read_only=True)
    try:
        return con.execute("SELECT row_number, column_name, reason FROM meta.quarantine WHERE table_name = ? "
                           "ORDER BY row_number", [table]).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("table,damage,column,reason", [
    ("tips", {"reward_amt": "150000.00"}, None, "above the 100,000 yuan ceiling"),
    ("tips", {"verified": "0"}, None, "a reward paid on a tip not verified"),
    ("tips", {"tip_status": "2"}, None, "an open tip (tip_status 1 受理 or 2 核查中) has no close_date"),
    ("tips", {"subject_type": "3"}, None, "must be a psn_no"),
    ("tips", {"close_date": "2024-01-15"}, "close_date", "is before recv_date"),
    ("inspections", {"insp_type": "4"}, None, "needs the draw_id of its draw"),
    ("inspections", {"inspectors": "张三"}, "inspectors", "does not match the code format"),
    ("inspections", {"enddate": ""}, None, "needs enddate"),
    ("enforcement_cases", {"recovered_amt": "100000.01"}, None, "recovered_amt above involved_amt"),
    ("enforcement_cases", {"fine_amt": "500000.01"}, None, "above 5× involved_amt"),
    ("enforcement_cases", {"case_status": "2"}, None, "an open case (case_status 1-3) has no close_date"),
    ("enforcement_cases", {"referral": "1"}, None, "needs referral_date"),
    ("enforcement_cases", {"viol_enddate": "2024-04-01"}, "open_date", "is before viol_enddate"),
    ("enforcement_cases", {"subject_code": "H34150300009"}, None, "must be its fixmedins_code"),
    ("credit_events", {"score_change": "5"}, None, "a deduction (event_type 1-3) cannot add points"),
    ("credit_events", {"subject_type": "2", "subject_code": "D12"}, None, "D + 7-digit code"),
    ("credit_grades", {"credit_grade": "E"}, "credit_grade", "is not one of A/B/C/D"),
    ("credit_grades", {"blacklist_flag": "1"}, None, "needs blacklist_begndate"),
])
def test_a_bad_ledger_row_is_quarantined_with_its_reason(tmp_path, table, damage, column, reason):
    landing = tmp_path / "landing.duckdb"
    rows = rows_for(table, [{}, damage])
    key = deliveries.VALID[table]
    second_key = {"tips": "tip_id", "inspections": "insp_id", "enforcement_cases": "case_id",
                  "credit_events": "credit_event_id"}.get(table)
    if second_key:
        rows[1][second_key] = key[second_key] + "X"
    else:
        rows[1]["eval_year"] = "2023"
    report = load_directory(deliveries.write(tmp_path / "d", {table: rows}), landing, tables=[table])
    assert report.by_table()[table]["landed"] == 1 and report.by_table()[table]["quarantined"] == 1
    [(row, col, why)] = _quarantine(landing, table)
    assert row == 2 and reason in why
    if column:
        assert col == column


def test_the_valid_ledger_rows_land_and_a_redelivered_tip_replaces_its_row(tmp_path):
    landing = tmp_path / "landing.duckdb"
    report = load_directory(deliveries.write(tmp_path / "d1", {t: rows_for(t) for t in LEDGERS}), landing,
                            tables=list(LEDGERS))
    assert all(report.by_table()[t]["landed"] == 1 for t in LEDGERS)
    # The ledger is a snapshot: the tip's reward is corrected in a later delivery.
    again = load_directory(deliveries.write(tmp_path / "d2", {"tips": rows_for("tips", [{"reward_amt": "2500.00"}])}),
                           landing, tables=["tips"])
    assert again.files[0].rows_replaced == 1
    con = duckdb.connect(str(landing), read_only=True)
    try:
        assert con.execute("SELECT reward_amt FROM raw.tips").fetchall() == [(Decimal("2500.00"),)]
    finally:
        con.close()


# ------------------------------------------------------------------ generated history -------
@pytest.fixture(scope="module")
def ledgers(demo_delivery):
    read = lambda name: pd.read_csv(demo_delivery / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    out = {name: read(name) for name in LEDGERS}
    out["truth"] = pd.read_csv(demo_delivery / "truth" / "violations.csv", dtype=str, keep_default_na=False)
    out["roles"] = pd.read_csv(demo_delivery / "truth" / "institutions.csv", dtype=str, keep_default_na=False)
    return out


def _money(series: pd.Series) -> pd.Series:
    return series.replace("", "0").map(Decimal)


def test_the_generated_ledgers_load_without_quarantine(demo_landing):
    con = duckdb.connect(str(demo_landing), read_only=True)
    try:
        rows = dict(con.execute("SELECT table_name, sum(rows_quarantined) FROM meta.batches GROUP BY 1").fetchall())
        counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in LEDGERS}
    finally:
        con.close()
    assert all(rows[t] == 0 for t in LEDGERS)
    assert all(counts[t] > 0 for t in LEDGERS), counts


def test_every_case_rests_on_injected_violations_of_its_institution_and_period(ledgers):
    cases, truth = ledgers["enforcement_cases"], ledgers["truth"]
    truth = truth.assign(day=pd.to_datetime(truth["viol_date"]), amount=_money(truth["amount"]))
    assert len(cases) > 0
    for case in cases.itertuples():
        found = truth[(truth["fixmedins_code"] == case.fixmedins_code)
                      & truth["day"].between(pd.Timestamp(case.viol_begndate), pd.Timestamp(case.viol_enddate))]
        if case.subject_type == "3":
            found = found[found["psn_no"] == case.subject_code]
        assert len(found) > 0, case.case_id
        assert case.violation_type in set(found["violation_type"]), case.case_id
        assert Decimal(case.involved_amt) <= found["amount"].sum(), case.case_id      # a share is found
        assert pd.Timestamp(case.viol_enddate) <= pd.Timestamp(case.open_date)


def test_most_but_not_all_violating_institutions_are_caught_and_some_tips_are_false(ledgers):
    roles, cases, tips, truth = ledgers["roles"], ledgers["enforcement_cases"], ledgers["tips"], ledgers["truth"]
    fraud = set(roles.loc[roles["role"].str.startswith("fraud_"), "fixmedins_code"])
    caught = set(cases["fixmedins_code"])
    assert len(fraud & caught) >= len(fraud) / 2
    violating = set(truth["fixmedins_code"])
    assert violating - caught, "every institution with an injected violation was caught"
    assert (tips["verified"] == "0").any() and (tips["verified"] == "1").any()
    # A false tip names an institution: nothing is found, no case follows.
    assert (tips.loc[tips["verified"] == "0", "case_id"] == "").all()


def test_rewards_fines_and_reports_follow_the_rules(ledgers):
    tips, cases = ledgers["tips"], ledgers["enforcement_cases"].set_index("case_id")
    paid = tips[tips["reward_amt"] != ""]
    assert len(paid) > 0 and (paid["verified"] == "1").all()
    for tip in paid.itertuples():
        involved = Decimal(cases.loc[tip.case_id, "involved_amt"])
        expected = min(max((involved * Decimal("0.02")).quantize(Decimal("0.01")), Decimal(200)), Decimal(REWARD_CEILING))
        assert abs(Decimal(tip.reward_amt) - expected) <= Decimal("0.01"), tip.tip_id
    closed = cases[cases["case_status"] == "4"]
    recovered = _money(closed["recovered_amt"]) / _money(closed["involved_amt"])
    assert len(closed) > 0 and recovered.between(Decimal("0.85"), Decimal(1)).all()
    multiple = _money(closed["fine_amt"]) / _money(closed["involved_amt"])
    art40 = closed["legal_article"] == "40"
    assert multiple[art40].between(Decimal(2), Decimal(5)).all()
    assert multiple[~art40].map(lambda m: m == 0 or Decimal(1) <= m <= Decimal(2)).all()
    due = (_money(cases["involved_amt"]) >= 500_000) | (cases["referral"] == "1")
    assert (cases.loc[~due, "report_date"] == "").all()
    assert (cases.loc[cases["case_status"] != "4", "close_date"] == "").all()


def test_credit_grades_follow_the_scores_and_the_blacklist_follows_fraud(ledgers):
    grades, cases = ledgers["credit_grades"], ledgers["enforcement_cases"]
    score = grades["credit_score"].astype(int)
    expected = score.map(lambda s: "A" if s >= 90 else "B" if s >= 75 else "C" if s >= 60 else "D")
    assert (grades["credit_grade"] == expected).all()
    assert (grades["credit_grade"] != "A").any()
    fraud_subjects = set(cases.loc[(cases["legal_article"] == "40") & (cases["case_status"] == "4"), "subject_code"])
    assert set(grades.loc[grades["blacklist_flag"] == "1", "subject_code"]) <= fraud_subjects


def test_the_ledgers_and_the_settlement_extract_load_as_separate_deliveries(tmp_path):
    landing = tmp_path / "landing.duckdb"
    ledgers = deliveries.write(tmp_path / "ledgers", {t: rows_for(t) for t in LEDGERS})
    report = load_directory(ledgers, landing, tables=["enforcement"])
    assert set(report.by_table()) == set(LEDGERS)
    settlement = deliveries.write(tmp_path / "settlement", {t: rows_for(t) for t in TABLE_GROUPS["settlement"]})
    assert set(load_directory(settlement, landing, tables=["settlement"]).by_table()) == set(TABLE_GROUPS["settlement"])
    with pytest.raises(IngestError, match="has no file for tips"):
        load_directory(settlement, landing)        # by default every table is expected
