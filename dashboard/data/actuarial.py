"""The 精算预测 page's data: the short-term forecasts and their backtest (fct_fund_forecast,
fct_fund_forecast_backtest), the series they were made from, and the projection's base year
read from the actuarial marts (cached per warehouse build).

The projection itself is analytics.projection; this module only finds its inputs and turns
its errors into the dashboard's WarehouseUnavailable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.errors import AnalyticsError
from analytics.projection import BaseData, load_base
from dashboard.data.db import WarehouseUnavailable, query
from ingest import settings


def projection_base() -> BaseData:
    """The projection's base year from the warehouse's actuarial marts, read once per build."""
    path = settings.warehouse_path()
    if not path.exists():
        raise WarehouseUnavailable(f"数据仓库尚未构建：{path}（请先运行 make run）")
    return _base(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=2)
def _base(path: Path, _build: int) -> BaseData:
    try:
        return load_base(path)
    except AnalyticsError as exc:
        raise WarehouseUnavailable(f"精算基础数据不可用：{exc}") from exc


def forecast_catalog() -> pd.DataFrame:
    """One row per forecast series: series_id, label_zh, source, subject_code, measure, origin_month,
    method, and whether it has backtest figures."""
    return query("""
        SELECT f.series_id, any_value(f.label_zh) AS label_zh, any_value(f.source) AS source,
               any_value(f.subject_code) AS subject_code, any_value(f.measure) AS measure,
               any_value(f.origin_month) AS origin_month, any_value(f.method) AS method,
               EXISTS (SELECT 1 FROM marts.fct_fund_forecast_backtest b WHERE b.series_id = f.series_id)
                   AS has_backtest
        FROM marts.fct_fund_forecast f
        GROUP BY f.series_id
        ORDER BY any_value(f.source) DESC, any_value(f.subject_code) DESC, any_value(f.measure) DESC""")


def series_history(source: str, subject_code: str, measure: str) -> pd.DataFrame:
    """The months the series was forecast from (month_start, value), as its source mart has them."""
    if source == "budget_rollup":
        return query("""
            SELECT month_start, month_hifp_pay::double AS value FROM marts.fct_budget_execution_rollup
            WHERE rollup_level = 'all' AND insutype = ? ORDER BY month_start""", [subject_code])
    return query("""
        SELECT month_start,
               (CASE ? WHEN 'income_amt' THEN income_amt ELSE expenditure_amt END)::double AS value
        FROM marts.fct_fund_monthly WHERE fund_pay_type = ? ORDER BY month_start""", [measure, subject_code])


def series_forecast(series_id: str) -> pd.DataFrame:
    """The series' forecast months with their intervals (yuan as float), method and fallback."""
    return query("""
        SELECT month_start, horizon, mean_amt::double AS mean, lo80_amt::double AS lo80,
               hi80_amt::double AS hi80, lo95_amt::double AS lo95, hi95_amt::double AS hi95,
               origin_month, method, fallback_reason, calibration_origins
        FROM marts.fct_fund_forecast WHERE series_id = ? ORDER BY month_start""", [series_id])


def annual_budget(insutype: str) -> pd.DataFrame:
    """Per budget year, the total budget of the institutions under it (fct_budget_execution_rollup)."""
    return query("""
        SELECT budget_year, max(budget_amt)::double AS budget_amt FROM marts.fct_budget_execution_rollup
        WHERE rollup_level = 'all' AND insutype = ? GROUP BY budget_year ORDER BY budget_year""", [insutype])


def backtest_metrics(series_id: str) -> pd.DataFrame:
    """The series' backtest: one row per method × horizon (floats)."""
    return query("""
        SELECT method, horizon, is_default_method, mase::double AS mase, mase_vs_snaive::double AS mase_vs_snaive,
               bias::double AS bias, coverage80::double AS coverage80, coverage95::double AS coverage95,
               model_coverage80::double AS model_coverage80, model_coverage95::double AS model_coverage95, n_origins
        FROM marts.fct_fund_forecast_backtest WHERE series_id = ? ORDER BY method, horizon""", [series_id])
