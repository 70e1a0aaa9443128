"""`project` command: run a scenario on the warehouse, print its headline years, save the run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from analytics.errors import AnalyticsError

console = Console()


def parse_override(text: str) -> tuple[str, object]:
    """'name=value' → (name, value): null/none → None, numbers as numbers, anything else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise AnalyticsError(f"--set {text!r}: write an override as NAME=VALUE, e.g. --set wage_growth=0.04.")
    raw = raw.strip()
    if raw.lower() in ("null", "none", ""):
        return name.strip(), None
    for cast in (int, float):
        try:
            return name.strip(), cast(raw)
        except ValueError:
            pass
    return name.strip(), raw


def _year(value) -> str:
    return "—" if value != value else str(int(value))        # NaN: not within the horizon


def project_command(
    scenario: Annotated[str, typer.Option(
        "--scenario", "-s", help="low_cost, intermediate or high_cost (低/中/高).")] = "intermediate",
    horizon: Annotated[Optional[int], typer.Option(
        min=1, max=100, help="Years to project (default: the scenario's).")] = None,
    override: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Override an assumption, NAME=VALUE; repeatable.")] = None,
    warehouse: Annotated[Optional[Path], typer.Option(
        help="Warehouse DuckDB file (default $YIBAO_WAREHOUSE).")] = None,
    base_year: Annotated[Optional[int], typer.Option(help="Base year (default: the last complete year).")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="Write the yearly results (one row per year × fund) to this CSV.")] = None,
    runs_dir: Annotated[Optional[Path], typer.Option(
        help="Directory of saved runs (default $YIBAO_DATA/projections).")] = None,
    label: Annotated[str, typer.Option(help="A note saved with the run.")] = "",
    save: Annotated[bool, typer.Option(help="Save the run (assumptions, inputs fingerprint, results).")] = True,
):
    """Project both pooled funds under a scenario; print 当期赤字 and 穿底 years; save the run."""
    from analytics.cli import user_errors

    with user_errors():
        _run(scenario, horizon, override or [], warehouse, base_year, out, runs_dir, label, save)


def _run(scenario_name, horizon, overrides, warehouse, base_year, out, runs_dir, label, save) -> None:
    from analytics.projection import attribution, runs
    from analytics.projection.assumptions import scenario
    from analytics.projection.engine import project
    from analytics.projection.warehouse import load_base
    from ingest import settings

    values = dict(parse_override(text) for text in overrides)
    if horizon is not None:
        values["horizon"] = horizon
    assumptions = scenario(scenario_name, **values)
    base = load_base(warehouse or settings.warehouse_path(), base_year=base_year)
    projection = project(base, assumptions)

    table = Table(title=f"{base.label} · {assumptions.scenario}")
    table.add_column("基金", no_wrap=True)
    horizon_year = projection.summary["horizon_year"].iloc[0]
    for header in ("当期赤字年份", "穿底年份", f"{horizon_year}年末\n累计结余(万元)", "平衡缴费率\n/人均补助"):
        table.add_column(header, justify="right")
    for fund, row in projection.summary.iterrows():
        lever = (f"{row['level_contribution_rate']:.2%}" if fund == "employee"
                 else f"{row['level_subsidy_per_head']:,.0f} 元")
        table.add_row(row["fund_name_zh"], _year(row["first_deficit_year"]), _year(row["depletion_year"]),
                      f"{row['balance_at_horizon'] / 1e4:,.1f}", lever)
    console.print(table)
    if out is not None:
        try:
            projection.years.to_csv(out, index=False, encoding="utf-8")
        except OSError as exc:
            raise AnalyticsError(f"{out}: cannot write the results ({exc.strerror or exc}).") from exc
        console.print(f"yearly results written to {out}")
    if save:
        run = runs.save_run(projection, runs_dir, label=label)
        console.print(f"saved run {run.run_id} in {run.path.parent}")
        previous = runs.previous_run(run, runs_dir)
        if previous is not None:
            steps = attribution.attribute(previous, run)
            moved = steps[(steps["balance_change"].abs() > 0.5) | (steps["depletion_year_change"] != 0)]
            for _, step in moved.iterrows():
                console.print(f"  vs {previous.run_id}: {step['label_zh']} → {step['fund']} 穿底年份 "
                              f"{step['depletion_year_change']:+.0f}, "
                              f"累计结余 {step['balance_change'] / 1e4:+,.1f} 万元")


def register(app: typer.Typer) -> None:
    """Add the `project` command to a Typer app (the analytics CLI)."""
    app.command("project")(project_command)
