"""Short-term forecasting of fund series: candidate models with guarded fallbacks, calibrated
intervals and a rolling-origin backtest. `forecast_series` and `backtest` are the API."""

from analytics.forecast.api import ForecastResult, forecast_series
from analytics.forecast.backtest import BacktestResult, backtest
from analytics.forecast.methods import ANNUAL_METHODS, DEFAULT_ANNUAL_METHOD, DEFAULT_METHOD, METHODS

__all__ = ["ANNUAL_METHODS", "DEFAULT_ANNUAL_METHOD", "DEFAULT_METHOD", "METHODS", "BacktestResult",
           "ForecastResult", "backtest", "forecast_series"]
