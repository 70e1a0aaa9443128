"""Cohort-component population: retirement-age schedule, life table, conservation of people."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.errors import AnalyticsError
from analytics.projection import mortality, population, retirement, scenario
from analytics.projection.base import ACTIVE, MAX_AGE, N_AGES, RESIDENT, RETIRED
from tests.projection_helpers import county_base


def _birth(text: str) -> int:
    year, month = (int(v) for v in text.split("-"))
    return year * 12 + month - 1


# Rows of the annex tables of the 2024 NPC Standing Committee decision on the gradual increase of
# the statutory retirement age: (category, birth month, age after the reform in years and months).
DECISION_ROWS = [
    ("male_60", "1964-12", 60, 0), ("male_60", "1965-01", 60, 1), ("male_60", "1965-04", 60, 1),
    ("male_60", "1965-05", 60, 2), ("male_60", "1965-09", 60, 3), ("male_60", "1965-12", 60, 3),
    ("male_60", "1966-01", 60, 4), ("male_60", "1976-08", 62, 11), ("male_60", "1976-09", 63, 0),
    ("male_60", "1990-06", 63, 0),
    ("female_55", "1969-12", 55, 0), ("female_55", "1970-01", 55, 1), ("female_55", "1970-05", 55, 2),
    ("female_55", "1981-08", 57, 11), ("female_55", "1981-09", 58, 0),
    ("female_50", "1974-12", 50, 0), ("female_50", "1975-01", 50, 1), ("female_50", "1975-03", 50, 2),
    ("female_50", "1984-10", 54, 11), ("female_50", "1984-11", 55, 0),
]


@pytest.mark.parametrize(("category", "birth", "years", "months"), DECISION_ROWS)
def test_statutory_retirement_age_matches_the_decision_annex(category, birth, years, months):
    got = retirement.retirement_age_months(category, np.array([_birth(birth)]))[0]
    assert divmod(int(got), 12) == (years, months)


def test_pre2025_policy_keeps_the_original_ages_for_every_cohort():
    births = np.array([_birth("1960-01"), _birth("1980-06"), _birth("2000-12")])
    assert (retirement.retirement_age_months("male_60", births, "pre2025") == 720).all()
    assert (retirement.retirement_age_months("female_50", births, "pre2025") == 600).all()


def test_retirement_rates_retire_a_cohort_over_the_months_its_ages_fall_in():
    rates = retirement.retirement_rates(2025, 3, "npc2024")
    male = rates[retirement.MALE_60]
    # men born 1965 (age 60 at the end of 2025) retire at 60y1m–60y3m: Feb 2025 … Mar 2026,
    # so 9 of their 12 birth months retire in 2025 and the other 3 in 2026
    assert male[0, 60] == pytest.approx(9 / 12)
    assert male[1, 61] == pytest.approx(1.0)
    assert male[0, 59] == 0.0
    old_rule = retirement.retirement_rates(2025, 1, "pre2025")[0]
    assert old_rule[0, 60] == pytest.approx(1.0) and old_rule[0, 59] == 0.0


def test_unknown_retirement_policy_is_a_user_error():
    with pytest.raises(AnalyticsError, match="retirement policy"):
        retirement.retirement_age_months("male_60", np.array([0]), "2030")


def test_life_table_reproduces_the_published_life_expectancy():
    targets = mortality.life_expectancy_targets()
    table = mortality.base_table(2020)
    for i, sex in enumerate(("male", "female")):
        e0, infant = targets[(2020, sex)]
        assert mortality.life_expectancy(table[i]) == pytest.approx(e0, abs=0.01)
        assert table[i, 0] == pytest.approx(infant, rel=1e-3)
    assert (np.diff(table[:, 30:]) > 0).all(), "adult mortality rises with age"
    later = mortality.death_probabilities(np.array([2030]), 0.015)[0]
    assert (later < table).all()


def _no_movement(base, horizon=5):
    """Rates with no deaths, births, migration, coverage moves or 断保: only ageing and retirement."""
    rates = population.rates_for(base, scenario(horizon=horizon))
    return population.PopulationRates(
        first_year=rates.first_year, death=np.zeros_like(rates.death), fertility=np.zeros_like(rates.fertility),
        newborn_participation=0.0, migration=np.zeros_like(rates.migration), participation=np.zeros(3),
        coverage=np.full_like(rates.coverage, np.nan), retirement=rates.retirement,
        female_early_share=rates.female_early_share, base_retired_share=rates.base_retired_share)


def test_without_deaths_migration_or_entrants_people_are_conserved_and_age_by_one_year():
    base = county_base()
    pop = population.project_population(base.population, _no_movement(base))
    totals = pop.sum(axis=(1, 2, 3))
    assert np.allclose(totals, totals[0], rtol=1e-12)
    by_age = pop.sum(axis=1)                                   # (year, sex, age)
    assert np.allclose(by_age[1:, :, 1:MAX_AGE], by_age[:-1, :, :MAX_AGE - 1])
    assert (by_age[1:, :, 0] == 0).all()
    # retirement moves people from 在职 to 退休 and nowhere else
    assert pop[-1, ACTIVE].sum() < pop[0, ACTIVE].sum()
    assert pop[-1, RETIRED].sum() - pop[0, RETIRED].sum() == pytest.approx(
        pop[0, ACTIVE].sum() - pop[-1, ACTIVE].sum())
    assert np.allclose(pop[:, RESIDENT].sum(axis=(1, 2))[1:], pop[0, RESIDENT].sum())


def test_coverage_moves_keep_the_in_service_share_and_conserve_people():
    base = county_base()
    rates = _no_movement(base)
    coverage = population.base_coverage(base.population)
    held = np.broadcast_to(coverage, rates.coverage.shape)
    rates = population.PopulationRates(**{**rates.__dict__, "coverage": held})
    pop = population.project_population(base.population, rates)
    assert np.allclose(pop.sum(axis=(1, 2, 3)), pop[0].sum())
    active, resident = pop[-1, ACTIVE, :, 16:50], pop[-1, RESIDENT, :, 16:50]
    share = active.sum() / (active.sum() + resident.sum())
    base_share = base.population[ACTIVE, :, 16:50].sum() / (base.population[ACTIVE, :, 16:50].sum()
                                                            + base.population[RESIDENT, :, 16:50].sum())
    assert share == pytest.approx(base_share, rel=0.02)


def test_later_retirement_keeps_more_people_in_service():
    base = county_base()
    law = population.project_population(base.population, population.rates_for(base, scenario(horizon=15)))
    old = population.project_population(base.population, population.rates_for(
        base, scenario(horizon=15, retirement_policy="pre2025")))
    assert law[-1, ACTIVE].sum() > old[-1, ACTIVE].sum()
    assert law[-1, RETIRED].sum() < old[-1, RETIRED].sum()
    assert law.sum() == pytest.approx(old.sum(), rel=1e-9), "retirement moves people, it does not add any"


def test_births_join_the_residents_at_age_zero():
    base = county_base()
    pop = population.project_population(base.population, population.rates_for(base, scenario(horizon=2)))
    assert pop[1, RESIDENT, :, 0].sum() > 0
    assert pop[1, :2, :, 0].sum() == 0
    assert population.fertility_rates(1.0).sum() == pytest.approx(1.0)
    assert population.fertility_rates(1.0)[:15].sum() == 0 and population.fertility_rates(1.0)[50:].sum() == 0
    assert N_AGES == MAX_AGE + 1
