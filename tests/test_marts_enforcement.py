"""Enforcement marts (fct_enforcement_case, _funnel, _recovery, fct_case_upward_report,
fct_institution_credit_history) on the demo build.

Every figure is recomputed here from the delivery's raw CSV ledgers with pandas and Decimal,
independently of dbt. The demo is small (a few dozen cases), so each test first asserts that the
ledger holds what it checks.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.db import query

ZERO = Decimal("0")
REPORT_THRESHOLD, REPORT_DAYS = Decimal("500000"), 7     # seed enforcement_parameters
MONEY = ("involved_amt", "recovered_amt", "fine_amt")


def _csv(delivery: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(delivery / f"{table}.csv", dtype=str, keep_default_na=False)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].map(lambda v: date.fromisoformat(v) if v else None)
    return frame


def _rows(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    """A query's result as a DataFrame with the column names of the select list."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)
    finally:
        con.close()


@pytest.fixture(scope="module")
def raw_cases(demo_delivery) -> pd.DataFrame:
    cases = _dates(_csv(demo_delivery, "enforcement_cases"),
                   "open_date", "close_date", "referral_date", "report_date")
    for column in MONEY:
        cases[column] = cases[column].map(Decimal)
    assert len(cases) > 0 and cases["case_id"].is_unique
    return cases


@pytest.fixture(scope="module")
def raw_tips(demo_delivery) -> pd.DataFrame:
    tips = _dates(_csv(demo_delivery, "tips"), "recv_date", "close_date", "reward_date")
    tips["reward_amt"] = tips["reward_amt"].map(lambda v: Decimal(v) if v else ZERO)
    assert len(tips) > 0
    return tips


@pytest.fixture(scope="module")
def raw_inspections(demo_delivery) -> pd.DataFrame:
    inspections = _dates(_csv(demo_delivery, "inspections"), "begndate", "enddate")
    assert len(inspections) > 0
    return inspections


@pytest.fixture(scope="module")
def raw_events(demo_delivery) -> pd.DataFrame:
    events = _dates(_csv(demo_delivery, "credit_events"), "event_date")
    events["score_change"] = events["score_change"].astype(int)
    assert len(events) > 0
    return events


@pytest.fixture(scope="module")
def as_of(raw_cases, raw_tips, raw_inspections, raw_events) -> date:
    """The ledgers' extract date: the greatest date in any of them."""
    found = [raw_cases[c] for c in ("open_date", "close_date", "referral_date", "report_date")]
    found += [raw_tips[c] for c in ("recv_date", "close_date", "reward_date")]
    found += [raw_inspections[c] for c in ("begndate", "enddate")] + [raw_events["event_date"]]
    return max(d for column in found for d in column if d is not None)


@pytest.fixture(scope="module")
def mart_cases(demo_warehouse) -> pd.DataFrame:
    return _rows(demo_warehouse, "select * from marts.fct_enforcement_case").set_index("case_id")


def test_case_mart_holds_every_case_with_its_status_and_money(raw_cases, mart_cases):
    assert sorted(mart_cases.index) == sorted(raw_cases["case_id"])
    expected = raw_cases.groupby("case_status").agg(
        cases=("case_id", "size"), **{c: (c, lambda s: sum(s, ZERO)) for c in MONEY})
    got = mart_cases.groupby("case_status").agg(
        cases=("open_date", "size"), **{c: (c, lambda s: sum(s, ZERO)) for c in MONEY})
    assert got.to_dict() == expected.to_dict()
    assert (mart_cases["is_closed"] == mart_cases["case_status"].isin(["4", "5"])).all()


def test_as_of_date_is_the_latest_date_of_any_ledger(mart_cases, as_of):
    assert set(mart_cases["as_of_date"]) == {as_of}


def test_days_to_close_is_close_minus_open_and_open_cases_age_to_the_as_of_date(
        raw_cases, mart_cases, as_of):
    closed = raw_cases[raw_cases["case_status"].isin(["4", "5"])]
    still_open = raw_cases[~raw_cases["case_status"].isin(["4", "5"])]
    assert len(closed) > 0
    for case in closed.itertuples():
        row = mart_cases.loc[case.case_id]
        assert row["days_to_close"] == (case.close_date - case.open_date).days, case.case_id
        assert pd.isna(row["days_open"])
    for case in still_open.itertuples():
        row = mart_cases.loc[case.case_id]
        assert row["days_open"] == (as_of - case.open_date).days, case.case_id
        assert pd.isna(row["days_to_close"])


