"""The forecasting API used by the dbt python model, the dashboard and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.forecast.backtest import MIN_TRAIN, forecast_errors
from analytics.forecast.intervals import MIN_SCORES, bounds, calibration
from analytics.forecast.methods import Attempts, resolve, run_method
from analytics.forecast.series import check_freq, check_horizon, future_index, prepare


@dataclass(frozen=True)
class ForecastResult:
    """frame: date, mean, lo80, hi80, lo95, hi95 (money, lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95);
    method: the method used; fallback_reason: why it is not the one asked for (or None);
    calibration: per horizon, the factors on the model's interval half-widths from the
    backtest (None when not calibrated); intervals: how the intervals were made, one sentence."""
    frame: pd.DataFrame
    method: str
    requested_method: str
    fallback_reason: str | None
    scale: str
    intervals: str
    calibration: pd.DataFrame | None
    warnings: tuple[str, ...]
    seed: int


def _calibrate(y: pd.Series, horizon: int, freq: str, method: str, df: float | None
               ) -> tuple[pd.DataFrame | None, str]:
    """Calibration factors per horizon from a backtest of `method` on `y`, and one sentence
    saying how the intervals were made."""
    if len(y) <= MIN_TRAIN[freq]:
        return None, "model intervals (history too short to calibrate them by backtest)"
    errors = forecast_errors(y, horizon, freq, [method], first=len(y))
    factors = calibration([g["score"].to_numpy() for _, g in errors.groupby("horizon")], horizon, df)
    if not (factors["n_scores"] >= MIN_SCORES).any():
        return None, "model intervals (too few backtest origins to calibrate them)"
    values = factors[["factor80", "factor95"]].to_numpy()
    return factors, (f"model intervals rescaled per horizon from a backtest over {errors['origin'].nunique()} "
                     f"origins (factors {values.min():.2f}–{values.max():.2f})")


def forecast_series(y: pd.Series, horizon: int, freq: str = "M", method: str = "default", seed: int = 0,
                    calibrate: bool = True) -> ForecastResult:
    """Forecast `horizon` periods after `y` (DatetimeIndex of month or year starts; integer years
    for freq A) with 80% and 95% intervals.

    With `calibrate`, the method is backtested on `y` (every origin from the minimum training
    length) and its interval half-widths rescaled per horizon to the backtest's error
    quantiles (see `intervals`). Every method here is deterministic; `seed` is recorded with
    the result. Raises AnalyticsError for unusable input.
    """
    freq = check_freq(freq)
    check_horizon(horizon)
    y = prepare(y, freq)
    name = resolve(method, freq)
    result = run_method(name, Attempts(y, horizon, freq))
    fc = result.forecast
    factors, intervals = _calibrate(y, horizon, freq, name, fc.df) if calibrate else \
        (None, "model intervals (not calibrated)")
    floor = 0.0 if y.min() >= 0 else None
    frame = pd.DataFrame({"date": future_index(y.index, horizon, freq),
                          **bounds(fc.mean, fc.sd, fc.df, result.scale, floor, factors)})
    return ForecastResult(frame, result.method, name, result.fallback_reason, result.scale.name,
                          intervals, factors, result.warnings, seed)
