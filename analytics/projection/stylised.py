"""Hand-made bases from aggregate figures: a published study's or a bulletin's setting.

A study or a statistical bulletin gives totals (在职, 退休, 居民, income, expenditure, balances),
not a population by single age or a cost curve. `stylised_base` spreads the totals over ages with
an age pyramid and over a documented relative cost curve, then hands them to build_base, so the
same projection runs on them as on the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.projection.base import MAX_AGE, N_AGES, SEXES, STATUSES, BaseData, EmployeeFund, \
    ResidentFund, build_base

# Age pyramid of a central-China county in 2022, weight per 5-year band 0–4 … 95–99
# (ingest/generate/config.py AGE_BAND_WEIGHTS, the demo's calibration).
COUNTY_PYRAMID = (4.2, 5.6, 6.0, 5.4, 4.6, 5.2, 6.4, 7.0, 6.2, 6.6, 8.0, 8.4, 7.4, 7.0, 5.8, 3.8, 2.4, 1.2, 0.45, 0.1)
# China, 第七次人口普查 (2020), % of the population per 5-year band 0–4 … 95+ [R, rounded].
NATIONAL_PYRAMID_2020 = (5.5, 6.4, 6.1, 5.2, 5.3, 6.6, 8.8, 7.0, 6.6, 8.2, 8.7, 7.2, 5.2, 5.0, 3.5, 2.2, 1.5, 0.8,
                         0.3, 0.07)
# Relative chance of a person of each 5-year band 20–24 … 55–59 being an insured employee [I]:
# formal jobs peak at 30–39; many older workers, rural-born, are insured as residents.
EMPLOYMENT_PROFILE = (0.6, 1.0, 1.1, 1.1, 1.0, 0.9, 0.7, 0.5)


@dataclass(frozen=True)
class Aggregates:
    """Totals of one base year; money in yuan, persons in persons."""
    base_year: int
    actives: float
    retirees: float
    residents: float
    employee_expenditure: float
    employee_income: float               # pool income without interest
    employee_balance: float              # 累计结余 at the end of the base year
    resident_expenditure: float
    resident_income: float
    resident_balance: float
    resident_individual_share: float = 0.35   # part of resident income from individual contributions
    retiree_cost_multiple: float = 3.3   # 退休 per-capita cost ÷ 在职 (domain.md §6.2, 2025 bulletin [3P])
    contribution_rate: float = 0.07
    employee_fund_pay_ratio: float = 0.70    # fund pay ÷ total cost
    resident_fund_pay_ratio: float = 0.55
    female_early_retirement_share: float = 0.5
    retirement_age_male: int = 60
    retirement_age_female: int = 55          # of the 55 group; the early group retires at 50
    pyramid: tuple[float, ...] = COUNTY_PYRAMID
    employment_profile: tuple[float, ...] = EMPLOYMENT_PROFILE
    label: str = ""


def relative_cost(ages: np.ndarray) -> np.ndarray:
    """Relative per-capita cost by age [I]: high in the first years of life, lowest in the teens,
    then rising about 4.5 % a year of age (the demo's curve has the same shape)."""
    return np.where(ages < 5, 1.2, 0.5 + np.exp(0.045 * (ages - 45)))


def _pyramid(weights: tuple[float, ...]) -> np.ndarray:
    single = np.repeat(np.asarray(weights, dtype=float) / 5, 5)[:N_AGES]
    return np.pad(single, (0, max(0, N_AGES - len(single))))


def stylised_base(a: Aggregates) -> BaseData:
    """BaseData whose totals, per-capita costs and fund figures equal the aggregates."""
    ages = np.arange(N_AGES)
    people = _pyramid(a.pyramid)
    employable = np.zeros(N_AGES)
    employable[20:20 + 5 * len(a.employment_profile)] = np.repeat(a.employment_profile, 5)
    frames, curve = [], []
    retire = {"male": [(a.retirement_age_male, 1.0)],
              "female": [(50, a.female_early_retirement_share),
                         (a.retirement_age_female, 1 - a.female_early_retirement_share)]}
    shapes = {}
    for x, sex in enumerate(SEXES):
        active = sum(w * ((ages >= 20) & (ages < r)) for r, w in retire[sex]) * people * employable
        retired = sum(w * (ages >= r) for r, w in retire[sex]) * people
        shapes[sex] = {"employee_active": active, "employee_retired": retired, "resident": people}
    totals = {"employee_active": a.actives, "employee_retired": a.retirees, "resident": a.residents}
    cost_level = {}
    for status in STATUSES:
        mass = sum(shapes[sex][status].sum() for sex in SEXES)
        for sex in SEXES:
            persons = shapes[sex][status] / mass * totals[status]
            frames.append(pd.DataFrame({"status": status, "sex": sex, "age": ages, "persons": persons}))
        cost_level[status] = sum((shapes[sex][status] / mass * totals[status] * relative_cost(ages)).sum()
                                 for sex in SEXES)
    # per-capita pay = level × relative cost; levels so that Σ persons × pay = expenditure
    active_unit = a.employee_expenditure / (cost_level["employee_active"]
                                            + a.retiree_cost_multiple * cost_level["employee_retired"]
                                            * _mean_ratio(shapes, "employee_active", "employee_retired"))
    level = {"employee_active": active_unit,
             "employee_retired": active_unit * a.retiree_cost_multiple
             * _mean_ratio(shapes, "employee_active", "employee_retired"),
             "resident": a.resident_expenditure / cost_level["resident"]}
    ratio = {"employee_active": a.employee_fund_pay_ratio, "employee_retired": a.employee_fund_pay_ratio,
             "resident": a.resident_fund_pay_ratio}
    for frame in frames:
        status = frame["status"].iloc[0]
        pay = level[status] * relative_cost(frame["age"].to_numpy())
        curve.append(pd.DataFrame({"status": status, "sex": frame["sex"], "age_from": frame["age"],
                                   "age_to": frame["age"].where(frame["age"] < MAX_AGE),
                                   "person_years": frame["persons"], "fund_pay": pay * frame["persons"],
                                   "medfee": pay * frame["persons"] / ratio[status]}))
    contributions = a.employee_income / a.actives
    individual = a.resident_income * a.resident_individual_share / a.residents
    subsidy = a.resident_income * (1 - a.resident_individual_share) / a.residents
    return build_base(
        a.base_year, pd.concat(frames, ignore_index=True), pd.concat(curve, ignore_index=True),
        employee=EmployeeFund(opening_balance=a.employee_balance, contribution_base=contributions / a.contribution_rate,
                              contribution_rate=a.contribution_rate, income=a.employee_income,
                              expenditure=a.employee_expenditure),
        resident=ResidentFund(opening_balance=a.resident_balance, individual_contribution=individual,
                              fiscal_subsidy=subsidy, income=a.resident_income, expenditure=a.resident_expenditure),
        female_early_retirement_share=a.female_early_retirement_share, credibility_years=0.0, label=a.label,
    )


def _mean_ratio(shapes: dict, active: str, retired: str) -> float:
    """Mean relative cost of the 在职 over that of the 退休, so retiree_cost_multiple compares
    average per-capita costs, not the levels of the curve."""
    def mean(status: str) -> float:
        persons = sum(shapes[sex][status] for sex in SEXES)
        return float((persons * relative_cost(np.arange(N_AGES))).sum() / persons.sum())
    return mean(active) / mean(retired)
