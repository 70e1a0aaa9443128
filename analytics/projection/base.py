"""The projection's starting point: population, cost curve and fund figures of one base year.

`BaseData` is what `project` needs and nothing more, so it can come from the warehouse
(`warehouse.load_base`) or be written by hand (published studies, tests: `build_base`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError

STATUSES = ("employee_active", "employee_retired", "resident")
STATUS_NAMES_ZH = {"employee_active": "职工在职", "employee_retired": "职工退休", "resident": "居民"}
SEXES = ("male", "female")
MAX_AGE = 100                       # the last age is the open group 100+
N_AGES = MAX_AGE + 1
FUNDS = ("employee", "resident")
FUND_NAMES_ZH = {"employee": "职工医保统筹基金", "resident": "城乡居民医保基金"}
FUND_STATUSES = {"employee": (0, 1), "resident": (2,)}
ACTIVE, RETIRED, RESIDENT = 0, 1, 2
_SEX_CODES = {"male": 0, "1": 0, "男": 0, "female": 1, "2": 1, "女": 1}


@dataclass(frozen=True)
class EmployeeFund:
    """职工统筹 in the base year; money in yuan, per-person values per person-year."""
    opening_balance: float          # 累计结余 at the end of the base year
    contribution_base: float        # average annual contribution base (缴费基数) per contributor
    contribution_rate: float        # rate credited to the pool (门诊共济: the whole employer rate)
    other_income_per_contributor: float = 0.0   # 滞纳金, transfers, other sources (not interest)
    income: float = math.nan        # base-year income without interest, for reference
    expenditure: float = math.nan   # base-year expenditure, for reference


@dataclass(frozen=True)
class ResidentFund:
    """居民医保 in the base year; per-head values are what the pool receives per participant-year."""
    opening_balance: float
    individual_contribution: float  # 个人缴费 per participant
    fiscal_subsidy: float           # 财政补助 per participant
    other_income_per_head: float = 0.0
    income: float = math.nan
    expenditure: float = math.nan


@dataclass(frozen=True)
class BaseData:
    """Everything the projection starts from. Arrays are (status, sex, age), ages 0…100+."""
    base_year: int
    population: np.ndarray            # insured persons at the end of the base year
    fund_pay_per_capita: np.ndarray   # pooled-fund pay per person-year, base-year yuan
    medfee_per_capita: np.ndarray     # total medical cost per person-year, base-year yuan
    employee: EmployeeFund
    resident: ResidentFund
    female_early_retirement_share: float   # female employees whose pre-reform age was 50
    label: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self):
        shape = (len(STATUSES), len(SEXES), N_AGES)
        for name in ("population", "fund_pay_per_capita", "medfee_per_capita"):
            values = np.asarray(getattr(self, name), dtype=float)
            if values.shape != shape:
                raise AnalyticsError(f"BaseData.{name} must have shape {shape} (status, sex, age 0–100+), "
                                     f"got {values.shape}.")
            if not np.all(np.isfinite(values)) or (values < 0).any():
                raise AnalyticsError(f"BaseData.{name} holds negative or missing values.")
            object.__setattr__(self, name, values)
        if self.population[:2].sum() <= 0 or self.population[ACTIVE].sum() <= 0:
            raise AnalyticsError("The base population has no 职工在职 contributors; the employee fund "
                                 "cannot be projected.")
        if not 0 <= self.female_early_retirement_share <= 1:
            raise AnalyticsError("female_early_retirement_share must lie between 0 and 1.")

    def fund_pay_ratio(self) -> np.ndarray:
        """Effective reimbursement ratio of each cell (fund pay ÷ total cost), 1 where cost is 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.medfee_per_capita > 0, self.fund_pay_per_capita / self.medfee_per_capita, 1.0)
        return np.clip(ratio, 0.0, 1.0)

    def to_dict(self) -> dict:
        """JSON-ready form (saved with each run, so attribution can re-project old inputs)."""
        out = {k: v for k, v in asdict(self).items() if not isinstance(v, np.ndarray)}
        for name in ("population", "fund_pay_per_capita", "medfee_per_capita"):
            out[name] = getattr(self, name).tolist()
        out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> BaseData:
        return cls(
            base_year=int(data["base_year"]),
            population=np.array(data["population"]), fund_pay_per_capita=np.array(data["fund_pay_per_capita"]),
            medfee_per_capita=np.array(data["medfee_per_capita"]),
            employee=EmployeeFund(**data["employee"]), resident=ResidentFund(**data["resident"]),
            female_early_retirement_share=float(data["female_early_retirement_share"]),
            label=data.get("label", ""), notes=tuple(data.get("notes", ())),
        )

    def fingerprint(self) -> str:
        """Short hash of the inputs: two runs with the same fingerprint started from the same data."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sex_index(values: pd.Series) -> np.ndarray:
    """0 male, 1 female, -1 unknown, from 'male'/'female', NHSA gend codes '1'/'2' or 男/女."""
    return values.astype(str).map(_SEX_CODES).fillna(-1).astype(int).to_numpy()


def status_index(values: pd.Series) -> np.ndarray:
    index = {s: i for i, s in enumerate(STATUSES)}
    unknown = sorted(set(values) - set(index))
    if unknown:
        raise AnalyticsError(f"Unknown status {unknown}; expected one of {', '.join(STATUSES)}.")
    return values.map(index).to_numpy()


def population_array(frame: pd.DataFrame) -> np.ndarray:
    """(status, sex, age) persons from rows status, sex, age, persons; ages above 100 go to 100+,
    persons of unknown sex are split between the sexes in proportion to the known ones of their
    status and age (half each where none is known)."""
    out = np.zeros((len(STATUSES), len(SEXES) + 1, N_AGES))
    status = status_index(frame["status"])
    sex = sex_index(frame["sex"])
    age = np.clip(frame["age"].to_numpy(dtype=int), 0, MAX_AGE)
    np.add.at(out, (status, sex, age), frame["persons"].to_numpy(dtype=float))
    known, unknown = out[:, :2], out[:, 2]
    total = known.sum(axis=1, keepdims=True)
    share = np.where(total > 0, known / np.where(total > 0, total, 1), 0.5)
    return known + share * unknown[:, None, :]


def cost_curve_arrays(cells: pd.DataFrame, credibility_years: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Per-capita fund pay and total cost by (status, sex, single age) from age-band cells.

    cells: status, sex, age_from, age_to (NaN = open to 100+), person_years, fund_pay, medfee
    (amounts of the cell). Each band's value is a credibility blend z·own + (1−z)·neighbours with
    z = person_years / (person_years + credibility_years), where neighbours is the ratio of the
    band's and the two adjacent bands' amounts to their person-years (same status and sex); an
    empty neighbourhood takes the status average. Large data keep their own values; the small
    demo's noisy cells borrow from their neighbours.
    """
    pay = np.zeros((len(STATUSES), len(SEXES), N_AGES))
    fee = np.zeros_like(pay)
    cells = cells.assign(status_i=status_index(cells["status"]), sex_i=sex_index(cells["sex"]))
    cells = cells[cells["sex_i"] >= 0]
    for (s, x), group in cells.groupby(["status_i", "sex_i"]):
        group = group.sort_values("age_from")
        years = group["person_years"].to_numpy(float)
        status_cells = cells[cells["status_i"] == s]
        status_years = status_cells["person_years"].sum()
        for amount, target in (("fund_pay", pay), ("medfee", fee)):
            values = group[amount].to_numpy(float)
            fallback = status_cells[amount].sum() / status_years if status_years > 0 else 0.0
            kernel_amount = np.convolve(values, np.ones(3), "same")
            kernel_years = np.convolve(years, np.ones(3), "same")
            with np.errstate(divide="ignore", invalid="ignore"):
                neighbours = np.where(kernel_years > 0, kernel_amount / kernel_years, fallback)
                own = np.where(years > 0, values / years, 0.0)
            z = years / (years + credibility_years) if credibility_years > 0 else (years > 0).astype(float)
            blended = z * own + (1 - z) * neighbours
            for start, end, value in zip(group["age_from"], group["age_to"], blended):
                last = MAX_AGE if pd.isna(end) else min(int(end), MAX_AGE)
                target[s, x, int(start):last + 1] = max(value, 0.0)
    return pay, fee


