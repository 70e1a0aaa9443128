"""`python -m ingest`: generate demo data, load deliveries, show what was landed, build the warehouse."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable
from rich.text import Text

from ingest import settings
from ingest.errors import IngestError

app = typer.Typer(help="Data in: synthetic deliveries, validated loading, landing status.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
# No console markup: messages carry file paths and cell values, whose brackets ("[/x]") rich would
# read as markup tags and fail on.
console = Console(markup=False)
errors = Console(stderr=True, markup=False)
_debug = False


class Format(str, Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


class Encoding(str, Enum):
    utf8 = "utf-8"
    gb18030 = "gb18030"


@app.callback()
def _options(debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False):
    global _debug
    _debug = debug


@contextmanager
def _progress():
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(step: str, done: int, total: int) -> None:
            name = step.split(":")[0]
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=max(total, 1))
            bar.update(tasks[name], completed=done, total=max(total, 1), description=step)
        yield update
        for task in bar.tasks:
            bar.update(task.id, completed=task.total)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the delivery files into.")] = Path("data/raw"),
    persons: Annotated[int, typer.Option(min=500, help="Number of insured persons (at least 500).")] = 20_000,
    years: Annotated[int, typer.Option(min=1, max=20, help="Number of years of activity.")] = 3,
    start_year: Annotated[int, typer.Option(min=2015, max=2030, help="First year.")] = 2022,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 42,
    format: Annotated[Format, typer.Option(help="File format of the delivery.")] = Format.csv,
    encoding: Annotated[Encoding, typer.Option(help="Text encoding of CSV files.")] = Encoding.utf8,
):
    """Write a synthetic county delivery (every raw table) plus ground truth in OUT/truth."""
    from ingest.generate import generate as run

    with _progress() as update:
        counts = run(out, persons=persons, years=years, start_year=start_year, seed=seed,
                     fmt=format.value, encoding=encoding.value, progress=update)
    table = RichTable("table", "rows", title=f"written to {out}")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@app.command()
def load(
    directory: Annotated[Path, typer.Argument(help="Folder holding the delivery files.")],
    landing: Annotated[Optional[Path], typer.Option(help="Landing database file.")] = None,
    tables: Annotated[Optional[str], typer.Option(
        help="Comma-separated tables this delivery holds, or the groups settlement and enforcement "
             "(default: every table is expected).")] = None,
):
    """Validate a delivery against the contract and land it; bad rows go to quarantine."""
    from ingest.land import load_directory

    target = landing or settings.landing_path()
    wanted = [t.strip() for t in tables.split(",")] if tables else None
    with _progress() as update:
        report = load_directory(directory, target, tables=wanted, progress=update)
    table = RichTable("table", "files", "unchanged", "rows in", "landed", "quarantined", "replaced",
                      title=f"loaded into {target}")
    for name, t in report.by_table().items():
        table.add_row(name, str(t["files"]), str(t["unchanged"]), f"{t['rows_in']:,}",
                      f"{t['landed']:,}", f"{t['quarantined']:,}", f"{t['replaced']:,}")
    console.print(table)
    quarantined = sum(t["quarantined"] for t in report.by_table().values())
    if quarantined:
        console.print(f"{quarantined:,} rows quarantined with their reasons: "
                      f"python -m ingest status --landing {target}")


@app.command()
def status(
    landing: Annotated[Optional[Path], typer.Option(help="Landing database file.")] = None,
    limit: Annotated[int, typer.Option(help="Quarantine reasons to show.")] = 20,
):
    """Landed batches per table and the most frequent quarantine reasons."""
    target = landing or settings.landing_path()
    if not target.exists():
        raise IngestError(f"{target}: no landing database yet; run `python -m ingest load DIR`.")
    con = duckdb.connect(str(target), read_only=True)
    batches = con.execute("""
        SELECT table_name, count(*), sum(rows_in), sum(rows_landed), sum(rows_quarantined),
               max(loaded_at)
        FROM meta.batches GROUP BY 1 ORDER BY 1""").fetchall()
    table = RichTable("table", "batches", "rows in", "landed", "quarantined", "last load")
    for name, n, rows_in, landed, quarantined, last in batches:
        table.add_row(name, str(n), f"{rows_in:,}", f"{landed:,}", f"{quarantined:,}",
                      f"{last:%Y-%m-%d %H:%M}")
    console.print(table)
    reasons = con.execute("""
        SELECT table_name, file_path, min(row_number), count(*),
               regexp_replace(reason, '''[^'']*''', '…', 'g') AS kind
        FROM meta.quarantine GROUP BY table_name, file_path, kind
        ORDER BY count(*) DESC LIMIT ?""", [limit]).fetchall()
    if reasons:
        q = RichTable("table", "file", "first row", "rows", "reason", title="quarantine")
        for name, path, first, n, kind in reasons:
            q.add_row(name, Path(path).name, str(first), f"{n:,}", kind)
        console.print(q)


@app.command("export-parquet")
def export_parquet(
    out: Annotated[Optional[Path], typer.Option(
        help="Folder to write <table>/<batch>.parquet into (default $YIBAO_LANDING_PARQUET).")] = None,
    landing: Annotated[Optional[Path], typer.Option(help="Landing database file.")] = None,
):
    """Write the landed raw tables as Parquet, one folder per table, for the Spark target;
    batch files already up to date are left alone."""
    from ingest.parquet import export_parquet as run

    target = out or settings.landing_parquet_dir()
    exports = run(landing or settings.landing_path(), target)
    table = RichTable("table", "rows", "written", "unchanged", "removed", title=f"Parquet in {target}")
    for t in exports:
        table.add_row(t.table, f"{t.rows:,}", str(t.written), str(t.unchanged), str(t.removed))
    console.print(table)


@app.command()
def build(
    select: Annotated[Optional[list[str]], typer.Option(
        "--select", "-s", help="dbt selection to rebuild inside a copy of the served warehouse.")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(help="dbt nodes to leave out (as dbt --exclude).")] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", "-x", help="Stop at the first failing node.")] = False,
    docs: Annotated[bool, typer.Option(help="Also run dbt docs generate on the new build before the swap.")] = False,
    keep_previous: Annotated[bool, typer.Option(
        help="Keep the replaced build as <warehouse>.previous (a hard link) for --rollback.")] = True,
    rollback: Annotated[bool, typer.Option(
        "--rollback", help="Swap <warehouse>.previous back in instead of building.")] = False,
    warehouse: Annotated[Optional[Path], typer.Option(help="Served warehouse file (default $YIBAO_WAREHOUSE).")] = None,
    landing: Annotated[Optional[Path], typer.Option(help="Landing database file (default $YIBAO_LANDING).")] = None,
    target_path: Annotated[Optional[Path], typer.Option(help="dbt artefacts and logs folder (default target/).")] = None,
):
    """Run dbt build into a new file and swap it onto the served warehouse only when every model
    and test passed; a failed or interrupted build leaves the served warehouse as it was."""
    from ingest import build as builds

    served = warehouse or settings.warehouse_path()

    def echo(line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()
    try:
        if rollback:
            builds.rollback(served)
            console.print(f"rolled back: {served} is the previous build again "
                          f"(the replaced one is now {served.name}.previous)", highlight=False, soft_wrap=True)
            return
        result = builds.build(served, landing or settings.landing_path(), select=select or (),
                              exclude=exclude or (), fail_fast=fail_fast, docs=docs,
                              keep_previous=keep_previous, target_path=target_path, echo=echo)
    except builds.BuildError as exc:
        if _debug:
            raise
        _print_error(exc, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    kept = f"; the replaced build is kept as {result.previous.name}" if result.previous else ""
    copied = f", copy {result.copy_seconds:.1f} s" if result.copy_seconds >= 0.05 else ""
    console.print(f"swapped in: {result.served} ({result.nodes} dbt nodes, {result.warnings} warnings, "
                  f"{result.seconds:.1f} s{copied}, checkpoint and swap {result.swap_seconds:.2f} s){kept}",
                  highlight=False, soft_wrap=True)


def _print_error(exc: Exception, soft_wrap: bool = False) -> None:
    errors.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=soft_wrap)


def main() -> None:
    try:
        app()
    except IngestError as exc:
        if _debug:
            raise
        _print_error(exc)
        sys.exit(2)
