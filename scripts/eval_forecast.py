"""Backtest every forecasting method on a generated county and write docs/forecast-backtest.md.

    python scripts/eval_forecast.py                            # generate, load and build first
    python scripts/eval_forecast.py --warehouse W.duckdb       # reuse a built warehouse

The series are the fund totals of marts.fct_fund_monthly (income and expenditure of the fund
total 999999, the employee pooled fund 310100 and the resident fund 390100). Each is
backtested with every monthly method (rolling origin, horizons 1–12); the default method is
compared with the seasonal naive per horizon against the targets (MASE ≤ 0.8 × seasonal naive,
95% coverage 90–98%). The annual methods are backtested on the yearly sums. The results go
between the markers of the doc; the text around them is written by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.forecast import DEFAULT_ANNUAL_METHOD, DEFAULT_METHOD, METHODS, backtest, forecast_series  # noqa: E402

DOC = ROOT / "docs" / "forecast-backtest.md"
START, END = "<!-- eval_forecast:start -->", "<!-- eval_forecast:end -->"
BIN = Path(sys.executable).parent
SERIES = [("999999", "income_amt", "基金合计 收入"), ("999999", "expenditure_amt", "基金合计 支出"),
          ("310100", "income_amt", "职工统筹 收入"), ("310100", "expenditure_amt", "职工统筹 支出"),
          ("390100", "income_amt", "居民医保 收入"), ("390100", "expenditure_amt", "居民医保 支出")]
TARGET_RATIO, TARGET_COVERAGE = 0.8, (0.90, 0.98)


def build_warehouse(work: Path, persons: int, years: int, start_year: int, seed: int) -> Path:
    """Generate a delivery, load it and `dbt build` it under `work`; the warehouse file."""
    raw, landing, warehouse = work / "raw", work / "landing.duckdb", work / "warehouse.duckdb"
    env = {**os.environ, "YIBAO_LANDING": str(landing), "YIBAO_WAREHOUSE": str(warehouse),
           "DBT_PROFILES_DIR": str(ROOT)}
    python = str(BIN / "python")
    for step in ([python, "-m", "ingest", "generate", "--out", str(raw), "--persons", str(persons),
                  "--years", str(years), "--start-year", str(start_year), "--seed", str(seed)],
                 [python, "-m", "ingest", "load", str(raw), "--landing", str(landing)],
                 [str(BIN / "dbt"), "build", "--quiet", "--target-path", str(work / "target"),
                  "--log-path", str(work / "logs")]):
        print("==>", " ".join(step[1:4]), flush=True)
        done = subprocess.run(step, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(step)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return warehouse


def read_series(warehouse: Path) -> dict[str, pd.Series]:
    """Label → monthly series (float yuan) on month starts."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = con.execute("""
            SELECT fund_pay_type, month_start, CAST(income_amt AS DOUBLE) AS income_amt,
                   CAST(expenditure_amt AS DOUBLE) AS expenditure_amt
            FROM marts.fct_fund_monthly WHERE fund_pay_type IN ('999999', '310100', '390100')
            ORDER BY month_start""").df()
    finally:
        con.close()
    out = {}
    for fund, column, label in SERIES:
        rows = frame[frame["fund_pay_type"] == fund]
        out[label] = pd.Series(rows[column].to_numpy(), index=pd.DatetimeIndex(rows["month_start"]), name=label)
    return out


def table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A Markdown table; numbers right-aligned with `digits` decimals."""
    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return "–" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def monthly_results(series: dict[str, pd.Series], horizon: int, min_origins: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics of every method on every series, and the runtime per series."""
    metrics, runtimes = [], []
    for label, y in series.items():
        cpu = time.process_time()
        result = backtest(y, horizon=horizon, methods=list(METHODS), min_origins=min_origins)
        runtimes.append({"series": label, "months": len(y), "origins fitted": result.errors["origin"].nunique(),
                         "wall s": result.seconds, "CPU s": time.process_time() - cpu})
        metrics.append(result.metrics.assign(series=label))
        print(f"{label}: {result.seconds:.1f} s; default/snaive "
              f"{_ratio(result.metrics).mean():.2f}", flush=True)
    return pd.concat(metrics, ignore_index=True), pd.DataFrame(runtimes)


def _ratio(metrics: pd.DataFrame) -> pd.Series:
    """Default MASE / seasonal-naive MASE per horizon."""
    mase = metrics.pivot_table(index="horizon", columns="method", values="mase")
    return mase[DEFAULT_METHOD] / mase["snaive"]


def annual_results(series: dict[str, pd.Series]) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Annual methods backtested at h = 1 on the yearly sums of complete years, and a 3-year
    forecast of the fund total's income."""
    metrics, sums = [], {}
    for label, y in series.items():
        years = y.groupby(y.index.year).agg(["sum", "count"])
        sums[label] = years.loc[years["count"] == 12, "sum"]
        metrics.append(backtest(sums[label], horizon=1, freq="A").metrics.assign(series=label))
    metrics = pd.concat(metrics, ignore_index=True)
    board = metrics.groupby("method").agg(mase=("mase", "mean"), bias=("bias", "mean"),
                                          coverage95=("model_coverage95", "mean"),
                                          origins=("n_origins", "sum")).reset_index()
    example = forecast_series(sums["基金合计 收入"], horizon=3, freq="A")
    frame = example.frame.assign(date=example.frame["date"].dt.year)
    frame[frame.columns[1:]] = frame[frame.columns[1:]] / 1e4
    history = ", ".join(f"{year}: {value / 1e4:,.1f}" for year, value in sums["基金合计 收入"].items())
    note = f"History (万元) {history}. Method used: {example.method}; intervals: {example.intervals}."
    return board.sort_values("mase"), frame.rename(columns={"date": "year"}), note


def report(metrics: pd.DataFrame, runtimes: pd.DataFrame, annual: tuple, source: str, opts) -> str:
    """The generated part of the doc."""
    pooled = metrics.groupby(["method", "horizon"])[["mase", "bias", "coverage80", "coverage95",
                                                     "model_coverage80", "model_coverage95"]].mean()
    snaive = pooled.xs("snaive", level="method")["mase"]
    board = pooled.groupby(level="method").mean()
    board["relative to snaive"] = pooled["mase"].groupby(level="method").mean() / snaive.mean()
    board = board.sort_values("mase").reset_index()
    by_h = pooled["mase"].unstack("horizon")
    ratio_rows = [{"series": "pooled (mean MASE)", **(by_h.loc[DEFAULT_METHOD] / snaive).to_dict()}]
    for label, group in metrics.groupby("series", sort=False):
        ratio_rows.append({"series": label, **_ratio(group).to_dict()})
    ratios = pd.DataFrame(ratio_rows).rename(columns=lambda c: f"h{c}" if isinstance(c, (int, np.integer)) else c)
    per_series = metrics.pivot_table(index="series", columns="method", values="mase", sort=False)
    per_series = per_series.div(per_series["snaive"], axis=0)[list(board["method"])].reset_index()
    default = metrics[metrics["method"] == DEFAULT_METHOD].groupby("series", sort=False)[
        ["coverage80", "coverage95", "model_coverage80", "model_coverage95", "bias", "n_calibrated"]].mean().reset_index()
    missed = [c for c in ratios.columns[1:] if ratios.loc[0, c] > TARGET_RATIO]
    cover95 = board.set_index("method").loc[DEFAULT_METHOD, "coverage95"]
    annual_board, annual_example, annual_note = annual
    lines = [
        f"Generated by `scripts/eval_forecast.py` on {pd.Timestamp.today():%Y-%m-%d}: {source}, "
        f"horizons 1–{opts.horizon}, at least {opts.min_origins} origins at the longest horizon. "
        f"Default method: **{DEFAULT_METHOD}**; annual default: **{DEFAULT_ANNUAL_METHOD}**.",
        "",
        f"**Targets.** Default MASE ≤ {TARGET_RATIO} × seasonal naive at every horizon (pooled over the six "
        f"series): {'met' if not missed else 'not met at ' + ', '.join(missed)}. "
        f"Default 95% coverage {cover95:.1%} (target {TARGET_COVERAGE[0]:.0%}–{TARGET_COVERAGE[1]:.0%}): "
        f"{'met' if TARGET_COVERAGE[0] <= cover95 <= TARGET_COVERAGE[1] else 'not met'} pooled; per series below.",
        "",
        "### Leaderboard (mean over series and horizons)",
        "",
        "coverage = calibrated intervals as returned by `forecast_series`; model_coverage = the model's own.",
        "",
        table(board[["method", "mase", "relative to snaive", "bias", "coverage80", "coverage95",
                     "model_coverage80", "model_coverage95"]]),
        "",
        "### MASE by horizon (mean over the six series)",
        "",
        table(by_h.rename(columns=lambda h: f"h{h}").reset_index()),
        "",
        "### MASE ÷ seasonal-naive MASE per series (mean over horizons)",
        "",
        table(per_series),
        "",
        f"### {DEFAULT_METHOD} MASE ÷ seasonal-naive MASE, per horizon",
        "",
        table(ratios),
        "",
        f"### {DEFAULT_METHOD}: interval coverage and bias per series (mean over horizons)",
        "",
        table(default),
        "",
        "### Runtime: a full backtest of one series, every method",
        "",
        f"Machine: {os.cpu_count()} cores. Every origin from 24 months on is fitted "
        "(the earlier ones only calibrate intervals).",
        "",
        table(runtimes, digits=1),
        "",
        "### Annual series (yearly sums of complete years; h = 1)",
        "",
        table(annual_board),
        "",
        f"Forecast of 基金合计 收入, 万元, with `forecast_series(freq='A')`. {annual_note}",
        "",
        table(annual_example, digits=1),
    ]
    return "\n".join(lines)


def write_doc(body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Forecast backtest\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a built warehouse to reuse (skips generate/load/build)")
    parser.add_argument("--workdir", type=Path, help="keep the generated data here instead of a temp dir")
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--start-year", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--min-origins", type=int, default=24)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yibao-forecast-") as tmp:
        warehouse = opts.warehouse or build_warehouse(opts.workdir or Path(tmp), opts.persons, opts.years,
                                                      opts.start_year, opts.seed)
        series = read_series(warehouse)
    metrics, runtimes = monthly_results(series, opts.horizon, opts.min_origins)
    source = (f"warehouse {opts.warehouse}" if opts.warehouse else
              f"{opts.persons:,} persons × {opts.years} years from {opts.start_year} (seed {opts.seed})")
    body = report(metrics, runtimes, annual_results(series), source, opts)
    print(body)
    write_doc(body)


if __name__ == "__main__":
    main()
