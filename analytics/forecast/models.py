"""Candidate models. Each fits one working-scale history and returns its point path and
predictive standard deviation per horizon (intervals are built from these in `intervals`).

A model raises `Unsuitable` when it declines a series (too short for it); anything else that
goes wrong is caught and judged by `guard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from analytics.forecast.calendar_effects import calendar_regressors
from analytics.forecast.series import SEASON, future_index

MIN_SEASONAL_LENGTH = 24     # two full years before a seasonal model is fitted
MIN_SNAIVE_LENGTH = 14       # a season plus two seasonal differences for the spread
MAXITER = 100                # optimiser iterations: enough for these small models, bounded time
SARIMA_ORDER = (0, 1, 1)
SARIMA_SEASONAL_ORDER = (0, 1, 1, 12)
SARIMAX_REGRESSORS = ("spring_festival", "working_days")


class Unsuitable(Exception):
    """The model declines this history; the message says why (shown as the fallback reason)."""


@dataclass(frozen=True)
class ModelForecast:
    """Point path and predictive standard deviation on the working scale, one per horizon.

    `df` is the Student-t degrees of freedom for the interval multipliers (None: normal).
    """
    mean: np.ndarray
    sd: np.ndarray
    df: float | None = None


def _require(w: pd.Series, length: int, what: str) -> None:
    if len(w) < length:
        raise Unsuitable(f"{what} needs at least {length} points, the history has {len(w)}")


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values))))


def naive(w: pd.Series, horizon: int) -> ModelForecast:
    """Last value carried forward; spread from one-step changes, growing with √h."""
    steps = np.arange(1, horizon + 1)
    sigma = _rms(np.diff(w.to_numpy()))
    return ModelForecast(np.full(horizon, w.iloc[-1]), sigma * np.sqrt(steps), df=len(w) - 1)


def seasonal_naive(w: pd.Series, horizon: int) -> ModelForecast:
    """Same month last year; spread from year-on-year changes, growing with the years ahead."""
    _require(w, MIN_SNAIVE_LENGTH, "seasonal naive")
    m = SEASON["M"]
    values = w.to_numpy()
    steps = np.arange(horizon)
    sigma = _rms(values[m:] - values[:-m])
    return ModelForecast(values[len(values) - m + steps % m], sigma * np.sqrt(steps // m + 1))


def drift(w: pd.Series, horizon: int) -> ModelForecast:
    """Random walk with drift (on the log scale: constant growth rate); the spread carries the
    uncertainty of the estimated drift (Hyndman & Athanasopoulos, fpp3 §5.5)."""
    changes = np.diff(w.to_numpy())
    k = len(changes)
    steps = np.arange(1, horizon + 1)
    sigma = float(np.std(changes, ddof=1))
    return ModelForecast(w.iloc[-1] + changes.mean() * steps, sigma * np.sqrt(steps * (1 + steps / k)),
                         df=k - 1)


def loglinear(w: pd.Series, horizon: int) -> ModelForecast:
    """Straight-line trend (on the log scale: exponential growth) with OLS prediction intervals."""
    n = len(w)
    t = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(t, w.to_numpy(), 1)
    residuals = w.to_numpy() - (intercept + slope * t)
    s = float(np.sqrt(np.sum(residuals ** 2) / (n - 2)))
    ahead = np.arange(n, n + horizon, dtype=float)
    sd = s * np.sqrt(1 + 1 / n + (ahead - t.mean()) ** 2 / np.sum((t - t.mean()) ** 2))
    return ModelForecast(intercept + slope * ahead, sd, df=n - 2)


def _fit(model, what: str):
    """Fit by maximum likelihood within MAXITER iterations; if that does not converge, go on from
    where it stopped for 3 × MAXITER more; raise Unsuitable if it still does not converge."""
    fit = model.fit(disp=False, maxiter=MAXITER)
    if not fit.mle_retvals.get("converged", True):
        fit = model.fit(disp=False, maxiter=3 * MAXITER, start_params=fit.params)
        if not fit.mle_retvals.get("converged", True):
            raise Unsuitable(f"{what} did not converge in {4 * MAXITER} iterations")
    return fit


def ets(w: pd.Series, horizon: int) -> ModelForecast:
    """State-space ETS(A,Ad,A): damped trend, additive season (multiplicative on the log scale),
    initial states estimated with the smoothing parameters (the heuristic start is much less
    accurate on a few years of data)."""
    _require(w, MIN_SEASONAL_LENGTH, "ETS")
    fit = _fit(ETSModel(w, error="add", trend="add", damped_trend=True, seasonal="add",
                        seasonal_periods=SEASON["M"], initialization_method="estimated"), "ETS")
    prediction = fit.get_prediction(start=len(w), end=len(w) + horizon - 1)
    return ModelForecast(np.asarray(prediction.predicted_mean), np.sqrt(np.asarray(prediction.forecast_variance)))


def _airline(w: pd.Series, horizon: int, regressors: tuple[str, ...], what: str) -> ModelForecast:
    _require(w, MIN_SEASONAL_LENGTH, what)
    exog = calendar_regressors(w.index)[list(regressors)] if regressors else None
    future = calendar_regressors(future_index(w.index, horizon, "M"))[list(regressors)] if regressors else None
    fit = _fit(SARIMAX(w, exog=exog, order=SARIMA_ORDER, seasonal_order=SARIMA_SEASONAL_ORDER,
                       concentrate_scale=True), what)
    prediction = fit.get_forecast(horizon, exog=future)
    return ModelForecast(np.asarray(prediction.predicted_mean), np.asarray(prediction.se_mean))


def sarima(w: pd.Series, horizon: int) -> ModelForecast:
    """Airline model SARIMA(0,1,1)(0,1,1)12: the seasonal pattern and the level both adapt."""
    return _airline(w, horizon, (), "SARIMA")


def sarimax(w: pd.Series, horizon: int) -> ModelForecast:
    """The airline model with calendar regressors: Spring Festival share and working days.

    A December (year-end settlement) dummy is not among them: the seasonal difference already
    absorbs any fixed December effect, so its coefficient is not identified (specifications
    without the seasonal difference that could carry it were less accurate: see
    docs/forecast-backtest.md)."""
    return _airline(w, horizon, SARIMAX_REGRESSORS, "SARIMAX")


def theta(w: pd.Series, horizon: int) -> ModelForecast:
    """Theta method (θ = 2) on the deseasonalised series; additive deseasonalising because the
    working scale already makes it multiplicative (and it fails on zeros otherwise).

    The point forecast is the standard two-step fit. For the spread, statsmodels 0.15 takes the
    residual variance from an IMA(1,1) on the raw, still seasonal series — intervals several
    times too wide — so the variance comes from its MLE fit on the deseasonalised series.
    """
    _require(w, MIN_SEASONAL_LENGTH, "Theta")
    model = ThetaModel(w, period=SEASON["M"], deseasonalize=True, use_test=False, method="additive")
    fit = model.fit()
    alpha = float(fit.params["alpha"])
    sigma2 = float(model.fit(use_mle=True).sigma2)
    sd = np.sqrt(sigma2 * (1 + np.arange(horizon) * (1 + (alpha - 1) ** 2)))
    return ModelForecast(np.asarray(fit.forecast(horizon, theta=2)), sd)


MONTHLY_MODELS: dict[str, Callable[[pd.Series, int], ModelForecast]] = {
    "snaive": seasonal_naive, "naive": naive, "ets": ets, "theta": theta, "sarima": sarima, "sarimax": sarimax,
}
ANNUAL_MODELS: dict[str, Callable[[pd.Series, int], ModelForecast]] = {
    "naive": naive, "drift": drift, "loglinear": loglinear,
}
