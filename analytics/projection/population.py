"""Cohort-component projection of the insured population by status × sex × single age.

Each year, in this order: deaths and ageing (life table with improvement), net 断保 by status,
net migration by age, moves between 居民 and 职工在职 that keep the in-service share of people
aged 16–49 on its path (entry into jobs, 灵活就业, job loss), retirement at the statutory age of
each birth cohort, and births into 居民. Everything is numpy over (status, sex, age); the only
loop is over the years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.projection import mortality, retirement
from analytics.projection.assumptions import Assumptions
from analytics.projection.base import ACTIVE, MAX_AGE, N_AGES, RESIDENT, RETIRED, BaseData

MALE_BIRTH_SHARE = 111.3 / 211.3          # sex ratio at birth 111.3 (第七次人口普查 2020) [R]
COVERAGE_AGES = slice(16, 50)             # below the earliest statutory age (women, 50): share held on its path
COVERAGE_BAND = 5
# relative intensity of net migration by age [I]: young adults move most, the old least
_MIGRATION_PROFILE = ((0, 0.5), (16, 1.5), (25, 2.0), (35, 1.0), (45, 0.5), (60, 0.2))
# age-specific fertility shape: gamma over age − 14, mean age at birth 29, sd 5.5 [I]
_FERTILITY_SHAPE, _FERTILITY_SCALE, _FERTILITY_START = 7.4, 2.03, 14

# internal states: in-service split by statutory-age group, so each keeps its own schedule
_MAIN, _EARLY, _RETIRED, _RESIDENT = 0, 1, 2, 3


@dataclass(frozen=True)
class PopulationRates:
    """What moves people from one year end to the next; arrays are indexed by projection year."""
    first_year: int
    death: np.ndarray                 # (year, sex, age) probability of dying within the year
    fertility: np.ndarray             # (year, age) births per insured woman of that age
    newborn_participation: float
    migration: np.ndarray             # (year, age) net migration as a share of the people of that age
    participation: np.ndarray         # (status,) net change per year (断保 −, return +)
    coverage: np.ndarray              # (year, sex, age) in-service share among 在职 + 居民; NaN = free
    retirement: np.ndarray            # (category, year, age), categories of retirement.CATEGORIES
    female_early_share: float         # female employees whose pre-reform age was 50
    base_retired_share: np.ndarray    # (category, age) share past the statutory age at the base year end


def fertility_rates(tfr: float) -> np.ndarray:
    """(age,) births per woman-year summing to `tfr` over ages 15–49."""
    ages = np.arange(N_AGES) - _FERTILITY_START
    shape = np.where((ages > 0) & (ages < 36), np.clip(ages, 1e-9, None) ** (_FERTILITY_SHAPE - 1)
                     * np.exp(-ages / _FERTILITY_SCALE), 0.0)
    return tfr * shape / shape.sum()


def migration_profile(population: np.ndarray) -> np.ndarray:
    """(age,) relative migration intensity, scaled so the base population's average is 1."""
    profile = np.zeros(N_AGES)
    for start, value in _MIGRATION_PROFILE:
        profile[start:] = value
    people = population.sum(axis=(0, 1))
    mean = (profile * people).sum() / people.sum() if people.sum() > 0 else 1.0
    return profile / mean


def base_coverage(population: np.ndarray) -> np.ndarray:
    """(sex, age) in-service share among 在职 + 居民 of the base year by 5-year band, at ages
    16–49 (NaN elsewhere); bands without anybody are NaN (no target)."""
    out = np.full((2, N_AGES), np.nan)
    for start in range(COVERAGE_AGES.start, COVERAGE_AGES.stop, COVERAGE_BAND):
        band = slice(start, min(start + COVERAGE_BAND, COVERAGE_AGES.stop))
        active = population[ACTIVE, :, band].sum(axis=1)
        pool = active + population[RESIDENT, :, band].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, band] = np.where(pool > 0, active / pool, np.nan)[:, None]
    return out


def rates_for(base: BaseData, assumptions: Assumptions) -> PopulationRates:
    """The population rates the assumptions imply for the projection years of a base."""
    horizon = assumptions.horizon
    years = base.base_year + 1 + np.arange(horizon)
    coverage = base_coverage(base.population)
    trend = (1 + assumptions.employee_coverage_trend) ** np.arange(1, horizon + 1)
    share = assumptions.female_early_retirement_share
    return PopulationRates(
        first_year=int(years[0]),
        death=mortality.death_probabilities(years, assumptions.mortality_improvement),
        fertility=np.broadcast_to(fertility_rates(assumptions.tfr), (horizon, N_AGES)),
        newborn_participation=assumptions.newborn_participation,
        migration=np.broadcast_to(assumptions.net_migration_rate * migration_profile(base.population),
                                  (horizon, N_AGES)),
        participation=np.array([0.0, 0.0, assumptions.resident_participation_change]),
        coverage=np.clip(coverage[None] * trend[:, None, None], 0.0, 1.0),
        retirement=retirement.retirement_rates(int(years[0]), horizon, assumptions.retirement_policy,
                                               assumptions.extra_retirement_delay_months),
        female_early_share=base.female_early_retirement_share if share is None else share,
        base_retired_share=retirement.share_retired_by(base.base_year, assumptions.retirement_policy,
                                                       assumptions.extra_retirement_delay_months),
    )


