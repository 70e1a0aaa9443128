"""Rolling-origin backtest of every candidate forecasting method on the series of seed
forecast_series marked backtest (analytics.forecast.backtest): one row per series × method ×
horizon with MASE, bias and the empirical coverage of the 80 %/95 % intervals. The mart
fct_fund_forecast_backtest types and documents it.
"""

import pandas as pd

from analytics.forecast import DEFAULT_METHOD, backtest
from analytics.forecast.backtest import MIN_TRAIN

HORIZON = 12
COLUMNS = {"series_id": "string", "method": "string", "is_default_method": "bool", "horizon": "int64",
           "mase": "float64", "bias": "float64", "coverage80": "float64", "coverage95": "float64",
           "model_coverage80": "float64", "model_coverage95": "float64", "n_origins": "int64"}


def model(dbt, session):
    dbt.config(materialized="table")
    specs = dbt.ref("forecast_series").df()
    chosen = set(specs.loc[specs["backtest"].astype(bool), "series_id"])
    values = dbt.ref("int_forecast_series_values").df()
    frames = []
    for series_id, rows in values[values["series_id"].isin(chosen)].groupby("series_id", sort=True):
        rows = rows.sort_values("month_start")
        if len(rows) <= MIN_TRAIN["M"]:
            continue  # too short for a single origin: no rows, and the page says the series has no backtest
        y = pd.Series(rows["value"].astype(float).to_numpy(), index=pd.DatetimeIndex(rows["month_start"]))
        metrics = backtest(y, HORIZON, freq="M").metrics
        frames.append(metrics.assign(series_id=series_id, is_default_method=metrics["method"] == DEFAULT_METHOD))
    if not frames:  # typed, so the mart's casts bind on an empty table
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)].astype(COLUMNS)
