"""Short-term monthly forecasts of the series of seed forecast_series (analytics.forecast).

One row per series × forecast month: the default method's mean and 80 %/95 % intervals
(calibrated by a backtest of the method on the series), the method actually used and why it
fell back, if it did. A python model because the forecasting is statsmodels; the mart
fct_fund_forecast types and documents it.
"""

import pandas as pd

from analytics.forecast import forecast_series
from analytics.forecast.series import MIN_LENGTH

COLUMNS = {"series_id": "string", "origin_month": "datetime64[ns]", "month_start": "datetime64[ns]",
           "horizon": "int64", "mean": "float64", "lo80": "float64", "hi80": "float64", "lo95": "float64",
           "hi95": "float64", "method": "string", "fallback_reason": "string", "intervals": "string",
           "calibration_origins": "Int64"}


def model(dbt, session):
    dbt.config(materialized="table")
    horizon = int(dbt.config.get("forecast_horizon"))
    values = dbt.ref("int_forecast_series_values").df()
    frames = []
    for series_id, rows in values.groupby("series_id", sort=True):
        rows = rows.sort_values("month_start")
        if len(rows) < MIN_LENGTH:
            continue  # too short to forecast: no rows, and the page says the series has no forecast
        y = pd.Series(rows["value"].astype(float).to_numpy(), index=pd.DatetimeIndex(rows["month_start"]))
        result = forecast_series(y, horizon, freq="M")
        frames.append(result.frame.rename(columns={"date": "month_start"}).assign(
            series_id=series_id, origin_month=y.index[-1], horizon=range(1, horizon + 1),
            method=result.method, fallback_reason=result.fallback_reason, intervals=result.intervals,
            calibration_origins=None if result.calibration is None else int(result.calibration["n_scores"].max())))
    if not frames:  # typed, so the mart's casts bind on an empty table
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)].astype(COLUMNS)