def _initial_states(population: np.ndarray, rates: PopulationRates) -> np.ndarray:
    """(state, sex, age): the base population with female in-service persons split between the
    55 and 50 statutory-age groups in proportion to the share of each group still in service."""
    states = np.zeros((4, 2, N_AGES))
    states[_MAIN] = population[ACTIVE]
    states[_RETIRED] = population[RETIRED]
    states[_RESIDENT] = population[RESIDENT]
    s = rates.female_early_share
    early_left = s * (1 - rates.base_retired_share[retirement.FEMALE_50])
    late_left = (1 - s) * (1 - rates.base_retired_share[retirement.FEMALE_55])
    total = early_left + late_left
    early = np.where(total > 0, early_left / np.where(total > 0, total, 1), 0.0)
    states[_EARLY, 1] = population[ACTIVE, 1] * early
    states[_MAIN, 1] = population[ACTIVE, 1] * (1 - early)
    return states


def project_population(population: np.ndarray, rates: PopulationRates) -> np.ndarray:
    """(year, status, sex, age) insured persons at each year end, the base year first."""
    horizon = rates.death.shape[0]
    states = _initial_states(population, rates)
    out = np.empty((horizon + 1, 3, 2, N_AGES))
    out[0] = population
    male_60, female_55, female_50 = (rates.retirement[c] for c in
                                      (retirement.MALE_60, retirement.FEMALE_55, retirement.FEMALE_50))
    for t in range(horizon):
        women = states[:, 1].sum(axis=0)
        survivors = states * (1.0 - rates.death[t])[None]
        aged = np.zeros_like(states)
        aged[:, :, 1:] = survivors[:, :, :-1]
        aged[:, :, MAX_AGE] += survivors[:, :, MAX_AGE]
        aged[[_MAIN, _EARLY]] *= 1 + rates.participation[ACTIVE]
        aged[_RETIRED] *= 1 + rates.participation[RETIRED]
        aged[_RESIDENT] *= 1 + rates.participation[RESIDENT]
        aged *= 1 + rates.migration[t][None, None, :]
        _move_to_coverage(aged, rates.coverage[t], rates.female_early_share)
        retiring_main = aged[_MAIN] * np.stack([male_60[t], female_55[t]])
        retiring_early = aged[_EARLY] * np.stack([np.zeros(N_AGES), female_50[t]])
        aged[_MAIN] -= retiring_main
        aged[_EARLY] -= retiring_early
        aged[_RETIRED] += retiring_main + retiring_early
        births = (rates.fertility[t] * women).sum() * rates.newborn_participation
        newborns = births * np.array([MALE_BIRTH_SHARE, 1 - MALE_BIRTH_SHARE])
        aged[_RESIDENT, :, 0] += newborns * (1.0 - 0.5 * rates.death[t, :, 0])     # born mid-year
        states = aged
        out[t + 1, ACTIVE] = states[_MAIN] + states[_EARLY]
        out[t + 1, RETIRED] = states[_RETIRED]
        out[t + 1, RESIDENT] = states[_RESIDENT]
    return out


def _move_to_coverage(states: np.ndarray, coverage: np.ndarray, early_share: float) -> None:
    """Move people between 居民 and 在职 (in place) so that, where coverage is set, the in-service
    share of 在职 + 居民 equals it; newcomers to service join the female groups by early_share."""
    target_ages = ~np.isnan(coverage)
    active = states[_MAIN] + states[_EARLY]
    pool = active + states[_RESIDENT]
    move = np.where(target_ages, np.nan_to_num(coverage) * pool - active, 0.0)      # (sex, age)
    joining = np.clip(move, 0.0, None)
    leaving = np.clip(-move, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(active > 0, 1 - leaving / np.where(active > 0, active, 1), 1.0)
    states[_MAIN] *= keep
    states[_EARLY] *= keep
    states[_RESIDENT] += leaving - joining
    states[_MAIN, 0] += joining[0]
    states[_MAIN, 1] += joining[1] * (1 - early_share)
    states[_EARLY, 1] += joining[1] * early_share


def person_years(population: np.ndarray) -> np.ndarray:
    """(year, status, sex, age) person-years lived in each projection year: the mean of the
    year-start and year-end counts."""
    return 0.5 * (population[:-1] + population[1:])

