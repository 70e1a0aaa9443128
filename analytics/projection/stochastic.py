"""simulate(): a stochastic fan around one set of assumptions, and the spread of depletion years.

The population is projected once (its uncertainty is small next to the economic one over a few
decades); wage growth, medical price growth, utilisation growth and the interest rate each get an
AR(1) deviation from their path, with the annual shock (stochastic_sd) and persistence
(stochastic_ar) of data/scenarios.yaml. All simulations run at once as (simulation, year) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.projection import finance, population
from analytics.projection.assumptions import Assumptions, scenario_table
from analytics.projection.base import FUND_NAMES_ZH, FUNDS, BaseData
from analytics.projection.engine import first_year

QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
DRAWN = ("wage_growth", "price_growth", "utilisation_growth", "interest_rate")


@dataclass(frozen=True)
class Simulation:
    """n stochastic projections of one base and set of assumptions.

    depletion_years / first_deficit_years: one row per simulation, one column per fund (NaN: not
    within the horizon). fan: one row per year × fund with quantiles p05…p95 of the cumulative
    balance (yuan). summary: one row per fund with the probability of depletion within the
    horizon and the 10th/50th/90th percentile depletion year (NaN where fewer simulations deplete).
    """
    assumptions: Assumptions
    n: int
    seed: int
    depletion_years: pd.DataFrame
    first_deficit_years: pd.DataFrame
    fan: pd.DataFrame
    summary: pd.DataFrame

    def depletion_distribution(self, fund: str) -> pd.DataFrame:
        """One row per year: share of simulations depleting in that year and by that year."""
        years = self.fan.loc[self.fan["fund"] == fund, "year"].to_numpy()
        hits = self.depletion_years[fund].to_numpy()
        share = np.array([(hits == y).mean() for y in years])
        return pd.DataFrame({"year": years, "share": share, "cumulative_share": share.cumsum()})


def stochastic_paths(assumptions: Assumptions, n: int, rng: np.random.Generator) -> finance.EconomicPaths:
    """(n, year) paths: the deterministic ones plus AR(1) deviations, drawn in DRAWN order."""
    central = finance.deterministic_paths(assumptions)
    table = scenario_table()
    drawn = {}
    for name in DRAWN:
        sd = float(table[name].get("stochastic_sd") or 0.0)
        ar = float(table[name].get("stochastic_ar") or 0.0)
        shocks = rng.standard_normal((n, assumptions.horizon)) * sd
        deviation = np.empty_like(shocks)
        previous = np.zeros(n)
        for year in range(assumptions.horizon):
            previous = ar * previous + shocks[:, year]
            deviation[:, year] = previous
        drawn[name] = getattr(central, name) + deviation
    return finance.EconomicPaths(**drawn)


def simulate(base: BaseData, assumptions: Assumptions, n: int = 1000, seed: int = 0) -> Simulation:
    """n stochastic projections (same seed → same result); see Simulation."""
    if not 1 <= n <= 100_000:
        raise AnalyticsError(f"n={n}: the number of simulations must lie between 1 and 100,000.")
    rates = population.rates_for(base, assumptions)
    years_lived = population.person_years(population.project_population(base.population, rates))
    paths = stochastic_paths(assumptions, n, np.random.default_rng(seed))
    flows = finance.fund_flows(base, assumptions, years_lived, paths)
    years = base.base_year + 1 + np.arange(assumptions.horizon)
    depletion = {f: first_year(years, flows[f].cumulative_balance < 0) for f in FUNDS}
    deficit = {f: first_year(years, flows[f].current_balance < 0) for f in FUNDS}
    fan = pd.concat([_fan_rows(f, years, flows[f].cumulative_balance) for f in FUNDS], ignore_index=True)
    summary = pd.DataFrame([_summary_row(f, depletion[f]) for f in FUNDS]).set_index("fund")
    return Simulation(assumptions=assumptions, n=n, seed=seed, depletion_years=pd.DataFrame(depletion),
                      first_deficit_years=pd.DataFrame(deficit), fan=fan, summary=summary)


def _fan_rows(fund: str, years: np.ndarray, cumulative: np.ndarray) -> pd.DataFrame:
    quantiles = np.quantile(cumulative, QUANTILES, axis=0)
    frame = pd.DataFrame({"year": years, "fund": fund, "fund_name_zh": FUND_NAMES_ZH[fund]})
    for q, values in zip(QUANTILES, quantiles):
        frame[f"p{round(q * 100):02d}"] = values
    return frame


def _summary_row(fund: str, depletion: np.ndarray) -> dict:
    depleted = ~np.isnan(depletion)
    ordered = np.sort(np.where(depleted, depletion, np.inf))

    def percentile(q: float) -> float:
        value = ordered[min(int(np.ceil(q * len(ordered))) - 1, len(ordered) - 1)]
        return float(value) if np.isfinite(value) else np.nan

    return {"fund": fund, "fund_name_zh": FUND_NAMES_ZH[fund], "depletion_probability": float(depleted.mean()),
            "depletion_year_p10": percentile(0.10), "depletion_year_p50": percentile(0.50),
            "depletion_year_p90": percentile(0.90)}
