"""A parametric China life table: one-year death probabilities by sex and single age.

No official single-age table is shipped with the project, so the hazard is a Siler curve
    μ(x) = a1·exp(−b1·x) + a2 + a3·exp(b3·x)
(infant/child decline, background, Gompertz senescence) with the shape parameters fixed and
a1, a3 solved so that the table reproduces the published infant mortality and life expectancy at
birth of data/life_expectancy.csv (第七次人口普查 2020). Later years apply a constant annual
improvement to every death probability. Sources and checks: docs/actuarial-projection.md.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import numpy as np

from analytics.projection.base import N_AGES, SEXES

CALIBRATION_YEAR = 2020
CHILD_DECLINE = 1.6        # b1: how fast infant mortality falls over the first years
BACKGROUND = 0.0004        # a2: age-independent hazard of young adults
SENESCENCE_SLOPE = 0.095   # b3: Gompertz slope (mortality doubles about every 7.3 years of age)
_STEPS = 20                # integration steps per year of age


def life_expectancy_targets() -> dict[tuple[int, str], tuple[float, float]]:
    """(year, sex) → (e0, infant mortality) from data/life_expectancy.csv."""
    text = resources.files("analytics.projection").joinpath("data/life_expectancy.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {(int(r["year"]), r["sex"]): (float(r["e0"]), float(r["infant_mortality"])) for r in rows}


def _death_probabilities(a1: float, a3: float) -> np.ndarray:
    """q(x) for x = 0…100 from the Siler hazard integrated over each year of age; q(100) is the
    probability for the open group, from μ at 100.5."""
    x = np.arange(N_AGES)[:, None] + (np.arange(_STEPS) + 0.5)[None, :] / _STEPS
    hazard = a1 * np.exp(-CHILD_DECLINE * x) + BACKGROUND + a3 * np.exp(SENESCENCE_SLOPE * x)
    return 1.0 - np.exp(-hazard.mean(axis=1))


def life_expectancy(q: np.ndarray) -> float:
    """e0 of a period table: deaths at mid-year, the open group lives 1/μ(100+) more years."""
    survivors = np.concatenate([[1.0], np.cumprod(1.0 - q[:-1])])
    years_lived = survivors[:-1] - 0.5 * (survivors[:-1] - survivors[1:])
    open_group = survivors[-1] / -np.log1p(-min(q[-1], 1.0 - 1e-12))
    return float(years_lived.sum() + open_group)


def _solve(target: float, value, lo: float, hi: float) -> float:
    """Bisection on a log scale for an increasing or decreasing monotone value(p) = target."""
    increasing = value(hi) > value(lo)
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        if (value(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return float(np.sqrt(lo * hi))


@lru_cache(maxsize=64)
def calibrated_table(e0: float, infant_mortality: float) -> np.ndarray:
    """q(0…100) whose infant mortality and life expectancy at birth equal the targets."""
    a3 = 3e-5
    a1 = 0.0
    for _ in range(3):      # a1 sets q(0), a3 sets e0; each barely moves the other's target
        a1 = _solve(infant_mortality, lambda a: _death_probabilities(a, a3)[0], 1e-6, 1.0)
        a3 = _solve(e0, lambda a: life_expectancy(_death_probabilities(a1, a)), 1e-8, 1e-2)
    return _death_probabilities(a1, a3)


@lru_cache(maxsize=16)
def base_table(year: int = CALIBRATION_YEAR) -> np.ndarray:
    """(sex, age) death probabilities calibrated to the published table of `year`."""
    targets = life_expectancy_targets()
    return np.stack([calibrated_table(*targets[(year, sex)]) for sex in SEXES])


def death_probabilities(years: np.ndarray, improvement: float) -> np.ndarray:
    """(year, sex, age) q for each calendar year: the 2020 table × (1 − improvement)^(year − 2020)."""
    factor = (1.0 - improvement) ** (np.asarray(years, dtype=float) - CALIBRATION_YEAR)
    return np.clip(base_table()[None, :, :] * factor[:, None, None], 0.0, 1.0)


def implied_improvement(start_year: int = 2010, end_year: int = CALIBRATION_YEAR) -> dict[str, float]:
    """Average annual decline of q over ages 0–89 between the tables of two published years:
    the past improvement the scenarios' mortality assumption is set against."""
    start, end = base_table(start_year), base_table(end_year)
    span = end_year - start_year
    ages = slice(0, 90)
    return {sex: float(1 - np.exp(np.log(end[i, ages] / start[i, ages]).mean() / span))
            for i, sex in enumerate(SEXES)}


