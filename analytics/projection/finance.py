"""Fund income, expenditure and balances from projected person-years and economic paths.

Vectorised over simulations: every path is (simulation, year), the deterministic projection is
one simulation. Per fund and year:
    职工 income  = contributors × contribution base × rate × pool share + other income + retiree pay
    居民 income  = participants × (individual contribution + fiscal subsidy + other income per head)
    expenditure = Σ person-years × per-capita fund pay × reimbursement factor × cost index
                  (+ the pool's transfer to retirees' personal accounts)
    interest    = rate × (opening balance + ½ current balance)        (flows arrive mid-year)
    cumulative  = opening + Σ (current balance + interest)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.projection.assumptions import Assumptions
from analytics.projection.base import ACTIVE, FUND_STATUSES, FUNDS, RESIDENT, RETIRED, BaseData


@dataclass(frozen=True)
class EconomicPaths:
    """(simulation, year) annual rates of the projection years."""
    wage_growth: np.ndarray
    price_growth: np.ndarray
    utilisation_growth: np.ndarray
    interest_rate: np.ndarray


@dataclass(frozen=True)
class FundFlows:
    """(simulation, year) arrays of one fund, yuan."""
    contributors: np.ndarray        # 在职 person-years (职工) or participant-years (居民)
    retirees: np.ndarray            # 退休 person-years (0 for 居民)
    contribution_income: np.ndarray
    subsidy_income: np.ndarray      # fiscal subsidy (居民)
    other_income: np.ndarray        # other sources and retiree contributions
    expenditure: np.ndarray
    interest: np.ndarray
    opening_balance: float
    balancing: np.ndarray           # the year's contribution rate (职工) or subsidy per head (居民, that
                                    # year's yuan) with income = expenditure
    level_balancing: np.ndarray     # (simulation,) constant rate (职工) or base-year subsidy per head
                                    # growing at resident_subsidy_growth (居民) with a zero horizon balance

    @property
    def income(self) -> np.ndarray:
        """Income without interest."""
        return self.contribution_income + self.subsidy_income + self.other_income

    @property
    def current_balance(self) -> np.ndarray:
        """当期结余 without interest: income − expenditure."""
        return self.income - self.expenditure

    @property
    def cumulative_balance(self) -> np.ndarray:
        """累计结余 at each year end: opening + Σ (current balance + interest)."""
        return self.opening_balance + np.cumsum(self.current_balance + self.interest, axis=-1)


def deterministic_paths(assumptions: Assumptions) -> EconomicPaths:
    """The assumptions' own paths: constant rates, utilisation growth moving linearly from its
    initial to its ultimate value over convergence_years."""
    years = np.arange(1, assumptions.horizon + 1)
    step = np.clip((years - 1) / max(assumptions.convergence_years, 1), 0.0, 1.0)
    utilisation = assumptions.utilisation_growth + step * (assumptions.utilisation_growth_ultimate
                                                            - assumptions.utilisation_growth)
    constant = np.ones((1, assumptions.horizon))
    return EconomicPaths(wage_growth=constant * assumptions.wage_growth,
                         price_growth=constant * assumptions.price_growth,
                         utilisation_growth=utilisation[None, :],
                         interest_rate=constant * assumptions.interest_rate)


def reimbursement_factor(base: BaseData, change: float, statuses: tuple[int, ...]) -> np.ndarray:
    """(status, sex, age) multiplier of fund pay when the effective reimbursement ratio of every
    cell moves by `change` ratio points, capped at 100 % and floored at 0."""
    ratio = base.fund_pay_ratio()[list(statuses)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ratio > 0, np.clip(ratio + change, 0.0, 1.0) / ratio, 1.0)


def constant_price_cost(base: BaseData, assumptions: Assumptions, years: np.ndarray) -> dict[str, np.ndarray]:
    """fund → (year,) expenditure at base-year prices and utilisation: person-years × per-capita
    fund pay × reimbursement factor. years: (year, status, sex, age) person-years."""
    changes = {"employee": assumptions.reimbursement_change_employee,
               "resident": assumptions.reimbursement_change_resident}
    out = {}
    for fund in FUNDS:
        statuses = FUND_STATUSES[fund]
        per_capita = base.fund_pay_per_capita[list(statuses)] * reimbursement_factor(base, changes[fund], statuses)
        out[fund] = np.einsum("tsxa,sxa->t", years[:, list(statuses)], per_capita)
    return out


def fund_flows(base: BaseData, assumptions: Assumptions, years: np.ndarray,
               paths: EconomicPaths) -> dict[str, FundFlows]:
    """fund → FundFlows for person-years `years` (year, status, sex, age) and economic paths."""
    horizon = years.shape[0]
    wage_index = np.cumprod(1 + paths.wage_growth, axis=1)
    cost_index = np.cumprod((1 + paths.utilisation_growth) * (1 + paths.price_growth), axis=1)
    t = np.arange(1, horizon + 1)
    cost = constant_price_cost(base, assumptions, years)
    zeros = np.zeros_like(wage_index)

    emp = base.employee
    contributors = years[:, ACTIVE].sum(axis=(1, 2))[None, :]
    retirees = years[:, RETIRED].sum(axis=(1, 2))[None, :]
    rate = emp.contribution_rate if assumptions.contribution_rate is None else assumptions.contribution_rate
    payroll = contributors * emp.contribution_base * wage_index * assumptions.pool_share
    other = (contributors * emp.other_income_per_contributor + retirees * assumptions.retiree_contribution) * wage_index
    expenditure = cost["employee"][None, :] * cost_index + retirees * assumptions.retiree_account_transfer * wage_index
    employee = _with_balances(contributors, retirees, payroll * rate, zeros, other, expenditure,
                              paths.interest_rate, emp.opening_balance, lever_income=payroll * rate, unit=payroll,
                              year_unit=payroll)

    res = base.resident
    participants = years[:, RESIDENT].sum(axis=(1, 2))[None, :]
    individual = participants * res.individual_contribution * (1 + assumptions.resident_individual_growth) ** t
    subsidy_unit = participants * (1 + assumptions.resident_subsidy_growth) ** t * np.ones_like(wage_index)
    other_res = participants * res.other_income_per_head * wage_index
    expenditure_res = cost["resident"][None, :] * cost_index
    subsidy = subsidy_unit * res.fiscal_subsidy
    resident = _with_balances(participants, zeros, individual * np.ones_like(wage_index), subsidy, other_res,
                              expenditure_res, paths.interest_rate, res.opening_balance,
                              lever_income=subsidy, unit=subsidy_unit,
                              year_unit=participants * np.ones_like(wage_index))
    return {"employee": employee, "resident": resident}


def _with_balances(contributors, retirees, contributions, subsidy, other, expenditure, interest_rate,
                   opening: float, lever_income: np.ndarray, unit: np.ndarray, year_unit: np.ndarray) -> FundFlows:
    """Interest year by year, and the balancing levers. lever_income is the part of income the
    lever brings: contributions for 职工, whose lever is the rate, and the subsidy for 居民, whose
    lever is the subsidy per head. unit is what one unit of the level lever brings each year (for
    居民 a base-year yuan per head growing with the subsidy), year_unit what one unit of the
    year's own lever brings (payroll; participants)."""
    contributors = np.broadcast_to(contributors, expenditure.shape)
    retirees = np.broadcast_to(retirees, expenditure.shape)
    current = contributions + subsidy + other - expenditure
    without_lever = current - lever_income
    interest = np.empty_like(current)
    balance = np.full(current.shape[0], float(opening))
    # the horizon balance is affine in the lever: fixed + lever × per_unit
    fixed = np.full(current.shape[0], float(opening))
    per_unit = np.zeros(current.shape[0])
    for year in range(current.shape[1]):
        rate = interest_rate[:, year]
        interest[:, year] = rate * (balance + 0.5 * current[:, year])
        balance = balance + current[:, year] + interest[:, year]
        fixed = fixed * (1 + rate) + without_lever[:, year] * (1 + 0.5 * rate)
        per_unit = per_unit * (1 + rate) + unit[:, year] * (1 + 0.5 * rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        balancing = np.where(year_unit > 0, -without_lever / np.where(year_unit > 0, year_unit, 1), np.nan)
        level = np.where(per_unit > 0, -fixed / np.where(per_unit > 0, per_unit, 1), np.nan)
    return FundFlows(contributors=contributors, retirees=retirees, contribution_income=contributions,
                     subsidy_income=subsidy, other_income=other, expenditure=expenditure, interest=interest,
                     opening_balance=float(opening), balancing=balancing, level_balancing=level)
