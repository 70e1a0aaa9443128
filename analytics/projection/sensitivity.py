"""sensitivity(): one assumption at a time at its low-cost and high-cost value, the rest held."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.projection.assumptions import Assumptions, scenario_table
from analytics.projection.base import FUNDS, BaseData
from analytics.projection.engine import project

COLUMNS = ("assumption", "label_zh", "fund", "value", "low_cost_value", "high_cost_value",
           "depletion_year", "low_cost_depletion_year", "high_cost_depletion_year",
           "low_cost_depletion_change", "high_cost_depletion_change",
           "balance_at_horizon", "low_cost_balance_change", "high_cost_balance_change")


def varied_assumptions() -> dict[str, tuple]:
    """assumption → (low-cost value, high-cost value) for every assumption the scenarios vary."""
    return {name: (spec["low_cost"], spec["high_cost"]) for name, spec in scenario_table().items()
            if name != "horizon" and spec["low_cost"] != spec["high_cost"]}


def sensitivity(base: BaseData, assumptions: Assumptions,
                ranges: dict[str, tuple] | None = None) -> pd.DataFrame:
    """One row per assumption × fund: the depletion year and horizon balance with the assumption
    at its low-cost and at its high-cost value (ranges adds or replaces (low, high) pairs, e.g.
    {'retirement_policy': ('npc2024', 'pre2025')}), and their change from `assumptions`' own
    result. Depletion years are NaN when the fund lasts the horizon. Rows are ordered by the
    swing of the horizon balance, largest first (a tornado chart's order)."""
    central = project(base, assumptions).summary
    table = scenario_table()
    rows = []
    for name, (low, high) in {**varied_assumptions(), **(ranges or {})}.items():
        low_run = project(base, assumptions.replace(**{name: low})).summary
        high_run = project(base, assumptions.replace(**{name: high})).summary
        for fund in FUNDS:
            depletion, balance = central.loc[fund, "depletion_year"], central.loc[fund, "balance_at_horizon"]
            rows.append({
                "assumption": name, "label_zh": table.get(name, {}).get("label_zh", name), "fund": fund,
                "value": getattr(assumptions, name), "low_cost_value": low, "high_cost_value": high,
                "depletion_year": depletion,
                "low_cost_depletion_year": low_run.loc[fund, "depletion_year"],
                "high_cost_depletion_year": high_run.loc[fund, "depletion_year"],
                "low_cost_depletion_change": low_run.loc[fund, "depletion_year"] - depletion,
                "high_cost_depletion_change": high_run.loc[fund, "depletion_year"] - depletion,
                "balance_at_horizon": balance,
                "low_cost_balance_change": low_run.loc[fund, "balance_at_horizon"] - balance,
                "high_cost_balance_change": high_run.loc[fund, "balance_at_horizon"] - balance,
            })
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    swing = np.abs(frame["low_cost_balance_change"] - frame["high_cost_balance_change"])
    return frame.assign(_swing=swing).sort_values(["fund", "_swing"], ascending=[True, False]) \
        .drop(columns="_swing").reset_index(drop=True)