def test_recovery_rate_and_fine_range_follow_the_regulation(raw_cases, mart_cases):
    ranges = {"38": (1, 2), "40": (2, 5)}
    checked = 0
    for case in raw_cases.itertuples():
        row = mart_cases.loc[case.case_id]
        if case.involved_amt > 0:
            rate = (case.recovered_amt / case.involved_amt).quantize(Decimal("0.0001"))
            assert abs(row["recovery_rate"] - rate) <= Decimal("0.0001"), case.case_id
        if case.case_status not in ("4", "5"):
            assert row["fine_in_range"] is None or pd.isna(row["fine_in_range"])
            continue
        if case.legal_article:
            low, high = ranges[case.legal_article]
            in_range = low * case.involved_amt <= case.fine_amt <= high * case.involved_amt
            expected = in_range or (case.legal_article == "38" and case.fine_amt == 0)
        else:
            expected = case.fine_amt == 0
        assert bool(row["fine_in_range"]) == expected, case.case_id
        checked += 1
    assert checked > 0


def _expected_report(case, as_of: date) -> dict | None:
    """The upward-report rule of 医保发〔2019〕14号 §9(二), written out for one case."""
    if not (case.involved_amt >= REPORT_THRESHOLD or case.referral == "1"):
        return None
    triggers = [case.close_date] + ([case.referral_date] if case.referral == "1" else [])
    triggers = [d for d in triggers if d is not None]
    trigger = min(triggers) if triggers else None
    deadline = trigger + timedelta(days=REPORT_DAYS) if trigger else None
    reported = case.report_date
    if reported is not None and (deadline is None or reported <= deadline):
        status, overdue = "按时上报", 0
    elif reported is not None:
        status, overdue = "逾期上报", (reported - deadline).days
    elif deadline is None:
        status, overdue = "待办结", None
    elif deadline < as_of:
        status, overdue = "逾期未报", (as_of - deadline).days
    else:
        status, overdue = "待上报", 0
    return {"report_trigger_date": trigger, "report_deadline": deadline,
            "report_status": status, "days_overdue": overdue}


def test_cases_due_for_upward_report_match_an_independent_computation(
        raw_cases, mart_cases, demo_warehouse, as_of):
    expected = {case.case_id: _expected_report(case, as_of) for case in raw_cases.itertuples()}
    due = {k: v for k, v in expected.items() if v is not None}
    assert len(due) >= 1, "the demo should hold a case due for upward reporting"
    assert set(mart_cases.index[mart_cases["report_due"]]) == set(due)
    for case_id, want in due.items():
        row = mart_cases.loc[case_id]
        got = {k: (None if pd.isna(row[k]) else row[k]) for k in want}
        assert got == want, case_id
    assert mart_cases.loc[~mart_cases["report_due"], "report_status"].isna().all()

    listed = _rows(demo_warehouse, "select * from marts.fct_case_upward_report order by display_order")
    assert sorted(listed["case_id"]) == sorted(due)
    police = raw_cases.set_index("case_id")["referral"] == "1"
    for row in listed.itertuples():
        assert ("移送公安机关" in row.report_reason) == police[row.case_id], row.case_id
        assert ("涉案金额50万元以上" in row.report_reason) == (row.involved_amt >= REPORT_THRESHOLD)
    ranks = [0 if s == "逾期未报" else 1 for s in listed["report_status"]]
    assert ranks == sorted(ranks)


def test_funnel_of_tips_equals_the_tip_ledger(raw_tips, raw_cases, demo_warehouse):
    closed_cases = set(raw_cases.loc[raw_cases["case_status"].isin(["4", "5"]), "case_id"])
    tips = raw_tips.assign(year=raw_tips["recv_date"].map(lambda d: d.year))
    assert (tips["case_id"] != "").sum() >= 1
    expected = {
        year: (len(g), int(g["tip_status"].isin(["3", "4"]).sum()), int((g["verified"] == "1").sum()),
               int((g["case_id"] != "").sum()), int(g["case_id"].isin(closed_cases).sum()),
               sum(g.loc[g["reward_date"].notna(), "reward_amt"], ZERO))
        for year, g in tips.groupby("year")
    }
    got = {r[0]: tuple(r[1:]) for r in query(demo_warehouse, """
        select year, sum(leads), sum(closed), sum(verified), sum(cases), sum(cases_closed),
               sum(rewards_paid_amt)
        from marts.fct_enforcement_funnel where channel = 'tip' group by year""")}
    assert got == expected


