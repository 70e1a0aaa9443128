"""Short-term forecast marts: fct_fund_forecast is analytics.forecast's default forecast of the
marts' own series, and the backtest python model returns every method's accuracy by horizon."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.forecast import DEFAULT_METHOD, METHODS, forecast_series
from tests.db import query

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 24


def test_fund_forecast_is_the_default_forecast_of_the_funds_monthly_series(demo_warehouse):
    """fct_fund_forecast for 310100 expenditure equals forecast_series on fct_fund_monthly's months."""
    months = query(demo_warehouse, """
        select month_start, expenditure_amt from marts.fct_fund_monthly
        where fund_pay_type = '310100' order by month_start""")
    y = pd.Series([float(v) for _, v in months], index=pd.DatetimeIndex([m for m, _ in months]))
    expected = forecast_series(y, HORIZON).frame
    rows = query(demo_warehouse, """
        select month_start, horizon, origin_month, mean_amt, lo95_amt, hi95_amt, method
        from marts.fct_fund_forecast where series_id = 'fund_310100_expenditure' order by month_start""")
    assert len(rows) == HORIZON
    assert [r[1] for r in rows] == list(range(1, HORIZON + 1))
    assert {r[2] for r in rows} == {months[-1][0]}
    assert [r[0] for r in rows] == list(expected["date"].dt.date)
    cent = Decimal("0.01")
    assert [r[3] for r in rows] == [Decimal(str(v)).quantize(cent) for v in expected["mean"]]
    assert [r[4] for r in rows] == [Decimal(str(v)).quantize(cent) for v in expected["lo95"]]
    assert {r[6] for r in rows} == {DEFAULT_METHOD}


def test_every_series_of_the_seed_is_forecast_including_the_budgeted_pay(demo_warehouse):
    seeded = {r[0] for r in query(demo_warehouse, "select series_id from seeds.forecast_series")}
    forecast = dict(query(demo_warehouse, """
        select series_id, count(*) from marts.fct_fund_forecast group by series_id"""))
    assert set(forecast) == seeded and set(forecast.values()) == {HORIZON}
    assert {"budget_310_pay", "budget_390_pay"} <= seeded


class _FakeDbt:
    """The slice of dbt's python-model object the forecasting models use."""

    def __init__(self, tables: dict[str, pd.DataFrame], config: dict | None = None):
        self._tables, self._config = tables, config or {}
        self.config = self  # dbt.config(...) and dbt.config.get(...)

    def __call__(self, **_kwargs):
        return None

    def get(self, key):
        return self._config[key]

    def ref(self, name):
        table = self._tables[name]
        return type("Relation", (), {"df": lambda _self: table.copy()})()


def _python_model(name: str):
    path = ROOT / "dbt_project" / "models" / "intermediate" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def _series_values(series_id: str, n: int) -> pd.DataFrame:
    months = pd.date_range("2019-01-01", periods=n, freq="MS")
    rng = np.random.default_rng(3)
    values = 1e6 * (1 + 0.005 * np.arange(n)) * (1 + 0.15 * np.sin(2 * np.pi * months.month / 12)) \
        * rng.normal(1, 0.03, n)
    return pd.DataFrame({"series_id": series_id, "month_start": months, "value": values})


def test_backtest_model_scores_every_method_at_every_horizon_and_skips_short_series():
    specs = pd.DataFrame({"series_id": ["long", "short", "not_chosen"], "backtest": [True, True, False]})
    values = pd.concat([_series_values("long", 40), _series_values("short", 20), _series_values("not_chosen", 40)])
    frame = _python_model("int_fund_forecast_backtest")(
        _FakeDbt({"forecast_series": specs, "int_forecast_series_values": values}), None)
    assert set(frame["series_id"]) == {"long"}
    assert set(frame["method"]) == set(METHODS)
    assert sorted(frame["horizon"].unique()) == list(range(1, 13))
    assert frame.loc[frame["is_default_method"], "method"].unique().tolist() == [DEFAULT_METHOD]
    assert frame[["mase", "model_coverage80", "model_coverage95"]].notna().all().all()
    assert frame["coverage95"].notna().any()  # calibrated where enough earlier errors exist
    coverages = frame[["coverage80", "coverage95", "model_coverage80", "model_coverage95"]].stack().dropna()
    assert coverages.between(0, 1).all()


def test_backtest_model_of_only_short_series_is_an_empty_typed_table():
    specs = pd.DataFrame({"series_id": ["short"], "backtest": [True]})
    frame = _python_model("int_fund_forecast_backtest")(
        _FakeDbt({"forecast_series": specs, "int_forecast_series_values": _series_values("short", 12)}), None)
    assert frame.empty and frame["mase"].dtype == "float64" and frame["horizon"].dtype == "int64"


def test_forecast_model_skips_a_series_too_short_to_forecast():
    values = pd.concat([_series_values("ok", 40), _series_values("two_months", 2)])
    frame = _python_model("int_fund_forecast")(
        _FakeDbt({"int_forecast_series_values": values}, {"forecast_horizon": 6}), None)
    assert set(frame["series_id"]) == {"ok"} and len(frame) == 6
    assert (frame["lo95"] <= frame["mean"]).all() and (frame["mean"] <= frame["hi95"]).all()
    assert frame["calibration_origins"].iloc[0] > 0
