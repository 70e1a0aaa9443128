"""Budget execution marts (fct_budget_execution, fct_budget_execution_rollup) on the demo build.

The generated delivery covers 2023–2024 with a budget per local institution × year × scheme
(310/390); about a fifth of the institutions get a tight budget and overrun. The indicators are
recomputed here from the raw CSV files with pandas and Decimal, independently of dbt.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.db import query

FEN = Decimal("0.01")
HALF_UNIT = Decimal("0.00005")   # half of the last place of a decimal(18,4) ratio


def _csv(delivery: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(delivery / f"{table}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def raw_pay(demo_delivery) -> pd.DataFrame:
    """Valid settlements (refunds included, negative) with year, month and hifp_pay as Decimal."""
    setl = _csv(demo_delivery, "setl_d")
    setl = setl[setl["vali_flag"] == "1"].drop_duplicates("setl_id", keep="last").copy()
    setl["year"] = setl["setl_time"].str[:4].astype(int)
    setl["month"] = setl["setl_time"].str[5:7].astype(int)
    setl["hifp_pay"] = setl["hifp_pay"].map(Decimal)
    return setl[["fixmedins_code", "insutype", "year", "month", "hifp_pay"]]


@pytest.fixture(scope="module")
def raw_budgets(demo_delivery) -> pd.DataFrame:
    budgets = _csv(demo_delivery, "fixmedins_budget")
    budgets["budget_year"] = budgets["budget_year"].astype(int)
    budgets["budget_amt"] = budgets["budget_amt"].map(Decimal)
    return budgets


def _ytd(pay: pd.DataFrame, code: str, insutype: str, year: int, month: int) -> Decimal:
    rows = pay[(pay["fixmedins_code"] == code) & (pay["insutype"] == insutype)
               & (pay["year"] == year) & (pay["month"] <= month)]
    return sum(rows["hifp_pay"], Decimal("0"))


def _mart_row(warehouse: Path, code: str, insutype: str, year: int, month: int) -> dict:
    columns = ["ytd_hifp_pay", "execution_rate", "time_progress_months", "execution_gap_pp",
               "projection_method", "projected_year_end_amt", "alert_level"]
    rows = query(warehouse, f"select {', '.join(columns)} from marts.fct_budget_execution "
                            "where fixmedins_code = ? and insutype = ? and budget_year = ? and month_of_year = ?",
                 [code, insutype, year, month])
    assert len(rows) == 1, (code, insutype, year, month, rows)
    return dict(zip(columns, rows[0]))


def test_cumulative_execution_rate_matches_pandas_from_raw_files(demo_warehouse, raw_pay, raw_budgets):
    budgets = raw_budgets[(raw_budgets["budget_year"] == 2024) & (raw_budgets["insutype"] == "390")]
    codes = sorted(budgets["fixmedins_code"])[:2]
    assert len(codes) == 2
    for code in codes:
        budget = budgets.loc[budgets["fixmedins_code"] == code, "budget_amt"].item()
        for month in (6, 11):
            ytd = _ytd(raw_pay, code, "390", 2024, month)
            row = _mart_row(demo_warehouse, code, "390", 2024, month)
            assert row["ytd_hifp_pay"] == ytd.quantize(FEN)
            assert ytd > 0
            assert abs(row["execution_rate"] - ytd / budget) <= HALF_UNIT
            gap = (ytd / budget - Decimal(month) / 12) * 100
            assert abs(row["execution_gap_pp"] - gap) <= HALF_UNIT


def test_second_year_projection_uses_past_year_monthly_shares(demo_warehouse, raw_pay, raw_budgets):
    """2024 projects with the institution's own 2023 shares; 2023 (no past year) is linear."""
    code = sorted(raw_budgets.loc[raw_budgets["budget_year"] == 2024, "fixmedins_code"])[0]
    past_share = _ytd(raw_pay, code, "310", 2023, 6) / _ytd(raw_pay, code, "310", 2023, 12)
    ytd = _ytd(raw_pay, code, "310", 2024, 6)
    row = _mart_row(demo_warehouse, code, "310", 2024, 6)
    assert row["projection_method"] == "seasonal_institution"
    assert abs(row["projected_year_end_amt"] - ytd / past_share) <= FEN
    # seasonal, not linear: the two differ on real data
    assert abs(row["projected_year_end_amt"] - ytd * 2) > Decimal("1")

    first_year = query(demo_warehouse, "select distinct projection_method from marts.fct_budget_execution "
                                       "where budget_year = 2023")
    assert first_year == [("linear",)]
    first = _mart_row(demo_warehouse, code, "310", 2023, 4)
    assert first["projected_year_end_amt"] == (first["ytd_hifp_pay"] * 3).quantize(FEN)


def test_overrun_institution_year_is_flagged_red(demo_warehouse, raw_pay, raw_budgets):
    """At least one budget overruns by more than 5 % at year end (tight budgets) and is red 超支预警."""
    overruns = []
    for budget in raw_budgets.itertuples():
        actual = _ytd(raw_pay, budget.fixmedins_code, budget.insutype, budget.budget_year, 12)
        if actual > budget.budget_amt * Decimal("1.05"):
            overruns.append((budget.fixmedins_code, budget.insutype, budget.budget_year))
    assert overruns, "the generator sets ~20 % of budgets tight: expected an overrun"
    for code, insutype, year in overruns:
        rows = query(demo_warehouse, "select execution_rate, projected_execution_rate, alert_level, alert_level_zh "
                                     "from marts.fct_budget_execution where fixmedins_code = ? and insutype = ? "
                                     "and budget_year = ? and month_of_year = 12", [code, insutype, year])
        rate, projected, level, label = rows[0]
        assert rate > Decimal("1.05") and projected == rate
        assert (level, label) == ("red", "超支预警")


def test_every_budget_has_twelve_months_and_years_run_to_december(demo_warehouse, raw_budgets):
    rows = query(demo_warehouse, """
        select count(*),
               (select count(*) from (select distinct budget_year, fixmedins_code, insutype
                                      from marts.fct_budget_execution) as budgets),
               sum(case when is_latest_month then 1 else 0 end),
               min(case when is_latest_month then month_of_year end)
        from marts.fct_budget_execution
    """)
    n_rows, n_budgets, n_latest, latest_month = rows[0]
    assert n_budgets == len(raw_budgets)
    assert n_rows == 12 * n_budgets
    assert n_latest == n_budgets and latest_month == 12


def test_rollup_rate_is_ratio_of_sums_not_average(demo_warehouse):
    rows = query(demo_warehouse, """
        select r.insutype, r.month_start, r.execution_rate,
               cast(f.ytd / f.budget as decimal(18, 8)), cast(f.avg_rate as decimal(18, 8))
        from marts.fct_budget_execution_rollup as r
        inner join (
            select insutype, month_start, sum(ytd_hifp_pay) as ytd, sum(budget_amt) as budget,
                   avg(execution_rate) as avg_rate
            from marts.fct_budget_execution group by insutype, month_start
        ) as f on r.insutype = f.insutype and r.month_start = f.month_start
        where r.rollup_level = 'all'
    """)
    assert len(rows) == 2 * 24
    for _, _, rate, ratio_of_sums, _ in rows:
        assert abs(rate - ratio_of_sums) <= HALF_UNIT
    # the average of institution rates differs somewhere: the roll-up does not use it
    assert any(abs(rate - avg) > Decimal("0.001") for _, _, rate, _, avg in rows)
