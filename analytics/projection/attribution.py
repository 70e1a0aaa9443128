"""attribute(): which change moved the result between two runs, by sequential substitution.

Starting from the previous run's saved result, the steps are: method (the previous inputs
re-projected with today's code), data (the current base), then each assumption that differs,
in the order of assumption_names(), each step substituting one more current value. The last
step ends at the current run's result, so the steps add up exactly to the total change. The
measures are each fund's cumulative balance in the last year both runs project, its depletion
year and first deficit year, a fund lasting past that year counting as that year + 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.projection.assumptions import assumption_names, scenario_table
from analytics.projection.base import FUNDS, BaseData
from analytics.projection.engine import Projection, project
from analytics.projection.runs import Run

MEASURES = ("balance", "depletion_year", "first_deficit_year")


def _measures(projection: Projection, year: int) -> dict[str, dict[str, float]]:
    """fund → measure → value at the comparison year (years past it are censored to year + 1)."""
    out = {}
    for fund in FUNDS:
        rows = projection.fund_years(fund)
        summary = projection.summary.loc[fund]
        out[fund] = {
            "balance": float(rows.loc[year, "cumulative_balance"]) if year in rows.index else np.nan,
            "depletion_year": _censor(summary["depletion_year"], year),
            "first_deficit_year": _censor(summary["first_deficit_year"], year),
        }
    return out


def _censor(value: float, year: int) -> float:
    return float(year + 1) if pd.isna(value) or value > year else float(value)


def attribute(previous_run: Run, current_run: Run) -> pd.DataFrame:
    """One row per step × fund: step number, factor ('method', 'data' or an assumption name),
    its Chinese label, previous and current value, and for each measure the value after the step
    and the change the step made (balance_change, depletion_year_change, first_deficit_year_change).
    Σ of a fund's changes = current − previous saved result."""
    previous, current = previous_run.projection, current_run.projection
    year = int(min(previous.years["year"].max(), current.years["year"].max()))
    labels = {name: spec.get("label_zh", name) for name, spec in scenario_table().items()}
    steps: list[tuple[str, str, object, object, dict]] = [
        ("previous", "上次结果", None, None, _measures(previous, year))]

    base: BaseData = previous.base
    assumptions = previous.assumptions
    steps.append(("method", "方法（代码）变化", None, None, _measures(project(base, assumptions), year)))
    if current.base.fingerprint() != base.fingerprint():
        base = current.base
        steps.append(("data", "基础数据变化", previous.base.label, current.base.label,
                      _measures(project(base, assumptions), year)))
    for name in assumption_names():
        old, new = getattr(assumptions, name), getattr(current.assumptions, name)
        if old != new:
            assumptions = assumptions.replace(**{name: new})
            steps.append((name, labels.get(name, name), old, new, _measures(project(base, assumptions), year)))
    final = _measures(current, year)
    steps.append(("method", "方法（代码）变化", None, None, final))    # nil unless the current run is stale

    rows = []
    for number, ((factor, label, old, new, after), (_, _, _, _, before)) in enumerate(zip(steps[1:], steps[:-1]), 1):
        for fund in FUNDS:
            row = {"step": number, "factor": factor, "label_zh": label, "previous_value": old,
                   "current_value": new, "fund": fund, "comparison_year": year}
            for measure in MEASURES:
                row[measure] = after[fund][measure]
                row[f"{measure}_change"] = after[fund][measure] - before[fund][measure]
            rows.append(row)
    frame = pd.DataFrame(rows)
    changed = frame.groupby("step")[[f"{m}_change" for m in MEASURES]].apply(lambda g: g.abs().sum().sum() > 0)
    keep = frame["step"].map(changed) | ~frame["factor"].eq("method")
    return frame[keep].reset_index(drop=True)
