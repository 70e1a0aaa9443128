"""Rolling-origin backtest (expanding window): every method forecasts from each origin, the
errors are scored per horizon.

Evaluation origins are the training lengths n0 … n−1, with n0 chosen so the longest horizon
is scored from `min_origins` origins (shorter horizons from more). Earlier origins, down to
the minimum history a model needs, are fitted too: their errors only calibrate the intervals
of later origins. Each model is fitted once per origin and shared by the methods that use it
(the combination reuses its members' fits).

Metrics per method and horizon, over the evaluation origins:
- mase: mean of |error| / in-sample MAE of the seasonal naive (lag 12; lag 1 for annual) on
  that origin's training window (Hyndman & Koehler 2006);
- bias: Σ(forecast − actual) / Σ|actual| in per cent (positive: over-forecast). A ratio of sums
  rather than a mean of per-cent errors, because income series have zero months;
- model_coverage80/95: share of actuals inside the model's own intervals;
- coverage80/95: the same for the calibrated intervals `forecast_series` returns, each origin
  calibrated only from the errors already observable at that origin (targets inside its
  training window), as in use; `n_calibrated` origins had enough of them (see intervals).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.forecast.intervals import LEVELS, MIN_SCORES, bounds, conformal_multiplier, model_multipliers, tag
from analytics.forecast.methods import ANNUAL_METHODS, METHODS, Attempts, resolve, run_method
from analytics.forecast.models import MIN_SEASONAL_LENGTH
from analytics.forecast.series import MIN_LENGTH, SEASON, check_freq, check_horizon, prepare

BASELINE = {"M": "snaive", "A": "naive"}
MIN_TRAIN = {"M": MIN_SEASONAL_LENGTH, "A": MIN_LENGTH}


@dataclass(frozen=True)
class BacktestResult:
    """metrics: one row per method × horizon; leaderboard: one row per method, best first;
    errors: one row per method × origin × horizon (forecast, model intervals, actual, score,
    `evaluated` False for calibration-only origins); seconds: wall time of the backtest."""
    metrics: pd.DataFrame
    leaderboard: pd.DataFrame
    errors: pd.DataFrame
    seconds: float


def first_evaluated(n: int, horizon: int, min_origins: int, freq: str) -> int:
    """Training length of the first evaluation origin; AnalyticsError when none fits."""
    first = max(MIN_TRAIN[freq], n - horizon - min_origins + 1)
    if first > n - 1:
        raise AnalyticsError(f"the series has {n} points; a backtest needs at least {MIN_TRAIN[freq] + 1}.")
    return first


def forecast_errors(y: pd.Series, horizon: int, freq: str, methods: list[str], first: int) -> pd.DataFrame:
    """One row per method × origin × horizon for every origin from the minimum training length:
    point forecast, model intervals, actual, MASE scale and the score |actual − mean| / sd on
    the working scale; `evaluated` marks origins from training length `first` on."""
    values = y.to_numpy()
    m = SEASON[freq]
    rows = []
    for n in range(MIN_TRAIN[freq], len(y)):
        steps = min(horizon, len(y) - n)
        attempts = Attempts(y.iloc[:n], steps, freq)
        actual = values[n:n + steps]
        mase_scale = float(np.mean(np.abs(values[m:n] - values[:n - m])))
        floor = 0.0 if values[:n].min() >= 0 else None
        for method in methods:
            result = run_method(method, attempts)
            fc = result.forecast
            actual_w = result.scale.forward(actual)
            # an actual the log scale cannot hold (≤ −shift): one log unit below the history
            actual_w = np.where(np.isfinite(actual_w), actual_w, result.scale.forward(values[:n]).min() - 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(fc.sd > 0, np.abs(actual_w - fc.mean) / fc.sd,
                                 np.where(actual_w == fc.mean, 0.0, np.inf))
            base = model_multipliers(fc.df)
            rows.append(pd.DataFrame({
                "method": method, "used": result.method, "fell_back": result.fallback_reason is not None,
                "n_train": n, "evaluated": n >= first, "origin": y.index[n - 1], "target": y.index[n:n + steps],
                "horizon": np.arange(1, steps + 1), "actual": actual,
                **bounds(fc.mean, fc.sd, fc.df, result.scale, floor),
                "mase_scale": mase_scale, "score": score, **{f"k{tag(lv)}": base[lv] for lv in LEVELS},
            }))
    return pd.concat(rows, ignore_index=True)


def _calibrated_cover(group: pd.DataFrame, level: float) -> pd.Series:
    """Per evaluated origin of one method × horizon: whether the actual falls inside the
    interval calibrated from the scores observable at that origin; NaN with too few scores."""
    h = int(group["horizon"].iloc[0])
    scores, n_train = group["score"].to_numpy(), group["n_train"].to_numpy()
    covered = {}
    for i in np.flatnonzero(group["evaluated"].to_numpy()):
        past = scores[(n_train <= n_train[i] - h) & np.isfinite(scores)]
        if len(past) >= MIN_SCORES:
            covered[group.index[i]] = float(scores[i] <= conformal_multiplier(past, level))
    return pd.Series(covered, dtype=float)


def _metrics(errors: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (method, h), group in errors.groupby(["method", "horizon"], sort=False):
        g = group[group["evaluated"]]
        scaled = np.abs(g["actual"] - g["mean"]) / g["mase_scale"].where(g["mase_scale"] > 0)
        cover = {level: _calibrated_cover(group, level) for level in LEVELS}
        rows.append({
            "method": method, "horizon": h,
            "mase": float(scaled.mean()),
            "bias": float(100 * (g["mean"] - g["actual"]).sum() / g["actual"].abs().sum()),
            **{f"coverage{tag(lv)}": float(cover[lv].mean()) if len(cover[lv]) else np.nan for lv in LEVELS},
            **{f"model_coverage{tag(lv)}": float(((g[f"lo{tag(lv)}"] <= g["actual"])
                                                  & (g["actual"] <= g[f"hi{tag(lv)}"])).mean()) for lv in LEVELS},
            "n_origins": len(g), "n_calibrated": len(cover[0.95]),
        })
    return pd.DataFrame(rows)


def _leaderboard(metrics: pd.DataFrame, errors: pd.DataFrame, baseline: str) -> pd.DataFrame:
    board = metrics.groupby("method", sort=False).agg(
        mase=("mase", "mean"), bias=("bias", "mean"), coverage80=("coverage80", "mean"),
        coverage95=("coverage95", "mean")).reset_index()
    board["relative_to_baseline"] = board["mase"] / float(board.loc[board["method"] == baseline, "mase"].iloc[0])
    board["baseline"] = baseline
    origins = errors[errors["evaluated"]].drop_duplicates(["method", "origin"])
    board["fallback_share"] = board["method"].map(origins.groupby("method")["fell_back"].mean())
    return board.sort_values("mase", ignore_index=True)


def backtest(y: pd.Series, horizon: int = 12, freq: str = "M", methods: list[str] | None = None,
             min_origins: int = 24) -> BacktestResult:
    """Rolling-origin backtest of `methods` (default: all for `freq`) on `y` at horizons
    1..`horizon`; the baseline (seasonal naive, or naive for annual) is always included."""
    start = time.perf_counter()
    freq = check_freq(freq)
    y = prepare(y, freq)
    check_horizon(horizon)
    names = [resolve(m, freq) for m in (methods or (METHODS if freq == "M" else ANNUAL_METHODS))]
    names = list(dict.fromkeys([BASELINE[freq], *names]))
    errors = forecast_errors(y, horizon, freq, names, first_evaluated(len(y), horizon, min_origins, freq))
    metrics = _metrics(errors)
    return BacktestResult(metrics, _leaderboard(metrics, errors, BASELINE[freq]), errors,
                          time.perf_counter() - start)
