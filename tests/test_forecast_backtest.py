"""Rolling-origin backtest: origin counts, MASE of the baseline, metric columns, annual series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.forecast import backtest


def trend_plus_season(n: int) -> pd.Series:
    """A straight line plus a fixed seasonal pattern: every year-on-year change is exactly 24."""
    t = np.arange(n)
    season = np.array([5, -3, 0, 2, 1, -1, -2, 0, 1, -1, 3, 8], dtype=float)
    return pd.Series(1000 + 2.0 * t + season[t % 12], index=pd.date_range("2019-01-01", periods=n, freq="MS"))


def test_backtest_scores_the_longest_horizon_from_min_origins_and_shorter_ones_from_more():
    result = backtest(trend_plus_season(60), horizon=12, methods=["snaive"], min_origins=24)
    counts = result.metrics.set_index("horizon")["n_origins"]
    assert counts[12] == 24 and counts[1] == 35
    assert (counts.diff().dropna() == -1).all()
    # origins before the first evaluated one (training length 25) only calibrate: one here
    assert result.errors.loc[~result.errors["evaluated"], "n_train"].unique().tolist() == [24]


def test_backtest_of_a_short_series_uses_every_origin_it_can():
    result = backtest(trend_plus_season(40), horizon=12, methods=["snaive"], min_origins=24)
    counts = result.metrics.set_index("horizon")["n_origins"]
    assert counts[1] == 16 and counts[12] == 5       # origins 24 … 39; h = 12 needs n ≤ 28


def test_seasonal_naive_has_mase_one_against_its_own_in_sample_error():
    result = backtest(trend_plus_season(60), horizon=12, methods=["snaive"])
    assert np.allclose(result.metrics["mase"], 1.0)
    board = result.leaderboard.set_index("method")
    assert board.loc["snaive", "relative_to_baseline"] == pytest.approx(1.0)
    assert board.loc["snaive", "baseline"] == "snaive"


def test_metrics_and_leaderboard_carry_the_documented_columns():
    result = backtest(trend_plus_season(50), horizon=3, methods=["ets", "sarima"], min_origins=12)
    assert {"method", "horizon", "mase", "bias", "coverage80", "coverage95", "n_origins"} <= set(result.metrics.columns)
    assert set(result.metrics["method"]) == {"snaive", "ets", "sarima"}
    assert {"method", "mase", "relative_to_baseline"} <= set(result.leaderboard.columns)
    assert result.leaderboard["mase"].is_monotonic_increasing
    # on an exact line plus season the fitted models beat last year's value
    assert (result.leaderboard.set_index("method").loc[["ets", "sarima"], "relative_to_baseline"] < 0.5).all()
    assert result.metrics[["coverage80", "coverage95"]].stack().between(0, 1).all()
    assert result.seconds > 0


def test_bias_is_the_signed_error_as_a_share_of_the_actuals():
    # the seasonal naive is always 24 below: bias = −24 / mean actual, in per cent
    y = trend_plus_season(60)
    result = backtest(y, horizon=1, methods=["snaive"], min_origins=10)
    actual = y.iloc[-10:]
    assert result.metrics["bias"].iloc[0] == pytest.approx(-100 * 24 * 10 / actual.abs().sum())


def test_annual_backtest_measures_the_naive_against_itself():
    y = pd.Series(100.0 + 5 * np.arange(8), index=range(2015, 2023))
    result = backtest(y, horizon=2, freq="A")
    mase = result.metrics[result.metrics["method"] == "naive"].set_index("horizon")["mase"]
    assert mase[1] == pytest.approx(1.0) and mase[2] == pytest.approx(2.0)
    assert set(result.metrics["method"]) == {"naive", "drift", "loglinear"}
    drift = result.metrics[result.metrics["method"] == "drift"].set_index("horizon")["mase"]
    assert (drift < 0.3 * mase).all()


def test_too_short_a_series_for_a_backtest_is_a_clear_error():
    with pytest.raises(AnalyticsError, match="a backtest needs at least 25"):
        backtest(trend_plus_season(24), horizon=3)
