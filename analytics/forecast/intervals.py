"""Prediction intervals: the model's own multipliers, recalibrated from backtest errors
(split-conformal, per horizon), and the mapping back to money.

A backtest gives, per horizon, scores |actual − forecast| / sd on the working scale. The
conformal multiplier at level L is the ⌈(n+1)L⌉-th smallest of n scores; an interval
mean ± k·sd with that k covers a new error with probability ≥ L if errors are exchangeable.
Model intervals are known to be too narrow (forecasting doc A4) — ETS and SARIMA under-cover
in our backtests — while the combination, whose spread is the mean of its members', and Theta
over-cover; so the multiplier is replaced in both directions, not only widened. The model's
sd still shapes the interval (how it grows with the horizon, asymmetry after the log).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analytics.forecast.scale import Scale

LEVELS = (0.80, 0.95)
MIN_SCORES = 10          # fewer backtest scores at a horizon: keep the model's multiplier


def tag(level: float) -> int:
    """80 for 0.80: the suffix of column names."""
    return round(level * 100)


def model_multipliers(df: float | None) -> dict[float, float]:
    """The model's own multiplier per level: normal quantiles, or Student-t with `df`."""
    dist = stats.norm if df is None else stats.t(df)
    return {level: float(dist.ppf(0.5 + level / 2)) for level in LEVELS}


def conformal_multiplier(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile of the scores (their maximum when there are too few)."""
    ordered = np.sort(scores)
    rank = min(math.ceil((len(ordered) + 1) * level), len(ordered))
    return float(ordered[rank - 1])


def calibration(scores_by_horizon: list[np.ndarray], horizon: int, df: float | None) -> pd.DataFrame:
    """Per horizon 1..`horizon`: the factor on the model's interval half-width at each level,
    from backtest scores (infinite ones, errors against a zero spread, left out). Horizons with fewer than MIN_SCORES scores take the factors of the
    last horizon that had enough; with none, every factor is 1."""
    base = model_multipliers(df)
    rows, last = [], {level: 1.0 for level in LEVELS}
    for h in range(1, horizon + 1):
        scores = scores_by_horizon[h - 1] if h <= len(scores_by_horizon) else np.array([])
        scores = scores[np.isfinite(scores)]        # an error against a zero spread: no scale
        if len(scores) >= MIN_SCORES:
            last = {level: conformal_multiplier(scores, level) / base[level] for level in LEVELS}
        rows.append({"horizon": h, "n_scores": len(scores), **{f"factor{tag(lv)}": last[lv] for lv in LEVELS}})
    frame = pd.DataFrame(rows)
    # the outer interval contains the inner one, whatever the scores
    frame["factor95"] = np.maximum(frame["factor95"], frame["factor80"] * base[0.80] / base[0.95])
    return frame


def bounds(mean: np.ndarray, sd: np.ndarray, df: float | None, scale: Scale, floor: float | None,
           factors: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """mean, lo80, hi80, lo95, hi95 in money: quantiles on the working scale mapped back, so
    lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95; floored at `floor` (0 for a never-negative history)."""
    base = model_multipliers(df)
    out = {"mean": scale.inverse(mean)}
    for level in LEVELS:
        k = base[level] * (factors[f"factor{tag(level)}"].to_numpy() if factors is not None else 1.0)
        out[f"lo{tag(level)}"] = scale.inverse(mean - k * sd)
        out[f"hi{tag(level)}"] = scale.inverse(mean + k * sd)
    if floor is not None:
        out = {name: np.maximum(values, floor) for name, values in out.items()}
    return {name: out[name] for name in ("mean", "lo80", "hi80", "lo95", "hi95")}
