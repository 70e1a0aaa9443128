"""Actuarial input marts and load_base on the demo warehouse: the marts reconcile with the
settlements, the exposure and the fund ledger, and the projection runs on what they give."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.projection import load_base, project, scenario
from analytics.projection.base import ACTIVE, RESIDENT, RETIRED
from tests.db import query


def _frame(warehouse, sql: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(query(warehouse, sql), columns=columns)


def test_cost_curve_times_exposure_sums_back_to_the_pooled_fund_pay_of_the_settlements(demo_warehouse):
    curve = _frame(demo_warehouse, """
        select year, person_years, fund_pay_amt, fund_pay_per_capita from marts.fct_actuarial_cost_curve""",
                   ["year", "person_years", "fund_pay_amt", "fund_pay_per_capita"])
    settled = dict(query(demo_warehouse, """
        select extract(year from setl_month), sum(hifp_pay) from intermediate.int_settlements
        where insutype in ('310', '390', '391') group by 1"""))
    assert set(curve["year"]) == set(settled)
    for year, cells in curve.groupby("year"):
        exposed = cells[cells["person_years"] > 0]
        rebuilt = sum(float(pc) * float(py) for pc, py in zip(exposed["fund_pay_per_capita"], exposed["person_years"]))
        unexposed = sum(float(v) for v in cells.loc[cells["person_years"] == 0, "fund_pay_amt"])
        assert rebuilt + unexposed == pytest.approx(float(settled[year]), abs=1.0)
        assert unexposed < 0.01 * float(settled[year]), "nearly all pay falls in cells with exposure"
        assert sum(cells["fund_pay_amt"], Decimal(0)) == settled[year]


def test_cost_curve_exposure_equals_the_person_month_exposure(demo_warehouse):
    curve = dict(query(demo_warehouse, "select year, sum(person_years) from marts.fct_actuarial_cost_curve group by 1"))
    exposure = dict(query(demo_warehouse, """
        select extract(year from e.month_start), sum(e.exposure_fraction) / 12
        from intermediate.int_person_month_exposure e
        inner join staging.stg_psn_info_b p on e.psn_no = p.psn_no
        where e.insutype in ('310', '340', '390', '391', '380') group by 1"""))
    for year, years in curve.items():
        assert float(years) == pytest.approx(float(exposure[year]), abs=0.01 * 19 * 2 * 3)


def test_population_mart_counts_every_insured_person_of_a_base_insutype_once(demo_warehouse):
    mart = dict(query(demo_warehouse,
                      "select year, sum(insured_cnt) from marts.fct_actuarial_population_year group by 1"))
    staged = dict(query(demo_warehouse, """
        select stat_year, sum(psn_cnt) from staging.stg_insured_population
        where insutype in ('310', '340', '390', '391', '380') group by 1"""))
    assert mart == staged
    statuses = dict(query(demo_warehouse, """
        select status, sum(insured_cnt) from marts.fct_actuarial_population_year where year = 2024 group by 1"""))
    retired_types = query(demo_warehouse, """
        select sum(psn_cnt) from staging.stg_insured_population
        where stat_year = 2024 and insutype = '310' and psn_type like '12%'""")[0][0]
    assert statuses["employee_retired"] == retired_types


def test_fund_year_mart_rolls_the_ledger_balance_forward(demo_warehouse):
    rows = _frame(demo_warehouse, """
        select year, fund_pay_type, income_amt, expenditure_amt, opening_balance_amt, closing_balance_amt
        from marts.fct_actuarial_fund_year order by fund_pay_type, year""",
                  ["year", "fund", "income", "expenditure", "opening", "closing"])
    monthly = dict(((f, y), (i, e, c)) for f, y, i, e, c in query(demo_warehouse, """
        select fund_pay_type, year, sum(income_amt), sum(expenditure_amt),
               max_by(cumulative_balance_amt, month_start)
        from marts.fct_fund_monthly where fund_pay_type in ('310100', '390100') group by 1, 2"""))
    assert set(rows["fund"]) == {"310100", "390100"}
    for row in rows.itertuples():
        assert (row.income, row.expenditure, row.closing) == monthly[(row.fund, row.year)]
        assert row.closing == row.opening + row.income - row.expenditure
    for _, fund in rows.groupby("fund"):
        assert (fund["opening"].to_numpy()[1:] == fund["closing"].to_numpy()[:-1]).all()


@pytest.fixture(scope="module")
def demo_base(demo_warehouse):
    return load_base(demo_warehouse)


def test_load_base_starts_from_the_last_complete_year_of_the_marts(demo_warehouse, demo_base):
    assert demo_base.base_year == 2024
    counts = dict(query(demo_warehouse, """
        select status, sum(insured_cnt) from marts.fct_actuarial_population_year where year = 2024 group by 1"""))
    assert demo_base.population[ACTIVE].sum() == counts["employee_active"]
    assert demo_base.population[RETIRED].sum() == counts["employee_retired"]
    assert demo_base.population[RESIDENT].sum() == counts["resident"]
    closing = dict(query(demo_warehouse, """
        select fund_pay_type, closing_balance_amt from marts.fct_actuarial_fund_year where year = 2024"""))
    assert demo_base.employee.opening_balance == float(closing["310100"])
    assert demo_base.resident.opening_balance == float(closing["390100"])
    # the demo's contribution base: 6,300 元 a month in 2023, +3.5 % a year (ingest/generate/config.py)
    assert demo_base.employee.contribution_base == pytest.approx(6300 * 12 * 1.035, rel=0.03)
    assert demo_base.female_early_retirement_share == 0.0, "the generator retires every woman at 55"
    assert (demo_base.fund_pay_per_capita[RETIRED].mean() > demo_base.fund_pay_per_capita[ACTIVE].mean())


def test_load_base_of_an_earlier_year_and_of_missing_inputs(demo_warehouse, tmp_path):
    assert load_base(demo_warehouse, base_year=2023).base_year == 2023
    with pytest.raises(AnalyticsError, match="not a complete year"):
        load_base(demo_warehouse, base_year=2019)
    with pytest.raises(AnalyticsError, match="no warehouse there"):
        load_base(tmp_path / "missing.duckdb")


@pytest.mark.parametrize("fund", ["employee", "resident"])
def test_scenario_order_holds_on_the_demo_base(demo_base, fund):
    years = []
    for name in ("high_cost", "intermediate", "low_cost"):
        year = project(demo_base, scenario(name, horizon=50)).summary.loc[fund, "depletion_year"]
        years.append(np.inf if np.isnan(year) else year)
    assert years == sorted(years)
    assert np.isfinite(years[0])
