"""The `project` command on a fresh Typer app, against the demo warehouse."""

from __future__ import annotations

import pandas as pd
import typer
from typer.testing import CliRunner

from analytics.projection import list_runs
from analytics.projection.cli import parse_override, register


def _text(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _main():
        """Make `project` a sub-command, as in `python -m analytics project`."""

    return app


def test_project_command_writes_the_csv_saves_the_run_and_attributes_the_change(demo_warehouse, tmp_path):
    runner = CliRunner()
    runs, out = tmp_path / "runs", tmp_path / "years.csv"
    first = runner.invoke(_app(), ["project", "--warehouse", str(demo_warehouse), "--runs-dir", str(runs),
                                   "--scenario", "高", "--horizon", "20", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "穿底年份" in first.output and "职工医保统筹基金" in first.output
    years = pd.read_csv(out)
    assert len(years) == 40 and set(years["fund"]) == {"employee", "resident"}
    second = runner.invoke(_app(), ["project", "--warehouse", str(demo_warehouse), "--runs-dir", str(runs),
                                    "--scenario", "high_cost", "--horizon", "20", "--set", "wage_growth=0.02"])
    assert second.exit_code == 0, second.output
    assert "缴费基数增长率" in second.output, "the change against the previous run is attributed"
    saved = list_runs(runs)
    assert saved["scenario"].tolist() == ["high_cost", "high_cost"]


def test_bad_override_is_one_error_paragraph_with_exit_code_2(demo_warehouse, tmp_path):
    result = CliRunner().invoke(_app(), ["project", "--warehouse", str(demo_warehouse), "--no-save",
                                         "--set", "wage_grwth=0.02"])
    assert result.exit_code == 2
    assert "Unknown assumption wage_grwth" in _text(result)
    assert "Traceback" not in result.output


def test_missing_warehouse_is_a_user_error(tmp_path):
    result = CliRunner().invoke(_app(), ["project", "--warehouse", str(tmp_path / "none.duckdb"), "--no-save"])
    assert result.exit_code == 2 and "no warehouse there" in _text(result)


def test_overrides_parse_numbers_null_and_words():
    assert parse_override("wage_growth=0.04") == ("wage_growth", 0.04)
    assert parse_override("horizon=40") == ("horizon", 40)
    assert parse_override("contribution_rate=null") == ("contribution_rate", None)
    assert parse_override("retirement_policy=pre2025") == ("retirement_policy", "pre2025")
