"""Forecasting API: interval shapes, dates, fallbacks, determinism, annual series, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.forecast import ANNUAL_METHODS, DEFAULT_METHOD, METHODS, forecast_series
from analytics.forecast import models
from analytics.forecast.calendar_effects import calendar_regressors
from analytics.forecast.models import ModelForecast

COLUMNS = ["date", "mean", "lo80", "hi80", "lo95", "hi95"]


def monthly(n: int = 48, start: str = "2019-01-01", seed: int = 1) -> pd.Series:
    """A fund-like monthly series: 8 %/yr growth, a December peak, a February dip, noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = np.array([1.10, 0.80, 1.00, 0.96, 0.95, 0.92, 0.94, 0.96, 0.97, 0.95, 1.04, 1.25])
    values = 1e6 * 1.08 ** (t / 12) * season[t % 12] * np.exp(rng.normal(0, 0.03, n))
    return pd.Series(values, index=pd.date_range(start, periods=n, freq="MS"))


def assert_ordered_and_finite(frame: pd.DataFrame) -> None:
    values = frame[COLUMNS[1:]].to_numpy()
    assert np.isfinite(values).all()
    lo95, lo80, mean, hi80, hi95 = (frame[c].to_numpy() for c in ("lo95", "lo80", "mean", "hi80", "hi95"))
    assert (lo95 <= lo80).all() and (lo80 <= mean).all() and (mean <= hi80).all() and (hi80 <= hi95).all()


def test_forecast_frame_has_ordered_intervals_and_dates_that_continue_the_index():
    y = monthly(40)
    result = forecast_series(y, horizon=18, method="ets")
    assert list(result.frame.columns) == COLUMNS
    assert list(result.frame["date"]) == list(pd.date_range("2022-05-01", periods=18, freq="MS"))
    assert_ordered_and_finite(result.frame)
    assert (result.frame["hi95"] - result.frame["lo95"] > result.frame["hi80"] - result.frame["lo80"]).all()
    assert result.calibration is not None and len(result.calibration) == 18
    assert result.method == "ets" and result.fallback_reason is None


@pytest.mark.parametrize("method", [m for m in METHODS if m != "naive"])
def test_every_seasonal_method_forecasts_a_clean_seasonal_series_without_falling_back(method):
    result = forecast_series(monthly(36), horizon=12, method=method, calibrate=False)
    assert result.method == method, result.fallback_reason
    assert result.fallback_reason is None
    assert_ordered_and_finite(result.frame)
    # a sensible forecast: next December above next February, as in the history
    by_month = result.frame.set_index(result.frame["date"].dt.month)["mean"]
    assert by_month[12] > by_month[2]


def test_default_method_is_a_monthly_method():
    assert DEFAULT_METHOD in METHODS
    assert forecast_series(monthly(30), horizon=3, calibrate=False).requested_method == DEFAULT_METHOD


def test_calibrated_intervals_rescale_the_model_intervals_from_backtest_errors():
    y = monthly(44)
    raw = forecast_series(y, horizon=6, method="ets", calibrate=False).frame
    calibrated = forecast_series(y, horizon=6, method="ets")
    assert np.allclose(raw["mean"], calibrated.frame["mean"])
    factor = calibrated.calibration.set_index("horizon")["factor95"]
    log_width = lambda f: np.log(f["hi95"]) - np.log(f["lo95"])  # noqa: E731 — log scale: widths scale exactly
    assert np.allclose(log_width(calibrated.frame), log_width(raw) * factor.to_numpy())
    assert "backtest" in calibrated.intervals


def test_same_seed_gives_identical_forecasts():
    y = monthly(40)
    first = forecast_series(y, horizon=12, method="combo", seed=3)
    second = forecast_series(y, horizon=12, method="combo", seed=3)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert (first.method, first.fallback_reason) == (second.method, second.fallback_reason)


# ---------------------------------------------------------------- fallbacks -----------------

def test_constant_series_gets_a_flat_naive_forecast_and_says_so():
    y = pd.Series(5000.0, index=pd.date_range("2020-01-01", periods=36, freq="MS"))
    result = forecast_series(y, horizon=6)
    assert result.method == "naive"
    assert "constant series" in result.fallback_reason
    assert np.allclose(result.frame[COLUMNS[1:]].to_numpy(), 5000.0)


