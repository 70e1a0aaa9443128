"""load_base(): the projection's base year read from the actuarial marts (read-only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.projection.base import BaseData, EmployeeFund, ResidentFund, build_base

# 国办发〔2021〕14号: after the 门诊共济 reform the whole employer contribution goes to the pool;
# 7 % is the demo's and 六安市裕安区's employer rate (docs/actuarial-projection.md, assumptions).
DEFAULT_CONTRIBUTION_RATE = 0.07
MARTS = ("fct_actuarial_population_year", "fct_actuarial_cost_curve", "fct_actuarial_fund_year")


def load_base(warehouse: Path | str, *, base_year: int | None = None,
              contribution_rate: float = DEFAULT_CONTRIBUTION_RATE, credibility_years: float = 100.0) -> BaseData:
    """BaseData of the last complete year (or base_year) of the warehouse's actuarial marts.

    The average contribution base is the year's employer contributions ÷ (in-service person-years
    × contribution_rate); per-head resident income is the year's individual contributions and
    fiscal subsidy ÷ participant-years; the cost curve is scaled so that the year's exposure ×
    per-capita pay equals each fund's actual expenditure (notes record the factors).
    """
    path = Path(warehouse)
    if not path.is_file():
        raise AnalyticsError(f"{path}: no warehouse there; build one with `dbt build` (README quick start).")
    con = duckdb.connect(str(path), read_only=True)
    try:
        present = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        missing = [m for m in MARTS if m not in present]
        if missing:
            raise AnalyticsError(f"{path}: the actuarial marts {', '.join(missing)} are missing; run `dbt build` "
                                 f"with this version of the project.")
        funds = con.execute("select * from marts.fct_actuarial_fund_year order by year").df()
        year = _base_year(funds, base_year, path)
        population = con.execute(
            "select status, gend as sex, age, insured_cnt as persons from marts.fct_actuarial_population_year "
            "where year = ?", [year]).df()
        curve = con.execute(
            "select status, gend as sex, age_band_start as age_from, age_band_end as age_to, "
            "cast(person_years as double) as person_years, cast(fund_pay_amt as double) as fund_pay, "
            "cast(medfee_amt as double) as medfee from marts.fct_actuarial_cost_curve where year = ?", [year]).df()
    finally:
        con.close()
    if population.empty:
        raise AnalyticsError(f"{path}: no insured_population rows for {year}, the base year; deliver the "
                             f"year-end insured population of {year}.")
    employee, resident = _fund_rows(funds, year)
    return build_base(
        year, population, curve,
        employee=_employee_fund(employee, contribution_rate), resident=_resident_fund(resident),
        expenditure_targets={"employee": float(employee["expenditure_amt"]),
                             "resident": float(resident["expenditure_amt"])},
        credibility_years=credibility_years, label=f"{path.name} {year}",
    )


def _base_year(funds: pd.DataFrame, wanted: int | None, path: Path) -> int:
    complete = funds[funds["is_complete_year"]].groupby("year")["fund_key"].nunique()
    years = sorted(complete[complete == 2].index)
    if not years:
        raise AnalyticsError(f"{path}: no year has all 12 months of both pooled funds (fct_actuarial_fund_year); "
                             f"the projection needs one complete base year.")
    if wanted is None:
        return int(years[-1])
    if wanted not in years:
        raise AnalyticsError(f"{path}: {wanted} is not a complete year of both pooled funds; complete years: "
                             f"{', '.join(map(str, years))}.")
    return int(wanted)


def _fund_rows(funds: pd.DataFrame, year: int) -> tuple[pd.Series, pd.Series]:
    rows = funds[funds["year"] == year].set_index("fund_key")
    for key in ("employee_pool", "resident_pool"):
        if pd.isna(rows.loc[key, "closing_balance_amt"]):
            raise AnalyticsError(f"{rows.loc[key, 'fund_name_zh']} has no cumulative balance at the end of {year} "
                                 f"(no fund_balance ledger row before it); deliver the fund's opening balance.")
    return rows.loc["employee_pool"].astype(object), rows.loc["resident_pool"].astype(object)


def _employee_fund(row: pd.Series, rate: float) -> EmployeeFund:
    contributors = float(row["active_person_years"])
    if contributors <= 0:
        raise AnalyticsError("The employee pool has no in-service person-years in the base year.")
    other = float(row["income_individual_contribution_amt"]) + float(row["income_fiscal_subsidy_amt"]) \
        + float(row["income_other_amt"])
    return EmployeeFund(
        opening_balance=float(row["closing_balance_amt"]),
        contribution_base=float(row["income_employer_contribution_amt"]) / (contributors * rate),
        contribution_rate=rate, other_income_per_contributor=other / contributors,
        income=float(row["income_amt"]) - float(row["income_interest_amt"]),
        expenditure=float(row["expenditure_amt"]),
    )


def _resident_fund(row: pd.Series) -> ResidentFund:
    participants = float(row["resident_person_years"])
    if participants <= 0:
        raise AnalyticsError("The resident fund has no participant person-years in the base year.")
    other = float(row["income_employer_contribution_amt"]) + float(row["income_other_amt"])
    return ResidentFund(
        opening_balance=float(row["closing_balance_amt"]),
        individual_contribution=float(row["income_individual_contribution_amt"]) / participants,
        fiscal_subsidy=float(row["income_fiscal_subsidy_amt"]) / participants,
        other_income_per_head=other / participants,
        income=float(row["income_amt"]) - float(row["income_interest_amt"]),
        expenditure=float(row["expenditure_amt"]),
    )
