"""`python -m analytics forecast`: reads a CSV, writes six columns; bad input → one paragraph, exit 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analytics.cli import app

runner = CliRunner()


def write_csv(path, dates, values, header=("月份", "支出")) -> str:
    lines = [",".join(header)] + [f'{d},"{v}"' for d, v in zip(dates, values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def monthly_csv(tmp_path, n=30) -> str:
    dates = pd.date_range("2021-01-01", periods=n, freq="MS").strftime("%Y-%m")
    values = 1e5 * (1 + 0.01 * np.arange(n)) * (1 + 0.2 * (np.arange(n) % 12 == 11))
    return write_csv(tmp_path / "fund.csv", dates, [f"{v:,.2f}" for v in values])   # 100,000.00


def invoke(*args: str):
    return runner.invoke(app, ["forecast", *args])


def test_cli_writes_the_six_columns_for_the_horizon(tmp_path):
    out = tmp_path / "out" / "forecast.csv"
    result = invoke("--input", monthly_csv(tmp_path), "--date-col", "月份", "--value-col", "支出",
                    "--freq", "M", "--horizon", "6", "--method", "ets", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert list(written.columns) == ["date", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert written["date"].tolist() == [f"2023-{m:02d}-01" for m in range(7, 13)]
    assert "method: ets" in result.output


def test_cli_forecasts_an_annual_series_given_as_years(tmp_path):
    out = tmp_path / "annual.csv"
    path = write_csv(tmp_path / "income.csv", [2019, 2020, 2021, 2022, 2023], [236, 249, 257, 269, 282],
                     header=("year", "income"))
    result = invoke("--input", path, "--date-col", "year", "--value-col", "income", "--freq", "A",
                    "--horizon", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["date"].tolist() == [2024, 2025]
    assert "method: drift" in result.output


def test_cli_help_describes_every_option():
    result = runner.invoke(app, ["forecast", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--input", "--date-col", "--value-col", "--freq", "--horizon", "--out", "--method"):
        line = next(line for line in result.output.splitlines() if option in line)
        assert len(line.split(option, 1)[1].split()) > 2, line


@pytest.mark.parametrize("change, message", [
    ({"input": "missing.csv"}, "missing.csv: no such file"),
    ({"value_col": "收入"}, "no column '收入'; the columns are 月份, 支出"),
    ({"rows": {4: ("2021-13", "100")}}, "row 4, column '月份' is not a date: '2021-13'"),
    ({"rows": {7: ("2021-07", "12,3x")}}, "row 7, column '支出' is not a number: '12,3x'"),
    ({"rows": {9: ("2021-09", "")}}, "row 9, column '支出' is empty"),
    ({"rows": {3: ("2021-02", "100")}}, "rows 2, 3 of column '月份' are the same month (2021-02)"),
    ({"drop": 5}, "period 2021-05-01 is missing"),
    ({"length": 2}, "at least 3 are needed"),
])
def test_cli_bad_input_prints_one_paragraph_and_exits_2(tmp_path, change, message):
    n = change.get("length", 30)
    dates = list(pd.date_range("2021-01-01", periods=n, freq="MS").strftime("%Y-%m"))
    values = [str(100 + i) for i in range(n)]
    for row, (date, value) in change.get("rows", {}).items():
        dates[row - 1], values[row - 1] = date, value
    if "drop" in change:
        del dates[change["drop"] - 1], values[change["drop"] - 1]
    path = write_csv(tmp_path / "fund.csv", dates, values)
    result = invoke("--input", str(tmp_path / change["input"]) if "input" in change else path,
                    "--date-col", "月份", "--value-col", change.get("value_col", "支出"),
                    "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert message in output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_cli_reads_a_gb18030_export(tmp_path):
    path = tmp_path / "gbk.csv"
    dates = pd.date_range("2021-01-01", periods=26, freq="MS").strftime("%Y/%m/%d")
    path.write_bytes(("月份,支出\n" + "".join(f"{d},{100 + i}\n" for i, d in enumerate(dates))).encode("gb18030"))
    result = invoke("--input", str(path), "--date-col", "月份", "--value-col", "支出", "--horizon", "2",
                    "--method", "snaive", "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "out.csv")) == 2