def test_fourteen_months_fall_back_to_seasonal_naive_with_the_reason():
    y = monthly(14)
    result = forecast_series(y, horizon=12, method="sarima")
    assert result.method == "snaive"
    assert "SARIMA needs at least 24 points" in result.fallback_reason
    assert_ordered_and_finite(result.frame)
    assert np.allclose(result.frame["mean"].iloc[:12], y.iloc[2:14].to_numpy())


def test_ten_months_fall_back_to_naive_through_the_whole_chain():
    result = forecast_series(monthly(10), horizon=4, method="ets", calibrate=False)
    assert result.method == "naive"
    assert "ETS needs at least 24" in result.fallback_reason and "seasonal naive needs at least 14" in result.fallback_reason
    assert_ordered_and_finite(result.frame)


def test_a_huge_spike_still_gives_finite_ordered_forecasts():
    y = monthly(48)
    y.iloc[40] *= 50
    for method in ("ets", "theta", "sarima", "combo"):
        result = forecast_series(y, horizon=12, method=method, calibrate=False)
        assert_ordered_and_finite(result.frame)
        assert result.frame["mean"].max() < 50 * y.max()


def test_explosive_history_is_caught_and_named():
    y = pd.Series(1.6 ** np.arange(36) * 100, index=pd.date_range("2020-01-01", periods=36, freq="MS"))
    result = forecast_series(y, horizon=12, method="ets", calibrate=False)
    assert result.method != "ets" and "explosive" in result.fallback_reason
    assert_ordered_and_finite(result.frame)


@pytest.mark.parametrize("broken, reason", [
    (lambda w, h: ModelForecast(np.full(h, np.nan), np.ones(h)), "NaN or infinite"),
    (lambda w, h: ModelForecast(w.iloc[-1] + np.arange(h) * 1e3, np.ones(h)), "explosive"),
    (lambda w, h: ModelForecast(np.full(h, w.iloc[-1]), np.full(h, 1e3)), "intervals are explosive"),
    (lambda w, h: 1 / 0, "ZeroDivisionError"),
])
def test_model_failures_fall_back_to_seasonal_naive_and_name_the_failure(monkeypatch, broken, reason):
    monkeypatch.setitem(models.MONTHLY_MODELS, "ets", broken)
    result = forecast_series(monthly(36), horizon=6, method="ets", calibrate=False)
    assert result.method == "snaive"
    assert reason in result.fallback_reason


def test_combination_drops_a_failed_member_and_reports_it(monkeypatch):
    monkeypatch.setitem(models.MONTHLY_MODELS, "theta", lambda w, h: ModelForecast(np.full(h, np.inf), np.ones(h)))
    result = forecast_series(monthly(36), horizon=6, method="combo", calibrate=False)
    assert result.method == "combo"
    assert "combination of ets, sarima only" in result.fallback_reason


def test_series_with_zero_months_forecasts_non_negative_values():
    y = monthly(48)
    y[y.index.month.isin([5, 8])] = 0.0          # resident contributions: nothing in some months
    result = forecast_series(y, horizon=12, method="sarima", calibrate=False)
    assert result.method == "sarima" and result.scale.startswith("log(y + ")
    assert_ordered_and_finite(result.frame)
    assert (result.frame["lo95"] >= 0).all()
    assert result.frame.set_index(result.frame["date"].dt.month).loc[[5, 8], "mean"].max() < 0.05 * y.max()


def test_statsmodels_warnings_are_recorded_not_printed(recwarn):
    result = forecast_series(monthly(26), horizon=3, method="sarima", calibrate=False)
    assert not [w for w in recwarn if "statsmodels" in str(w.filename)]
    assert all(w.startswith("sarima: ") for w in result.warnings)


# ---------------------------------------------------------------- annual --------------------

def test_annual_series_of_five_years_forecasts_growth_with_intervals():
    income = pd.Series([2.36e6, 2.49e6, 2.57e6, 2.69e6, 2.82e6], index=[2019, 2020, 2021, 2022, 2023])
    result = forecast_series(income, horizon=3, freq="A")
    assert result.method == "drift"
    assert list(result.frame["date"].dt.year) == [2024, 2025, 2026]
    assert_ordered_and_finite(result.frame)
    assert result.frame["mean"].is_monotonic_increasing and result.frame["mean"].iloc[0] > 2.82e6


