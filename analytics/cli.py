"""`python -m analytics`: forecasts for any series from a CSV file, the long-term projection and
the 双随机 draw of institutions to inspect."""

from __future__ import annotations

from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from analytics.errors import AnalyticsError
from analytics.forecast import ANNUAL_METHODS, METHODS, forecast_series
from analytics.forecast.csvfile import read_series_csv
from analytics.projection import cli as projection_cli
from analytics.targeting import sampling_cli

app = typer.Typer(help="Modelling on fund data: short-term forecasts, long-term projections, 双随机 draws.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
console = Console()
errors = Console(stderr=True)
_debug = False


class Freq(str, Enum):
    M = "M"
    A = "A"


@app.callback()
def _options(debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False):
    global _debug
    _debug = debug


@contextmanager
def user_errors():
    """AnalyticsError → one paragraph on stderr and exit code 2 (the traceback only with --debug)."""
    try:
        yield
    except AnalyticsError as exc:
        if _debug:
            raise
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


@app.command()
def forecast(
    input: Annotated[Path, typer.Option(help="CSV file with a date column and a value column.")],
    date_col: Annotated[str, typer.Option(help="Name of the date column (months, or years for --freq A).")],
    value_col: Annotated[str, typer.Option(help="Name of the value column (numbers, e.g. yuan).")],
    out: Annotated[Path, typer.Option(help="CSV file to write: date, mean, lo80, hi80, lo95, hi95.")],
    freq: Annotated[Freq, typer.Option(help="M for a monthly series, A for an annual one.")] = Freq.M,
    horizon: Annotated[int, typer.Option(min=1, max=120, help="Number of periods to forecast.")] = 12,
    method: Annotated[str, typer.Option(help=f"default, or one of {' '.join(METHODS)} (M); "
                                             f"{' '.join(ANNUAL_METHODS)} (A).")] = "default",
    seed: Annotated[int, typer.Option(help="Random seed recorded with the forecast.")] = 0,
):
    """Forecast a series from a CSV file, with 80% and 95% intervals."""
    with user_errors():
        series = read_series_csv(input, date_col, value_col, freq.value)
        result = forecast_series(series, horizon, freq=freq.value, method=method, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = result.frame.assign(date=result.frame["date"].dt.strftime("%Y-%m-%d" if freq == Freq.M else "%Y"))
    frame.to_csv(out, index=False, float_format="%.2f")
    console.print(f"{len(series)} points from {input} → {horizon} forecasts in {out}")
    console.print(f"method: {result.method}" + (f" (asked for {result.requested_method})"
                                                 if result.method != result.requested_method else ""))
    if result.fallback_reason:
        console.print(f"fallback: {result.fallback_reason}")
    console.print(f"intervals: {result.intervals}")


projection_cli.register(app)
sampling_cli.register(app)
