"""project(): one deterministic projection, its yearly table and its headline years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.projection import finance, population
from analytics.projection.assumptions import Assumptions
from analytics.projection.base import FUND_NAMES_ZH, FUNDS, BaseData

YEAR_COLUMNS = (
    "year", "fund", "fund_name_zh", "contributors", "retirees", "insured", "dependency_ratio", "support_ratio",
    "contribution_income", "subsidy_income", "other_income", "income", "expenditure", "current_balance",
    "interest", "cumulative_balance", "reserve_months", "balancing_contribution_rate",
    "balancing_subsidy_per_head",
)


@dataclass(frozen=True)
class Projection:
    """A projection of both funds.

    years: one row per year × fund (职工 employee, 居民 resident), money in yuan: contributors
    (在职 person-years for 职工, participant-years for 居民), retirees, dependency_ratio (retirees ÷
    contributors) and support_ratio (its inverse, 在职退休比), income without interest by source,
    expenditure, current_balance (income − expenditure), interest, cumulative_balance, reserve_months
    (cumulative balance ÷ monthly expenditure), and what would balance the year: the contribution
    rate (职工) or the fiscal subsidy per head (居民).
    summary: one row per fund: first_deficit_year (当期赤字), depletion_year (累计结余耗尽/穿底; NaN
    when not within the horizon), the horizon's balance and reserve months, and the constant
    contribution rate / base-year subsidy per head that keeps the horizon balance at zero.
    population: (year, status, sex, age) insured persons at each year end, base year first.
    """
    base: BaseData
    assumptions: Assumptions
    years: pd.DataFrame
    summary: pd.DataFrame
    population: np.ndarray

    def fund_years(self, fund: str) -> pd.DataFrame:
        return self.years[self.years["fund"] == fund].set_index("year")


def project(base: BaseData, assumptions: Assumptions) -> Projection:
    """Project the population and both funds for assumptions.horizon years after the base year."""
    rates = population.rates_for(base, assumptions)
    pop = population.project_population(base.population, rates)
    flows = finance.fund_flows(base, assumptions, population.person_years(pop),
                               finance.deterministic_paths(assumptions))
    years = base.base_year + 1 + np.arange(assumptions.horizon)
    table = pd.concat([_year_rows(fund, years, flows[fund]) for fund in FUNDS], ignore_index=True)
    summary = pd.DataFrame([_summary_row(fund, years, flows[fund]) for fund in FUNDS]).set_index("fund")
    return Projection(base=base, assumptions=assumptions, years=table, summary=summary, population=pop)


def first_year(years: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """(simulation,) first year where condition (simulation, year) holds, NaN when never."""
    hit = condition.any(axis=-1)
    return np.where(hit, years[np.argmax(condition, axis=-1)], np.nan)


def _year_rows(fund: str, years: np.ndarray, flows: finance.FundFlows) -> pd.DataFrame:
    def first(values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[0]

    contributors, retirees = first(flows.contributors), first(flows.retirees)
    expenditure = first(flows.expenditure)
    with np.errstate(divide="ignore", invalid="ignore"):
        dependency = np.where(contributors > 0, retirees / contributors, np.nan) if fund == "employee" else np.nan
        support = np.where(retirees > 0, contributors / retirees, np.nan) if fund == "employee" else np.nan
        reserve = np.where(expenditure > 0, first(flows.cumulative_balance) / (expenditure / 12), np.nan)
    balancing = first(flows.balancing)
    frame = pd.DataFrame({
        "year": years, "fund": fund, "fund_name_zh": FUND_NAMES_ZH[fund],
        "contributors": contributors, "retirees": retirees, "insured": contributors + retirees,
        "dependency_ratio": dependency, "support_ratio": support,
        "contribution_income": first(flows.contribution_income), "subsidy_income": first(flows.subsidy_income),
        "other_income": first(flows.other_income), "income": first(flows.income), "expenditure": expenditure,
        "current_balance": first(flows.current_balance), "interest": first(flows.interest),
        "cumulative_balance": first(flows.cumulative_balance), "reserve_months": reserve,
        "balancing_contribution_rate": balancing if fund == "employee" else np.nan,
        "balancing_subsidy_per_head": balancing if fund == "resident" else np.nan,
    })
    return frame[list(YEAR_COLUMNS)]


def _summary_row(fund: str, years: np.ndarray, flows: finance.FundFlows) -> dict:
    cumulative = flows.cumulative_balance[0]
    expenditure = flows.expenditure[0]
    level = float(flows.level_balancing[0])
    return {
        "fund": fund, "fund_name_zh": FUND_NAMES_ZH[fund],
        "first_deficit_year": first_year(years, flows.current_balance[:1] < 0)[0],
        "depletion_year": first_year(years, flows.cumulative_balance[:1] < 0)[0],
        "horizon_year": int(years[-1]),
        "balance_at_horizon": float(cumulative[-1]),
        "reserve_months_at_horizon": float(cumulative[-1] / (expenditure[-1] / 12)) if expenditure[-1] > 0 else np.nan,
        "level_contribution_rate": level if fund == "employee" else np.nan,
        "level_subsidy_per_head": level if fund == "resident" else np.nan,
    }