def test_funnel_of_inspections_equals_the_inspection_ledger(raw_inspections, raw_cases, demo_warehouse):
    cases = raw_cases[raw_cases["insp_id"] != ""]
    assert len(cases) >= 1
    inspections = raw_inspections.assign(year=raw_inspections["begndate"].map(lambda d: d.year))
    linked = inspections.merge(cases, on="insp_id", how="inner")
    expected = {}
    for (insp_type, year), g in inspections.groupby(["insp_type", "year"]):
        g_cases = linked[(linked["insp_type"] == insp_type) & (linked["year"] == year)]
        expected[(f"insp_{insp_type}", year)] = (
            len(g), int(g["enddate"].notna().sum()), int((g["finding_flag"] == "1").sum()),
            len(g_cases), int(g_cases["case_status"].isin(["4", "5"]).sum()),
            sum(g_cases["involved_amt"], ZERO))
    got = {(r[0], r[1]): tuple(r[2:]) for r in query(demo_warehouse, """
        select channel, year, sum(leads), sum(closed), sum(verified), sum(cases), sum(cases_closed),
               sum(involved_amt)
        from marts.fct_enforcement_funnel where channel like 'insp_%' group by channel, year""")}
    assert got == expected


def test_recovery_mart_adds_up_to_the_closed_cases_by_year(raw_cases, demo_warehouse):
    closed = raw_cases[raw_cases["case_status"].isin(["4", "5"])]
    closed = closed.assign(year=closed["close_date"].map(lambda d: d.year))
    assert len(closed) >= 1
    expected = {year: (len(g), *(sum(g[c], ZERO) for c in MONEY)) for year, g in closed.groupby("year")}
    got = {r[0]: tuple(r[1:]) for r in query(demo_warehouse, """
        select close_year, sum(cases_closed), sum(involved_amt), sum(recovered_amt), sum(fine_amt)
        from marts.fct_enforcement_recovery group by close_year""")}
    assert got == expected


def test_credit_history_counts_points_doctors_and_cases_per_institution_year(
        raw_events, raw_cases, demo_delivery, demo_warehouse):
    grades = _csv(demo_delivery, "credit_grades")
    grades = grades[grades["subject_type"] == "1"]
    assert len(grades) >= 1
    history = _rows(demo_warehouse, "select * from marts.fct_institution_credit_history")
    history = history.set_index(["fixmedins_code", "eval_year"])
    for grade in grades.itertuples():
        row = history.loc[(grade.subject_code, int(grade.eval_year))]
        assert (row["credit_grade"], row["credit_score"], row["blacklist_flag"]) == \
            (grade.credit_grade, int(grade.credit_score), grade.blacklist_flag)

    events = raw_events.assign(year=raw_events["event_date"].map(lambda d: d.year))
    own = events[events["subject_type"] == "1"]
    assert (own["score_change"] < 0).any()
    for (code, year), g in own.groupby(["subject_code", "year"]):
        row = history.loc[(code, year)]
        assert row["points_deducted"] == -g.loc[g["score_change"] < 0, "score_change"].sum()
        assert row["points_awarded"] == g.loc[g["score_change"] > 0, "score_change"].sum()
    doctors = events[(events["subject_type"] == "2") & (events["score_change"] < 0)]
    for (code, year), g in doctors.groupby(["fixmedins_code", "year"]):
        assert history.loc[(code, year), "doctors_penalised"] == g["subject_code"].nunique()

    closed = raw_cases[raw_cases["case_status"].isin(["4", "5"])]
    closed = closed.assign(year=closed["close_date"].map(lambda d: d.year))
    for (code, year), g in closed.groupby(["fixmedins_code", "year"]):
        row = history.loc[(code, year)]
        assert (row["cases_closed"], row["recovered_amt"]) == (len(g), sum(g["recovered_amt"], ZERO))
    assert history["cases_closed"].sum() == len(closed)
