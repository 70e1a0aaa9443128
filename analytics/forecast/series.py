"""Check and normalise a series handed to the forecasting API: a complete, regular history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError

FREQS = {"M": "MS", "A": "YS"}           # our frequency codes → pandas offsets (period starts)
SEASON = {"M": 12, "A": 1}               # seasonal period used by models and by MASE
MIN_LENGTH = 3                           # below this nothing is forecast, whatever the method


def check_freq(freq: str) -> str:
    """The frequency code, upper-cased; raises AnalyticsError unless it is M or A."""
    code = str(freq).upper()
    if code not in FREQS:
        raise AnalyticsError(f"frequency {freq!r} is not supported: use M (monthly) or A (annual).")
    return code


def _period_starts(index: pd.Index, freq: str) -> pd.DatetimeIndex:
    if freq == "A" and pd.api.types.is_integer_dtype(index):
        return pd.DatetimeIndex(pd.to_datetime(index.astype(str), format="%Y"))
    if not isinstance(index, pd.DatetimeIndex):
        raise AnalyticsError("the series needs a DatetimeIndex of period starts"
                             + (" or integer years" if freq == "A" else "") + f", not {type(index).__name__}.")
    period = "M" if freq == "M" else "Y"
    starts = index.to_period(period).to_timestamp()
    if not starts.equals(index.normalize()):
        raise AnalyticsError(f"dates must be {'month' if freq == 'M' else 'year'} starts; "
                             f"e.g. {index[starts != index.normalize()][0]:%Y-%m-%d} is not.")
    return pd.DatetimeIndex(starts)


def prepare(y: pd.Series, freq: str) -> pd.Series:
    """A float series on a gap-free DatetimeIndex of period starts with pandas frequency set.

    Raises AnalyticsError for missing or non-numeric values, duplicate or missing periods, and
    histories shorter than MIN_LENGTH.
    """
    freq = check_freq(freq)
    if not isinstance(y, pd.Series):
        raise AnalyticsError(f"expected a pandas Series, got {type(y).__name__}.")
    index = _period_starts(y.index, freq)
    values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise AnalyticsError(f"the series has {bad.sum()} missing or non-numeric value(s), first at "
                             f"{index[bad.argmax()]:%Y-%m-%d}; fill or drop them before forecasting.")
    if index.has_duplicates:
        raise AnalyticsError(f"period {index[index.duplicated()][0]:%Y-%m-%d} appears more than once.")
    series = pd.Series(values, index=index, name=y.name).sort_index()
    full = pd.date_range(series.index[0], series.index[-1], freq=FREQS[freq]) if len(series) else series.index
    if len(full) != len(series):
        gap = full.difference(series.index)[0]
        raise AnalyticsError(f"period {gap:%Y-%m-%d} is missing; the history must have no gaps.")
    if len(series) < MIN_LENGTH:
        raise AnalyticsError(f"the series has {len(series)} point(s); at least {MIN_LENGTH} are needed.")
    series.index = pd.DatetimeIndex(series.index, freq=FREQS[freq])
    return series


def check_horizon(horizon: int) -> int:
    """The horizon; raises AnalyticsError unless it is a positive number of periods."""
    if horizon < 1:
        raise AnalyticsError(f"horizon must be at least 1, got {horizon}.")
    return horizon


def future_index(index: pd.DatetimeIndex, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The `horizon` period starts that follow `index`."""
    return pd.date_range(index[-1], periods=horizon + 1, freq=FREQS[freq])[1:]