@pytest.mark.parametrize("method", ANNUAL_METHODS)
def test_every_annual_method_works_on_a_short_history(method):
    y = pd.Series([100.0, 104.0, 109.0, 113.0, 118.0, 121.0], index=pd.date_range("2018-01-01", periods=6, freq="YS"))
    result = forecast_series(y, horizon=5, freq="A", method=method)
    assert result.method == method
    assert_ordered_and_finite(result.frame)


def test_seasonal_methods_are_not_offered_for_annual_series():
    with pytest.raises(AnalyticsError, match="not available for freq A"):
        forecast_series(pd.Series([1.0, 2.0, 3.0], index=[2020, 2021, 2022]), horizon=2, freq="A", method="sarima")


# ---------------------------------------------------------------- bad input -----------------

@pytest.mark.parametrize("y, freq, message", [
    (pd.Series([1.0, 2.0], index=[2022, 2023]), "A", "at least 3 are needed"),
    (pd.Series([1.0, np.nan, 3.0, 4.0], index=pd.date_range("2020-01-01", periods=4, freq="MS")), "M",
     "missing or non-numeric value"),
    (pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2020-01-01", "2020-02-01", "2020-04-01"])), "M",
     "period 2020-03-01 is missing"),
    (pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01"])), "M",
     "appears more than once"),
    (pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2020-01-15", "2020-02-15", "2020-03-15"])), "M",
     "must be month starts"),
    (pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"]), "M", "needs a DatetimeIndex"),
    (pd.Series([1.0, 2.0, 3.0], index=[2020, 2021, 2022]), "Q", "frequency 'Q' is not supported"),
])
def test_unusable_series_raise_a_clear_error(y, freq, message):
    with pytest.raises(AnalyticsError, match=message):
        forecast_series(y, horizon=2, freq=freq)


def test_calendar_regressors_follow_the_spring_festival_seed():
    months = pd.date_range("2027-12-01", periods=3, freq="MS")
    calendar = calendar_regressors(months)
    # 春节 2028-01-26: holiday 01-25 … 02-01, seven days in January, one in February
    assert calendar["spring_festival"].tolist() == [0.0, 7 / 8, 1 / 8]
    assert calendar["year_end"].tolist() == [1.0, 0.0, 0.0]
    # February 2019: 20 weekdays, 6 of them in the holiday (02-04 … 02-11)
    assert calendar_regressors(pd.date_range("2019-02-01", periods=1, freq="MS"))["working_days"].iloc[0] == 14
    with pytest.raises(AnalyticsError, match="no Spring Festival date for 2040"):
        calendar_regressors(pd.date_range("2040-01-01", periods=1, freq="MS"))


def test_forecasts_the_demo_fund_expenditure_from_the_mart(demo_warehouse):
    from tests.db import query

    rows = query(demo_warehouse, "SELECT month_start, expenditure_amt FROM marts.fct_fund_monthly "
                                 "WHERE fund_pay_type = '999999' ORDER BY month_start")
    y = pd.Series([float(v) for _, v in rows], index=pd.DatetimeIndex([d for d, _ in rows]))
    result = forecast_series(y, horizon=12)
    assert result.method == DEFAULT_METHOD, result.fallback_reason
    assert result.frame["date"].iloc[0] == y.index[-1] + pd.offsets.MonthBegin(1)
    assert_ordered_and_finite(result.frame)
    assert 0.5 * y.iloc[-12:].sum() < result.frame["mean"].sum() < 2 * y.iloc[-12:].sum()


def test_one_year_of_campaign_income_keeps_bounds_near_the_history():
    """A county's first year of resident income (collection campaigns: a few huge months, the
    rest near zero) explodes on the log scale; the last resort is refitted on the level, so the
    95 % bounds stay within a few times the largest month instead of 1e16."""
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    values = np.array([8.6e7, 4.0e6, 1.0e5, 0.0, 0.0, 2.0e5, 0.0, 0.0, 5.0e5, 1.2e7, 6.5e7, 8.0e7])
    result = forecast_series(pd.Series(values, index=months), 24)
    frame = result.frame
    assert np.isfinite(frame[["mean", "lo95", "hi95"]].to_numpy()).all()
    assert frame["hi95"].max() < 20 * values.max()
    assert (frame["lo95"] >= 0).all()
    assert "level scale" in result.fallback_reason