def estimate_female_early_share(population: np.ndarray) -> float:
    """Share of female employees whose pre-reform retirement age was 50 (工人) rather than 55
    (干部): the retired share of female employees aged 50–54, where only the early group has
    retired. 0.5 when the base has no female employees of those ages."""
    active = population[ACTIVE, 1, 50:55].sum()
    retired = population[RETIRED, 1, 50:55].sum()
    return float(retired / (active + retired)) if active + retired > 0 else 0.5


def build_base(base_year: int, population: pd.DataFrame, cost_curve: pd.DataFrame,
               employee: EmployeeFund, resident: ResidentFund, *,
               female_early_retirement_share: float | None = None,
               expenditure_targets: dict[str, float] | None = None,
               credibility_years: float = 100.0, label: str = "", notes: tuple[str, ...] = ()) -> BaseData:
    """BaseData from tables: the one constructor behind load_base and every hand-made base.

    population: status, sex, age, persons (end of base_year). cost_curve: status, sex, age_from,
    age_to, person_years, fund_pay, medfee (amounts), see cost_curve_arrays. expenditure_targets
    ({'employee': yuan, 'resident': yuan}) rescales each fund's curve so that the cells'
    person-years × per-capita cost equal the fund's actual base-year expenditure.
    """
    pop = population_array(population)
    pay, fee = cost_curve_arrays(cost_curve, credibility_years)
    notes = list(notes)
    if expenditure_targets:
        exposure = _exposure_array(cost_curve)
        for fund, target in expenditure_targets.items():
            idx = list(FUND_STATUSES[fund])
            modelled = float((exposure[idx] * pay[idx]).sum())
            if modelled > 0 and target > 0:
                factor = target / modelled
                pay[idx] *= factor
                fee[idx] *= factor
                notes.append(f"{fund}: cost curve × {factor:.4f} to match base-year expenditure {target:,.0f} 元")
    if female_early_retirement_share is None:
        female_early_retirement_share = estimate_female_early_share(pop)
    return BaseData(base_year=base_year, population=pop, fund_pay_per_capita=pay, medfee_per_capita=fee,
                    employee=employee, resident=resident,
                    female_early_retirement_share=female_early_retirement_share, label=label, notes=tuple(notes))


def _exposure_array(cells: pd.DataFrame) -> np.ndarray:
    """Person-years of the cells spread evenly over the single ages of their band."""
    out = np.zeros((len(STATUSES), len(SEXES), N_AGES))
    for status, sex, start, end, years in zip(status_index(cells["status"]), sex_index(cells["sex"]),
                                              cells["age_from"], cells["age_to"], cells["person_years"]):
        if sex < 0:
            continue
        last = MAX_AGE if pd.isna(end) else min(int(end), MAX_AGE)
        out[status, sex, int(start):last + 1] += float(years) / (last + 1 - int(start))
    return out
