"""Statutory retirement age by birth cohort and the share of in-service employees retiring each year.

The schedule (data/retirement_age_schedule.csv) is the 2024 NPC Standing Committee decision on
the gradual increase of the statutory retirement age from 1 January 2025: men 60→63 and women
55→58 by one month per four months of birth, women 50→55 by one month per two months.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from analytics.errors import AnalyticsError
from analytics.projection.base import N_AGES

POLICIES = ("npc2024", "pre2025")
CATEGORIES = ("male_60", "female_55", "female_50")
MALE_60, FEMALE_55, FEMALE_50 = range(len(CATEGORIES))


@dataclass(frozen=True)
class Rule:
    """One worker category of the decision."""
    category: str
    sex: str
    original_age_years: int
    first_birth_month: int    # months since year 0 (year × 12 + month − 1)
    months_per_step: int
    max_delay_months: int


@lru_cache(maxsize=1)
def schedule() -> dict[str, Rule]:
    text = resources.files("analytics.projection").joinpath("data/retirement_age_schedule.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    rules = {}
    for r in rows:
        year, month = (int(v) for v in r["first_birth_month"].split("-"))
        rules[r["category"]] = Rule(r["category"], r["sex"], int(r["original_age_years"]), year * 12 + month - 1,
                                    int(r["months_per_step"]), int(r["max_delay_months"]))
    return rules


def retirement_age_months(category: str, birth_months: np.ndarray, policy: str = "npc2024",
                          extra_delay_months: int = 0) -> np.ndarray:
    """Statutory retirement age in months for births at `birth_months` (year × 12 + month − 1).

    npc2024: original age + min(max delay, ⌊(birth − first birth month) / step⌋ + 1) for births
    from the first birth month on; pre2025: the original age for everyone. extra_delay_months is
    a user assumption added on top for cohorts the reform reaches (born from its first month).
    """
    if policy not in POLICIES:
        raise AnalyticsError(f"Unknown retirement policy {policy!r}; expected one of {', '.join(POLICIES)}.")
    rule = schedule()[category]
    births = np.asarray(birth_months)
    after = births >= rule.first_birth_month
    delay = np.zeros(births.shape, dtype=int)
    if policy == "npc2024":
        steps = (births - rule.first_birth_month) // rule.months_per_step + 1
        delay = np.where(after, np.minimum(steps, rule.max_delay_months), 0)
    delay = delay + np.where(after, extra_delay_months, 0)
    return rule.original_age_years * 12 + delay


@lru_cache(maxsize=32)
def retirement_rates(first_year: int, n_years: int, policy: str, extra_delay_months: int = 0) -> np.ndarray:
    """(category, year, age) share of the in-service employees aged `age` at the end of a year
    who reach their statutory age during that year, births spread evenly over the 12 months.

    For the cohort born in year b = year − age, F(year) is the share whose retirement month falls
    in or before December of `year`; the rate is (F(year) − F(year − 1)) / (1 − F(year − 1)), and
    1 once the whole cohort has passed its age (nobody stays in service past the statutory age).
    """
    years = first_year + np.arange(n_years)
    ages = np.arange(N_AGES)
    births = (years[:, None] - ages[None, :])[..., None] * 12 + np.arange(12)      # (year, age, month)
    out = np.empty((len(CATEGORIES), n_years, N_AGES))
    for c, category in enumerate(CATEGORIES):
        retire_year = (births + retirement_age_months(category, births, policy, extra_delay_months)) // 12
        done_now = (retire_year <= years[:, None, None]).mean(axis=2)
        done_before = (retire_year <= years[:, None, None] - 1).mean(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(done_before < 1, (done_now - done_before) / (1 - done_before), 1.0)
        out[c] = rate
    out.setflags(write=False)
    return out


@lru_cache(maxsize=32)
def share_retired_by(year: int, policy: str, extra_delay_months: int = 0) -> np.ndarray:
    """(category, age) share of each cohort (age at the end of `year`) past its statutory age by
    the end of `year`: splits a base year's female employees between the 50 and 55 groups."""
    ages = np.arange(N_AGES)
    births = (year - ages)[:, None] * 12 + np.arange(12)
    out = np.empty((len(CATEGORIES), N_AGES))
    for c, category in enumerate(CATEGORIES):
        retire_year = (births + retirement_age_months(category, births, policy, extra_delay_months)) // 12
        out[c] = (retire_year <= year).mean(axis=1)
    return out
